/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DNS-01 end to end: the real certwardd orders from a real Pebble whose
 * validator asks a real BIND9 (records written by the rfc2136 plugin with
 * TSIG) or a real PowerDNS (its HTTP API). Wildcard plus base name, a
 * CNAME-delegated _acme-challenge, a wrong key, a second name server that
 * lags, records left by a crash and at shutdown, and a plugin built outside
 * the tree, all over D-Bus. The propagation check asks the zone's name
 * servers on port 53, so BIND runs on 127.0.55.1 and .2 at port 53 (root;
 * the harness skips otherwise). Pebble uses ports 24700–24705, PowerDNS
 * 24710/24711. */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-dns.h"
#include "cw-test-pebble.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <sys/stat.h>

#define BUS_NAME "org.certward.Certward1"
#define NS1 "127.0.55.1"
#define NS2 "127.0.55.2"
#define PEBBLE_BASE 24700
#define PDNS_DNS 24710
#define PDNS_API 24711
#define ISSUE_TIMEOUT 90

typedef struct {
  CwTestPebble   *pebble;
  CwTestDaemon   *daemon;
  CwDBusManager1 *manager;
  CwTestEvents   *events;
} Fixture;

static void
fixture_start (Fixture *f, const gchar *dns_server, const gchar *extra)
{
  CwTestPebbleOptions options = { .dns_server = dns_server };
  g_autofree gchar *config = NULL;

  f->pebble = cw_test_pebble_start (PEBBLE_BASE, &options);
  config = g_strdup_printf ("[acme]\ndirectory=%s\nca-file=%s\ncontact=admin@example.test\n"
                            "[dns-01]\nprovider-dir=%s\npropagation-interval=1\npropagation-timeout=60\n%s",
                            f->pebble->directory, f->pebble->ca_file, g_getenv ("CW_PROVIDER_BUILD_DIR"),
                            extra != NULL ? extra : "");
  f->daemon = cw_test_daemon_new (config);
  cw_test_daemon_connect (f->daemon, &f->manager, &f->events);
}

static void
fixture_stop (Fixture *f)
{
  cw_test_daemon_finish (&f->daemon, &f->manager, &f->events);
  g_clear_pointer (&f->pebble, cw_test_pebble_stop);
}

static GVariant *
settings (const gchar *first, ...)
{
  GVariantBuilder b;
  va_list ap;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{ss}"));
  va_start (ap, first);
  for (const gchar *key = first; key != NULL; key = va_arg (ap, const gchar *))
    g_variant_builder_add (&b, "{ss}", key, va_arg (ap, const gchar *));
  va_end (ap);
  return g_variant_builder_end (&b);
}

static gchar *
add_provider (Fixture *f, const gchar *name, const gchar *type, GVariant *values)
{
  g_autoptr(GError) error = NULL;
  gchar *path = NULL;

  cw_dbus_manager1_call_add_provider_sync (f->manager, name, type, values, &path, NULL, &error);
  g_assert_no_error (error);
  return path;
}

static CwDBusProvider1 *
provider_proxy (const gchar *path)
{
  g_autoptr(GError) error = NULL;
  CwDBusProvider1 *proxy = cw_dbus_provider1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, path,
                                                             NULL, &error);

  g_assert_no_error (error);
  return proxy;
}

static gchar *
add_rfc2136 (Fixture *f, CwTestBind *bind, const gchar *name, const gchar *secret)
{
  g_autofree gchar *nameserver = g_strdup_printf ("%s:%u", bind->address, bind->port);

  return add_provider (f, name, "rfc2136",
                       settings ("nameserver", nameserver, "tsig-key", bind->tsig_name, "tsig-secret",
                                 secret != NULL ? secret : bind->tsig_secret, NULL));
}

static gchar *
request (Fixture *f, const gchar *name, const gchar * const *identities, const gchar *provider)
{
  g_autoptr(GError) error = NULL;
  gchar *path = NULL;

  cw_dbus_manager1_call_request_sync (f->manager, name, identities,
                                      cw_test_options ("challenge", g_variant_new_string ("dns-01"), "provider",
                                                       g_variant_new_object_path (provider), NULL),
                                      &path, NULL, &error);
  g_assert_no_error (error);
  return path;
}

