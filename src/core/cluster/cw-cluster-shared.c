/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared certificates, their revisions, the event log and the nodes, in the cluster database. */
#include "config.h"

#include "cw-cluster-shared.h"
#include "cw-cluster-schema.h"
#include "cw-error.h"

#include <glib/gi18n.h>

void
cw_cluster_event_free (CwClusterEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->certificate);
  g_free (event->name);
  g_free (event->kind);
  g_free (event->node);
  g_free (event);
}

void
cw_cluster_revision_free (CwClusterRevision *revision)
{
  if (revision == NULL)
    return;
  g_free (revision->id);
  g_free (revision->name);
  g_free (revision->settings);
  g_free (revision->fingerprint);
  g_clear_pointer (&revision->fullchain, g_bytes_unref);
  g_clear_pointer (&revision->key, g_bytes_unref);
  g_free (revision->node);
  g_free (revision);
}

void
cw_cluster_node_free (CwClusterNode *node)
{
  if (node == NULL)
    return;
  g_free (node->name);
  g_free (node->version);
  g_free (node);
}

static gchar *
seal_context (const gchar *id, gint64 revision)
{
  return g_strdup_printf ("%s/%" G_GINT64_FORMAT, id, revision);
}

gint64
cw_cluster_shared_append_event (PGconn *conn, const gchar *node, const gchar *id, const gchar *name,
                                const gchar *kind, gint64 revision, GError **error)
{
  g_autofree gchar *rev = g_strdup_printf ("%" G_GINT64_FORMAT, revision);
  const gchar *params[] = { id, name, kind, rev, node };
  g_autoptr(PGresult) result = NULL;

  /* the lock orders writers until COMMIT: seqs without gaps, in commit
   * order (a sequence would hand out numbers that commit out of order,
   * and a reader could pass one that becomes visible later) */
  if (!cw_pg_run (conn, "SELECT pg_advisory_xact_lock(" CW_CLUSTER_LOCK_EVENTS ")", 0, NULL, error))
    return 0;
  result = cw_pg_exec (conn,
                       "WITH e AS (INSERT INTO certward_event (seq, certificate, name, kind, revision, node) "
                       "  SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4::bigint, $5 FROM certward_event "
                       "  RETURNING seq) "
                       "SELECT seq, pg_notify('" CW_CLUSTER_CHANNEL "', seq::text) FROM e",
                       5, params, error);
  if (result == NULL)
    return 0;
  return cw_pg_get_int (result, 0, 0);
}

/* The newest revision of @id (0: none) and who made it, locking its row. */
static gint64
current_revision (PGconn *conn, const gchar *id, gchar **node, GError **error)
{
  const gchar *params[] = { id };
  g_autoptr(PGresult) result = NULL;

  result = cw_pg_exec (conn, "SELECT revision, node FROM certward_certificate WHERE id = $1 FOR UPDATE",
                       1, params, error);
  if (result == NULL)
    return -1;
  if (PQntuples (result) == 0)
    return 0;
  if (node != NULL)
    *node = cw_pg_get_text (result, 0, 1);
  return cw_pg_get_int (result, 0, 0);
}

gint64
cw_cluster_shared_commit (PGconn *conn, CwClusterSeal *seal, const gchar *node, const gchar *kind,
                          CwClusterRevision *rev, gint64 expected, GError **error)
{
  g_autofree gchar *who = NULL, *number = NULL, *context = NULL;
  g_autoptr(GBytes) sealed = NULL;
  gint64 current, seq;

  if (!cw_pg_begin (conn, error))
    return 0;
  current = current_revision (conn, rev->id, &who, error);
  if (current < 0)
    goto fail;
  if (expected >= 0 && current != expected) {
    g_set_error (error, CW_ERROR, CW_ERROR_BUSY,
                 _("Certificate %s was changed meanwhile by node %s; try again"), rev->name,
                 who != NULL ? who : "?");
    goto fail;
  }
  rev->revision = current + 1;
  number = g_strdup_printf ("%" G_GINT64_FORMAT, rev->revision);
  context = seal_context (rev->id, rev->revision);
  sealed = cw_cluster_seal (seal, rev->key, context, error);
  if (sealed == NULL)
    goto fail;
  {
    const gchar *params[] = { rev->id, rev->name, number, rev->settings != NULL ? rev->settings : "", node };

    if (!cw_pg_run (conn,
                    "INSERT INTO certward_certificate (id, name, revision, settings, node) "
                    "VALUES ($1, $2, $3::bigint, $4, $5) "
                    "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, revision = EXCLUDED.revision, "
                    "  settings = EXCLUDED.settings, node = EXCLUDED.node, changed = now()",
                    5, params, error))
      goto fail;
  }
  {
    gsize chain_len = 0, key_len = 0;
    const gchar *chain = g_bytes_get_data (rev->fullchain, &chain_len);
    const gchar *key = g_bytes_get_data (sealed, &key_len);
    const gchar *params[] = { rev->id, number, chain, key, cw_cluster_seal_get_id (seal), rev->fingerprint };
    const gint lengths[] = { 0, 0, (gint) chain_len, (gint) key_len, 0, 0 };
    g_autoptr(PGresult) result = NULL;

    result = cw_pg_exec_bin (conn,
                             "INSERT INTO certward_revision (certificate, revision, fullchain, key, key_id, "
                             "  fingerprint) VALUES ($1, $2::bigint, $3, $4, $5, $6)",
                             6, params, lengths, error);
    if (result == NULL)
      goto fail;
  }
  seq = cw_cluster_shared_append_event (conn, node, rev->id, rev->name, kind, rev->revision, error);
  if (seq == 0 || !cw_pg_commit (conn, error))
    goto fail;
  return seq;

fail:
  cw_pg_rollback (conn);
  return 0;
}

