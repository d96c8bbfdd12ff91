/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real certwardd on a private bus: Import, properties, Export and
 * re-import, Install, Remove, the CertificateChanged signal as a PBX service
 * sees it, errors by their D-Bus names, and persistence across a restart. */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <string.h>
#include <sys/stat.h>

#define BUS_NAME "org.certward.Certward1"
#define MANAGER_PATH "/org/certward/Certward1"

typedef struct {
  gchar    *path;
  gchar    *event;
  GVariant *details;
  gboolean  files_ok;   /* fullchain and key present and matching the fingerprint at arrival */
} Event;

typedef struct {
  CwTestDaemon       *daemon;
  CwDBusManager1     *manager;
  GPtrArray          *events;
  guint               subscription;
} Fixture;

static void
event_free (Event *e)
{
  g_free (e->path);
  g_free (e->event);
  g_variant_unref (e->details);
  g_free (e);
}

/* What a PBX service does: one match rule, then look at the files. */
static void
on_certificate_changed (GDBusConnection *c, const gchar *sender, const gchar *path, const gchar *iface,
                        const gchar *member, GVariant *params, gpointer user_data)
{
  Fixture *f = user_data;
  Event *e = g_new0 (Event, 1);
  const gchar *fullchain = NULL, *key = NULL, *fingerprint = NULL;

  g_variant_get (params, "(os@a{sv})", &e->path, &e->event, &e->details);
  g_variant_lookup (e->details, "fullchain-path", "&s", &fullchain);
  g_variant_lookup (e->details, "key-path", "&s", &key);
  g_variant_lookup (e->details, "fingerprint", "&s", &fingerprint);
  if (fullchain != NULL && key != NULL && fingerprint != NULL && g_file_test (key, G_FILE_TEST_IS_REGULAR)) {
    g_autofree gchar *on_disk = cw_test_openssl_fingerprint (fullchain);

    e->files_ok = g_strcmp0 (on_disk, fingerprint) == 0;
  }
  g_ptr_array_add (f->events, e);
}

static void
start (Fixture *f)
{
  cw_test_daemon_start (f->daemon);
  f->manager = cw_test_manager ();
}

