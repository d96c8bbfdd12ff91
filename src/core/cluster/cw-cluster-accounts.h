/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-cluster.h"
#include "cw-acme-accounts.h"

G_BEGIN_DECLS

#define CW_TYPE_CLUSTER_ACCOUNTS (cw_cluster_accounts_get_type ())
G_DECLARE_FINAL_TYPE (CwClusterAccounts, cw_cluster_accounts, CW, CLUSTER_ACCOUNTS, GObject)

/**
 * CwClusterAccounts:
 *
 * The ACME accounts every node shares (object kind "acme-account", id the
 * account's): the accounts' backend, so a registered account saved on
 * this node (registration, contact update, key rollover, deactivation)
 * is committed to the database with its key, sealed with [cluster]
 * key-file, before this node's files change; each such event of the log
 * makes every other node's account what the database holds (account.ini
 * and the 0600 key.pem written, the account added or updated in place),
 * so any node orders and renews with the same account at the CA. At start
 * every shared account is applied the same way.
 */
CwClusterAccounts *cw_cluster_accounts_new (CwCluster *cluster, CwAcmeAccounts *accounts);

G_END_DECLS
