/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Amazon Route 53, through its REST API (2013-04-01,
 * docs.aws.amazon.com/Route53/latest/APIReference/): one TXT rrset per
 * name, rewritten whole by ChangeResourceRecordSets, requests signed with
 * Signature Version 4. */
#include "cw-provider-http.h"
#include "cw-sigv4.h"

#include <string.h>

#define API "/2013-04-01"

/* the instance's data */
typedef struct {
  gchar  *access_key_id;
  gchar  *secret_access_key;
  gchar  *session_token;
  gchar  *region;
  gchar  *hosted_zone_id;
} Route53;

static const CwProviderField fields[] = {
  { "access-key-id", "Access key ID", "The IAM access key's ID (AKIA…).", TRUE, FALSE },
  { "secret-access-key", "Secret access key", "The IAM access key's secret.", TRUE, TRUE },
  { "session-token", "Session token", "For temporary credentials only: their session token.", FALSE, TRUE },
  { "region", "Signing region", "The region requests are signed for; us-east-1 for Route 53's global endpoint.",
    FALSE, FALSE },
  { "hosted-zone-id", "Hosted zone ID", "The hosted zone's ID, which spares looking it up by name.", FALSE, FALSE },
  { "endpoint", "API endpoint", "The API's base URL; https://route53.amazonaws.com unless testing.", FALSE, FALSE },
  { NULL }
};

enum { LOOKUP, LOOKED_UP, LISTED, CHANGED };

/* ---- XML ---------------------------------------------------------------- */

/* An answer as a flat list of elements: a start (text NULL) or an end with
 * the text directly inside. Enough for Route 53's shallow documents. */
typedef struct {
  gchar *name;
  gchar *text;
} Item;

typedef struct {
  GArray  *items;
  GString *text;
} Parse;

static void
item_clear (Item *item)
{
  g_free (item->name);
  g_free (item->text);
}

static void
on_start (GMarkupParseContext *context, const gchar *name, const gchar **attribute_names,
          const gchar **attribute_values, gpointer user_data, GError **error)
{
  Parse *parse = user_data;
  Item item = { g_strdup (name), NULL };

  g_array_append_val (parse->items, item);
  g_string_truncate (parse->text, 0);
}

static void
on_end (GMarkupParseContext *context, const gchar *name, gpointer user_data, GError **error)
{
  Parse *parse = user_data;
  Item item = { g_strdup (name), g_strdup (parse->text->str) };

  g_array_append_val (parse->items, item);
  g_string_truncate (parse->text, 0);
}

static void
on_text (GMarkupParseContext *context, const gchar *text, gsize len, gpointer user_data, GError **error)
{
  Parse *parse = user_data;

  g_string_append_len (parse->text, text, len);
}

static GArray *
xml_parse (GBytes *body, GError **error)
{
  static const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
  g_autoptr(GString) text = g_string_new (NULL);
  Parse parse = { g_array_new (FALSE, FALSE, sizeof (Item)), text };
  g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, &parse, NULL);
  gsize len = 0;
  const gchar *data = g_bytes_get_data (body, &len);

  g_array_set_clear_func (parse.items, (GDestroyNotify) item_clear);
  if (len == 0 || !g_markup_parse_context_parse (context, data, len, error)
      || !g_markup_parse_context_end_parse (context, error)) {
    if (error != NULL && *error == NULL)
      g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_EMPTY, "empty document");
    g_array_unref (parse.items);
    return NULL;
  }
  return parse.items;
}

/* The text of the first @name in the document. */
static const gchar *
xml_find (GArray *items, const gchar *name)
{
  for (guint i = 0; items != NULL && i < items->len; i++) {
    Item *item = &g_array_index (items, Item, i);

    if (item->text != NULL && g_str_equal (item->name, name))
      return item->text;
  }
  return NULL;
}

/* <ErrorResponse><Error><Code>…</Code><Message>…</Message></Error></ErrorResponse> */
static gchar *
error_text (const CwHttpResponse *response)
{
  g_autoptr(GArray) items = xml_parse (response->body, NULL);
  const gchar *code = xml_find (items, "Code");
  const gchar *message = xml_find (items, "Message");

  if (code != NULL && message != NULL)
    return g_strdup_printf ("%s: %s", code, message);
  return g_strdup (message != NULL ? message : code);
}

/* The items of a 2xx answer, or an error. */
static GArray *
answer (CwHttpOp *op, const CwHttpResponse *response, GError **error)
{
  g_autoptr(GError) local = NULL;
  GArray *items;

  if (!cw_http_check (op, response, error))
    return NULL;
  if ((items = xml_parse (response->body, &local)) == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "the service answered HTTP %u without the XML its API documents (zone %s): %s; check the endpoint",
                 response->status, op->zone, local->message);
  return items;
}

/* ---- signing ------------------------------------------------------------ */

