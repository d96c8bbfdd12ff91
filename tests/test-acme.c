/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ACME issuance through the real certwardd against a real Pebble (Debian's
 * pebble and pebble-challtestsrv on loopback): the three HTTP-01 modes,
 * several names and an IP address, failures, revocation, account key
 * rollover, reissue with and without the key, half the nonces rejected,
 * and External Account Binding. Issued chains are checked with OpenSSL
 * against the root Pebble made. Ports 24100–24199 belong to this program. */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-pebble.h"
#include "cw-test-util.h"

#include <libsoup/soup.h>
#include <sys/stat.h>

#define BUS_NAME "org.certward.Certward1"
#define MANAGER_PATH "/org/certward/Certward1"
#define ISSUE_TIMEOUT 90

static CwTestPebble *pebble;   /* the shared one, on 24100 */

typedef struct {
  CwTestDaemon   *daemon;
  CwDBusManager1 *manager;
  CwTestEvents   *events;
  SoupServer     *web;      /* the "PBX's web server" on Pebble's HTTP-01 port */
  gchar          *webroot;
} Fixture;

static gchar *
config_for (CwTestPebble *p, const gchar *extra)
{
  return g_strdup_printf ("[acme]\ndirectory=%s\nca-file=%s\ncontact=admin@example.test\n"
                          "[http-01]\naddress=127.0.0.1\nport=%u\n%s",
                          p->directory, p->ca_file, p->http_port, extra != NULL ? extra : "");
}

static void
fixture_start (Fixture *f, CwTestPebble *p, const gchar *extra_config)
{
  g_autofree gchar *config = config_for (p, extra_config);

  f->daemon = cw_test_daemon_new (config);
  cw_test_daemon_connect (f->daemon, &f->manager, &f->events);
}

static void
fixture_stop (Fixture *f)
{
  cw_test_daemon_disconnect (&f->manager, &f->events);
  if (f->web != NULL) {
    soup_server_disconnect (f->web);
    g_clear_object (&f->web);
  }
  if (f->webroot != NULL) {
    cw_test_rmdir (f->webroot);
    g_free (f->webroot);
  }
  cw_test_daemon_finish (&f->daemon, NULL, NULL);
}

/* Waits for @name's order to end: "added", "renewed" or "failed". */
static gchar *
wait_outcome (Fixture *f, const gchar *name)
{
  return cw_test_events_wait_outcome (f->events, name, ISSUE_TIMEOUT);
}

static gchar *
request (Fixture *f, const gchar *name, const gchar * const *identities, GVariant *options)
{
  g_autoptr(GError) error = NULL;
  gchar *path = NULL;

  cw_dbus_manager1_call_request_sync (f->manager, name, identities,
                                      options != NULL ? options : cw_test_options (NULL), &path, NULL, &error);
  g_assert_no_error (error);
  return path;
}

/* The published files chain up to Pebble's root (OpenSSL, not us). */
static void
assert_verifies (CwDBusCertificate1 *cert, CwTestPebble *p)
{
  g_autofree gchar *root = cw_test_pebble_root_file (p);
  g_autofree gchar *command = g_strdup_printf ("openssl verify -CAfile '%s' -untrusted '%s' '%s'", root,
                                               cw_dbus_certificate1_get_chain_path (cert),
                                               cw_dbus_certificate1_get_certificate_path (cert));
  g_autofree gchar *out = NULL;

  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  g_assert_nonnull (strstr (out, ": OK"));
}

static gchar *
key_fingerprint (CwDBusCertificate1 *cert)
{
  g_autofree gchar *command = g_strdup_printf ("openssl pkey -in '%s' -pubout | sha256sum",
                                               cw_dbus_certificate1_get_key_path (cert));
  gchar *out = NULL;

  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  return out;
}

static gboolean
port_listening (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

  return connection != NULL;
}

/* ---- the tests ---------------------------------------------------------- */

