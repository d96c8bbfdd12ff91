/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the files of CwAcmeManager:
 *
 *   cw-acme-manager.c           the object, clients, orders and their queue
 *   cw-acme-manager-requests.c  Request, Renew, Revoke
 *   cw-acme-manager-accounts.c  accounts: loading, registration, updates
 *   cw-acme-manager-recovery.c  registering again an account the CA forgot
 */

#include "cw-acme-client.h"
#include "cw-acme-manager.h"
#include "cw-provider-manager.h"
#include "cw-config.h"

G_BEGIN_DECLS

struct _CwAcmeManager {
  GObject       parent_instance;

  CwStore      *store;
  CwConfig     *config;
  gchar        *accounts_dir;
  CwHttp01     *http01;
  CwTlsAlpn01  *tls_alpn01;
  CwProviderManager *providers;  /* DNS providers for dns-01, or NULL */
  GHashTable   *clients;        /* directory URL → CwAcmeClient */
  GHashTable   *accounts;       /* id → CwAcmeAccount */
  GHashTable   *registering;    /* directory URL → GPtrArray of GTasks waiting for its account */
  GHashTable   *jobs;           /* certificate id → Job (queued or running) */
  GHashTable   *queues;         /* directory URL → Queue */
  GHashTable   *busy_accounts;  /* ids of accounts being changed */
  GHashTable   *revoking;       /* ids of certificates being revoked */
  GHashTable   *recovering;     /* account id → GPtrArray of GTasks waiting for its new registration */
  GCancellable *cancellable;    /* cancelled on dispose */
};

/* Queues an order for @cert's pending request (Busy when one runs). */
gboolean      cw_acme_manager_start_job (CwAcmeManager *self, CwCertificate *cert, GError **error);

/* The client for @directory (made on first use). */
CwAcmeClient *cw_acme_manager_client (CwAcmeManager *self, const gchar *directory);

/* Reads STATE/accounts; broken entries are skipped with a warning. */
void          cw_acme_manager_load_accounts (CwAcmeManager *self);

/* The account an order at @directory uses when none is named: the first
 * valid one, or a new one registered with the configured contact (one
 * registration however many orders ask at once). */
void           cw_acme_manager_default_account_async (CwAcmeManager *self, const gchar *directory,
                                                      GAsyncReadyCallback callback, gpointer user_data);
CwAcmeAccount *cw_acme_manager_default_account_finish (CwAcmeManager *self, GAsyncResult *result,
                                                       GError **error);

/* A new account key, made in a worker thread. */
void          cw_acme_manager_keygen_async (CwAcmeManager *self, CwKeyType type, GAsyncReadyCallback callback,
                                            gpointer user_data);
gnutls_x509_privkey_t cw_acme_manager_keygen_finish (CwAcmeManager *self, GAsyncResult *result, GError **error);

/* The CA no longer knows @account (an order signed as @old_url was told
 * so): registers it again with a new key and keeps it in the same object,
 * once however many orders ask; at once when that happened meanwhile.
 * Only for accounts the agent made itself. */
void          cw_acme_manager_recover_account_async (CwAcmeManager *self, CwAcmeAccount *account,
                                                     const gchar *old_url, GAsyncReadyCallback callback,
                                                     gpointer user_data);
gboolean      cw_acme_manager_recover_account_finish (CwAcmeManager *self, GAsyncResult *result, GError **error);

/* Loads @client's directory, then continues with @next (@task passed on),
 * or returns the failure on @task. */
void          cw_acme_manager_load_then (CwAcmeClient *client, GTask *task, void (*next) (GTask *task));

/* Returns @error on @task and drops the reference held. */
static inline void
cw_task_fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* An error for an account that cannot order ("deactivated" …), or NULL. */
GError       *cw_acme_account_check_usable (CwAcmeAccount *account);

G_END_DECLS
