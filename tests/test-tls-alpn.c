/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TLS-ALPN-01 (RFC 8737) through the real certwardd against a real Pebble,
 * which validates on its tlsPort: the agent's own listener for a name and
 * for an IP address (RFC 8738, the reverse name as SNI), a port where an
 * ordinary TLS server answers instead (the CA's reason in LastError),
 * Debian's nginx routing acme-tls/1 to the agent with the snippet shipped
 * in docs/ while it serves ordinary HTTPS on the same port, and the D-Bus
 * mode for a PBX's own TLS server. Ports 24320–24339 belong to this
 * program (Pebble 24320–24325, its tlsPort 24323). */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-pebble.h"
#include "cw-test-util.h"

#include <signal.h>
#include <sys/prctl.h>

#define PEBBLE_BASE 24320
#define TLS_PORT (PEBBLE_BASE + 3)   /* where Pebble validates */
#define AGENT_PORT 24326             /* the agent behind nginx */
#define HTTPS_PORT 24327             /* the "PBX's" HTTPS server behind nginx */
#define RELAY_PORT 24328             /* the test's window into the validation */
#define ISSUE_TIMEOUT 90

static CwTestPebble *pebble;

typedef struct {
  CwTestDaemon   *daemon;
  CwDBusManager1 *manager;
  CwTestEvents   *events;
} Fixture;

static void
fixture_start (Fixture *f, const gchar *acme_extra, guint port, const gchar *alpn_extra)
{
  g_autofree gchar *config = g_strdup_printf ("[acme]\ndirectory=%s\nca-file=%s\ncontact=admin@example.test\n%s"
                                              "[tls-alpn-01]\naddress=127.0.0.1\nport=%u\n%s",
                                              pebble->directory, pebble->ca_file, acme_extra != NULL ? acme_extra : "",
                                              port, alpn_extra != NULL ? alpn_extra : "");

  f->daemon = cw_test_daemon_new (config);
  cw_test_daemon_start (f->daemon);
  f->events = cw_test_events_new ();
  f->manager = cw_test_manager ();
}

static void
fixture_stop (Fixture *f)
{
  g_clear_pointer (&f->events, cw_test_events_free);
  g_clear_object (&f->manager);
  cw_test_daemon_stop (f->daemon);
  cw_test_daemon_free (f->daemon);
}

static CwDBusCertificate1 *
request (Fixture *f, const gchar *name, const gchar *identity, gboolean tls_alpn)
{
  const gchar *ids[] = { identity, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  GVariant *options = tls_alpn ? cw_test_options ("challenge", g_variant_new_string ("tls-alpn-01"), NULL)
                               : cw_test_options (NULL);

  cw_dbus_manager1_call_request_sync (f->manager, name, ids, options, &path, NULL, &error);
  g_assert_no_error (error);
  return cw_test_certificate (path);
}

static gchar *
wait_outcome (Fixture *f, const gchar *name)
{
  return cw_test_events_wait_outcome (f->events, name, ISSUE_TIMEOUT);
}

static gboolean
port_listening (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

  return connection != NULL;
}

static void
wait_for_port (guint port)
{
  for (guint i = 0; i < 200 && !port_listening (port); i++)
    g_usleep (50 * 1000);
  g_assert_true (port_listening (port));
}

/* Issued by Pebble, verified by OpenSSL, for @identity, ordered with
 * tls-alpn-01. */
static void
assert_issued (CwDBusCertificate1 **cert, const gchar *identity)
{
  g_autofree gchar *root = cw_test_pebble_root_file (pebble);
  g_autofree gchar *command = NULL, *out = NULL;
  g_autoptr(GVariant) acme = NULL;
  const gchar *challenge = NULL;

  cw_test_certificate_reload (cert);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (*cert), ==, "valid");
  g_assert_true (g_strv_contains (cw_dbus_certificate1_get_identities (*cert), identity));
  command = g_strdup_printf ("openssl verify -CAfile '%s' -untrusted '%s' '%s'", root,
                             cw_dbus_certificate1_get_chain_path (*cert), cw_dbus_certificate1_get_certificate_path (*cert));
  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  acme = g_variant_ref (cw_dbus_certificate1_get_acme_options (*cert));
  g_assert_true (g_variant_lookup (acme, "challenge", "&s", &challenge));
  g_assert_cmpstr (challenge, ==, "tls-alpn-01");
}

/* ---- the agent's own listener ------------------------------------------- */

static void
test_standalone_name (void)
{
  Fixture f = { 0 };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *event = NULL;

  fixture_start (&f, NULL, TLS_PORT, NULL);
  cert = request (&f, "alpn", "alpn.example.test", TRUE);
  event = wait_outcome (&f, "alpn");
  g_assert_cmpstr (event, ==, "added");
  assert_issued (&cert, "alpn.example.test");
  /* the listener was there only while the challenge was pending */
  g_assert_false (port_listening (TLS_PORT));
  fixture_stop (&f);
}

/* An IP address (RFC 8738), with tls-alpn-01 as the configured default. */
static void
test_standalone_ip (void)
{
  Fixture f = { 0 };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *event = NULL, *command = NULL, *san = NULL;

  fixture_start (&f, "challenge=tls-alpn-01\n", TLS_PORT, NULL);
  cert = request (&f, "alpn-ip", "127.0.0.1", FALSE);
  event = wait_outcome (&f, "alpn-ip");
  g_assert_cmpstr (event, ==, "added");
  assert_issued (&cert, "127.0.0.1");
  command = g_strdup_printf ("openssl x509 -in '%s' -noout -ext subjectAltName",
                             cw_dbus_certificate1_get_certificate_path (cert));
  g_assert_cmpint (cw_test_run (command, &san), ==, 0);
  g_assert_nonnull (strstr (san, "IP Address:127.0.0.1"));
  fixture_stop (&f);
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocess *
spawn (const gchar * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return process;
}

static void
stop (GSubprocess *process)
{
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  g_object_unref (process);
}

/* Pebble's tlsPort belongs to an ordinary TLS server (a PBX's HTTPS without
 * the router): the CA cannot negotiate acme-tls/1 there and says so. */
static void
test_failing (void)
{
  Fixture f = { 0 };
  g_autofree gchar *accept = g_strdup_printf ("127.0.0.1:%u", TLS_PORT);
  const gchar *argv[] = { "openssl", "s_server", "-quiet", "-accept", accept, "-cert", pebble->cert_file, "-key",
                          pebble->key_file, "-www", NULL };
  GSubprocess *server = spawn (argv);
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *event = NULL;
  const gchar *last_error;

  wait_for_port (TLS_PORT);
  fixture_start (&f, NULL, AGENT_PORT, NULL);
  cert = request (&f, "alpn-fail", "fail.example.test", TRUE);
  event = wait_outcome (&f, "alpn-fail");
  g_assert_cmpstr (event, ==, "failed");
  cw_test_certificate_reload (&cert);
  last_error = cw_dbus_certificate1_get_last_error (cert);
  g_test_message ("%s", last_error);
  /* which challenge, which name, and Pebble's own words */
  g_assert_nonnull (strstr (last_error, "tls-alpn-01 for fail.example.test"));
  g_assert_nonnull (strstr (last_error, "Cannot negotiate ALPN protocol"));
  g_assert_false (port_listening (AGENT_PORT));
  fixture_stop (&f);
  stop (server);
}

/* ---- behind nginx -------------------------------------------------------- */

typedef struct {
  guint      connections;  /* validation connections that came through nginx */
  gchar     *https;        /* the ordinary HTTPS answer during the order */
  gint       no_alpn;      /* exit status: a handshake without acme-tls/1 */
  gint       other_name;   /* exit status: acme-tls/1 for a name not pending */
  gchar     *presented;    /* what the agent presented to acme-tls/1 */
  GPtrArray *streams;
} Relay;

static gchar *
https_get (void)
{
  g_autofree gchar *command = g_strdup_printf ("curl -sS --cacert '%s' https://localhost:%u/", pebble->ca_file, TLS_PORT);
  gchar *out = NULL;

  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  return out;
}

/* openssl s_client to the agent; the certificate it got as text. */
static gint
handshake (const gchar *alpn, const gchar *server_name, gchar **text)
{
  g_autofree gchar *command = g_strdup_printf (
    "set -o pipefail; openssl s_client -connect 127.0.0.1:%u -servername %s %s%s </dev/null 2>/dev/null "
    "| openssl x509 -noout -text 2>/dev/null", AGENT_PORT, server_name, alpn != NULL ? "-alpn " : "",
    alpn != NULL ? alpn : "");

  return cw_test_run (command, text);
}

static void
spliced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_io_stream_splice_finish (result, NULL);
}

/* The first validation connection: the challenge is pending now. The test
 * looks at the port from outside, then lets the connection through. */
static gboolean
relay_incoming (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
  Relay *relay = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) agent = NULL;
  g_autoptr(GError) error = NULL;

  if (relay->connections++ == 0) {
    relay->https = https_get ();
    relay->no_alpn = handshake (NULL, "routed.example.test", NULL);
    relay->other_name = handshake ("acme-tls/1", "other.example.test", NULL);
    handshake ("acme-tls/1", "routed.example.test", &relay->presented);
  }
  agent = g_socket_client_connect_to_host (client, "127.0.0.1", AGENT_PORT, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (relay->streams, g_object_ref (connection));
  g_ptr_array_add (relay->streams, g_object_ref (agent));
  g_io_stream_splice_async (G_IO_STREAM (connection), G_IO_STREAM (agent), G_IO_STREAM_SPLICE_CLOSE_STREAM1 |
                            G_IO_STREAM_SPLICE_CLOSE_STREAM2, G_PRIORITY_DEFAULT, NULL, spliced, NULL);
  return TRUE;
}

/* The shipped snippet with this test's ports. */
static gchar *
stream_snippet (void)
{
  g_autofree gchar *path = g_build_filename (g_getenv ("CW_SOURCE_DIR"), "docs", "nginx-tls-alpn-01.conf", NULL);
  g_autofree gchar *text = NULL;
  g_autofree gchar *listen = g_strdup_printf ("listen 127.0.0.1:%u;", TLS_PORT);
  g_autofree gchar *agent = g_strdup_printf ("127.0.0.1:%u;", RELAY_PORT);
  g_autofree gchar *https = g_strdup_printf ("127.0.0.1:%u;", HTTPS_PORT);
  const gchar *edits[][2] = {
    { "listen 443;", listen }, { "listen [::]:443;", "" }, { "127.0.0.1:10443;", agent }, { "127.0.0.1:8443;", https },
  };
  GString *out;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  out = g_string_new (text);
  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    g_assert_cmpuint (g_string_replace (out, edits[i][0], edits[i][1], 0), ==, 1);
  return g_string_free (out, FALSE);
}

static GSubprocess *
nginx_start (const gchar *dir)
{
  g_autofree gchar *stream = stream_snippet ();
  g_autofree gchar *stream_path = g_build_filename (dir, "stream.conf", NULL);
  g_autofree gchar *conf_path = g_build_filename (dir, "nginx.conf", NULL);
  g_autofree gchar *error_log = g_build_filename (dir, "error.log", NULL);
  g_autofree gchar *conf = g_strdup_printf (
    "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"
    "worker_processes 1;\npid %1$s/nginx.pid;\nerror_log %1$s/error.log;\n"
    "events { worker_connections 64; }\n"
    "include %1$s/stream.conf;\n"
    "http {\n"
    "  access_log %1$s/access.log;\n"
    "  client_body_temp_path %1$s/t1; proxy_temp_path %1$s/t2; fastcgi_temp_path %1$s/t3;\n"
    "  uwsgi_temp_path %1$s/t4; scgi_temp_path %1$s/t5;\n"
    "  server {\n"
    "    listen 127.0.0.1:%2$u ssl;\n"
    "    ssl_certificate %3$s;\n    ssl_certificate_key %4$s;\n"
    "    location / { default_type text/plain; return 200 \"PBX web interface\\n\"; }\n"
    "  }\n"
    "}\n", dir, HTTPS_PORT, pebble->cert_file, pebble->key_file);
  const gchar *argv[] = { "nginx", "-p", dir, "-c", conf_path, "-e", error_log, "-g", "daemon off;", NULL };
  GSubprocess *nginx;

  g_assert_true (g_file_set_contents (stream_path, stream, -1, NULL));
  g_assert_true (g_file_set_contents (conf_path, conf, -1, NULL));
  nginx = spawn (argv);
  wait_for_port (TLS_PORT);
  wait_for_port (HTTPS_PORT);
  return nginx;
}

static void
test_nginx (void)
{
  Fixture f = { 0 };
  g_autofree gchar *dir = NULL, *event = NULL, *before = NULL, *after = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  Relay relay = { 0 };
  GSubprocess *nginx;

  if (!g_file_test ("/usr/sbin/nginx", G_FILE_TEST_IS_EXECUTABLE) ||
      !g_file_test ("/usr/lib/nginx/modules/ngx_stream_module.so", G_FILE_TEST_EXISTS)) {
    g_test_skip ("needs nginx and libnginx-mod-stream (tests/deps.sh installs them)");
    return;
  }
  dir = cw_test_mkdtemp ();
  nginx = nginx_start (dir);
  relay.streams = g_ptr_array_new_with_free_func (g_object_unref);
  service = g_socket_service_new ();
  address = g_inet_socket_address_new_from_string ("127.0.0.1", RELAY_PORT);
  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (relay_incoming), &relay);

  /* the PBX's HTTPS answers on the shared port before … */
  before = https_get ();
  g_assert_cmpstr (before, ==, "PBX web interface\n");

  fixture_start (&f, "challenge=tls-alpn-01\n", AGENT_PORT, NULL);
  cert = request (&f, "routed", "routed.example.test", FALSE);
  event = wait_outcome (&f, "routed");
  g_assert_cmpstr (event, ==, "added");
  assert_issued (&cert, "routed.example.test");

  /* … during the order, while Pebble's validation waited in the relay … */
  g_assert_cmpuint (relay.connections, >=, 1);
  g_assert_cmpstr (relay.https, ==, "PBX web interface\n");
  /* the agent completed no handshake without acme-tls/1, none for a name
   * it has no challenge for, and presented RFC 8737's certificate */
  g_assert_cmpint (relay.no_alpn, !=, 0);
  g_assert_cmpint (relay.other_name, !=, 0);
  g_assert_nonnull (relay.presented);
  g_test_message ("%s", relay.presented);
  g_assert_nonnull (strstr (relay.presented, "1.3.6.1.5.5.7.1.31: critical"));
  g_assert_nonnull (strstr (relay.presented, "DNS:routed.example.test"));

  /* … and after it, when the agent no longer listens */
  g_assert_false (port_listening (AGENT_PORT));
  after = https_get ();
  g_assert_cmpstr (after, ==, "PBX web interface\n");

  fixture_stop (&f);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_ptr_array_unref (relay.streams);
  g_free (relay.https);
  g_free (relay.presented);
  stop (nginx);
  cw_test_rmdir (dir);
}