static void
test_single_name (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "www.example.test", NULL };
  g_autofree gchar *path = NULL, *event = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_auto(GStrv) accounts = NULL;
  g_autoptr(CwDBusAccount1) account = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  fixture_start (&f, pebble, NULL);
  path = request (&f, "www", ids, NULL);
  cert = cw_test_certificate (path);
  /* the call returns at once; the order runs in the background */
  g_assert_cmpstr (cw_dbus_certificate1_get_source (cert), ==, "acme");
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "pending");

  event = wait_outcome (&f, "www");
  g_assert_cmpstr (event, ==, "added");
  cw_test_certificate_reload (&cert);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "valid");
  g_assert_cmpstr (cw_dbus_certificate1_get_last_error (cert), ==, "");
  g_assert_cmpstr (cw_dbus_certificate1_get_source (cert), ==, "acme");
  g_assert_cmpstr (cw_dbus_certificate1_get_key_type (cert), ==, "ec-p256");
  g_assert_true (cw_dbus_certificate1_get_key_matches (cert));
  g_assert_true (g_strv_equal (cw_dbus_certificate1_get_identities (cert), ids));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_issuer (cert), "Pebble"));
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 1);
  assert_verifies (cert, pebble);
  g_assert_cmpint (stat (cw_dbus_certificate1_get_key_path (cert), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  /* the standalone responder only listens while challenges are pending */
  g_assert_false (port_listening (pebble->http_port));

  /* an account was registered on first use, with the configured contact */
  cw_dbus_manager1_call_get_accounts_sync (f.manager, &accounts, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (accounts), ==, 1);
  account = cw_dbus_account1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, accounts[0], NULL,
                                             &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_dbus_account1_get_status (account), ==, "valid");
  g_assert_cmpstr (cw_dbus_account1_get_directory (account), ==, pebble->directory);
  g_assert_cmpstr (cw_dbus_account1_get_contact (account)[0], ==, "mailto:admin@example.test");
  g_assert_cmpstr (cw_dbus_account1_get_key_type (account), ==, "ec-p256");
  g_assert_cmpuint (strlen (cw_dbus_account1_get_thumbprint (account)), ==, 43);
  g_assert_true (g_str_has_prefix (cw_dbus_account1_get_terms_of_service (account), "data:"));
  fixture_stop (&f);
}

static void
test_names_and_ip (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "a.example.test", "b.example.test", "127.0.0.1", NULL };
  g_autofree gchar *path = NULL, *event = NULL, *text = NULL, *command = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;

  fixture_start (&f, pebble, NULL);
  path = request (&f, "multi", ids, cw_test_options ("key-type", g_variant_new_string ("rsa-2048"), NULL));
  event = wait_outcome (&f, "multi");
  g_assert_cmpstr (event, ==, "added");
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_key_type (cert), ==, "rsa-2048");
  g_assert_true (g_strv_contains (cw_dbus_certificate1_get_identities (cert), "a.example.test"));
  g_assert_true (g_strv_contains (cw_dbus_certificate1_get_identities (cert), "b.example.test"));
  g_assert_true (g_strv_contains (cw_dbus_certificate1_get_identities (cert), "127.0.0.1"));
  /* an IP address in the SAN as an IP, checked by OpenSSL */
  command = g_strdup_printf ("openssl x509 -in '%s' -noout -ext subjectAltName",
                             cw_dbus_certificate1_get_certificate_path (cert));
  g_assert_cmpint (cw_test_run (command, &text), ==, 0);
  g_assert_nonnull (strstr (text, "IP Address:127.0.0.1"));
  assert_verifies (cert, pebble);
  fixture_stop (&f);
}

/* The "PBX's web server": serves the webroot, or asks the agent. */
static void
serve_webroot (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  Fixture *f = user_data;
  g_autofree gchar *file = g_build_filename (f->webroot, path, NULL);
  g_autofree gchar *body = NULL;
  gsize len = 0;

  if (strstr (path, "..") == NULL && g_file_get_contents (file, &body, &len, NULL)) {
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, body, len);
  } else {
    soup_server_message_set_status (msg, 404, NULL);
  }
}

static void
answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *answer = NULL;

  if (cw_dbus_manager1_call_get_http_challenge_finish (CW_DBUS_MANAGER1 (source), &answer, result, &error)) {
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, answer, strlen (answer));
  } else {
    soup_server_message_set_status (msg, 404, NULL);
  }
  soup_server_message_unpause (msg);
}

