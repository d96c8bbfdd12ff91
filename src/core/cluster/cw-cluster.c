/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwCluster: the connections to the shared database, its thread, availability and the event pump. */
#include "config.h"

#include "cw-cluster.h"
#include "cw-cluster-schema.h"
#include "cw-cluster-objects.h"
#include "cw-error.h"
#include "cw-fs.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#define APPLIED_FILE "cluster.ini"
#define FETCH_LIMIT 200
#define RETRY_MIN 1
#define RETRY_MAX 5

typedef struct {
  CwClusterFunc   func;
  gpointer        data;
  GDestroyNotify  data_free;
  GDestroyNotify  result_free;
  GTask          *task;       /* async */
  gboolean        internal;   /* runs while unavailable (connecting) */
  /* sync */
  GMutex          lock;
  GCond           cond;
  gboolean        done;
  gpointer        result;
  GError         *error;
} Job;

struct _CwCluster {
  GObject           parent_instance;
  gchar            *conninfo;
  gchar            *node;
  gchar            *state_dir;
  guint             lease_time;
  guint             heartbeat;
  CwClusterSeal    *seal;
  GMainContext     *context;

  GThread          *thread;
  GAsyncQueue      *jobs;
  PGconn           *conn;        /* the thread's */
  gint              available;   /* atomic: read by the thread */

  PGconn           *listener;    /* the main loop's */
  guint             listen_id;
  guint             retry_id;
  guint             retry;
  gboolean          connecting;
  gchar            *last_error;  /* of the last failed attempt, said once */
  guint             heartbeat_id;
  gboolean          started;
  gboolean          heartbeat_running;

  CwClusterApplier  applier;
  gpointer          applier_data;
  GHashTable       *object_appliers;  /* object kind → ObjectApplier */
  gint64            applied;
  gint64            fetched;     /* the newest seq queued */
  GQueue            queue;       /* CwClusterEvent not yet applied */
  gboolean          fetching;
  gboolean          wanted;      /* woken while fetching */
  gboolean          applying;
  gboolean          batch_full;  /* the last read hit FETCH_LIMIT */
  guint             wake_id;
};

enum { PROP_0, PROP_AVAILABLE, N_PROPS };
static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (CwCluster, cw_cluster, G_TYPE_OBJECT)

static void lost (CwCluster *self, const GError *error);
static void schedule_connect (CwCluster *self);

/* ---- the database thread --------------------------------------------- */

static void
job_free (Job *job)
{
  if (job->data_free != NULL)
    job->data_free (job->data);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->cond);
  g_free (job);
}

typedef struct {
  CwCluster *self;
  GError    *error;
} LostReport;

static gboolean
report_lost (gpointer user_data)
{
  LostReport *report = user_data;

  lost (report->self, report->error);
  g_error_free (report->error);
  g_object_unref (report->self);
  g_free (report);
  return G_SOURCE_REMOVE;
}

static gpointer
thread_func (gpointer user_data)
{
  CwCluster *self = user_data;
  Job *job;

  while ((job = g_async_queue_pop (self->jobs)) != NULL && job->func != NULL) {
    gpointer result = NULL;
    GError *error = NULL;

    if (!job->internal && !g_atomic_int_get (&self->available))
      g_set_error (&error, CW_ERROR, CW_ERROR_UNAVAILABLE,
                   _("The cluster database cannot be reached; this node is read-only until it returns"));
    else if (job->task != NULL && g_task_return_error_if_cancelled (job->task)) {
      g_clear_object (&job->task);
      job_free (job);
      continue;
    } else {
      if (!cw_pg_is_ok (self->conn)) {
        g_clear_pointer (&self->conn, PQfinish);
        self->conn = cw_pg_connect (self->conninfo, self->node, &error);
      }
      if (self->conn != NULL)
        result = job->func (self, self->conn, job->data, &error);
      /* a connection lost here is lost for everyone: tell the main loop */
      if (error != NULL && g_error_matches (error, CW_ERROR, CW_ERROR_UNAVAILABLE) && !job->internal) {
        LostReport *report = g_new0 (LostReport, 1);

        report->self = g_object_ref (self);
        report->error = g_error_copy (error);
        g_main_context_invoke (self->context, report_lost, report);
      }
    }
    if (job->task != NULL) {
      if (error != NULL)
        g_task_return_error (job->task, error);
      else
        g_task_return_pointer (job->task, result, job->result_free);
      g_clear_object (&job->task);
      job_free (job);
    } else {
      g_mutex_lock (&job->lock);
      job->result = result;
      job->error = error;
      job->done = TRUE;
      g_cond_signal (&job->cond);
      g_mutex_unlock (&job->lock);
    }
  }
  if (job != NULL)
    job_free (job);
  g_clear_pointer (&self->conn, PQfinish);
  return NULL;
}

