/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What Debian's Pebble cannot show, against a small fake ACME server in
 * this process (HTTPS on 127.0.0.1:24200; ports 24200–24299 belong to this
 * program): ARI (RFC 9773) renewalInfo and "replaces", profiles, problem
 * documents with Retry-After (rateLimited, 503, badNonce), the preferred
 * alternate chain, an order resumed after the daemon was killed, the
 * clientAuth warning for what Let's Encrypt issues now, and an account
 * deactivated at the CA.
 *
 * The fake follows RFC 8555's shapes (directory, nonces, JWS bodies,
 * Location headers, order states, PEM chains with Link alternates) but does
 * not check signatures: Pebble does that in test-acme. Orders come "ready"
 * (no authorizations), certificates are signed by OpenSSL from the CSR. */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-pebble.h"
#include "cw-test-util.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdio.h>

#define BUS_NAME "org.certward.Certward1"
#define MANAGER_PATH "/org/certward/Certward1"
#define PORT 24200

/* ---- the fake CA -------------------------------------------------------- */

typedef struct {
  SoupServer *server;
  gchar      *dir;          /* its files: TLS and issuing CA material */
  gchar      *base;         /* https://127.0.0.1:PORT */
  guint       nonce;
  guint       orders;
  /* what it saw */
  GPtrArray  *new_orders;   /* payloads of newOrder (JSON text) */
  GPtrArray  *renewal_ids;  /* ids asked at renewalInfo */
  gint64      finalized_at; /* monotonic µs of the last finalize */
  GArray     *polls;        /* monotonic µs of each order poll */
  /* what it does */
  guint       fail_503;     /* answer the next newOrder(s) 503 */
  guint       bad_nonce;    /* reject the next POST(s) with badNonce */
  gboolean    rate_limit;   /* refuse newOrder with rateLimited */
  gboolean    hang;         /* finalize never answers */
  guint       hostile;      /* newOrder answers with garbage of kind N */
  guint       deactivated;  /* refuse the next newOrder(s): the account is deactivated */
  guint       accounts;     /* newAccount requests seen */
  GPtrArray  *hung;         /* messages held */
} Fake;

/* hostile kind: the certificate comes as an empty body */
#define HOSTILE_EMPTY_CHAIN 6

static Fake fake;

static void
add_nonce (SoupServerMessage *msg)
{
  g_autofree gchar *nonce = g_strdup_printf ("nonce-%u", ++fake.nonce);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Replay-Nonce", nonce);
}

static void
reply_json (SoupServerMessage *msg, guint status, const gchar *json)
{
  add_nonce (msg);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static void
reply_problem (SoupServerMessage *msg, guint status, const gchar *type, const gchar *detail)
{
  g_autofree gchar *json = g_strdup_printf ("{\"type\":\"urn:ietf:params:acme:error:%s\",\"detail\":\"%s\"}", type,
                                            detail);

  add_nonce (msg);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/problem+json", SOUP_MEMORY_COPY, json, strlen (json));
}

static const gchar broken_problem[] = "{\"type\":\"urn:\\ud8ate\",\"detail\":\"bad \\ud8ate\\u001b[31m name\"}";

static gchar *
url (const gchar *path)
{
  return g_strconcat (fake.base, path, NULL);
}

static guint8 *
b64url_decode (const gchar *text, gsize *len)
{
  g_autoptr(GString) s = g_string_new (text);

  g_strdelimit (s->str, "-", '+');
  g_strdelimit (s->str, "_", '/');
  while (s->len % 4 != 0)
    g_string_append_c (s, '=');
  return g_base64_decode (s->str, len);
}

static gchar *
b64url_encode (const guint8 *data, gsize len)
{
  gchar *text = g_base64_encode (data, len);

  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  *strchrnul (text, '=') = '\0';
  return text;
}

/* The payload of a JWS request body, or NULL for POST-as-GET. */
static JsonObject *
payload_of (SoupServerMessage *msg, JsonParser *parser)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) outer = json_parser_new ();
  JsonObject *jws;
  g_autofree guint8 *payload = NULL;
  gsize len = 0;

  if (!json_parser_load_from_data (outer, body->data, body->length, NULL))
    return NULL;
  jws = json_node_get_object (json_parser_get_root (outer));
  payload = b64url_decode (json_object_get_string_member_with_default (jws, "payload", ""), &len);
  if (len == 0 || !json_parser_load_from_data (parser, (const gchar *) payload, len, NULL))
    return NULL;
  return json_node_get_object (json_parser_get_root (parser));
}

