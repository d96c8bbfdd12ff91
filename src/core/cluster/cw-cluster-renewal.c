/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Renewal by lease: the ACME manager's gate, lease extension and the
 * takeover of a renewal whose holder died. */
#include "config.h"

#include "cw-cluster-renewal.h"
#include "cw-cluster-lease.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

#define LEASE_PREFIX "renew:"

struct _CwClusterRenewal {
  GObject        parent_instance;

  CwCluster     *cluster;
  CwStore       *store;
  CwAcmeManager *acme;
  GHashTable    *held;       /* certificate names whose lease this node holds */
  guint          tick;
  gboolean       ticking;    /* a tick's job runs */
};

G_DEFINE_FINAL_TYPE (CwClusterRenewal, cw_cluster_renewal, G_TYPE_OBJECT)

typedef struct {
  gchar  *lease;
  gchar  *holder;
  guint   seconds;
  gchar  *other;             /* result: who holds it */
  gchar **extend;            /* a tick: leases to extend */
} LeaseJob;

static void
lease_job_free (LeaseJob *job)
{
  g_free (job->lease);
  g_free (job->holder);
  g_free (job->other);
  g_strfreev (job->extend);
  g_free (job);
}

static LeaseJob *
lease_job_new (CwClusterRenewal *self, const gchar *name)
{
  LeaseJob *job = g_new0 (LeaseJob, 1);

  job->lease = name != NULL ? g_strconcat (LEASE_PREFIX, name, NULL) : NULL;
  job->holder = g_strdup (cw_cluster_get_node (self->cluster));
  job->seconds = cw_cluster_get_lease_time (self->cluster);
  return job;
}

/* ---- the gate ----------------------------------------------------------- */

static gpointer
acquire_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  LeaseJob *job = data;

  if (!cw_cluster_lease_acquire (conn, job->lease, job->holder, job->seconds, NULL, &job->other, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

static void
acquired (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwClusterRenewal *self = g_task_get_source_object (task);
  CwCertificate *cert = g_task_get_task_data (task);
  LeaseJob *job = g_object_get_data (G_OBJECT (task), "cw-lease-job");
  GError *error = NULL;
  gboolean granted = cw_cluster_run_finish (CW_CLUSTER (source), res, &error) != NULL;

  if (granted && g_hash_table_contains (self->held, cw_certificate_get_name (cert))) {
    /* two asked at once and the other was granted first: it is the order */
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_BUSY, _("a renewal of “%s” runs on this node"),
                             cw_certificate_get_name (cert));
  } else if (granted) {
    g_hash_table_add (self->held, g_strdup (cw_certificate_get_name (cert)));
    g_message ("cluster: %s: this node renews it (lease %s)", cw_certificate_get_name (cert), job->lease);
    g_task_return_boolean (task, TRUE);
  } else if (error != NULL) {
    g_task_return_error (task, error);
  } else {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_BUSY, _("node %s renews “%s” now"),
                             job->other != NULL ? job->other : "?", cw_certificate_get_name (cert));
  }
}

static void
gate_acquire_async (gpointer gate_data, CwCertificate *cert, GAsyncReadyCallback callback, gpointer user_data)
{
  CwClusterRenewal *self = gate_data;
  GTask *task = g_task_new (self, NULL, callback, user_data);
  LeaseJob *job = lease_job_new (self, cw_certificate_get_name (cert));

  g_task_set_task_data (task, g_object_ref (cert), g_object_unref);
  if (g_hash_table_contains (self->held, cw_certificate_get_name (cert))) {
    /* an order of ours runs (Renew twice): a second grant would be released
     * when that second attempt ends, under the first order */
    lease_job_free (job);
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_BUSY, _("a renewal of “%s” runs on this node"),
                             cw_certificate_get_name (cert));
    g_object_unref (task);
    return;
  }
  /* the job lives as long as the task: its result (the holder) is read there */
  g_object_set_data_full (G_OBJECT (task), "cw-lease-job", job, (GDestroyNotify) lease_job_free);
  cw_cluster_run_async (self->cluster, acquire_func, job, NULL, NULL, NULL, acquired, task);
}

