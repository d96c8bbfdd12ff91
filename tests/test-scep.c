/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SCEP enrollment and renewal through the real certwardd against the real
 * scepserver (Debian's scep package, micromdm) on loopback: enrollment,
 * a wrong challenge password, a forced renewal (RenewalReq), PENDING
 * polled at the configured interval, an unreachable server and garbage
 * answers, the CLI, and the challenge password kept off the bus, out of
 * GetManagedObjects and out of the daemon's log.
 *
 * scepserver never answers PENDING (its CSR verifier can only refuse), so
 * the PENDING test puts a small SCEP proxy of this program's own between
 * the agent and the real server: it answers PENDING, signed with the
 * server's CA key, until the agent has polled enough, then has the real
 * server issue. The same proxy serves garbage and wrong content types.
 * Ports 24410–24419 belong to this program. */
#include "config.h"

#include "cw-dbus-generated.h"
#include "cw-scep-message.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-scep.h"
#include "cw-test-util.h"

#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <string.h>

#define SCEP_PORT 24410
#define PROXY_PORT 24411
#define CLOSED_PORT 24419
#define TIMEOUT 90
#define PASSWORD "Ch4llenge-Pa55word-7fq2"

static CwTestScep *server;

typedef struct {
  CwTestDaemon   *daemon;
  CwDBusManager1 *manager;
  CwTestEvents   *events;
  guint           subscription;
  GString        *traffic;   /* every signal the daemon sent, printed */
} Fixture;

/* ---- watching the bus --------------------------------------------------- */

static void
record (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *interface,
        const gchar *signal, GVariant *parameters, gpointer user_data)
{
  Fixture *f = user_data;
  g_autofree gchar *text = g_variant_print (parameters, FALSE);

  g_string_append_printf (f->traffic, "%s %s.%s %s\n", path, interface, signal, text);
}

/* Every signal the daemon sends (CertificateChanged, PropertiesChanged,
 * InterfacesAdded …), as text. */
static void
monitor_start (Fixture *f)
{
  f->traffic = g_string_new (NULL);
  f->subscription = g_dbus_connection_signal_subscribe (cw_test_bus (), "org.certward.Certward1", NULL, NULL, NULL,
                                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE, record, f, NULL);
}

/* ---- the fixture -------------------------------------------------------- */

static void
fixture_start (Fixture *f)
{
  f->daemon = cw_test_daemon_new ("");
  f->daemon->log = g_build_filename (f->daemon->state_dir, "..", "daemon.log", NULL);
  cw_test_daemon_connect (f->daemon, &f->manager, &f->events);
}

static void
fixture_stop (Fixture *f)
{
  g_autofree gchar *log = g_strdup (f->daemon->log);

  cw_test_daemon_finish (&f->daemon, &f->manager, &f->events);
  g_unlink (log);
  if (f->traffic != NULL) {
    g_dbus_connection_signal_unsubscribe (cw_test_bus (), f->subscription);
    g_string_free (f->traffic, TRUE);
  }
}

static GVariant *
scep_options (const gchar *url, const gchar *password, guint poll_interval)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_variant_builder_add (&b, "{sv}", "protocol", g_variant_new_string ("scep"));
  g_variant_builder_add (&b, "{sv}", "scep-url", g_variant_new_string (url));
  if (password != NULL)
    g_variant_builder_add (&b, "{sv}", "challenge-password", g_variant_new_string (password));
  if (poll_interval > 0)
    g_variant_builder_add (&b, "{sv}", "poll-interval", g_variant_new_uint32 (poll_interval));
  g_variant_builder_add (&b, "{sv}", "organization", g_variant_new_string ("Branch 12"));
  return g_variant_builder_end (&b);
}

static gchar *
request (Fixture *f, const gchar *name, const gchar *id, GVariant *options)
{
  const gchar *ids[] = { id, NULL };
  g_autoptr(GError) error = NULL;
  gchar *path = NULL;

  cw_dbus_manager1_call_request_sync (f->manager, name, ids, options, &path, NULL, &error);
  g_assert_no_error (error);
  return path;
}