static void
serve_directory (SoupServerMessage *msg)
{
  g_autofree gchar *json = g_strdup_printf (
      "{\"newNonce\":\"%1$s/nonce\",\"newAccount\":\"%1$s/account\",\"newOrder\":\"%1$s/order\","
      "\"revokeCert\":\"%1$s/revoke\",\"keyChange\":\"%1$s/key-change\",\"renewalInfo\":\"%1$s/renewal-info\","
      "\"meta\":{\"termsOfService\":\"%1$s/terms\",\"profiles\":{\"classic\":\"90 days\",\"shortlived\":\"6 days\"}}}",
      fake.base);

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static void
serve_new_order (SoupServerMessage *msg)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *payload = payload_of (msg, parser);
  JsonArray *ids = payload != NULL ? json_object_get_array_member (payload, "identifiers") : NULL;
  const gchar *profile = payload != NULL ? json_object_get_string_member_with_default (payload, "profile", NULL) : NULL;
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree gchar *text = NULL, *location = NULL, *finalize = NULL, *json = NULL, *order_path = NULL;
  gboolean has_ip = FALSE;

  if (fake.deactivated > 0) {
    fake.deactivated--;
    reply_problem (msg, 403, "unauthorized", "Account has been deactivated");
    return;
  }
  if (fake.fail_503 > 0) {
    fake.fail_503--;
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
    reply_problem (msg, 503, "serverInternal", "down for a moment");
    return;
  }
  json_generator_set_root (gen, json_parser_get_root (parser));
  text = json_generator_to_data (gen, NULL);
  g_ptr_array_add (fake.new_orders, g_strdup (text));
  if (fake.hostile != 0 && fake.hostile != HOSTILE_EMPTY_CHAIN) {
    g_autoptr(GString) deep = g_string_new (NULL);
    g_autofree gchar *bad = NULL;
    g_autofree gchar *location = url ("/orders/999");

    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", location);
    switch (fake.hostile) {
    case 1:   /* members of the wrong types */
      reply_json (msg, 201, "{\"status\":1,\"authorizations\":\"x\",\"finalize\":5}");
      return;
    case 2:   /* nested deeper than any parser should recurse */
      for (guint i = 0; i < 100000; i++)
        g_string_append_c (deep, '[');
      reply_json (msg, 201, deep->str);
      return;
    case 3:   /* a URL libsoup cannot fetch */
      reply_json (msg, 201, "{\"status\":\"ready\",\"authorizations\":[],\"finalize\":\"file:///etc/passwd\"}");
      return;
    case 5:   /* a problem whose broken escapes json-glib turns into bytes that are no UTF-8 */
      add_nonce (msg);
      soup_server_message_set_status (msg, 400, NULL);
      soup_server_message_set_response (msg, "application/problem+json", SOUP_MEMORY_STATIC,
                                        broken_problem, sizeof broken_problem - 1);
      return;
    default:  /* a challenge whose token is a number */
      bad = g_strdup_printf ("{\"status\":\"pending\",\"authorizations\":[\"%s/authz/1\"],\"finalize\":\"%s/finalize/999\"}",
                             fake.base, fake.base);
      reply_json (msg, 201, bad);
      return;
    }
  }
  if (fake.rate_limit) {
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "3600");
    reply_problem (msg, 429, "rateLimited", "too many certificates for this name this week");
    return;
  }
  for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (ids, i), "type"), "ip") == 0)
      has_ip = TRUE;
  /* as Let's Encrypt does */
  if (has_ip && g_strcmp0 (profile, "shortlived") != 0) {
    reply_problem (msg, 400, "rejectedIdentifier", "IP address identifiers are only allowed with the shortlived profile");
    return;
  }
  fake.orders++;
  order_path = g_strdup_printf ("/orders/%u", fake.orders);
  location = url (order_path);
  finalize = g_strdup_printf ("%s/finalize/%u", fake.base, fake.orders);
  json = g_strdup_printf ("{\"status\":\"ready\",\"authorizations\":[],\"finalize\":\"%s\"}", finalize);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", location);
  reply_json (msg, 201, json);
}

/* Signs the CSR with the intermediate; keeps the PEM chains (default and
 * alternate) under the order's number. */