/* The published chain verifies up to Pebble's root and names @san (OpenSSL). */
static void
assert_issued (Fixture *f, const gchar *path, const gchar *san)
{
  g_autoptr(CwDBusCertificate1) cert = cw_test_certificate (path);
  g_autofree gchar *root = cw_test_pebble_root_file (f->pebble);
  g_autofree gchar *verify = g_strdup_printf ("openssl verify -CAfile '%s' -untrusted '%s' '%s'", root,
                                              cw_dbus_certificate1_get_chain_path (cert),
                                              cw_dbus_certificate1_get_certificate_path (cert));
  g_autofree gchar *sans = g_strdup_printf ("openssl x509 -in '%s' -noout -ext subjectAltName",
                                            cw_dbus_certificate1_get_certificate_path (cert));
  g_autofree gchar *out = NULL, *out2 = NULL;

  g_assert_cmpint (cw_test_run (verify, &out), ==, 0);
  g_assert_nonnull (strstr (out, ": OK"));
  g_assert_cmpint (cw_test_run (sans, &out2), ==, 0);
  g_assert_nonnull (strstr (out2, san));
}

static void
assert_no_txt (const gchar *address, guint port, const gchar *name)
{
  g_auto(GStrv) values = cw_test_dns_txt (address, port, name);

  g_assert_cmpstrv (values, ((const gchar *[]) { NULL }));
}

/* The journal of published records is empty (everything was removed). */
static void
assert_journal_empty (Fixture *f)
{
  g_autofree gchar *path = g_build_filename (f->daemon->state_dir, "providers", "records.ini", NULL);
  g_autofree gchar *text = NULL;

  if (g_file_get_contents (path, &text, NULL, NULL))
    g_assert_null (strstr (text, "value="));
}

typedef struct {
  const gchar *address;
  guint        port;
  const gchar *name;
  gboolean     want;   /* some value served, or none */
} TxtWait;

static gboolean
txt_is (gpointer data)
{
  TxtWait *w = data;
  g_auto(GStrv) values = cw_test_dns_txt (w->address, w->port, w->name);

  return (values[0] != NULL) == w->want;
}

/* ---- the tests ---------------------------------------------------------- */

