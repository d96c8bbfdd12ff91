/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PostgreSQL server of the cluster tests (see cw-test-postgres.h). */
#include "cw-test-postgres.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>

#define PG_BIN "/usr/lib/postgresql/15/bin"
#define PASSWORD "certward-test-password"

static gboolean
answers (CwTestPostgres *pg)
{
  g_autofree gchar *command = g_strdup_printf (PG_BIN "/pg_isready -q -h 127.0.0.1 -p %u -d certward -U certward",
                                               pg->port);

  return cw_test_run (command, NULL) == 0;
}

static void
spawn (CwTestPostgres *pg)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree gchar *port = g_strdup_printf ("%u", pg->port);
  g_autoptr(GError) error = NULL;

  /* setpriv rather than runuser: it execs postgres itself (no session
   * process in between), so the server is our child and --pdeathsig ends
   * it with the test program even when an assertion aborts it */
  g_subprocess_launcher_set_stdout_file_path (launcher, pg->log);
  pg->server = g_subprocess_launcher_spawn (launcher, &error,
                                            "setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
                                            "--pdeathsig", "TERM", "--",
                                            PG_BIN "/postgres", "-D", pg->data, "-p", port,
                                            "-k", pg->dir, "-c", "listen_addresses=127.0.0.1",
                                            "-c", "fsync=off", "-c", "shared_buffers=16MB",
                                            "-c", "max_connections=40", NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < 300 && !answers (pg); i++) {
    if (g_subprocess_get_identifier (pg->server) == NULL)
      break;
    g_usleep (50 * 1000);
  }
  if (!answers (pg)) {
    g_autofree gchar *text = NULL;

    g_file_get_contents (pg->log, &text, NULL, NULL);
    g_error ("PostgreSQL did not start on port %u:\n%s", pg->port, text != NULL ? text : "");
  }
}

CwTestPostgres *
cw_test_postgres_start (guint port)
{
  CwTestPostgres *pg = g_new0 (CwTestPostgres, 1);
  g_autofree gchar *init = NULL, *pass = NULL, *pwfile = NULL, *out = NULL;
  g_autoptr(GError) error = NULL;

  pg->dir = cw_test_mkdtemp ();
  pg->data = g_build_filename (pg->dir, "data", NULL);
  pg->log = g_build_filename (pg->dir, "postgres.log", NULL);
  pg->passfile = g_build_filename (pg->dir, "pgpass", NULL);
  pg->port = port;
  pg->conninfo = g_strdup_printf ("host=127.0.0.1 port=%u dbname=certward user=certward passfile=%s "
                                  "connect_timeout=3", port, pg->passfile);

  /* the server's files belong to postgres; the password file to us (libpq
   * ignores one that others can read) */
  pwfile = g_build_filename (pg->dir, "pw", NULL);
  g_file_set_contents (pwfile, PASSWORD "\n", -1, &error);
  g_assert_no_error (error);
  pass = g_strdup_printf ("127.0.0.1:%u:*:certward:" PASSWORD "\n", port);
  g_file_set_contents (pg->passfile, pass, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (pg->passfile, 0600), ==, 0);
  init = g_strdup_printf ("chown postgres '%s' '%s' && chmod 0711 '%s' && "
                          "runuser -u postgres -- " PG_BIN "/initdb -D '%s' -U certward -A scram-sha-256 "
                          "--pwfile='%s' -E UTF8 --locale=C.UTF-8 >'%s/initdb.log' 2>&1",
                          pg->dir, pwfile, pg->dir, pg->data, pwfile, pg->dir);
  if (cw_test_run (init, &out) != 0) {
    g_autofree gchar *log = g_build_filename (pg->dir, "initdb.log", NULL), *text = NULL;

    g_file_get_contents (log, &text, NULL, NULL);
    g_error ("initdb failed:\n%s", text != NULL ? text : "");
  }
  spawn (pg);
  g_free (cw_test_postgres_query (pg, "-"));
  return pg;
}

void
cw_test_postgres_halt (CwTestPostgres *pg, gboolean crash)
{
  if (pg->server == NULL)
    return;
  /* SIGQUIT: immediate shutdown, the postmaster takes its backends down
   * without a checkpoint (recovery at the next start), as a crash would */
  g_subprocess_send_signal (pg->server, crash ? SIGQUIT : SIGINT);
  g_subprocess_wait (pg->server, NULL, NULL);
  g_clear_object (&pg->server);
}

void
cw_test_postgres_resume (CwTestPostgres *pg)
{
  g_assert_null (pg->server);
  spawn (pg);
}

gchar *
cw_test_postgres_query (CwTestPostgres *pg, const gchar *sql)
{
  g_autofree gchar *command = NULL, *out = NULL, *quoted = NULL;
  gint status;

  /* "-": create the database the agents use, once, through the
   * maintenance database */
  if (g_strcmp0 (sql, "-") == 0)
    command = g_strdup_printf ("PGPASSFILE='%s' " PG_BIN "/psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p %u "
                               "-U certward -d postgres -c 'CREATE DATABASE certward' 2>&1",
                               pg->passfile, pg->port);
  else {
    quoted = g_shell_quote (sql);
    command = g_strdup_printf ("PGPASSFILE='%s' " PG_BIN "/psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 "
                               "-p %u -U certward -d certward -c %s 2>&1", pg->passfile, pg->port, quoted);
  }
  status = cw_test_run (command, &out);
  if (status != 0)
    g_error ("psql %s: %s", sql, out);
  g_strchomp (out);
  return g_steal_pointer (&out);
}

void
cw_test_postgres_stop (CwTestPostgres *pg)
{
  if (pg == NULL)
    return;
  cw_test_postgres_halt (pg, FALSE);
  cw_test_rmdir (pg->dir);
  g_free (pg->dir);
  g_free (pg->data);
  g_free (pg->log);
  g_free (pg->conninfo);
  g_free (pg->passfile);
  g_free (pg);
}