static gboolean
issue (guint n, JsonObject *payload)
{
  g_autofree guint8 *der = NULL;
  gsize len = 0;
  g_autofree gchar *csr = g_strdup_printf ("%s/csr-%u.der", fake.dir, n);
  g_autofree gchar *script = NULL;

  der = b64url_decode (json_object_get_string_member_with_default (payload, "csr", ""), &len);
  if (len == 0 || !g_file_set_contents (csr, (const gchar *) der, len, NULL))
    return FALSE;
  script = g_strdup_printf ("set -e; cd '%s'\n"
                            "openssl x509 -req -inform DER -in csr-%u.der -CA int.pem -CAkey int.key -days 90 "
                            "  -copy_extensions copyall -extfile leaf.ext -out leaf-%u.pem 2>/dev/null\n"
                            "cat leaf-%u.pem int.pem > chain-%u.pem\n"
                            "cat leaf-%u.pem int-cross.pem > alt-%u.pem\n",
                            fake.dir, n, n, n, n, n, n);
  return cw_test_run (script, NULL) == 0;
}

static void
serve_finalize (SoupServerMessage *msg, guint n)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *payload = payload_of (msg, parser);
  g_autofree gchar *json = NULL;

  if (fake.hang) {
    soup_server_message_pause (msg);
    g_ptr_array_add (fake.hung, g_object_ref (msg));
    return;
  }
  if (payload == NULL || !issue (n, payload)) {
    reply_problem (msg, 400, "badCSR", "unreadable CSR");
    return;
  }
  fake.finalized_at = g_get_monotonic_time ();
  /* still working: come back in two seconds */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "2");
  json = g_strdup_printf ("{\"status\":\"processing\",\"finalize\":\"%s/finalize/%u\"}", fake.base, n);
  reply_json (msg, 200, json);
}

static void
serve_order (SoupServerMessage *msg, guint n)
{
  g_autofree gchar *json = g_strdup_printf ("{\"status\":\"valid\",\"certificate\":\"%s/cert/%u\"}", fake.base, n);
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (fake.polls, now);
  reply_json (msg, 200, json);
}

static void
serve_certificate (SoupServerMessage *msg, guint n, gboolean alternate)
{
  g_autofree gchar *file = g_strdup_printf ("%s/%s-%u.pem", fake.dir, alternate ? "alt" : "chain", n);
  g_autofree gchar *pem = NULL, *link = NULL;
  gsize len = 0;

  if (!g_file_get_contents (file, &pem, &len, NULL)) {
    reply_problem (msg, 404, "malformed", "no such certificate");
    return;
  }
  /* found by fuzz/fuzz-acme-order: an empty 200 crashed the daemon */
  if (fake.hostile == HOSTILE_EMPTY_CHAIN)
    len = 0;
  if (!alternate) {
    link = g_strdup_printf ("<%s/cert/%u/alt>;rel=\"alternate\"", fake.base, n);
    soup_message_headers_append (soup_server_message_get_response_headers (msg), "Link", link);
  }
  add_nonce (msg);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/pem-certificate-chain", SOUP_MEMORY_COPY, pem, len);
}

static void
serve (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  const gchar *method = soup_server_message_get_method (msg);
  guint n = 0;

  if (g_str_equal (path, "/dir")) {
    serve_directory (msg);
  } else if (g_str_equal (path, "/nonce")) {
    add_nonce (msg);
    soup_server_message_set_status (msg, g_str_equal (method, "HEAD") ? 200 : 204, NULL);
  } else if (g_str_has_prefix (path, "/renewal-info/") && g_str_equal (method, "GET")) {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr(GDateTime) later = g_date_time_add_days (now, 1);
    g_autofree gchar *start = g_date_time_format_iso8601 (now), *end = g_date_time_format_iso8601 (later);
    g_autofree gchar *json = g_strdup_printf ("{\"suggestedWindow\":{\"start\":\"%s\",\"end\":\"%s\"}}", start, end);

    g_ptr_array_add (fake.renewal_ids, g_strdup (path + strlen ("/renewal-info/")));
    soup_server_message_set_status (msg, 200, NULL);
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "21600");
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
  } else if (!g_str_equal (method, "POST")) {
    soup_server_message_set_status (msg, 405, NULL);
  } else if (fake.bad_nonce > 0) {
    fake.bad_nonce--;
    reply_problem (msg, 400, "badNonce", "stale nonce");
  } else if (g_str_equal (path, "/account")) {
    g_autofree gchar *location = url ("/accounts/1");

    fake.accounts++;
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", location);
    reply_json (msg, 201, "{\"status\":\"valid\",\"contact\":[]}");
  } else if (g_str_equal (path, "/authz/1")) {
    reply_json (msg, 200, "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"h.example.test\"},"
                          "\"challenges\":[{\"type\":\"http-01\",\"url\":\"https://127.0.0.1/c\",\"token\":42}]}");
  } else if (g_str_equal (path, "/order")) {
    serve_new_order (msg);
  } else if (sscanf (path, "/finalize/%u", &n) == 1) {
    serve_finalize (msg, n);
  } else if (sscanf (path, "/orders/%u", &n) == 1) {
    serve_order (msg, n);
  } else if (sscanf (path, "/cert/%u", &n) == 1) {
    serve_certificate (msg, n, g_str_has_suffix (path, "/alt"));
  } else {
    reply_problem (msg, 404, "malformed", "unknown resource");
  }
}

