/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Local issuance, the trust store, SNI selection, expiry and removal guards,
 * through the real certwardd on a private bus. Chains are verified with
 * OpenSSL and certtool from the files the agent publishes. */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUS_NAME "org.certward.Certward1"
#define MANAGER_PATH "/org/certward/Certward1"
#define DAY (24 * 3600)

typedef struct {
  CwTestDaemon   *daemon;
  CwDBusManager1 *manager;
  GPtrArray      *events;   /* "event name" strings */
  guint           subscription;
} Fixture;

static void
on_changed (GDBusConnection *c, const gchar *sender, const gchar *path, const gchar *iface, const gchar *member,
            GVariant *params, gpointer user_data)
{
  Fixture *f = user_data;
  const gchar *event = NULL, *name = NULL;
  g_autoptr(GVariant) details = NULL;

  g_variant_get (params, "(&o&s@a{sv})", NULL, &event, &details);
  g_variant_lookup (details, "name", "&s", &name);
  g_ptr_array_add (f->events, g_strdup_printf ("%s %s", event, name));
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

static gchar *
config (void)
{
  /* a fixed system bundle, so the trust store's contents are known */
  g_autofree gchar *bundle = g_build_filename (cw_test_fixtures (), "chain.ca-bundle", NULL);

  return g_strdup_printf ("[trust]\nsystem-bundle=%s\n", bundle);
}

static void
setup_with (Fixture *f, gint64 clock)
{
  g_autofree gchar *conf = config ();

  f->daemon = clock >= 0 ? cw_test_daemon_new_with_clock (conf, clock) : cw_test_daemon_new (conf);
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->subscription = g_dbus_connection_signal_subscribe (cw_test_bus (), NULL, "org.certward.Manager1",
                                                        "CertificateChanged", MANAGER_PATH, NULL,
                                                        G_DBUS_SIGNAL_FLAGS_NONE, on_changed, f, NULL);
  start (f);
}

static void
setup (Fixture *f, gconstpointer data)
{
  setup_with (f, -1);
}

static void
setup_clock (Fixture *f, gconstpointer data)
{
  setup_with (f, g_get_real_time () / G_USEC_PER_SEC);
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
create (Fixture *f, const gchar *name, GVariant *options, GError **error)
{
  gchar *path = NULL;

  cw_dbus_manager1_call_create_self_signed_sync (f->manager, name, options, &path, NULL, error);
  return path;
}

static gchar *
run (const gchar *command)
{
  gchar *out = NULL;

  if (cw_test_run (command, &out) != 0)
    g_error ("“%s” failed:\n%s", command, out);
  return out;
}

static guint
count_events (Fixture *f, const gchar *text)
{
  guint n = 0;

  for (guint i = 0; i < f->events->len; i++)
    n += g_str_equal (g_ptr_array_index (f->events, i), text);
  return n;
}

typedef struct {
  Fixture     *f;
  const gchar *text;
  guint        n;
} Wanted;

static gboolean
event_arrived (gpointer data)
{
  Wanted *w = data;

  return count_events (w->f, w->text) >= w->n;
}

/* Waits for the @n-th @text event; the certificate's PropertiesChanged
 * came before it, so proxies are up to date afterwards. */
static void
wait_events (Fixture *f, const gchar *text, guint n)
{
  Wanted w = { f, text, n };

  if (!cw_test_wait_until (event_arrived, &w, 20))
    g_error ("no “%s” event number %u", text, n);
}

static void
wait_event (Fixture *f, const gchar *text)
{
  wait_events (f, text, 1);
}

static gboolean
set_property (const gchar *path, const gchar *iface, const gchar *name, GVariant *value, GError **error)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, path,
                                                           "org.freedesktop.DBus.Properties", "Set",
                                                           g_variant_new ("(ssv)", iface, name, value), NULL,
                                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);

  return reply != NULL;
}

/* ---- tests -------------------------------------------------------------- */

