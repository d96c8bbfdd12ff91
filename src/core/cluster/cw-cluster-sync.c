/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwClusterSync: the store's shared backend, and the log's events applied to this node's store. */
#include "config.h"

#include "cw-cluster-sync.h"
#include "cw-error.h"
#include "cw-export.h"
#include "cw-write-job.h"

#include <glib/gi18n.h>

#define REVISIONS_FILE "cluster-revisions.ini"
#define HOST_IDENTITY "system"

struct _CwClusterSync {
  GObject     parent_instance;
  CwCluster  *cluster;
  CwStore    *store;
  gchar      *path;
  GMutex      lock;        /* the tables below: worker threads commit, the main thread applies */
  GHashTable *revisions;   /* name → gint64 *: the shared revision here */
  GHashTable *settings;    /* name → settings.ini text last shared */
  GHashTable *applying;    /* names the log is changing here: not committed back */
  GQueue      ops;         /* CwClusterEvent to apply, one at a time; seq 0: from the start-up check */
  gboolean    busy;
  gboolean    checked;     /* the start-up comparison with the database ran */
};

G_DEFINE_FINAL_TYPE (CwClusterSync, cw_cluster_sync, G_TYPE_OBJECT)

static void run_next (CwClusterSync *self);

/* ---- the revisions file ---------------------------------------------- */

static void
load_revisions (CwClusterSync *self)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) keys = NULL;

  if (!g_key_file_load_from_file (file, self->path, G_KEY_FILE_NONE, NULL))
    return;
  keys = g_key_file_get_keys (file, "revisions", NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
    gint64 *rev = g_new (gint64, 1);

    *rev = g_key_file_get_int64 (file, "revisions", keys[i], NULL);
    g_hash_table_replace (self->revisions, g_strdup (keys[i]), rev);
  }
}

/* Under the lock. Written whole and renamed: a crash keeps the old file,
 * and the start-up check compares with the database anyway. */
static void
save_revisions (CwClusterSync *self)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *data = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->revisions);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_key_file_set_int64 (file, "revisions", key, *(gint64 *) value);
  data = g_key_file_to_data (file, NULL, NULL);
  if (!g_file_set_contents_full (self->path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("cluster: %s", error->message);
}

gint64
cw_cluster_sync_get_revision (CwClusterSync *self, const gchar *name)
{
  gint64 *rev, value;

  g_mutex_lock (&self->lock);
  rev = g_hash_table_lookup (self->revisions, name);
  value = rev != NULL ? *rev : 0;
  g_mutex_unlock (&self->lock);
  return value;
}

static void
set_revision (CwClusterSync *self, const gchar *name, gint64 revision, const gchar *settings)
{
  g_mutex_lock (&self->lock);
  if (revision == 0) {
    g_hash_table_remove (self->revisions, name);
    g_hash_table_remove (self->settings, name);
  } else {
    gint64 *rev = g_new (gint64, 1);

    *rev = revision;
    g_hash_table_replace (self->revisions, g_strdup (name), rev);
    if (settings != NULL)
      g_hash_table_replace (self->settings, g_strdup (name), g_strdup (settings));
  }
  save_revisions (self);
  g_mutex_unlock (&self->lock);
}

static void
set_applying (CwClusterSync *self, const gchar *name, gboolean applying)
{
  g_mutex_lock (&self->lock);
  if (applying)
    g_hash_table_add (self->applying, g_strdup (name));
  else
    g_hash_table_remove (self->applying, name);
  g_mutex_unlock (&self->lock);
}

/* ---- the store's backend: committing what this node changes ------------ */

/* Worker threads of the store call these; the main thread applies the log:
 * both under self->lock. */

typedef struct {
  CwClusterRevision *rev;
  const gchar       *kind;
  gint64             expected;
  gint64             seq;
} Commit;

static gpointer
commit_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  Commit *c = data;

  c->seq = cw_cluster_shared_commit (conn, cw_cluster_get_seal (cluster), cw_cluster_get_node (cluster), c->kind,
                                     c->rev, c->expected, error);
  return c->seq > 0 ? GINT_TO_POINTER (1) : NULL;
}

