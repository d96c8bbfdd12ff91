/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every kind of write the agent makes, under the two faults it must
 * survive: a full disk at every point of the write, and kill -9 at any
 * moment of it. The real certwardd keeps its state on a small tmpfs (so
 * ENOSPC is real); after each attempt the change is either complete or
 * absent, as the reply said, and stays so across a restart.
 *
 * Needs root (mount); skipped otherwise.
 */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define BUS_NAME "org.certward.Certward1"
#define MANAGER_PATH "/org/certward/Certward1"
#define MAX_FREE_PAGES 160
#define KILL_ROUNDS 10

typedef struct {
  CwTestDaemon   *daemon;
  gchar          *filler;
} Fixture;

/* ---- the state directory on a tmpfs ------------------------------------ */

static gboolean
fixture_start (Fixture *f)
{
  g_autofree gchar *config = NULL;
  g_autofree gchar *provider_dir = g_strdup (g_getenv ("CW_PROVIDER_BUILD_DIR"));

  if (geteuid () != 0) {
    g_test_skip ("needs root to mount a tmpfs for a real full disk");
    return FALSE;
  }
  f->daemon = cw_test_daemon_new (NULL);
  if (mount ("certward-test", f->daemon->state_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755") < 0) {
    g_autofree gchar *why = g_strdup_printf ("cannot mount a tmpfs: %s", g_strerror (errno));

    g_test_skip (why);
    cw_test_daemon_free (g_steal_pointer (&f->daemon));
    return FALSE;
  }
  /* the configuration lives beside the state; the mount hid it */
  config = g_strdup_printf ("[dns-01]\nprovider-dir=%s\n[renewal]\nguard=0\n", provider_dir);
  g_assert_true (g_file_set_contents (f->daemon->config, config, -1, NULL));
  f->filler = g_build_filename (f->daemon->state_dir, "filler", NULL);
  cw_test_daemon_start (f->daemon);
  return TRUE;
}

static void
fixture_stop (Fixture *f)
{
  if (f->daemon == NULL)
    return;
  if (f->daemon->process != NULL)
    cw_test_daemon_stop (f->daemon);
  g_assert_cmpint (umount2 (f->daemon->state_dir, MNT_DETACH), ==, 0);
  cw_test_daemon_free (f->daemon);
  g_free (f->filler);
}

/* Leaves exactly @pages pages free (tmpfs counts pages). */
static void
fill_disk (Fixture *f, guint pages)
{
  struct statvfs st;
  int fd;
  off_t size;

  g_unlink (f->filler);
  g_assert_cmpint (statvfs (f->daemon->state_dir, &st), ==, 0);
  size = (off_t) st.f_bavail * (off_t) st.f_bsize - (off_t) pages * (off_t) st.f_bsize;
  fd = open (f->filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  if (size > 0)
    g_assert_cmpint (posix_fallocate (fd, 0, size), ==, 0);
  close (fd);
}

static void
free_disk (Fixture *f)
{
  g_unlink (f->filler);
}

static void
restart (Fixture *f)
{
  cw_test_daemon_stop (f->daemon);
  cw_test_daemon_start (f->daemon);
}

/* ---- what is observed --------------------------------------------------- */

static gchar *
cert_path (const gchar *name)
{
  return g_strconcat (MANAGER_PATH "/certificate/", name, NULL);
}

static gboolean
has_certificate (const gchar *name)
{
  g_autoptr(CwDBusManager1) manager = cw_test_manager ();
  g_autofree gchar *path = cert_path (name);
  g_auto(GStrv) paths = NULL;
  g_autoptr(GError) error = NULL;

  cw_dbus_manager1_call_get_certificates_sync (manager, &paths, NULL, &error);
  g_assert_no_error (error);
  return g_strv_contains ((const gchar * const *) paths, path);
}

/* "fingerprint revision roles" of a certificate, checked against its files:
 * the key in current/ must match the certificate there. */
static gchar *
describe (const gchar *name)
{
  g_autofree gchar *path = cert_path (name);
  g_autoptr(CwDBusCertificate1) cert = cw_test_certificate (path);
  g_autofree gchar *roles = g_strjoinv (",", (gchar **) cw_dbus_certificate1_get_roles (cert));
  g_autofree gchar *on_disk = cw_test_openssl_fingerprint (cw_dbus_certificate1_get_full_chain_path (cert));

  g_assert_true (cw_dbus_certificate1_get_key_matches (cert));
  g_assert_cmpstr (on_disk, ==, cw_dbus_certificate1_get_fingerprint (cert));
  return g_strdup_printf ("%s %u %s", cw_dbus_certificate1_get_fingerprint (cert),
                          cw_dbus_certificate1_get_revision (cert), roles);
}

static guint
trust_count (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwDBusTrustStore1) trust = cw_dbus_trust_store1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_NONE,
                                                                            BUS_NAME, MANAGER_PATH "/TrustStore",
                                                                            NULL, &error);

  g_assert_no_error (error);
  return cw_dbus_trust_store1_get_count (trust);
}