/* Every installation gets its own identity at first start. */
static void
test_first_start (Fixture *f, gconstpointer data)
{
  g_autoptr(CwDBusCertificate1) first = NULL, second = NULL;
  g_autofree gchar *first_fp = NULL, *first_key = NULL, *second_key = NULL, *command = NULL;
  g_autoptr(CwTestDaemon) other = NULL;
  const gchar *path = cw_dbus_manager1_get_default_certificate (f->manager);
  g_autofree gchar *conf = config ();
  const gchar *const *ids;

  g_assert_cmpstr (path, ==, MANAGER_PATH "/certificate/system");
  first = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_source (first), ==, "self-signed");
  g_assert_cmpstr (cw_dbus_certificate1_get_key_type (first), ==, "ec-p256");
  g_assert_true (g_strv_contains (cw_dbus_certificate1_get_roles (first), "server"));
  g_assert_cmpuint (cw_dbus_certificate1_get_not_after (first) - cw_dbus_certificate1_get_not_before (first), ==,
                    365 * DAY + 300);
  ids = cw_dbus_certificate1_get_identities (first);
  g_assert_true (g_strv_contains (ids, g_get_host_name ()) ||
                 g_str_has_prefix (ids[0], g_get_host_name ()));
  for (guint i = 0; ids[i] != NULL; i++)
    g_assert_false (g_str_equal (ids[i], "127.0.0.1") || g_str_equal (ids[i], "::1"));
  first_fp = g_strdup (cw_dbus_certificate1_get_fingerprint (first));
  command = g_strdup_printf ("openssl pkey -in '%s' -pubout", cw_dbus_certificate1_get_key_path (first));
  first_key = run (command);

  /* another installation: another key */
  stop (f);
  other = cw_test_daemon_new (conf);
  cw_test_daemon_start (other);
  second = cw_test_certificate (MANAGER_PATH "/certificate/system");
  g_assert_cmpstr (cw_dbus_certificate1_get_fingerprint (second), !=, first_fp);
  g_free (command);
  command = g_strdup_printf ("openssl pkey -in '%s' -pubout", cw_dbus_certificate1_get_key_path (second));
  second_key = run (command);
  g_assert_cmpstr (first_key, !=, second_key);
  cw_test_daemon_stop (other);

  /* and the first keeps its own after a restart: nothing is made twice */
  start (f);
  g_clear_object (&first);
  first = cw_test_certificate (MANAGER_PATH "/certificate/system");
  g_assert_cmpstr (cw_dbus_certificate1_get_fingerprint (first), ==, first_fp);
}

/* The seeds' example: a CA "phones-CA", then "phones" for the PBX signed by it. */
static void
test_phones_ca (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *ca_path = create (f, "phones-CA", cw_test_options ("ca", g_variant_new_boolean (TRUE),
                                                                       "organization", g_variant_new_string ("Acme"), NULL),
                                      &error);
  g_autofree gchar *path = NULL, *command = NULL, *out = NULL, *chain = NULL;
  g_autoptr(CwDBusCertificate1) ca = NULL, phones = NULL;

  g_assert_no_error (error);
  ca = cw_test_certificate (ca_path);
  g_assert_true (g_strv_contains (cw_dbus_certificate1_get_roles (ca), "ca"));
  g_assert_cmpstr (cw_dbus_certificate1_get_subject (ca), ==, "CN=phones-CA,O=Acme");

  path = create (f, "phones", cw_test_options ("issuer", g_variant_new_object_path (ca_path),
                                               "identities", g_variant_new_strv ((const gchar *[]) { "pbx.example.test", "192.0.2.7" }, 2),
                                               "roles", g_variant_new_strv ((const gchar *[]) { "server", "sip-tls" }, 2),
                                               "key-type", g_variant_new_string ("rsa-2048"), NULL),
                 &error);
  g_assert_no_error (error);
  phones = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_source (phones), ==, "local-ca");
  g_assert_cmpstr (cw_dbus_certificate1_get_issuer (phones), ==, "CN=phones-CA,O=Acme");
  g_assert_cmpstr (cw_dbus_certificate1_get_key_type (phones), ==, "rsa-2048");
  g_assert_true (g_file_get_contents (cw_dbus_certificate1_get_chain_path (phones), &chain, NULL, NULL));
  g_assert_cmpstr (chain, ==, "");  /* the root stays with the phones */

  command = g_strdup_printf ("openssl verify -purpose sslserver -CAfile '%s' '%s'",
                             cw_dbus_certificate1_get_certificate_path (ca),
                             cw_dbus_certificate1_get_full_chain_path (phones));
  g_free (run (command));
  g_free (command);
  command = g_strdup_printf ("certtool --verify --load-ca-certificate '%s' --infile '%s'",
                             cw_dbus_certificate1_get_certificate_path (ca),
                             cw_dbus_certificate1_get_full_chain_path (phones));
  out = run (command);
  g_assert_nonnull (strstr (out, "Chain verification output: Verified"));

  /* the CA may not sign while it is not a CA, nor sign with a missing object */
  g_free (create (f, "bad", cw_test_options ("issuer", g_variant_new_object_path (path), NULL), &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "is not a CA certificate");
  g_clear_error (&error);
  g_free (create (f, "bad", cw_test_options ("issuer", g_variant_new_object_path (MANAGER_PATH "/certificate/nope"), NULL), &error));
  cw_test_assert_remote_error (error, "org.certward.Error.NotFound", "no certificate at");
  g_clear_error (&error);
  g_free (create (f, "bad", cw_test_options ("key-type", g_variant_new_string ("rsa-1024"), NULL), &error));
  cw_test_assert_remote_error (error, "org.certward.Error.WeakKey", "RSA keys shorter than 2048 bits are refused");
  g_clear_error (&error);
  g_free (create (f, "bad", cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "bad..name" }, 1), NULL),
                  &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "not a valid DNS name");
}

