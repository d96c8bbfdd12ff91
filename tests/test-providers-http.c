/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HTTP DNS providers, loaded from the build as the agent loads them,
 * against a fake of each service's API in this process (SoupServer on a
 * port the kernel picks): the exact requests they make for present and
 * cleanup, how they report the service's errors, and SigV4 against AWS's
 * published test vectors. */
#include "certward-provider.h"
#include "cw-test-util.h"
#include "providers/cw-sigv4.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#define SECRET "s3cr3t-t0ken-value"
#define SESSION "s3ss10n-t0ken-value"
#define FQDN "_acme-challenge.www.example.com"
#define VALUE_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define VALUE_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* ---- the fake API ------------------------------------------------------- */

typedef struct {
  gchar              *method;
  gchar              *path;
  gchar              *query;
  gchar              *body;
  SoupMessageHeaders *headers;
  JsonNode           *json;
} Request;

typedef struct {
  guint  status;
  gchar *type;
  gchar *body;
} Reply;

static struct {
  SoupServer *server;
  gchar      *base;       /* http://127.0.0.1:port */
  GQueue      replies;    /* Reply *, answered in order */
  GPtrArray  *requests;   /* Request *, as received */
} fake;

static void
request_free (Request *request)
{
  g_free (request->method);
  g_free (request->path);
  g_free (request->query);
  g_free (request->body);
  soup_message_headers_unref (request->headers);
  if (request->json != NULL)
    json_node_unref (request->json);
  g_free (request);
}

static void
reply_free (Reply *reply)
{
  g_free (reply->type);
  g_free (reply->body);
  g_free (reply);
}

static void
serve (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  Request *request = g_new0 (Request, 1);
  GUri *uri = soup_server_message_get_uri (msg);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonParser) parser = json_parser_new ();
  Reply *reply = g_queue_pop_head (&fake.replies);

  request->method = g_strdup (soup_server_message_get_method (msg));
  request->path = g_strdup (g_uri_get_path (uri));
  request->query = g_strdup (g_uri_get_query (uri));
  request->body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  request->headers = soup_message_headers_ref (soup_server_message_get_request_headers (msg));
  if (g_bytes_get_size (body) > 0 && json_parser_load_from_data (parser, request->body, -1, NULL))
    request->json = json_parser_steal_root (parser);
  g_ptr_array_add (fake.requests, request);

  if (reply == NULL) {
    soup_server_message_set_status (msg, 500, "unexpected request");
    return;
  }
  soup_server_message_set_status (msg, reply->status, NULL);
  if (reply->body != NULL)
    soup_server_message_set_response (msg, reply->type, SOUP_MEMORY_COPY, reply->body, strlen (reply->body));
  reply_free (reply);
}

static void
reply_typed (guint status, const gchar *type, const gchar *body)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->status = status;
  reply->type = g_strdup (type);
  reply->body = g_strdup (body);
  g_queue_push_tail (&fake.replies, reply);
}

/* A JSON answer (or an empty one when @body is NULL). */
static void
reply (guint status, const gchar *body)
{
  reply_typed (status, "application/json", body);
}

static void
fake_reset (void)
{
  g_queue_clear_full (&fake.replies, (GDestroyNotify) reply_free);
  g_ptr_array_set_size (fake.requests, 0);
}

static gchar *
endpoint (const gchar *path)
{
  return g_strconcat (fake.base, path, NULL);
}

/* ---- asserting requests ------------------------------------------------- */

static Request *
request_at (guint index)
{
  g_assert_cmpuint (index, <, fake.requests->len);
  return fake.requests->pdata[index];
}

static void
assert_requests (guint count)
{
  g_assert_cmpuint (fake.requests->len, ==, count);
  g_assert_true (g_queue_is_empty (&fake.replies));
}

/* @query as a set of decoded parameters, so order and escaping do not matter */
static void
assert_request (guint index, const gchar *method, const gchar *path, const gchar *query)
{
  Request *request = request_at (index);

  g_assert_cmpstr (request->method, ==, method);
  g_assert_cmpstr (request->path, ==, path);
  if (query == NULL) {
    g_assert_null (request->query);
  } else {
    g_autoptr(GHashTable) want = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
    g_autoptr(GHashTable) got = NULL;
    GHashTableIter iter;
    gpointer key, value;

    g_assert_nonnull (request->query);
    got = g_uri_parse_params (request->query, -1, "&", G_URI_PARAMS_NONE, NULL);
    g_assert_nonnull (got);
    g_assert_cmpuint (g_hash_table_size (got), ==, g_hash_table_size (want));
    g_hash_table_iter_init (&iter, want);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_assert_cmpstr (g_hash_table_lookup (got, key), ==, value);
  }
}

static void
assert_header (guint index, const gchar *name, const gchar *value)
{
  g_assert_cmpstr (soup_message_headers_get_one (request_at (index)->headers, name), ==, value);
}

/* The JSON body's values at @path (JSONPath), joined by '|'. */
static gchar *
json_at (guint index, const gchar *path)
{
  Request *request = request_at (index);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) found = NULL;
  JsonArray *array;
  GString *out = g_string_new (NULL);

  g_assert_nonnull (request->json);
  found = json_path_query (path, request->json, &error);
  g_assert_no_error (error);
  array = json_node_get_array (found);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);
    g_autofree gchar *text = NULL;

    if (json_node_get_value_type (node) == G_TYPE_STRING)
      text = g_strdup (json_node_get_string (node));
    else
      text = json_to_string (node, FALSE);
    g_string_append_printf (out, "%s%s", i > 0 ? "|" : "", text);
  }
  return g_string_free (out, FALSE);
}

#define assert_json(index, path, expected)                  \
  G_STMT_START {                                            \
    g_autofree gchar *json_text_ = json_at (index, path);   \
    g_assert_cmpstr (json_text_, ==, expected);             \
  } G_STMT_END

/* The leaf elements of an XML body as "name=text" lines. */
typedef struct {
  GString *out;
  GString *text;
  gboolean leaf;
} XmlLeaves;

static void
xml_start (GMarkupParseContext *context, const gchar *name, const gchar **names, const gchar **values,
           gpointer user_data, GError **error)
{
  XmlLeaves *leaves = user_data;

  g_string_truncate (leaves->text, 0);
  leaves->leaf = TRUE;
}

static void
xml_end (GMarkupParseContext *context, const gchar *name, gpointer user_data, GError **error)
{
  XmlLeaves *leaves = user_data;

  if (leaves->leaf)
    g_string_append_printf (leaves->out, "%s=%s\n", name, leaves->text->str);
  leaves->leaf = FALSE;
}

