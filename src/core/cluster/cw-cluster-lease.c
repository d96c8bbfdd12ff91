/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Leases in the shared database: one holder at a time, expiring by the database's clock. */
#include "config.h"

#include "cw-cluster-lease.h"

void
cw_cluster_lease_free (CwClusterLease *lease)
{
  if (lease == NULL)
    return;
  g_free (lease->name);
  g_free (lease->holder);
  g_free (lease->resume);
  g_free (lease);
}

gboolean
cw_cluster_lease_acquire (PGconn *conn, const gchar *name, const gchar *holder, guint seconds, gchar **resume,
                          gchar **other, GError **error)
{
  g_autofree gchar *secs = g_strdup_printf ("%u", seconds);
  const gchar *params[] = { name, holder, secs };
  g_autoptr(PGresult) result = NULL;

  /* one statement, so two nodes racing for a free or expired lease are
   * ordered by the row lock: the second sees the first's live row and its
   * WHERE fails. A takeover keeps `resume`; the holder's own extension
   * too. */
  result = cw_pg_exec (conn,
                       "INSERT INTO certward_lease AS l (name, holder, expires) "
                       "VALUES ($1, $2, now() + make_interval(secs => $3::integer)) "
                       "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires = EXCLUDED.expires, "
                       "  taken = CASE WHEN l.holder = EXCLUDED.holder THEN l.taken ELSE now() END "
                       "WHERE l.holder = EXCLUDED.holder OR l.expires < now() "
                       "RETURNING resume",
                       3, params, error);
  if (result == NULL)
    return FALSE;
  if (PQntuples (result) == 1) {
    if (resume != NULL)
      *resume = cw_pg_get_text (result, 0, 0);
    return TRUE;
  }
  if (other != NULL) {
    const gchar *p[] = { name };
    g_autoptr(PGresult) who = cw_pg_exec (conn, "SELECT holder FROM certward_lease WHERE name = $1", 1, p, NULL);

    *other = who != NULL && PQntuples (who) == 1 ? cw_pg_get_text (who, 0, 0) : g_strdup ("");
  }
  return FALSE;
}

gboolean
cw_cluster_lease_extend (PGconn *conn, const gchar *name, const gchar *holder, guint seconds, GError **error)
{
  g_autofree gchar *secs = g_strdup_printf ("%u", seconds);
  const gchar *params[] = { name, holder, secs };
  g_autoptr(PGresult) result = NULL;

  /* an expired lease still in our name is ours until someone takes it:
   * nobody else was told otherwise */
  result = cw_pg_exec (conn,
                       "UPDATE certward_lease SET expires = now() + make_interval(secs => $3::integer) "
                       "WHERE name = $1 AND holder = $2 RETURNING 1",
                       3, params, error);
  return result != NULL && PQntuples (result) == 1;
}

gboolean
cw_cluster_lease_set_resume (PGconn *conn, const gchar *name, const gchar *holder, const gchar *resume,
                             GError **error)
{
  const gchar *params[] = { name, holder, resume != NULL ? resume : "" };
  g_autoptr(PGresult) result = NULL;

  result = cw_pg_exec (conn, "UPDATE certward_lease SET resume = $3 WHERE name = $1 AND holder = $2 RETURNING 1",
                       3, params, error);
  return result != NULL && PQntuples (result) == 1;
}

gboolean
cw_cluster_lease_release (PGconn *conn, const gchar *name, const gchar *holder, GError **error)
{
  const gchar *params[] = { name, holder };

  return cw_pg_run (conn, "DELETE FROM certward_lease WHERE name = $1 AND holder = $2", 2, params, error);
}

GPtrArray *
cw_cluster_lease_list (PGconn *conn, GError **error)
{
  g_autoptr(PGresult) result = NULL;
  GPtrArray *leases;

  result = cw_pg_exec (conn,
                       "SELECT name, holder, extract(epoch FROM expires)::bigint, expires > now(), resume "
                       "FROM certward_lease ORDER BY name", 0, NULL, error);
  if (result == NULL)
    return NULL;
  leases = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_cluster_lease_free);
  for (gint i = 0; i < PQntuples (result); i++) {
    CwClusterLease *lease = g_new0 (CwClusterLease, 1);

    lease->name = cw_pg_get_text (result, i, 0);
    lease->holder = cw_pg_get_text (result, i, 1);
    lease->expires = cw_pg_get_int (result, i, 2);
    lease->live = g_str_equal (PQgetvalue (result, i, 3), "t");
    lease->resume = cw_pg_get_text (result, i, 4);
    g_ptr_array_add (leases, lease);
  }
  return leases;
}