/* TLS for the listener, and an issuing intermediate with two issuers: the
 * default chain goes up to "Fake Root X", the alternate to "Fake Root Y". */
static void
fake_start (void)
{
  g_autofree gchar *script = NULL, *cert = NULL, *key = NULL;
  g_autoptr(GTlsCertificate) tls = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  fake.dir = cw_test_mkdtemp ();
  fake.base = g_strdup_printf ("https://127.0.0.1:%u", PORT);
  fake.new_orders = g_ptr_array_new_with_free_func (g_free);
  fake.renewal_ids = g_ptr_array_new_with_free_func (g_free);
  fake.polls = g_array_new (FALSE, FALSE, sizeof (gint64));
  fake.hung = g_ptr_array_new_with_free_func (g_object_unref);
  cw_test_make_tls_ca (fake.dir);
  script = g_strdup_printf (
      "set -e; cd '%s'\n"
      "for r in X Y; do\n"
      "  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout root$r.key -out root$r.pem "
      "    -days 30 -subj \"/CN=Fake Root $r\" -addext basicConstraints=critical,CA:TRUE "
      "    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null\n"
      "done\n"
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout int.key -out int.csr "
      "  -subj '/CN=Fake Intermediate' 2>/dev/null\n"
      "printf 'basicConstraints=critical,CA:TRUE,pathlen:0\\nkeyUsage=critical,keyCertSign,cRLSign\\n"
      "subjectKeyIdentifier=hash\\nauthorityKeyIdentifier=keyid\\n' > int.ext\n"
      "openssl x509 -req -in int.csr -CA rootX.pem -CAkey rootX.key -CAcreateserial -days 30 -extfile int.ext "
      "  -out int.pem 2>/dev/null\n"
      "openssl x509 -req -in int.csr -CA rootY.pem -CAkey rootY.key -CAcreateserial -days 30 -extfile int.ext "
      "  -out int-cross.pem 2>/dev/null\n"
      "printf 'basicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\n"
      "subjectKeyIdentifier=hash\\nauthorityKeyIdentifier=keyid\\n' > leaf.ext\n", fake.dir);
  g_assert_cmpint (cw_test_run (script, NULL), ==, 0);

  cert = g_build_filename (fake.dir, "localhost.pem", NULL);
  key = g_build_filename (fake.dir, "localhost.key", NULL);
  tls = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  fake.server = soup_server_new ("tls-certificate", tls, NULL);
  soup_server_add_handler (fake.server, NULL, serve, NULL, NULL);
  address = g_inet_socket_address_new_from_string ("127.0.0.1", PORT);
  soup_server_listen (fake.server, address, SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
}

static void
fake_stop (void)
{
  soup_server_disconnect (fake.server);
  g_clear_object (&fake.server);
  cw_test_rmdir (fake.dir);
  g_free (fake.dir);
  g_free (fake.base);
  g_ptr_array_unref (fake.new_orders);
  g_ptr_array_unref (fake.renewal_ids);
  g_array_unref (fake.polls);
  g_ptr_array_unref (fake.hung);
}

/* ---- the daemon side ---------------------------------------------------- */

typedef struct {
  CwTestDaemon   *daemon;
  CwDBusManager1 *manager;
  CwTestEvents   *events;
} Fixture;

static void
fixture_start (Fixture *f)
{
  g_autofree gchar *ca = g_build_filename (fake.dir, "ca.pem", NULL);
  g_autofree gchar *config = g_strdup_printf ("[acme]\ndirectory=%s/dir\nca-file=%s\n", fake.base, ca);

  f->daemon = cw_test_daemon_new (config);
  cw_test_daemon_connect (f->daemon, &f->manager, &f->events);
}

static void
fixture_stop (Fixture *f)
{
  cw_test_daemon_finish (&f->daemon, &f->manager, &f->events);
}

static gchar *
wait_outcome (Fixture *f, const gchar *name)
{
  return cw_test_events_wait_outcome (f->events, name, 60);
}

static CwDBusCertificate1 *
request (Fixture *f, const gchar *name, const gchar * const *ids, GVariant *options)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;

  cw_dbus_manager1_call_request_sync (f->manager, name, ids, options != NULL ? options : cw_test_options (NULL), &path,
                                      NULL, &error);
  g_assert_no_error (error);
  return cw_test_certificate (path);
}