static void
stop (Fixture *f)
{
  g_clear_object (&f->manager);
  cw_test_daemon_stop (f->daemon);
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->daemon = cw_test_daemon_new (NULL);
  f->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  f->subscription = g_dbus_connection_signal_subscribe (cw_test_bus (), NULL, "org.certward.Manager1",
                                                        "CertificateChanged", MANAGER_PATH, NULL,
                                                        G_DBUS_SIGNAL_FLAGS_NONE, on_certificate_changed, f, NULL);
  start (f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_dbus_connection_signal_unsubscribe (cw_test_bus (), f->subscription);
  g_clear_object (&f->manager);
  cw_test_daemon_free (f->daemon);
  g_ptr_array_unref (f->events);
}

static gchar *
import (Fixture *f, GVariant *opts, GError **error)
{
  gchar *path = NULL;

  cw_dbus_manager1_call_import_sync (f->manager, opts, &path, NULL, error);
  return path;
}

typedef struct {
  Fixture *f;
  guint    n;
} EventCount;

static gboolean
have_events (gpointer data)
{
  EventCount *c = data;

  return c->f->events->len >= c->n;
}

static void
wait_events (Fixture *f, guint n)
{
  EventCount c = { f, n };

  if (!cw_test_wait_until (have_events, &c, 20))
    g_error ("waited for %u CertificateChanged signals, got %u", n, f->events->len);
}

static gchar **
get_certificates (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gchar **paths = NULL;

  cw_dbus_manager1_call_get_certificates_sync (f->manager, &paths, NULL, &error);
  g_assert_no_error (error);
  return paths;
}

/* ---- tests -------------------------------------------------------------- */

static void
test_import_properties (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("leaf.pem"), "key", cw_test_fixture_ay ("key-sec1.pem"),
                                               "chain", cw_test_fixture_ay ("chain.ca-bundle"), "name", g_variant_new_string ("pbx"),
                                               "roles", g_variant_new_strv ((const gchar *[]) { "server", "sip-tls" }, 2),
                                               "tenant", g_variant_new_string ("acme-corp"), NULL), &error);
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GBytes) der = cw_test_fixture ("leaf.der");
  g_autofree gchar *fingerprint = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, der);
  g_auto(GStrv) paths = NULL;
  struct stat st;

  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, MANAGER_PATH "/certificate/pbx");
  g_assert_cmpstr (cw_dbus_manager1_get_version (f->manager), !=, "");

  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_name (cert), ==, "pbx");
  g_assert_cmpstrv (cw_dbus_certificate1_get_identities (cert),
                    ((const gchar *[]) { "www.example.test", "example.test", "192.0.2.10", NULL }));
  g_assert_cmpstr (cw_dbus_certificate1_get_subject (cert), ==, "CN=www.example.test");
  g_assert_cmpstr (cw_dbus_certificate1_get_issuer (cert), ==, "CN=Certward Test Intermediate");
  g_assert_cmpstr (cw_dbus_certificate1_get_serial (cert), !=, "");
  g_assert_cmpuint (cw_dbus_certificate1_get_not_after (cert) - cw_dbus_certificate1_get_not_before (cert), ==, 365 * 86400);
  g_assert_cmpstr (cw_dbus_certificate1_get_fingerprint (cert), ==, fingerprint);
  g_assert_cmpstr (cw_dbus_certificate1_get_key_type (cert), ==, "ec-p256");
  g_assert_true (cw_dbus_certificate1_get_key_matches (cert));
  g_assert_cmpstr (cw_dbus_certificate1_get_source (cert), ==, "imported");
  g_assert_cmpstrv (cw_dbus_certificate1_get_roles (cert), ((const gchar *[]) { "server", "sip-tls", NULL }));
  g_assert_cmpstr (cw_dbus_certificate1_get_tenant (cert), ==, "acme-corp");
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "valid");
  g_assert_cmpstr (cw_dbus_certificate1_get_last_error (cert), ==, "");
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 1);
  g_assert_cmpuint (g_strv_length ((gchar **) cw_dbus_certificate1_get_warnings (cert)), ==, 0);
  g_assert_true (g_str_has_prefix (cw_dbus_certificate1_get_full_chain_path (cert), f->daemon->state_dir));
  g_assert_true (g_str_has_suffix (cw_dbus_certificate1_get_full_chain_path (cert), "/current/fullchain.pem"));
  g_assert_true (g_str_has_suffix (cw_dbus_certificate1_get_certificate_path (cert), "/current/cert.pem"));
  g_assert_true (g_str_has_suffix (cw_dbus_certificate1_get_chain_path (cert), "/current/chain.pem"));
  g_assert_cmpint (stat (cw_dbus_certificate1_get_key_path (cert), &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);

  /* beside the host's own first-start certificate */
  paths = get_certificates (f);
  g_assert_cmpstrv (paths, ((const gchar *[]) { path, MANAGER_PATH "/certificate/system", NULL }));
}

static void
test_warnings (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = import (f, cw_test_options ("files", g_variant_new_array (G_VARIANT_TYPE_BYTESTRING,
                                                                            (GVariant *[]) { cw_test_fixture_ay ("leaf.pem"), cw_test_fixture_ay ("leaf.key") }, 2),
                                               NULL), &error);
  g_autoptr(CwDBusCertificate1) cert = NULL;
  const gchar *const *warnings;

  g_assert_no_error (error);
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_name (cert), ==, "www.example.test");
  warnings = cw_dbus_certificate1_get_warnings (cert);
  g_assert_cmpuint (g_strv_length ((gchar **) warnings), ==, 1);
  g_assert_nonnull (strstr (warnings[0], "Certward Test Intermediate"));
}

static void
set_roles (const gchar *path, const gchar *const *roles)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (
    cw_test_bus (), BUS_NAME, path, "org.freedesktop.DBus.Properties", "Set",
    g_variant_new ("(ssv)", "org.certward.Certificate1", "Roles", g_variant_new_strv (roles, -1)), NULL,
    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
}

/* A certificate for the client role without clientAuth in its extended key
 * usage (Let's Encrypt's since 2026) says what will fail; the warning
 * follows the roles. */
