/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwClusterProviders: DNS providers shared through the cluster database, both ways. */
#include "config.h"

#include "cw-cluster-providers.h"
#include "cw-cluster-objects.h"
#include "cw-error.h"

#include <string.h>

#define KIND "dns-provider"

struct _CwClusterProviders {
  GObject            parent_instance;
  CwCluster         *cluster;
  CwProviderManager *providers;
  gboolean           checked;   /* the start-up comparison ran */
};

G_DEFINE_FINAL_TYPE (CwClusterProviders, cw_cluster_providers, G_TYPE_OBJECT)

/* ---- the provider manager's backend: what this node changes ----------- */

typedef struct {
  const gchar *id;
  GBytes      *data;  /* NULL: removal */
} Change;

static gpointer
change_func (CwCluster *cluster, PGconn *conn, gpointer user_data, GError **error)
{
  Change *c = user_data;
  g_autoptr(GError) local = NULL;
  gint64 seq;

  if (c->data != NULL)
    seq = cw_cluster_objects_put (conn, cw_cluster_get_seal (cluster), cw_cluster_get_node (cluster), KIND, c->id,
                                  c->data, NULL, error);
  else if ((seq = cw_cluster_objects_remove (conn, cw_cluster_get_node (cluster), KIND, c->id, &local)) == 0 &&
           !g_error_matches (local, CW_ERROR, CW_ERROR_NOT_FOUND)) {
    /* not in the database: a provider this node had alone */
    g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  return GINT_TO_POINTER (1);
}

static gboolean
commit (CwClusterProviders *self, CwProvider *provider, GBytes *data, GError **error)
{
  Change c = { cw_provider_get_id (provider), data };

  /* the main loop waits for one statement; an unreachable database fails
   * at once (Unavailable) */
  if (cw_cluster_run_sync (self->cluster, change_func, &c, error) == NULL) {
    g_prefix_error (error, "%s: ", cw_provider_get_name (provider));
    return FALSE;
  }
  return TRUE;
}

static gboolean
backend_commit (gpointer user_data, CwProvider *provider, const gchar *data, GError **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, strlen (data));

  return commit (user_data, provider, bytes, error);
}

static gboolean
backend_commit_removal (gpointer user_data, CwProvider *provider, GError **error)
{
  return commit (user_data, provider, NULL, error);
}

static const CwProviderBackend backend = { backend_commit, backend_commit_removal };

/* ---- applying what the database holds --------------------------------- */

typedef struct {
  CwClusterProviders *self;
  gchar              *id;
  gint64              seq;   /* 0: from the start-up check */
} Applying;

static gpointer
get_func (CwCluster *cluster, PGconn *conn, gpointer user_data, GError **error)
{
  return cw_cluster_objects_get (conn, cw_cluster_get_seal (cluster), KIND, ((Applying *) user_data)->id, error);
}

static void
applying_free (Applying *a)
{
  g_object_unref (a->self);
  g_free (a->id);
  g_free (a);
}

static void
fetched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Applying *a = user_data;
  CwClusterProviders *self = a->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = cw_cluster_run_finish (CW_CLUSTER (source), res, &error);
  g_autofree gchar *text = NULL;

  if (data == NULL && g_error_matches (error, CW_ERROR, CW_ERROR_UNAVAILABLE)) {
    /* the same event again after the reconnect */
    if (a->seq > 0)
      cw_cluster_apply_failed (self->cluster, a->seq, error);
    applying_free (a);
    return;
  }
  if (data == NULL && !g_error_matches (error, CW_ERROR, CW_ERROR_NOT_FOUND)) {
    /* sealed with another key-file, damaged, unknown type: said once,
     * nothing here is replaced */
    g_warning ("cluster: DNS provider %s not applied: %s", a->id, error->message);
  } else {
    g_clear_error (&error);
    if (data != NULL)
      text = g_strndup (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
    if (!cw_provider_manager_apply (self->providers, a->id, text, &error))
      g_warning ("cluster: DNS provider %s not applied: %s", a->id, error->message);
    else if (a->seq > 0)
      g_message ("cluster: DNS provider %s %s", a->id, text != NULL ? "now as shared" : "removed");
  }
  if (a->seq > 0)
    cw_cluster_applied (self->cluster, a->seq);
  applying_free (a);
}

static void
apply (CwClusterProviders *self, const gchar *id, gint64 seq)
{
  Applying *a = g_new0 (Applying, 1);

  a->self = g_object_ref (self);
  a->id = g_strdup (id);
  a->seq = seq;
  /* what the database holds now, not what the event said: a later event
   * for the same provider then finds nothing to do */
  cw_cluster_run_async (self->cluster, get_func, a, NULL, (GDestroyNotify) g_bytes_unref, NULL, fetched, a);
}

static void
applier (CwCluster *cluster, const CwClusterEvent *event, gpointer user_data)
{
  apply (user_data, event->name, event->seq);
}

/* ---- the start-up check ----------------------------------------------- */

static gpointer
list_func (CwCluster *cluster, PGconn *conn, gpointer user_data, GError **error)
{
  return cw_cluster_objects_list (conn, KIND, error);
}

static void
listed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CwClusterProviders *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = cw_cluster_run_finish (CW_CLUSTER (source), res, &error);

  if (ids == NULL)
    self->checked = FALSE;
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    apply (self, ids->pdata[i], 0);
  g_object_unref (self);
}

static void
on_available (CwCluster *cluster, GParamSpec *pspec, CwClusterProviders *self)
{
  if (!cw_cluster_get_available (cluster) || self->checked)
    return;
  self->checked = TRUE;
  cw_cluster_run_async (cluster, list_func, NULL, NULL, (GDestroyNotify) g_ptr_array_unref, NULL, listed,
                        g_object_ref (self));
}

/* ---- the object ------------------------------------------------------- */

static void
cw_cluster_providers_dispose (GObject *object)
{
  CwClusterProviders *self = CW_CLUSTER_PROVIDERS (object);

  if (self->providers != NULL)
    cw_provider_manager_set_backend (self->providers, NULL, NULL);
  if (self->cluster != NULL) {
    g_signal_handlers_disconnect_by_data (self->cluster, self);
    cw_cluster_set_object_applier (self->cluster, KIND, NULL, NULL);
  }
  g_clear_object (&self->providers);
  g_clear_object (&self->cluster);
  G_OBJECT_CLASS (cw_cluster_providers_parent_class)->dispose (object);
}

static void
cw_cluster_providers_class_init (CwClusterProvidersClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_cluster_providers_dispose;
}

static void
cw_cluster_providers_init (CwClusterProviders *self)
{
}

CwClusterProviders *
cw_cluster_providers_new (CwCluster *cluster, CwProviderManager *providers)
{
  CwClusterProviders *self = g_object_new (CW_TYPE_CLUSTER_PROVIDERS, NULL);

  self->cluster = g_object_ref (cluster);
  self->providers = g_object_ref (providers);
  cw_provider_manager_set_backend (providers, &backend, self);
  cw_cluster_set_object_applier (cluster, KIND, applier, self);
  g_signal_connect (cluster, "notify::available", G_CALLBACK (on_available), self);
  return self;
}