static gchar *
wait_outcome (Fixture *f, const gchar *name)
{
  return cw_test_events_wait_outcome (f->events, name, TIMEOUT);
}

/* The published certificate chains to the SCEP CA (OpenSSL, not us). */
static void
assert_verifies (CwDBusCertificate1 *cert)
{
  g_autofree gchar *command = g_strdup_printf ("openssl verify -CAfile '%s' '%s'", server->ca_file,
                                               cw_dbus_certificate1_get_full_chain_path (cert));
  g_autofree gchar *out = NULL;

  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  g_assert_nonnull (strstr (out, ": OK"));
}

static gchar *
file_text (const gchar *path)
{
  gchar *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static gchar *
cert_dir (CwDBusCertificate1 *cert, Fixture *f)
{
  const gchar *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (cert));

  return g_build_filename (f->daemon->state_dir, "certificates", strrchr (path, '/') + 1, NULL);
}

static gchar *
managed_objects (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) all = g_dbus_connection_call_sync (cw_test_bus (), "org.certward.Certward1",
                                                         "/org/certward/Certward1",
                                                         "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                                         NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
  return g_variant_print (all, FALSE);
}

/* ---- the tests ---------------------------------------------------------- */

static void
test_enroll (void)
{
  Fixture f = { 0 };
  g_autofree gchar *path = NULL, *event = NULL, *dir = NULL, *secret = NULL, *settings = NULL, *objects = NULL,
                   *log = NULL, *subject = NULL, *secret_text = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  GVariant *opts;
  const gchar *url = NULL;
  guint64 last_poll = 0;
  struct stat st;

  fixture_start (&f);
  monitor_start (&f);
  path = request (&f, "phone-ca", "pbx.branch12.example.test", scep_options (server->url, PASSWORD, 0));
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_source (cert), ==, "scep");
  event = wait_outcome (&f, "phone-ca");
  g_assert_cmpstr (event, ==, "added");
  cw_test_certificate_reload (&cert);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "valid");
  g_assert_cmpstr (cw_dbus_certificate1_get_last_error (cert), ==, "");
  g_assert_cmpstr (cw_dbus_certificate1_get_source (cert), ==, "scep");
  g_assert_cmpstr (cw_dbus_certificate1_get_key_type (cert), ==, "rsa-2048");
  g_assert_true (cw_dbus_certificate1_get_key_matches (cert));
  g_assert_cmpstr (cw_dbus_certificate1_get_identities (cert)[0], ==, "pbx.branch12.example.test");
  subject = g_strdup (cw_dbus_certificate1_get_subject (cert));
  g_assert_nonnull (strstr (subject, "Branch 12"));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_issuer (cert), "certward test"));
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 1);
  assert_verifies (cert);
  g_assert_cmpint (stat (cw_dbus_certificate1_get_key_path (cert), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  opts = cw_dbus_certificate1_get_scep_options (cert);
  g_assert_true (g_variant_lookup (opts, "scep-url", "&s", &url));
  g_assert_cmpstr (url, ==, server->url);
  g_assert_true (g_variant_lookup (opts, "last-poll", "t", &last_poll));
  g_assert_cmpuint (last_poll, >, 0);
  g_assert_false (g_variant_lookup (opts, "challenge-password", "s", NULL));

  /* the password: in its own 0600 file, nowhere else */
  dir = cert_dir (cert, &f);
  secret = g_build_filename (dir, "scep-challenge", NULL);
  g_assert_cmpint (stat (secret, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  secret_text = file_text (secret);
  g_assert_cmpstr (secret_text, ==, PASSWORD);
  settings = g_build_filename (dir, "settings.ini", NULL);
  g_clear_pointer (&secret_text, g_free);
  secret_text = file_text (settings);
  g_assert_nonnull (strstr (secret_text, server->url));
  g_assert_null (strstr (secret_text, PASSWORD));
  objects = managed_objects ();
  g_assert_nonnull (strstr (objects, server->url));
  g_assert_null (strstr (objects, PASSWORD));
  cw_test_settle ();
  g_assert_nonnull (strstr (f.traffic->str, "CertificateChanged"));
  g_assert_nonnull (strstr (f.traffic->str, "PropertiesChanged"));
  g_assert_null (strstr (f.traffic->str, PASSWORD));
  log = cw_test_daemon_log (f.daemon);
  g_assert_nonnull (strstr (log, "phone-ca"));
  g_assert_null (strstr (log, PASSWORD));

  /* a restart keeps everything (settings.ini [scep]) */
  cw_test_daemon_stop (f.daemon);
  cw_test_daemon_start (f.daemon);
  cw_test_certificate_reload (&cert);
  g_assert_cmpstr (cw_dbus_certificate1_get_source (cert), ==, "scep");
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "valid");
  g_assert_true (g_variant_lookup (cw_dbus_certificate1_get_scep_options (cert), "scep-url", "&s", &url));
  g_assert_cmpstr (url, ==, server->url);
  fixture_stop (&f);
}

static void
test_wrong_password (void)
{
  Fixture f = { 0 };
  g_autofree gchar *path = NULL, *event = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  const gchar *last_error;

  fixture_start (&f);
  path = request (&f, "wrong", "wrong.example.test", scep_options (server->url, "not-the-password", 0));
  event = wait_outcome (&f, "wrong");
  g_assert_cmpstr (event, ==, "failed");
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "failed");
  last_error = cw_dbus_certificate1_get_last_error (cert);
  /* the CA's failInfo, in words */
  g_assert_nonnull (strstr (last_error, "badRequest"));
  g_assert_nonnull (strstr (last_error, "challenge password"));
  /* the CA was asked */
  {
    guint64 last = 0;

    g_assert_true (g_variant_lookup (cw_dbus_certificate1_get_scep_options (cert), "last-poll", "t", &last));
    g_assert_cmpuint (last, >, 0);
  }
  /* nothing installed */
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 0);
  g_assert_false (g_file_test (cw_dbus_certificate1_get_certificate_path (cert), G_FILE_TEST_EXISTS));
  fixture_stop (&f);
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
test_renew (void)
{
  Fixture f = { 0 };
  g_autofree gchar *path = NULL, *event = NULL, *old_serial = NULL, *old_cert = NULL, *now_cert = NULL,
                   *old_file = NULL, *log = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  guint renewed_before;

  fixture_start (&f);
  path = request (&f, "renewme", "renew.example.test", scep_options (server->url, PASSWORD, 0));
  event = wait_outcome (&f, "renewme");
  g_assert_cmpstr (event, ==, "added");
  g_clear_pointer (&event, g_free);
  cert = cw_test_certificate (path);
  old_serial = g_strdup (cw_dbus_certificate1_get_serial (cert));
  old_file = g_strdup (cw_dbus_certificate1_get_certificate_path (cert));
  old_cert = file_text (old_file);
  log = file_text (server->log);
  renewed_before = count (log, "RenewalReq");

  /* not due: refused without force */
  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options (NULL), NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.NotDue", "force");
  g_clear_error (&error);
  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL,
                                        &error);
  g_assert_no_error (error);
  /* until the CA answers, the current revision stays */
  now_cert = file_text (cw_dbus_certificate1_get_certificate_path (cert));
  g_assert_cmpstr (now_cert, ==, old_cert);
  event = wait_outcome (&f, "renewme");
  g_assert_cmpstr (event, ==, "renewed");
  cw_test_certificate_reload (&cert);
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 2);
  g_assert_cmpstr (cw_dbus_certificate1_get_serial (cert), !=, old_serial);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "valid");
  assert_verifies (cert);
  /* the CA lists Renewal: the request was a RenewalReq signed with the old certificate */
  g_clear_pointer (&log, g_free);
  log = file_text (server->log);
  g_assert_cmpuint (count (log, "RenewalReq"), >, renewed_before);
  /* "renewed" came once */
  cw_test_settle ();
  for (guint i = 0; i < f.events->list->len; i++)
    g_assert_null (strstr (g_ptr_array_index (f.events->list, i), "renewed"));
  fixture_stop (&f);
}

