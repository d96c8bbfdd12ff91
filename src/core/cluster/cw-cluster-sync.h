/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-cluster.h"
#include "cw-store.h"

G_BEGIN_DECLS

#define CW_TYPE_CLUSTER_SYNC (cw_cluster_sync_get_type ())
G_DECLARE_FINAL_TYPE (CwClusterSync, cw_cluster_sync, CW, CLUSTER_SYNC, GObject)

/**
 * CwClusterSync:
 *
 * Keeps this node's store equal to the certificates in the shared
 * database, both ways, through the store's public operations:
 *
 * - a revision committed here (import, issuance, an ACME order, a
 *   renewal, a removal) is committed to the database as the next shared
 *   revision of its name (optimistically: if another node committed one
 *   meanwhile, ours is refused and theirs comes back to us);
 * - each event of the log from another node (or one of ours this node
 *   has not applied, after a crash) is applied by importing the shared
 *   revision's certificate, chain and key into the local store, which
 *   commits it atomically and announces it like any other change (files,
 *   targets, reload actions, CertificateChanged once).
 *
 * The shared revision each name is at locally is kept in
 * STATE/cluster-revisions.ini, so replaying an event is harmless. The
 * host's own identity ("system") is per node and never shared.
 */
CwClusterSync *cw_cluster_sync_new (CwCluster *cluster, CwStore *store);
/* The shared revision @name is at here (0: none). */
gint64         cw_cluster_sync_get_revision (CwClusterSync *self, const gchar *name);

G_END_DECLS