static void
sign (gpointer data, SoupMessage *msg, GBytes *body)
{
  Route53 *self = data;
  GUri *uri = soup_message_get_uri (msg);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *date = cw_sigv4_format_date (now);
  gint port = g_uri_get_port (uri);
  gboolean https = g_strcmp0 (g_uri_get_scheme (uri), "https") == 0;
  const gchar *name = g_uri_get_host (uri);
  gboolean ipv6 = strchr (name, ':') != NULL;
  /* the Host header libsoup sends */
  g_autofree gchar *host = port < 0 || port == (https ? 443 : 80)
                           ? g_strdup_printf (ipv6 ? "[%s]" : "%s", name)
                           : g_strdup_printf (ipv6 ? "[%s]:%d" : "%s:%d", name, port);
  gsize len = 0;
  const guint8 *payload = g_bytes_get_data (body, &len);
  CwSigV4Request request = {
    .method = soup_message_get_method (msg),
    .host = host,
    .path = g_uri_get_path (uri),
    .query = g_uri_get_query (uri),
    .payload = payload,
    .payload_len = len,
    .amz_date = date,
    .region = self->region,
    .service = "route53",
    .access_key_id = self->access_key_id,
    .secret_access_key = self->secret_access_key,
    .session_token = self->session_token,
  };
  g_autoptr(CwSigV4) sig = cw_sigv4_sign (&request);

  soup_message_headers_replace (headers, "X-Amz-Date", date);
  if (self->session_token != NULL)
    soup_message_headers_replace (headers, "X-Amz-Security-Token", self->session_token);
  soup_message_headers_replace (headers, "Authorization", sig->authorization);
}

/* ---- the provider ------------------------------------------------------- */

static const gchar *
strip_prefix (const gchar *id)
{
  return g_str_has_prefix (id, "/hostedzone/") ? id + strlen ("/hostedzone/") : id;
}

static void
r53_free (gpointer data)
{
  Route53 *self = data;

  g_free (self->access_key_id);
  if (self->secret_access_key != NULL)
    memset (self->secret_access_key, 0, strlen (self->secret_access_key));
  g_free (self->secret_access_key);
  g_free (self->session_token);
  g_free (self->region);
  g_free (self->hosted_zone_id);
  g_free (self);
}

static gpointer
r53_create (GHashTable *settings, GError **error)
{
  const gchar *key_id = cw_http_required (settings, "access-key-id", error);
  const gchar *secret = key_id != NULL ? cw_http_required (settings, "secret-access-key", error) : NULL;
  const gchar *zone_id = cw_http_optional (settings, "hosted-zone-id", NULL);
  Route53 *self;
  CwHttp *http;

  if (secret == NULL)
    return NULL;
  http = cw_http_new (cw_http_optional (settings, "endpoint", "https://route53.amazonaws.com"), NULL, NULL, error);
  if (http == NULL) {
    g_prefix_error (error, "endpoint: ");
    return NULL;
  }
  self = g_new0 (Route53, 1);
  self->access_key_id = g_strdup (key_id);
  self->secret_access_key = g_strdup (secret);
  self->session_token = g_strdup (cw_http_optional (settings, "session-token", NULL));
  self->region = g_strdup (cw_http_optional (settings, "region", "us-east-1"));
  self->hosted_zone_id = zone_id != NULL ? g_strdup (strip_prefix (zone_id)) : NULL;
  cw_http_add_secret (http, secret);
  cw_http_add_secret (http, self->session_token);
  http->auth_hint = "check access-key-id, secret-access-key and the key's route53 permissions";
  http->error_text = error_text;
  http->sign = sign;
  http->data = self;
  http->data_free = r53_free;
  return http;
}

static void
send_list (CwHttpOp *op)
{
  g_autofree gchar *id = cw_http_escape (op->zone_id);
  g_autofree gchar *name = g_strconcat (op->fqdn, ".", NULL);
  g_autofree gchar *escaped = cw_http_escape (name);
  g_autofree gchar *path = g_strdup_printf (API "/hostedzone/%s/rrset?name=%s&type=TXT&maxitems=1", id, escaped);

  op->step = LISTED;
  cw_http_op_send (op, "GET", path, NULL, NULL);
}

/* The hosted zone named op->zone in a ListHostedZonesByName answer. */
static gchar *
find_zone (CwHttpOp *op, GArray *items)
{
  g_autofree gchar *want = g_strconcat (op->zone, ".", NULL);
  const gchar *id = NULL, *name = NULL;

  for (guint i = 0; i < items->len; i++) {
    Item *item = &g_array_index (items, Item, i);

    if (g_str_equal (item->name, "HostedZone") && item->text == NULL)
      id = name = NULL;
    else if (g_str_equal (item->name, "Id") && item->text != NULL)
      id = item->text;
    else if (g_str_equal (item->name, "Name") && item->text != NULL)
      name = item->text;
    else if (g_str_equal (item->name, "HostedZone") && id != NULL && name != NULL
             && g_ascii_strcasecmp (name, want) == 0)
      return g_strdup (strip_prefix (id));
  }
  return NULL;
}