static gboolean
hook_ran (gpointer user_data)
{
  return g_file_test (user_data, G_FILE_TEST_EXISTS);
}

/* The renewal engine renews a SCEP certificate at a third of its lifetime,
 * and its deploy hook runs after. The daemon's test clock moves; the CA's
 * does not (scepserver issues for a year from its own now). */
static void
test_scheduled_renewal (void)
{
  Fixture f = { 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree gchar *path = NULL, *event = NULL, *hook = NULL, *hook_log = NULL, *script = NULL, *log = NULL;
  g_autofree gchar *parent = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *hooks[2] = { NULL, NULL };
  const gchar *ids[] = { "due.example.test", NULL };
  GVariantBuilder b;
  guint64 next, not_before, not_after;

  f.daemon = cw_test_daemon_new_with_clock ("[renewal]\njitter=0\n", now);
  /* a hook lives in a directory only root can change (no "..", not /tmp) */
  parent = cw_test_mkdtemp ();
  hook = g_build_filename (parent, "hook.sh", NULL);
  hook_log = g_build_filename (parent, "hook.log", NULL);
  script = g_strdup_printf ("#!/bin/sh\necho \"$CERTWARD_EVENT $CERTWARD_NAMES\" >> '%s'\n", hook_log);
  g_assert_true (g_file_set_contents (hook, script, -1, NULL));
  g_assert_cmpint (g_chmod (hook, 0755), ==, 0);
  hooks[0] = hook;
  cw_test_daemon_connect (f.daemon, &f.manager, &f.events);

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "protocol", g_variant_new_string ("scep"));
  g_variant_builder_add (&b, "{sv}", "scep-url", g_variant_new_string (server->url));
  g_variant_builder_add (&b, "{sv}", "challenge-password", g_variant_new_string (PASSWORD));
  g_variant_builder_add (&b, "{sv}", "deploy-hooks", g_variant_new_strv (hooks, -1));
  cw_dbus_manager1_call_request_sync (f.manager, "due", ids, g_variant_builder_end (&b), &path, NULL, &error);
  g_assert_no_error (error);
  event = wait_outcome (&f, "due");
  g_assert_cmpstr (event, ==, "added");
  g_clear_pointer (&event, g_free);
  cert = cw_test_certificate (path);
  cw_test_settle ();
  cw_test_certificate_reload (&cert);
  /* due when a third of the lifetime is left, like an ACME certificate */
  not_before = cw_dbus_certificate1_get_not_before (cert);
  not_after = cw_dbus_certificate1_get_not_after (cert);
  next = cw_dbus_certificate1_get_next_renewal (cert);
  g_assert_cmpuint (next, ==, not_after - (not_after - not_before) / 3);
  /* past it: the engine renews through the SCEP CA */
  cw_test_set_time ((gint64) next + 60);
  event = wait_outcome (&f, "due");
  g_assert_cmpstr (event, ==, "renewed");
  g_assert_true (cw_test_wait_until (hook_ran, hook_log, TIMEOUT));
  log = file_text (hook_log);
  g_assert_nonnull (strstr (log, "renewed"));
  cw_test_certificate_reload (&cert);
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 2);
  g_assert_cmpstr (cw_dbus_certificate1_get_source (cert), ==, "scep");
  assert_verifies (cert);
  fixture_stop (&f);
  cw_test_rmdir (parent);
}