/* ---- the D-Bus mode: a PBX's TLS server asks the agent ------------------- */

typedef struct {
  CwDBusManager1 *manager;
  const gchar    *name;
  guint           handshakes;
  gchar          *protocol;   /* what the last handshake negotiated */
  GPtrArray      *connections;
} PbxServer;

static void
pbx_handshaken (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PbxServer *pbx = user_data;
  g_autoptr(GError) error = NULL;

  if (g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error)) {
    pbx->handshakes++;
    g_free (pbx->protocol);
    pbx->protocol = g_strdup (g_tls_connection_get_negotiated_protocol (G_TLS_CONNECTION (source)));
  }
}

/* What a PBX's TLS server does for a connection that offers acme-tls/1:
 * it asks the agent for the certificate and presents it. */
static gboolean
pbx_incoming (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
  PbxServer *pbx = user_data;
  static const gchar *const protocols[] = { "acme-tls/1", NULL };
  g_autofree gchar *cert_pem = NULL, *key_pem = NULL, *both = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  GIOStream *tls;

  cw_dbus_manager1_call_get_tls_alpn_challenge_sync (pbx->manager, pbx->name, &cert_pem, &key_pem, NULL, &error);
  g_assert_no_error (error);
  both = g_strconcat (cert_pem, key_pem, NULL);
  certificate = g_tls_certificate_new_from_pem (both, -1, &error);
  g_assert_no_error (error);
  tls = g_tls_server_connection_new (G_IO_STREAM (connection), certificate, &error);
  g_assert_no_error (error);
  g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (tls), protocols);
  g_ptr_array_add (pbx->connections, tls);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL, pbx_handshaken, pbx);
  return TRUE;
}

