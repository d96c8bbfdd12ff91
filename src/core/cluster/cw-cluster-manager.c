/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwClusterManager: the default certificate, tenants and expiry warning shared through the cluster database. */
#include "config.h"

#include "cw-cluster-manager.h"
#include "cw-cluster-objects.h"
#include "cw-error.h"

#include <string.h>

#define KIND "manager"
#define ID "settings"

struct _CwClusterManager {
  GObject    parent_instance;
  CwCluster *cluster;
  CwStore   *store;
  gboolean   checked;   /* the start-up comparison ran */
};

G_DEFINE_FINAL_TYPE (CwClusterManager, cw_cluster_manager, G_TYPE_OBJECT)

/* ---- the store's manager backend: what this node changes -------------- */

static gpointer
put_func (CwCluster *cluster, PGconn *conn, gpointer user_data, GError **error)
{
  /* the last writer wins: each call sends the whole settings */
  return cw_cluster_objects_put (conn, cw_cluster_get_seal (cluster), cw_cluster_get_node (cluster), KIND, ID,
                                 user_data, NULL, error) > 0 ? GINT_TO_POINTER (1) : NULL;
}

static gboolean
commit (gpointer user_data, const gchar *settings, GError **error)
{
  CwClusterManager *self = user_data;
  g_autoptr(GBytes) data = g_bytes_new (settings, strlen (settings));

  return cw_cluster_run_sync (self->cluster, put_func, data, error) != NULL;
}

/* ---- applying what the database holds --------------------------------- */

typedef struct {
  CwClusterManager *self;
  gint64            seq;   /* 0: from the start-up check */
} Applying;

static gpointer
get_func (CwCluster *cluster, PGconn *conn, gpointer user_data, GError **error)
{
  return cw_cluster_objects_get (conn, cw_cluster_get_seal (cluster), KIND, ID, error);
}

static void
fetched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Applying *a = user_data;
  CwClusterManager *self = a->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = cw_cluster_run_finish (CW_CLUSTER (source), res, &error);

  if (data == NULL && g_error_matches (error, CW_ERROR, CW_ERROR_UNAVAILABLE)) {
    if (a->seq > 0)
      cw_cluster_apply_failed (self->cluster, a->seq, error);
  } else {
    if (data != NULL) {
      g_autofree gchar *text = g_strndup (g_bytes_get_data (data, NULL), g_bytes_get_size (data));

      if (!cw_store_apply_manager (self->store, text, &error))
        g_warning ("cluster: the shared manager settings not applied: %s", error->message);
    } else if (!g_error_matches (error, CW_ERROR, CW_ERROR_NOT_FOUND)) {
      /* sealed with another key-file: this node keeps its own */
      g_warning ("cluster: the shared manager settings not applied: %s", error->message);
    }
    if (a->seq > 0)
      cw_cluster_applied (self->cluster, a->seq);
  }
  g_object_unref (a->self);
  g_free (a);
}

static void
apply (CwClusterManager *self, gint64 seq)
{
  Applying *a = g_new0 (Applying, 1);

  a->self = g_object_ref (self);
  a->seq = seq;
  cw_cluster_run_async (self->cluster, get_func, NULL, NULL, (GDestroyNotify) g_bytes_unref, NULL, fetched, a);
}

static void
applier (CwCluster *cluster, const CwClusterEvent *event, gpointer user_data)
{
  apply (user_data, event->seq);
}

static void
on_available (CwCluster *cluster, GParamSpec *pspec, CwClusterManager *self)
{
  if (!cw_cluster_get_available (cluster) || self->checked)
    return;
  self->checked = TRUE;
  apply (self, 0);
}

/* ---- the object ------------------------------------------------------- */

static void
cw_cluster_manager_dispose (GObject *object)
{
  CwClusterManager *self = CW_CLUSTER_MANAGER (object);

  if (self->store != NULL)
    cw_store_set_manager_backend (self->store, NULL, NULL);
  if (self->cluster != NULL) {
    g_signal_handlers_disconnect_by_data (self->cluster, self);
    cw_cluster_set_object_applier (self->cluster, KIND, NULL, NULL);
  }
  g_clear_object (&self->store);
  g_clear_object (&self->cluster);
  G_OBJECT_CLASS (cw_cluster_manager_parent_class)->dispose (object);
}

static void
cw_cluster_manager_class_init (CwClusterManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_cluster_manager_dispose;
}

static void
cw_cluster_manager_init (CwClusterManager *self)
{
}

CwClusterManager *
cw_cluster_manager_new (CwCluster *cluster, CwStore *store)
{
  CwClusterManager *self = g_object_new (CW_TYPE_CLUSTER_MANAGER, NULL);

  self->cluster = g_object_ref (cluster);
  self->store = g_object_ref (store);
  cw_store_set_manager_backend (store, commit, self);
  cw_cluster_set_object_applier (cluster, KIND, applier, self);
  g_signal_connect (cluster, "notify::available", G_CALLBACK (on_available), self);
  return self;
}