static void
test_rfc2136_wildcard (void)
{
  g_autoptr(CwTestBind) bind = cw_test_bind_start (NS1, 53, NULL);
  Fixture f = { 0 };
  static const gchar *const ids[] = { "*.example.test", "example.test", NULL };
  g_autofree gchar *provider = NULL, *path = NULL, *event = NULL, *state = NULL, *nameserver = NULL;
  g_autoptr(CwDBusProvider1) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) public = NULL;
  struct stat st;

  if (bind == NULL)
    return;
  fixture_start (&f, NS1 ":53", "resolvers=" NS1 ":53\n");
  provider = add_rfc2136 (&f, bind, "bind", NULL);

  /* the secret is kept 0600 and never shown */
  proxy = provider_proxy (provider);
  g_assert_cmpstr (cw_dbus_provider1_get_type_ (proxy), ==, "rfc2136");
  public = g_variant_ref (cw_dbus_provider1_get_settings (proxy));
  nameserver = g_strdup_printf ("%s:53", NS1);
  g_assert_true (g_variant_lookup (public, "nameserver", "s", &state));
  g_assert_cmpstr (state, ==, nameserver);
  g_assert_false (g_variant_lookup (public, "tsig-secret", "s", NULL));
  g_assert_cmpstrv (cw_dbus_provider1_get_secrets_set (proxy), ((const gchar *[]) { "tsig-secret", NULL }));
  {
    g_autofree gchar *file = g_build_filename (f.daemon->state_dir, "providers", "bind.ini", NULL);

    g_assert_cmpint (stat (file, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* Test: a throwaway record goes in and out */
  cw_dbus_provider1_call_test_sync (proxy, "example.test", NULL, &error);
  g_assert_no_error (error);
  assert_no_txt (NS1, 53, "_certward-test.example.test");

  /* a wildcard and its base name: two values at one name */
  path = request (&f, "wild", ids, provider);
  event = cw_test_events_wait_outcome (f.events, "wild", ISSUE_TIMEOUT);
  g_assert_cmpstr (event, ==, "added");
  assert_issued (&f, path, "DNS:*.example.test, DNS:example.test");
  assert_no_txt (NS1, 53, "_acme-challenge.example.test");
  assert_journal_empty (&f);

  /* in use: cannot go */
  cw_dbus_provider1_call_remove_sync (proxy, NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InUse", "wild");
  fixture_stop (&f);
}

static void
test_cname (void)
{
  g_autoptr(CwTestBind) bind = cw_test_bind_start (NS1, 53, NULL);
  Fixture f = { 0 };
  static const gchar *const ids[] = { "cname.example.test", NULL };
  g_autofree gchar *provider = NULL, *path = NULL, *event = NULL;

  if (bind == NULL)
    return;
  fixture_start (&f, NS1 ":53", "resolvers=" NS1 ":53\n");
  provider = add_rfc2136 (&f, bind, "bind", NULL);
  /* _acme-challenge.cname.example.test is a CNAME into delegated.test: the
   * record can only be validated if it was written there */
  path = request (&f, "cname", ids, provider);
  event = cw_test_events_wait_outcome (f.events, "cname", ISSUE_TIMEOUT);
  g_assert_cmpstr (event, ==, "added");
  assert_issued (&f, path, "DNS:cname.example.test");
  assert_no_txt (NS1, 53, "_acme-challenge.cname.delegated.test");
  assert_journal_empty (&f);
  fixture_stop (&f);
}

static void
test_wrong_key (void)
{
  g_autoptr(CwTestBind) bind = cw_test_bind_start (NS1, 53, NULL);
  Fixture f = { 0 };
  static const gchar *const ids[] = { "www.example.test", NULL };
  static const gchar wrong[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  g_autofree gchar *provider = NULL, *path = NULL, *event = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(CwDBusProvider1) proxy = NULL;
  g_autoptr(GError) error = NULL;

  if (bind == NULL)
    return;
  fixture_start (&f, NS1 ":53", "resolvers=" NS1 ":53\n");
  provider = add_rfc2136 (&f, bind, "badkey", wrong);
  proxy = provider_proxy (provider);
  cw_dbus_provider1_call_test_sync (proxy, "example.test", NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.PermissionDenied", "badkey (rfc2136): ");
  g_assert_null (strstr (error->message, wrong));
  g_clear_error (&error);

  path = request (&f, "www", ids, provider);
  event = cw_test_events_wait_outcome (f.events, "www", ISSUE_TIMEOUT);
  g_assert_cmpstr (event, ==, "failed");
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "failed");
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (cert), "badkey (rfc2136)"));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (cert), "BADSIG"));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (cert), "example.test"));
  assert_no_txt (NS1, 53, "_acme-challenge.www.example.test");
  fixture_stop (&f);
}

static void
test_lagging_secondary (void)
{
  g_autoptr(CwTestBind) bind = cw_test_bind_start (NS1, 53, NS2);
  g_autoptr(CwTestBind) bind2 = bind != NULL ? cw_test_bind_start_secondary (bind, NS2, 53) : NULL;
  Fixture f = { 0 };
  static const gchar *const ids[] = { "lag.example.test", NULL };
  g_autofree gchar *provider = NULL, *path = NULL, *event = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  TxtWait on_primary = { NS1, 53, "_acme-challenge.lag.example.test", TRUE };

  if (bind2 == NULL)
    return;
  fixture_start (&f, NS1 ":53", "resolvers=" NS1 ":53\n");
  provider = add_rfc2136 (&f, bind, "bind", NULL);
  cw_test_bind_pause (bind2, TRUE);
  path = request (&f, "lag", ids, provider);
  g_assert_true (cw_test_wait_until (txt_is, &on_primary, 30));

  /* published on the primary, but ns2 does not serve it: the CA is not
   * asked yet */
  {
    gint64 until = g_get_monotonic_time () + 4 * G_USEC_PER_SEC;

    while (g_get_monotonic_time () < until) {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (50000);
    }
  }
  g_assert_cmpuint (f.events->list->len, ==, 0);
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "pending");
  {
    g_autofree gchar *log_path = g_build_filename (f.pebble->dir, "pebble.log", NULL);
    g_autofree gchar *log = NULL;

    g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
    g_assert_null (strstr (log, "lag.example.test"));
  }

  cw_test_bind_pause (bind2, FALSE);
  event = cw_test_events_wait_outcome (f.events, "lag", ISSUE_TIMEOUT);
  g_assert_cmpstr (event, ==, "added");
  assert_no_txt (NS1, 53, "_acme-challenge.lag.example.test");
  fixture_stop (&f);
}