static Job *
job_new (CwClusterFunc func, gpointer data, GDestroyNotify data_free, GDestroyNotify result_free)
{
  Job *job = g_new0 (Job, 1);

  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;
  g_mutex_init (&job->lock);
  g_cond_init (&job->cond);
  return job;
}

static void
run_async (CwCluster *self, gboolean internal, CwClusterFunc func, gpointer data, GDestroyNotify data_free,
           GDestroyNotify result_free, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Job *job = job_new (func, data, data_free, result_free);

  job->internal = internal;
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, cw_cluster_run_async);
  g_async_queue_push (self->jobs, job);
}

void
cw_cluster_run_async (CwCluster *self, CwClusterFunc func, gpointer data, GDestroyNotify data_free,
                      GDestroyNotify result_free, GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  run_async (self, FALSE, func, data, data_free, result_free, cancellable, callback, user_data);
}

gpointer
cw_cluster_run_finish (CwCluster *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gpointer
cw_cluster_run_sync (CwCluster *self, CwClusterFunc func, gpointer data, GError **error)
{
  Job *job = job_new (func, data, NULL, NULL);
  gpointer result;

  g_return_val_if_fail (g_thread_self () != self->thread, NULL);
  g_async_queue_push (self->jobs, job);
  g_mutex_lock (&job->lock);
  while (!job->done)
    g_cond_wait (&job->cond, &job->lock);
  g_mutex_unlock (&job->lock);
  result = job->result;
  if (job->error != NULL)
    g_propagate_error (error, job->error);
  job_free (job);
  return result;
}

/* ---- connecting and the listener ------------------------------------- */

static void
set_available (CwCluster *self, gboolean available)
{
  if (g_atomic_int_get (&self->available) == available)
    return;
  g_atomic_int_set (&self->available, available);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_AVAILABLE]);
}

static void
lost (CwCluster *self, const GError *error)
{
  if (self->listen_id != 0)
    g_source_remove (self->listen_id);
  self->listen_id = 0;
  g_clear_pointer (&self->listener, PQfinish);
  if (g_atomic_int_get (&self->available))
    g_warning ("cluster: %s; read-only until it returns",
               error != NULL ? error->message : _("the connection to the cluster database was lost"));
  set_available (self, FALSE);
  schedule_connect (self);
}

static void wake_now (CwCluster *self);

static gboolean
on_listener (gint fd, GIOCondition condition, gpointer user_data)
{
  CwCluster *self = user_data;
  PGnotify *notify;
  gboolean woken = FALSE;

  if (!PQconsumeInput (self->listener) || PQstatus (self->listener) != CONNECTION_OK) {
    g_autoptr(GError) error = g_error_new (CW_ERROR, CW_ERROR_UNAVAILABLE,
                                           _("The cluster database connection was lost: %s"),
                                           PQerrorMessage (self->listener));

    g_strdelimit (g_strstrip (error->message), "\n\t", ' ');
    self->listen_id = 0;
    lost (self, error);
    return G_SOURCE_REMOVE;
  }
  while ((notify = PQnotifies (self->listener)) != NULL) {
    woken = TRUE;
    PQfreemem (notify);
  }
  if (woken)
    wake_now (self);
  return G_SOURCE_CONTINUE;
}

/* On the thread: the schema, the thread's own connection, this node's row
 * and a second connection that listens, handed to the main loop. */
static gpointer
connect_func (CwCluster *self, PGconn *conn, gpointer data, GError **error)
{
  g_autoptr(PGconn) listener = NULL;
  g_autoptr(PGresult) result = NULL;
  gint from = 0;

  if (!cw_cluster_schema_migrate (conn, &from, error) ||
      !cw_cluster_shared_heartbeat (conn, self->node, self->applied, PACKAGE_VERSION, !self->started, error))
    return NULL;
  if (from != CW_CLUSTER_SCHEMA_VERSION)
    g_message ("cluster database: schema created or migrated from version %d to %d", from,
               CW_CLUSTER_SCHEMA_VERSION);
  listener = cw_pg_connect (self->conninfo, self->node, error);
  if (listener == NULL)
    return NULL;
  result = cw_pg_exec (listener, "LISTEN " CW_CLUSTER_CHANNEL, 0, NULL, error);
  if (result == NULL)
    return NULL;
  return g_steal_pointer (&listener);
}

