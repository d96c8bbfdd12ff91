/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-config.h"
#include "cw-pg.h"
#include "cw-cluster-seal.h"
#include "cw-cluster-shared.h"

G_BEGIN_DECLS

#define CW_TYPE_CLUSTER (cw_cluster_get_type ())
G_DECLARE_FINAL_TYPE (CwCluster, cw_cluster, CW, CLUSTER, GObject)

/**
 * CwCluster:
 *
 * This node's link to the shared PostgreSQL database ([cluster]
 * backend=postgresql). It owns two connections: one used by a thread of
 * its own for every statement (jobs run one at a time, in order), and one
 * on the main loop that LISTENs for the event log's notifications.
 *
 * Availability: TRUE once both are connected and the schema is current;
 * FALSE as soon as either fails, and then every job fails at once with
 * CW_ERROR_UNAVAILABLE (mutating calls must not wait for a timeout, nor
 * commit anything locally). It reconnects by itself (1 s, then up to 5 s
 * apart) and, when back, reads every event it missed.
 *
 * Events: the applier (cw_cluster_set_applier) gets each event of the
 * log after the last one this node applied, in order, one at a time, each
 * exactly once: it answers with cw_cluster_applied (then the next comes)
 * or cw_cluster_apply_failed (the same event comes again after the next
 * reconnect or a few seconds). The last applied seq is kept in
 * STATE/cluster.ini, so a restart resumes where it stopped.
 *
 * Properties: "available" (gboolean, notify on change).
 */

/* Whether @config asks for a cluster backend. */
gboolean     cw_cluster_configured (CwConfig *config);
/* Checks [cluster] (uri without password, key-file); nothing connects yet. */
CwCluster   *cw_cluster_new (CwConfig *config, const gchar *state_dir, GError **error);
/* Connects (in the background) and starts the heartbeat. */
void         cw_cluster_start (CwCluster *self);
gboolean     cw_cluster_get_available (CwCluster *self);
const gchar *cw_cluster_get_node (CwCluster *self);
CwClusterSeal *cw_cluster_get_seal (CwCluster *self);
guint        cw_cluster_get_lease_time (CwCluster *self);
guint        cw_cluster_get_heartbeat (CwCluster *self);
/* The last event this node applied. */
gint64       cw_cluster_get_applied (CwCluster *self);

/* A job: runs on the cluster's thread with its connection; returns a
 * result (freed with the destroy given to run) or NULL with @error set. */
typedef gpointer (*CwClusterFunc) (CwCluster *self, PGconn *conn, gpointer data, GError **error);

void         cw_cluster_run_async (CwCluster *self, CwClusterFunc func, gpointer data, GDestroyNotify data_free,
                                   GDestroyNotify result_free, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gpointer     cw_cluster_run_finish (CwCluster *self, GAsyncResult *result, GError **error);
/* The same, waiting: for worker threads (never the cluster's own). */
gpointer     cw_cluster_run_sync (CwCluster *self, CwClusterFunc func, gpointer data, GError **error);

typedef void (*CwClusterApplier) (CwCluster *self, const CwClusterEvent *event, gpointer user_data);
/* Events start flowing once an applier is set. */
void         cw_cluster_set_applier (CwCluster *self, CwClusterApplier applier, gpointer user_data);
/* Events about objects of @kind (cw-cluster-objects.h) go to @applier
 * instead, in the same order and with the same answers; those of a kind
 * nobody applies are passed over. Set before cw_cluster_start. */
void         cw_cluster_set_object_applier (CwCluster *self, const gchar *kind, CwClusterApplier applier,
                                            gpointer user_data);
void         cw_cluster_applied (CwCluster *self, gint64 seq);
void         cw_cluster_apply_failed (CwCluster *self, gint64 seq, const GError *error);
/* Reads the log now (a change this node made itself: apply it at once). */
void         cw_cluster_wake (CwCluster *self);

/* Waits (main loop) until every job queued so far has run. For shutdown. */
void         cw_cluster_stop (CwCluster *self);

G_END_DECLS
