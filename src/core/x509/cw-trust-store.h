/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One trusted CA certificate. */
typedef struct {
  gchar   *fingerprint;  /* SHA-256, lower-case hex */
  gchar   *subject;
  gchar   *issuer;
  gchar   *serial;
  gint64   not_before;
  gint64   not_after;
  gboolean from_system;
  gchar   *pem;
} CwTrustEntry;

#define CW_TYPE_TRUST_STORE (cw_trust_store_get_type ())
G_DECLARE_FINAL_TYPE (CwTrustStore, cw_trust_store, CW, TRUST_STORE, GObject)

/**
 * CwTrustStore:
 *
 * The CA certificates the PBX trusts when it is the TLS client. What is
 * trusted is the system bundle (unless replaced), minus the system
 * certificates the administrator removed, plus those added; so updates of
 * the system bundle flow through while the administrator's choices stay.
 * State under DIR: trust.ini and added.pem; the published bundle is
 * DIR/ca-bundle.pem, rewritten atomically (in a worker thread) after every
 * change, then ::changed fires. Changes are serialised: a second one while
 * the first runs fails with CW_ERROR_BUSY.
 */
CwTrustStore *cw_trust_store_new (const gchar *dir, const gchar *system_bundle,
                                  const gchar *default_mode) G_GNUC_WARN_UNUSED_RESULT;
/* Reads the state (seeding it from the system bundle on first start) and
 * writes the bundle file. */
gboolean      cw_trust_store_load (CwTrustStore *self, GError **error);

const gchar  *cw_trust_store_get_bundle_path (CwTrustStore *self);
guint         cw_trust_store_get_count (CwTrustStore *self);
/* CwTrustEntry (borrowed), sorted by subject. */
GPtrArray    *cw_trust_store_list (CwTrustStore *self);
GBytes       *cw_trust_store_export (CwTrustStore *self) G_GNUC_WARN_UNUSED_RESULT;
const gchar  *cw_trust_store_get_mode (CwTrustStore *self);

/* Add: the fingerprints of the certificates in @data. */
void          cw_trust_store_add_async (CwTrustStore *self, GBytes *data, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gchar       **cw_trust_store_add_finish (CwTrustStore *self, GAsyncResult *result,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
void          cw_trust_store_replace_async (CwTrustStore *self, GBytes *data, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
void          cw_trust_store_remove_async (CwTrustStore *self, const gchar *fingerprint, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
void          cw_trust_store_reset_async (CwTrustStore *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
void          cw_trust_store_set_mode_async (CwTrustStore *self, const gchar *mode, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
/* The finish of replace, remove, reset and set_mode. */
gboolean      cw_trust_store_change_finish (CwTrustStore *self, GAsyncResult *result, GError **error);
gboolean      cw_trust_store_mode_is_valid (const gchar *mode, GError **error);
/* A shared backend (a cluster's database): every change of this store is
 * given to commit() as the state before and after it (text) before any
 * file changes; FALSE fails the change and nothing changes here. Called in
 * a worker thread; it may block. */
typedef struct {
  gboolean (*commit) (gpointer user_data, const gchar *before, const gchar *after, GError **error);
} CwTrustStoreBackend;

void          cw_trust_store_set_backend (CwTrustStore *self, const CwTrustStoreBackend *backend,
                                          gpointer user_data);
/* Makes this store's state the shared @state (the backend's "after"):
 * files and ::changed as for a change made here, nothing committed back;
 * nothing at all when it is the state here already. Finish with
 * cw_trust_store_change_finish. */
void          cw_trust_store_apply_shared_async (CwTrustStore *self, GBytes *state, GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);
/* TRUE when no change is being written; ::idle fires when one finished. */
gboolean      cw_trust_store_is_idle (CwTrustStore *self);

G_END_DECLS
