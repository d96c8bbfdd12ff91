/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Blocking libpq helpers: connecting, statements with parameters, errors as CW_ERROR. */
#include "config.h"

#include "cw-pg.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

/* libpq's messages end with a newline and may span lines: one line for
 * the journal and for D-Bus errors */
static gchar *
one_line (const gchar *message)
{
  g_autofree gchar *text = g_strdup (message != NULL ? message : "");

  g_strstrip (text);
  return g_strdelimit (g_steal_pointer (&text), "\n\t", ' ');
}

gboolean
cw_pg_check_conninfo (const gchar *conninfo, GError **error)
{
  g_autofree gchar *message = NULL;
  PQconninfoOption *options;
  gboolean has_password = FALSE;
  char *err = NULL;

  if (conninfo == NULL || *conninfo == '\0') {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("[cluster] uri is empty: the PostgreSQL backend needs a connection string"));
    return FALSE;
  }
  options = PQconninfoParse (conninfo, &err);
  if (options == NULL) {
    message = one_line (err);
    PQfreemem (err);
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("[cluster] uri: %s"), message);
    return FALSE;
  }
  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    if (g_str_equal (o->keyword, "password") && o->val != NULL && *o->val != '\0')
      has_password = TRUE;
  PQconninfoFree (options);
  if (has_password) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("[cluster] uri contains a password; put it in a file readable by the agent alone "
                   "and name it with passfile= instead"));
    return FALSE;
  }
  return TRUE;
}

/* NOTICEs (CREATE TABLE IF NOT EXISTS ... skipping) are for developers:
 * libpq would print them on stderr */
static void
on_notice (void *arg, const char *message)
{
  g_autofree gchar *text = one_line (message);

  g_debug ("cluster database: %s", text);
}

PGconn *
cw_pg_connect (const gchar *conninfo, const gchar *node, GError **error)
{
  g_autofree gchar *application = g_strdup_printf ("certwardd %s", node != NULL ? node : "");
  /* later keywords win over the string's (expand_dbname), so the defaults
   * come first and the administrator's string after them */
  /* tcp_user_timeout: data unacknowledged that long ends the connection
   * (keepalives do not cover that); options: no statement waits for a lock
   * or runs for ever, since some callers wait on the main loop */
  const char *keywords[] = { "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                             "keepalives_count", "tcp_user_timeout", "options", "application_name", "dbname", NULL };
  const char *values[] = { "5", "1", "5", "2", "3", "8000", "-c lock_timeout=5000 -c statement_timeout=10000",
                           application, conninfo, NULL };
  g_autoptr(PGconn) conn = NULL;

  conn = PQconnectdbParams (keywords, values, 1);
  if (conn == NULL || PQstatus (conn) != CONNECTION_OK) {
    g_autofree gchar *message = one_line (conn != NULL ? PQerrorMessage (conn) : "out of memory");

    g_set_error (error, CW_ERROR, CW_ERROR_UNAVAILABLE, _("The cluster database cannot be reached: %s"), message);
    return NULL;
  }
  PQsetNoticeProcessor (conn, on_notice, NULL);
  return g_steal_pointer (&conn);
}

gboolean
cw_pg_is_ok (PGconn *conn)
{
  return conn != NULL && PQstatus (conn) == CONNECTION_OK;
}

PGresult *
cw_pg_exec_bin (PGconn *conn, const gchar *sql, gint n_params, const gchar * const *params, const gint *lengths,
                GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree int *formats = NULL;
  ExecStatusType status;

  if (!cw_pg_is_ok (conn)) {
    g_set_error (error, CW_ERROR, CW_ERROR_UNAVAILABLE, _("The cluster database cannot be reached"));
    return NULL;
  }
  if (lengths != NULL) {
    formats = g_new0 (int, MAX (n_params, 1));
    for (gint i = 0; i < n_params; i++)
      formats[i] = lengths[i] > 0 ? 1 : 0;
  }
  /* without parameters, PQexec: it also takes several statements (the
   * schema's migrations) */
  if (n_params == 0)
    result = PQexec (conn, sql);
  else
    result = PQexecParams (conn, sql, n_params, NULL, (const char * const *) params, lengths, formats, 0);
  status = result != NULL ? PQresultStatus (result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return g_steal_pointer (&result);
  if (PQstatus (conn) != CONNECTION_OK) {
    g_autofree gchar *message = one_line (PQerrorMessage (conn));

    g_set_error (error, CW_ERROR, CW_ERROR_UNAVAILABLE, _("The cluster database connection was lost: %s"),
                 message);
  } else {
    g_autofree gchar *message = one_line (result != NULL ? PQresultErrorMessage (result) : PQerrorMessage (conn));

    g_set_error (error, CW_ERROR, CW_ERROR_FAILED, _("The cluster database refused a statement: %s"), message);
  }
  return NULL;
}

PGresult *
cw_pg_exec (PGconn *conn, const gchar *sql, gint n_params, const gchar * const *params, GError **error)
{
  return cw_pg_exec_bin (conn, sql, n_params, params, NULL, error);
}

gboolean
cw_pg_run (PGconn *conn, const gchar *sql, gint n_params, const gchar * const *params, GError **error)
{
  g_autoptr(PGresult) result = cw_pg_exec (conn, sql, n_params, params, error);

  return result != NULL;
}

gboolean
cw_pg_begin (PGconn *conn, GError **error)
{
  return cw_pg_run (conn, "BEGIN", 0, NULL, error);
}

gboolean
cw_pg_commit (PGconn *conn, GError **error)
{
  return cw_pg_run (conn, "COMMIT", 0, NULL, error);
}

void
cw_pg_rollback (PGconn *conn)
{
  if (cw_pg_is_ok (conn))
    PQclear (PQexec (conn, "ROLLBACK"));
}

gint64
cw_pg_get_int (PGresult *result, gint row, gint col)
{
  gint64 value = 0;

  if (PQgetisnull (result, row, col))
    return 0;
  g_ascii_string_to_signed (PQgetvalue (result, row, col), 10, G_MININT64, G_MAXINT64, &value, NULL);
  return value;
}

gchar *
cw_pg_get_text (PGresult *result, gint row, gint col)
{
  const gchar *text = PQgetvalue (result, row, col);

  return g_utf8_validate (text, -1, NULL) ? g_strdup (text) : g_utf8_make_valid (text, -1);
}

GBytes *
cw_pg_get_bytes (PGresult *result, gint row, gint col)
{
  size_t length = 0;
  unsigned char *data;
  GBytes *bytes;

  if (PQgetisnull (result, row, col))
    return NULL;
  /* a text-format bytea: \x hex, unescaped by libpq */
  data = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, row, col), &length);
  if (data == NULL)
    return NULL;
  bytes = g_bytes_new (data, length);
  PQfreemem (data);
  return bytes;
}
