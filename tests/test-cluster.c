/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster layer below the daemon, against a real PostgreSQL 15
 * (Debian's postgresql-15, a throwaway cluster made by initdb): the
 * connection string check, schema creation and migration, sealed keys,
 * leases, shared HTTP-01 tokens, commits with their gap-free event log,
 * shared objects (DNS providers) sealed with their events,
 * and two CwCluster nodes that see each other's events exactly once, lose
 * the database, come back and catch up. Port 24900 belongs to this
 * program. */
#include "config.h"

#include "cw-cluster.h"
#include "cw-store.h"
#include "cw-cluster-lease.h"
#include "cw-cluster-objects.h"
#include "cw-cluster-schema.h"
#include "cw-cluster-seal.h"
#include "cw-cluster-shared.h"
#include "cw-cluster-sync.h"
#include "cw-cluster-tokens.h"
#include "cw-error.h"
#include "cw-test-postgres.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

#define PORT 24900

static CwTestPostgres *pg;

static PGconn *
connect_db (const gchar *node)
{
  g_autoptr(GError) error = NULL;
  PGconn *conn = cw_pg_connect (pg->conninfo, node, &error);

  g_assert_no_error (error);
  g_assert_nonnull (conn);
  return conn;
}

static void
test_conninfo (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cw_pg_check_conninfo ("host=db.example.test dbname=certward passfile=/etc/certward/pgpass", NULL));
  g_assert_true (cw_pg_check_conninfo ("postgresql://certward@db.example.test/certward", NULL));
  g_assert_false (cw_pg_check_conninfo ("host=db dbname=certward password=secret", &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "passfile"));
  g_clear_error (&error);
  g_assert_false (cw_pg_check_conninfo ("postgresql://certward:secret@db/certward", &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cw_pg_check_conninfo ("host='unterminated", &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cw_pg_check_conninfo ("", &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
}

typedef struct {
  gboolean ok;
  gint     from;
} MigrateResult;

static gpointer
migrate_thread (gpointer data)
{
  MigrateResult *r = data;
  g_autoptr(PGconn) conn = connect_db ("migrate");

  r->ok = cw_cluster_schema_migrate (conn, &r->from, NULL);
  return NULL;
}

static void
test_schema (void)
{
  g_autoptr(PGconn) conn = connect_db ("schema");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *tables = NULL, *version = NULL;
  MigrateResult r[3] = { 0 };
  GThread *threads[3];
  gint from = -1;

  /* three nodes starting together on an empty database: one creates, the
   * others find it made (the advisory lock orders them) */
  for (guint i = 0; i < 3; i++)
    threads[i] = g_thread_new ("migrate", migrate_thread, &r[i]);
  for (guint i = 0; i < 3; i++)
    g_thread_join (threads[i]);
  g_assert_true (r[0].ok && r[1].ok && r[2].ok);
  g_assert_cmpint ((r[0].from == 0) + (r[1].from == 0) + (r[2].from == 0), ==, 1);
  version = cw_test_postgres_query (pg, "SELECT string_agg(version::text, ',') FROM certward_schema");
  g_assert_cmpstr (version, ==, G_STRINGIFY (CW_CLUSTER_SCHEMA_VERSION));
  tables = cw_test_postgres_query (pg, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                                       "WHERE tablename LIKE 'certward_%'");
  g_assert_cmpstr (tables, ==, "certward_certificate,certward_event,certward_http01,certward_lease,certward_node,"
                               "certward_object,certward_revision,certward_schema");
  /* again: nothing to do */
  g_assert_true (cw_cluster_schema_migrate (conn, &from, &error));
  g_assert_no_error (error);
  g_assert_cmpint (from, ==, CW_CLUSTER_SCHEMA_VERSION);

  /* a database a newer agent migrated: refused, not written into */
  g_free (cw_test_postgres_query (pg, "UPDATE certward_schema SET version = 99"));
  g_assert_false (cw_cluster_schema_migrate (conn, &from, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "99"));
  g_free (cw_test_postgres_query (pg, "UPDATE certward_schema SET version = " G_STRINGIFY (CW_CLUSTER_SCHEMA_VERSION)));
}

static gchar *
write_key_file (const gchar *dir, const gchar *name, const gchar *contents, gint mode)
{
  gchar *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
test_seal (void)
{
  g_autofree gchar *dir = cw_test_mkdtemp ();
  g_autofree gchar *one = write_key_file (dir, "one", "0123456789abcdef0123456789abcdef-one", 0600);
  g_autofree gchar *two = write_key_file (dir, "two", "0123456789abcdef0123456789abcdef-two", 0600);
  g_autofree gchar *open_file = write_key_file (dir, "open", "0123456789abcdef0123456789abcdef-one", 0644);
  g_autofree gchar *short_file = write_key_file (dir, "short", "too short", 0600);
  g_autoptr(CwClusterSeal) a = cw_cluster_seal_new (one, NULL);
  g_autoptr(CwClusterSeal) a2 = cw_cluster_seal_new (one, NULL);
  g_autoptr(CwClusterSeal) b = cw_cluster_seal_new (two, NULL);
  g_autoptr(CwClusterSeal) none = cw_cluster_seal_new (NULL, NULL);
  g_autoptr(GBytes) plain = g_bytes_new_static ("-----BEGIN PRIVATE KEY-----\n", 28);
  g_autoptr(GBytes) sealed = NULL, opened = NULL, again = NULL;
  g_autoptr(GError) error = NULL;
  CwClusterSeal *bad;

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (cw_cluster_seal_get_id (a), ==, cw_cluster_seal_get_id (a2));
  g_assert_cmpstr (cw_cluster_seal_get_id (a), !=, cw_cluster_seal_get_id (b));
  g_assert_cmpstr (cw_cluster_seal_get_id (none), ==, "");

  sealed = cw_cluster_seal (a, plain, "id/1", &error);
  g_assert_no_error (error);
  g_assert_null (g_strstr_len (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed), "PRIVATE"));
  /* a fresh nonce each time */
  again = cw_cluster_seal (a, plain, "id/1", &error);
  g_assert_false (g_bytes_equal (sealed, again));
  opened = cw_cluster_unseal (a2, sealed, cw_cluster_seal_get_id (a), "id/1", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, plain));

  /* another key file: says which, opens nothing */
  g_assert_null (cw_cluster_unseal (b, sealed, cw_cluster_seal_get_id (a), "id/1", &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, cw_cluster_seal_get_id (a)));
  g_assert_nonnull (strstr (error->message, cw_cluster_seal_get_id (b)));
  g_clear_error (&error);
  g_assert_null (cw_cluster_unseal (none, sealed, cw_cluster_seal_get_id (a), "id/1", &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  /* moved to another row */
  g_assert_null (cw_cluster_unseal (a, sealed, cw_cluster_seal_get_id (a), "id/2", &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_clear_error (&error);
  /* a row that claims to be plain: refused by a node with a key file (only
   * its holders may hand out keys), taken by one without */
  g_assert_null (cw_cluster_unseal (a, plain, "", "id/1", &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  {
    g_autoptr(GBytes) taken = cw_cluster_unseal (none, plain, "", "id/1", &error);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (taken, plain));
  }

  bad = cw_cluster_seal_new (open_file, &error);
  g_assert_null (bad);
  g_assert_error (error, CW_ERROR, CW_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  bad = cw_cluster_seal_new (short_file, &error);
  g_assert_null (bad);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  cw_test_rmdir (dir);
}

static void
test_lease (void)
{
  g_autoptr(PGconn) conn = connect_db ("lease");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) leases = NULL;
  g_autofree gchar *resume = NULL, *other = NULL;

  g_assert_true (cw_cluster_schema_migrate (conn, NULL, NULL));
  g_assert_true (cw_cluster_lease_acquire (conn, "renew:a", "node-a", 60, &resume, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (resume, ==, "");
  g_clear_pointer (&resume, g_free);
  /* held: node-b is told who has it */
  g_assert_false (cw_cluster_lease_acquire (conn, "renew:a", "node-b", 60, NULL, &other, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (other, ==, "node-a");
  /* the holder extends and records its order */
  g_assert_true (cw_cluster_lease_acquire (conn, "renew:a", "node-a", 60, NULL, NULL, &error));
  g_assert_true (cw_cluster_lease_extend (conn, "renew:a", "node-a", 60, &error));
  g_assert_true (cw_cluster_lease_set_resume (conn, "renew:a", "node-a", "https://ca.example.test/order/7", &error));
  g_assert_false (cw_cluster_lease_extend (conn, "renew:a", "node-b", 60, &error));
  g_assert_no_error (error);

  leases = cw_cluster_lease_list (conn, &error);
  g_assert_cmpuint (leases->len, ==, 1);
  g_assert_cmpstr (((CwClusterLease *) leases->pdata[0])->holder, ==, "node-a");
  g_assert_true (((CwClusterLease *) leases->pdata[0])->live);
  g_clear_pointer (&leases, g_ptr_array_unref);

  /* node-a dies: its lease runs out (moved into the past rather than
   * waited for), node-b takes it and gets the order to resume */
  g_free (cw_test_postgres_query (pg, "UPDATE certward_lease SET expires = now() - interval '1 second'"));
  g_assert_true (cw_cluster_lease_acquire (conn, "renew:a", "node-b", 60, &resume, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (resume, ==, "https://ca.example.test/order/7");
  /* node-a, back, has lost it and cannot write over it */
  g_assert_false (cw_cluster_lease_extend (conn, "renew:a", "node-a", 60, &error));
  g_assert_false (cw_cluster_lease_set_resume (conn, "renew:a", "node-a", "other", &error));
  g_assert_true (cw_cluster_lease_release (conn, "renew:a", "node-a", &error));
  g_assert_no_error (error);
  leases = cw_cluster_lease_list (conn, &error);
  g_assert_cmpuint (leases->len, ==, 1);
  g_assert_cmpstr (((CwClusterLease *) leases->pdata[0])->holder, ==, "node-b");
  g_clear_pointer (&leases, g_ptr_array_unref);
  g_assert_true (cw_cluster_lease_release (conn, "renew:a", "node-b", &error));
  leases = cw_cluster_lease_list (conn, &error);
  g_assert_cmpuint (leases->len, ==, 0);
}

typedef struct {
  const gchar *node;
  guint        wins;
} Racer;

static gpointer
race_thread (gpointer data)
{
  Racer *racer = data;
  g_autoptr(PGconn) conn = connect_db (racer->node);

  for (guint i = 0; i < 20; i++) {
    g_autofree gchar *name = g_strdup_printf ("race:%u", i);

    if (cw_cluster_lease_acquire (conn, name, racer->node, 60, NULL, NULL, NULL))
      racer->wins++;
  }
  return NULL;
}

static void
test_lease_race (void)
{
  Racer racers[4] = { { "r1", 0 }, { "r2", 0 }, { "r3", 0 }, { "r4", 0 } };
  GThread *threads[4];
  g_autofree gchar *count = NULL;

  /* four nodes race for 20 free leases: each is won exactly once */
  for (guint i = 0; i < 4; i++)
    threads[i] = g_thread_new ("race", race_thread, &racers[i]);
  for (guint i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (racers[0].wins + racers[1].wins + racers[2].wins + racers[3].wins, ==, 20);
  count = cw_test_postgres_query (pg, "SELECT count(*) FROM certward_lease WHERE name LIKE 'race:%'");
  g_assert_cmpstr (count, ==, "20");
  g_free (cw_test_postgres_query (pg, "DELETE FROM certward_lease"));
}

static void
test_tokens (void)
{
  g_autoptr(PGconn) conn = connect_db ("tokens");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *answer = NULL;

  g_assert_true (cw_cluster_tokens_put (conn, "tok1", "tok1.thumb", "node-a", 300, &error));
  g_assert_no_error (error);
  answer = cw_cluster_tokens_lookup (conn, "tok1", &error);
  g_assert_cmpstr (answer, ==, "tok1.thumb");
  g_assert_null (cw_cluster_tokens_lookup (conn, "unknown", &error));
  g_assert_no_error (error);
  g_free (cw_test_postgres_query (pg, "UPDATE certward_http01 SET expires = now() - interval '1 second'"));
  g_assert_null (cw_cluster_tokens_lookup (conn, "tok1", &error));
  g_assert_no_error (error);
  g_assert_true (cw_cluster_tokens_put (conn, "tok2", "tok2.thumb", "node-a", 300, &error));
  g_assert_true (cw_cluster_tokens_remove (conn, "tok2", &error));
  g_assert_null (cw_cluster_tokens_lookup (conn, "tok2", &error));
  g_clear_pointer (&answer, g_free);
  answer = cw_test_postgres_query (pg, "SELECT count(*) FROM certward_http01");
  g_assert_cmpstr (answer, ==, "0");
}

static CwClusterRevision *
make_revision (const gchar *id, const gchar *name, const gchar *tag)
{
  CwClusterRevision *rev = g_new0 (CwClusterRevision, 1);

  rev->id = g_strdup (id);
  rev->name = g_strdup (name);
  rev->settings = g_strdup_printf ("[certificate]\nname=%s\n", name);
  rev->fingerprint = g_strdup_printf ("fp-%s", tag);
  rev->fullchain = g_bytes_new_take (g_strdup_printf ("chain %s", tag), strlen (tag) + 6);
  rev->key = g_bytes_new_take (g_strdup_printf ("key %s", tag), strlen (tag) + 4);
  return rev;
}

static void
test_shared (void)
{
  g_autoptr(PGconn) conn = connect_db ("shared");
  g_autofree gchar *dir = cw_test_mkdtemp ();
  g_autofree gchar *kf = write_key_file (dir, "k", "0123456789abcdef0123456789abcdef-one", 0600);
  g_autofree gchar *kf2 = write_key_file (dir, "k2", "0123456789abcdef0123456789abcdef-two", 0600);
  g_autoptr(CwClusterSeal) seal = cw_cluster_seal_new (kf, NULL);
  g_autoptr(CwClusterSeal) other = cw_cluster_seal_new (kf2, NULL);
  g_autoptr(CwClusterRevision) r1 = make_revision ("c1", "pbx.example.test", "one");
  g_autoptr(CwClusterRevision) r2 = make_revision ("c1", "pbx.example.test", "two");
  g_autoptr(CwClusterRevision) r3 = make_revision ("c1", "pbx.example.test", "three");
  g_autoptr(CwClusterRevision) got = NULL;
  g_autoptr(GPtrArray) events = NULL, list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *raw = NULL;
  gint64 seq, base;

  base = cw_cluster_shared_last_seq (conn, &error);
  g_assert_no_error (error);
  seq = cw_cluster_shared_commit (conn, seal, "node-a", "added", r1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seq, ==, base + 1);
  g_assert_cmpint (r1->revision, ==, 1);
  /* the key is sealed in the database */
  raw = cw_test_postgres_query (pg, "SELECT position('key one'::bytea in key) FROM certward_revision");
  g_assert_cmpstr (raw, ==, "0");

  /* node-b saw revision 1 and commits on it; node-c, still on 0, is told
   * node-b was first */
  seq = cw_cluster_shared_commit (conn, seal, "node-b", "renewed", r2, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r2->revision, ==, 2);
  g_assert_cmpint (cw_cluster_shared_commit (conn, seal, "node-c", "added", r3, 0, &error), ==, 0);
  g_assert_error (error, CW_ERROR, CW_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "node-b"));
  g_clear_error (&error);

  got = cw_cluster_shared_fetch (conn, seal, "c1", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->revision, ==, 2);
  g_assert_cmpstr (got->fingerprint, ==, "fp-two");
  g_assert_cmpstr (got->node, ==, "node-b");
  g_assert_true (g_bytes_equal (got->key, r2->key));
  g_assert_true (g_bytes_equal (got->fullchain, r2->fullchain));
  g_clear_pointer (&got, cw_cluster_revision_free);
  got = cw_cluster_shared_fetch (conn, seal, "c1", 1, &error);
  g_assert_cmpstr (got->fingerprint, ==, "fp-one");
  g_clear_pointer (&got, cw_cluster_revision_free);
  /* a node with another key file: a clear error */
  got = cw_cluster_shared_fetch (conn, other, "c1", 0, &error);
  g_assert_null (got);
  g_assert_error (error, CW_ERROR, CW_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "pbx.example.test"));
  g_clear_error (&error);

  list = cw_cluster_shared_list (conn, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((CwClusterRevision *) list->pdata[0])->revision, ==, 2);

  g_assert_cmpint (cw_cluster_shared_commit_settings (conn, "node-a", "c1", "[certificate]\n", &error), ==, seq + 1);
  g_assert_cmpint (cw_cluster_shared_remove (conn, "node-c", "c1", &error), ==, seq + 2);
  g_assert_no_error (error);
  g_assert_cmpint (cw_cluster_shared_remove (conn, "node-c", "c1", &error), ==, 0);
  g_assert_error (error, CW_ERROR, CW_ERROR_NOT_FOUND);
  g_clear_error (&error);

  events = cw_cluster_shared_events_since (conn, base, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 4);
  g_assert_cmpstr (((CwClusterEvent *) events->pdata[0])->kind, ==, "added");
  g_assert_cmpstr (((CwClusterEvent *) events->pdata[1])->kind, ==, "renewed");
  g_assert_cmpstr (((CwClusterEvent *) events->pdata[2])->kind, ==, "settings");
  g_assert_cmpstr (((CwClusterEvent *) events->pdata[3])->kind, ==, "removed");
  g_assert_cmpstr (((CwClusterEvent *) events->pdata[3])->node, ==, "node-c");
  g_assert_cmpint (((CwClusterEvent *) events->pdata[1])->revision, ==, 2);
  /* revisions went with the certificate */
  g_clear_pointer (&raw, g_free);
  raw = cw_test_postgres_query (pg, "SELECT count(*) FROM certward_revision");
  g_assert_cmpstr (raw, ==, "0");
  cw_test_rmdir (dir);
}

/* Objects other than certificates (DNS providers): sealed at rest, their
 * events in the same log, another key-file refused by name. */
static void
test_objects (void)
{
  g_autoptr(PGconn) conn = connect_db ("objects");
  g_autofree gchar *dir = cw_test_mkdtemp ();
  g_autofree gchar *kf = write_key_file (dir, "k", "0123456789abcdef0123456789abcdef-one", 0600);
  g_autofree gchar *kf2 = write_key_file (dir, "k2", "0123456789abcdef0123456789abcdef-two", 0600);
  g_autoptr(CwClusterSeal) seal = cw_cluster_seal_new (kf, NULL);
  g_autoptr(CwClusterSeal) other = cw_cluster_seal_new (kf2, NULL);
  g_autoptr(GBytes) v1 = g_bytes_new_static ("secret=one", 10);
  g_autoptr(GBytes) v2 = g_bytes_new_static ("secret=two", 10);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GPtrArray) events = NULL, ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *raw = NULL;
  gint64 base;

  base = cw_cluster_shared_last_seq (conn, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cw_cluster_objects_put (conn, seal, "node-a", "dns-provider", "dyn", v1, NULL, &error), ==,
                   base + 1);
  g_assert_no_error (error);
  /* node-c still thinks it holds v2: node-a was first */
  g_assert_cmpint (cw_cluster_objects_put (conn, seal, "node-c", "dns-provider", "dyn", v1, v2, &error), ==, 0);
  g_assert_error (error, CW_ERROR, CW_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "node-a"));
  g_clear_error (&error);
  g_assert_cmpint (cw_cluster_objects_put (conn, seal, "node-b", "dns-provider", "dyn", v2, v1, &error), ==,
                   base + 2);
  raw = cw_test_postgres_query (pg, "SELECT position('secret'::bytea in data) FROM certward_object");
  g_assert_cmpstr (raw, ==, "0");
  got = cw_cluster_objects_get (conn, seal, "dns-provider", "dyn", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, v2));
  g_clear_pointer (&got, g_bytes_unref);
  /* the same row under another kind does not open: nothing to read */
  got = cw_cluster_objects_get (conn, seal, "account", "dyn", &error);
  g_assert_error (error, CW_ERROR, CW_ERROR_NOT_FOUND);
  g_clear_error (&error);
  got = cw_cluster_objects_get (conn, other, "dns-provider", "dyn", &error);
  g_assert_null (got);
  g_assert_error (error, CW_ERROR, CW_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "dyn"));
  g_clear_error (&error);
  ids = cw_cluster_objects_list (conn, "dns-provider", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpstr (ids->pdata[0], ==, "dyn");

  g_assert_cmpint (cw_cluster_objects_remove (conn, "node-c", "dns-provider", "dyn", &error), ==, base + 3);
  g_assert_no_error (error);
  g_assert_cmpint (cw_cluster_objects_remove (conn, "node-c", "dns-provider", "dyn", &error), ==, 0);
  g_assert_error (error, CW_ERROR, CW_ERROR_NOT_FOUND);
  g_clear_error (&error);

  events = cw_cluster_shared_events_since (conn, base, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 3);
  for (guint i = 0; i < 3; i++) {
    CwClusterEvent *event = events->pdata[i];

    g_assert_true (cw_cluster_event_is_object (event));
    g_assert_cmpstr (event->certificate, ==, "dns-provider");
    g_assert_cmpstr (event->name, ==, "dyn");
    g_assert_cmpstr (event->kind, ==, i < 2 ? CW_CLUSTER_OBJECT_SET : CW_CLUSTER_OBJECT_REMOVED);
  }
  cw_test_rmdir (dir);
}

static gpointer
writer_thread (gpointer data)
{
  const gchar *node = data;
  g_autoptr(PGconn) conn = connect_db (node);
  g_autoptr(CwClusterSeal) seal = cw_cluster_seal_new (NULL, NULL);

  for (guint i = 0; i < 25; i++) {
    g_autofree gchar *id = g_strdup_printf ("%s-%u", node, i);
    g_autoptr(CwClusterRevision) rev = make_revision (id, id, id);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (cw_cluster_shared_commit (conn, seal, node, "added", rev, 0, &error), >, 0);
    g_assert_no_error (error);
  }
  return NULL;
}

static void
test_event_order (void)
{
  const gchar *nodes[] = { "w1", "w2", "w3", "w4" };
  GThread *threads[4];
  g_autofree gchar *gaps = NULL, *count = NULL;

  /* four writers at once: the log has every seq once, none skipped */
  for (guint i = 0; i < 4; i++)
    threads[i] = g_thread_new ("writer", writer_thread, (gpointer) nodes[i]);
  for (guint i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  count = cw_test_postgres_query (pg, "SELECT count(*) FROM certward_event WHERE node LIKE 'w_'");
  g_assert_cmpstr (count, ==, "100");
  gaps = cw_test_postgres_query (pg, "SELECT max(seq) - min(seq) + 1 - count(*) FROM certward_event");
  g_assert_cmpstr (gaps, ==, "0");
}

/* ---- two nodes ------------------------------------------------------ */

typedef struct {
  CwCluster *cluster;
  gchar     *dir;
  GPtrArray *seen;     /* "seq kind name node" */
  gint64     last;
} Node;

static void
applier (CwCluster *cluster, const CwClusterEvent *event, gpointer user_data)
{
  Node *node = user_data;

  g_ptr_array_add (node->seen, g_strdup_printf ("%" G_GINT64_FORMAT " %s %s %s", event->seq, event->kind,
                                                event->name, event->node));
  node->last = event->seq;
  cw_cluster_applied (cluster, event->seq);
}

static Node *
node_new (const gchar *name, const gchar *dir)
{
  Node *node = g_new0 (Node, 1);
  g_autofree gchar *conf = NULL, *path = NULL;
  g_autoptr(CwConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  node->dir = dir != NULL ? g_strdup (dir) : cw_test_mkdtemp ();
  node->seen = g_ptr_array_new_with_free_func (g_free);
  conf = g_strdup_printf ("[cluster]\nbackend=postgresql\nuri=%s\nnode=%s\nheartbeat=1\n", pg->conninfo, name);
  path = g_build_filename (node->dir, "certward.conf", NULL);
  g_assert_true (g_file_set_contents (path, conf, -1, NULL));
  config = cw_config_load (path, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cw_cluster_configured (config));
  node->cluster = cw_cluster_new (config, node->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_cluster_get_node (node->cluster), ==, name);
  return node;
}

static void
node_free (Node *node, gboolean keep_dir)
{
  g_object_unref (node->cluster);
  if (!keep_dir)
    cw_test_rmdir (node->dir);
  g_free (node->dir);
  g_ptr_array_unref (node->seen);
  g_free (node);
}

static void
wait_available (CwCluster *cluster, gboolean available)
{
  while (cw_cluster_get_available (cluster) != available)
    g_main_context_iteration (NULL, TRUE);
}

static void
wait_applied (Node *node, gint64 seq)
{
  while (node->last < seq)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct {
  const gchar *id;
  const gchar *tag;
} CommitData;

static gpointer
commit_func (CwCluster *self, PGconn *conn, gpointer data, GError **error)
{
  CommitData *c = data;
  g_autoptr(CwClusterRevision) rev = make_revision (c->id, c->id, c->tag);
  gint64 seq = cw_cluster_shared_commit (conn, cw_cluster_get_seal (self), cw_cluster_get_node (self), "added",
                                         rev, -1, error);

  return seq > 0 ? g_memdup2 (&seq, sizeof seq) : NULL;
}

static void
got_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

/* Commits on @node's thread; the seq, or 0 with @error. */
static gint64
commit_on (Node *node, const gchar *id, GError **error)
{
  CommitData c = { id, id };
  g_autoptr(GAsyncResult) res = NULL;
  g_autofree gint64 *seq = NULL;

  cw_cluster_run_async (node->cluster, commit_func, &c, NULL, g_free, NULL, got_result, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  seq = cw_cluster_run_finish (node->cluster, res, error);
  return seq != NULL ? *seq : 0;
}

static void
test_nodes (void)
{
  Node *a = node_new ("node-a", NULL), *b = node_new ("node-b", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *last = NULL, *b_dir = NULL, *terminated = NULL;
  gint64 seq, start;
  guint seen_before;

  /* the nodes start after the events of the tests above: they replay
   * them (a new node gets the whole history) */
  last = cw_test_postgres_query (pg, "SELECT coalesce(max(seq), 0) FROM certward_event");
  start = g_ascii_strtoll (last, NULL, 10);
  cw_cluster_start (a->cluster);
  cw_cluster_start (b->cluster);
  cw_cluster_set_applier (a->cluster, applier, a);
  cw_cluster_set_applier (b->cluster, applier, b);
  wait_available (a->cluster, TRUE);
  wait_available (b->cluster, TRUE);
  wait_applied (a, start);
  wait_applied (b, start);
  g_assert_cmpuint (a->seen->len, ==, start);
  g_assert_cmpuint (b->seen->len, ==, start);

  /* a commits: b hears it through NOTIFY, once, and so does a */
  seq = commit_on (a, "live.example.test", &error);
  g_assert_no_error (error);
  wait_applied (b, seq);
  wait_applied (a, seq);
  g_assert_cmpuint (b->seen->len, ==, start + 1);
  {
    g_autofree gchar *want = g_strdup_printf ("%" G_GINT64_FORMAT " added live.example.test node-a", seq);

    g_assert_cmpstr (b->seen->pdata[b->seen->len - 1], ==, want);
  }
  g_assert_cmpint (cw_cluster_get_applied (b->cluster), ==, seq);

  /* node-b's connections are cut (as a network failure would): it goes
   * read-only; node-a commits twice meanwhile; node-b comes back by
   * itself and catches up, in order, each once */
  terminated = cw_test_postgres_query (pg, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                           "WHERE application_name = 'certwardd node-b'");
  g_assert_cmpstr (terminated, !=, "0");
  cw_test_expect_warning ("cluster: *read-only until it returns");
  seen_before = b->seen->len;
  g_assert_cmpint (commit_on (a, "missed-1.example.test", &error), ==, seq + 1);
  g_assert_cmpint (commit_on (a, "missed-2.example.test", &error), ==, seq + 2);
  g_assert_no_error (error);
  wait_applied (b, seq + 2);
  g_assert_cmpuint (b->seen->len, ==, seen_before + 2);
  g_assert_nonnull (strstr (b->seen->pdata[seen_before], "missed-1"));
  g_assert_nonnull (strstr (b->seen->pdata[seen_before + 1], "missed-2"));
  cw_test_assert_expected_warnings ();

  /* node-b stops; node-a commits; node-b starts again on the same state
   * directory: only the event it missed */
  b_dir = g_strdup (b->dir);
  node_free (b, TRUE);
  seq = commit_on (a, "while-stopped.example.test", &error);
  g_assert_no_error (error);
  b = node_new ("node-b", b_dir);
  cw_cluster_start (b->cluster);
  cw_cluster_set_applier (b->cluster, applier, b);
  wait_applied (b, seq);
  g_assert_cmpuint (b->seen->len, ==, 1);
  g_assert_nonnull (strstr (b->seen->pdata[0], "while-stopped"));

  /* the database goes down: both notice, every job fails at once with
   * Unavailable (no local commit can follow) */
  cw_test_expect_warning ("cluster: *read-only until it returns");
  cw_test_expect_warning ("cluster: *read-only until it returns");
  cw_test_postgres_halt (pg, FALSE);
  wait_available (a->cluster, FALSE);
  wait_available (b->cluster, FALSE);
  cw_test_assert_expected_warnings ();
  g_assert_cmpint (commit_on (a, "refused.example.test", &error), ==, 0);
  g_assert_error (error, CW_ERROR, CW_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  /* it returns */
  cw_test_postgres_resume (pg);
  wait_available (a->cluster, TRUE);
  wait_available (b->cluster, TRUE);
  seq = commit_on (b, "after.example.test", &error);
  g_assert_no_error (error);
  wait_applied (a, seq);
  g_assert_nonnull (strstr (a->seen->pdata[a->seen->len - 1], "after.example.test node-b"));
  g_clear_pointer (&last, g_free);
  last = cw_test_postgres_query (pg, "SELECT count(*) FROM certward_event WHERE name = 'refused.example.test'");
  g_assert_cmpstr (last, ==, "0");

  /* a crash (no checkpoint): recovery, and both back */
  cw_test_expect_warning ("cluster: *read-only until it returns");
  cw_test_expect_warning ("cluster: *read-only until it returns");
  cw_test_postgres_halt (pg, TRUE);
  wait_available (a->cluster, FALSE);
  wait_available (b->cluster, FALSE);
  cw_test_assert_expected_warnings ();
  cw_test_postgres_resume (pg);
  wait_available (a->cluster, TRUE);
  wait_available (b->cluster, TRUE);

  node_free (a, FALSE);
  node_free (b, FALSE);
}

static void
imported_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

/* Imports @name (the fixture leaf) into @store: the certificate, or NULL
 * with @error. */
static CwCertificate *
import_leaf (CwStore *store, const gchar *name, GError **error)
{
  g_autoptr(CwImportRequest) request = cw_import_request_new ();
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GBytes) leaf = cw_test_fixture ("leaf.pem"), key = cw_test_fixture ("key-sec1.pem");
  g_autoptr(GBytes) chain = cw_test_fixture ("chain.ca-bundle");

  request->name = g_strdup (name);
  cw_import_request_add (request, "leaf.pem", leaf);
  cw_import_request_add (request, "key-sec1.pem", key);
  cw_import_request_add (request, "chain.ca-bundle", chain);
  cw_store_import_async (store, g_steal_pointer (&request), NULL, imported_cb, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cw_store_import_finish (store, res, error);
}

static void
test_store_backend (void)
{
  Node *node = node_new ("node-s", NULL);
  g_autoptr(CwConfig) config = cw_config_new ();
  g_autofree gchar *state = g_build_filename (node->dir, "state", NULL);
  g_autoptr(CwStore) store = cw_store_new (state, config);
  g_autoptr(CwClusterSync) sync = NULL;
  g_autoptr(CwCertificate) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *rows = NULL, *want = NULL, *certs_dir = NULL;

  /* the tests above left revisions of made-up material in the log */
  g_free (cw_test_postgres_query (pg, "DELETE FROM certward_event; DELETE FROM certward_certificate"));
  g_assert_true (cw_store_load (store, &error));
  sync = cw_cluster_sync_new (node->cluster, store);
  cw_cluster_start (node->cluster);
  wait_available (node->cluster, TRUE);

  /* committed there first, then here */
  cert = import_leaf (store, "backend.example.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (cw_cluster_sync_get_revision (sync, "backend.example.test"), ==, 1);
  rows = cw_test_postgres_query (pg, "SELECT c.revision || ' ' || r.fingerprint FROM certward_certificate c "
                                     "JOIN certward_revision r ON r.certificate = c.id "
                                     "WHERE c.name = 'backend.example.test'");
  want = g_strdup_printf ("1 %s", cw_certificate_get_info (cert)->fingerprint);
  g_assert_cmpstr (rows, ==, want);

  /* the database away: nothing is written here either (not even the
   * directory of a new certificate) */
  cw_test_expect_warning ("cluster: *read-only until it returns");
  cw_test_postgres_halt (pg, FALSE);
  wait_available (node->cluster, FALSE);
  cw_test_assert_expected_warnings ();
  g_clear_object (&cert);
  cert = import_leaf (store, "refused.example.test", &error);
  g_assert_null (cert);
  g_assert_error (error, CW_ERROR, CW_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_null (cw_store_lookup (store, "refused.example.test"));
  certs_dir = g_build_filename (state, "certificates", NULL);
  {
    g_autoptr(GDir) dir = g_dir_open (certs_dir, 0, NULL);
    const gchar *entry;

    while ((entry = g_dir_read_name (dir)) != NULL)
      g_assert_null (strstr (entry, "refused"));
  }
  cw_test_postgres_resume (pg);
  wait_available (node->cluster, TRUE);

  g_clear_object (&sync);
  node_free (node, FALSE);
}

static void
test_status (void)
{
  g_autoptr(PGconn) conn = connect_db ("status");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = NULL;
  gboolean found_a = FALSE;

  g_assert_true (cw_cluster_lease_acquire (conn, "renew:x", "node-a", 60, NULL, NULL, &error));
  g_assert_true (cw_cluster_shared_heartbeat (conn, "node-a", 5, "test", FALSE, &error));
  g_free (cw_test_postgres_query (pg, "UPDATE certward_node SET seen = now() - interval '1 hour' "
                                      "WHERE name = 'node-b'"));
  nodes = cw_cluster_shared_nodes (conn, 30, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < nodes->len; i++) {
    CwClusterNode *node = nodes->pdata[i];

    if (g_str_equal (node->name, "node-a")) {
      found_a = TRUE;
      g_assert_true (node->live);
      g_assert_cmpuint (node->leases, ==, 1);
      g_assert_cmpint (node->last_event, ==, 5);
    } else if (g_str_equal (node->name, "node-b")) {
      g_assert_false (node->live);
      g_assert_cmpuint (node->leases, ==, 0);
    }
  }
  g_assert_true (found_a);
}

int
main (int argc, char **argv)
{
  int status;

  cw_test_init (&argc, &argv);
  g_test_add_func ("/cluster/conninfo", test_conninfo);
  if (getuid () != 0) {
    g_test_message ("the PostgreSQL tests need root (initdb as postgres)");
    return g_test_run ();
  }
  pg = cw_test_postgres_start (PORT);
  g_test_add_func ("/cluster/schema", test_schema);
  g_test_add_func ("/cluster/seal", test_seal);
  g_test_add_func ("/cluster/lease", test_lease);
  g_test_add_func ("/cluster/lease-race", test_lease_race);
  g_test_add_func ("/cluster/tokens", test_tokens);
  g_test_add_func ("/cluster/shared", test_shared);
  g_test_add_func ("/cluster/event-order", test_event_order);
  g_test_add_func ("/cluster/nodes", test_nodes);
  g_test_add_func ("/cluster/store-backend", test_store_backend);
  g_test_add_func ("/cluster/status", test_status);
  /* last: nodes above count every event of the log as theirs */
  g_test_add_func ("/cluster/objects", test_objects);
  status = g_test_run ();
  cw_test_postgres_stop (pg);
  return status;
}
