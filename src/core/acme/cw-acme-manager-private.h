/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the files of CwAcmeManager:
 *
 *   cw-acme-manager.c           the object, orders and their queue
 *   cw-acme-manager-requests.c  Request, Renew, Revoke
 *
 * Accounts are CwAcmeAccounts (cw-acme-accounts.c), the clients by
 * directory CwAcmeClients (cw-acme-clients.c); the manager owns both.
 */

#include "cw-acme-client.h"
#include "cw-acme-clients.h"
#include "cw-acme-manager.h"
#include "cw-provider-manager.h"
#include "cw-config.h"

G_BEGIN_DECLS

struct _CwAcmeManager {
  GObject        parent_instance;

  CwStore       *store;
  CwConfig      *config;
  CwHttp01      *http01;
  CwTlsAlpn01   *tls_alpn01;
  CwProviderManager *providers;   /* DNS providers for dns-01, or NULL */
  CwAcmeClients *clients;
  CwAcmeAccounts *accounts;
  GHashTable    *jobs;            /* certificate id → Job (queued or running) */
  GHashTable    *queues;          /* directory URL → Queue */
  GHashTable    *revoking;        /* ids of certificates being revoked */
  GCancellable  *cancellable;     /* cancelled on dispose */
  const CwAcmeGate *gate;         /* who may renew (a cluster's lease), or NULL */
  gpointer       gate_data;
};

/* Queues an order for @cert's pending request (Busy when one runs). */
gboolean      cw_acme_manager_start_job (CwAcmeManager *self, CwCertificate *cert, GError **error);

/* The client for @directory (made on first use). */
CwAcmeClient *cw_acme_manager_client (CwAcmeManager *self, const gchar *directory);

/* Returns @error on @task and drops the reference held. */
static inline void
cw_task_fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

G_END_DECLS