/* ---- the proxy: PENDING, garbage ---------------------------------------- */

typedef enum { PROXY_PENDING, PROXY_GARBAGE, PROXY_WRONG_TYPE } ProxyMode;

typedef struct {
  ProxyMode         mode;
  guint             pending_polls;   /* CertPolls answered PENDING before issuing */
  guint             polls;
  GBytes           *held;            /* the PKCSReq kept while pending */
  gnutls_x509_crt_t ca;
  gnutls_privkey_t  ca_key;
  GPtrArray        *methods;         /* of PKIOperation */
  SoupServer       *soup;
  SoupSession      *session;
} Proxy;

static GBytes *
forward (Proxy *p, const gchar *method, const gchar *query, GBytes *body, gchar **content_type)
{
  g_autofree gchar *url = g_strdup_printf ("%s?%s", server->url, query != NULL ? query : "");
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  GBytes *answer;

  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/x-pki-message", body);
  answer = soup_session_send_and_read (p->session, msg, NULL, &error);
  g_assert_no_error (error);
  *content_type = g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL));
  return answer;
}

/* A CertRep for @req, signed as the CA: PENDING, or SUCCESS with @content.
 * RFC 8894 has PENDING without content, but GnuTLS signs no empty content:
 * this one carries the CA certificate as a certs-only SignedData, which
 * the agent must ignore. */
