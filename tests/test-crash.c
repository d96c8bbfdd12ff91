/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Crash safety: kill -9 the daemon while it writes revisions in a loop.
 * After every kill, each certificate directory's "current" must hold a key
 * that matches its certificate, and the restarted daemon must publish every
 * certificate with KeyMatches. */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-util.h"
#include "cw-x509.h"

#include <glib/gstdio.h>

#define BUS_NAME "org.certward.Certward1"
#define MANAGER_PATH "/org/certward/Certward1"
#define ROUNDS 12
#define NAMES 4

/* Alternating material, so consecutive revisions differ in key and chain. */
static const gchar *const sets[][3] = {
  { "leaf.pem", "leaf.key", "inter.pem" },
  { "rsa.pem", "rsa.key", "inter.pem" },
  { "self.pem", "leaf.key", NULL },
};

static GVariant *
import_options (const gchar *name, guint set, gboolean replace)
{
  GVariantBuilder b, files;

  g_variant_builder_init (&files, G_VARIANT_TYPE ("aay"));
  for (guint i = 0; i < 3 && sets[set][i] != NULL; i++) {
    g_autoptr(GBytes) bytes = cw_test_fixture (sets[set][i]);

    g_variant_builder_add_value (&files, g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE));
  }
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "files", g_variant_builder_end (&files));
  g_variant_builder_add (&b, "{sv}", "name", g_variant_new_string (name));
  g_variant_builder_add (&b, "{sv}", "replace", g_variant_new_boolean (replace));
  return g_variant_new ("(@a{sv})", g_variant_builder_end (&b));
}

static GBytes *
read_at (const gchar *dir, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  gchar *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  return g_bytes_new_take (data, len);
}

/* Reads what a service would read through "current" and checks that the
 * key belongs to the certificate. Returns how many directories it checked. */
static guint
check_disk (const gchar *state_dir)
{
  g_autofree gchar *certs = g_build_filename (state_dir, "certificates", NULL);
  g_autoptr(GDir) dir = g_dir_open (certs, 0, NULL);
  const gchar *name;
  guint checked = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *current = g_build_filename (certs, name, "current", NULL);
    g_autoptr(GBytes) crt_pem = NULL, key_pem = NULL, full_pem = NULL;
    g_auto(gnutls_x509_crt_t) crt = NULL;
    g_auto(gnutls_x509_privkey_t) key = NULL;
    g_autoptr(GError) error = NULL;

    if (name[0] == '.')
      continue; /* a creation or removal the crash interrupted: invisible to readers */
    crt_pem = read_at (current, "cert.pem");
    key_pem = read_at (current, "key.pem");
    full_pem = read_at (current, "fullchain.pem");
    if (crt_pem == NULL || key_pem == NULL || full_pem == NULL)
      g_error ("%s: current/ lacks a file", name);
    crt = cw_x509_crt_import (g_bytes_get_data (crt_pem, NULL), g_bytes_get_size (crt_pem), GNUTLS_X509_FMT_PEM, &error);
    g_assert_no_error (error);
    key = cw_x509_privkey_import (g_bytes_get_data (key_pem, NULL), g_bytes_get_size (key_pem), GNUTLS_X509_FMT_PEM,
                                  NULL, &error);
    g_assert_no_error (error);
    if (!cw_x509_privkey_matches (key, crt))
      g_error ("%s: current/key.pem does not match current/cert.pem", name);
    g_assert_true (g_str_has_prefix (g_bytes_get_data (full_pem, NULL), g_bytes_get_data (crt_pem, NULL)) ||
                   memcmp (g_bytes_get_data (full_pem, NULL), g_bytes_get_data (crt_pem, NULL),
                           g_bytes_get_size (crt_pem)) == 0);
    checked++;
  }
  return checked;
}

