/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Gandi LiveDNS, through API v5 (api.gandi.net/docs/livedns/): one TXT
 * rrset per name, replaced whole by a PUT. */
#include "cw-provider-http.h"

/* LiveDNS's lowest TTL */
#define MIN_TTL 300

static const CwProviderField fields[] = {
  { "api-token", "Personal access token", "A personal access token allowed to manage the domain's DNS records.",
    TRUE, TRUE },
  { "endpoint", "API endpoint", "The API's base URL; https://api.gandi.net/v5/livedns unless testing.", FALSE, FALSE },
  { NULL }
};

/* {"code":403,"message":"Access was denied to this resource.","object":"HTTPForbidden","cause":"Forbidden"} */
static gchar *
error_text (const CwHttpResponse *response)
{
  JsonObject *object = cw_http_json_object (response->json);
  const gchar *message = cw_http_json_string (object, "message");
  const gchar *cause = cw_http_json_string (object, "cause");

  if (message != NULL && cause != NULL)
    return g_strdup_printf ("%s: %s", cause, message);
  return g_strdup (message != NULL ? message : cause);
}

static gpointer
gandi_create (GHashTable *settings, GError **error)
{
  return cw_http_new_bearer (settings, "https://api.gandi.net/v5/livedns",
                             "check that the api-token is valid, not expired, and may manage this domain's DNS",
                             error_text, error);
}

static gboolean
step (CwHttpOp *op, const CwHttpResponse *response, GError **error)
{
  g_autofree gchar *domain = cw_http_escape (op->zone);
  g_autofree gchar *name = cw_http_relative (op->fqdn, op->zone, "@");
  g_autofree gchar *escaped = cw_http_escape (name);
  g_autofree gchar *path = g_strdup_printf ("/domains/%s/records/%s/TXT", domain, escaped);
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;
  JsonObject *rrset;
  JsonArray *values;

  switch (op->step++) {
  case 0:
    cw_http_op_send (op, "GET", path, NULL, NULL);
    return TRUE;
  case 1:
    /* 404: no TXT rrset there yet (or no such domain, which the PUT tells) */
    if (response->status != 404) {
      if ((rrset = cw_http_object (op, response, error)) == NULL)
        return FALSE;
      values = cw_http_json_array (rrset, "rrset_values");
      for (guint i = 0; values != NULL && i < json_array_get_length (values); i++) {
        JsonNode *node = json_array_get_element (values, i);

        if (json_node_get_value_type (node) == G_TYPE_STRING)
          g_ptr_array_add (op->values, g_strdup (json_node_get_string (node)));
      }
    }
    if (!cw_http_update_values (op))
      return TRUE;
    if (op->values->len == 0) {
      cw_http_op_send (op, "DELETE", path, NULL, NULL);
      return TRUE;
    }
    builder = json_builder_new ();
    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "rrset_values");
    json_builder_begin_array (builder);
    for (guint i = 0; i < op->values->len; i++)
      json_builder_add_string_value (builder, op->values->pdata[i]);
    json_builder_end_array (builder);
    json_builder_set_member_name (builder, "rrset_ttl");
    json_builder_add_int_value (builder, MAX (op->ttl, MIN_TTL));
    json_builder_end_object (builder);
    body = json_builder_get_root (builder);
    cw_http_op_send_json (op, "PUT", path, body);
    return TRUE;
  default:
    if (response->status == 404 && op->cleanup && op->values->len == 0)
      return TRUE;  /* deleted meanwhile */
    if (response->status == 404) {
      cw_http_zone_not_found (op, "for this token; check that LiveDNS serves the domain", error);
      return FALSE;
    }
    return cw_http_check (op, response, error);
  }
}

CW_HTTP_PROVIDER_DEFINE ("gandi", "Gandi LiveDNS", fields, gandi_create, step);