/* A request for an outside CA: pending, answered with Install. */
static void
test_request (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL, *csr = NULL, *again = NULL, *dir = NULL, *csr_file = NULL, *crt_file = NULL;
  g_autofree gchar *command = NULL, *answer = NULL, *rekey_csr = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  gsize len = 0;

  cw_dbus_manager1_call_create_request_sync (f->manager, "outside",
                                             cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "sip.example.test" }, 1),
                                                              "organization", g_variant_new_string ("Acme"), NULL),
                                             &path, &csr, NULL, &error);
  g_assert_no_error (error);
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "pending");
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 0);
  cw_dbus_certificate1_call_get_request_sync (cert, &again, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, csr);

  /* the outside CA: OpenSSL with the test PKI's intermediate */
  dir = cw_test_mkdtemp ();
  csr_file = g_build_filename (dir, "req.csr", NULL);
  crt_file = g_build_filename (dir, "answer.pem", NULL);
  g_assert_true (g_file_set_contents (csr_file, csr, -1, NULL));
  command = g_strdup_printf ("cd '%s' && openssl x509 -req -in '%s' -CA inter.pem -CAkey inter.key -CAcreateserial -days 365 "
                             "-copy_extensions copy -out '%s' 2>&1 && cat inter.pem >> '%s'",
                             cw_test_fixtures (), csr_file, crt_file, crt_file);
  g_free (run (command));
  g_assert_true (g_file_get_contents (crt_file, &answer, &len, NULL));

  /* someone else's certificate is not the answer */
  cw_dbus_certificate1_call_install_sync (cert, cw_test_fixture_ay ("leaf.pem"), NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.KeyMismatch", "does not match");
  g_clear_error (&error);
  cw_dbus_certificate1_call_install_sync (cert, g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, answer, len, TRUE, NULL, NULL),
                                          NULL, &error);
  g_assert_no_error (error);
  wait_event (f, "added outside");
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "valid");
  g_assert_cmpstr (cw_dbus_certificate1_get_source (cert), ==, "csr");
  g_assert_cmpstr (cw_dbus_certificate1_get_issuer (cert), ==, "CN=Certward Test Intermediate");
  g_assert_true (cw_dbus_certificate1_get_key_matches (cert));
  g_free (again);
  again = NULL;
  cw_dbus_certificate1_call_get_request_sync (cert, &again, NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.NotFound", "no pending request");
  g_clear_error (&error);

  /* a re-key: a new request while the current certificate stays in use */
  g_free (path);
  path = NULL;
  cw_dbus_manager1_call_create_request_sync (f->manager, "outside",
                                             cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "sip.example.test" }, 1),
                                                              "replace", g_variant_new_boolean (TRUE), NULL),
                                             &path, &rekey_csr, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rekey_csr, !=, csr);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "valid");
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 1);
  g_assert_true (g_file_set_contents (csr_file, rekey_csr, -1, NULL));
  g_free (run (command));
  g_free (answer);
  g_assert_true (g_file_get_contents (crt_file, &answer, &len, NULL));
  cw_dbus_certificate1_call_install_sync (cert, g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, answer, len, TRUE, NULL, NULL),
                                          NULL, &error);
  g_assert_no_error (error);
  wait_event (f, "renewed outside");
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 2);
  g_assert_true (cw_dbus_certificate1_get_key_matches (cert));
  cw_test_rmdir (dir);
}

static gchar *
public_key (CwDBusCertificate1 *cert)
{
  g_autofree gchar *command = g_strdup_printf ("openssl pkey -in '%s' -pubout", cw_dbus_certificate1_get_key_path (cert));

  return run (command);
}

