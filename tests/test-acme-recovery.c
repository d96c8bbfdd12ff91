/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A CA that forgets: a real Pebble (it keeps accounts in memory only)
 * restarted between two orders. The account the agent made on first use
 * is registered again by itself, in the same Account1 object, once for all
 * the orders that noticed, and the log names the old and new URLs; an
 * account the administrator made with External Account Binding is not
 * replaced, and its certificate says what to do. Ports 24330–24345 belong
 * to this program. */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-pebble.h"
#include "cw-test-util.h"

#define BUS_NAME "org.certward.Certward1"
#define ISSUE_TIMEOUT 90

typedef struct {
  CwTestDaemon   *daemon;
  CwDBusManager1 *manager;
  CwTestEvents   *events;
} Fixture;

static void
connect_daemon (Fixture *f)
{
  cw_test_daemon_start (f->daemon);
  f->events = cw_test_events_new ();
  f->manager = cw_test_manager ();
}

static void
disconnect_daemon (Fixture *f)
{
  g_clear_pointer (&f->events, cw_test_events_free);
  g_clear_object (&f->manager);
}

static void
fixture_start (Fixture *f, CwTestPebble *p)
{
  g_autofree gchar *config = g_strdup_printf ("[acme]\ndirectory=%s\nca-file=%s\ncontact=admin@example.test\n"
                                              "[http-01]\naddress=127.0.0.1\nport=%u\n",
                                              p->directory, p->ca_file, p->http_port);

  f->daemon = cw_test_daemon_new (config);
  f->daemon->log = g_build_filename (f->daemon->state_dir, "daemon.log", NULL);
  connect_daemon (f);
}

static void
fixture_stop (Fixture *f)
{
  disconnect_daemon (f);
  cw_test_daemon_stop (f->daemon);
  cw_test_daemon_free (f->daemon);
}

static CwDBusCertificate1 *
request (Fixture *f, const gchar *name, GVariant *options)
{
  g_autofree gchar *host = g_strdup_printf ("%s.example.test", name);
  const gchar *ids[] = { host, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;

  cw_dbus_manager1_call_request_sync (f->manager, name, ids, options != NULL ? options : cw_test_options (NULL), &path,
                                      NULL, &error);
  g_assert_no_error (error);
  return cw_test_certificate (path);
}

static void
renew (CwDBusCertificate1 *cert)
{
  g_autoptr(GError) error = NULL;

  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL,
                                        &error);
  g_assert_no_error (error);
}

static gchar *
wait_outcome (Fixture *f, const gchar *name)
{
  return cw_test_events_wait_outcome (f->events, name, ISSUE_TIMEOUT);
}

static CwDBusAccount1 *
the_account (Fixture *f)
{
  g_auto(GStrv) accounts = NULL;
  g_autoptr(GError) error = NULL;
  CwDBusAccount1 *account;

  cw_dbus_manager1_call_get_accounts_sync (f->manager, &accounts, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (accounts), ==, 1);
  account = cw_dbus_account1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, accounts[0], NULL,
                                             &error);
  g_assert_no_error (error);
  return account;
}