static GBytes *
cert_rep (Proxy *p, CwScepMessage *req, CwScepStatus status, GBytes *content)
{
  g_autoptr(CwScepMessage) rep = cw_scep_message_new (CW_SCEP_CERT_REP);
  g_autoptr(GError) error = NULL;
  GBytes *der;

  rep->transaction_id = g_strdup (req->transaction_id);
  rep->status = status;
  rep->sender_nonce = cw_scep_nonce_new ();
  rep->recipient_nonce = g_bytes_ref (req->sender_nonce);
  if (content != NULL) {
    rep->content = g_bytes_ref (content);
  } else {
    g_autoptr(GPtrArray) certs = g_ptr_array_new ();

    g_ptr_array_add (certs, p->ca);
    rep->content = cw_scep_certs_only_build (certs, &error);
    g_assert_no_error (error);
  }
  der = cw_scep_message_sign (rep, p->ca, p->ca_key, GNUTLS_DIG_SHA256, &error);
  g_assert_no_error (error);
  return der;
}

static GBytes *
pki_operation (Proxy *p, GBytes *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwScepMessage) req = cw_scep_message_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL,
                                                        &error);
  g_autoptr(CwScepMessage) issued = NULL;
  g_autoptr(GPtrArray) signers = g_ptr_array_new ();
  g_autoptr(GBytes) answer = NULL;
  g_autofree gchar *type = NULL;

  g_assert_no_error (error);
  if (req->type == CW_SCEP_PKCS_REQ) {
    g_clear_pointer (&p->held, g_bytes_unref);
    p->held = g_bytes_ref (body);
    return cert_rep (p, req, CW_SCEP_PENDING, NULL);
  }
  g_assert_cmpint (req->type, ==, CW_SCEP_CERT_POLL);
  g_assert_nonnull (p->held);
  if (++p->polls < p->pending_polls)
    return cert_rep (p, req, CW_SCEP_PENDING, NULL);
  /* approved: the real server issues for the request held, and the answer
   * goes back for this poll (its nonce) with the same encrypted content */
  answer = forward (p, "POST", "operation=PKIOperation", p->held, &type);
  g_ptr_array_add (signers, p->ca);
  issued = cw_scep_message_parse (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), signers, &error);
  g_assert_no_error (error);
  g_assert_cmpint (issued->status, ==, CW_SCEP_SUCCESS);
  return cert_rep (p, req, CW_SCEP_SUCCESS, issued->content);
}

