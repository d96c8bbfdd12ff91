/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared objects other than certificates (certward_object), sealed, with their events in the log. */
#include "config.h"

#include "cw-cluster-objects.h"
#include "cw-error.h"

#include <glib/gi18n.h>

gboolean
cw_cluster_event_is_object (const CwClusterEvent *event)
{
  return g_str_has_prefix (event->kind, "object-");
}

/* The associated data of a sealed object: a sealed row moved to another
 * kind or id does not open. "object:" keeps it apart from a certificate's. */
static gchar *
seal_context (const gchar *kind, const gchar *id)
{
  return g_strdup_printf ("object:%s/%s", kind, id);
}

/* Inside the transaction: the object must still be @expected (or absent),
 * its row locked until COMMIT. */
static gboolean
check_expected (PGconn *conn, CwClusterSeal *seal, const gchar *kind, const gchar *id, GBytes *expected,
                GError **error)
{
  const gchar *params[] = { kind, id };
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GBytes) sealed = NULL, current = NULL;
  g_autofree gchar *context = seal_context (kind, id);

  result = cw_pg_exec (conn, "SELECT data, key_id, node FROM certward_object WHERE kind = $1 AND id = $2 FOR UPDATE",
                       2, params, error);
  if (result == NULL)
    return FALSE;
  if (PQntuples (result) == 0)
    return TRUE;
  sealed = cw_pg_get_bytes (result, 0, 0);
  current = sealed != NULL ? cw_cluster_unseal (seal, sealed, PQgetvalue (result, 0, 1), context, error) : NULL;
  if (current == NULL) {
    if (error != NULL && *error == NULL)
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s %s is damaged in the cluster database"), kind, id);
    return FALSE;
  }
  if (!g_bytes_equal (current, expected)) {
    g_autofree gchar *node = cw_pg_get_text (result, 0, 2);

    g_set_error (error, CW_ERROR, CW_ERROR_BUSY, _("%s %s was changed meanwhile by node %s; try again"), kind, id,
                 node);
    return FALSE;
  }
  return TRUE;
}

gint64
cw_cluster_objects_put (PGconn *conn, CwClusterSeal *seal, const gchar *node, const gchar *kind, const gchar *id,
                        GBytes *data, GBytes *expected, GError **error)
{
  g_autofree gchar *context = seal_context (kind, id);
  g_autoptr(GBytes) sealed = cw_cluster_seal (seal, data, context, error);
  gint64 seq;

  if (sealed == NULL || !cw_pg_begin (conn, error))
    return 0;
  if (expected != NULL && !check_expected (conn, seal, kind, id, expected, error))
    goto fail;
  {
    gsize len = 0;
    const gchar *bytes = g_bytes_get_data (sealed, &len);
    const gchar *params[] = { kind, id, bytes, cw_cluster_seal_get_id (seal), node };
    const gint lengths[] = { 0, 0, (gint) len, 0, 0 };
    g_autoptr(PGresult) result = NULL;

    result = cw_pg_exec_bin (conn,
                             "INSERT INTO certward_object (kind, id, data, key_id, node) VALUES ($1, $2, $3, $4, $5) "
                             "ON CONFLICT (kind, id) DO UPDATE SET data = EXCLUDED.data, key_id = EXCLUDED.key_id, "
                             "  node = EXCLUDED.node, changed = now()",
                             5, params, lengths, error);
    if (result == NULL)
      goto fail;
  }
  seq = cw_cluster_shared_append_event (conn, node, kind, id, CW_CLUSTER_OBJECT_SET, 0, error);
  if (seq == 0 || !cw_pg_commit (conn, error))
    goto fail;
  return seq;

fail:
  cw_pg_rollback (conn);
  return 0;
}

gint64
cw_cluster_objects_remove (PGconn *conn, const gchar *node, const gchar *kind, const gchar *id, GError **error)
{
  const gchar *params[] = { kind, id };
  g_autoptr(PGresult) result = NULL;
  gint64 seq;

  if (!cw_pg_begin (conn, error))
    return 0;
  result = cw_pg_exec (conn, "DELETE FROM certward_object WHERE kind = $1 AND id = $2 RETURNING id", 2, params,
                       error);
  if (result == NULL)
    goto fail;
  if (PQntuples (result) != 1) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND, _("%s %s is not in the cluster database"), kind, id);
    goto fail;
  }
  seq = cw_cluster_shared_append_event (conn, node, kind, id, CW_CLUSTER_OBJECT_REMOVED, 0, error);
  if (seq == 0 || !cw_pg_commit (conn, error))
    goto fail;
  return seq;

fail:
  cw_pg_rollback (conn);
  return 0;
}

GBytes *
cw_cluster_objects_get (PGconn *conn, CwClusterSeal *seal, const gchar *kind, const gchar *id, GError **error)
{
  const gchar *params[] = { kind, id };
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autofree gchar *context = NULL;
  GBytes *data;

  result = cw_pg_exec (conn, "SELECT data, key_id FROM certward_object WHERE kind = $1 AND id = $2", 2, params,
                       error);
  if (result == NULL)
    return NULL;
  if (PQntuples (result) != 1) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND, _("%s %s is not in the cluster database"), kind, id);
    return NULL;
  }
  sealed = cw_pg_get_bytes (result, 0, 0);
  if (sealed == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s %s is damaged in the cluster database"), kind, id);
    return NULL;
  }
  context = seal_context (kind, id);
  data = cw_cluster_unseal (seal, sealed, PQgetvalue (result, 0, 1), context, error);
  if (data == NULL)
    g_prefix_error (error, "%s %s: ", kind, id);
  return data;
}

GPtrArray *
cw_cluster_objects_list (PGconn *conn, const gchar *kind, GError **error)
{
  const gchar *params[] = { kind };
  g_autoptr(PGresult) result = NULL;
  GPtrArray *ids;

  result = cw_pg_exec (conn, "SELECT id FROM certward_object WHERE kind = $1 ORDER BY id", 1, params, error);
  if (result == NULL)
    return NULL;
  ids = g_ptr_array_new_with_free_func (g_free);
  for (gint i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (ids, cw_pg_get_text (result, i, 0));
  return ids;
}
