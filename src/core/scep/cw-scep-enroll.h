/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-scep-client.h"

#include <gnutls/abstract.h>

G_BEGIN_DECLS

/**
 * CwScepEnrollment:
 *
 * One SCEP transaction (RFC 8894 §3.3): GetCACaps, GetCACert, the request
 * (PKCSReq signed by a throwaway self-signed certificate of the new key,
 * or RenewalReq signed by the current certificate when the CA lists
 * Renewal), then CertPoll every poll_interval seconds while the CA says
 * PENDING, until it issues, refuses or max_pending seconds pass.
 */
typedef struct {
  gnutls_x509_crq_t      csr;            /* for the new key, with the challenge password; taken */
  gnutls_x509_privkey_t  key;            /* the new key; taken */
  gnutls_x509_crt_t      current_cert;   /* for a renewal, or NULL; taken */
  gnutls_x509_privkey_t  current_key;    /* with current_cert; taken */
  guint                  poll_interval;
  gint64                 max_pending;    /* seconds */
  /* called on the main context after each CertPoll: @last when it was
   * sent, @next when the next one is due (0: none) */
  void                 (*polled) (gint64 last, gint64 next, gpointer user_data);
  gpointer               polled_data;
} CwScepEnrollment;

void cw_scep_enrollment_free (CwScepEnrollment *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwScepEnrollment, cw_scep_enrollment_free)

/* Runs @e (taken) against @client. */
void   cw_scep_enroll_async (CwScepClient *client, CwScepEnrollment *e, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
/* The issued certificate and its intermediates (PEM, leaf first), or an
 * error: the CA's FAILURE in words ("badRequest: …"), an unreachable
 * server, an answer that is not SCEP. */
gchar *cw_scep_enroll_finish (CwScepClient *client, GAsyncResult *result, GError **error);

G_END_DECLS