/* RFC 9773 §4.1 from OpenSSL's view of @pem_path: base64url(AKI keyid) "."
 * base64url(serial as a DER INTEGER's content). */
static gchar *
ari_id (const gchar *pem_path)
{
  g_autofree gchar *command = g_strdup_printf ("openssl x509 -in '%s' -noout -serial -ext authorityKeyIdentifier",
                                               pem_path);
  g_autofree gchar *out = NULL, *aki_b64 = NULL, *serial_b64 = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GByteArray) aki = g_byte_array_new ();
  g_autoptr(GByteArray) serial = g_byte_array_new ();

  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    gchar *line = g_strstrip (lines[i]);

    if (g_str_has_prefix (line, "serial=")) {
      const gchar *hex = line + strlen ("serial=");

      if (g_ascii_xdigit_value (hex[0]) >= 8)
        g_byte_array_append (serial, (const guint8 *) "\0", 1);   /* a positive INTEGER */
      for (const gchar *p = hex; p[0] != '\0' && p[1] != '\0'; p += 2) {
        guint8 b = g_ascii_xdigit_value (p[0]) * 16 + g_ascii_xdigit_value (p[1]);

        g_byte_array_append (serial, &b, 1);
      }
    } else if (strlen (line) > 2 && line[2] == ':' && g_ascii_isxdigit (line[0])) {
      for (const gchar *p = g_str_has_prefix (line, "keyid:") ? line + 6 : line; p[0] != '\0'; p += p[2] == ':' ? 3 : 2) {
        guint8 b = g_ascii_xdigit_value (p[0]) * 16 + g_ascii_xdigit_value (p[1]);

        g_byte_array_append (aki, &b, 1);
        if (p[2] == '\0')
          break;
      }
    }
  }
  g_assert_cmpuint (aki->len, >, 0);
  g_assert_cmpuint (serial->len, >, 0);
  aki_b64 = b64url_encode (aki->data, aki->len);
  serial_b64 = b64url_encode (serial->data, serial->len);
  return g_strconcat (aki_b64, ".", serial_b64, NULL);
}

/* ---- the tests ---------------------------------------------------------- */

static gboolean
renews_within_two_days (gpointer data)
{
  CwDBusCertificate1 **cert = data;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint64 next;

  cw_test_settle ();
  next = cw_dbus_certificate1_get_next_renewal (*cert);
  return next > 0 && (gint64) next <= now + 2 * 24 * 3600;
}

static void
test_ari (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "ari.example.test", NULL };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *event = NULL, *expected = NULL, *needle = NULL;
  guint first_orders;

  fixture_start (&f);
  g_ptr_array_set_size (fake.new_orders, 0);
  g_ptr_array_set_size (fake.renewal_ids, 0);
  cert = request (&f, "ari", ids, NULL);
  event = wait_outcome (&f, "ari");
  g_assert_cmpstr (event, ==, "added");
  cw_test_certificate_reload (&cert);
  /* a first order replaces nothing (the renewal engine may already ask
   * for the new certificate's window) */
  g_assert_cmpuint (fake.new_orders->len, ==, 1);
  g_assert_null (strstr (g_ptr_array_index (fake.new_orders, 0), "replaces"));
  expected = ari_id (cw_dbus_certificate1_get_certificate_path (cert));
  /* the renewal engine takes the CA's window (today and tomorrow here)
   * over two thirds of the 90 days */
  g_assert_true (cw_test_wait_until (renews_within_two_days, &cert, 20));
  g_ptr_array_set_size (fake.renewal_ids, 0);
  first_orders = fake.new_orders->len;

  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL,
                                        &error);
  g_assert_no_error (error);
  g_free (event);
  event = wait_outcome (&f, "ari");
  g_assert_cmpstr (event, ==, "renewed");
  /* the renewal asked about the certificate it replaces, and said so */
  g_assert_cmpuint (fake.renewal_ids->len, >=, 1);
  g_assert_cmpstr (g_ptr_array_index (fake.renewal_ids, 0), ==, expected);
  g_assert_cmpuint (fake.new_orders->len, ==, first_orders + 1);
  needle = g_strdup_printf ("\"replaces\":\"%s\"", expected);
  g_assert_nonnull (strstr (g_ptr_array_index (fake.new_orders, first_orders), needle));
  fixture_stop (&f);
}