static void
serve_dbus (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  Fixture *f = user_data;
  const gchar *prefix = "/.well-known/acme-challenge/";

  if (!g_str_has_prefix (path, prefix)) {
    soup_server_message_set_status (msg, 404, NULL);
    return;
  }
  soup_server_message_pause (msg);
  cw_dbus_manager1_call_get_http_challenge (f->manager, path + strlen (prefix), NULL, answered, g_object_ref (msg));
}

static void
web_server (Fixture *f, SoupServerCallback callback)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", pebble->http_port);

  f->web = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->web, "/", callback, f, NULL);
  soup_server_listen (f->web, address, 0, &error);
  g_assert_no_error (error);
}

static void
test_webroot (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "webroot.example.test", NULL };
  g_autofree gchar *path = NULL, *event = NULL, *challenge_dir = NULL;
  g_autoptr(GDir) dir = NULL;

  fixture_start (&f, pebble, NULL);
  f.webroot = cw_test_mkdtemp ();
  web_server (&f, serve_webroot);
  path = request (&f, "webroot", ids,
                  cw_test_options ("http-01-mode", g_variant_new_string ("webroot"), "webroot",
                                   g_variant_new_string (f.webroot), NULL));
  event = wait_outcome (&f, "webroot");
  g_assert_cmpstr (event, ==, "added");
  /* the token files are gone again */
  challenge_dir = g_build_filename (f.webroot, ".well-known", "acme-challenge", NULL);
  dir = g_dir_open (challenge_dir, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
  fixture_stop (&f);
}

static void
test_dbus_responder (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "pbx.example.test", NULL };
  g_autofree gchar *path = NULL, *event = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *answer = NULL;

  /* the configuration's default mode, here */
  fixture_start (&f, pebble, "mode=dbus\n");
  web_server (&f, serve_dbus);
  path = request (&f, "pbx", ids, NULL);
  event = wait_outcome (&f, "pbx");
  g_assert_cmpstr (event, ==, "added");
  /* nothing pending any more */
  g_assert_false (cw_dbus_manager1_call_get_http_challenge_sync (f.manager, "sometoken", &answer, NULL, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.NotFound", "no HTTP-01 challenge");
  fixture_stop (&f);
}

static void
test_failing_challenge (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "fail.example.test", NULL };
  g_autofree gchar *path = NULL, *event = NULL, *fingerprint = NULL, *empty = cw_test_mkdtemp ();
  g_autoptr(CwDBusCertificate1) cert = NULL;

  fixture_start (&f, pebble, NULL);
  path = request (&f, "fail", ids, NULL);
  event = wait_outcome (&f, "fail");
  g_assert_cmpstr (event, ==, "added");
  cert = cw_test_certificate (path);
  fingerprint = g_strdup (cw_dbus_certificate1_get_fingerprint (cert));

  /* now the token goes where no web server serves it */
  g_free (request (&f, "fail", ids,
                   cw_test_options ("http-01-mode", g_variant_new_string ("webroot"), "webroot",
                                    g_variant_new_string (empty), NULL)));
  g_free (event);
  event = wait_outcome (&f, "fail");
  g_assert_cmpstr (event, ==, "failed");
  cw_test_certificate_reload (&cert);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "failed");
  /* the CA's reason, naming the name and the challenge */
  g_test_message ("LastError: %s", cw_dbus_certificate1_get_last_error (cert));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (cert), "http-01 for fail.example.test"));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (cert), "onnection refused"));
  /* the previous revision is still the current one */
  g_assert_cmpstr (cw_dbus_certificate1_get_fingerprint (cert), ==, fingerprint);
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 1);
  assert_verifies (cert, pebble);
  cw_test_rmdir (empty);
  fixture_stop (&f);
}

static void
test_unreachable_ca (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "nowhere.example.test", NULL };
  g_autofree gchar *path = NULL, *event = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;

  fixture_start (&f, pebble, NULL);
  /* nothing listens on 24199 */
  path = request (&f, "nowhere", ids,
                  cw_test_options ("directory", g_variant_new_string ("https://127.0.0.1:24199/dir"), NULL));
  event = wait_outcome (&f, "nowhere");
  g_assert_cmpstr (event, ==, "failed");
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "failed");
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (cert), "cannot reach the ACME server"));
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 0);
  fixture_stop (&f);
}