static void
test_client_eku (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("leaf.pem"), "key", cw_test_fixture_ay ("key-sec1.pem"),
                                               "chain", cw_test_fixture_ay ("chain.ca-bundle"), "name", g_variant_new_string ("trunk"),
                                               "roles", g_variant_new_strv ((const gchar *[]) { "server" }, 1), NULL), &error);
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *local = NULL;
  const gchar *const *warnings;

  g_assert_no_error (error);
  cert = cw_test_certificate (path);
  g_assert_cmpuint (g_strv_length ((gchar **) cw_dbus_certificate1_get_warnings (cert)), ==, 0);

  /* leaf.pem says serverAuth only */
  set_roles (path, (const gchar *[]) { "sip-tls", "client", NULL });
  cw_test_certificate_reload (&cert);
  warnings = cw_dbus_certificate1_get_warnings (cert);
  g_assert_cmpuint (g_strv_length ((gchar **) warnings), ==, 1);
  g_assert_nonnull (strstr (warnings[0], "clientAuth"));
  g_assert_nonnull (strstr (warnings[0], "SIP trunks"));
  g_assert_nonnull (strstr (warnings[0], "certwardctl ca create"));

  set_roles (path, (const gchar *[]) { "server", NULL });
  cw_test_certificate_reload (&cert);
  g_assert_cmpuint (g_strv_length ((gchar **) cw_dbus_certificate1_get_warnings (cert)), ==, 0);

  /* the agent's own certificates for the client role carry clientAuth */
  cw_dbus_manager1_call_create_self_signed_sync (f->manager, "phone-client",
                                                 cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "pbx.example.test" }, 1),
                                                                  "roles", g_variant_new_strv ((const gchar *[]) { "client" }, 1), NULL),
                                                 &local, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&cert);
  cert = cw_test_certificate (local);
  g_assert_cmpuint (g_strv_length ((gchar **) cw_dbus_certificate1_get_warnings (cert)), ==, 0);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  static const struct {
    const gchar *error;
    const gchar *message;
    const gchar *files[4];   /* NULL-terminated: one more than the longest list */
    const gchar *password;
  } cases[] = {
    { "org.certward.Error.InvalidData", "not a certificate", { "garbage.txt" }, NULL },
    { "org.certward.Error.NoKey", "no private key found", { "leaf.pem" }, NULL },
    { "org.certward.Error.NoCertificate", "no certificate found", { "leaf.key" }, NULL },
    { "org.certward.Error.KeyMismatch", "the private key does not match the certificate", { "leaf.pem", "other.key" }, NULL },
    { "org.certward.Error.WrongPassword", "wrong PKCS#12 password", { "full.p12" }, "nope" },
    { "org.certward.Error.PasswordRequired", "password", { "full.p12" }, NULL },
    { "org.certward.Error.WeakKey", "RSA keys shorter than 2048 bits are refused", { "rsa1024.pem", "rsa1024.key" }, NULL },
    { "org.certward.Error.WeakSignature", "SHA-1", { "sha1.pem", "rsa.key" }, NULL },
    { "org.certward.Error.Expired", "expired", { "expired.pem", "leaf.key" }, NULL },
    { "org.certward.Error.BadChain", "does not verify", { "leaf.pem", "leaf.key", "fake-inter.pem" }, NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_auto(GStrv) paths = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GVariantBuilder files;

    g_variant_builder_init (&files, G_VARIANT_TYPE ("aay"));
    for (guint j = 0; cases[i].files[j] != NULL; j++)
      g_variant_builder_add_value (&files, cw_test_fixture_ay (cases[i].files[j]));
    path = import (f, cases[i].password != NULL
                        ? cw_test_options ("files", g_variant_builder_end (&files), "password", g_variant_new_string (cases[i].password), NULL)
                        : cw_test_options ("files", g_variant_builder_end (&files), NULL),
                   &error);
    g_assert_null (path);
    cw_test_assert_remote_error (error, cases[i].error, cases[i].message);
    g_clear_error (&error);
  }

  /* bad arguments */
  path = import (f, cw_test_options ("bogus", g_variant_new_boolean (TRUE), NULL), &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "unknown option “bogus”");
  g_clear_error (&error);
  path = import (f, cw_test_options ("name", g_variant_new_uint32 (7), NULL), &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "must be of type s");
  g_clear_error (&error);
  path = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("nopass.p12"), "roles",
                             g_variant_new_strv ((const gchar *[]) { "admin" }, 1), NULL), &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "unknown role");
  g_clear_error (&error);
  path = import (f, cw_test_options (NULL), &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "nothing to import");
  g_clear_error (&error);

  /* an existing name needs replace */
  path = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("nopass.p12"), NULL), &error);
  g_assert_no_error (error);
  g_clear_pointer (&path, g_free);
  path = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("nopass.p12"), NULL), &error);
  cw_test_assert_remote_error (error, "org.certward.Error.Exists", "replace");
  g_clear_error (&error);

  /* none of the failures left anything behind or announced anything */
  paths = get_certificates (f);
  g_assert_cmpuint (g_strv_length (paths), ==, 2);   /* nopass.p12 and "system" */
  wait_events (f, 1);
  g_assert_cmpuint (f->events->len, ==, 1);
}