static void
xml_text (GMarkupParseContext *context, const gchar *text, gsize len, gpointer user_data, GError **error)
{
  g_string_append_len (((XmlLeaves *) user_data)->text, text, len);
}

static gchar *
xml_leaves (const gchar *xml)
{
  static const GMarkupParser parser = { xml_start, xml_end, xml_text, NULL, NULL };
  g_autoptr(GString) text = g_string_new (NULL);
  XmlLeaves leaves = { g_string_new (NULL), text, FALSE };
  g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, &leaves, NULL);
  g_autoptr(GError) error = NULL;

  g_markup_parse_context_parse (context, xml, -1, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
  return g_string_free (leaves.out, FALSE);
}

/* ---- plugins ------------------------------------------------------------ */

static const CwProviderPlugin *
plugin (const gchar *type)
{
  static GHashTable *modules = NULL;
  GModule *module;
  gpointer symbol = NULL;

  if (modules == NULL)
    modules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  module = g_hash_table_lookup (modules, type);
  if (module == NULL) {
    g_autofree gchar *name = g_strconcat (type, ".so", NULL);
    g_autofree gchar *path = g_build_filename (g_getenv ("CW_PROVIDER_BUILD_DIR"), name, NULL);

    module = g_module_open (path, G_MODULE_BIND_LOCAL);
    if (module == NULL)
      g_error ("cannot load %s: %s", path, g_module_error ());
    g_hash_table_insert (modules, g_strdup (type), module);
  }
  g_assert_true (g_module_symbol (module, CW_PROVIDER_SYMBOL, &symbol));
  return symbol;
}

/* create() with key, value, …, NULL */
static gpointer
create_valist (const gchar *type, GError **error, va_list args)
{
  g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
  const gchar *key;

  while ((key = va_arg (args, const gchar *)) != NULL)
    g_hash_table_insert (settings, (gpointer) key, va_arg (args, gpointer));
  return plugin (type)->create (settings, error);
}

static gpointer
create (const gchar *type, ...)
{
  g_autoptr(GError) error = NULL;
  gpointer instance;
  va_list args;

  va_start (args, type);
  instance = create_valist (type, &error, args);
  va_end (args);
  g_assert_no_error (error);
  g_assert_nonnull (instance);
  return instance;
}

static GError *
create_error (const gchar *type, ...)
{
  GError *error = NULL;
  gpointer instance;
  va_list args;

  va_start (args, type);
  instance = create_valist (type, &error, args);
  va_end (args);
  g_assert_null (instance);
  g_assert_nonnull (error);
  g_assert_null (strstr (error->message, SECRET));
  return error;
}

/* Runs present (or cleanup) of @value at FQDN in example.com to its end. */
static gboolean
run (const gchar *type, gpointer instance, gboolean cleanup, const gchar *value, GError **error)
{
  const CwProviderPlugin *p = plugin (type);
  CwProviderRecord record = { FQDN, value, "example.com", 120 };
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  (cleanup ? p->cleanup_async : p->present_async) (instance, &record, NULL, cw_test_async_done, &result);
  ok = (cleanup ? p->cleanup_finish : p->present_finish) (instance, cw_test_async_wait (&result), error);
  g_assert_true (ok == (error == NULL || *error == NULL));
  return ok;
}

static void
run_ok (const gchar *type, gpointer instance, gboolean cleanup, const gchar *value)
{
  g_autoptr(GError) error = NULL;

  run (type, instance, cleanup, value, &error);
  g_assert_no_error (error);
}

/* The operation fails with @code and a message holding @words and the zone,
 * never a secret. */
static void
run_fails (const gchar *type, gpointer instance, gboolean cleanup, gint code, const gchar *words)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (run (type, instance, cleanup, VALUE_A, &error));
  g_assert_error (error, G_IO_ERROR, code);
  g_test_message ("%s: %s", type, error->message);
  if (strstr (error->message, words) == NULL || strstr (error->message, "example.com") == NULL)
    g_error ("“%s” does not say “%s” and the zone", error->message, words);
  g_assert_null (strstr (error->message, SECRET));
  g_assert_null (strstr (error->message, SESSION));
}

/* ---- the plugins' tables and create() ----------------------------------- */

typedef struct {
  const gchar *key;
  gboolean     required;
  gboolean     secret;
} Field;

static const struct {
  const gchar *type;
  Field        fields[7];
} expected_fields[] = {
  { "powerdns", { { "api-url", TRUE, FALSE }, { "api-key", TRUE, TRUE }, { "server-id", FALSE, FALSE } } },
  { "cloudflare", { { "api-token", TRUE, TRUE }, { "zone-id", FALSE, FALSE }, { "endpoint", FALSE, FALSE } } },
  { "hetzner", { { "api-token", TRUE, TRUE }, { "endpoint", FALSE, FALSE } } },
  { "digitalocean", { { "api-token", TRUE, TRUE }, { "endpoint", FALSE, FALSE } } },
  { "desec", { { "api-token", TRUE, TRUE }, { "endpoint", FALSE, FALSE } } },
  { "gandi", { { "api-token", TRUE, TRUE }, { "endpoint", FALSE, FALSE } } },
  { "route53", { { "access-key-id", TRUE, FALSE }, { "secret-access-key", TRUE, TRUE },
                 { "session-token", FALSE, TRUE }, { "region", FALSE, FALSE }, { "hosted-zone-id", FALSE, FALSE },
                 { "endpoint", FALSE, FALSE } } },
};

static void
test_tables (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (expected_fields); i++) {
    const CwProviderPlugin *p = plugin (expected_fields[i].type);
    guint n = 0;

    g_assert_cmpuint (p->abi_version, ==, CW_PROVIDER_ABI_VERSION);
    g_assert_cmpstr (p->type, ==, expected_fields[i].type);
    g_assert_nonnull (p->display_name);
    g_assert_true (p->create != NULL && p->free != NULL && p->present_async != NULL && p->present_finish != NULL
                   && p->cleanup_async != NULL && p->cleanup_finish != NULL);
    for (; p->fields[n].key != NULL; n++) {
      const Field *want = &expected_fields[i].fields[n];

      g_assert_cmpstr (p->fields[n].key, ==, want->key);
      g_assert_cmpint (p->fields[n].required, ==, want->required);
      g_assert_cmpint (p->fields[n].secret, ==, want->secret);
      g_assert_true (p->fields[n].label != NULL && p->fields[n].description != NULL);
      for (const gchar *c = p->fields[n].key; *c != '\0'; c++)
        g_assert_true (g_ascii_islower (*c) || g_ascii_isdigit (*c) || *c == '-');
    }
    g_assert_null (expected_fields[i].fields[n].key);
  }
}

static void
assert_create_error (GError *error, const gchar *field)
{
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, field) == NULL)
    g_error ("“%s” does not name %s", error->message, field);
  g_error_free (error);
}