/* Without [acme] ca-file the CA's HTTPS is not trusted: the agent's own
 * TLS verification must refuse it. */
static void
test_untrusted_ca (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "untrusted.example.test", NULL };
  g_autofree gchar *path = NULL, *event = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;

  fixture_start (&f, pebble, "[acme]\nca-file=\n");
  path = request (&f, "untrusted", ids, NULL);
  event = wait_outcome (&f, "untrusted");
  g_assert_cmpstr (event, ==, "failed");
  cert = cw_test_certificate (path);
  g_test_message ("%s", cw_dbus_certificate1_get_last_error (cert));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (cert), "cannot reach the ACME server"));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (cert), "TLS certificate"));
  fixture_stop (&f);
}

static void
test_revoke (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "revoke.example.test", NULL };
  g_autofree gchar *path = NULL, *event = NULL, *serial = NULL, *key = NULL, *status = NULL, *url = NULL;
  g_autofree gchar *new_key = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;

  fixture_start (&f, pebble, NULL);
  path = request (&f, "revoke", ids, NULL);
  event = wait_outcome (&f, "revoke");
  g_assert_cmpstr (event, ==, "added");
  cert = cw_test_certificate (path);
  serial = g_strdup (cw_dbus_certificate1_get_serial (cert));
  key = key_fingerprint (cert);

  /* a bad reason is refused before anything is sent */
  g_assert_false (cw_dbus_certificate1_call_revoke_sync (cert, 7, NULL, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "not a revocation reason");
  g_clear_error (&error);

  cw_dbus_certificate1_call_revoke_sync (cert, 1, NULL, &error);
  g_assert_no_error (error);
  g_free (event);
  event = wait_outcome (&f, "revoke");
  g_assert_cmpstr (event, ==, "renewed");
  cw_test_certificate_reload (&cert);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "valid");
  g_assert_cmpstr (cw_dbus_certificate1_get_serial (cert), !=, serial);
  new_key = key_fingerprint (cert);
  g_assert_cmpstr (new_key, !=, key);   /* a revoked certificate's key is not reused */
  assert_verifies (cert, pebble);
  /* Pebble says the old one is revoked */
  url = g_strdup_printf ("/cert-status-by-serial/%s", serial);
  status = cw_test_pebble_management (pebble, url);
  g_test_message ("status of %s: %s", serial, status);
  g_assert_nonnull (strstr (status, "Revoked"));
  fixture_stop (&f);
}

static void
test_rollover (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "roll.example.test", NULL };
  g_autofree gchar *path = NULL, *event = NULL, *thumbprint = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(CwDBusAccount1) account = NULL;
  g_auto(GStrv) accounts = NULL;
  g_autoptr(GError) error = NULL;

  fixture_start (&f, pebble, NULL);
  path = request (&f, "roll", ids, NULL);
  event = wait_outcome (&f, "roll");
  g_assert_cmpstr (event, ==, "added");
  cw_dbus_manager1_call_get_accounts_sync (f.manager, &accounts, NULL, &error);
  g_assert_no_error (error);
  account = cw_dbus_account1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, accounts[0], NULL,
                                             &error);
  g_assert_no_error (error);
  thumbprint = g_strdup (cw_dbus_account1_get_thumbprint (account));

  cw_dbus_account1_call_rollover_key_sync (account, NULL, &error);
  g_assert_no_error (error);
  cw_test_settle ();
  g_assert_cmpstr (cw_dbus_account1_get_thumbprint (account), !=, thumbprint);

  /* the next order is signed with the new key, and Pebble accepts it */
  cert = cw_test_certificate (path);
  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL,
                                        &error);
  g_assert_no_error (error);
  g_free (event);
  event = wait_outcome (&f, "roll");
  g_assert_cmpstr (event, ==, "renewed");

  /* contact updates go to the CA and come back */
  {
    static const gchar *const contact[] = { "pbx-admin@example.test", NULL };

    cw_dbus_account1_call_update_contact_sync (account, contact, NULL, &error);
    g_assert_no_error (error);
    cw_test_settle ();
    g_assert_cmpstr (cw_dbus_account1_get_contact (account)[0], ==, "mailto:pbx-admin@example.test");
  }

  /* deactivated for good: orders with it are refused with a reason */
  cw_dbus_account1_call_deactivate_sync (account, NULL, &error);
  g_assert_no_error (error);
  cw_test_settle ();
  g_assert_cmpstr (cw_dbus_account1_get_status (account), ==, "deactivated");
  {
    static const gchar *const more[] = { "after.example.test", NULL };
    g_autoptr(CwDBusCertificate1) after = NULL;

    g_free (path);
    path = request (&f, "after", more,
                    cw_test_options ("account", g_variant_new_object_path (accounts[0]), NULL));
    g_free (event);
    event = wait_outcome (&f, "after");
    g_assert_cmpstr (event, ==, "failed");
    after = cw_test_certificate (path);
    g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (after), "is deactivated"));
  }
  fixture_stop (&f);
}

