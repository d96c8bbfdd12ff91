/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PowerDNS Authoritative, through its HTTP API
 * (doc.powerdns.com/authoritative/http-api/zone.html): one TXT rrset per
 * name, replaced whole by a PATCH, so present and cleanup read it first. */
#include "cw-provider-http.h"

#include <string.h>

static const CwProviderField fields[] = {
  { "api-url", "API URL", "The PowerDNS web server, e.g. http://127.0.0.1:8081.", TRUE, FALSE },
  { "api-key", "API key", "The api-key from pdns.conf.", TRUE, TRUE },
  { "server-id", "Server ID", "The server in the API's URLs; “localhost” unless you run several.", FALSE, FALSE },
  { NULL }
};

static gchar *
error_text (const CwHttpResponse *response)
{
  return g_strdup (cw_http_json_string (cw_http_json_object (response->json), "error"));
}

static gpointer
pdns_create (GHashTable *settings, GError **error)
{
  const gchar *url = cw_http_required (settings, "api-url", error);
  const gchar *key = url != NULL ? cw_http_required (settings, "api-key", error) : NULL;
  g_autofree gchar *server = NULL;
  g_autofree gchar *trimmed = NULL;
  g_autofree gchar *base = NULL;
  CwHttp *http;

  if (key == NULL)
    return NULL;
  server = cw_http_escape (cw_http_optional (settings, "server-id", "localhost"));
  trimmed = g_strdup (url);
  while (g_str_has_suffix (trimmed, "/"))
    trimmed[strlen (trimmed) - 1] = '\0';
  /* take the server's URL with or without the API's path */
  base = g_strconcat (trimmed, g_str_has_suffix (trimmed, "/api/v1") ? "" : "/api/v1", "/servers/", server, NULL);
  http = cw_http_new (base, "X-API-Key", key, error);
  if (http == NULL) {
    g_prefix_error (error, "api-url: ");
    return NULL;
  }
  cw_http_add_secret (http, key);
  http->auth_hint = "the api-key is wrong: check it against pdns.conf";
  http->error_text = error_text;
  return http;
}

static gchar *
zone_path (CwHttpOp *op)
{
  g_autofree gchar *absolute = g_strconcat (op->zone, ".", NULL);
  g_autofree gchar *escaped = cw_http_escape (absolute);

  return g_strconcat ("/zones/", escaped, NULL);
}

/* The contents (quoted, as PowerDNS keeps them) of the TXT rrset at the name. */
static void
read_rrset (CwHttpOp *op, JsonObject *zone)
{
  g_autofree gchar *name = g_strconcat (op->fqdn, ".", NULL);
  JsonArray *rrsets = cw_http_json_array (zone, "rrsets");

  for (guint i = 0; rrsets != NULL && i < json_array_get_length (rrsets); i++) {
    JsonObject *rrset = cw_http_json_element (rrsets, i);
    JsonArray *records = cw_http_json_array (rrset, "records");
    const gchar *rrset_name = cw_http_json_string (rrset, "name");

    if (rrset_name == NULL || g_ascii_strcasecmp (name, rrset_name) != 0
        || g_strcmp0 (cw_http_json_string (rrset, "type"), "TXT") != 0)
      continue;
    for (guint j = 0; records != NULL && j < json_array_get_length (records); j++) {
      const gchar *content = cw_http_json_string (cw_http_json_element (records, j), "content");

      if (content != NULL)
        g_ptr_array_add (op->values, g_strdup (content));
    }
  }
}

static void
send_patch (CwHttpOp *op)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree gchar *name = g_strconcat (op->fqdn, ".", NULL);
  g_autofree gchar *path = zone_path (op);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "rrsets");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "TXT");
  json_builder_set_member_name (builder, "changetype");
  json_builder_add_string_value (builder, op->values->len > 0 ? "REPLACE" : "DELETE");
  if (op->values->len > 0) {
    json_builder_set_member_name (builder, "ttl");
    json_builder_add_int_value (builder, op->ttl);
    json_builder_set_member_name (builder, "records");
    json_builder_begin_array (builder);
    for (guint i = 0; i < op->values->len; i++) {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "content");
      json_builder_add_string_value (builder, op->values->pdata[i]);
      json_builder_set_member_name (builder, "disabled");
      json_builder_add_boolean_value (builder, FALSE);
      json_builder_end_object (builder);
    }
    json_builder_end_array (builder);
  }
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  cw_http_op_send_json (op, "PATCH", path, body);
}

static gboolean
step (CwHttpOp *op, const CwHttpResponse *response, GError **error)
{
  g_autofree gchar *path = zone_path (op);
  JsonObject *zone;

  if (response != NULL && response->status == 404) {
    cw_http_zone_not_found (op, "on this PowerDNS server (HTTP 404); create it or check server-id", error);
    return FALSE;
  }
  switch (op->step++) {
  case 0:
    cw_http_op_send (op, "GET", path, NULL, NULL);
    return TRUE;
  case 1:
    if ((zone = cw_http_object (op, response, error)) == NULL)
      return FALSE;
    read_rrset (op, zone);
    if (cw_http_update_values (op))
      send_patch (op);
    return TRUE;
  default:
    return cw_http_check (op, response, error);
  }
}

CW_HTTP_PROVIDER_DEFINE ("powerdns", "PowerDNS Authoritative", fields, pdns_create, step);