static gboolean
gate_acquire_finish (gpointer gate_data, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gpointer
release_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  LeaseJob *job = data;

  return cw_cluster_lease_release (conn, job->lease, job->holder, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

static void
released (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autofree gchar *name = user_data;
  g_autoptr(GError) error = NULL;

  /* it expires by itself; the others then take the renewal over */
  if (cw_cluster_run_finish (CW_CLUSTER (source), res, &error) == NULL && error != NULL)
    g_warning ("cluster: the renewal lease of %s not given back: %s", name, error->message);
}

static void
gate_release (gpointer gate_data, CwCertificate *cert)
{
  CwClusterRenewal *self = gate_data;
  const gchar *name = cw_certificate_get_name (cert);

  if (!g_hash_table_remove (self->held, name))
    return;
  cw_cluster_run_async (self->cluster, release_func, lease_job_new (self, name), (GDestroyNotify) lease_job_free,
                        NULL, NULL, released, g_strdup (name));
}

static const CwAcmeGate gate = { gate_acquire_async, gate_acquire_finish, gate_release };

static void
order_finished (CwAcmeManager *acme, CwCertificate *cert, GError *error, gint64 retry_after, gpointer user_data)
{
  gate_release (user_data, cert);
}

/* ---- every heartbeat: extend, take over --------------------------------- */

static gpointer
tick_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  LeaseJob *job = data;

  for (gchar **l = job->extend; *l != NULL; l++)
    if (!cw_cluster_lease_extend (conn, *l, job->holder, job->seconds, error))
      if (*error != NULL)
        return NULL;
  return cw_cluster_lease_list (conn, error);
}

static void
taken_over (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autofree gchar *name = user_data;
  g_autoptr(GError) error = NULL;

  /* Busy: another node was first, or it is renewing here already */
  if (!cw_acme_manager_renew_finish (CW_ACME_MANAGER (source), res, &error) &&
      !g_error_matches (error, CW_ERROR, CW_ERROR_BUSY))
    g_warning ("cluster: %s: the renewal left by another node not taken over: %s", name, error->message);
}

static void
ticked (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(CwClusterRenewal) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) leases = cw_cluster_run_finish (CW_CLUSTER (source), res, &error);

  self->ticking = FALSE;
  if (leases == NULL || self->acme == NULL)
    return;
  for (guint i = 0; i < leases->len; i++) {
    CwClusterLease *l = leases->pdata[i];
    const gchar *name = l->name + strlen (LEASE_PREFIX);
    CwCertificate *cert;

    if (l->live || !g_str_has_prefix (l->name, LEASE_PREFIX) || g_hash_table_contains (self->held, name))
      continue;
    cert = cw_store_lookup (self->store, name);
    if (cert == NULL || cw_certificate_get_acme (cert) == NULL || cw_acme_manager_is_working (self->acme, cert))
      continue;
    g_message ("cluster: node %s's renewal of %s ended without a result (its lease expired): renewing it here",
               l->holder, name);
    cw_acme_manager_renew_async (self->acme, cert, TRUE, -1, NULL, taken_over, g_strdup (name));
  }
}

static gboolean
tick (gpointer user_data)
{
  CwClusterRenewal *self = user_data;
  LeaseJob *job;
  GHashTableIter iter;
  gpointer name;
  g_autoptr(GPtrArray) extend = g_ptr_array_new ();

  if (self->ticking || !cw_cluster_get_available (self->cluster))
    return G_SOURCE_CONTINUE;
  job = lease_job_new (self, NULL);
  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (extend, g_strconcat (LEASE_PREFIX, name, NULL));
  g_ptr_array_add (extend, NULL);
  job->extend = (gchar **) g_ptr_array_free (g_steal_pointer (&extend), FALSE);
  self->ticking = TRUE;
  cw_cluster_run_async (self->cluster, tick_func, job, (GDestroyNotify) lease_job_free,
                        (GDestroyNotify) g_ptr_array_unref, NULL, ticked, g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

/* ---- object ------------------------------------------------------------- */

static void
cw_cluster_renewal_dispose (GObject *object)
{
  CwClusterRenewal *self = CW_CLUSTER_RENEWAL (object);

  g_clear_handle_id (&self->tick, g_source_remove);
  if (self->acme != NULL) {
    cw_acme_manager_set_gate (self->acme, NULL, NULL);
    g_signal_handlers_disconnect_by_data (self->acme, self);
  }
  g_clear_object (&self->acme);
  g_clear_object (&self->store);
  g_clear_object (&self->cluster);
  G_OBJECT_CLASS (cw_cluster_renewal_parent_class)->dispose (object);
}

static void
cw_cluster_renewal_finalize (GObject *object)
{
  CwClusterRenewal *self = CW_CLUSTER_RENEWAL (object);

  g_hash_table_unref (self->held);
  G_OBJECT_CLASS (cw_cluster_renewal_parent_class)->finalize (object);
}

static void
cw_cluster_renewal_class_init (CwClusterRenewalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_cluster_renewal_dispose;
  object_class->finalize = cw_cluster_renewal_finalize;
}

static void
cw_cluster_renewal_init (CwClusterRenewal *self)
{
  self->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

CwClusterRenewal *
cw_cluster_renewal_new (CwCluster *cluster, CwStore *store, CwAcmeManager *acme)
{
  CwClusterRenewal *self = g_object_new (CW_TYPE_CLUSTER_RENEWAL, NULL);
  /* a lease is extended well before it could expire */
  guint every = MAX (1, MIN (cw_cluster_get_heartbeat (cluster), cw_cluster_get_lease_time (cluster) / 3));

  self->cluster = g_object_ref (cluster);
  self->store = g_object_ref (store);
  self->acme = g_object_ref (acme);
  cw_acme_manager_set_gate (acme, &gate, self);
  g_signal_connect (acme, "order-finished", G_CALLBACK (order_finished), self);
  self->tick = g_timeout_add_seconds (every, tick, self);
  return self;
}
