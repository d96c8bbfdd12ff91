/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* deSEC, through its API (desec.readthedocs.io/en/latest/dns/rrsets.html):
 * one TXT rrset per name, rewritten whole by a bulk PATCH (an empty record
 * list deletes it). */
#include "cw-provider-http.h"

/* deSEC refuses a TTL under its minimum, 3600 s by default */
#define MIN_TTL 3600

static const CwProviderField fields[] = {
  { "api-token", "API token", "A token from desec.io's token management.", TRUE, TRUE },
  { "endpoint", "API endpoint", "The API's base URL; https://desec.io/api/v1 unless testing.", FALSE, FALSE },
  { NULL }
};

/* {"detail":"Invalid token."} */
static gchar *
error_text (const CwHttpResponse *response)
{
  return g_strdup (cw_http_json_string (cw_http_json_object (response->json), "detail"));
}

static gpointer
desec_create (GHashTable *settings, GError **error)
{
  return cw_http_new_token (settings, "https://desec.io/api/v1", "Authorization", "Token ", "check the api-token",
                            error_text, error);
}

static void
send_patch (CwHttpOp *op)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree gchar *subname = cw_http_relative (op->fqdn, op->zone, "");
  g_autofree gchar *domain = cw_http_escape (op->zone);
  g_autofree gchar *path = g_strdup_printf ("/domains/%s/rrsets/", domain);

  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "subname");
  json_builder_add_string_value (builder, subname);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "TXT");
  json_builder_set_member_name (builder, "ttl");
  json_builder_add_int_value (builder, MAX (op->ttl, MIN_TTL));
  json_builder_set_member_name (builder, "records");
  json_builder_begin_array (builder);
  for (guint i = 0; i < op->values->len; i++)
    json_builder_add_string_value (builder, op->values->pdata[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  body = json_builder_get_root (builder);
  cw_http_op_send_json (op, "PATCH", path, body);
}

static gboolean
step (CwHttpOp *op, const CwHttpResponse *response, GError **error)
{
  g_autofree gchar *domain = cw_http_escape (op->zone);
  g_autofree gchar *subname = cw_http_relative (op->fqdn, op->zone, "@");
  g_autofree gchar *escaped = cw_http_escape (subname);
  g_autofree gchar *path = NULL;
  JsonObject *rrset;
  JsonArray *records;

  switch (op->step++) {
  case 0:
    path = g_strdup_printf ("/domains/%s/rrsets/%s/TXT/", domain, escaped);
    cw_http_op_send (op, "GET", path, NULL, NULL);
    return TRUE;
  case 1:
    /* 404: no TXT rrset there yet (or no such domain, which the PATCH tells) */
    if (response->status != 404) {
      if ((rrset = cw_http_object (op, response, error)) == NULL)
        return FALSE;
      records = cw_http_json_array (rrset, "records");
      for (guint i = 0; records != NULL && i < json_array_get_length (records); i++) {
        JsonNode *node = json_array_get_element (records, i);

        if (json_node_get_value_type (node) == G_TYPE_STRING)
          g_ptr_array_add (op->values, g_strdup (json_node_get_string (node)));
      }
    }
    if (cw_http_update_values (op))
      send_patch (op);
    return TRUE;
  default:
    if (response->status == 404) {
      cw_http_zone_not_found (op, "for this token; check the domain's name at desec.io", error);
      return FALSE;
    }
    return cw_http_check (op, response, error);
  }
}

CW_HTTP_PROVIDER_DEFINE ("desec", "deSEC", fields, desec_create, step);