/* Whether this node's own change to @name goes to the database: not the
 * host's identity, not what the log itself is applying here. */
static gboolean
shares (CwClusterSync *self, const gchar *name)
{
  gboolean applying;

  if (name == NULL || g_str_equal (name, HOST_IDENTITY))
    return FALSE;
  g_mutex_lock (&self->lock);
  applying = g_hash_table_contains (self->applying, name);
  g_mutex_unlock (&self->lock);
  return !applying;
}

static gboolean
backend_commit_revision (gpointer user_data, CwWriteJob *job, GError **error)
{
  CwClusterSync *self = user_data;
  g_autoptr(GKeyFile) settings = g_key_file_new ();
  g_autofree gchar *name = NULL;
  g_autoptr(CwClusterRevision) rev = NULL;
  CwExportOptions chain_only = { CW_EXPORT_PEM, FALSE, NULL, FALSE, FALSE };
  CwExportOptions with_key = { CW_EXPORT_PEM, TRUE, NULL, FALSE, TRUE };
  Commit c = { 0 };

  if (job->settings != NULL && g_key_file_load_from_data (settings, job->settings, -1, G_KEY_FILE_NONE, NULL))
    name = g_key_file_get_string (settings, "certificate", "name", NULL);
  if (name == NULL)
    name = g_strdup (job->name);
  /* a pending request alone (a key and CSR waiting for a CA) stays here:
   * only certificates are shared */
  if (job->bundle == NULL || !shares (self, name)) {
    /* an order's settings (how it renews) go with its first certificate */
    if (job->bundle == NULL && job->settings != NULL && shares (self, name)) {
      g_mutex_lock (&self->lock);
      g_hash_table_replace (self->settings, g_strdup (name), g_strdup (job->settings));
      g_mutex_unlock (&self->lock);
    }
    return TRUE;
  }
  rev = g_new0 (CwClusterRevision, 1);
  rev->id = g_strdup (name);
  rev->name = g_strdup (name);
  rev->fingerprint = g_strdup (job->info->fingerprint);
  rev->fullchain = cw_export (job->bundle->certs, NULL, name, &chain_only, error);
  rev->key = rev->fullchain != NULL ? cw_export (job->bundle->certs, job->bundle->key, name, &with_key, error) : NULL;
  if (rev->key == NULL)
    return FALSE;
  if (job->settings != NULL) {
    rev->settings = g_strdup (job->settings);
  } else {
    g_mutex_lock (&self->lock);
    rev->settings = g_strdup (g_hash_table_lookup (self->settings, name));
    g_mutex_unlock (&self->lock);
  }
  c.rev = rev;
  c.kind = job->is_new ? "added" : job->renewal ? "renewed" : "replaced";
  c.expected = cw_cluster_sync_get_revision (self, name);
  if (cw_cluster_run_sync (self->cluster, commit_func, &c, error) == NULL) {
    g_prefix_error (error, "%s: ", name);
    return FALSE;
  }
  /* the event comes back to this node too: it finds the revision here */
  set_revision (self, name, rev->revision, rev->settings);
  g_message ("cluster: %s committed as revision %" G_GINT64_FORMAT " (event %" G_GINT64_FORMAT ")", name,
             rev->revision, c.seq);
  return TRUE;
}

static gpointer
remove_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  return cw_cluster_shared_remove (conn, cw_cluster_get_node (cluster), data, error) > 0 ? GINT_TO_POINTER (1)
                                                                                          : NULL;
}

