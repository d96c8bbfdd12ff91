/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwClusterAccounts: ACME accounts (keys sealed) shared through the cluster database, both ways. */
#include "config.h"

#include "cw-cluster-accounts.h"
#include "cw-cluster-objects.h"
#include "cw-error.h"

#include <string.h>

#define KIND "acme-account"

struct _CwClusterAccounts {
  GObject         parent_instance;
  CwCluster      *cluster;
  CwAcmeAccounts *accounts;
  gboolean        checked;   /* the start-up comparison ran */
};

G_DEFINE_FINAL_TYPE (CwClusterAccounts, cw_cluster_accounts, G_TYPE_OBJECT)

/* ---- the accounts' backend: what this node saves ---------------------- */

typedef struct {
  const gchar *id;
  GBytes      *data;
} Put;

static gpointer
put_func (CwCluster *cluster, PGconn *conn, gpointer user_data, GError **error)
{
  Put *p = user_data;

  return cw_cluster_objects_put (conn, cw_cluster_get_seal (cluster), cw_cluster_get_node (cluster), KIND, p->id,
                                 p->data, NULL, error) > 0 ? GINT_TO_POINTER (1) : NULL;
}

/* In the saving thread: account.ini with the key in it, one object. */
static gboolean
backend_commit (gpointer user_data, const gchar *id, const gchar *ini, const gchar *key, GError **error)
{
  CwClusterAccounts *self = user_data;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *text = NULL;
  g_autoptr(GBytes) data = NULL;
  Put p = { id, NULL };

  if (!g_key_file_load_from_data (kf, ini, -1, G_KEY_FILE_NONE, error))
    return FALSE;
  g_key_file_set_string (kf, "account", "key", key);
  text = g_key_file_to_data (kf, NULL, NULL);
  data = g_bytes_new (text, strlen (text));
  explicit_bzero (text, strlen (text));
  p.data = data;
  if (cw_cluster_run_sync (self->cluster, put_func, &p, error) == NULL) {
    g_prefix_error (error, "%s: ", id);
    return FALSE;
  }
  return TRUE;
}

static const CwAcmeAccountBackend backend = { backend_commit };

/* ---- applying what the database holds --------------------------------- */

typedef struct {
  CwClusterAccounts *self;
  gchar             *id;
  gint64             seq;   /* 0: from the start-up check */
} Applying;

static gpointer
get_func (CwCluster *cluster, PGconn *conn, gpointer user_data, GError **error)
{
  return cw_cluster_objects_get (conn, cw_cluster_get_seal (cluster), KIND, ((Applying *) user_data)->id, error);
}

static gboolean
apply_data (CwClusterAccounts *self, const gchar *id, GBytes *data, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *key = NULL, *ini = NULL;
  gboolean ok;

  if (!g_key_file_load_from_data (kf, g_bytes_get_data (data, NULL), g_bytes_get_size (data), G_KEY_FILE_NONE,
                                  error))
    return FALSE;
  key = g_key_file_get_string (kf, "account", "key", error);
  if (key == NULL)
    return FALSE;
  g_key_file_remove_key (kf, "account", "key", NULL);
  ini = g_key_file_to_data (kf, NULL, NULL);
  ok = cw_acme_accounts_apply (self->accounts, id, ini, key, error);
  explicit_bzero (key, strlen (key));
  return ok;
}

static void
fetched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Applying *a = user_data;
  CwClusterAccounts *self = a->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = cw_cluster_run_finish (CW_CLUSTER (source), res, &error);

  if (data == NULL && g_error_matches (error, CW_ERROR, CW_ERROR_UNAVAILABLE)) {
    if (a->seq > 0)
      cw_cluster_apply_failed (self->cluster, a->seq, error);
  } else {
    /* gone (accounts are never removed), sealed with another key-file,
     * damaged: said once, nothing here replaced */
    if (data != NULL && !apply_data (self, a->id, data, &error))
      g_warning ("cluster: ACME account %s not applied: %s", a->id, error->message);
    else if (data == NULL && !g_error_matches (error, CW_ERROR, CW_ERROR_NOT_FOUND))
      g_warning ("cluster: ACME account %s not applied: %s", a->id, error->message);
    if (a->seq > 0)
      cw_cluster_applied (self->cluster, a->seq);
  }
  g_object_unref (a->self);
  g_free (a->id);
  g_free (a);
}

static void
apply (CwClusterAccounts *self, const gchar *id, gint64 seq)
{
  Applying *a = g_new0 (Applying, 1);

  a->self = g_object_ref (self);
  a->id = g_strdup (id);
  a->seq = seq;
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
  CwClusterAccounts *self = user_data;
  g_autoptr(GPtrArray) ids = cw_cluster_run_finish (CW_CLUSTER (source), res, NULL);

  if (ids == NULL)
    self->checked = FALSE;
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    apply (self, ids->pdata[i], 0);
  g_object_unref (self);
}

static void
on_available (CwCluster *cluster, GParamSpec *pspec, CwClusterAccounts *self)
{
  if (!cw_cluster_get_available (cluster) || self->checked)
    return;
  self->checked = TRUE;
  cw_cluster_run_async (cluster, list_func, NULL, NULL, (GDestroyNotify) g_ptr_array_unref, NULL, listed,
                        g_object_ref (self));
}

/* ---- the object ------------------------------------------------------- */

static void
cw_cluster_accounts_dispose (GObject *object)
{
  CwClusterAccounts *self = CW_CLUSTER_ACCOUNTS (object);

  if (self->accounts != NULL)
    cw_acme_accounts_set_backend (self->accounts, NULL, NULL);
  if (self->cluster != NULL) {
    g_signal_handlers_disconnect_by_data (self->cluster, self);
    cw_cluster_set_object_applier (self->cluster, KIND, NULL, NULL);
  }
  g_clear_object (&self->accounts);
  g_clear_object (&self->cluster);
  G_OBJECT_CLASS (cw_cluster_accounts_parent_class)->dispose (object);
}

static void
cw_cluster_accounts_class_init (CwClusterAccountsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_cluster_accounts_dispose;
}

static void
cw_cluster_accounts_init (CwClusterAccounts *self)
{
}

CwClusterAccounts *
cw_cluster_accounts_new (CwCluster *cluster, CwAcmeAccounts *accounts)
{
  CwClusterAccounts *self = g_object_new (CW_TYPE_CLUSTER_ACCOUNTS, NULL);

  self->cluster = g_object_ref (cluster);
  self->accounts = g_object_ref (accounts);
  cw_acme_accounts_set_backend (accounts, &backend, self);
  cw_cluster_set_object_applier (cluster, KIND, applier, self);
  g_signal_connect (cluster, "notify::available", G_CALLBACK (on_available), self);
  return self;
}