static void
test_renew (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = create (f, "r", cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "r.example.test" }, 1),
                                                            "days", g_variant_new_uint32 (90), NULL),
                                   &error);
  g_autoptr(CwDBusCertificate1) cert = NULL, imported = NULL;
  g_autofree gchar *key1 = NULL, *key2 = NULL, *key3 = NULL, *imported_path = NULL;

  g_assert_no_error (error);
  cert = cw_test_certificate (path);
  key1 = public_key (cert);
  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options (NULL), NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.NotDue", "use force");
  g_clear_error (&error);
  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL, &error);
  g_assert_no_error (error);
  wait_event (f, "renewed r");
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 2);
  key2 = public_key (cert);
  g_assert_cmpstr (key1, !=, key2);          /* a new key by default */
  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE),
                                                               "reuse-key", g_variant_new_boolean (TRUE), NULL),
                                        NULL, &error);
  g_assert_no_error (error);
  wait_events (f, "renewed r", 2);
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 3);
  key3 = public_key (cert);
  g_assert_cmpstr (key2, ==, key3);

  cw_dbus_manager1_call_import_sync (f->manager, cw_test_options ("certificate", cw_test_fixture_ay ("nopass.p12"), NULL),
                                     &imported_path, NULL, &error);
  g_assert_no_error (error);
  imported = cw_test_certificate (imported_path);
  cw_dbus_certificate1_call_renew_sync (imported, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.NotSupported", "Install");
}

static gchar *
find (Fixture *f, const gchar *host, const gchar *role, GError **error)
{
  gchar *path = NULL;

  cw_dbus_manager1_call_find_for_name_sync (f->manager, host, role, &path, NULL, error);
  return path;
}

static void
test_find (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *tenant = create (f, "tenant", cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "pbx.tenant.example", "*.tenant.example" }, 2),
                                                                   "roles", g_variant_new_strv ((const gchar *[]) { "server", "sip-tls" }, 2), NULL),
                                     &error);
  g_autofree gchar *shaken = create (f, "shaken", cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "sti.example.test" }, 1),
                                                                   "roles", g_variant_new_strv ((const gchar *[]) { "stir-shaken" }, 1), NULL),
                                     &error);
  g_autofree gchar *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *g = NULL;

  g_assert_no_error (error);
  a = find (f, "PBX.Tenant.Example", "", &error);
  g_assert_cmpstr (a, ==, tenant);
  b = find (f, "phone1.tenant.example", "sip-tls", &error);
  g_assert_cmpstr (b, ==, tenant);
  c = find (f, "a.b.tenant.example", "", &error);
  g_assert_cmpstr (c, ==, MANAGER_PATH "/certificate/system");   /* the default */
  d = find (f, "elsewhere.test", "stir-shaken", &error);
  g_assert_cmpstr (d, ==, shaken);
  g_assert_no_error (error);
  e = find (f, "elsewhere.test", "sip-tls", &error);    /* the default's roles: server, sip-tls */
  g_assert_cmpstr (e, ==, MANAGER_PATH "/certificate/system");
  g = find (f, "elsewhere.test", "client", &error);
  g_assert_null (g);
  cw_test_assert_remote_error (error, "org.certward.Error.NotFound", "no valid certificate with the client role");
  g_clear_error (&error);
  g_free (find (f, "elsewhere.test", "admin", &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "unknown role");
  g_clear_error (&error);
  g_free (find (f, "", "", &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "host name");
  g_clear_error (&error);

  /* answers follow the store at once: a role taken away, then removal */
  {
    g_autoptr(CwDBusCertificate1) cert = cw_test_certificate (tenant);
    g_autoptr(GVariant) set = NULL;
    g_autofree gchar *h = NULL, *i = NULL;

    set = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, tenant, "org.freedesktop.DBus.Properties", "Set",
                                       g_variant_new ("(ssv)", "org.certward.Certificate1", "Roles",
                                                      g_variant_new_strv ((const gchar *[]) { "server" }, 1)),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    g_assert_no_error (error);
    h = find (f, "phone1.tenant.example", "sip-tls", &error);
    g_assert_cmpstr (h, ==, MANAGER_PATH "/certificate/system");
    cw_dbus_certificate1_call_remove_sync (cert, cw_test_options (NULL), NULL, &error);
    g_assert_no_error (error);
    i = find (f, "PBX.Tenant.Example", "", &error);
    g_assert_cmpstr (i, ==, MANAGER_PATH "/certificate/system");
  }

  /* roles changed by a request that replaces the certificate's key: the
   * current certificate now answers for its new roles only */
  {
    g_autofree gchar *web = create (f, "web", cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "web.example.test" }, 1),
                                                               "roles", g_variant_new_strv ((const gchar *[]) { "server", "sip-tls" }, 2), NULL),
                                    &error);
    g_autofree gchar *again = NULL, *csr = NULL, *j = NULL, *k = NULL;

    g_assert_no_error (error);
    cw_dbus_manager1_call_create_request_sync (f->manager, "web",
                                               cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "web.example.test" }, 1),
                                                                "roles", g_variant_new_strv ((const gchar *[]) { "client" }, 1),
                                                                "replace", g_variant_new_boolean (TRUE), NULL),
                                               &again, &csr, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (again, ==, web);
    j = find (f, "web.example.test", "sip-tls", &error);
    g_assert_cmpstr (j, ==, MANAGER_PATH "/certificate/system");
    k = find (f, "web.example.test", "client", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (k, ==, web);
  }
}