static guint
check_daemon (const gchar *state_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autofree gchar *certs = g_build_filename (state_dir, "certificates", NULL);
  g_autoptr(GDir) dir = NULL;
  const gchar *name;
  GList *objects;
  guint n = 0;

  manager = cw_dbus_object_manager_client_new_sync (cw_test_bus (), G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                    BUS_NAME, MANAGER_PATH, NULL, &error);
  g_assert_no_error (error);
  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next) {
    g_autoptr(CwDBusCertificate1) cert = cw_dbus_object_get_certificate1 (CW_DBUS_OBJECT (l->data));

    if (cert == NULL)
      continue; /* the trust store */
    if (!cw_dbus_certificate1_get_key_matches (cert))
      g_error ("%s: KeyMatches is false after restart", cw_dbus_certificate1_get_name (cert));
    n++;
  }
  g_list_free_full (objects, g_object_unref);

  /* the restart finished what the crash interrupted */
  dir = g_dir_open (certs, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] == '.')
      g_error ("leftover %s after restart", name);
  return n;
}

/* Continuous writes: each stream issues its next import when the previous
 * one is answered, so the daemon is always in the middle of one. */
typedef struct {
  guint    round;
  guint    pending;
  guint    completed;
  guint    created;
  guint    seq;
  gboolean stopping;
} Load;

typedef struct {
  Load  *load;
  gchar *stream;    /* "cert-N" replaces, "new" creates */
} Call;

static void issue (Load *load, const gchar *stream);

static void
reply (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Call *call = user_data;
  g_autoptr(GVariant) result = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, NULL);

  call->load->pending--;
  if (result != NULL) {
    call->load->completed++;
    call->load->created += g_str_equal (call->stream, "new");
  }
  if (!call->load->stopping)
    issue (call->load, call->stream);
  g_free (call->stream);
  g_free (call);
}

static void
issue (Load *load, const gchar *stream)
{
  Call *call = g_new0 (Call, 1);
  gboolean fresh = g_str_equal (stream, "new");
  g_autofree gchar *name = fresh ? g_strdup_printf ("new-%u-%u", load->round, load->seq) : g_strdup (stream);

  call->load = load;
  call->stream = g_strdup (stream);
  load->pending++;
  load->seq++;
  g_dbus_connection_call (cw_test_bus (), BUS_NAME, MANAGER_PATH, "org.certward.Manager1", "Import",
                          import_options (name, load->seq % G_N_ELEMENTS (sets), !fresh),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, reply, call);
}

static gboolean
timer_done (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
drained (gpointer data)
{
  return ((Load *) data)->pending == 0;
}

static void
test_kill_during_writes (void)
{
  g_autoptr(CwTestDaemon) daemon = cw_test_daemon_new ("[store]\nkeep-revisions=2\n");
  guint total = 0;

  cw_test_daemon_start (daemon);
  for (guint round = 0; round < ROUNDS; round++) {
    Load load = { round, 0, 0, 0, 0, FALSE };
    gboolean fired = FALSE;
    guint in_flight, checked, published;

    for (guint i = 0; i < NAMES; i++) {
      g_autofree gchar *stream = g_strdup_printf ("cert-%u", i);

      issue (&load, stream);
    }
    issue (&load, "new");
    issue (&load, "new");

    /* pull the plug at a random moment while the streams run (in a
     * sanitizer build, tests/phases/30-sanitize.sh, an import takes ten times
     * as long: so does the moment) */
    g_timeout_add (g_test_rand_int_range (50, 400) * (g_getenv ("CW_TEST_SANITIZED") != NULL ? 10 : 1), timer_done,
                   &fired);
    cw_test_wait_timeout (&fired, 10);
    in_flight = load.pending;
    load.stopping = TRUE;
    cw_test_daemon_kill (daemon);
    if (!cw_test_wait_until (drained, &load, 20))
      g_error ("calls to the killed daemon were not answered");
    g_assert_cmpuint (in_flight, >, 0);

    checked = check_disk (daemon->state_dir);
    cw_test_daemon_start (daemon);
    published = check_daemon (daemon->state_dir);
    g_assert_cmpuint (published, ==, checked);
    g_test_message ("round %u: %u imports committed before the kill, %u in flight at it, %u certificates intact",
                    round, load.completed, in_flight, checked);
    total += load.completed;
  }
  g_assert_cmpuint (total, >, ROUNDS);
  cw_test_daemon_stop (daemon);
}

int
main (int argc, char **argv)
{
  int status;

  cw_test_init (&argc, &argv);
  cw_test_fixtures ();
  cw_test_bus_up ();
  g_test_add_func ("/crash/kill-during-writes", test_kill_during_writes);
  status = g_test_run ();
  cw_test_bus_down ();
  return status;
}