static void
test_profiles (void)
{
  Fixture f = { 0 };
  static const gchar *const ip[] = { "192.0.2.7", NULL };
  static const gchar *const name[] = { "p.example.test", NULL };
  g_autoptr(CwDBusCertificate1) a = NULL, b = NULL, c = NULL;
  g_autofree gchar *event = NULL;

  fixture_start (&f);
  g_ptr_array_set_size (fake.new_orders, 0);
  /* an IP address with the shortlived profile: passed through, issued */
  a = request (&f, "short", ip, cw_test_options ("profile", g_variant_new_string ("shortlived"), NULL));
  event = wait_outcome (&f, "short");
  g_assert_cmpstr (event, ==, "added");
  g_assert_nonnull (strstr (g_ptr_array_index (fake.new_orders, 0), "\"profile\":\"shortlived\""));
  g_assert_nonnull (strstr (g_ptr_array_index (fake.new_orders, 0), "{\"type\":\"ip\",\"value\":\"192.0.2.7\"}"));

  /* the CA refuses the combination: its reason, readable */
  b = request (&f, "noprofile", ip, NULL);
  g_free (event);
  event = wait_outcome (&f, "noprofile");
  g_assert_cmpstr (event, ==, "failed");
  cw_test_certificate_reload (&b);
  g_test_message ("%s", cw_dbus_certificate1_get_last_error (b));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (b), "only allowed with the shortlived profile"));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (b), "rejectedIdentifier"));

  /* a profile the directory does not advertise: refused before ordering */
  c = request (&f, "unknown", name, cw_test_options ("profile", g_variant_new_string ("forever"), NULL));
  g_free (event);
  event = wait_outcome (&f, "unknown");
  g_assert_cmpstr (event, ==, "failed");
  cw_test_certificate_reload (&c);
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (c), "no profile “forever” (it offers classic, shortlived)"));
  fixture_stop (&f);
}