static gboolean
has_provider (const gchar *name)
{
  g_autoptr(CwDBusManager1) manager = cw_test_manager ();
  g_autofree gchar *path = g_strconcat (MANAGER_PATH "/provider/", name, NULL);
  g_auto(GStrv) paths = NULL;
  g_autoptr(GError) error = NULL;

  cw_dbus_manager1_call_get_providers_sync (manager, &paths, NULL, &error);
  g_assert_no_error (error);
  return g_strv_contains ((const gchar * const *) paths, path);
}

/* ---- the writes --------------------------------------------------------- */

static GVariant *
files (const gchar *first, ...)
{
  GVariantBuilder b;
  va_list ap;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aay"));
  va_start (ap, first);
  for (const gchar *name = first; name != NULL; name = va_arg (ap, const gchar *))
    g_variant_builder_add_value (&b, cw_test_fixture_ay (name));
  va_end (ap);
  return g_variant_builder_end (&b);
}

static const gchar *const sip_roles[] = { "server", "sip-tls", NULL };

static void
do_import (const gchar *name, gboolean replace, GError **error)
{
  g_autoptr(CwDBusManager1) manager = cw_test_manager ();
  g_autofree gchar *path = NULL;
  GVariant *options = replace
    ? cw_test_options ("name", g_variant_new_string (name), "replace", g_variant_new_boolean (TRUE),
                       "files", files ("rsa.pem", "rsa.key", "inter.pem", NULL),
                       "roles", g_variant_new_strv (sip_roles, -1), NULL)
    : cw_test_options ("name", g_variant_new_string (name), "files", files ("leaf.pem", "leaf.key", "inter.pem", NULL),
                       NULL);

  cw_dbus_manager1_call_import_sync (manager, options, &path, NULL, error);
}

static void
do_renew (const gchar *name, GError **error)
{
  g_autofree gchar *path = cert_path (name);
  g_autoptr(CwDBusCertificate1) cert = cw_test_certificate (path);

  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL,
                                        error);
}

static void
do_trust_add (GError **error)
{
  g_autoptr(CwDBusTrustStore1) trust = cw_dbus_trust_store1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_NONE,
                                                                            BUS_NAME, MANAGER_PATH "/TrustStore",
                                                                            NULL, error);
  g_auto(GStrv) fingerprints = NULL;

  cw_dbus_trust_store1_call_add_sync (trust, cw_test_fixture_ay ("fake-inter.pem"), &fingerprints, NULL, error);
}

static void
do_add_provider (const gchar *name, GError **error)
{
  g_autoptr(CwDBusManager1) manager = cw_test_manager ();
  g_autofree gchar *path = NULL;
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&b, "{ss}", "program", "/bin/true");
  cw_dbus_manager1_call_add_provider_sync (manager, name, "exec", g_variant_builder_end (&b), &path, NULL, error);
}

/* A property write that saves settings.ini: the roles, toggled between
 * "server" and "server,client". */
static GVariant *
toggled_roles (const gchar *name)
{
  g_autofree gchar *path = cert_path (name);
  g_autoptr(CwDBusCertificate1) cert = cw_test_certificate (path);
  const gchar *const server[] = { "server", NULL }, *const both[] = { "server", "client", NULL };

  return g_variant_new_strv (g_strv_length ((gchar **) cw_dbus_certificate1_get_roles (cert)) == 1 ? both : server, -1);
}

static void
do_set_roles (const gchar *name, GError **error)
{
  g_autofree gchar *path = cert_path (name);
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, path, "org.freedesktop.DBus.Properties", "Set",
                                       g_variant_new ("(ssv)", "org.certward.Certificate1", "Roles",
                                                      toggled_roles (name)),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
}

static void
do_create (const gchar *name)
{
  g_autoptr(CwDBusManager1) manager = cw_test_manager ();
  g_autofree gchar *path = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *ids[] = { "self.example.test", NULL };

  cw_dbus_manager1_call_create_self_signed_sync (manager, name,
                                                 cw_test_options ("identities", g_variant_new_strv (ids, -1), NULL),
                                                 &path, NULL, &error);
  g_assert_no_error (error);
}

/* A failed write must say why in words an administrator can act on. */
static void
assert_disk_error (const GError *error)
{
  g_autofree gchar *remote = g_dbus_error_get_remote_error (error);

  g_test_message ("refused: %s", error->message);
  g_assert_cmpstr (remote, ==, "org.certward.Error.Io");
  g_assert_nonnull (strstr (error->message, "No space left on device"));
}

/* ---- full disk ---------------------------------------------------------- */