static GBytes *
export (CwDBusCertificate1 *cert, GVariant *opts, GError **error)
{
  g_autoptr(GVariant) data = NULL;

  if (!cw_dbus_certificate1_call_export_sync (cert, opts, &data, NULL, error))
    return NULL;
  return g_variant_get_data_as_bytes (data);
}

static void
test_export_reimport (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("full.p12"), "password",
                                               g_variant_new_string ("secret-pass"), NULL), &error);
  g_autoptr(CwDBusCertificate1) cert = NULL, copy = NULL;
  g_autoptr(GBytes) pem = NULL, p12 = NULL, der = NULL, leaf_der = cw_test_fixture ("leaf.der");
  g_autofree gchar *copy_path = NULL;

  g_assert_no_error (error);
  cert = cw_test_certificate (path);

  pem = export (cert, cw_test_options (NULL), &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem), "BEGIN CERTIFICATE"));
  g_assert_null (g_strstr_len (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem), "PRIVATE KEY"));

  der = export (cert, cw_test_options ("format", g_variant_new_string ("der"), NULL), &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (der, leaf_der));

  p12 = export (cert, cw_test_options ("format", g_variant_new_string ("pkcs12"), "include-key", g_variant_new_boolean (TRUE), NULL), &error);
  g_assert_null (p12);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "needs a password");
  g_clear_error (&error);
  p12 = export (cert, cw_test_options ("format", g_variant_new_string ("pkcs12"), "include-key", g_variant_new_boolean (TRUE),
                               "password", g_variant_new_string ("round-trip"), NULL), &error);
  g_assert_no_error (error);

  copy_path = import (f, cw_test_options ("certificate", g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, p12, TRUE),
                                  "password", g_variant_new_string ("round-trip"), "name", g_variant_new_string ("copy"), NULL),
                      &error);
  g_assert_no_error (error);
  copy = cw_test_certificate (copy_path);
  g_assert_cmpstr (cw_dbus_certificate1_get_fingerprint (copy), ==, cw_dbus_certificate1_get_fingerprint (cert));
  g_assert_true (cw_dbus_certificate1_get_key_matches (copy));

  g_clear_pointer (&der, g_bytes_unref);
  der = export (cert, cw_test_options ("format", g_variant_new_string ("jpeg"), NULL), &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "unknown export format");
}

static void
test_install (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("nopass.p12"), NULL), &error);
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *before = NULL;

  g_assert_no_error (error);
  cert = cw_test_certificate (path);
  before = g_strdup (cw_dbus_certificate1_get_fingerprint (cert));

  cw_dbus_certificate1_call_install_sync (cert, cw_test_fixture_ay ("rsa.pem"), NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.KeyMismatch", "does not match");
  g_clear_error (&error);

  cw_dbus_certificate1_call_install_sync (cert, cw_test_fixture_ay ("renewed.pem"), NULL, &error);
  g_assert_no_error (error);
  wait_events (f, 2);
  g_assert_cmpstr (((Event *) g_ptr_array_index (f->events, 1))->event, ==, "renewed");
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 2);
  g_assert_cmpstr (cw_dbus_certificate1_get_fingerprint (cert), !=, before);
}

