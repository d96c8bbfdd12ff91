/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwClusterSync: this node's store and the shared certificates kept equal, both ways. */
#include "config.h"

#include "cw-cluster-sync.h"
#include "cw-error.h"
#include "cw-log.h"

#include <glib/gi18n.h>

#define REVISIONS_FILE "cluster-revisions.ini"
#define HOST_IDENTITY "system"

typedef enum { OP_PUBLISH, OP_REMOVE, OP_APPLY } OpKind;

typedef struct {
  OpKind          kind;
  gchar          *name;
  gchar          *event_kind;   /* added, renewed, replaced */
  CwClusterEvent *event;        /* OP_APPLY: a copy */
} Op;

struct _CwClusterSync {
  GObject     parent_instance;
  CwCluster  *cluster;
  CwStore    *store;
  gchar      *path;
  GHashTable *revisions;   /* name → gint64 *: the shared revision here */
  GHashTable *applying;    /* names being imported or removed from the log */
  GHashTable *unshared;    /* name → event kind: committed here, not yet shared */
  GQueue      ops;         /* Op, one at a time */
  gboolean    busy;
};

G_DEFINE_FINAL_TYPE (CwClusterSync, cw_cluster_sync, G_TYPE_OBJECT)

static void run_next (CwClusterSync *self);

static void
op_free (Op *op)
{
  g_free (op->name);
  g_free (op->event_kind);
  cw_cluster_event_free (op->event);
  g_free (op);
}

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

static void
save_revisions (CwClusterSync *self)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->revisions);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_key_file_set_int64 (file, "revisions", key, *(gint64 *) value);
  if (!g_key_file_save_to_file (file, self->path, &error))
    g_warning ("cluster: %s", error->message);
}

gint64
cw_cluster_sync_get_revision (CwClusterSync *self, const gchar *name)
{
  gint64 *rev = g_hash_table_lookup (self->revisions, name);

  return rev != NULL ? *rev : 0;
}

static void
set_revision (CwClusterSync *self, const gchar *name, gint64 revision)
{
  gint64 *rev = g_new (gint64, 1);

  *rev = revision;
  if (revision == 0)
    g_hash_table_remove (self->revisions, name);
  else
    g_hash_table_replace (self->revisions, g_strdup (name), rev);
  if (revision == 0)
    g_free (rev);
  save_revisions (self);
}

/* ---- settings that travel with a certificate -------------------------- */

static gchar *
settings_of (CwCertificate *cert)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  const gchar * const *roles = cw_certificate_get_roles (cert);

  g_key_file_set_string_list (file, "certificate", "roles", roles, g_strv_length ((gchar **) roles));
  g_key_file_set_string (file, "certificate", "tenant", cw_certificate_get_tenant (cert));
  g_key_file_set_string (file, "certificate", "source", cw_certificate_get_source (cert));
  return g_key_file_to_data (file, NULL, NULL);
}

/* ---- publishing what this node committed ------------------------------ */

typedef struct {
  CwClusterSync     *self;
  CwClusterRevision *rev;
  gchar             *kind;
  gint64             expected;
  gint64             seq;
} Commit;

static void
commit_free (Commit *c)
{
  cw_cluster_revision_free (c->rev);
  g_free (c->kind);
  g_free (c);
}

static gpointer
commit_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  Commit *c = data;

  c->seq = cw_cluster_shared_commit (conn, cw_cluster_get_seal (cluster), cw_cluster_get_node (cluster), c->kind,
                                     c->rev, c->expected, error);
  return c->seq > 0 ? GINT_TO_POINTER (1) : NULL;
}

static void
op_done (CwClusterSync *self)
{
  self->busy = FALSE;
  run_next (self);
  g_object_unref (self);
}