static gboolean
backend_commit_removal (gpointer user_data, const gchar *name, GError **error)
{
  CwClusterSync *self = user_data;
  g_autoptr(GError) local = NULL;

  if (!shares (self, name))
    return TRUE;
  if (cw_cluster_run_sync (self->cluster, remove_func, (gpointer) name, &local) == NULL &&
      !g_error_matches (local, CW_ERROR, CW_ERROR_NOT_FOUND)) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", name);
    return FALSE;
  }
  set_revision (self, name, 0, NULL);
  return TRUE;
}

static const CwStoreBackend backend = { backend_commit_revision, backend_commit_removal };

/* ---- applying what the log says -------------------------------------- */

typedef struct {
  CwClusterSync     *self;
  CwClusterEvent    *event;
  CwClusterRevision *rev;
} Applying;

static void
applying_done (Applying *a, const GError *error, gboolean retry)
{
  CwClusterSync *self = a->self;

  set_applying (self, a->event->name, FALSE);
  /* seq 0: found by the start-up check, not read from the log */
  if (a->event->seq > 0) {
    if (error != NULL && retry)
      cw_cluster_apply_failed (self->cluster, a->event->seq, error);
    else
      cw_cluster_applied (self->cluster, a->event->seq);
  }
  cw_cluster_event_free (a->event);
  cw_cluster_revision_free (a->rev);
  g_free (a);
  self->busy = FALSE;
  run_next (self);
  g_object_unref (self);
}

static void
imported (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Applying *a = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = cw_store_import_finish (CW_STORE (source), res, &error);

  if (cert == NULL) {
    /* busy with an operation of this node's: the same event again shortly */
    gboolean retry = g_error_matches (error, CW_ERROR, CW_ERROR_BUSY) || g_error_matches (error, CW_ERROR, CW_ERROR_IO);

    g_warning ("cluster: %s revision %" G_GINT64_FORMAT " from node %s not applied: %s", a->rev->name,
               a->rev->revision, a->rev->node, error->message);
    applying_done (a, error, retry);
    return;
  }
  set_revision (a->self, a->rev->name, a->rev->revision, a->rev->settings);
  g_message ("cluster: %s now at revision %" G_GINT64_FORMAT " from node %s", a->rev->name, a->rev->revision,
             a->rev->node);
  applying_done (a, NULL, FALSE);
}

static gpointer
fetch_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  return cw_cluster_shared_fetch (conn, cw_cluster_get_seal (cluster), data, 0, error);
}

static void
fetched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Applying *a = user_data;
  CwClusterSync *self = a->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(CwImportRequest) request = NULL;
  g_autoptr(GKeyFile) settings = g_key_file_new ();
  CwCertificate *local;

  a->rev = cw_cluster_run_finish (CW_CLUSTER (source), res, &error);
  if (a->rev == NULL) {
    /* removed since (its own event follows); a key sealed with another
     * key-file is said once and never replaces anything here */
    gboolean retry = g_error_matches (error, CW_ERROR, CW_ERROR_UNAVAILABLE);

    if (!g_error_matches (error, CW_ERROR, CW_ERROR_NOT_FOUND) && !retry)
      g_warning ("cluster: event %" G_GINT64_FORMAT " not applied: %s", a->event->seq, error->message);
    applying_done (a, error, retry);
    return;
  }
  if (a->rev->revision <= cw_cluster_sync_get_revision (self, a->rev->name)) {
    applying_done (a, NULL, FALSE);
    return;
  }
  local = cw_store_lookup (self->store, a->rev->name);
  if (local != NULL && cw_certificate_get_info (local) != NULL &&
      g_strcmp0 (cw_certificate_get_info (local)->fingerprint, a->rev->fingerprint) == 0) {
    /* already here: this node made it and stopped before recording it */
    set_revision (self, a->rev->name, a->rev->revision, a->rev->settings);
    applying_done (a, NULL, FALSE);
    return;
  }
  request = cw_import_request_new ();
  request->name = g_strdup (a->rev->name);
  request->replace = TRUE;
  request->allow_expired = TRUE;
  /* announced here as it was where it happened */
  request->renewal = g_str_equal (a->event->kind, "renewed");
  if (g_key_file_load_from_data (settings, a->rev->settings, -1, G_KEY_FILE_NONE, NULL)) {
    request->roles = g_key_file_get_string_list (settings, "certificate", "roles", NULL, NULL);
    request->tenant = g_key_file_get_string (settings, "certificate", "tenant", NULL);
    /* an ACME certificate stays one here: any node may renew it (under
     * its lease), with its own account at the same CA */
    request->acme = cw_acme_spec_load (settings, CW_ACME_GROUP);
    request->spec = cw_issue_spec_load (settings, CW_ISSUE_GROUP);
  }
  cw_import_request_add (request, "cluster", a->rev->key);
  set_applying (self, a->rev->name, TRUE);
  /* the store takes the request */
  cw_store_import_async (self->store, g_steal_pointer (&request), NULL, imported, a);
}