static void
test_remove (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("nopass.p12"), NULL), &error);
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *dir = NULL;
  g_auto(GStrv) paths = NULL;
  g_autoptr(GVariant) managed = NULL;

  g_assert_no_error (error);
  cert = cw_test_certificate (path);
  dir = g_path_get_dirname (cw_dbus_certificate1_get_certificate_path (cert));
  cw_dbus_certificate1_call_remove_sync (cert, cw_test_options (NULL), NULL, &error);
  g_assert_no_error (error);
  wait_events (f, 2);
  g_assert_cmpstr (((Event *) g_ptr_array_index (f->events, 1))->event, ==, "removed");
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  paths = get_certificates (f);
  g_assert_false (g_strv_contains ((const gchar * const *) paths, path));
  managed = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
                                         "GetManagedObjects", NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) objects = g_variant_get_child_value (managed, 0);
    g_autoptr(GVariant) gone = g_variant_lookup_value (objects, path, NULL);

    g_assert_null (gone);
  }

  /* GDBus itself answers: the path has no introspection data any more */
  cw_dbus_certificate1_call_remove_sync (cert, cw_test_options (NULL), NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
}

/* Exactly one signal per change, in order, each after its files are in
 * place, each with the details a service needs. */
static void
test_signals (Fixture *f, gconstpointer data)
{
  static const gchar *const expected[] = { "added", "replaced", "renewed", "removed" };
  static const gchar *const keys[] = { "name", "identities", "fullchain-path", "key-path", "certificate-path",
                                       "chain-path", "fingerprint", "not-after", "revision", "state" };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("nopass.p12"), "name", g_variant_new_string ("sig"), NULL), &error);
  g_autofree gchar *again = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;

  /* a subscriber looks at the files when each signal arrives */
  g_assert_no_error (error);
  wait_events (f, 1);
  again = import (f, cw_test_options ("files", g_variant_new_array (G_VARIANT_TYPE_BYTESTRING,
                                                           (GVariant *[]) { cw_test_fixture_ay ("self.pem"), cw_test_fixture_ay ("leaf.key") }, 2),
                              "name", g_variant_new_string ("sig"), "replace", g_variant_new_boolean (TRUE), NULL), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, path);
  wait_events (f, 2);
  cert = cw_test_certificate (path);
  cw_dbus_certificate1_call_install_sync (cert, cw_test_fixture_ay ("renewed.pem"), NULL, &error);
  g_assert_no_error (error);
  wait_events (f, 3);
  cw_dbus_certificate1_call_remove_sync (cert, cw_test_options (NULL), NULL, &error);
  g_assert_no_error (error);

  wait_events (f, 4);
  /* nothing more is coming */
  {
    gboolean never = FALSE;
    cw_test_wait_timeout (&never, 1);
  }
  g_assert_cmpuint (f->events->len, ==, 4);
  for (guint i = 0; i < 4; i++) {
    Event *e = g_ptr_array_index (f->events, i);
    const gchar *previous = NULL;
    guint32 revision = 0;

    g_assert_cmpstr (e->path, ==, path);
    g_assert_cmpstr (e->event, ==, expected[i]);
    for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
      if (!g_variant_lookup (e->details, keys[k], "*", NULL))
        g_error ("%s: details lack %s", e->event, keys[k]);
    g_variant_lookup (e->details, "revision", "u", &revision);
    g_assert_cmpuint (revision, ==, MIN (i + 1, 3));
    if (i < 3)
      g_assert_true (e->files_ok);
    if (i == 1 || i == 2) {
      Event *before = g_ptr_array_index (f->events, i - 1);
      const gchar *old_fp = NULL;

      g_assert_true (g_variant_lookup (e->details, "previous-fingerprint", "&s", &previous));
      g_variant_lookup (before->details, "fingerprint", "&s", &old_fp);
      g_assert_cmpstr (previous, ==, old_fp);
    }
  }
}

