/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* Blocking libpq helpers for the cluster layer's database thread (and the
 * tests). Errors are CW_ERROR: a connection that cannot be made or was lost
 * is CW_ERROR_UNAVAILABLE, anything the server refused is CW_ERROR_FAILED
 * with its message. Only this layer links libpq. */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)

/* Checks a [cluster] uri (a libpq connection string or URI): it must parse
 * and must not carry a password (the configuration is world-readable; the
 * password belongs in a passfile). */
gboolean  cw_pg_check_conninfo (const gchar *conninfo, GError **error);
/* Connects (with connect_timeout=5 and TCP keepalives unless @conninfo
 * says otherwise), application_name "certwardd <node>". */
PGconn   *cw_pg_connect (const gchar *conninfo, const gchar *node, GError **error);
/* Runs @sql with text parameters (NULL: SQL NULL). A result that is
 * neither COMMAND_OK nor TUPLES_OK is an error; so is a connection gone
 * bad (CW_ERROR_UNAVAILABLE). */
PGresult *cw_pg_exec (PGconn *conn, const gchar *sql, gint n_params, const gchar * const *params, GError **error);
/* The same with binary parameters where @lengths[i] > 0 (bytea). */
PGresult *cw_pg_exec_bin (PGconn *conn, const gchar *sql, gint n_params, const gchar * const *params,
                          const gint *lengths, GError **error);
/* cw_pg_exec for a statement whose result does not matter. */
gboolean  cw_pg_run (PGconn *conn, const gchar *sql, gint n_params, const gchar * const *params, GError **error);
/* BEGIN / COMMIT / ROLLBACK (the latter never fails the caller). */
gboolean  cw_pg_begin (PGconn *conn, GError **error);
gboolean  cw_pg_commit (PGconn *conn, GError **error);
void      cw_pg_rollback (PGconn *conn);
/* Whether @conn is usable. */
gboolean  cw_pg_is_ok (PGconn *conn);
/* Column @col of row @row as an integer (0 for NULL). */
gint64    cw_pg_get_int (PGresult *result, gint row, gint col);
/* A bytea column as bytes (unescaped; NULL for SQL NULL). */
GBytes   *cw_pg_get_bytes (PGresult *result, gint row, gint col);
/* A text column as valid UTF-8 (a database in SQL_ASCII, or a row written by
 * hand, may hold anything): what is read goes into logs and onto D-Bus. */
gchar    *cw_pg_get_text (PGresult *result, gint row, gint col) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