gint64
cw_cluster_shared_commit_settings (PGconn *conn, const gchar *node, const gchar *id, const gchar *settings,
                                   GError **error)
{
  const gchar *params[] = { id, settings, node };
  g_autoptr(PGresult) result = NULL;
  gint64 seq;

  if (!cw_pg_begin (conn, error))
    return 0;
  result = cw_pg_exec (conn,
                       "UPDATE certward_certificate SET settings = $2, node = $3, changed = now() WHERE id = $1 "
                       "RETURNING name, revision", 3, params, error);
  if (result == NULL)
    goto fail;
  if (PQntuples (result) != 1) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND, _("Certificate %s is not in the cluster database"), id);
    goto fail;
  }
  seq = cw_cluster_shared_append_event (conn, node, id, PQgetvalue (result, 0, 0), "settings",
                                        cw_pg_get_int (result, 0, 1), error);
  if (seq == 0 || !cw_pg_commit (conn, error))
    goto fail;
  return seq;

fail:
  cw_pg_rollback (conn);
  return 0;
}

gint64
cw_cluster_shared_remove (PGconn *conn, const gchar *node, const gchar *id, GError **error)
{
  const gchar *params[] = { id };
  g_autoptr(PGresult) result = NULL;
  gint64 seq;

  if (!cw_pg_begin (conn, error))
    return 0;
  result = cw_pg_exec (conn, "DELETE FROM certward_certificate WHERE id = $1 RETURNING name", 1, params, error);
  if (result == NULL)
    goto fail;
  if (PQntuples (result) != 1) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND, _("Certificate %s is not in the cluster database"), id);
    goto fail;
  }
  seq = cw_cluster_shared_append_event (conn, node, id, PQgetvalue (result, 0, 0), "removed", 0, error);
  if (seq == 0 || !cw_pg_commit (conn, error))
    goto fail;
  return seq;

fail:
  cw_pg_rollback (conn);
  return 0;
}

CwClusterRevision *
cw_cluster_shared_fetch (PGconn *conn, CwClusterSeal *seal, const gchar *id, gint64 revision, GError **error)
{
  g_autofree gchar *number = g_strdup_printf ("%" G_GINT64_FORMAT, revision);
  const gchar *params[] = { id, number };
  g_autoptr(PGresult) result = NULL;
  g_autoptr(CwClusterRevision) rev = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autofree gchar *context = NULL;

  result = cw_pg_exec (conn,
                       "SELECT c.name, r.revision, c.settings, r.fingerprint, r.fullchain, r.key, r.key_id, c.node "
                       "FROM certward_certificate c JOIN certward_revision r ON r.certificate = c.id "
                       "WHERE c.id = $1 AND r.revision = CASE WHEN $2::bigint = 0 THEN c.revision ELSE $2::bigint END",
                       2, params, error);
  if (result == NULL)
    return NULL;
  if (PQntuples (result) != 1) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND, _("Certificate %s is not in the cluster database"), id);
    return NULL;
  }
  rev = g_new0 (CwClusterRevision, 1);
  rev->id = g_strdup (id);
  rev->name = cw_pg_get_text (result, 0, 0);
  rev->revision = cw_pg_get_int (result, 0, 1);
  rev->settings = cw_pg_get_text (result, 0, 2);
  rev->fingerprint = cw_pg_get_text (result, 0, 3);
  rev->fullchain = cw_pg_get_bytes (result, 0, 4);
  sealed = cw_pg_get_bytes (result, 0, 5);
  rev->node = cw_pg_get_text (result, 0, 7);
  if (rev->fullchain == NULL || sealed == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("Certificate %s is damaged in the cluster database"), id);
    return NULL;
  }
  context = seal_context (id, rev->revision);
  rev->key = cw_cluster_unseal (seal, sealed, PQgetvalue (result, 0, 6), context, error);
  if (rev->key == NULL) {
    g_prefix_error (error, "%s: ", rev->name);
    return NULL;
  }
  return g_steal_pointer (&rev);
}