typedef enum { OP_IMPORT, OP_REPLACE, OP_RENEW, OP_TRUST, OP_PROVIDER, OP_SETTINGS, N_OPS } Op;
static const gchar *const op_names[] = { "import", "replace", "renew", "trust-add", "provider-add", "settings" };

/* The state the operation @op changes, as text. */
static gchar *
observe (Op op, const gchar *name)
{
  switch (op) {
  case OP_IMPORT:
    return has_certificate (name) ? describe (name) : g_strdup ("absent");
  case OP_REPLACE:
  case OP_RENEW:
  case OP_SETTINGS:
    return describe (name);
  case OP_TRUST:
    return g_strdup_printf ("%u", trust_count ());
  case OP_PROVIDER:
  default:
    return g_strdup (has_provider (name) ? "present" : "absent");
  }
}

static void
run_op (Op op, const gchar *name, GError **error)
{
  switch (op) {
  case OP_IMPORT:
    do_import (name, FALSE, error);
    break;
  case OP_REPLACE:
    do_import (name, TRUE, error);
    break;
  case OP_RENEW:
    do_renew (name, error);
    break;
  case OP_TRUST:
    do_trust_add (error);
    break;
  case OP_SETTINGS:
    do_set_roles (name, error);
    break;
  case OP_PROVIDER:
  default:
    do_add_provider (name, error);
    break;
  }
}

static const gchar *
prepare (Op op)
{
  switch (op) {
  case OP_REPLACE:
    do_import ("r", FALSE, NULL);
    return "r";
  case OP_RENEW:
    do_create ("s");
    return "s";
  case OP_SETTINGS:
    do_import ("t", FALSE, NULL);
    return "t";
  case OP_IMPORT:
    return "n";
  case OP_TRUST:
    return NULL;
  case OP_PROVIDER:
  default:
    return "p";
  }
}

/* Each operation with 0, 1, 2, … pages free until it succeeds: every
 * failure is reported as a full disk and changes nothing (also after a
 * restart); the success is complete (also after a restart). */
static void
test_full_disk (gconstpointer data)
{
  Op op = GPOINTER_TO_UINT (data);
  Fixture f = { 0 };
  gboolean done = FALSE;
  guint failures = 0;

  if (!fixture_start (&f))
    return;
  {
    const gchar *name = prepare (op);

    /* page by page where the small files go, then faster (the trust
     * store's bundle takes some fifty pages) */
    for (guint pages = 0; pages <= MAX_FREE_PAGES && !done; pages += pages < 16 ? 1 : 8) {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *before = observe (op, name);
      g_autofree gchar *after = NULL, *restarted = NULL;

      fill_disk (&f, pages);
      run_op (op, name, &error);
      after = observe (op, name);
      free_disk (&f);
      if (error != NULL) {
        assert_disk_error (error);
        /* a property write is in effect when its save fails, and the
         * reply says that it is lost at the next start */
        if (op == OP_SETTINGS)
          g_assert_nonnull (strstr (error->message, "lost at the next start"));
        else
          g_assert_cmpstr (after, ==, before);
        failures++;
      } else {
        g_assert_cmpstr (after, !=, before);
        g_test_message ("%s succeeded with %u pages free", op_names[op], pages);
        done = TRUE;
      }
      /* what the reply said is what a restart finds */
      restart (&f);
      restarted = observe (op, name);
      g_assert_cmpstr (restarted, ==, error != NULL ? before : after);
    }
  }
  g_assert_true (done);
  /* the sweep started where nothing fits */
  g_assert_cmpuint (failures, >, 0);
  fixture_stop (&f);
}

/* ---- kill -9 ------------------------------------------------------------ */

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
}

