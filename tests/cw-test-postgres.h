/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A real PostgreSQL 15 from Debian (postgresql-15) on a loopback port: a
 * throwaway cluster made by initdb in a temporary directory, owned by the
 * postgres user, with password (SCRAM) authentication for the role
 * "certward". The agents reach it with @conninfo, whose password is in
 * @passfile (libpq's pgpass format), never in the string itself. */
typedef struct {
  gchar       *dir;
  gchar       *data;
  gchar       *log;
  gchar       *conninfo;   /* host=127.0.0.1 port=… dbname=certward user=certward passfile=… */
  gchar       *passfile;
  guint        port;
  GSubprocess *server;
} CwTestPostgres;

/* Makes the cluster and the database "certward", starts the server and
 * returns once it accepts connections. Needs root (to become postgres). */
CwTestPostgres *cw_test_postgres_start (guint port);
/* Stops the server: fast shutdown (SIGINT, clients cut off) or, with
 * @crash, immediate shutdown (SIGQUIT: no checkpoint, recovery at the
 * next start). */
void            cw_test_postgres_halt (CwTestPostgres *pg, gboolean crash);
/* Starts the stopped server again on the same data. */
void            cw_test_postgres_resume (CwTestPostgres *pg);
/* Runs @sql with psql as certward; returns its unaligned, tuples-only
 * output (trailing newline removed). Aborts the test on an error. */
gchar          *cw_test_postgres_query (CwTestPostgres *pg, const gchar *sql);
void            cw_test_postgres_stop (CwTestPostgres *pg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTestPostgres, cw_test_postgres_stop)

G_END_DECLS