/* The TXT values at op->fqdn (as Route 53 keeps them, quoted) and their TTL. */
static void
read_rrset (CwHttpOp *op, GArray *items)
{
  g_autofree gchar *want = g_strconcat (op->fqdn, ".", NULL);
  g_autoptr(GPtrArray) values = g_ptr_array_new ();
  const gchar *name = NULL, *type = NULL, *ttl = NULL;

  for (guint i = 0; i < items->len; i++) {
    Item *item = &g_array_index (items, Item, i);

    if (g_str_equal (item->name, "ResourceRecordSet") && item->text == NULL) {
      name = type = ttl = NULL;
      g_ptr_array_set_size (values, 0);
    } else if (item->text != NULL && g_str_equal (item->name, "Name")) {
      name = item->text;
    } else if (item->text != NULL && g_str_equal (item->name, "Type")) {
      type = item->text;
    } else if (item->text != NULL && g_str_equal (item->name, "TTL")) {
      ttl = item->text;
    } else if (item->text != NULL && g_str_equal (item->name, "Value")) {
      g_ptr_array_add (values, item->text);
    } else if (g_str_equal (item->name, "ResourceRecordSet") && name != NULL
               && g_ascii_strcasecmp (name, want) == 0 && g_strcmp0 (type, "TXT") == 0) {
      for (guint j = 0; j < values->len; j++)
        g_ptr_array_add (op->values, g_strdup (values->pdata[j]));
      op->old_ttl = ttl != NULL ? (guint) g_ascii_strtoull (ttl, NULL, 10) : 0;
      return;
    }
  }
}

static void
send_change (CwHttpOp *op, const gchar *action, guint ttl)
{
  g_autoptr(GString) xml = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                         "<ChangeResourceRecordSetsRequest "
                                         "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
                                         "<ChangeBatch><Changes><Change>");
  g_autofree gchar *id = cw_http_escape (op->zone_id);
  g_autofree gchar *path = g_strdup_printf (API "/hostedzone/%s/rrset/", id);
  g_autofree gchar *head = g_markup_printf_escaped ("<Action>%s</Action><ResourceRecordSet><Name>%s.</Name>"
                                                    "<Type>TXT</Type><TTL>%u</TTL><ResourceRecords>",
                                                    action, op->fqdn, ttl);
  g_autoptr(GBytes) body = NULL;
  gsize len;

  g_string_append (xml, head);
  for (guint i = 0; i < op->values->len; i++) {
    g_autofree gchar *value = g_markup_printf_escaped ("<ResourceRecord><Value>%s</Value></ResourceRecord>",
                                                       (const gchar *) op->values->pdata[i]);

    g_string_append (xml, value);
  }
  g_string_append (xml, "</ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch>"
                        "</ChangeResourceRecordSetsRequest>\n");
  len = xml->len;
  body = g_bytes_new_take (g_string_free (g_steal_pointer (&xml), FALSE), len);
  op->step = CHANGED;
  cw_http_op_send (op, "POST", path, "text/xml", body);
}

static gboolean
step (CwHttpOp *op, const CwHttpResponse *response, GError **error)
{
  Route53 *self = op->http->data;
  g_autoptr(GArray) items = NULL;
  gint found;

  switch (op->step) {
  case LOOKUP:
    if (self->hosted_zone_id != NULL) {
      op->zone_id = g_strdup (self->hosted_zone_id);
      send_list (op);
    } else {
      g_autofree gchar *name = g_strconcat (op->zone, ".", NULL);
      g_autofree gchar *escaped = cw_http_escape (name);
      g_autofree gchar *path = g_strdup_printf (API "/hostedzonesbyname?dnsname=%s", escaped);

      op->step = LOOKED_UP;
      cw_http_op_send (op, "GET", path, NULL, NULL);
    }
    return TRUE;
  case LOOKED_UP:
    if ((items = answer (op, response, error)) == NULL)
      return FALSE;
    if ((op->zone_id = find_zone (op, items)) == NULL) {
      cw_http_zone_not_found (op, "for these credentials; check the hosted zone's name or set hosted-zone-id", error);
      return FALSE;
    }
    send_list (op);
    return TRUE;
  case LISTED:
    if (response->status == 404) {
      g_autofree gchar *text = error_text (response);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "zone %s not found: hosted zone %s: %s", op->zone,
                   op->zone_id, text != NULL ? text : "HTTP 404");
      return FALSE;
    }
    if ((items = answer (op, response, error)) == NULL)
      return FALSE;
    read_rrset (op, items);
    found = cw_http_find_value (op, op->value);
    if (!op->cleanup && found < 0) {
      g_ptr_array_add (op->values, cw_http_quote (op->value));
      send_change (op, "UPSERT", op->ttl);
    } else if (op->cleanup && found >= 0 && op->values->len == 1) {
      /* a DELETE names the rrset exactly as it is */
      send_change (op, "DELETE", op->old_ttl);
    } else if (op->cleanup && found >= 0) {
      g_ptr_array_remove_index (op->values, found);
      send_change (op, "UPSERT", op->old_ttl);
    }
    return TRUE;
  default:
    return cw_http_check (op, response, error);
  }
}

CW_HTTP_PROVIDER_DEFINE ("route53", "Amazon Route 53", fields, r53_create, step);