/* The same call as run_op, sent without waiting for the answer. */
static void
send_op (Op op, const gchar *name)
{
  g_autofree gchar *path = cert_path (name != NULL ? name : "");
  GVariantBuilder b;

  switch (op) {
  case OP_IMPORT:
  case OP_REPLACE:
    g_dbus_connection_call (cw_test_bus (), BUS_NAME, MANAGER_PATH, "org.certward.Manager1", "Import",
                            g_variant_new ("(@a{sv})",
                                           op == OP_REPLACE
                                             ? cw_test_options ("name", g_variant_new_string (name),
                                                                "replace", g_variant_new_boolean (TRUE),
                                                                "files", files ("rsa.pem", "rsa.key", "inter.pem", NULL),
                                                                "roles", g_variant_new_strv (sip_roles, -1), NULL)
                                             : cw_test_options ("name", g_variant_new_string (name),
                                                                "files", files ("leaf.pem", "leaf.key", "inter.pem", NULL),
                                                                NULL)),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, call_done, NULL);
    break;
  case OP_RENEW:
    g_dbus_connection_call (cw_test_bus (), BUS_NAME, path, "org.certward.Certificate1", "Renew",
                            g_variant_new ("(@a{sv})", cw_test_options ("force", g_variant_new_boolean (TRUE), NULL)),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, call_done, NULL);
    break;
  case OP_TRUST:
    g_dbus_connection_call (cw_test_bus (), BUS_NAME, MANAGER_PATH "/TrustStore", "org.certward.TrustStore1", "Add",
                            g_variant_new ("(@ay)", cw_test_fixture_ay (op == OP_TRUST ? "fake-inter.pem" : "")),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, call_done, NULL);
    break;
  case OP_SETTINGS:
    g_dbus_connection_call (cw_test_bus (), BUS_NAME, path, "org.freedesktop.DBus.Properties", "Set",
                            g_variant_new ("(ssv)", "org.certward.Certificate1", "Roles", toggled_roles (name)),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, call_done, NULL);
    break;
  case OP_PROVIDER:
  default:
    g_variant_builder_init (&b, G_VARIANT_TYPE ("a{ss}"));
    g_variant_builder_add (&b, "{ss}", "program", "/bin/true");
    g_dbus_connection_call (cw_test_bus (), BUS_NAME, MANAGER_PATH, "org.certward.Manager1", "AddProvider",
                            g_variant_new ("(ss@a{ss})", name, "exec", g_variant_builder_end (&b)),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, call_done, NULL);
    break;
  }
}

/* kill -9 at moments spread over the operation: the restarted agent finds
 * the state before or after it, complete either way, and nothing a crash
 * left behind in sight of a service. */
static void
test_kill (gconstpointer data)
{
  Op op = GPOINTER_TO_UINT (data);
  Fixture f = { 0 };
  guint saw_before = 0, saw_after = 0;

  if (!fixture_start (&f))
    return;
  for (guint round = 0; round < KILL_ROUNDS; round++) {
    g_autofree gchar *name = NULL;
    g_autofree gchar *before = NULL, *now = NULL, *after = NULL;
    g_autoptr(GError) error = NULL;

    /* a fresh name for creations, the same object for changes */
    name = op == OP_IMPORT || op == OP_PROVIDER ? g_strdup_printf ("k%u", round)
                                                : g_strdup (round == 0 ? prepare (op) : op == OP_RENEW ? "s"
                                                                                     : op == OP_SETTINGS ? "t" : "r");
    if (op == OP_TRUST && round > 0) {
      /* take the CA out again so each round adds it */
      g_autoptr(CwDBusTrustStore1) trust = cw_dbus_trust_store1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_NONE,
                                                                                BUS_NAME, MANAGER_PATH "/TrustStore",
                                                                                NULL, NULL);

      cw_dbus_trust_store1_call_reset_sync (trust, NULL, NULL);
    }
    before = observe (op, name);
    send_op (op, name);
    /* 0–9 ms after the call left: early and late in its writes */
    g_usleep (round * 1000);
    cw_test_daemon_kill (f.daemon);
    cw_test_daemon_start (f.daemon);
    now = observe (op, name);
    /* run it to the end and compare with what it makes */
    run_op (op, name, &error);
    after = observe (op, name);
    if (g_strcmp0 (now, before) == 0)
      saw_before++;
    else
      saw_after++;
    /* "after" of a replace/renewal differs in revision; only its kind matters */
    if (op == OP_IMPORT || op == OP_PROVIDER || op == OP_TRUST)
      g_assert_true (g_strcmp0 (now, before) == 0 || g_strcmp0 (now, after) == 0 || error != NULL);
    {
      g_autofree gchar *certs = g_build_filename (f.daemon->state_dir, "certificates", NULL);
      g_autofree gchar *out = NULL;
      g_autofree gchar *command = g_strdup_printf ("find '%s' -name '.new-*' -o -name '.trash-*' -o -name '.pending-*'",
                                                   certs);

      /* leftovers are swept at start */
      g_assert_cmpint (cw_test_run (command, &out), ==, 0);
      g_assert_cmpstr (out, ==, "");
    }
  }
  g_test_message ("%s: %u rounds found the state before, %u after", op_names[op], saw_before, saw_after);
  fixture_stop (&f);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  cw_test_fixtures ();
  cw_test_bus_up ();
  for (Op op = 0; op < N_OPS; op++) {
    g_autofree gchar *full = g_strdup_printf ("/faults/full-disk/%s", op_names[op]);
    g_autofree gchar *kill = g_strdup_printf ("/faults/kill/%s", op_names[op]);

    g_test_add_data_func (full, GUINT_TO_POINTER (op), test_full_disk);
    g_test_add_data_func (kill, GUINT_TO_POINTER (op), test_kill);
  }
  {
    int status = g_test_run ();

    cw_test_bus_down ();
    return status;
  }
}