static void
committed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Commit *c = user_data;
  CwClusterSync *self = c->self;
  g_autoptr(GError) error = NULL;

  if (cw_cluster_run_finish (CW_CLUSTER (source), res, &error) != NULL) {
    set_revision (self, c->rev->name, c->rev->revision);
    g_hash_table_remove (self->unshared, c->rev->name);
    g_message ("cluster: %s shared as revision %" G_GINT64_FORMAT " (event %" G_GINT64_FORMAT ")", c->rev->name,
               c->rev->revision, c->seq);
  } else if (g_error_matches (error, CW_ERROR, CW_ERROR_BUSY)) {
    /* another node was first: its revision comes to us through the log
     * and replaces ours here */
    g_hash_table_remove (self->unshared, c->rev->name);
    g_warning ("cluster: %s: %s", c->rev->name, error->message);
  } else {
    /* kept to share when the database is back */
    g_warning ("cluster: %s changed here but is not shared yet: %s", c->rev->name, error->message);
  }
  commit_free (c);
  op_done (self);
}

typedef struct {
  CwClusterSync *self;
  gchar         *name;
  gchar         *kind;
  GBytes        *fullchain;
} Exporting;

static void
exporting_free (Exporting *e)
{
  g_free (e->name);
  g_free (e->kind);
  g_clear_pointer (&e->fullchain, g_bytes_unref);
  g_free (e);
}

static void
publish_failed (Exporting *e, const GError *error)
{
  CwClusterSync *self = e->self;

  g_warning ("cluster: %s changed here but cannot be read to share it: %s", e->name, error->message);
  exporting_free (e);
  op_done (self);
}

static void
exported_key (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Exporting *e = user_data;
  CwClusterSync *self = e->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = cw_store_export_finish (CW_STORE (source), res, &error);
  CwCertificate *cert = cw_store_lookup (self->store, e->name);
  Commit *c;

  if (key == NULL || cert == NULL || cw_certificate_get_info (cert) == NULL) {
    if (error == NULL)
      g_set_error (&error, CW_ERROR, CW_ERROR_NOT_FOUND, _("It is gone"));
    publish_failed (e, error);
    return;
  }
  c = g_new0 (Commit, 1);
  c->self = self;
  c->kind = g_strdup (e->kind);
  c->expected = cw_cluster_sync_get_revision (self, e->name);
  c->rev = g_new0 (CwClusterRevision, 1);
  c->rev->id = g_strdup (e->name);
  c->rev->name = g_strdup (e->name);
  c->rev->settings = settings_of (cert);
  c->rev->fingerprint = g_strdup (cw_certificate_get_info (cert)->fingerprint);
  c->rev->fullchain = g_steal_pointer (&e->fullchain);
  c->rev->key = g_steal_pointer (&key);
  exporting_free (e);
  cw_cluster_run_async (self->cluster, commit_func, c, NULL, NULL, NULL, committed, c);
}

static void
exported_chain (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Exporting *e = user_data;
  g_autoptr(GError) error = NULL;
  CwExportOptions options = { CW_EXPORT_PEM, TRUE, NULL, FALSE, TRUE };
  CwCertificate *cert;

  e->fullchain = cw_store_export_finish (CW_STORE (source), res, &error);
  cert = cw_store_lookup (e->self->store, e->name);
  if (e->fullchain == NULL || cert == NULL) {
    if (error == NULL)
      g_set_error (&error, CW_ERROR, CW_ERROR_NOT_FOUND, _("It is gone"));
    publish_failed (e, error);
    return;
  }
  /* the key with its chain: what an import on another node needs */
  cw_store_export_async (e->self->store, cert, &options, NULL, exported_key, e);
}

static void
start_publish (CwClusterSync *self, Op *op)
{
  CwCertificate *cert = cw_store_lookup (self->store, op->name);
  CwExportOptions options = { CW_EXPORT_PEM, FALSE, NULL, FALSE, FALSE };
  Exporting *e;

  if (cert == NULL || cw_certificate_get_info (cert) == NULL) {
    op_done (self);
    return;
  }
  e = g_new0 (Exporting, 1);
  e->self = self;
  e->name = g_strdup (op->name);
  e->kind = g_strdup (op->event_kind);
  cw_store_export_async (self->store, cert, &options, NULL, exported_chain, e);
}