static void
test_reissue_key (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "rekey.example.test", NULL };
  g_autofree gchar *path = NULL, *event = NULL, *key1 = NULL, *key2 = NULL, *key3 = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;

  fixture_start (&f, pebble, NULL);
  path = request (&f, "rekey", ids, NULL);
  event = wait_outcome (&f, "rekey");
  g_assert_cmpstr (event, ==, "added");
  cert = cw_test_certificate (path);
  key1 = key_fingerprint (cert);

  /* not due: refused without force */
  g_assert_false (cw_dbus_certificate1_call_renew_sync (cert, cw_test_options (NULL), NULL, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.NotDue", "not due");
  g_clear_error (&error);

  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), "reuse-key",
                                                               g_variant_new_boolean (TRUE), NULL), NULL, &error);
  g_assert_no_error (error);
  g_free (event);
  event = wait_outcome (&f, "rekey");
  g_assert_cmpstr (event, ==, "renewed");
  cw_test_certificate_reload (&cert);
  key2 = key_fingerprint (cert);
  g_assert_cmpstr (key2, ==, key1);
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 2);

  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL,
                                        &error);
  g_assert_no_error (error);
  g_free (event);
  event = wait_outcome (&f, "rekey");
  g_assert_cmpstr (event, ==, "renewed");
  cw_test_certificate_reload (&cert);
  key3 = key_fingerprint (cert);
  g_assert_cmpstr (key3, !=, key1);
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 3);
  fixture_stop (&f);
}