/* The certificates are one D-Bus subtree, not a skeleton each: check that
 * clients cannot tell. An object manager client sees objects come and go,
 * PropertiesChanged names exactly the properties that changed, Introspect
 * lists the certificates, and Get/GetAll agree with GetManagedObjects. */
typedef struct {
  GPtrArray *changes;   /* GVariant a{sv} of each PropertiesChanged */
  guint      added, removed;
} TreeSeen;

static void
on_properties_changed (GDBusConnection *c, const gchar *sender, const gchar *path, const gchar *iface,
                       const gchar *member, GVariant *params, gpointer user_data)
{
  TreeSeen *seen = user_data;
  const gchar *name;

  g_variant_get_child (params, 0, "&s", &name);
  g_assert_cmpstr (name, ==, "org.certward.Certificate1");
  g_ptr_array_add (seen->changes, g_variant_get_child_value (params, 1));
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, TreeSeen *seen)
{
  if (g_str_has_prefix (g_dbus_object_get_object_path (object), MANAGER_PATH "/certificate/"))
    seen->added++;
}

static void
on_object_removed (GDBusObjectManager *manager, GDBusObject *object, TreeSeen *seen)
{
  if (g_str_has_prefix (g_dbus_object_get_object_path (object), MANAGER_PATH "/certificate/"))
    seen->removed++;
}

static gboolean
have_changes (gpointer data)
{
  return ((TreeSeen *) data)->changes->len > 0;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

static GStrv
sorted_keys (GVariant *dict)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GVariantIter iter;
  const gchar *key;
  GStrv keys;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
    g_strv_builder_add (b, key);
  keys = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  qsort (keys, g_strv_length (keys), sizeof (gchar *), compare_strings);
  return keys;
}