/* FindForName is answered on the agent's D-Bus thread while the main loop
 * changes the store: hammer it from a thread of this test while
 * certificates come and go. Every answer for nI.churn.example must be
 * churnI or, while churnI does not exist, the default. */
typedef struct {
  GDBusConnection *bus;
  guint            pending, answered, churn, wrong;
  gint             stop;   /* atomic */
} Hammer;

static void hammer_one (Hammer *h);

static gboolean
is_certificate (const gchar *path, const gchar *id)
{
  g_autofree gchar *prefix = g_strconcat (MANAGER_PATH "/certificate/", id, NULL);
  const gchar *rest = g_str_has_prefix (path, prefix) ? path + strlen (prefix) : NULL;

  /* a re-created name may get a suffixed id (churn3_2) */
  return rest != NULL && (*rest == '\0' || *rest == '_');
}

static void
hammered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Hammer *h = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autofree gchar *id = g_strdup_printf ("churn%u", GPOINTER_TO_UINT (g_object_get_data (source, "asked")));
  const gchar *path;

  h->pending--;
  h->answered++;
  if (reply != NULL) {
    g_variant_get (reply, "(&o)", &path);
    if (is_certificate (path, id))
      h->churn++;
    else if (!g_str_equal (path, MANAGER_PATH "/certificate/system"))
      h->wrong++;
  } else {
    h->wrong++;
  }
  if (!g_atomic_int_get (&h->stop))
    hammer_one (h);
}

static void
hammer_one (Hammer *h)
{
  guint n = (guint) g_random_int_range (0, 8);
  g_autofree gchar *name = g_strdup_printf ("n%u.churn.example", n);

  /* one call in flight at a time on this connection: it says which name */
  g_object_set_data (G_OBJECT (h->bus), "asked", GUINT_TO_POINTER (n));
  h->pending++;
  g_dbus_connection_call (h->bus, BUS_NAME, MANAGER_PATH, "org.certward.Manager1", "FindForName",
                          g_variant_new ("(ss)", name, "server"), G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE,
                          -1, NULL, hammered, h);
}

static gpointer
hammer_thread (gpointer data)
{
  Hammer *h = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  h->bus = g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                                  G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                  NULL, NULL, &error);
  g_assert_no_error (error);
  hammer_one (h);
  while (h->pending > 0)
    g_main_context_iteration (context, TRUE);
  g_clear_object (&h->bus);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_find_while_changing (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  Hammer h = { 0 };
  GThread *thread = g_thread_new ("hammer", hammer_thread, &h);

  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < 8; i++) {
      g_autofree gchar *name = g_strdup_printf ("churn%u", i);
      g_autofree gchar *host = g_strdup_printf ("n%u.churn.example", i);
      g_autofree gchar *path = create (f, name, cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { host }, 1),
                                                                 "key-type", g_variant_new_string ("ec-p256"), NULL),
                                       &error);
      g_autoptr(CwDBusCertificate1) cert = NULL;
      g_autofree gchar *found = NULL, *after = NULL;

      g_assert_no_error (error);
      /* the answer follows the store at once, in both directions */
      found = find (f, host, "server", &error);
      g_assert_no_error (error);
      g_assert_cmpstr (found, ==, path);
      cert = cw_test_certificate (path);
      cw_dbus_certificate1_call_remove_sync (cert, cw_test_options (NULL), NULL, &error);
      g_assert_no_error (error);
      after = find (f, host, "server", &error);
      g_assert_no_error (error);
      g_assert_cmpstr (after, ==, MANAGER_PATH "/certificate/system");
    }
  g_atomic_int_set (&h.stop, TRUE);
  g_thread_join (thread);
  g_test_message ("%u FindForName answers during the changes, %u naming a churn certificate", h.answered, h.churn);
  g_assert_cmpuint (h.wrong, ==, 0);
  /* the hammer ran along the changes, and saw them */
  g_assert_cmpuint (h.answered, >, 100);
  g_assert_cmpuint (h.churn, >, 0);
}

