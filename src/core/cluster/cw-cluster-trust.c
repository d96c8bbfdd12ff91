/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwClusterTrust: the trust store shared through the cluster database, both ways. */
#include "config.h"

#include "cw-cluster-trust.h"
#include "cw-cluster-objects.h"
#include "cw-error.h"

#include <string.h>

#define KIND "trust-store"
#define ID "state"

struct _CwClusterTrust {
  GObject       parent_instance;
  CwCluster    *cluster;
  CwTrustStore *trust;
  gboolean      checked;   /* the start-up comparison ran */
};

G_DEFINE_FINAL_TYPE (CwClusterTrust, cw_cluster_trust, G_TYPE_OBJECT)

/* ---- the trust store's backend: what this node changes ---------------- */

typedef struct {
  GBytes *before;
  GBytes *after;
} Change;

static gpointer
put_func (CwCluster *cluster, PGconn *conn, gpointer user_data, GError **error)
{
  Change *c = user_data;

  return cw_cluster_objects_put (conn, cw_cluster_get_seal (cluster), cw_cluster_get_node (cluster), KIND, ID,
                                 c->after, c->before, error) > 0 ? GINT_TO_POINTER (1) : NULL;
}

/* In the trust store's worker thread. */
static gboolean
backend_commit (gpointer user_data, const gchar *before, const gchar *after, GError **error)
{
  CwClusterTrust *self = user_data;
  g_autoptr(GBytes) b = g_bytes_new (before, strlen (before));
  g_autoptr(GBytes) a = g_bytes_new (after, strlen (after));
  Change c = { b, a };

  /* another node's change not applied here yet: Busy, and it comes */
  return cw_cluster_run_sync (self->cluster, put_func, &c, error) != NULL;
}

static const CwTrustStoreBackend backend = { backend_commit };

/* ---- applying what the database holds --------------------------------- */

typedef struct {
  CwClusterTrust *self;
  gint64          seq;     /* 0: from the start-up check */
  GBytes         *state;
  gulong          idle_id;
} Applying;

static void
applying_done (Applying *a, const GError *error)
{
  if (a->seq > 0) {
    if (error != NULL)
      cw_cluster_apply_failed (a->self->cluster, a->seq, error);
    else
      cw_cluster_applied (a->self->cluster, a->seq);
  }
  g_clear_pointer (&a->state, g_bytes_unref);
  g_object_unref (a->self);
  g_free (a);
}

static void start_change (Applying *a);

static void
changed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Applying *a = user_data;
  g_autoptr(GError) error = NULL;

  if (cw_trust_store_change_finish (CW_TRUST_STORE (source), res, &error)) {
    applying_done (a, NULL);
  } else if (g_error_matches (error, CW_ERROR, CW_ERROR_BUSY)) {
    /* a change of this node's started meanwhile: after it */
    start_change (a);
  } else {
    /* never half applied: the store keeps its state; said once */
    g_warning ("cluster: the shared trust store not applied: %s", error->message);
    applying_done (a, NULL);
  }
}

static void
on_idle (CwTrustStore *trust, Applying *a)
{
  g_signal_handler_disconnect (trust, a->idle_id);
  a->idle_id = 0;
  start_change (a);
}

static void
start_change (Applying *a)
{
  /* this node's own change is still being written (its event can come
   * back first): after it, so the comparison finds nothing to do */
  if (!cw_trust_store_is_idle (a->self->trust)) {
    a->idle_id = g_signal_connect (a->self->trust, "idle", G_CALLBACK (on_idle), a);
    return;
  }
  cw_trust_store_apply_shared_async (a->self->trust, a->state, NULL, changed, a);
}

static gpointer
get_func (CwCluster *cluster, PGconn *conn, gpointer user_data, GError **error)
{
  return cw_cluster_objects_get (conn, cw_cluster_get_seal (cluster), KIND, ID, error);
}

static void
fetched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Applying *a = user_data;
  g_autoptr(GError) error = NULL;

  a->state = cw_cluster_run_finish (CW_CLUSTER (source), res, &error);
  if (a->state != NULL) {
    start_change (a);
    return;
  }
  if (g_error_matches (error, CW_ERROR, CW_ERROR_UNAVAILABLE)) {
    applying_done (a, error);
    return;
  }
  /* none shared yet, or sealed with another key-file: this node keeps its own */
  if (!g_error_matches (error, CW_ERROR, CW_ERROR_NOT_FOUND))
    g_warning ("cluster: the shared trust store not applied: %s", error->message);
  applying_done (a, NULL);
}

static void
apply (CwClusterTrust *self, gint64 seq)
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
on_available (CwCluster *cluster, GParamSpec *pspec, CwClusterTrust *self)
{
  if (!cw_cluster_get_available (cluster) || self->checked)
    return;
  self->checked = TRUE;
  apply (self, 0);
}

/* ---- the object ------------------------------------------------------- */

static void
cw_cluster_trust_dispose (GObject *object)
{
  CwClusterTrust *self = CW_CLUSTER_TRUST (object);

  if (self->trust != NULL)
    cw_trust_store_set_backend (self->trust, NULL, NULL);
  if (self->cluster != NULL) {
    g_signal_handlers_disconnect_by_data (self->cluster, self);
    cw_cluster_set_object_applier (self->cluster, KIND, NULL, NULL);
  }
  g_clear_object (&self->trust);
  g_clear_object (&self->cluster);
  G_OBJECT_CLASS (cw_cluster_trust_parent_class)->dispose (object);
}

static void
cw_cluster_trust_class_init (CwClusterTrustClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_cluster_trust_dispose;
}

static void
cw_cluster_trust_init (CwClusterTrust *self)
{
}

CwClusterTrust *
cw_cluster_trust_new (CwCluster *cluster, CwTrustStore *trust)
{
  CwClusterTrust *self = g_object_new (CW_TYPE_CLUSTER_TRUST, NULL);

  self->cluster = g_object_ref (cluster);
  self->trust = g_object_ref (trust);
  cw_trust_store_set_backend (trust, &backend, self);
  cw_cluster_set_object_applier (cluster, KIND, applier, self);
  g_signal_connect (cluster, "notify::available", G_CALLBACK (on_available), self);
  return self;
}