static void
test_dbus (void)
{
  Fixture f = { 0 };
  PbxServer pbx = { 0 };
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", TLS_PORT);
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *event = NULL, *cert_pem = NULL, *key_pem = NULL;

  fixture_start (&f, NULL, AGENT_PORT, "mode=dbus\n");
  /* nothing pending: nothing to present */
  cw_dbus_manager1_call_get_tls_alpn_challenge_sync (f.manager, "pbx.example.test", &cert_pem, &key_pem, NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.NotFound", "no TLS-ALPN-01 challenge");
  g_clear_error (&error);

  pbx.manager = f.manager;
  pbx.name = "pbx.example.test";
  pbx.connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (pbx_incoming), &pbx);

  cert = request (&f, "pbx", "pbx.example.test", TRUE);
  event = wait_outcome (&f, "pbx");
  g_assert_cmpstr (event, ==, "added");
  assert_issued (&cert, "pbx.example.test");
  /* Pebble validated against the PBX's server, which presented the
   * agent's certificate under acme-tls/1; the agent itself never listened */
  g_assert_cmpuint (pbx.handshakes, >=, 1);
  g_assert_cmpstr (pbx.protocol, ==, "acme-tls/1");
  g_assert_false (port_listening (AGENT_PORT));
  /* and the challenge is gone with the order */
  cw_dbus_manager1_call_get_tls_alpn_challenge_sync (f.manager, "pbx.example.test", &cert_pem, &key_pem, NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.NotFound", "no TLS-ALPN-01 challenge");

  fixture_stop (&f);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_ptr_array_unref (pbx.connections);
  g_free (pbx.protocol);
}

int
main (int argc, char **argv)
{
  int status;

  cw_test_init (&argc, &argv);
  cw_test_bus_up ();
  pebble = cw_test_pebble_start (PEBBLE_BASE, NULL);

  g_test_add_func ("/tls-alpn/standalone-name", test_standalone_name);
  g_test_add_func ("/tls-alpn/standalone-ip", test_standalone_ip);
  g_test_add_func ("/tls-alpn/failing", test_failing);
  g_test_add_func ("/tls-alpn/nginx", test_nginx);
  g_test_add_func ("/tls-alpn/dbus", test_dbus);
  status = g_test_run ();

  cw_test_pebble_stop (pebble);
  cw_test_bus_down ();
  return status;
}