/* kill -9 while a record is out: the next start removes it; SIGTERM while
 * one is out: it is removed before the agent exits. */
static void
test_crash_and_shutdown (void)
{
  g_autoptr(CwTestBind) bind = cw_test_bind_start (NS1, 53, NS2);
  g_autoptr(CwTestBind) bind2 = bind != NULL ? cw_test_bind_start_secondary (bind, NS2, 53) : NULL;
  Fixture f = { 0 };
  static const gchar *const ids[] = { "crash.example.test", NULL };
  static const gchar name[] = "_acme-challenge.crash.example.test";
  g_autofree gchar *provider = NULL, *path = NULL;
  g_auto(GStrv) first = NULL;
  TxtWait published = { NS1, 53, name, TRUE };

  if (bind2 == NULL)
    return;
  fixture_start (&f, NS1 ":53", "resolvers=" NS1 ":53\n");
  provider = add_rfc2136 (&f, bind, "bind", NULL);
  /* ns2 never catches up: the order waits with its record out */
  cw_test_bind_pause (bind2, TRUE);
  path = request (&f, "crash", ids, provider);
  g_assert_true (cw_test_wait_until (txt_is, &published, 30));
  first = cw_test_dns_txt (NS1, 53, name);
  g_assert_cmpuint (g_strv_length (first), ==, 1);

  cw_test_daemon_kill (f.daemon);
  {
    g_auto(GStrv) still = cw_test_dns_txt (NS1, 53, name);

    g_assert_cmpstrv (still, first);
  }
  cw_test_daemon_start (f.daemon);
  {
    /* the old value goes; the redone order may publish a new one */
    gint64 until = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    gboolean gone = FALSE;

    while (!gone && g_get_monotonic_time () < until) {
      g_auto(GStrv) now = cw_test_dns_txt (NS1, 53, name);

      gone = !g_strv_contains ((const gchar * const *) now, first[0]);
      if (!gone)
        g_usleep (200000);
    }
    g_assert_true (gone);
  }
  /* the redone order's record is out (ns2 still lags); a clean stop removes it */
  g_assert_true (cw_test_wait_until (txt_is, &published, 30));
  cw_test_daemon_stop (f.daemon);
  assert_no_txt (NS1, 53, name);
  assert_journal_empty (&f);
  cw_test_daemon_free (f.daemon);
  f.daemon = NULL;
  fixture_stop (&f);
}

static void
test_powerdns (void)
{
  g_autoptr(CwTestPdns) pdns = cw_test_pdns_start (PDNS_DNS, PDNS_API);
  Fixture f = { 0 };
  static const gchar *const ids[] = { "www.example.test", NULL };
  g_autofree gchar *dns = g_strdup_printf ("127.0.0.1:%u", PDNS_DNS);
  g_autofree gchar *extra = NULL, *good = NULL, *bad = NULL, *path = NULL, *path2 = NULL, *event = NULL;
  g_autoptr(CwDBusProvider1) proxy = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;

  if (pdns == NULL)
    return;
  /* PowerDNS is not on port 53: propagation is checked at the resolvers */
  extra = g_strdup_printf ("resolvers=%s\npropagation-check=resolvers\n", dns);
  fixture_start (&f, dns, extra);
  good = add_provider (&f, "pdns", "powerdns", settings ("api-url", pdns->api_url, "api-key", pdns->api_key, NULL));
  bad = add_provider (&f, "pdns-bad", "powerdns", settings ("api-url", pdns->api_url, "api-key", "wrong", NULL));

  path = request (&f, "pdns", ids, good);
  event = cw_test_events_wait_outcome (f.events, "pdns", ISSUE_TIMEOUT);
  g_assert_cmpstr (event, ==, "added");
  assert_issued (&f, path, "DNS:www.example.test");
  assert_no_txt ("127.0.0.1", PDNS_DNS, "_acme-challenge.www.example.test");

  proxy = provider_proxy (bad);
  cw_dbus_provider1_call_test_sync (proxy, "example.test", NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.PermissionDenied", "pdns-bad (powerdns): ");
  g_clear_error (&error);
  g_free (event);
  path2 = request (&f, "pdns2", ids, bad);
  event = cw_test_events_wait_outcome (f.events, "pdns2", ISSUE_TIMEOUT);
  g_assert_cmpstr (event, ==, "failed");
  cert = cw_test_certificate (path2);
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (cert), "pdns-bad (powerdns)"));
  assert_no_txt ("127.0.0.1", PDNS_DNS, "_acme-challenge.www.example.test");
  fixture_stop (&f);
}