static void
unblocked_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* FindForName does not wait for the main loop: with the main loop held
 * (the test-only Testing1.Block), it is still answered, while a call that
 * needs the main loop is not. */
static void
test_find_while_blocked (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("certward-block-XXXXXX", &error);
  g_autofree gchar *fifo = NULL;
  g_autoptr(GVariant) found = NULL, listed = NULL;
  gboolean unblocked = FALSE;
  const gchar *path;
  int fd;

  g_assert_no_error (error);
  fifo = g_build_filename (dir, "block", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_dbus_connection_call (cw_test_bus (), BUS_NAME, MANAGER_PATH, "org.certward.Testing1", "Block",
                          g_variant_new ("(s)", fifo), NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          unblocked_cb, &unblocked);
  /* opening the writing end returns once the agent's main loop opened the
   * other: from now on it sits in Block */
  fd = open (fifo, O_WRONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);

  found = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, MANAGER_PATH, "org.certward.Manager1", "FindForName",
                                       g_variant_new ("(ss)", "anything.example", "server"), G_VARIANT_TYPE ("(o)"),
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (found, "(&o)", &path);
  g_assert_cmpstr (path, ==, MANAGER_PATH "/certificate/system");
  /* the main loop really is held: a call it must answer times out */
  listed = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, MANAGER_PATH, "org.certward.Manager1",
                                        "GetCertificates", NULL, G_VARIANT_TYPE ("(ao)"), G_DBUS_CALL_FLAGS_NONE,
                                        500, NULL, &error);
  g_assert_null (listed);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);

  close (fd);
  g_assert_true (cw_test_wait_timeout (&unblocked, 10));
  g_unlink (fifo);
  g_rmdir (dir);
}

static void
on_trust_changed (CwDBusTrustStore1 *trust, guint *count)
{
  (*count)++;
}

static gboolean
count_reached (gpointer data)
{
  return *(guint *) data >= 1;
}

static void
test_trust (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwDBusTrustStore1) trust = cw_dbus_trust_store1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_NONE,
                                                                            BUS_NAME, MANAGER_PATH "/TrustStore", NULL, &error);
  g_autoptr(GVariant) list = NULL, pem = NULL;
  g_auto(GStrv) fps = NULL;
  g_autofree gchar *bundle = NULL;
  guint changed = 0;

  g_assert_no_error (error);
  /* seeded from the configured system bundle: the test root and intermediate */
  g_assert_cmpuint (cw_dbus_trust_store1_get_count (trust), ==, 2);
  g_assert_cmpstr (cw_dbus_trust_store1_get_verification_mode (trust), ==, "outgoing");
  cw_dbus_trust_store1_call_list_sync (trust, &list, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (list), ==, 2);

  g_signal_connect (trust, "changed", G_CALLBACK (on_trust_changed), &changed);
  cw_dbus_trust_store1_call_add_sync (trust, cw_test_fixture_ay ("fake-inter.pem"), &fps, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (fps), ==, 1);
  g_assert_true (cw_test_wait_until (count_reached, &changed, 20));
  g_assert_cmpuint (cw_dbus_trust_store1_get_count (trust), ==, 3);
  g_assert_true (g_file_get_contents (cw_dbus_trust_store1_get_bundle_path (trust), &bundle, NULL, NULL));
  g_assert_nonnull (strstr (bundle, "# CN=Certward Test Intermediate"));

  cw_dbus_trust_store1_call_add_sync (trust, cw_test_fixture_ay ("leaf.pem"), NULL, NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidData", "not a CA certificate");
  g_clear_error (&error);
  cw_dbus_trust_store1_call_remove_sync (trust, fps[0], NULL, &error);
  g_assert_no_error (error);
  cw_dbus_trust_store1_call_replace_sync (trust, cw_test_fixture_ay ("fake-inter.pem"), NULL, &error);
  g_assert_no_error (error);
  cw_dbus_trust_store1_call_export_sync (trust, &pem, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (pem), >, 0);
  cw_dbus_trust_store1_call_reset_sync (trust, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (set_property (MANAGER_PATH "/TrustStore", "org.certward.TrustStore1", "VerificationMode",
                               g_variant_new_string ("all"), &error));
  g_assert_false (set_property (MANAGER_PATH "/TrustStore", "org.certward.TrustStore1", "VerificationMode",
                                g_variant_new_string ("sometimes"), &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "unknown verification mode");

  stop (f);
  start (f);
  g_clear_object (&trust);
  trust = cw_dbus_trust_store1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_NONE, BUS_NAME,
                                               MANAGER_PATH "/TrustStore", NULL, NULL);
  g_assert_cmpuint (cw_dbus_trust_store1_get_count (trust), ==, 2);
  g_assert_cmpstr (cw_dbus_trust_store1_get_verification_mode (trust), ==, "all");
}

/* The test clock moves 90 days in a second; each state is announced once. */
static void
test_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = create (f, "soon", cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "soon.example.test" }, 1),
                                                               "days", g_variant_new_uint32 (90), NULL),
                                   &error);
  g_autoptr(CwDBusCertificate1) cert = NULL;
  guint64 not_after;

  g_assert_no_error (error);
  cert = cw_test_certificate (path);
  not_after = cw_dbus_certificate1_get_not_after (cert);
  g_assert_cmpuint (cw_dbus_manager1_get_expiry_warning_days (f->manager), ==, 60);

  cw_test_set_time (not_after - 59 * DAY);
  wait_event (f, "expiring soon");
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "expiring");
  cw_test_set_time (not_after - 58 * DAY);
  cw_test_set_time (not_after + 1);
  wait_event (f, "expired soon");
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "expired");

  /* ExpiryWarningDays is checked, and a restart announces nothing again */
  g_assert_false (set_property (MANAGER_PATH, "org.certward.Manager1", "ExpiryWarningDays", g_variant_new_uint32 (7), &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "from 30 to 180 days");
  g_clear_error (&error);
  g_assert_true (set_property (MANAGER_PATH, "org.certward.Manager1", "ExpiryWarningDays", g_variant_new_uint32 (90), &error));
  stop (f);
  f->daemon->test_clock = not_after + 2;
  start (f);
  g_assert_cmpuint (cw_dbus_manager1_get_expiry_warning_days (f->manager), ==, 90);
  g_clear_object (&cert);
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "expired");
  g_assert_cmpuint (count_events (f, "expiring soon"), ==, 1);
  g_assert_cmpuint (count_events (f, "expired soon"), ==, 1);
}