static void
test_retry_after (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "polite.example.test", NULL };
  static const gchar *const limited[] = { "limited.example.test", NULL };
  g_autoptr(CwDBusCertificate1) cert = NULL, other = NULL;
  g_autofree gchar *event = NULL;

  fixture_start (&f);
  g_array_set_size (fake.polls, 0);
  fake.bad_nonce = 1;   /* the first POST: badNonce, retried at once with the nonce it brought */
  fake.fail_503 = 1;    /* the first newOrder: 503, retried after its Retry-After */
  cert = request (&f, "polite", ids, NULL);
  event = wait_outcome (&f, "polite");
  g_assert_cmpstr (event, ==, "added");
  g_assert_cmpuint (fake.bad_nonce, ==, 0);
  g_assert_cmpuint (fake.fail_503, ==, 0);
  /* finalize said "Retry-After: 2": the order was not polled before */
  g_assert_cmpuint (fake.polls->len, >=, 1);
  g_assert_cmpint (g_array_index (fake.polls, gint64, 0) - fake.finalized_at, >=, 2 * G_USEC_PER_SEC - 50000);

  /* rateLimited: the order fails with the CA's words and its wait */
  fake.rate_limit = TRUE;
  other = request (&f, "limited", limited, NULL);
  g_free (event);
  event = wait_outcome (&f, "limited");
  fake.rate_limit = FALSE;
  g_assert_cmpstr (event, ==, "failed");
  cw_test_certificate_reload (&other);
  g_test_message ("%s", cw_dbus_certificate1_get_last_error (other));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (other), "too many certificates"));
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (other), "3600"));
  g_assert_cmpstr (cw_dbus_certificate1_get_state (other), ==, "failed");
  /* the next attempt waits as long as the CA asked, not the shorter backoff */
  g_assert_cmpint ((gint64) cw_dbus_certificate1_get_next_renewal (other), >=,
                   g_get_real_time () / G_USEC_PER_SEC + 3500);

  /* a renewal that fails keeps the current revision, files included; the
   * next success replaces it */
  {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *fingerprint = g_strdup (cw_dbus_certificate1_get_fingerprint (cert));
    g_autofree gchar *on_disk = NULL;
    guint revision = cw_dbus_certificate1_get_revision (cert);
    fake.rate_limit = TRUE;
    cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL,
                                          &error);
    g_assert_no_error (error);
    g_free (event);
    event = wait_outcome (&f, "polite");
    fake.rate_limit = FALSE;
    g_assert_cmpstr (event, ==, "failed");
    cw_test_certificate_reload (&cert);
    g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "failed");
    g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, revision);
    g_assert_cmpstr (cw_dbus_certificate1_get_fingerprint (cert), ==, fingerprint);
    on_disk = cw_test_openssl_fingerprint (cw_dbus_certificate1_get_full_chain_path (cert));
    g_assert_cmpstr (on_disk, ==, fingerprint);

    cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL,
                                          &error);
    g_assert_no_error (error);
    g_free (event);
    event = wait_outcome (&f, "polite");
    g_assert_cmpstr (event, ==, "renewed");
    cw_test_certificate_reload (&cert);
    g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "valid");
    g_assert_cmpuint (cw_dbus_certificate1_get_revision (cert), ==, revision + 1);
    g_assert_cmpstr (cw_dbus_certificate1_get_fingerprint (cert), !=, fingerprint);
    g_assert_cmpstr (cw_dbus_certificate1_get_last_error (cert), ==, "");
  }
  fixture_stop (&f);
}

/* The issuer of the chain file's last certificate, by OpenSSL. */
static gchar *
top_issuer (CwDBusCertificate1 *cert)
{
  g_autofree gchar *command = g_strdup_printf ("openssl crl2pkcs7 -nocrl -certfile '%s' | openssl pkcs7 -print_certs -noout "
                                               "| grep '^issuer' | tail -n 1",
                                               cw_dbus_certificate1_get_chain_path (cert));
  gchar *out = NULL;

  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  return out;
}

static void
test_preferred_chain (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "chain.example.test", NULL };
  g_autoptr(CwDBusCertificate1) def = NULL, alt = NULL;
  g_autofree gchar *event = NULL, *def_issuer = NULL, *alt_issuer = NULL;

  fixture_start (&f);
  def = request (&f, "default-chain", ids, NULL);
  event = wait_outcome (&f, "default-chain");
  g_assert_cmpstr (event, ==, "added");
  alt = request (&f, "alt-chain", ids, cw_test_options ("preferred-chain", g_variant_new_string ("Fake Root Y"), NULL));
  g_free (event);
  event = wait_outcome (&f, "alt-chain");
  g_assert_cmpstr (event, ==, "added");
  cw_test_certificate_reload (&def);
  cw_test_certificate_reload (&alt);
  def_issuer = top_issuer (def);
  alt_issuer = top_issuer (alt);
  g_assert_nonnull (strstr (def_issuer, "Fake Root X"));
  g_assert_nonnull (strstr (alt_issuer, "Fake Root Y"));
  fixture_stop (&f);
}

/* Like Let's Encrypt since 2026, the fake issues serverAuth only: a
 * certificate requested for the client role says what will fail. */
static void
test_client_eku (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "trunk.example.test", NULL };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *event = NULL;
  const gchar *const *warnings;

  fixture_start (&f);
  cert = request (&f, "trunk", ids, cw_test_options ("roles", g_variant_new_strv ((const gchar *[]) { "sip-tls", "client" }, 2), NULL));
  event = wait_outcome (&f, "trunk");
  g_assert_cmpstr (event, ==, "added");
  cw_test_certificate_reload (&cert);
  /* (the fake's chain ends at a root nobody knows: that is warned too) */
  warnings = cw_dbus_certificate1_get_warnings (cert);
  g_assert_cmpuint (g_strv_length ((gchar **) warnings), ==, 2);
  g_assert_nonnull (strstr (warnings[1], "clientAuth"));
  fixture_stop (&f);
}