static void
proxy_handle (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  Proxy *p = user_data;
  const gchar *operation = query != NULL ? g_hash_table_lookup (query, "operation") : NULL;
  g_autoptr(GBytes) body = NULL, answer = NULL;
  g_autofree gchar *type = NULL;

  if (g_strcmp0 (operation, "GetCACaps") == 0) {
    g_autoptr(GString) caps = g_string_new (NULL);
    /* no POST and no AES: the agent must use GET and triple DES */
    g_autoptr(GBytes) real = forward (p, "GET", "operation=GetCACaps", NULL, &type);
    g_autofree gchar *text = g_strndup (g_bytes_get_data (real, NULL), g_bytes_get_size (real));
    g_auto(GStrv) words = g_strsplit (text, "\n", -1);

    for (guint i = 0; words[i] != NULL; i++)
      if (!g_str_equal (words[i], "POSTPKIOperation") && !g_str_equal (words[i], "AES") &&
          !g_str_equal (words[i], "SCEPStandard"))
        g_string_append_printf (caps, "%s\n", words[i]);
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, caps->str, caps->len);
    return;
  }
  if (g_strcmp0 (operation, "GetCACert") == 0) {
    answer = forward (p, "GET", "operation=GetCACert", NULL, &type);
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, g_bytes_get_data (answer, NULL),
                                      g_bytes_get_size (answer));
    return;
  }
  g_assert_cmpstr (operation, ==, "PKIOperation");
  g_ptr_array_add (p->methods, g_strdup (soup_server_message_get_method (msg)));
  if (p->mode == PROXY_GARBAGE) {
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "application/x-pki-message", SOUP_MEMORY_STATIC, "\x30\x82\x01\x00garbage",
                                      11);
    return;
  }
  if (p->mode == PROXY_WRONG_TYPE) {
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, "<html>login</html>", 18);
    return;
  }
  {
    const gchar *message = query != NULL ? g_hash_table_lookup (query, "message") : NULL;
    gsize len = 0;
    guchar *der = message != NULL ? g_base64_decode (message, &len) : NULL;

    g_assert_nonnull (der);
    body = g_bytes_new_take (der, len);
  }
  answer = pki_operation (p, body);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/x-pki-message", SOUP_MEMORY_COPY, g_bytes_get_data (answer, NULL),
                                    g_bytes_get_size (answer));
}

static Proxy *
proxy_start (ProxyMode mode, guint pending_polls)
{
  Proxy *p = g_new0 (Proxy, 1);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *ca = file_text (server->ca_file), *key = file_text (server->key_file);
  gnutls_datum_t ca_pem = { (guint8 *) ca, strlen (ca) }, key_pem = { (guint8 *) key, strlen (key) };

  p->mode = mode;
  p->pending_polls = pending_polls;
  p->methods = g_ptr_array_new_with_free_func (g_free);
  g_assert_cmpint (gnutls_x509_crt_init (&p->ca), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_import (p->ca, &ca_pem, GNUTLS_X509_FMT_PEM), ==, 0);
  g_assert_cmpint (gnutls_privkey_init (&p->ca_key), ==, 0);
  g_assert_cmpint (gnutls_privkey_import_x509_raw (p->ca_key, &key_pem, GNUTLS_X509_FMT_PEM, NULL, 0), ==, 0);
  p->session = soup_session_new ();
  p->soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (p->soup, "/scep", proxy_handle, p, NULL);
  soup_server_listen_local (p->soup, PROXY_PORT, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  return p;
}

static void
proxy_stop (Proxy *p)
{
  soup_server_disconnect (p->soup);
  g_object_unref (p->soup);
  g_object_unref (p->session);
  g_clear_pointer (&p->held, g_bytes_unref);
  g_ptr_array_unref (p->methods);
  gnutls_x509_crt_deinit (p->ca);
  gnutls_privkey_deinit (p->ca_key);
  g_free (p);
}

typedef struct {
  CwDBusCertificate1 *cert;
  guint64             last, next;
} PollSeen;

static gboolean
pending_seen (gpointer user_data)
{
  PollSeen *s = user_data;
  GVariant *opts = cw_dbus_certificate1_get_scep_options (s->cert);

  return opts != NULL && g_variant_lookup (opts, "next-poll", "t", &s->next) && s->next != 0 &&
         g_variant_lookup (opts, "last-poll", "t", &s->last);
}

static void
test_pending (void)
{
  Fixture f = { 0 };
  Proxy *p = proxy_start (PROXY_PENDING, 2);
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u/scep", PROXY_PORT);
  g_autofree gchar *path = NULL, *event = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  PollSeen seen = { 0 };

  fixture_start (&f);
  path = request (&f, "pending", "pending.example.test", scep_options (url, PASSWORD, 5));
  cert = cw_test_certificate (path);
  /* the agent publishes when it asks next: one poll interval after it asked */
  seen.cert = cert;
  g_assert_true (cw_test_wait_until (pending_seen, &seen, TIMEOUT));
  /* the next poll is an interval after the answer came, which may be a
   * second or more after the ask (a second boundary, a sanitizer build) */
  g_assert_cmpuint (seen.next - seen.last, >=, 5);
  g_assert_cmpuint (seen.next - seen.last, <=, 5 + TIMEOUT);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "pending");
  event = wait_outcome (&f, "pending");
  g_assert_cmpstr (event, ==, "added");
  /* polled until issued: twice (PENDING, then SUCCESS), by GET since the
   * proxy does not list POSTPKIOperation */
  g_assert_cmpuint (p->polls, ==, 2);
  g_assert_cmpuint (p->methods->len, ==, 3);
  for (guint i = 0; i < p->methods->len; i++)
    g_assert_cmpstr (g_ptr_array_index (p->methods, i), ==, "GET");
  cw_test_certificate_reload (&cert);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "valid");
  assert_verifies (cert);
  g_assert_true (g_variant_lookup (cw_dbus_certificate1_get_scep_options (cert), "next-poll", "t", &seen.next));
  g_assert_cmpuint (seen.next, ==, 0);
  fixture_stop (&f);
  proxy_stop (p);
}