static void
test_create (void)
{
  static const gchar *const token_types[] = { "cloudflare", "hetzner", "digitalocean", "desec", "gandi" };

  for (guint i = 0; i < G_N_ELEMENTS (token_types); i++) {
    assert_create_error (create_error (token_types[i], NULL), "api-token");
    assert_create_error (create_error (token_types[i], "api-token", "", NULL), "api-token");
    assert_create_error (create_error (token_types[i], "api-token", SECRET, "endpoint", "ftp://example.com", NULL),
                         "endpoint");
    plugin (token_types[i])->free (create (token_types[i], "api-token", SECRET, NULL));
  }
  assert_create_error (create_error ("powerdns", "api-key", SECRET, NULL), "api-url");
  assert_create_error (create_error ("powerdns", "api-url", "http://127.0.0.1:24600", NULL), "api-key");
  assert_create_error (create_error ("powerdns", "api-url", "127.0.0.1:8081", "api-key", SECRET, NULL), "api-url");
  plugin ("powerdns")->free (create ("powerdns", "api-url", "http://127.0.0.1:24600/", "api-key", SECRET, NULL));
  assert_create_error (create_error ("route53", "secret-access-key", SECRET, NULL), "access-key-id");
  assert_create_error (create_error ("route53", "access-key-id", "AKIDEXAMPLE", NULL), "secret-access-key");
  plugin ("route53")->free (create ("route53", "access-key-id", "AKIDEXAMPLE", "secret-access-key", SECRET, NULL));
}

/* A TXT value inside a JSON string, with its DNS quotes: "\"value\"" */
#define Q(value) "\\\"" value "\\\""

/* ---- PowerDNS ----------------------------------------------------------- */

#define PDNS_ZONE "/api/v1/servers/localhost/zones/example.com."
#define PDNS_SOA "{\"name\":\"example.com.\",\"type\":\"SOA\",\"ttl\":3600,\"records\":" \
                 "[{\"content\":\"ns1.example.com. hostmaster.example.com. 1 60 60 3600 60\",\"disabled\":false}]}"
#define PDNS_TXT(records) "{\"name\":\"" FQDN ".\",\"type\":\"TXT\",\"ttl\":120,\"records\":[" records "]}"
#define PDNS_RECORD(value) "{\"content\":\"" Q (value) "\",\"disabled\":false}"

static void
test_powerdns (void)
{
  g_autofree gchar *url = endpoint ("");
  gpointer pdns = create ("powerdns", "api-url", url, "api-key", SECRET, NULL);

  /* present next to the value already there (a wildcard and its base) */
  fake_reset ();
  reply (200, "{\"name\":\"example.com.\",\"rrsets\":[" PDNS_SOA "," PDNS_TXT (PDNS_RECORD (VALUE_B)) "]}");
  reply (204, NULL);
  run_ok ("powerdns", pdns, FALSE, VALUE_A);
  assert_requests (2);
  assert_request (0, "GET", PDNS_ZONE, NULL);
  assert_header (0, "X-API-Key", SECRET);
  assert_request (1, "PATCH", PDNS_ZONE, NULL);
  assert_header (1, "X-API-Key", SECRET);
  assert_header (1, "Content-Type", "application/json");
  assert_json (1, "$.rrsets[*].name", FQDN ".");
  assert_json (1, "$.rrsets[0].type", "TXT");
  assert_json (1, "$.rrsets[0].changetype", "REPLACE");
  assert_json (1, "$.rrsets[0].ttl", "120");
  assert_json (1, "$.rrsets[0].records[*].content", "\"" VALUE_B "\"|\"" VALUE_A "\"");
  assert_json (1, "$.rrsets[0].records[*].disabled", "false|false");

  /* present again: nothing to change */
  fake_reset ();
  reply (200, "{\"rrsets\":[" PDNS_TXT (PDNS_RECORD (VALUE_B) "," PDNS_RECORD (VALUE_A)) "]}");
  run_ok ("powerdns", pdns, FALSE, VALUE_A);
  assert_requests (1);

  /* cleanup removes only its value */
  fake_reset ();
  reply (200, "{\"rrsets\":[" PDNS_SOA "," PDNS_TXT (PDNS_RECORD (VALUE_B) "," PDNS_RECORD (VALUE_A)) "]}");
  reply (204, NULL);
  run_ok ("powerdns", pdns, TRUE, VALUE_A);
  assert_requests (2);
  assert_request (1, "PATCH", PDNS_ZONE, NULL);
  assert_json (1, "$.rrsets[0].changetype", "REPLACE");
  assert_json (1, "$.rrsets[0].records[*].content", "\"" VALUE_B "\"");

  /* the last value goes with its rrset */
  fake_reset ();
  reply (200, "{\"rrsets\":[" PDNS_SOA "," PDNS_TXT (PDNS_RECORD (VALUE_A)) "]}");
  reply (204, NULL);
  run_ok ("powerdns", pdns, TRUE, VALUE_A);
  assert_requests (2);
  assert_json (1, "$.rrsets[0].name", FQDN ".");
  assert_json (1, "$.rrsets[0].type", "TXT");
  assert_json (1, "$.rrsets[0].changetype", "DELETE");
  assert_json (1, "$.rrsets[0].records", "");

  /* cleanup of a value already gone succeeds without a change */
  fake_reset ();
  reply (200, "{\"rrsets\":[" PDNS_SOA "]}");
  run_ok ("powerdns", pdns, TRUE, VALUE_A);
  assert_requests (1);

  /* errors, as pdns 4.7 gives them */
  fake_reset ();
  reply_typed (401, "text/plain", "Unauthorized");
  run_fails ("powerdns", pdns, FALSE, G_IO_ERROR_PERMISSION_DENIED, "Unauthorized");
  fake_reset ();
  reply_typed (404, "text/plain", "Not Found");
  run_fails ("powerdns", pdns, FALSE, G_IO_ERROR_NOT_FOUND, "zone example.com not found");
  fake_reset ();
  reply (200, "{\"rrsets\":[]}");
  reply (422, "{\"error\": \"Record " FQDN "./TXT 'x': Data field in DNS should start with quote\"}");
  run_fails ("powerdns", pdns, FALSE, G_IO_ERROR_FAILED, "Data field in DNS should start with quote");
  fake_reset ();
  reply (200, "{\"rrsets\": [{\"name\": ");
  run_fails ("powerdns", pdns, FALSE, G_IO_ERROR_INVALID_DATA, "JSON");
  fake_reset ();
  reply (200, "[1, 2]");
  run_fails ("powerdns", pdns, TRUE, G_IO_ERROR_INVALID_DATA, "JSON");
  /* shapes the API never gives are skipped, not trusted */
  fake_reset ();
  reply (200, "{\"rrsets\":[7,{\"name\":5},{\"name\":\"" FQDN ".\",\"type\":\"TXT\",\"records\":[null,{\"content\":[]}]}]}");
  reply (204, NULL);
  run_ok ("powerdns", pdns, FALSE, VALUE_A);
  assert_json (1, "$.rrsets[0].records[*].content", "\"" VALUE_A "\"");

  plugin ("powerdns")->free (pdns);
}

