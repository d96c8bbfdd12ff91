/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HTTP-01 tokens in the shared database, answered by every node. */
#include "config.h"

#include "cw-cluster-tokens.h"

gboolean
cw_cluster_tokens_put (PGconn *conn, const gchar *token, const gchar *key_authorization, const gchar *node,
                       guint seconds, GError **error)
{
  g_autofree gchar *secs = g_strdup_printf ("%u", seconds);
  const gchar *params[] = { token, key_authorization, node, secs };

  /* expired rows go with each new one: no separate cleaner to run */
  return cw_pg_run (conn, "DELETE FROM certward_http01 WHERE expires < now()", 0, NULL, error) &&
         cw_pg_run (conn,
                    "INSERT INTO certward_http01 (token, key_authorization, node, expires) "
                    "VALUES ($1, $2, $3, now() + make_interval(secs => $4::integer)) "
                    "ON CONFLICT (token) DO UPDATE SET key_authorization = EXCLUDED.key_authorization, "
                    "  node = EXCLUDED.node, expires = EXCLUDED.expires",
                    4, params, error);
}

gchar *
cw_cluster_tokens_lookup (PGconn *conn, const gchar *token, GError **error)
{
  const gchar *params[] = { token };
  g_autoptr(PGresult) result = NULL;

  result = cw_pg_exec (conn, "SELECT key_authorization FROM certward_http01 WHERE token = $1 AND expires > now()",
                       1, params, error);
  if (result == NULL || PQntuples (result) != 1)
    return NULL;
  return cw_pg_get_text (result, 0, 0);
}

gboolean
cw_cluster_tokens_remove (PGconn *conn, const gchar *token, GError **error)
{
  const gchar *params[] = { token };

  return cw_pg_run (conn, "DELETE FROM certward_http01 WHERE token = $1", 1, params, error);
}
