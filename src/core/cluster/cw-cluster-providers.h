/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-cluster.h"
#include "cw-provider-manager.h"

G_BEGIN_DECLS

#define CW_TYPE_CLUSTER_PROVIDERS (cw_cluster_providers_get_type ())
G_DECLARE_FINAL_TYPE (CwClusterProviders, cw_cluster_providers, CW, CLUSTER_PROVIDERS, GObject)

/**
 * CwClusterProviders:
 *
 * The DNS providers every node shares (object kind "dns-provider"): it is
 * the provider manager's backend, so an add, update or removal on this
 * node is committed to the database (the provider's file, secrets
 * included, sealed with [cluster] key-file) before this node's file
 * changes, and refused with Unavailable while the database is away. Each
 * such event of the log is applied here by making this node's provider
 * what the database holds (added, changed or removed, with its 0600
 * file). Once the database answers, every shared provider is compared
 * with this node's, so a node that lost its state or crashed between the
 * two commits heals. A provider this node had before it joined stays its
 * own until it is changed here.
 */
CwClusterProviders *cw_cluster_providers_new (CwCluster *cluster, CwProviderManager *providers);

G_END_DECLS