static void
test_bad_requests (void)
{
  Fixture f = { 0 };
  static const gchar *const wildcard[] = { "*.example.test", NULL };
  static const gchar *const none[] = { NULL };
  static const gchar *const ok[] = { "ok.example.test", NULL };
  g_autoptr(GError) error = NULL;
  gchar *path = NULL;

  fixture_start (&f, pebble, NULL);
  g_assert_false (cw_dbus_manager1_call_request_sync (f.manager, "w", wildcard, cw_test_options (NULL), &path, NULL,
                                                      &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "dns-01");
  g_clear_error (&error);
  g_assert_false (cw_dbus_manager1_call_request_sync (f.manager, "n", none, cw_test_options (NULL), &path, NULL,
                                                      &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "at least one");
  g_clear_error (&error);
  g_assert_false (cw_dbus_manager1_call_request_sync (
      f.manager, "d", ok, cw_test_options ("directory", g_variant_new_string ("http://127.0.0.1/dir"), NULL), &path,
      NULL, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "https://");
  g_clear_error (&error);
  g_assert_false (cw_dbus_manager1_call_request_sync (
      f.manager, "m", ok, cw_test_options ("http-01-mode", g_variant_new_string ("carrier-pigeon"), NULL), &path, NULL,
      &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "carrier-pigeon");
  g_clear_error (&error);
  g_assert_false (cw_dbus_manager1_call_request_sync (
      f.manager, "k", ok, cw_test_options ("key-type", g_variant_new_string ("rsa-1024"), NULL), &path, NULL, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.WeakKey", "rsa-1024");
  g_clear_error (&error);
  g_assert_false (cw_dbus_manager1_call_request_sync (
      f.manager, "o", ok, cw_test_options ("colour", g_variant_new_string ("blue"), NULL), &path, NULL, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "colour");
  g_clear_error (&error);
  /* a name in use by a certificate that does not come from ACME */
  g_assert_false (cw_dbus_manager1_call_request_sync (f.manager, "system", ok, cw_test_options (NULL), &path, NULL,
                                                      &error));
  cw_test_assert_remote_error (error, "org.certward.Error.Exists", "does not come from ACME");
  g_clear_error (&error);
  /* the terms must be agreed to explicitly */
  g_assert_false (cw_dbus_manager1_call_create_account_sync (f.manager, pebble->directory, cw_test_options (NULL),
                                                             &path, NULL, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "terms of service");
  fixture_stop (&f);
}

/* Half the nonces rejected (badNonce): every order still completes. */
static void
test_nonce_reject (void)
{
  g_autoptr(CwTestPebble) p = NULL;
  CwTestPebbleOptions options = { .nonce_reject = 50 };
  Fixture f = { 0 };
  const guint n = 8;

  p = cw_test_pebble_start (24110, &options);
  fixture_start (&f, p, NULL);
  for (guint i = 0; i < n; i++) {
    g_autofree gchar *name = g_strdup_printf ("n%u", i);
    g_autofree gchar *host = g_strdup_printf ("n%u.example.test", i);
    const gchar *ids[] = { host, NULL };

    g_free (request (&f, name, ids, NULL));
  }
  for (guint i = 0; i < n; i++) {
    g_autofree gchar *name = g_strdup_printf ("n%u", i);
    g_autofree gchar *event = wait_outcome (&f, name);

    g_assert_cmpstr (event, ==, "added");
  }
  fixture_stop (&f);
}

/* A CA that requires External Account Binding. */
static void
test_eab (void)
{
  g_autoptr(CwTestPebble) p = NULL;
  /* base64url of 32 bytes */
  CwTestPebbleOptions options = { .eab_kid = "kid-1", .eab_hmac_key = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W" };
  Fixture f = { 0 };
  static const gchar *const ids[] = { "eab.example.test", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *account = NULL, *path = NULL, *event = NULL;

  p = cw_test_pebble_start (24120, &options);
  fixture_start (&f, p, NULL);

  /* without the binding: a clear refusal before the CA is bothered */
  g_assert_false (cw_dbus_manager1_call_create_account_sync (
      f.manager, "", cw_test_options ("agree-terms", g_variant_new_boolean (TRUE), NULL), &account, NULL, &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "External Account Binding");
  g_clear_error (&error);
  /* a wrong HMAC key: the CA refuses */
  g_assert_false (cw_dbus_manager1_call_create_account_sync (
      f.manager, "",
      cw_test_options ("agree-terms", g_variant_new_boolean (TRUE), "eab-kid", g_variant_new_string ("kid-1"),
                       "eab-hmac-key", g_variant_new_string ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), NULL),
      &account, NULL, &error));
  g_test_message ("wrong HMAC: %s", error->message);
  cw_test_assert_remote_error (error, "org.certward.Error.Acme", "new account");
  g_clear_error (&error);
  /* a Request without an account cannot register one either */
  g_free (request (&f, "eab-auto", ids, NULL));
  g_free (event);
  event = wait_outcome (&f, "eab-auto");
  g_assert_cmpstr (event, ==, "failed");

  /* the right one */
  cw_dbus_manager1_call_create_account_sync (
      f.manager, "",
      cw_test_options ("agree-terms", g_variant_new_boolean (TRUE), "eab-kid", g_variant_new_string ("kid-1"),
                       "eab-hmac-key", g_variant_new_string (options.eab_hmac_key), "contact",
                       g_variant_new_strv ((const gchar *[]) { "eab@example.test", NULL }, -1), NULL),
      &account, NULL, &error);
  g_assert_no_error (error);
  path = request (&f, "eab", ids, cw_test_options ("account", g_variant_new_object_path (account), NULL));
  g_free (event);
  event = wait_outcome (&f, "eab");
  g_assert_cmpstr (event, ==, "added");
  fixture_stop (&f);
}

/* certwardctl request, show, renew, revoke and account, as an administrator
 * types them. */
static void
test_cli (void)
{
  Fixture f = { 0 };
  g_autofree gchar *out = NULL;
  const gchar *ctl = g_getenv ("CERTWARDCTL");
  g_autofree gchar *request = g_strdup_printf ("%s --session request cli --id cli.example.test --id 127.0.0.1 2>&1", ctl);
  g_autofree gchar *show = g_strdup_printf ("%s --session show cli 2>&1", ctl);
  g_autofree gchar *renew = g_strdup_printf ("%s --session renew cli --force --reuse-key 2>&1", ctl);
  g_autofree gchar *revoke = g_strdup_printf ("%s --session revoke cli --reason keyCompromise 2>&1", ctl);
  g_autofree gchar *accounts = g_strdup_printf ("%s --session account list 2>&1", ctl);
  g_autofree gchar *wildcard = g_strdup_printf ("%s --session request w --id '*.example.test' 2>&1", ctl);
  g_autofree gchar *fail = g_strdup_printf ("%s --session request cli --id cli.example.test --http-01-mode webroot "
                                            "--webroot /nonexistent/certward-www 2>&1", ctl);

  fixture_start (&f, pebble, NULL);
  /* the CLI waits for the outcome and says it */
  g_assert_cmpint (cw_test_run (request, &out), ==, 0);
  g_test_message ("%s", out);
  g_assert_true (g_str_has_prefix (out, "Issued cli by "));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cw_test_run (show, &out), ==, 0);
  g_assert_nonnull (strstr (out, "acme"));
  g_assert_nonnull (strstr (out, pebble->directory));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cw_test_run (renew, &out), ==, 0);
  g_assert_true (g_str_has_prefix (out, "Renewed cli by "));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cw_test_run (revoke, &out), ==, 0);
  g_assert_nonnull (strstr (out, "Revoked cli"));
  g_assert_nonnull (strstr (out, "Renewed cli by "));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cw_test_run (accounts, &out), ==, 0);
  g_assert_nonnull (strstr (out, "valid"));
  g_assert_nonnull (strstr (out, "mailto:admin@example.test"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cw_test_run (wildcard, &out), ==, 1);
  g_assert_nonnull (strstr (out, "dns-01"));
  g_clear_pointer (&out, g_free);
  /* a failed order: the CA's reason, exit status 1 */
  g_assert_cmpint (cw_test_run (fail, &out), ==, 1);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "certwardctl: cli: the webroot “/nonexistent/certward-www” is not a directory"));
  g_assert_false (g_file_test ("/nonexistent", G_FILE_TEST_EXISTS));
  fixture_stop (&f);
}

int
main (int argc, char **argv)
{
  int status;

  cw_test_init (&argc, &argv);
  cw_test_bus_up ();
  pebble = cw_test_pebble_start (24100, NULL);

  g_test_add_func ("/acme/single-name", test_single_name);
  g_test_add_func ("/acme/names-and-ip", test_names_and_ip);
  g_test_add_func ("/acme/http01-webroot", test_webroot);
  g_test_add_func ("/acme/http01-dbus", test_dbus_responder);
  g_test_add_func ("/acme/failing-challenge", test_failing_challenge);
  g_test_add_func ("/acme/unreachable-ca", test_unreachable_ca);
  g_test_add_func ("/acme/untrusted-ca", test_untrusted_ca);
  g_test_add_func ("/acme/revoke", test_revoke);
  g_test_add_func ("/acme/rollover", test_rollover);
  g_test_add_func ("/acme/reissue-key", test_reissue_key);
  g_test_add_func ("/acme/bad-requests", test_bad_requests);
  g_test_add_func ("/acme/cli", test_cli);
  g_test_add_func ("/acme/nonce-reject", test_nonce_reject);
  g_test_add_func ("/acme/eab", test_eab);
  status = g_test_run ();

  cw_test_pebble_stop (pebble);
  cw_test_bus_down ();
  return status;
}