static void
removed_local (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Applying *a = user_data;
  g_autoptr(GError) error = NULL;

  if (!cw_store_remove_finish (CW_STORE (source), res, &error)) {
    gboolean retry = g_error_matches (error, CW_ERROR, CW_ERROR_BUSY);

    g_warning ("cluster: %s removed on node %s but not here: %s", a->event->name, a->event->node, error->message);
    applying_done (a, error, retry);
    return;
  }
  set_revision (a->self, a->event->name, 0, NULL);
  g_message ("cluster: %s removed (by node %s)", a->event->name, a->event->node);
  applying_done (a, NULL, FALSE);
}

static void
start_apply (CwClusterSync *self, CwClusterEvent *event)
{
  Applying *a = g_new0 (Applying, 1);

  a->self = self;
  a->event = event;
  if (g_str_equal (event->name, HOST_IDENTITY) || g_str_equal (event->kind, "settings")) {
    applying_done (a, NULL, FALSE);
    return;
  }
  if (g_str_equal (event->kind, "removed")) {
    CwCertificate *local = cw_store_lookup (self->store, event->name);

    if (local == NULL || cw_cluster_sync_get_revision (self, event->name) == 0) {
      applying_done (a, NULL, FALSE);
      return;
    }
    /* from here on, the store's changes to this name are the log's */
    set_applying (self, event->name, TRUE);
    cw_store_remove_async (self->store, local, TRUE, NULL, removed_local, a);
    return;
  }
  if (event->revision <= cw_cluster_sync_get_revision (self, event->name)) {
    applying_done (a, NULL, FALSE);
    return;
  }
  /* the newest revision, not necessarily the event's: a later event for
   * the same name then finds nothing to do */
  cw_cluster_run_async (self->cluster, fetch_func, g_strdup (event->certificate), g_free,
                        (GDestroyNotify) cw_cluster_revision_free, NULL, fetched, a);
}

static void
run_next (CwClusterSync *self)
{
  CwClusterEvent *event;

  if (self->busy || (event = g_queue_pop_head (&self->ops)) == NULL)
    return;
  self->busy = TRUE;
  g_object_ref (self);
  start_apply (self, event);
}

static CwClusterEvent *
event_copy (const CwClusterEvent *event)
{
  CwClusterEvent *copy = g_new0 (CwClusterEvent, 1);

  *copy = *event;
  copy->certificate = g_strdup (event->certificate);
  copy->name = g_strdup (event->name);
  copy->kind = g_strdup (event->kind);
  copy->node = g_strdup (event->node);
  return copy;
}

static void
applier (CwCluster *cluster, const CwClusterEvent *event, gpointer user_data)
{
  CwClusterSync *self = user_data;

  g_queue_push_tail (&self->ops, event_copy (event));
  run_next (self);
}

/* ---- the start-up check ---------------------------------------------- */

static gpointer
list_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  return cw_cluster_shared_list (conn, error);
}

