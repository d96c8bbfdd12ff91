/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shared database's schema: the version table and the migrations. */
#include "config.h"

#include "cw-cluster-schema.h"
#include "cw-error.h"

#include <glib/gi18n.h>

/* Migration N brings version N-1 to N. Append only: a released migration
 * never changes, since databases out there already ran it. */
static const gchar * const migrations[] = {
  /* 1: certificates with their revisions, the event log, leases, nodes,
   * HTTP-01 tokens and the other shared objects */
  "CREATE TABLE certward_certificate ("
  "  id text PRIMARY KEY,"
  "  name text NOT NULL UNIQUE,"
  "  revision bigint NOT NULL,"              /* the newest committed revision; 0: removed */
  "  settings text NOT NULL DEFAULT '',"     /* its settings.ini, shared part */
  "  node text NOT NULL,"                    /* who committed the newest revision */
  "  changed timestamptz NOT NULL DEFAULT now());"
  "CREATE TABLE certward_revision ("
  "  certificate text NOT NULL REFERENCES certward_certificate (id) ON DELETE CASCADE,"
  "  revision bigint NOT NULL,"
  "  fullchain bytea NOT NULL,"              /* PEM: the leaf, then its chain */
  "  key bytea NOT NULL,"                    /* PEM, or sealed with [cluster] key-file */
  "  key_id text NOT NULL DEFAULT '',"       /* '' plain, else which key-file sealed it */
  "  fingerprint text NOT NULL,"
  "  created timestamptz NOT NULL DEFAULT now(),"
  "  PRIMARY KEY (certificate, revision));"
  "CREATE TABLE certward_event ("
  "  seq bigint PRIMARY KEY,"                /* gap-free, in commit order (see cw-cluster-shared.c) */
  "  certificate text NOT NULL,"
  "  name text NOT NULL,"
  "  kind text NOT NULL,"                    /* added, renewed, replaced, removed, settings */
  "  revision bigint NOT NULL,"
  "  node text NOT NULL,"
  "  at timestamptz NOT NULL DEFAULT now());"
  "CREATE TABLE certward_lease ("
  "  name text PRIMARY KEY,"                 /* renew:<certificate id> */
  "  holder text NOT NULL,"
  "  expires timestamptz NOT NULL,"
  "  resume text NOT NULL DEFAULT '',"       /* what a successor needs to resume (an order URL) */
  "  taken timestamptz NOT NULL DEFAULT now());"
  "CREATE TABLE certward_node ("
  "  name text PRIMARY KEY,"
  "  seen timestamptz NOT NULL,"
  "  started timestamptz NOT NULL,"
  "  last_event bigint NOT NULL DEFAULT 0,"  /* the newest event it has applied */
  "  version text NOT NULL DEFAULT '');"
  "CREATE TABLE certward_http01 ("
  "  token text PRIMARY KEY,"
  "  key_authorization text NOT NULL,"
  "  node text NOT NULL,"
  "  expires timestamptz NOT NULL);"
  "CREATE TABLE certward_object ("            /* accounts, DNS providers, trust store, manager settings */
  "  kind text NOT NULL,"
  "  id text NOT NULL,"
  "  data bytea NOT NULL,"
  "  key_id text NOT NULL DEFAULT '',"
  "  node text NOT NULL,"
  "  changed timestamptz NOT NULL DEFAULT now(),"
  "  PRIMARY KEY (kind, id));",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CW_CLUSTER_SCHEMA_VERSION);

gboolean
cw_cluster_schema_migrate (PGconn *conn, gint *from, GError **error)
{
  g_autoptr(PGresult) result = NULL;
  gint version;

  if (!cw_pg_begin (conn, error))
    return FALSE;
  /* two nodes starting on an empty database: the second waits here and
   * then finds the tables made */
  if (!cw_pg_run (conn, "SELECT pg_advisory_xact_lock(" CW_CLUSTER_LOCK_SCHEMA ")", 0, NULL, error) ||
      !cw_pg_run (conn, "CREATE TABLE IF NOT EXISTS certward_schema (version integer NOT NULL)", 0, NULL, error))
    goto fail;
  result = cw_pg_exec (conn, "SELECT max(version) FROM certward_schema", 0, NULL, error);
  if (result == NULL)
    goto fail;
  version = (gint) cw_pg_get_int (result, 0, 0);
  if (from != NULL)
    *from = version;
  if (version > CW_CLUSTER_SCHEMA_VERSION) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED,
                 _("The cluster database has schema version %d; this agent knows up to %d: update it first"),
                 version, CW_CLUSTER_SCHEMA_VERSION);
    goto fail;
  }
  for (gint v = version; v < CW_CLUSTER_SCHEMA_VERSION; v++) {
    g_autofree gchar *number = g_strdup_printf ("%d", v + 1);
    const gchar *params[] = { number };

    if (!cw_pg_run (conn, migrations[v], 0, NULL, error) ||
        !cw_pg_run (conn, "DELETE FROM certward_schema", 0, NULL, error) ||
        !cw_pg_run (conn, "INSERT INTO certward_schema (version) VALUES ($1::integer)", 1, params, error))
      goto fail;
    g_info ("cluster database: schema version %d", v + 1);
  }
  return cw_pg_commit (conn, error);

fail:
  cw_pg_rollback (conn);
  return FALSE;
}