/* ---- Cloudflare --------------------------------------------------------- */

#define CF "/client/v4"

static void
test_cloudflare (void)
{
  g_autofree gchar *url = endpoint (CF);
  gpointer cf = create ("cloudflare", "api-token", SECRET, "endpoint", url, NULL);
  gpointer cf_zone = create ("cloudflare", "api-token", SECRET, "endpoint", url, "zone-id", "z123", NULL);

  fake_reset ();
  reply (200, "{\"success\":true,\"errors\":[],\"result\":[{\"id\":\"z123\",\"name\":\"example.com\"}]}");
  reply (200, "{\"success\":true,\"errors\":[],\"result\":{\"id\":\"r1\",\"type\":\"TXT\"}}");
  run_ok ("cloudflare", cf, FALSE, VALUE_A);
  assert_requests (2);
  assert_request (0, "GET", CF "/zones", "name=example.com");
  assert_header (0, "Authorization", "Bearer " SECRET);
  assert_request (1, "POST", CF "/zones/z123/dns_records", NULL);
  assert_header (1, "Authorization", "Bearer " SECRET);
  assert_json (1, "$.type", "TXT");
  assert_json (1, "$.name", FQDN);
  assert_json (1, "$.content", VALUE_A);
  assert_json (1, "$.ttl", "120");

  /* with zone-id there is no lookup; only the record holding the value goes
   * (whatever the server's filter let through) */
  fake_reset ();
  reply (200, "{\"success\":true,\"result\":[{\"id\":\"r2\",\"type\":\"TXT\",\"name\":\"" FQDN "\",\"content\":\""
         VALUE_B "\"},{\"id\":\"r1\",\"type\":\"TXT\",\"name\":\"" FQDN "\",\"content\":\"" Q (VALUE_A) "\"}]}");
  reply (200, "{\"success\":true,\"result\":{\"id\":\"r1\"}}");
  run_ok ("cloudflare", cf_zone, TRUE, VALUE_A);
  assert_requests (2);
  assert_request (0, "GET", CF "/zones/z123/dns_records", "type=TXT&name=" FQDN "&content=" VALUE_A);
  assert_request (1, "DELETE", CF "/zones/z123/dns_records/r1", NULL);
  assert_header (1, "Authorization", "Bearer " SECRET);

  fake_reset ();
  reply (200, "{\"success\":true,\"result\":[]}");
  run_ok ("cloudflare", cf_zone, TRUE, VALUE_A);
  assert_requests (1);

  fake_reset ();
  reply (403, "{\"success\":false,\"errors\":[{\"code\":10000,\"message\":\"Authentication error\"}],\"result\":null}");
  run_fails ("cloudflare", cf, FALSE, G_IO_ERROR_PERMISSION_DENIED, "Authentication error");
  fake_reset ();
  reply (200, "{\"success\":true,\"errors\":[],\"result\":[]}");
  run_fails ("cloudflare", cf, FALSE, G_IO_ERROR_NOT_FOUND, "zone example.com not found for this token");
  fake_reset ();
  reply (400, "{\"success\":false,\"errors\":[{\"code\":81058,\"message\":\"An identical record already exists.\"}]}");
  run_fails ("cloudflare", cf_zone, FALSE, G_IO_ERROR_FAILED, "An identical record already exists. (code 81058)");
  fake_reset ();
  reply (200, "{\"success\":false,\"errors\":[{\"code\":7003,\"message\":\"Could not route\"}]}");
  run_fails ("cloudflare", cf_zone, FALSE, G_IO_ERROR_FAILED, "Could not route");
  fake_reset ();
  reply (200, "<html>rate limited</html>");
  run_fails ("cloudflare", cf, FALSE, G_IO_ERROR_INVALID_DATA, "JSON");

  plugin ("cloudflare")->free (cf);
  plugin ("cloudflare")->free (cf_zone);
}

/* ---- Hetzner ------------------------------------------------------------ */

#define HZ "/api/v1"
#define HZ_ZONES "{\"zones\":[{\"id\":\"hz1\",\"name\":\"example.com\",\"ttl\":86400}]}"

static void
test_hetzner (void)
{
  g_autofree gchar *url = endpoint (HZ);
  gpointer hz = create ("hetzner", "api-token", SECRET, "endpoint", url, NULL);

  fake_reset ();
  reply (200, HZ_ZONES);
  reply (200, "{\"record\":{\"id\":\"r9\",\"type\":\"TXT\"}}");
  run_ok ("hetzner", hz, FALSE, VALUE_A);
  assert_requests (2);
  assert_request (0, "GET", HZ "/zones", "name=example.com");
  assert_header (0, "Auth-API-Token", SECRET);
  assert_request (1, "POST", HZ "/records", NULL);
  assert_header (1, "Auth-API-Token", SECRET);
  assert_json (1, "$.zone_id", "hz1");
  assert_json (1, "$.type", "TXT");
  assert_json (1, "$.name", "_acme-challenge.www");
  assert_json (1, "$.value", VALUE_A);
  assert_json (1, "$.ttl", "120");

  fake_reset ();
  reply (200, HZ_ZONES);
  reply (200, "{\"records\":["
              "{\"id\":\"r1\",\"type\":\"TXT\",\"name\":\"_acme-challenge.www\",\"value\":\"" VALUE_B "\"},"
              "{\"id\":\"r2\",\"type\":\"TXT\",\"name\":\"_acme-challenge.www\",\"value\":\"" Q (VALUE_A) "\"},"
              "{\"id\":\"r3\",\"type\":\"TXT\",\"name\":\"_acme-challenge.ftp\",\"value\":\"" VALUE_A "\"},"
              "{\"id\":\"r4\",\"type\":\"A\",\"name\":\"www\",\"value\":\"192.0.2.1\"}]}");
  reply (200, NULL);
  run_ok ("hetzner", hz, TRUE, VALUE_A);
  assert_requests (3);
  assert_request (1, "GET", HZ "/records", "zone_id=hz1");
  assert_request (2, "DELETE", HZ "/records/r2", NULL);
  assert_header (2, "Auth-API-Token", SECRET);

  fake_reset ();
  reply (401, "{\"message\":\"Invalid authentication credentials\"}");
  run_fails ("hetzner", hz, FALSE, G_IO_ERROR_PERMISSION_DENIED, "Invalid authentication credentials");
  fake_reset ();
  reply (200, "{\"zones\":[]}");
  run_fails ("hetzner", hz, TRUE, G_IO_ERROR_NOT_FOUND, "zone example.com not found for this token");
  fake_reset ();
  reply (404, "{\"zones\":[],\"error\":{\"message\":\"zone not found\",\"code\":404}}");
  run_fails ("hetzner", hz, TRUE, G_IO_ERROR_NOT_FOUND, "zone example.com not found");
  fake_reset ();
  reply (200, HZ_ZONES);
  reply (422, "{\"record\":{},\"error\":{\"message\":\"invalid TTL\",\"code\":422}}");
  run_fails ("hetzner", hz, FALSE, G_IO_ERROR_FAILED, "invalid TTL");
  fake_reset ();
  reply (200, "{\"zones\":");
  run_fails ("hetzner", hz, FALSE, G_IO_ERROR_INVALID_DATA, "JSON");

  plugin ("hetzner")->free (hz);
}