typedef struct {
  Fixture     *f;
  const gchar *path;
} DefaultIs;

static gboolean
default_is (gpointer data)
{
  DefaultIs *d = data;

  return g_strcmp0 (cw_dbus_manager1_get_default_certificate (d->f->manager), d->path) == 0;
}

static void
wait_default (Fixture *f, const gchar *path)
{
  DefaultIs d = { f, path };

  if (!cw_test_wait_until (default_is, &d, 20))
    g_error ("the default is %s, not %s", cw_dbus_manager1_get_default_certificate (f->manager), path);
}

static gboolean
remove_cert (const gchar *path, gboolean force, GError **error)
{
  g_autoptr(CwDBusCertificate1) cert = cw_test_certificate (path);

  return cw_dbus_certificate1_call_remove_sync (cert, cw_test_options ("force", g_variant_new_boolean (force), NULL), NULL, error);
}

static void
test_removal_guards (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *ca = create (f, "ca", cw_test_options ("ca", g_variant_new_boolean (TRUE), NULL), &error);
  g_autofree gchar *leaf = create (f, "leaf", cw_test_options ("issuer", g_variant_new_object_path (ca),
                                                               "identities", g_variant_new_strv ((const gchar *[]) { "l.example.test" }, 1),
                                                               "roles", g_variant_new_strv ((const gchar *[]) { "stir-shaken" }, 1), NULL),
                                   &error);
  g_autofree gchar *web = create (f, "web", cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "w.example.test" }, 1), NULL),
                                  &error);
  const gchar *system = MANAGER_PATH "/certificate/system";

  g_assert_no_error (error);
  g_assert_false (remove_cert (system, FALSE, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InUse", "is the default certificate");
  g_clear_error (&error);
  g_assert_false (remove_cert (ca, FALSE, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InUse", "issued 1 certificate that is still valid (leaf)");
  g_clear_error (&error);
  g_assert_false (remove_cert (leaf, FALSE, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InUse", "the last valid certificate with the stir-shaken role");
  g_clear_error (&error);

  /* forced: the default falls back to the other server certificate */
  g_assert_true (remove_cert (system, TRUE, &error));
  g_assert_no_error (error);
  wait_event (f, "removed system");
  wait_default (f, web);
  g_assert_true (remove_cert (leaf, TRUE, &error));
  g_assert_true (remove_cert (ca, FALSE, &error));
  g_assert_no_error (error);

  /* the last server certificate removed with force: a new identity */
  g_assert_true (remove_cert (web, TRUE, &error));
  wait_event (f, "added system");
  wait_default (f, system);
}

static void
test_properties (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  GVariant *tenants;
  g_autoptr(GVariant) acme = NULL;

  cw_dbus_manager1_call_set_tenant_sync (f->manager, "acme", (const gchar *[]) { "acme.example", NULL }, NULL, &error);
  g_assert_no_error (error);
  cw_test_settle ();
  tenants = cw_dbus_manager1_get_tenants (f->manager);
  acme = g_variant_lookup_value (tenants, "acme", G_VARIANT_TYPE_STRING_ARRAY);
  g_assert_nonnull (acme);
  cw_dbus_manager1_call_set_tenant_sync (f->manager, "bad", (const gchar *[]) { "not a domain", NULL }, NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "not a valid DNS name");
  g_clear_error (&error);

  /* a certificate for a tenant's domain gets the tenant */
  path = create (f, "acme-pbx", cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "pbx.acme.example" }, 1), NULL),
                 &error);
  g_assert_no_error (error);
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_tenant (cert), ==, "acme");

  /* an imported one too: nopass.p12 is for www.example.test and example.test */
  {
    g_autofree gchar *imported = NULL;
    g_autoptr(CwDBusCertificate1) other = NULL;

    cw_dbus_manager1_call_set_tenant_sync (f->manager, "ex", (const gchar *[]) { "example.test", NULL }, NULL, &error);
    g_assert_no_error (error);
    cw_dbus_manager1_call_import_sync (f->manager, cw_test_options ("certificate", cw_test_fixture_ay ("nopass.p12"), NULL),
                                       &imported, NULL, &error);
    g_assert_no_error (error);
    other = cw_test_certificate (imported);
    g_assert_cmpstr (cw_dbus_certificate1_get_tenant (other), ==, "ex");
  }

  g_assert_true (set_property (path, "org.certward.Certificate1", "Roles",
                               g_variant_new_strv ((const gchar *[]) { "sip-tls", "client" }, 2), &error));
  g_assert_true (set_property (path, "org.certward.Certificate1", "Tenant", g_variant_new_string ("other"), &error));
  g_assert_false (set_property (path, "org.certward.Certificate1", "Roles",
                                g_variant_new_strv ((const gchar *[]) { "root" }, 1), &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "unknown role");
  g_clear_error (&error);
  g_assert_false (set_property (path, "org.certward.Certificate1", "Name", g_variant_new_string ("x"), &error));
  g_clear_error (&error);

  /* SetDefault wants a server certificate */
  cw_dbus_manager1_call_set_default_sync (f->manager, path, NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "server role");
  g_clear_error (&error);

  stop (f);
  start (f);
  g_clear_object (&cert);
  cert = cw_test_certificate (path);
  g_assert_cmpstrv (cw_dbus_certificate1_get_roles (cert), ((const gchar *[]) { "sip-tls", "client", NULL }));
  g_assert_cmpstr (cw_dbus_certificate1_get_tenant (cert), ==, "other");
  g_clear_pointer (&acme, g_variant_unref);
  acme = g_variant_lookup_value (cw_dbus_manager1_get_tenants (f->manager), "acme", NULL);
  g_assert_nonnull (acme);

  g_assert_true (set_property (path, "org.certward.Certificate1", "Roles",
                               g_variant_new_strv ((const gchar *[]) { "server" }, 1), &error));
  cw_dbus_manager1_call_set_default_sync (f->manager, path, NULL, &error);
  g_assert_no_error (error);
  wait_default (f, path);
}

int
main (int argc, char **argv)
{
  int status;

  cw_test_init (&argc, &argv);
  cw_test_fixtures ();
  cw_test_bus_up ();
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/local/first-start-identity", test_first_start);
  ADD ("/local/phones-ca", test_phones_ca);
  ADD ("/local/request-and-install", test_request);
  ADD ("/local/renew", test_renew);
  ADD ("/local/find-for-name", test_find);
  ADD ("/local/find-while-changing", test_find_while_changing);
  g_test_add ("/local/find-while-blocked", Fixture, NULL, setup_clock, test_find_while_blocked, teardown);
  ADD ("/local/trust-store", test_trust);
  g_test_add ("/local/expiry", Fixture, NULL, setup_clock, test_expiry, teardown);
  ADD ("/local/removal-guards", test_removal_guards);
  ADD ("/local/properties", test_properties);
  status = g_test_run ();
  cw_test_bus_down ();
  return status;
}