/* A plugin built outside src/ is offered to front ends and works; one for
 * another ABI is not offered. */
static void
test_outside_plugin (void)
{
  g_autofree gchar *config = g_strdup_printf ("[dns-01]\nprovider-dir=%s\n", g_getenv ("CW_TEST_PLUGIN_DIR"));
  g_autoptr(CwTestDaemon) daemon = cw_test_daemon_new (config);
  g_autoptr(CwDBusManager1) manager = NULL;
  g_autoptr(GVariant) types = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CwDBusProvider1) proxy = NULL;
  g_autofree gchar *path = NULL, *log = NULL, *text = NULL;
  const gchar *type, *display;
  GVariantIter *fields;
  const gchar *key, *label, *description;
  gboolean required, secret;

  cw_test_daemon_start (daemon);
  manager = cw_test_manager ();
  cw_dbus_manager1_call_get_provider_types_sync (manager, &types, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (types), ==, 1);
  g_variant_get_child (types, 0, "(&s&sa(sssbb))", &type, &display, &fields);
  g_assert_cmpstr (type, ==, "outside");
  g_assert_cmpstr (display, ==, "Outside the tree");
  g_assert_true (g_variant_iter_next (fields, "(&s&s&sbb)", &key, &label, &description, &required, &secret));
  g_assert_cmpstr (key, ==, "log");
  g_assert_true (required && !secret);
  g_assert_true (g_variant_iter_next (fields, "(&s&s&sbb)", &key, &label, &description, &required, &secret));
  g_assert_cmpstr (key, ==, "token");
  g_assert_true (!required && secret);
  g_variant_iter_free (fields);

  log = g_build_filename (daemon->state_dir, "calls.log", NULL);
  cw_dbus_manager1_call_add_provider_sync (manager, "out", "outside", settings ("token", "t", NULL), &path, NULL,
                                           &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "needs “log”");
  g_clear_error (&error);
  cw_dbus_manager1_call_add_provider_sync (manager, "out", "old-abi", settings (NULL), &path, NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.NotFound", "installed: outside");
  g_clear_error (&error);
  cw_dbus_manager1_call_add_provider_sync (manager, "out", "outside", settings ("log", log, NULL), &path, NULL,
                                           &error);
  g_assert_no_error (error);
  proxy = provider_proxy (path);
  cw_dbus_provider1_call_test_sync (proxy, "Example.TEST.", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  g_assert_true (g_regex_match_simple ("^present _certward-test.example.test (\\S{43}) example.test\n"
                                       "cleanup _certward-test.example.test \\1 example.test\n$", text, 0, 0));
  cw_dbus_provider1_call_remove_sync (proxy, NULL, &error);
  g_assert_no_error (error);
  cw_test_daemon_stop (daemon);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  cw_test_bus_up ();
  g_test_add_func ("/dns01/outside-plugin", test_outside_plugin);
  g_test_add_func ("/dns01/rfc2136-wildcard", test_rfc2136_wildcard);
  g_test_add_func ("/dns01/cname", test_cname);
  g_test_add_func ("/dns01/wrong-key", test_wrong_key);
  g_test_add_func ("/dns01/lagging-secondary", test_lagging_secondary);
  g_test_add_func ("/dns01/crash-and-shutdown", test_crash_and_shutdown);
  g_test_add_func ("/dns01/powerdns", test_powerdns);
  return g_test_run ();
}