static void
test_object_tree (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TreeSeen seen = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref), 0, 0 };
  g_autoptr(GDBusObjectManager) client = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GVariant) reply = NULL, all = NULL, managed = NULL, listed = NULL;
  g_auto(GStrv) keys = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;
  const gchar *xml;
  gboolean listed_node = FALSE;
  guint subscription;

  client = cw_dbus_object_manager_client_new_sync (cw_test_bus (), G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, BUS_NAME,
                                                   MANAGER_PATH, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (client, "object-added", G_CALLBACK (on_object_added), &seen);
  g_signal_connect (client, "object-removed", G_CALLBACK (on_object_removed), &seen);

  path = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("nopass.p12"), "name", g_variant_new_string ("tree"), NULL), &error);
  g_assert_no_error (error);
  wait_events (f, 1);
  cw_test_settle ();
  g_assert_cmpuint (seen.added, ==, 1);
  {
    g_autoptr(GDBusInterface) iface = g_dbus_object_manager_get_interface (client, path, "org.certward.Certificate1");

    g_assert_nonnull (iface);
    g_assert_cmpstr (cw_dbus_certificate1_get_name (CW_DBUS_CERTIFICATE1 (iface)), ==, "tree");
  }

  /* one writable property set: PropertiesChanged names it and nothing else */
  subscription = g_dbus_connection_signal_subscribe (cw_test_bus (), BUS_NAME, "org.freedesktop.DBus.Properties",
                                                     "PropertiesChanged", path, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     on_properties_changed, &seen, NULL);
  reply = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, path, "org.freedesktop.DBus.Properties", "Set",
                                       g_variant_new ("(ssv)", "org.certward.Certificate1", "Tenant",
                                                      g_variant_new_string ("t9")),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cw_test_wait_until (have_changes, &seen, 10));
  cw_test_settle ();
  g_assert_cmpuint (seen.changes->len, ==, 1);
  keys = sorted_keys (g_ptr_array_index (seen.changes, 0));
  g_assert_cmpstrv (keys, ((const gchar *[]) { "Tenant", NULL }));
  g_assert_true (g_variant_lookup (g_ptr_array_index (seen.changes, 0), "Tenant", "&s", &xml));
  g_assert_cmpstr (xml, ==, "t9");
  g_clear_pointer (&keys, g_strfreev);
  g_ptr_array_set_size (seen.changes, 0);

  /* a new revision: the certificate's properties change, its name does not */
  cert = cw_test_certificate (path);
  cw_dbus_certificate1_call_install_sync (cert, cw_test_fixture_ay ("renewed.pem"), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cw_test_wait_until (have_changes, &seen, 10));
  cw_test_settle ();
  for (guint i = 0; i < seen.changes->len; i++) {
    GVariant *changed = g_ptr_array_index (seen.changes, i);

    g_assert_false (g_variant_lookup (changed, "Name", "*", NULL));
    g_assert_false (g_variant_lookup (changed, "Tenant", "*", NULL));
  }
  {
    gboolean revision = FALSE, fingerprint = FALSE;

    for (guint i = 0; i < seen.changes->len; i++) {
      revision |= g_variant_lookup (g_ptr_array_index (seen.changes, i), "Revision", "*", NULL);
      fingerprint |= g_variant_lookup (g_ptr_array_index (seen.changes, i), "Fingerprint", "*", NULL);
    }
    g_assert_true (revision);
    g_assert_true (fingerprint);
  }
  g_dbus_connection_signal_unsubscribe (cw_test_bus (), subscription);

  /* GetAll agrees with GetManagedObjects, property by property */
  all = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll",
                                     g_variant_new ("(s)", "org.certward.Certificate1"), G_VARIANT_TYPE ("(a{sv})"),
                                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  managed = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
                                         "GetManagedObjects", NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) objects = g_variant_get_child_value (managed, 0);
    g_autoptr(GVariant) ifaces = g_variant_lookup_value (objects, path, G_VARIANT_TYPE ("a{sa{sv}}"));
    g_autoptr(GVariant) props = NULL;
    g_autoptr(GVariant) from_all = g_variant_get_child_value (all, 0);
    g_autoptr(GVariant) revision = NULL;

    g_assert_nonnull (ifaces);
    props = g_variant_lookup_value (ifaces, "org.certward.Certificate1", G_VARIANT_TYPE_VARDICT);
    g_assert_nonnull (props);
    g_assert_cmpuint (g_variant_n_children (props), ==,
                      g_strv_length ((gchar **) cw_dbus_certificate1_interface_info ()->properties));
    /* both in the order of the introspection data (one code path computes
     * both; what follows checks the values against the outside world) */
    g_assert_true (g_variant_equal (props, from_all));
    revision = g_variant_lookup_value (props, "Revision", G_VARIANT_TYPE_UINT32);
    g_assert_cmpuint (g_variant_get_uint32 (revision), ==, 2);
    g_assert_true (g_variant_lookup (from_all, "Tenant", "&s", &xml));
    g_assert_cmpstr (xml, ==, "t9");
    g_assert_true (g_variant_lookup (from_all, "Name", "&s", &xml));
    g_assert_cmpstr (xml, ==, "tree");
    /* the fingerprint is that of the file the path names, by OpenSSL */
    {
      const gchar *fullchain = NULL, *fingerprint = NULL;
      g_autofree gchar *on_disk = NULL;

      g_assert_true (g_variant_lookup (from_all, "FullChainPath", "&s", &fullchain));
      g_assert_true (g_variant_lookup (from_all, "Fingerprint", "&s", &fingerprint));
      on_disk = cw_test_openssl_fingerprint (fullchain);
      g_assert_cmpstr (on_disk, ==, fingerprint);
    }
    /* also reachable through the object manager: the TrustStore skeleton */
    g_assert_true (g_variant_lookup (objects, MANAGER_PATH "/TrustStore", "*", NULL));
  }

  /* Introspect: the subtree lists the certificate; the node has the interface */
  listed = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, MANAGER_PATH "/certificate",
                                        "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
                                        G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (listed, "(&s)", &xml);
  node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  for (guint i = 0; node->nodes != NULL && node->nodes[i] != NULL; i++)
    listed_node |= g_str_equal (path + strlen (MANAGER_PATH "/certificate/"), node->nodes[i]->path);
  g_assert_true (listed_node);
  g_clear_pointer (&node, g_dbus_node_info_unref);
  g_clear_pointer (&listed, g_variant_unref);
  listed = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, path, "org.freedesktop.DBus.Introspectable",
                                        "Introspect", NULL, G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                        &error);
  g_assert_no_error (error);
  g_variant_get (listed, "(&s)", &xml);
  node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_dbus_node_info_lookup_interface (node, "org.certward.Certificate1"));

  /* a path that is not a certificate */
  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, MANAGER_PATH "/certificate/nosuch",
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "org.certward.Certificate1", "Name"), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
  g_clear_error (&error);

  cw_dbus_certificate1_call_remove_sync (cert, cw_test_options (NULL), NULL, &error);
  g_assert_no_error (error);
  wait_events (f, 3);
  g_assert_cmpstr (((Event *) g_ptr_array_index (f->events, 2))->event, ==, "removed");
  cw_test_settle ();
  g_assert_cmpuint (seen.removed, ==, 1);
  g_assert_null (g_dbus_object_manager_get_object (client, path));
  g_ptr_array_unref (seen.changes);
}