static gpointer
remove_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  return cw_cluster_shared_remove (conn, cw_cluster_get_node (cluster), data, error) > 0 ? GINT_TO_POINTER (1)
                                                                                          : NULL;
}

typedef struct {
  CwClusterSync *self;
  gchar         *name;
} Removing;

static void
removed_shared (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Removing *r = user_data;
  CwClusterSync *self = r->self;
  g_autofree gchar *name = r->name;
  g_autoptr(GError) error = NULL;

  if (cw_cluster_run_finish (CW_CLUSTER (source), res, &error) != NULL || g_error_matches (error, CW_ERROR,
                                                                                          CW_ERROR_NOT_FOUND)) {
    set_revision (self, name, 0);
    g_hash_table_remove (self->unshared, name);
  } else {
    g_warning ("cluster: %s removed here but not yet from the cluster: %s", name, error->message);
  }
  g_free (r);
  op_done (self);
}

/* ---- applying what the log says -------------------------------------- */

typedef struct {
  CwClusterSync  *self;
  gint64          seq;
  CwClusterRevision *rev;
} Applying;

static void
applying_done (Applying *a, const GError *error, gboolean retry)
{
  CwClusterSync *self = a->self;

  if (a->rev != NULL)
    g_hash_table_remove (self->applying, a->rev->name);
  if (error != NULL && retry)
    cw_cluster_apply_failed (self->cluster, a->seq, error);
  else
    cw_cluster_applied (self->cluster, a->seq);
  cw_cluster_revision_free (a->rev);
  g_free (a);
  op_done (self);
}

static void
imported (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Applying *a = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = cw_store_import_finish (CW_STORE (source), res, &error);

  if (cert == NULL) {
    /* busy with a local operation: the same event again shortly */
    gboolean retry = g_error_matches (error, CW_ERROR, CW_ERROR_BUSY) || g_error_matches (error, CW_ERROR, CW_ERROR_IO);

    g_warning ("cluster: %s revision %" G_GINT64_FORMAT " from node %s not applied: %s", a->rev->name,
               a->rev->revision, a->rev->node, error->message);
    applying_done (a, error, retry);
    return;
  }
  set_revision (a->self, a->rev->name, a->rev->revision);
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
      g_warning ("cluster: event %" G_GINT64_FORMAT " not applied: %s", a->seq, error->message);
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
    /* already here (this node made it, then crashed before recording) */
    set_revision (self, a->rev->name, a->rev->revision);
    applying_done (a, NULL, FALSE);
    return;
  }
  request = cw_import_request_new ();
  request->name = g_strdup (a->rev->name);
  request->replace = TRUE;
  request->allow_expired = TRUE;
  if (g_key_file_load_from_data (settings, a->rev->settings, -1, G_KEY_FILE_NONE, NULL)) {
    request->roles = g_key_file_get_string_list (settings, "certificate", "roles", NULL, NULL);
    request->tenant = g_key_file_get_string (settings, "certificate", "tenant", NULL);
  }
  cw_import_request_add (request, "cluster", a->rev->key);
  g_hash_table_add (self->applying, g_strdup (a->rev->name));
  /* the store takes the request */
  cw_store_import_async (self->store, g_steal_pointer (&request), NULL, imported, a);
}

static void
removed_local (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Applying *a = user_data;
  g_autoptr(GError) error = NULL;
  const gchar *name = a->rev->name;

  if (!cw_store_remove_finish (CW_STORE (source), res, &error)) {
    gboolean retry = g_error_matches (error, CW_ERROR, CW_ERROR_BUSY);

    g_warning ("cluster: %s removed on node %s but not here: %s", name, a->rev->node, error->message);
    applying_done (a, error, retry);
    return;
  }
  set_revision (a->self, name, 0);
  g_message ("cluster: %s removed (by node %s)", name, a->rev->node);
  applying_done (a, NULL, FALSE);
}

