/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-client.h"
#include "cw-config.h"

G_BEGIN_DECLS

/* One CwAcmeClient per CA directory, made on first use with the request
 * budget of [acme] requests-per-second: orders and account changes at one
 * CA share its nonces and its budget. */
typedef struct _CwAcmeClients CwAcmeClients;

CwAcmeClients *cw_acme_clients_new (CwConfig *config);
/* Shared by the manager and its accounts, which may outlive it a while. */
CwAcmeClients *cw_acme_clients_ref (CwAcmeClients *clients);
void           cw_acme_clients_unref (CwAcmeClients *clients);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwAcmeClients, cw_acme_clients_unref)
/* The client for @directory (borrowed). */
CwAcmeClient  *cw_acme_clients_get (CwAcmeClients *clients, const gchar *directory);

G_END_DECLS