static void
test_restart (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *a = import (f, cw_test_options ("certificate", cw_test_fixture_ay ("nopass.p12"), "name", g_variant_new_string ("a"),
                                            "roles", g_variant_new_strv ((const gchar *[]) { "stir-shaken" }, 1),
                                            "tenant", g_variant_new_string ("t1"), NULL), &error);
  g_autofree gchar *b = import (f, cw_test_options ("files", g_variant_new_array (G_VARIANT_TYPE_BYTESTRING,
                                                                         (GVariant *[]) { cw_test_fixture_ay ("rsa.pem"), cw_test_fixture_ay ("rsa-pkcs1.pem") }, 2),
                                            "name", g_variant_new_string ("b"), NULL), &error);
  g_autoptr(GVariant) before = NULL, after = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;

  g_assert_no_error (error);
  cert = cw_test_certificate (b);
  cw_dbus_certificate1_call_install_sync (cert, cw_test_fixture_ay ("rsa.pem"), NULL, &error);  /* revision 2 */
  g_assert_no_error (error);
  g_clear_object (&cert);

  before = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
                                        "GetManagedObjects", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  stop (f);
  start (f);
  after = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
                                       "GetManagedObjects", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  /* the same objects at the same paths with the same properties (a
   * dictionary: compared by key, its order is the daemon's hash order) */
  {
    g_autoptr(GVariant) a = g_variant_get_child_value (before, 0);
    g_autoptr(GVariant) b = g_variant_get_child_value (after, 0);
    GVariantIter iter;
    const gchar *path;
    GVariant *ifaces;

    g_assert_cmpuint (g_variant_n_children (a), ==, g_variant_n_children (b));
    g_variant_iter_init (&iter, a);
    while (g_variant_iter_loop (&iter, "{&o@a{sa{sv}}}", &path, &ifaces)) {
      g_autoptr(GVariant) other = g_variant_lookup_value (b, path, NULL);

      if (other == NULL || !g_variant_equal (ifaces, other))
        g_error ("%s differs after the restart", path);
    }
  }
  cert = cw_test_certificate (a);
  g_assert_cmpstrv (cw_dbus_certificate1_get_roles (cert), ((const gchar *[]) { "stir-shaken", NULL }));
  g_assert_cmpstr (cw_dbus_certificate1_get_tenant (cert), ==, "t1");
  g_clear_object (&cert);
  cert = cw_test_certificate (b);
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 2);
  g_assert_cmpstr (cw_dbus_certificate1_get_key_type (cert), ==, "rsa-2048");
}

int
main (int argc, char **argv)
{
  int status;

  cw_test_init (&argc, &argv);
  cw_test_fixtures ();
  cw_test_bus_up ();
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/dbus/import-properties", test_import_properties);
  ADD ("/dbus/warnings", test_warnings);
  ADD ("/dbus/client-eku", test_client_eku);
  ADD ("/dbus/errors", test_errors);
  ADD ("/dbus/export-reimport", test_export_reimport);
  ADD ("/dbus/install", test_install);
  ADD ("/dbus/remove", test_remove);
  ADD ("/dbus/signals", test_signals);
  ADD ("/dbus/object-tree", test_object_tree);
  ADD ("/dbus/restart", test_restart);
  status = g_test_run ();
  cw_test_bus_down ();
  return status;
}