/* {"zones":[{…,"x":[[…]]}]}: the zone list nested @depth levels deep */
static gchar *
zones_nested (guint depth)
{
  GString *text = g_string_new ("{\"zones\":[{\"id\":\"hz1\",\"name\":\"example.com\",\"x\":");

  for (guint i = 3; i < depth; i++)
    g_string_append_c (text, '[');
  for (guint i = 3; i < depth; i++)
    g_string_append_c (text, ']');
  g_string_append (text, "}]}");
  return g_string_free (text, FALSE);
}

/* Issue 10: json-glib recurses once per level, so an answer nested deep
 * enough would overflow the agent's stack; the helper refuses more than 64
 * levels, as the core does for ACME. */
static void
test_deep_json (void)
{
  g_autofree gchar *url = endpoint (HZ);
  gpointer hz = create ("hetzner", "api-token", SECRET, "endpoint", url, NULL);
  g_autofree gchar *at_limit = zones_nested (64);
  g_autofree gchar *over = zones_nested (65);
  g_autofree gchar *deep = zones_nested (200000);

  fake_reset ();
  reply (200, at_limit);
  reply (200, "{\"record\":{\"id\":\"r9\",\"type\":\"TXT\"}}");
  run_ok ("hetzner", hz, FALSE, VALUE_A);
  assert_requests (2);

  fake_reset ();
  reply (200, over);
  run_fails ("hetzner", hz, FALSE, G_IO_ERROR_INVALID_DATA, "malformed JSON");
  assert_requests (1);

  fake_reset ();
  reply (200, deep);
  run_fails ("hetzner", hz, FALSE, G_IO_ERROR_INVALID_DATA, "malformed JSON");
  assert_requests (1);

  plugin ("hetzner")->free (hz);
}

/* ---- DigitalOcean ------------------------------------------------------- */

#define DO "/v2/domains/example.com/records"

static void
test_digitalocean (void)
{
  g_autofree gchar *url = endpoint ("/v2");
  gpointer dig = create ("digitalocean", "api-token", SECRET, "endpoint", url, NULL);

  fake_reset ();
  reply (201, "{\"domain_record\":{\"id\":28448433,\"type\":\"TXT\"}}");
  run_ok ("digitalocean", dig, FALSE, VALUE_A);
  assert_requests (1);
  assert_request (0, "POST", DO, NULL);
  assert_header (0, "Authorization", "Bearer " SECRET);
  assert_json (0, "$.type", "TXT");
  assert_json (0, "$.name", "_acme-challenge.www");
  assert_json (0, "$.data", VALUE_A);
  assert_json (0, "$.ttl", "120");

  fake_reset ();
  reply (200, "{\"domain_records\":["
              "{\"id\":11,\"type\":\"TXT\",\"name\":\"_acme-challenge.www\",\"data\":\"" VALUE_B "\"},"
              "{\"id\":12,\"type\":\"TXT\",\"name\":\"_acme-challenge.www\",\"data\":\"" VALUE_A "\"}],"
              "\"meta\":{\"total\":2}}");
  reply (204, NULL);
  run_ok ("digitalocean", dig, TRUE, VALUE_A);
  assert_requests (2);
  assert_request (0, "GET", DO, "type=TXT&name=" FQDN);
  assert_header (0, "Authorization", "Bearer " SECRET);
  assert_request (1, "DELETE", DO "/12", NULL);
  assert_header (1, "Authorization", "Bearer " SECRET);

  fake_reset ();
  reply (200, "{\"domain_records\":[],\"meta\":{\"total\":0}}");
  run_ok ("digitalocean", dig, TRUE, VALUE_A);
  assert_requests (1);

  fake_reset ();
  reply (401, "{\"id\":\"unauthorized\",\"message\":\"Unable to authenticate you\"}");
  run_fails ("digitalocean", dig, FALSE, G_IO_ERROR_PERMISSION_DENIED, "Unable to authenticate you");
  fake_reset ();
  reply (404, "{\"id\":\"not_found\",\"message\":\"The resource you were accessing could not be found.\"}");
  run_fails ("digitalocean", dig, TRUE, G_IO_ERROR_NOT_FOUND, "zone example.com not found for this token");
  fake_reset ();
  reply (422, "{\"id\":\"unprocessable_entity\",\"message\":\"Data needs to end with a dot (.)\"}");
  run_fails ("digitalocean", dig, FALSE, G_IO_ERROR_FAILED, "Data needs to end with a dot (.)");
  fake_reset ();
  reply (200, "{\"domain_records\":[{\"id\":");
  run_fails ("digitalocean", dig, TRUE, G_IO_ERROR_INVALID_DATA, "JSON");

  plugin ("digitalocean")->free (dig);
}

/* ---- deSEC -------------------------------------------------------------- */

#define DESEC "/api/v1/domains/example.com/rrsets/"