static void
connected (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CwCluster *self = CW_CLUSTER (source);
  g_autoptr(GError) error = NULL;
  PGconn *listener = cw_cluster_run_finish (self, res, &error);

  self->connecting = FALSE;
  if (listener == NULL) {
    /* the loss itself was a warning; each failed attempt is routine, but
     * a database this node cannot use (a newer schema) is not */
    if (g_error_matches (error, CW_ERROR, CW_ERROR_UNAVAILABLE))
      g_info ("cluster: %s", error->message);
    else if (g_strcmp0 (self->last_error, error->message) != 0)
      g_warning ("cluster: %s", error->message);
    g_free (self->last_error);
    self->last_error = g_strdup (error->message);
    self->retry = MIN (self->retry * 2, RETRY_MAX);
    schedule_connect (self);
    g_object_unref (self);
    return;
  }
  self->listener = listener;
  self->retry = RETRY_MIN;
  g_clear_pointer (&self->last_error, g_free);
  self->listen_id = g_unix_fd_add (PQsocket (listener), G_IO_IN | G_IO_HUP | G_IO_ERR, on_listener, self);
  if (!self->started)
    g_message ("cluster: node %s connected to the cluster database", self->node);
  else
    g_message ("cluster: node %s connected again; catching up from event %" G_GINT64_FORMAT, self->node,
               self->applied);
  self->started = TRUE;
  set_available (self, TRUE);
  wake_now (self);
  g_object_unref (self);
}

static void
connect_now (CwCluster *self)
{
  if (self->connecting || self->listener != NULL)
    return;
  self->connecting = TRUE;
  run_async (self, TRUE, connect_func, NULL, NULL, (GDestroyNotify) PQfinish, NULL, connected,
             g_object_ref (self));
}