/* Failures that must say what is wrong and install nothing; the agent
 * goes on serving (and enrolling) afterwards. */
static void
assert_fails (Fixture *f, const gchar *name, const gchar *url, const gchar *words)
{
  g_autofree gchar *path = request (f, name, "broken.example.test", scep_options (url, PASSWORD, 0));
  g_autofree gchar *event = wait_outcome (f, name);
  g_autoptr(CwDBusCertificate1) cert = cw_test_certificate (path);

  g_assert_cmpstr (event, ==, "failed");
  cw_test_certificate_reload (&cert);
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "failed");
  if (strstr (cw_dbus_certificate1_get_last_error (cert), words) == NULL)
    g_error ("LastError “%s” does not say “%s”", cw_dbus_certificate1_get_last_error (cert), words);
  g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, 0);
  g_assert_false (g_file_test (cw_dbus_certificate1_get_certificate_path (cert), G_FILE_TEST_EXISTS));
}

static void
test_failures (void)
{
  Fixture f = { 0 };
  g_autofree gchar *proxy_url = g_strdup_printf ("http://127.0.0.1:%u/scep", PROXY_PORT);
  g_autofree gchar *closed = g_strdup_printf ("http://127.0.0.1:%u/scep", CLOSED_PORT);
  g_autofree gchar *event = NULL, *path = NULL;
  Proxy *p;

  fixture_start (&f);
  assert_fails (&f, "unreachable", closed, "cannot reach the SCEP server");
  p = proxy_start (PROXY_GARBAGE, 0);
  assert_fails (&f, "garbage", proxy_url, "not a valid CertRep");
  proxy_stop (p);
  p = proxy_start (PROXY_WRONG_TYPE, 0);
  assert_fails (&f, "wrong-type", proxy_url, "text/html");
  proxy_stop (p);
  /* still working: the next enrollment goes through */
  path = request (&f, "after", "after.example.test", scep_options (server->url, PASSWORD, 0));
  event = wait_outcome (&f, "after");
  g_assert_cmpstr (event, ==, "added");
  fixture_stop (&f);
}

