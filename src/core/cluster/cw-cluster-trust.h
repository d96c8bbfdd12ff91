/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-cluster.h"
#include "cw-trust-store.h"

G_BEGIN_DECLS

#define CW_TYPE_CLUSTER_TRUST (cw_cluster_trust_get_type ())
G_DECLARE_FINAL_TYPE (CwClusterTrust, cw_cluster_trust, CW, CLUSTER_TRUST, GObject)

/**
 * CwClusterTrust:
 *
 * The trust store every node shares (object "trust-store"/"state"): the
 * administrator's choices (system bundle in or out, system roots taken
 * out, CAs added, verification mode), not the bundle itself, since each
 * node's system bundle is its own. It is the trust store's backend: a
 * change on this node is committed to the database (if the shared state
 * is still the one this node had, else Busy) before this node's files
 * change; each such event of the log then makes every other node's state
 * the shared one (its bundle file rewritten, ::changed once). At start
 * the shared state, if any, is applied the same way.
 */
CwClusterTrust *cw_cluster_trust_new (CwCluster *cluster, CwTrustStore *trust);

G_END_DECLS