/* What the database holds against what this node has: a revision this
 * node committed and crashed before writing, or one it missed while its
 * revisions file was lost, is applied like an event of the log. */
static void
listed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CwClusterSync *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) shared = cw_cluster_run_finish (CW_CLUSTER (source), res, &error);

  if (shared == NULL) {
    self->checked = FALSE;
    g_object_unref (self);
    return;
  }
  for (guint i = 0; i < shared->len; i++) {
    CwClusterRevision *rev = shared->pdata[i];
    CwCertificate *local = cw_store_lookup (self->store, rev->name);
    CwClusterEvent event = { 0, rev->id, rev->name, (gchar *) "replaced", rev->revision, rev->node, 0 };

    if (g_str_equal (rev->name, HOST_IDENTITY))
      continue;
    if (local == NULL || cw_certificate_get_info (local) == NULL ||
        g_strcmp0 (cw_certificate_get_info (local)->fingerprint, rev->fingerprint) != 0) {
      /* forget what the revisions file says: the disk is what counts */
      set_revision (self, rev->name, 0, NULL);
      g_queue_push_tail (&self->ops, event_copy (&event));
    } else if (cw_cluster_sync_get_revision (self, rev->name) != rev->revision) {
      set_revision (self, rev->name, rev->revision, rev->settings);
    }
  }
  run_next (self);
  g_object_unref (self);
}

static void
on_available (CwCluster *cluster, GParamSpec *pspec, CwClusterSync *self)
{
  if (!cw_cluster_get_available (cluster) || self->checked)
    return;
  self->checked = TRUE;
  cw_cluster_run_async (cluster, list_func, NULL, NULL, (GDestroyNotify) g_ptr_array_unref, NULL, listed,
                        g_object_ref (self));
}

/* ---- the object ------------------------------------------------------ */

static void
cw_cluster_sync_dispose (GObject *object)
{
  CwClusterSync *self = CW_CLUSTER_SYNC (object);

  if (self->store != NULL)
    cw_store_set_backend (self->store, NULL, NULL);
  if (self->cluster != NULL) {
    g_signal_handlers_disconnect_by_data (self->cluster, self);
    cw_cluster_set_applier (self->cluster, NULL, NULL);
  }
  g_clear_object (&self->store);
  g_clear_object (&self->cluster);
  G_OBJECT_CLASS (cw_cluster_sync_parent_class)->dispose (object);
}

static void
cw_cluster_sync_finalize (GObject *object)
{
  CwClusterSync *self = CW_CLUSTER_SYNC (object);

  g_queue_clear_full (&self->ops, (GDestroyNotify) cw_cluster_event_free);
  g_hash_table_unref (self->revisions);
  g_hash_table_unref (self->settings);
  g_hash_table_unref (self->applying);
  g_mutex_clear (&self->lock);
  g_free (self->path);
  G_OBJECT_CLASS (cw_cluster_sync_parent_class)->finalize (object);
}

static void
cw_cluster_sync_class_init (CwClusterSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_cluster_sync_dispose;
  G_OBJECT_CLASS (klass)->finalize = cw_cluster_sync_finalize;
}

static void
cw_cluster_sync_init (CwClusterSync *self)
{
  g_mutex_init (&self->lock);
  self->revisions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->applying = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->ops);
}

CwClusterSync *
cw_cluster_sync_new (CwCluster *cluster, CwStore *store)
{
  CwClusterSync *self = g_object_new (CW_TYPE_CLUSTER_SYNC, NULL);

  self->cluster = g_object_ref (cluster);
  self->store = g_object_ref (store);
  self->path = g_build_filename (cw_store_get_state_dir (store), REVISIONS_FILE, NULL);
  load_revisions (self);
  cw_store_set_backend (store, &backend, self);
  g_signal_connect (cluster, "notify::available", G_CALLBACK (on_available), self);
  cw_cluster_set_applier (cluster, applier, self);
  return self;
}
