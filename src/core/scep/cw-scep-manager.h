/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-store.h"

G_BEGIN_DECLS

#define CW_TYPE_SCEP_MANAGER (cw_scep_manager_get_type ())
G_DECLARE_FINAL_TYPE (CwScepManager, cw_scep_manager, CW, SCEP_MANAGER, GObject)

/**
 * CwScepManager:
 *
 * Obtains and renews certificates from SCEP CAs (RFC 8894) for the store,
 * as CwAcmeManager does from ACME CAs: the certificate waits in the store
 * as a pending request (new key and CSR) while its enrollment runs, so the
 * current revision stays in place until the CA's certificate is installed
 * and a restart resumes the enrollment (cw_scep_manager_resume). A
 * failure makes the certificate "failed" with the CA's reason in
 * LastError. The challenge password lives in the certificate's directory
 * (CW_SCEP_SECRET_FILE, 0600) and goes nowhere else.
 *
 * Signals: ::enrollment-finished (CwCertificate *cert, GError *error,
 * gint64 retry_after): an enrollment ended, installed (@error NULL) or
 * failed; @retry_after is always -1 (SCEP has no such hint).
 */
CwScepManager *cw_scep_manager_new (CwStore *store);

/* Restarts the enrollment of every SCEP certificate still waiting for its
 * certificate. */
void           cw_scep_manager_resume (CwScepManager *self);
/* TRUE while an enrollment for @cert runs (polls included). */
gboolean       cw_scep_manager_is_working (CwScepManager *self, CwCertificate *cert);

/* A certificate from the SCEP CA @scep names: creates @name (or updates
 * the SCEP certificate of that name), makes its key and CSR from @spec,
 * keeps @challenge (NULL: none, or on an update the one it has), starts
 * the enrollment and returns. Takes @spec and @scep. */
void           cw_scep_manager_request_async (CwScepManager *self, const gchar *name, CwIssueSpec *spec,
                                              CwScepSpec *scep, const gchar *challenge,
                                              const gchar * const *roles, const gchar *tenant,
                                              GCancellable *cancellable, GAsyncReadyCallback callback,
                                              gpointer user_data);
CwCertificate *cw_scep_manager_request_finish (CwScepManager *self, GAsyncResult *result, GError **error);

/* Starts a renewal (RenewalReq when the CA lists Renewal, else a new
 * PKCSReq; always a new key): CW_ERROR_NOT_DUE unless due or @force. */
void           cw_scep_manager_renew_async (CwScepManager *self, CwCertificate *cert, gboolean force,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean       cw_scep_manager_renew_finish (CwScepManager *self, GAsyncResult *result, GError **error);

G_END_DECLS
