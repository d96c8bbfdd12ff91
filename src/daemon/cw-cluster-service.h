/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-cluster.h"
#include "cw-dbus-generated.h"

G_BEGIN_DECLS

/* The cluster on the bus, beside Manager1's other members: ClusterNode,
 * ClusterAvailable and GetClusterStatus answered from @cluster (NULL:
 * the agent runs alone), and the guard's gate that makes the node
 * read-only (org.certward.Error.Unavailable) while the database is away. */
void cw_cluster_service_attach (CwDBusManager1 *manager, CwCluster *cluster);

G_END_DECLS