static void
test_desec (void)
{
  g_autofree gchar *url = endpoint ("/api/v1");
  gpointer desec = create ("desec", "api-token", SECRET, "endpoint", url, NULL);

  fake_reset ();
  reply (404, "{\"detail\":\"Not found.\"}");
  reply (200, "[{\"subname\":\"_acme-challenge.www\",\"type\":\"TXT\"}]");
  run_ok ("desec", desec, FALSE, VALUE_A);
  assert_requests (2);
  assert_request (0, "GET", DESEC "_acme-challenge.www/TXT/", NULL);
  assert_header (0, "Authorization", "Token " SECRET);
  assert_request (1, "PATCH", DESEC, NULL);
  assert_header (1, "Authorization", "Token " SECRET);
  assert_json (1, "$[*].subname", "_acme-challenge.www");
  assert_json (1, "$[0].type", "TXT");
  assert_json (1, "$[0].ttl", "3600");
  assert_json (1, "$[0].records[*]", "\"" VALUE_A "\"");

  fake_reset ();
  reply (200, "{\"subname\":\"_acme-challenge.www\",\"type\":\"TXT\",\"ttl\":3600,"
              "\"records\":[\"" Q (VALUE_B) "\",\"" Q (VALUE_A) "\"]}");
  reply (200, "[]");
  run_ok ("desec", desec, TRUE, VALUE_A);
  assert_requests (2);
  assert_request (1, "PATCH", DESEC, NULL);
  assert_json (1, "$[0].subname", "_acme-challenge.www");
  assert_json (1, "$[0].records[*]", "\"" VALUE_B "\"");

  /* the last value: an empty record list deletes the rrset */
  fake_reset ();
  reply (200, "{\"subname\":\"_acme-challenge.www\",\"type\":\"TXT\",\"ttl\":3600,\"records\":[\"" Q (VALUE_A) "\"]}");
  reply (200, "[]");
  run_ok ("desec", desec, TRUE, VALUE_A);
  assert_requests (2);
  assert_json (1, "$[0].records", "[]");

  fake_reset ();
  reply (404, "{\"detail\":\"Not found.\"}");
  run_ok ("desec", desec, TRUE, VALUE_A);
  assert_requests (1);

  fake_reset ();
  reply (401, "{\"detail\":\"Invalid token.\"}");
  run_fails ("desec", desec, FALSE, G_IO_ERROR_PERMISSION_DENIED, "Invalid token.");
  fake_reset ();
  reply (404, "{\"detail\":\"Not found.\"}");
  reply (404, "{\"detail\":\"Not found.\"}");
  run_fails ("desec", desec, FALSE, G_IO_ERROR_NOT_FOUND, "zone example.com not found for this token");
  fake_reset ();
  reply (404, "{\"detail\":\"Not found.\"}");
  reply (400, "[{\"ttl\":[\"Ensure this value is greater than or equal to 3600.\"]}]");
  run_fails ("desec", desec, FALSE, G_IO_ERROR_FAILED, "HTTP 400");
  fake_reset ();
  reply (200, "{\"records\":[\"");
  run_fails ("desec", desec, FALSE, G_IO_ERROR_INVALID_DATA, "JSON");

  plugin ("desec")->free (desec);
}

/* ---- Gandi -------------------------------------------------------------- */

#define GANDI "/v5/livedns/domains/example.com/records/_acme-challenge.www/TXT"

static void
test_gandi (void)
{
  g_autofree gchar *url = endpoint ("/v5/livedns");
  gpointer gandi = create ("gandi", "api-token", SECRET, "endpoint", url, NULL);

  fake_reset ();
  reply (200, "{\"rrset_name\":\"_acme-challenge.www\",\"rrset_type\":\"TXT\",\"rrset_ttl\":300,"
              "\"rrset_values\":[\"" Q (VALUE_B) "\"]}");
  reply (201, "{\"message\":\"DNS Record Created\"}");
  run_ok ("gandi", gandi, FALSE, VALUE_A);
  assert_requests (2);
  assert_request (0, "GET", GANDI, NULL);
  assert_header (0, "Authorization", "Bearer " SECRET);
  assert_request (1, "PUT", GANDI, NULL);
  assert_header (1, "Authorization", "Bearer " SECRET);
  assert_json (1, "$.rrset_values[*]", "\"" VALUE_B "\"|\"" VALUE_A "\"");
  assert_json (1, "$.rrset_ttl", "300");

  fake_reset ();
  reply (200, "{\"rrset_ttl\":300,\"rrset_values\":[\"" Q (VALUE_B) "\",\"" Q (VALUE_A) "\"]}");
  reply (201, "{\"message\":\"DNS Record Created\"}");
  run_ok ("gandi", gandi, TRUE, VALUE_A);
  assert_requests (2);
  assert_request (1, "PUT", GANDI, NULL);
  assert_json (1, "$.rrset_values[*]", "\"" VALUE_B "\"");

  fake_reset ();
  reply (200, "{\"rrset_ttl\":300,\"rrset_values\":[\"" Q (VALUE_A) "\"]}");
  reply (204, NULL);
  run_ok ("gandi", gandi, TRUE, VALUE_A);
  assert_requests (2);
  assert_request (1, "DELETE", GANDI, NULL);
  assert_header (1, "Authorization", "Bearer " SECRET);

  fake_reset ();
  reply (404, "{\"code\":404,\"message\":\"Can't find the DNS record\",\"object\":\"dns-record\",\"cause\":\"Not Found\"}");
  run_ok ("gandi", gandi, TRUE, VALUE_A);
  assert_requests (1);

  fake_reset ();
  reply (403, "{\"code\":403,\"message\":\"Access was denied to this resource.\",\"object\":\"HTTPForbidden\","
              "\"cause\":\"Forbidden\"}");
  run_fails ("gandi", gandi, FALSE, G_IO_ERROR_PERMISSION_DENIED, "Forbidden: Access was denied to this resource.");
  fake_reset ();
  reply (404, "{\"code\":404,\"message\":\"Not found\",\"cause\":\"Not Found\"}");
  reply (404, "{\"code\":404,\"message\":\"Domain not found\",\"cause\":\"Not Found\"}");
  run_fails ("gandi", gandi, FALSE, G_IO_ERROR_NOT_FOUND, "zone example.com not found for this token");
  fake_reset ();
  reply (200, "{\"rrset_values\":[");
  run_fails ("gandi", gandi, FALSE, G_IO_ERROR_INVALID_DATA, "JSON");

  plugin ("gandi")->free (gandi);
}

/* ---- Route 53 ----------------------------------------------------------- */

#define R53 "/2013-04-01"
#define R53_NS "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\""
#define R53_ZONES                                                                                             \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListHostedZonesByNameResponse " R53_NS "><HostedZones>"       \
  "<HostedZone><Id>/hostedzone/ZOTHER</Id><Name>www.example.com.</Name><CallerReference>a</CallerReference>"  \
  "<Config><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>2</ResourceRecordSetCount>"       \
  "</HostedZone><HostedZone><Id>/hostedzone/Z123</Id><Name>example.com.</Name><CallerReference>b"             \
  "</CallerReference><Config><Comment>x</Comment><PrivateZone>false</PrivateZone></Config></HostedZone>"      \
  "</HostedZones><DNSName>example.com.</DNSName><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems>"     \
  "</ListHostedZonesByNameResponse>"
