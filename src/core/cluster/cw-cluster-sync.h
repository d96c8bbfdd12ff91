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
 * Keeps this node's store and the certificates in the shared database
 * equal, both ways:
 *
 * - it is the store's backend (cw-store-backend.h): every revision and
 *   removal this node makes is committed to the database, in the store's
 *   worker thread, before the store commits it on disk. The shared
 *   revision must still be the one this node knows (else Busy: another
 *   node was first, and its revision comes here through the log); an
 *   unreachable database is Unavailable and nothing changes here;
 * - each event of the log that this node does not have yet is applied by
 *   importing the shared revision's certificate, chain and key into the
 *   local store, which commits it atomically and announces it like any
 *   other change (files, targets, reload actions, CertificateChanged once).
 *
 * The shared revision each name is at here is kept in
 * STATE/cluster-revisions.ini; at start (once the database answers) every
 * shared certificate is compared with the local one by fingerprint, so a
 * crash between the two commits heals. The host's own identity ("system")
 * is per node and never shared.
 */
CwClusterSync *cw_cluster_sync_new (CwCluster *cluster, CwStore *store);
/* The shared revision @name is at here (0: none). */
gint64         cw_cluster_sync_get_revision (CwClusterSync *self, const gchar *name);

G_END_DECLS