/* An account deactivated elsewhere (RFC 8555 §7.3.6: "unauthorized"):
 * the agent's own is registered again and the order goes through. */
static void
test_deactivated (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "again.example.test", NULL };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *event = NULL;
  guint accounts = fake.accounts;

  fixture_start (&f);
  fake.deactivated = 1;
  cert = request (&f, "again", ids, NULL);
  event = wait_outcome (&f, "again");
  g_assert_cmpstr (event, ==, "added");
  g_assert_cmpuint (fake.deactivated, ==, 0);
  /* registered on first use, then once more */
  g_assert_cmpuint (fake.accounts, ==, accounts + 2);
  fixture_stop (&f);
}

/* Garbage from the CA fails the order with a reason, never the daemon. */
static void
test_hostile (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "h.example.test", NULL };
  static const gchar *const expected[] = {
    NULL, "answered newOrder without an order", "without an object", "unusable URL “file:///etc/passwd”",
    "http-01 challenge without token", "bad ", "sent no PEM certificate chain",
  };

  fixture_start (&f);
  for (guint kind = 1; kind < G_N_ELEMENTS (expected); kind++) {
    g_autofree gchar *name = g_strdup_printf ("hostile%u", kind);
    g_autoptr(CwDBusCertificate1) cert = NULL;
    g_autofree gchar *event = NULL;

    fake.hostile = kind;
    cert = request (&f, name, ids, NULL);
    event = wait_outcome (&f, name);
    g_assert_cmpstr (event, ==, "failed");
    cw_test_certificate_reload (&cert);
    g_test_message ("%u: %s", kind, cw_dbus_certificate1_get_last_error (cert));
    g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (cert), expected[kind]));
    /* what the CA said reaches the bus as text, control characters escaped */
    g_assert_true (g_utf8_validate (cw_dbus_certificate1_get_last_error (cert), -1, NULL));
    g_assert_null (strchr (cw_dbus_certificate1_get_last_error (cert), '\033'));
  }
  fake.hostile = 0;
  /* and the agent goes on working */
  {
    g_autoptr(CwDBusCertificate1) cert = request (&f, "after", ids, NULL);
    g_autofree gchar *event = wait_outcome (&f, "after");

    g_assert_cmpstr (event, ==, "added");
  }
  fixture_stop (&f);
}

static gboolean
finalize_held (gpointer data)
{
  return fake.hung->len > GPOINTER_TO_UINT (data);
}

/* Killed while the CA works: the pending request survives and the restarted
 * daemon finishes the order. */
static void
test_resume (void)
{
  Fixture f = { 0 };
  static const gchar *const ids[] = { "resume.example.test", NULL };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *event = NULL;
  guint held;

  fixture_start (&f);
  fake.hang = TRUE;
  cert = request (&f, "resume", ids, NULL);
  held = fake.hung->len;
  g_assert_true (cw_test_wait_until (finalize_held, GUINT_TO_POINTER (held), 30));
  g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "pending");
  g_clear_object (&cert);
  cw_test_daemon_disconnect (&f.manager, &f.events);
  cw_test_daemon_kill (f.daemon);
  /* the held exchange dies with the daemon's connection */
  for (guint i = 0; i < fake.hung->len; i++)
    soup_server_message_unpause (g_ptr_array_index (fake.hung, i));
  g_ptr_array_set_size (fake.hung, 0);
  fake.hang = FALSE;

  cw_test_daemon_connect (f.daemon, &f.manager, &f.events);
  event = wait_outcome (&f, "resume");
  g_assert_cmpstr (event, ==, "added");
  fixture_stop (&f);
}

int
main (int argc, char **argv)
{
  int status;

  cw_test_init (&argc, &argv);
  cw_test_bus_up ();
  fake_start ();

  g_test_add_func ("/acme-fake/ari", test_ari);
  g_test_add_func ("/acme-fake/profiles", test_profiles);
  g_test_add_func ("/acme-fake/retry-after", test_retry_after);
  g_test_add_func ("/acme-fake/preferred-chain", test_preferred_chain);
  g_test_add_func ("/acme-fake/resume", test_resume);
  g_test_add_func ("/acme-fake/hostile", test_hostile);
  g_test_add_func ("/acme-fake/client-eku", test_client_eku);
  g_test_add_func ("/acme-fake/deactivated", test_deactivated);
  status = g_test_run ();

  fake_stop ();
  cw_test_bus_down ();
  return status;
}
