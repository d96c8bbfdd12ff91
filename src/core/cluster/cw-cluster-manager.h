/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-cluster.h"
#include "cw-store.h"

G_BEGIN_DECLS

#define CW_TYPE_CLUSTER_MANAGER (cw_cluster_manager_get_type ())
G_DECLARE_FINAL_TYPE (CwClusterManager, cw_cluster_manager, CW, CLUSTER_MANAGER, GObject)

/**
 * CwClusterManager:
 *
 * The manager settings every node shares (object "manager"/"settings"):
 * the default certificate (by name), the tenants' domains and the expiry
 * warning. It is the store's manager backend, so SetDefault, SetTenant
 * and ExpiryWarningDays commit to the database before anything changes
 * here (Unavailable while it is away); each such event of the log makes
 * every other node's settings the shared ones (manager.ini written,
 * Manager1's properties changed once). At start the shared settings, if
 * any, are applied the same way.
 */
CwClusterManager *cw_cluster_manager_new (CwCluster *cluster, CwStore *store);

G_END_DECLS
