/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-accounts.h"
#include "cw-acme-gate.h"
#include "cw-http01.h"
#include "cw-tls-alpn01.h"
#include "cw-provider-manager.h"
#include "cw-store.h"

G_BEGIN_DECLS

#define CW_TYPE_ACME_MANAGER (cw_acme_manager_get_type ())
G_DECLARE_FINAL_TYPE (CwAcmeManager, cw_acme_manager, CW, ACME_MANAGER, GObject)

/**
 * CwAcmeManager:
 *
 * Obtains certificates from ACME CAs for the store: keeps the accounts
 * (STATE/accounts), one client per CA directory, and the orders in flight,
 * at most [acme] max-concurrent-orders at a time per CA (the rest wait
 * their turn). Every order runs on the main loop; keys are made in worker
 * threads by the store, which also commits each certificate.
 *
 * An order's certificate waits in the store as a pending request (key and
 * CSR on disk) until the CA has issued it, so a restart resumes it
 * (cw_acme_manager_resume) and a failure leaves the current revision in
 * place: the certificate becomes "failed" with the CA's reason in
 * LastError and a CW_EVENT_FAILED event.
 *
 * Signals: ::order-finished (CwCertificate *cert, GError *error, gint64 retry_after):
 * an order ended, installed (@error NULL) or failed (@retry_after: the
 * CA's wait in seconds, -1 when it gave none); not for abandoned orders.
 */
/* HTTPS to the CAs is verified by the default TLS database: see
 * cw_tls_database_install(). */
CwAcmeManager *cw_acme_manager_new (CwStore *store, GError **error);

CwHttp01      *cw_acme_manager_get_http01 (CwAcmeManager *self);
CwTlsAlpn01   *cw_acme_manager_get_tls_alpn01 (CwAcmeManager *self);
/* The DNS providers dns-01 orders publish through. */
void           cw_acme_manager_set_providers (CwAcmeManager *self, CwProviderManager *providers);
CwProviderManager *cw_acme_manager_get_providers (CwAcmeManager *self);
/* The accounts orders are signed with (owned by the manager). */
CwAcmeAccounts *cw_acme_manager_get_accounts (CwAcmeManager *self);
/* TRUE while an order for @cert is queued or running. */
gboolean       cw_acme_manager_is_working (CwAcmeManager *self, CwCertificate *cert);
/* Orders queued or running, for all CAs. */
guint          cw_acme_manager_get_order_count (CwAcmeManager *self);

/* The directory @acme orders from: its account's, its own, or the
 * configuration's. */
const gchar   *cw_acme_manager_directory_of (CwAcmeManager *self, const CwAcmeSpec *acme);

/* Restarts the orders of every ACME certificate still waiting for its
 * certificate (a restart in the middle of an order). */
void           cw_acme_manager_resume (CwAcmeManager *self);

/* A certificate for @identities that the agent obtains and keeps renewed:
 * creates the certificate @name (or updates the ACME certificate of that
 * name), makes its key and CSR, starts the order and returns — the order's
 * outcome shows in the certificate's State and the store's events.
 * Takes @acme. */
void           cw_acme_manager_request_async (CwAcmeManager *self, const gchar *name,
                                              const gchar * const *identities, CwKeyType key_type,
                                              CwAcmeSpec *acme, const gchar * const *roles,
                                              const gchar *tenant, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
CwCertificate *cw_acme_manager_request_finish (CwAcmeManager *self, GAsyncResult *result, GError **error);

/* Renewals ask @gate first (cw-acme-gate.h); NULL: none. */
void           cw_acme_manager_set_gate (CwAcmeManager *self, const CwAcmeGate *gate, gpointer gate_data);

/* Starts a reissue: CW_ERROR_NOT_DUE unless due or @force. @reuse_key: -1
 * as the certificate says, 0 a new key, 1 the current key. */
void           cw_acme_manager_renew_async (CwAcmeManager *self, CwCertificate *cert, gboolean force,
                                            gint reuse_key, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean       cw_acme_manager_renew_finish (CwAcmeManager *self, GAsyncResult *result, GError **error);

/* Revokes the current certificate (RFC 5280 @reason) and starts its
 * replacement with a new key. */
void           cw_acme_manager_revoke_async (CwAcmeManager *self, CwCertificate *cert, guint reason,
                                             GCancellable *cancellable, GAsyncReadyCallback callback,
                                             gpointer user_data);
gboolean       cw_acme_manager_revoke_finish (CwAcmeManager *self, GAsyncResult *result, GError **error);

/* Asks the CA for @cert's renewal window (RFC 9773) and keeps it in the
 * certificate's renewal state (ari_start, ari_end, ari_refresh_at).
 * CW_ERROR_NOT_SUPPORTED when the CA offers no ARI. */
void           cw_acme_manager_fetch_renewal_info_async (CwAcmeManager *self, CwCertificate *cert,
                                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                                         gpointer user_data);
gboolean       cw_acme_manager_fetch_renewal_info_finish (CwAcmeManager *self, GAsyncResult *result,
                                                          GError **error);

G_END_DECLS