static void
start_apply (CwClusterSync *self, Op *op)
{
  const CwClusterEvent *event = op->event;
  Applying *a = g_new0 (Applying, 1);

  a->self = self;
  a->seq = event->seq;
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
    a->rev = g_new0 (CwClusterRevision, 1);
    a->rev->name = g_strdup (event->name);
    a->rev->node = g_strdup (event->node);
    g_hash_table_add (self->applying, g_strdup (event->name));
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

/* ---- the queue -------------------------------------------------------- */

static void
run_next (CwClusterSync *self)
{
  Op *op;

  if (self->busy)
    return;
  op = g_queue_pop_head (&self->ops);
  if (op == NULL)
    return;
  self->busy = TRUE;
  g_object_ref (self);
  switch (op->kind) {
  case OP_PUBLISH:
    start_publish (self, op);
    break;
  case OP_REMOVE: {
    Removing *r = g_new0 (Removing, 1);

    r->self = self;
    r->name = g_strdup (op->name);
    cw_cluster_run_async (self->cluster, remove_func, g_strdup (op->name), g_free, NULL, NULL, removed_shared, r);
    break;
  }
  case OP_APPLY:
    start_apply (self, op);
    break;
  }
  op_free (op);
}

static void
push (CwClusterSync *self, OpKind kind, const gchar *name, const gchar *event_kind, const CwClusterEvent *event)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->name = g_strdup (name);
  op->event_kind = g_strdup (event_kind);
  if (event != NULL) {
    op->event = g_new0 (CwClusterEvent, 1);
    *op->event = *event;
    op->event->certificate = g_strdup (event->certificate);
    op->event->name = g_strdup (event->name);
    op->event->kind = g_strdup (event->kind);
    op->event->node = g_strdup (event->node);
  }
  g_queue_push_tail (&self->ops, op);
  run_next (self);
}

static void
on_store_event (CwStore *store, CwCertificate *cert, guint event, CwClusterSync *self)
{
  const gchar *name = cw_certificate_get_name (cert);
  const gchar *kind;

  if (g_str_equal (name, HOST_IDENTITY) || g_hash_table_contains (self->applying, name))
    return;
  switch (event) {
  case CW_EVENT_ADDED:
  case CW_EVENT_REPLACED:
  case CW_EVENT_RENEWED:
    kind = cw_event_to_string (event);
    g_hash_table_replace (self->unshared, g_strdup (name), g_strdup (kind));
    push (self, OP_PUBLISH, name, kind, NULL);
    break;
  case CW_EVENT_REMOVED:
    g_hash_table_replace (self->unshared, g_strdup (name), g_strdup ("removed"));
    push (self, OP_REMOVE, name, NULL, NULL);
    break;
  default:
    break;
  }
}

static void
applier (CwCluster *cluster, const CwClusterEvent *event, gpointer user_data)
{
  push (user_data, OP_APPLY, event->name, NULL, event);
}

/* Back after an outage: what was committed here meanwhile (before the
 * node noticed) is shared now. */
static void
on_available (CwCluster *cluster, GParamSpec *pspec, CwClusterSync *self)
{
  GHashTableIter iter;
  gpointer key, value;

  if (!cw_cluster_get_available (cluster))
    return;
  g_hash_table_iter_init (&iter, self->unshared);
  while (g_hash_table_iter_next (&iter, &key, &value))
    push (self, g_str_equal (value, "removed") ? OP_REMOVE : OP_PUBLISH, key, value, NULL);
}

static void
cw_cluster_sync_dispose (GObject *object)
{
  CwClusterSync *self = CW_CLUSTER_SYNC (object);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
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

  g_queue_clear_full (&self->ops, (GDestroyNotify) op_free);
  g_hash_table_unref (self->revisions);
  g_hash_table_unref (self->applying);
  g_hash_table_unref (self->unshared);
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
  self->revisions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->applying = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->unshared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
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
  g_signal_connect (store, "event", G_CALLBACK (on_store_event), self);
  g_signal_connect (cluster, "notify::available", G_CALLBACK (on_available), self);
  cw_cluster_set_applier (cluster, applier, self);
  return self;
}