static gboolean
retry_cb (gpointer user_data)
{
  CwCluster *self = user_data;

  self->retry_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_connect (CwCluster *self)
{
  if (self->retry_id != 0 || self->connecting)
    return;
  self->retry_id = g_timeout_add_seconds (self->retry, retry_cb, self);
}

/* ---- heartbeat ------------------------------------------------------- */

static gpointer
heartbeat_func (CwCluster *self, PGconn *conn, gpointer data, GError **error)
{
  gint64 applied = GPOINTER_TO_SIZE (data);

  if (!cw_cluster_shared_heartbeat (conn, self->node, applied, PACKAGE_VERSION, FALSE, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
heartbeat_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CwCluster *self = CW_CLUSTER (source);

  g_autoptr(GError) error = NULL;

  /* a lost connection was reported by the thread itself */
  cw_cluster_run_finish (self, res, &error);
  self->heartbeat_running = FALSE;
  g_object_unref (self);
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  CwCluster *self = user_data;

  if (g_atomic_int_get (&self->available) && !self->heartbeat_running) {
    self->heartbeat_running = TRUE;
    cw_cluster_run_async (self, heartbeat_func, GSIZE_TO_POINTER ((gsize) self->applied), NULL, NULL, NULL,
                          heartbeat_done, g_object_ref (self));
  }
  return G_SOURCE_CONTINUE;
}

/* ---- the event pump -------------------------------------------------- */

static void pump (CwCluster *self);
static void save_applied (CwCluster *self);
static gboolean wake_cb (gpointer user_data);

static gpointer
fetch_func (CwCluster *self, PGconn *conn, gpointer data, GError **error)
{
  gint64 after = *(gint64 *) data;

  return cw_cluster_shared_events_since (conn, after, FETCH_LIMIT, error);
}

static void
fetched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CwCluster *self = CW_CLUSTER (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = cw_cluster_run_finish (self, res, &error);

  self->fetching = FALSE;
  if (events == NULL) {
    /* unavailable: the reconnect wakes us; anything else: try again soon */
    if (!g_error_matches (error, CW_ERROR, CW_ERROR_UNAVAILABLE)) {
      g_warning ("cluster: reading the event log: %s", error->message);
      if (self->wake_id == 0)
        self->wake_id = g_timeout_add_seconds (RETRY_MAX, wake_cb, self);
    }
  } else {
    self->batch_full = events->len >= FETCH_LIMIT;
    for (guint i = 0; i < events->len; i++) {
      CwClusterEvent *event = g_ptr_array_index (events, i);

      if (event->seq <= self->fetched)
        continue;
      self->fetched = event->seq;
      g_queue_push_tail (&self->queue, g_steal_pointer (&events->pdata[i]));
    }
  }
  pump (self);
  if (self->wanted && g_atomic_int_get (&self->available))
    wake_now (self);
  g_object_unref (self);
}

static void
wake_now (CwCluster *self)
{
  gint64 *after;

  if (self->applier == NULL || !g_atomic_int_get (&self->available))
    return;
  if (self->fetching) {
    self->wanted = TRUE;
    return;
  }
  self->wanted = FALSE;
  self->fetching = TRUE;
  after = g_new (gint64, 1);
  *after = MAX (self->applied, self->fetched);
  cw_cluster_run_async (self, fetch_func, after, g_free, (GDestroyNotify) g_ptr_array_unref, NULL, fetched,
                        g_object_ref (self));
}

void
cw_cluster_wake (CwCluster *self)
{
  wake_now (self);
}

typedef struct {
  CwClusterApplier func;
  gpointer         data;
} ObjectApplier;

static void
pump (CwCluster *self)
{
  CwClusterEvent *event;

  while (!self->applying && self->applier != NULL && (event = g_queue_peek_head (&self->queue)) != NULL) {
    if (cw_cluster_event_is_object (event)) {
      ObjectApplier *object = g_hash_table_lookup (self->object_appliers, event->certificate);

      if (object == NULL) {
        /* a kind this node does not share: nothing to do, in order */
        self->applied = event->seq;
        cw_cluster_event_free (g_queue_pop_head (&self->queue));
        save_applied (self);
        continue;
      }
      self->applying = TRUE;
      object->func (self, event, object->data);
      return;
    }
    self->applying = TRUE;
    self->applier (self, event, self->applier_data);
    return;
  }
}

void
cw_cluster_set_object_applier (CwCluster *self, const gchar *kind, CwClusterApplier applier, gpointer user_data)
{
  ObjectApplier *object;

  if (applier == NULL) {
    g_hash_table_remove (self->object_appliers, kind);
    return;
  }
  object = g_new0 (ObjectApplier, 1);
  object->func = applier;
  object->data = user_data;
  g_hash_table_replace (self->object_appliers, g_strdup (kind), object);
}

static void
save_applied (CwCluster *self)
{
  g_autofree gchar *text = g_strdup_printf ("[cluster]\napplied=%" G_GINT64_FORMAT "\n", self->applied);
  g_autofree gchar *path = g_build_filename (self->state_dir, APPLIED_FILE, NULL);
  g_autoptr(GError) error = NULL;

  /* fsynced and renamed: a crash leaves the old number or the new one,
   * and applying an event twice is harmless (the applier compares
   * revisions), skipping one is not */
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("cluster: %s", error->message);
}

void
cw_cluster_applied (CwCluster *self, gint64 seq)
{
  CwClusterEvent *event = g_queue_peek_head (&self->queue);

  g_return_if_fail (self->applying && event != NULL && event->seq == seq);
  cw_cluster_event_free (g_queue_pop_head (&self->queue));
  self->applying = FALSE;
  self->applied = seq;
  save_applied (self);
  pump (self);
  /* a full batch may have more behind it: read on when it is done */
  if (g_queue_is_empty (&self->queue) && self->batch_full)
    wake_now (self);
}

static gboolean
wake_cb (gpointer user_data)
{
  CwCluster *self = user_data;

  self->wake_id = 0;
  wake_now (self);
  return G_SOURCE_REMOVE;
}

void
cw_cluster_apply_failed (CwCluster *self, gint64 seq, const GError *error)
{
  g_return_if_fail (self->applying);
  g_warning ("cluster: event %" G_GINT64_FORMAT " not applied yet: %s", seq, error->message);
  /* drop what was read ahead: it comes again, after this one */
  g_queue_clear_full (&self->queue, (GDestroyNotify) cw_cluster_event_free);
  self->fetched = self->applied;
  self->applying = FALSE;
  if (self->wake_id == 0)
    self->wake_id = g_timeout_add_seconds (RETRY_MAX, wake_cb, self);
}

void
cw_cluster_set_applier (CwCluster *self, CwClusterApplier applier, gpointer user_data)
{
  self->applier = applier;
  self->applier_data = user_data;
  wake_now (self);
}

/* ---- the object ------------------------------------------------------ */

static void
load_applied (CwCluster *self)
{
  g_autofree gchar *path = g_build_filename (self->state_dir, APPLIED_FILE, NULL);
  g_autoptr(GKeyFile) file = g_key_file_new ();

  if (g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    self->applied = MAX (0, g_key_file_get_int64 (file, "cluster", "applied", NULL));
}

gboolean
cw_cluster_configured (CwConfig *config)
{
  return g_str_equal (cw_config_get_string (config, "cluster", "backend"), "postgresql");
}

CwCluster *
cw_cluster_new (CwConfig *config, const gchar *state_dir, GError **error)
{
  g_autoptr(CwCluster) self = g_object_new (CW_TYPE_CLUSTER, NULL);
  const gchar *node = cw_config_get_string (config, "cluster", "node");

  self->conninfo = g_strdup (cw_config_get_string (config, "cluster", "uri"));
  if (!cw_pg_check_conninfo (self->conninfo, error))
    return NULL;
  self->seal = cw_cluster_seal_new (cw_config_get_string (config, "cluster", "key-file"), error);
  if (self->seal == NULL)
    return NULL;
  if (*cw_config_get_string (config, "cluster", "key-file") == '\0')
    g_message ("cluster: [cluster] key-file is not set: private keys, DNS provider secrets and ACME account keys "
               "go into the database in the clear, and this node believes every row; set key-file (the same "
               "file on every node)");
  self->node = g_strdup (*node != '\0' ? node : g_get_host_name ());
  self->state_dir = g_strdup (state_dir);
  self->lease_time = (guint) cw_config_get_int (config, "cluster", "lease-time");
  self->heartbeat = (guint) cw_config_get_int (config, "cluster", "heartbeat");
  load_applied (self);
  self->fetched = self->applied;
  return g_steal_pointer (&self);
}

void
cw_cluster_start (CwCluster *self)
{
  g_return_if_fail (self->thread == NULL);
  self->thread = g_thread_new ("cw-cluster", thread_func, self);
  self->heartbeat_id = g_timeout_add_seconds (self->heartbeat, heartbeat_cb, self);
  connect_now (self);
}

void
cw_cluster_stop (CwCluster *self)
{
  if (self->thread == NULL)
    return;
  /* a job without a function ends the thread after everything queued */
  g_async_queue_push (self->jobs, job_new (NULL, NULL, NULL, NULL));
  g_thread_join (self->thread);
  self->thread = NULL;
  /* the tasks of the last jobs complete in idles of this context */
  while (g_main_context_iteration (self->context, FALSE))
    ;
}

gboolean
cw_cluster_get_available (CwCluster *self)
{
  return g_atomic_int_get (&self->available);
}

const gchar *
cw_cluster_get_node (CwCluster *self)
{
  return self->node;
}

CwClusterSeal *
cw_cluster_get_seal (CwCluster *self)
{
  return self->seal;
}

guint
cw_cluster_get_lease_time (CwCluster *self)
{
  return self->lease_time;
}

guint
cw_cluster_get_heartbeat (CwCluster *self)
{
  return self->heartbeat;
}

gint64
cw_cluster_get_applied (CwCluster *self)
{
  return self->applied;
}

static void
cw_cluster_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CwCluster *self = CW_CLUSTER (object);

  switch (prop_id) {
  case PROP_AVAILABLE:
    g_value_set_boolean (value, cw_cluster_get_available (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
cw_cluster_dispose (GObject *object)
{
  CwCluster *self = CW_CLUSTER (object);

  cw_cluster_stop (self);
  g_clear_handle_id (&self->listen_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
  g_clear_handle_id (&self->wake_id, g_source_remove);
  g_clear_pointer (&self->listener, PQfinish);
  G_OBJECT_CLASS (cw_cluster_parent_class)->dispose (object);
}

static void
cw_cluster_finalize (GObject *object)
{
  CwCluster *self = CW_CLUSTER (object);

  g_queue_clear_full (&self->queue, (GDestroyNotify) cw_cluster_event_free);
  g_hash_table_unref (self->object_appliers);
  g_async_queue_unref (self->jobs);
  g_clear_pointer (&self->seal, cw_cluster_seal_free);
  g_main_context_unref (self->context);
  g_free (self->conninfo);
  g_free (self->last_error);
  g_free (self->node);
  g_free (self->state_dir);
  G_OBJECT_CLASS (cw_cluster_parent_class)->finalize (object);
}

static void
cw_cluster_class_init (CwClusterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cw_cluster_get_property;
  object_class->dispose = cw_cluster_dispose;
  object_class->finalize = cw_cluster_finalize;
  props[PROP_AVAILABLE] = g_param_spec_boolean ("available", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
cw_cluster_init (CwCluster *self)
{
  self->jobs = g_async_queue_new ();
  self->retry = RETRY_MIN;
  self->context = g_main_context_ref_thread_default ();
  g_queue_init (&self->queue);
  self->object_appliers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