static guint
count (const gchar *text, const gchar *needle)
{
  guint n = 0;

  for (const gchar *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
test_restarted_ca (void)
{
  g_autoptr(CwTestPebble) p = cw_test_pebble_start (24330, NULL);
  Fixture f = { 0 };
  g_autoptr(CwDBusCertificate1) first = NULL, second = NULL;
  g_autoptr(CwDBusAccount1) account = NULL;
  g_autofree gchar *event = NULL, *old_url = NULL, *old_thumbprint = NULL, *path = NULL, *log = NULL;
  g_autofree gchar *needle = NULL, *root = NULL, *command = NULL, *verified = NULL;

  fixture_start (&f, p);
  first = request (&f, "first", NULL);
  event = wait_outcome (&f, "first");
  g_assert_cmpstr (event, ==, "added");
  account = the_account (&f);
  old_url = g_strdup (cw_dbus_account1_get_url (account));
  old_thumbprint = g_strdup (cw_dbus_account1_get_thumbprint (account));
  path = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (account)));
  g_clear_object (&account);

  /* the CA forgets everything */
  cw_test_pebble_restart (p);

  /* a renewal and a new certificate at once: both notice, one registration */
  renew (first);
  second = request (&f, "second", NULL);
  g_free (event);
  event = wait_outcome (&f, "first");
  g_assert_cmpstr (event, ==, "renewed");
  g_free (event);
  event = wait_outcome (&f, "second");
  g_assert_cmpstr (event, ==, "added");
  cw_test_certificate_reload (&first);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (first), ==, "valid");
  g_assert_cmpstr (cw_dbus_certificate1_get_last_error (first), ==, "");
  root = cw_test_pebble_root_file (p);
  command = g_strdup_printf ("openssl verify -CAfile '%s' -untrusted '%s' '%s'", root,
                             cw_dbus_certificate1_get_chain_path (first),
                             cw_dbus_certificate1_get_certificate_path (first));
  g_assert_cmpint (cw_test_run (command, &verified), ==, 0);
  g_assert_nonnull (strstr (verified, ": OK"));

  /* the same object, a new registration and a new key */
  account = the_account (&f);
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (account)), ==, path);
  g_assert_cmpstr (cw_dbus_account1_get_status (account), ==, "valid");
  g_assert_cmpstr (cw_dbus_account1_get_url (account), !=, old_url);
  g_assert_cmpstr (cw_dbus_account1_get_thumbprint (account), !=, old_thumbprint);
  g_assert_cmpstr (cw_dbus_account1_get_contact (account)[0], ==, "mailto:admin@example.test");

  /* said once, with both URLs */
  log = cw_test_daemon_log (f.daemon);
  needle = g_strdup_printf ("no longer knows %s; registered it again with a new key as %s", old_url,
                            cw_dbus_account1_get_url (account));
  g_assert_cmpuint (count (log, needle), ==, 1);
  g_assert_cmpuint (count (log, "registered it again"), ==, 1);

  /* kept: after a restart of the agent the new registration is the one used */
  {
    g_autofree gchar *url = g_strdup (cw_dbus_account1_get_url (account));

    g_clear_object (&account);
    disconnect_daemon (&f);
    cw_test_daemon_stop (f.daemon);
    connect_daemon (&f);
    account = the_account (&f);
    g_assert_cmpstr (cw_dbus_account1_get_url (account), ==, url);
    renew (first);
    g_free (event);
    event = wait_outcome (&f, "first");
    g_assert_cmpstr (event, ==, "renewed");
  }
  fixture_stop (&f);
}

/* The administrator's account (External Account Binding): not replaced;
 * the certificate's LastError says what to do. */
static void
test_eab (void)
{
  CwTestPebbleOptions options = { .eab_kid = "kid-1",
                                  .eab_hmac_key = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W" };
  g_autoptr(CwTestPebble) p = cw_test_pebble_start (24340, &options);
  Fixture f = { 0 };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(CwDBusAccount1) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL, *event = NULL, *url = NULL, *log = NULL;
  const gchar *last_error;

  fixture_start (&f, p);
  cw_dbus_manager1_call_create_account_sync (
    f.manager, "",
    cw_test_options ("agree-terms", g_variant_new_boolean (TRUE), "eab-kid", g_variant_new_string (options.eab_kid),
                     "eab-hmac-key", g_variant_new_string (options.eab_hmac_key), NULL),
    &path, NULL, &error);
  g_assert_no_error (error);
  cert = request (&f, "bound", cw_test_options ("account", g_variant_new_object_path (path), NULL));
  event = wait_outcome (&f, "bound");
  g_assert_cmpstr (event, ==, "added");
  account = the_account (&f);
  url = g_strdup (cw_dbus_account1_get_url (account));
  g_clear_object (&account);

  cw_test_pebble_restart (p);
  renew (cert);
  g_free (event);
  event = wait_outcome (&f, "bound");
  g_assert_cmpstr (event, ==, "failed");
  cw_test_certificate_reload (&cert);
  last_error = cw_dbus_certificate1_get_last_error (cert);
  g_test_message ("%s", last_error);
  /* the CA's words, whose account, and what to do */
  g_assert_nonnull (strstr (last_error, "accountDoesNotExist"));
  g_assert_nonnull (strstr (last_error, "made with CreateAccount"));
  g_assert_nonnull (strstr (last_error, "certwardctl account create"));
  g_assert_nonnull (strstr (last_error, "External Account Binding"));
  /* the previous certificate stays in use, the account as it was */
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 1);
  account = the_account (&f);
  g_assert_cmpstr (cw_dbus_account1_get_url (account), ==, url);
  log = cw_test_daemon_log (f.daemon);
  g_assert_cmpuint (count (log, "registered it again"), ==, 0);
  fixture_stop (&f);
}

int
main (int argc, char **argv)
{
  int status;

  cw_test_init (&argc, &argv);
  cw_test_bus_up ();
  g_test_add_func ("/acme-recovery/restarted-ca", test_restarted_ca);
  g_test_add_func ("/acme-recovery/eab", test_eab);
  status = g_test_run ();
  cw_test_bus_down ();
  return status;
}
