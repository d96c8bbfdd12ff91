/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One challenge of an ACME authorization to be answered. */
typedef struct {
  gchar   *identifier;         /* the DNS name or IP address */
  gchar   *token;
  gchar   *key_authorization;  /* token "." thumbprint */
  gboolean wildcard;
} CwChallenge;

CwChallenge *cw_challenge_new (const gchar *identifier, const gchar *token, const gchar *key_authorization,
                               gboolean wildcard) G_GNUC_WARN_UNUSED_RESULT;
void         cw_challenge_free (CwChallenge *challenge);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwChallenge, cw_challenge_free)

#define CW_TYPE_CHALLENGE_SOLVER (cw_challenge_solver_get_type ())
G_DECLARE_INTERFACE (CwChallengeSolver, cw_challenge_solver, CW, CHALLENGE_SOLVER, GObject)

/**
 * CwChallengeSolver:
 *
 * Makes challenges answerable: HTTP-01 (cw-http01.h) serves key
 * authorizations, DNS-01 publishes TXT records. An order presents all its
 * challenges, waits until the solver says they can be checked (DNS
 * propagation), tells the CA, and cleans up whatever the outcome.
 */
struct _CwChallengeSolverInterface {
  GTypeInterface parent_iface;

  /* "http-01", "dns-01" */
  const gchar *(*get_challenge_type) (CwChallengeSolver *self);
  void     (*present_async)  (CwChallengeSolver *self, GPtrArray *challenges, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*present_finish) (CwChallengeSolver *self, GAsyncResult *result, GError **error);
  void     (*cleanup_async)  (CwChallengeSolver *self, GPtrArray *challenges, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*cleanup_finish) (CwChallengeSolver *self, GAsyncResult *result, GError **error);
};

const gchar *cw_challenge_solver_get_challenge_type (CwChallengeSolver *self);
/* Makes every CwChallenge in @challenges answerable (and, for DNS, visible). */
void         cw_challenge_solver_present_async (CwChallengeSolver *self, GPtrArray *challenges,
                                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                                gpointer user_data);
gboolean     cw_challenge_solver_present_finish (CwChallengeSolver *self, GAsyncResult *result, GError **error);
/* Takes them away again; called whatever happened. */
void         cw_challenge_solver_cleanup_async (CwChallengeSolver *self, GPtrArray *challenges,
                                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                                gpointer user_data);
gboolean     cw_challenge_solver_cleanup_finish (CwChallengeSolver *self, GAsyncResult *result, GError **error);

G_END_DECLS