static void
test_bad_requests (void)
{
  Fixture f = { 0 };
  const gchar *ids[] = { "x.example.test", NULL };
  struct {
    GVariant    *options;
    const gchar *error;
    const gchar *words;
  } cases[] = {
    { cw_test_options ("protocol", g_variant_new_string ("scep"), NULL), "InvalidArgument", "scep-url" },
    { cw_test_options ("protocol", g_variant_new_string ("scep"), "scep-url", g_variant_new_string ("ftp://x/"), NULL),
      "InvalidArgument", "http" },
    { cw_test_options ("protocol", g_variant_new_string ("scep"), "scep-url", g_variant_new_string (server->url),
                       "key-type", g_variant_new_string ("ec-p256"), NULL), "NotSupported", "RSA" },
    { cw_test_options ("protocol", g_variant_new_string ("scep"), "scep-url", g_variant_new_string (server->url),
                       "poll-interval", g_variant_new_uint32 (4), NULL), "InvalidArgument", "5 to 3600" },
    { cw_test_options ("protocol", g_variant_new_string ("scep"), "scep-url", g_variant_new_string (server->url),
                       "challenge", g_variant_new_string ("dns-01"), NULL), "InvalidArgument", "challenge" },
    { cw_test_options ("protocol", g_variant_new_string ("est"), NULL), "InvalidArgument", "scep" },
  };

  fixture_start (&f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *name = g_strconcat ("org.certward.Error.", cases[i].error, NULL);

    cw_dbus_manager1_call_request_sync (f.manager, "bad", ids, cases[i].options, NULL, NULL, &error);
    cw_test_assert_remote_error (error, name, cases[i].words);
  }
  fixture_stop (&f);
}

static void
test_cli (void)
{
  Fixture f = { 0 };
  g_autofree gchar *dir = cw_test_mkdtemp ();
  g_autofree gchar *file = g_build_filename (dir, "password", NULL);
  g_autofree gchar *command = NULL, *out = NULL, *show = NULL;

  fixture_start (&f);
  g_assert_true (g_file_set_contents (file, PASSWORD "\n", -1, NULL));
  command = g_strdup_printf ("'%s' --session request sip --protocol scep --scep-url '%s' --challenge-password-file '%s' "
                             "--id sip.example.test --common-name sip.example.test --role sip-tls 2>&1",
                             g_getenv ("CERTWARDCTL"), server->url, file);
  if (cw_test_run (command, &out) != 0)
    g_error ("certwardctl request failed:\n%s", out);
  g_assert_nonnull (strstr (out, "Issued sip"));
  show = g_strdup_printf ("'%s' --session show sip 2>&1", g_getenv ("CERTWARDCTL"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cw_test_run (show, &out), ==, 0);
  g_assert_nonnull (strstr (out, "SCEP server:"));
  g_assert_nonnull (strstr (out, server->url));
  g_assert_nonnull (strstr (out, "Last poll:"));
  g_assert_nonnull (strstr (out, "scep"));
  g_assert_null (strstr (out, PASSWORD));
  fixture_stop (&f);
  cw_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  int ret;

  cw_test_init (&argc, &argv);
  g_test_add_func ("/scep/enroll", test_enroll);
  g_test_add_func ("/scep/wrong-password", test_wrong_password);
  g_test_add_func ("/scep/renew", test_renew);
  g_test_add_func ("/scep/scheduled-renewal", test_scheduled_renewal);
  g_test_add_func ("/scep/pending", test_pending);
  g_test_add_func ("/scep/failures", test_failures);
  g_test_add_func ("/scep/bad-requests", test_bad_requests);
  g_test_add_func ("/scep/cli", test_cli);
  cw_test_bus_up ();
  server = cw_test_scep_start (SCEP_PORT, PASSWORD, NULL);
  ret = g_test_run ();
  cw_test_scep_stop (server);
  cw_test_bus_down ();
  return ret;
}