GPtrArray *
cw_cluster_shared_list (PGconn *conn, GError **error)
{
  g_autoptr(PGresult) result = NULL;
  GPtrArray *list;

  result = cw_pg_exec (conn,
                       "SELECT c.id, c.name, c.revision, c.settings, r.fingerprint, c.node "
                       "FROM certward_certificate c JOIN certward_revision r "
                       "  ON r.certificate = c.id AND r.revision = c.revision ORDER BY c.name", 0, NULL, error);
  if (result == NULL)
    return NULL;
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_cluster_revision_free);
  for (gint i = 0; i < PQntuples (result); i++) {
    CwClusterRevision *rev = g_new0 (CwClusterRevision, 1);

    rev->id = cw_pg_get_text (result, i, 0);
    rev->name = cw_pg_get_text (result, i, 1);
    rev->revision = cw_pg_get_int (result, i, 2);
    rev->settings = cw_pg_get_text (result, i, 3);
    rev->fingerprint = cw_pg_get_text (result, i, 4);
    rev->node = cw_pg_get_text (result, i, 5);
    g_ptr_array_add (list, rev);
  }
  return list;
}

GPtrArray *
cw_cluster_shared_events_since (PGconn *conn, gint64 seq, guint limit, GError **error)
{
  g_autofree gchar *after = g_strdup_printf ("%" G_GINT64_FORMAT, seq), *max = g_strdup_printf ("%u", limit);
  const gchar *params[] = { after, max };
  g_autoptr(PGresult) result = NULL;
  GPtrArray *events;

  result = cw_pg_exec (conn,
                       "SELECT seq, certificate, name, kind, revision, node, extract(epoch FROM at)::bigint "
                       "FROM certward_event WHERE seq > $1::bigint ORDER BY seq LIMIT $2::integer",
                       2, params, error);
  if (result == NULL)
    return NULL;
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_cluster_event_free);
  for (gint i = 0; i < PQntuples (result); i++) {
    CwClusterEvent *event = g_new0 (CwClusterEvent, 1);

    event->seq = cw_pg_get_int (result, i, 0);
    event->certificate = cw_pg_get_text (result, i, 1);
    event->name = cw_pg_get_text (result, i, 2);
    event->kind = cw_pg_get_text (result, i, 3);
    event->revision = cw_pg_get_int (result, i, 4);
    event->node = cw_pg_get_text (result, i, 5);
    event->at = cw_pg_get_int (result, i, 6);
    g_ptr_array_add (events, event);
  }
  return events;
}

gint64
cw_cluster_shared_last_seq (PGconn *conn, GError **error)
{
  g_autoptr(PGresult) result = cw_pg_exec (conn, "SELECT coalesce(max(seq), 0) FROM certward_event", 0, NULL,
                                           error);

  return result != NULL ? cw_pg_get_int (result, 0, 0) : -1;
}

gboolean
cw_cluster_shared_heartbeat (PGconn *conn, const gchar *node, gint64 last_event, const gchar *version,
                             gboolean starting, GError **error)
{
  g_autofree gchar *last = g_strdup_printf ("%" G_GINT64_FORMAT, last_event);
  const gchar *params[] = { node, last, version, starting ? "t" : "f" };

  return cw_pg_run (conn,
                    "INSERT INTO certward_node AS n (name, seen, started, last_event, version) "
                    "VALUES ($1, now(), now(), $2::bigint, $3) "
                    "ON CONFLICT (name) DO UPDATE SET seen = now(), last_event = EXCLUDED.last_event, "
                    "  version = EXCLUDED.version, "
                    "  started = CASE WHEN $4::boolean THEN now() ELSE n.started END",
                    4, params, error);
}

GPtrArray *
cw_cluster_shared_nodes (PGconn *conn, guint window, GError **error)
{
  g_autofree gchar *secs = g_strdup_printf ("%u", window);
  const gchar *params[] = { secs };
  g_autoptr(PGresult) result = NULL;
  GPtrArray *nodes;

  result = cw_pg_exec (conn,
                       "SELECT n.name, extract(epoch FROM n.seen)::bigint, extract(epoch FROM n.started)::bigint, "
                       "  n.last_event, n.seen > now() - make_interval(secs => $1::integer), n.version, "
                       "  (SELECT count(*) FROM certward_lease l WHERE l.holder = n.name AND l.expires > now()) "
                       "FROM certward_node n ORDER BY n.name", 1, params, error);
  if (result == NULL)
    return NULL;
  nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_cluster_node_free);
  for (gint i = 0; i < PQntuples (result); i++) {
    CwClusterNode *node = g_new0 (CwClusterNode, 1);

    node->name = cw_pg_get_text (result, i, 0);
    node->seen = cw_pg_get_int (result, i, 1);
    node->started = cw_pg_get_int (result, i, 2);
    node->last_event = cw_pg_get_int (result, i, 3);
    node->live = g_str_equal (PQgetvalue (result, i, 4), "t");
    node->version = cw_pg_get_text (result, i, 5);
    node->leases = (guint) cw_pg_get_int (result, i, 6);
    g_ptr_array_add (nodes, node);
  }
  return nodes;
}