#define R53_VALUE(value) "<ResourceRecord><Value>\"" value "\"</Value></ResourceRecord>"
#define R53_RRSET(name, ttl, values)                                                                          \
  "<?xml version=\"1.0\"?>\n<ListResourceRecordSetsResponse " R53_NS "><ResourceRecordSets>"                  \
  "<ResourceRecordSet><Name>" name "</Name><Type>TXT</Type><TTL>" ttl "</TTL><ResourceRecords>" values        \
  "</ResourceRecords></ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated>"               \
  "<MaxItems>1</MaxItems></ListResourceRecordSetsResponse>"
#define R53_CHANGED                                                                                           \
  "<?xml version=\"1.0\"?>\n<ChangeResourceRecordSetsResponse " R53_NS "><ChangeInfo><Id>/change/C1</Id>"     \
  "<Status>PENDING</Status><SubmittedAt>2025-01-01T00:00:00.000Z</SubmittedAt></ChangeInfo>"                  \
  "</ChangeResourceRecordSetsResponse>"
#define R53_ERROR(code, message)                                                                              \
  "<?xml version=\"1.0\"?>\n<ErrorResponse " R53_NS "><Error><Type>Sender</Type><Code>" code "</Code>"        \
  "<Message>" message "</Message></Error><RequestId>r1</RequestId></ErrorResponse>"

/* The request's Authorization is SigV4's for what was received. */
static void
assert_signed (guint index, const gchar *session_token)
{
  Request *request = request_at (index);
  const gchar *date = soup_message_headers_get_one (request->headers, "X-Amz-Date");
  CwSigV4Request sign = {
    .method = request->method,
    .host = soup_message_headers_get_one (request->headers, "Host"),
    .path = request->path,
    .query = request->query,
    .payload = (const guint8 *) request->body,
    .payload_len = strlen (request->body),
    .amz_date = date,
    .region = "us-east-1",
    .service = "route53",
    .access_key_id = "AKIDEXAMPLE",
    .secret_access_key = SECRET,
    .session_token = session_token,
  };
  g_autoptr(CwSigV4) sig = NULL;
  g_autofree gchar *scope = NULL;

  g_assert_nonnull (date);
  g_assert_cmpuint (strlen (date), ==, 16);
  sig = cw_sigv4_sign (&sign);
  assert_header (index, "Authorization", sig->authorization);
  scope = g_strdup_printf ("Credential=AKIDEXAMPLE/%.8s/us-east-1/route53/aws4_request, ", date);
  g_assert_nonnull (strstr (sig->authorization, scope));
  assert_header (index, "X-Amz-Security-Token", session_token);
  if (session_token != NULL)
    g_assert_nonnull (strstr (sig->authorization, "SignedHeaders=host;x-amz-date;x-amz-security-token,"));
  else
    g_assert_nonnull (strstr (sig->authorization, "SignedHeaders=host;x-amz-date,"));
}

#define assert_xml(index, expected)                                  \
  G_STMT_START {                                                     \
    g_autofree gchar *xml_text_ = xml_leaves (request_at (index)->body); \
    g_assert_cmpstr (xml_text_, ==, expected);                       \
  } G_STMT_END

static void
test_route53 (void)
{
  g_autofree gchar *url = endpoint ("");
  gpointer r53 = create ("route53", "access-key-id", "AKIDEXAMPLE", "secret-access-key", SECRET, "session-token",
                         SESSION, "endpoint", url, NULL);
  gpointer r53_zone = create ("route53", "access-key-id", "AKIDEXAMPLE", "secret-access-key", SECRET,
                              "hosted-zone-id", "/hostedzone/Z123", "endpoint", url, NULL);

  fake_reset ();
  reply_typed (200, "text/xml", R53_ZONES);
  reply_typed (200, "text/xml", R53_RRSET (FQDN ".", "300", R53_VALUE (VALUE_B)));
  reply_typed (200, "text/xml", R53_CHANGED);
  run_ok ("route53", r53, FALSE, VALUE_A);
  assert_requests (3);
  assert_request (0, "GET", R53 "/hostedzonesbyname", "dnsname=example.com.");
  assert_signed (0, SESSION);
  assert_request (1, "GET", R53 "/hostedzone/Z123/rrset", "name=" FQDN ".&type=TXT&maxitems=1");
  assert_signed (1, SESSION);
  assert_request (2, "POST", R53 "/hostedzone/Z123/rrset/", NULL);
  assert_signed (2, SESSION);
  assert_xml (2, "Action=UPSERT\nName=" FQDN ".\nType=TXT\nTTL=120\n"
                 "Value=\"" VALUE_B "\"\nValue=\"" VALUE_A "\"\n");

  /* cleanup keeps the other value and the rrset's TTL */
  fake_reset ();
  reply_typed (200, "text/xml", R53_RRSET (FQDN ".", "300", R53_VALUE (VALUE_B) R53_VALUE (VALUE_A)));
  reply_typed (200, "text/xml", R53_CHANGED);
  run_ok ("route53", r53_zone, TRUE, VALUE_A);
  assert_requests (2);
  assert_request (0, "GET", R53 "/hostedzone/Z123/rrset", "name=" FQDN ".&type=TXT&maxitems=1");
  assert_signed (0, NULL);
  assert_request (1, "POST", R53 "/hostedzone/Z123/rrset/", NULL);
  assert_signed (1, NULL);
  assert_xml (1, "Action=UPSERT\nName=" FQDN ".\nType=TXT\nTTL=300\nValue=\"" VALUE_B "\"\n");

  /* the last value: DELETE names the rrset exactly */
  fake_reset ();
  reply_typed (200, "text/xml", R53_RRSET (FQDN ".", "60", R53_VALUE (VALUE_A)));
  reply_typed (200, "text/xml", R53_CHANGED);
  run_ok ("route53", r53_zone, TRUE, VALUE_A);
  assert_requests (2);
  assert_xml (1, "Action=DELETE\nName=" FQDN ".\nType=TXT\nTTL=60\nValue=\"" VALUE_A "\"\n");

  /* the list starts at the next name when there is no rrset at this one */
  fake_reset ();
  reply_typed (200, "text/xml", R53_RRSET ("_acme-challenge.zzz.example.com.", "60", R53_VALUE (VALUE_A)));
  run_ok ("route53", r53_zone, TRUE, VALUE_A);
  assert_requests (1);

  fake_reset ();
  reply_typed (403, "text/xml", R53_ERROR ("SignatureDoesNotMatch", "The request signature we calculated does not "
                                           "match the signature you provided."));
  run_fails ("route53", r53, FALSE, G_IO_ERROR_PERMISSION_DENIED, "SignatureDoesNotMatch: The request signature");
  fake_reset ();
  reply_typed (200, "text/xml", R53_RRSET ("x.", "1", ""));  /* no HostedZone at all */
  run_fails ("route53", r53, FALSE, G_IO_ERROR_NOT_FOUND, "zone example.com not found");
  fake_reset ();
  reply_typed (404, "text/xml", R53_ERROR ("NoSuchHostedZone", "No hosted zone found with ID: Z123"));
  run_fails ("route53", r53_zone, FALSE, G_IO_ERROR_NOT_FOUND, "No hosted zone found with ID: Z123");
  fake_reset ();
  reply_typed (200, "text/xml", R53_RRSET (FQDN ".", "60", ""));
  reply_typed (400, "text/xml", R53_ERROR ("InvalidChangeBatch", "Invalid Resource Record: FATAL problem"));
  run_fails ("route53", r53_zone, FALSE, G_IO_ERROR_FAILED, "InvalidChangeBatch: Invalid Resource Record");
  fake_reset ();
  reply_typed (200, "text/xml", "<ListResourceRecordSetsResponse><ResourceRecordSets><Resource");
  run_fails ("route53", r53_zone, FALSE, G_IO_ERROR_INVALID_DATA, "XML");
  fake_reset ();
  reply_typed (200, "text/xml", "");
  run_fails ("route53", r53_zone, FALSE, G_IO_ERROR_INVALID_DATA, "XML");
  /* the parser's message quotes the body, here the secret (found by
   * fuzz/fuzz-provider-http): it is taken out like anywhere else */
  fake_reset ();
  reply_typed (200, "text/xml", "<ListResourceRecordSetsResponse><ResourceRecordSets><Resource" SECRET "Set>"
                                "</ResourceRecordSets>");
  run_fails ("route53", r53_zone, FALSE, G_IO_ERROR_INVALID_DATA, "XML");
  fake_reset ();
  reply_typed (500, "text/html", "<html><body>\x01\xff</body></html>");
  run_fails ("route53", r53_zone, FALSE, G_IO_ERROR_FAILED, "HTTP 500: Internal Server Error");

  plugin ("route53")->free (r53);
  plugin ("route53")->free (r53_zone);
}

