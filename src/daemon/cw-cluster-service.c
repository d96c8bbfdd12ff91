/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manager1's cluster members and the read-only gate of a node whose database is away. */
#include "config.h"

#include "cw-cluster-service.h"
#include "cw-cluster-lease.h"
#include "cw-error.h"
#include "cw-guard.h"
#include "cw-invocation.h"

#include <glib/gi18n.h>

typedef struct {
  GPtrArray *nodes;
  GPtrArray *leases;
  gint64     last_event;
} Status;

static void
status_free (Status *status)
{
  g_clear_pointer (&status->nodes, g_ptr_array_unref);
  g_clear_pointer (&status->leases, g_ptr_array_unref);
  g_free (status);
}

static gpointer
status_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  Status *status = g_new0 (Status, 1);

  /* live: seen within three heartbeats (one may be late) */
  status->nodes = cw_cluster_shared_nodes (conn, 3 * cw_cluster_get_heartbeat (cluster), error);
  if (status->nodes != NULL)
    status->leases = cw_cluster_lease_list (conn, error);
  if (status->leases != NULL)
    status->last_event = cw_cluster_shared_last_seq (conn, error);
  if (status->leases == NULL || status->last_event < 0) {
    status_free (status);
    return NULL;
  }
  return status;
}

static void
status_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  Status *status = cw_cluster_run_finish (CW_CLUSTER (source), res, &error);
  GVariantBuilder nodes, leases;

  if (status == NULL) {
    cw_invocation_take_error (invocation, error);
    return;
  }
  g_variant_builder_init (&nodes, G_VARIANT_TYPE ("a(sttttbu)"));
  for (guint i = 0; i < status->nodes->len; i++) {
    CwClusterNode *n = status->nodes->pdata[i];

    g_variant_builder_add (&nodes, "(sttttbu)", n->name, (guint64) MAX (n->seen, 0), (guint64) MAX (n->started, 0),
                           (guint64) MAX (n->last_event, 0), (guint64) 0, n->live, n->leases);
  }
  g_variant_builder_init (&leases, G_VARIANT_TYPE ("a(sstb)"));
  for (guint i = 0; i < status->leases->len; i++) {
    CwClusterLease *l = status->leases->pdata[i];

    g_variant_builder_add (&leases, "(sstb)", l->name, l->holder, (guint64) MAX (l->expires, 0), l->live);
  }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(sttttbu)a(sstb)t)", &nodes, &leases,
                                                                    (guint64) status->last_event));
  status_free (status);
}

static gboolean
handle_get_cluster_status (CwDBusManager1 *manager, GDBusMethodInvocation *invocation, gpointer user_data)
{
  CwCluster *cluster = user_data;

  if (cluster == NULL) {
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_SUPPORTED,
                                           _("This agent runs alone: [cluster] backend is local"));
    return TRUE;
  }
  cw_cluster_run_async (cluster, status_func, NULL, NULL, (GDestroyNotify) status_free, NULL, status_done,
                        invocation);
  return TRUE;
}

static gboolean
gate (gpointer user_data, GError **error)
{
  CwCluster *cluster = user_data;

  if (cw_cluster_get_available (cluster))
    return TRUE;
  g_set_error (error, CW_ERROR, CW_ERROR_UNAVAILABLE,
               _("The cluster database cannot be reached: node %s is read-only until it returns"),
               cw_cluster_get_node (cluster));
  return FALSE;
}

static void
sync_available (CwCluster *cluster, GParamSpec *pspec, CwDBusManager1 *manager)
{
  cw_dbus_manager1_set_cluster_available (manager, cw_cluster_get_available (cluster));
}

void
cw_cluster_service_attach (CwDBusManager1 *manager, CwCluster *cluster)
{
  g_signal_connect (manager, "handle-get-cluster-status", G_CALLBACK (handle_get_cluster_status), cluster);
  if (cluster == NULL) {
    cw_dbus_manager1_set_cluster_node (manager, "");
    cw_dbus_manager1_set_cluster_available (manager, TRUE);
    return;
  }
  cw_dbus_manager1_set_cluster_node (manager, cw_cluster_get_node (cluster));
  sync_available (cluster, NULL, manager);
  g_signal_connect_object (cluster, "notify::available", G_CALLBACK (sync_available), manager, 0);
  cw_guard_set_gate (gate, cluster);
}