/* ---- SigV4 against aws-sig-v4-test-suite -------------------------------- */

static CwSigV4 *
sign_example (const gchar *method, const gchar *query, const gchar *const *headers, const gchar *payload)
{
  CwSigV4Request request = {
    .method = method,
    .host = "example.amazonaws.com",
    .path = "/",
    .query = query,
    .headers = headers,
    .payload = (const guint8 *) payload,
    .payload_len = payload != NULL ? strlen (payload) : 0,
    .amz_date = "20150830T123600Z",
    .region = "us-east-1",
    .service = "service",
    .access_key_id = "AKIDEXAMPLE",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  };

  return cw_sigv4_sign (&request);
}

#define CREDENTIAL "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "

static void
test_sigv4 (void)
{
  static const gchar *const trim[] = { "My-Header1", "value1", "My-Header2", "\"a   b   c\"", NULL };
  static const gchar *const form[] = { "Content-Type", "application/x-www-form-urlencoded", NULL };
  g_autoptr(CwSigV4) vanilla = sign_example ("GET", NULL, NULL, NULL);
  g_autoptr(CwSigV4) order = sign_example ("GET", "Param2=value2&Param1=value1", NULL, NULL);
  g_autoptr(CwSigV4) trimmed = sign_example ("GET", NULL, trim, NULL);
  g_autoptr(CwSigV4) post = sign_example ("POST", NULL, form, "Param1=value1");
  g_autoptr(GDateTime) time = g_date_time_new_utc (2015, 8, 30, 12, 36, 0);
  g_autofree gchar *date = cw_sigv4_format_date (time);

  /* get-vanilla */
  g_assert_cmpstr (vanilla->canonical_request, ==,
                   "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  g_assert_cmpstr (vanilla->authorization, ==, CREDENTIAL "SignedHeaders=host;x-amz-date, "
                   "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  /* get-vanilla-query-order-key-case */
  g_assert_nonnull (strstr (order->canonical_request, "\n/\nParam1=value1&Param2=value2\n"));
  g_assert_cmpstr (order->authorization, ==, CREDENTIAL "SignedHeaders=host;x-amz-date, "
                   "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  /* get-header-value-trim */
  g_assert_nonnull (strstr (trimmed->canonical_request, "\nmy-header1:value1\nmy-header2:\"a b c\"\n"));
  g_assert_cmpstr (trimmed->authorization, ==, CREDENTIAL "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
                   "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
  /* post-x-www-form-urlencoded */
  g_assert_cmpstr (post->content_sha256, ==, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  g_assert_cmpstr (post->string_to_sign, ==, "AWS4-HMAC-SHA256\n20150830T123600Z\n"
                   "20150830/us-east-1/service/aws4_request\n"
                   "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  g_assert_cmpstr (post->authorization, ==, CREDENTIAL "SignedHeaders=content-type;host;x-amz-date, "
                   "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
  g_assert_cmpstr (date, ==, "20150830T123600Z");
}

/* ---- the network -------------------------------------------------------- */

static void
test_unreachable (void)
{
  /* 24649 is this program's and nothing listens there */
  gpointer hz = create ("hetzner", "api-token", SECRET, "endpoint", "http://127.0.0.1:24649/api/v1", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (run ("hetzner", hz, FALSE, VALUE_A, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (error->message, "example.com"));
  g_assert_null (strstr (error->message, SECRET));
  plugin ("hetzner")->free (hz);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  gint status;

  cw_test_init (&argc, &argv);
  fake.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fake.server, NULL, serve, NULL, NULL);
  soup_server_listen_local (fake.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake.server);
  fake.base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fake.requests = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);

  g_test_add_func ("/providers-http/tables", test_tables);
  g_test_add_func ("/providers-http/create", test_create);
  g_test_add_func ("/providers-http/sigv4", test_sigv4);
  g_test_add_func ("/providers-http/powerdns", test_powerdns);
  g_test_add_func ("/providers-http/cloudflare", test_cloudflare);
  g_test_add_func ("/providers-http/hetzner", test_hetzner);
  g_test_add_func ("/providers-http/deep-json", test_deep_json);
  g_test_add_func ("/providers-http/digitalocean", test_digitalocean);
  g_test_add_func ("/providers-http/desec", test_desec);
  g_test_add_func ("/providers-http/gandi", test_gandi);
  g_test_add_func ("/providers-http/route53", test_route53);
  g_test_add_func ("/providers-http/unreachable", test_unreachable);
  status = g_test_run ();

  fake_reset ();
  g_ptr_array_unref (fake.requests);
  soup_server_disconnect (fake.server);
  g_object_unref (fake.server);
  g_free (fake.base);
  return status;
}
