/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hetzner DNS, through its API (dns.hetzner.com/api-docs): one record per
 * TXT value, named relative to the zone. */
#include "cw-provider-http.h"

static const CwProviderField fields[] = {
  { "api-token", "API token", "An API token from the DNS Console (dns.hetzner.com/settings/api-token).", TRUE, TRUE },
  { "endpoint", "API endpoint", "The API's base URL; https://dns.hetzner.com/api/v1 unless testing.", FALSE, FALSE },
  { NULL }
};

enum { LOOKUP, LOOKED_UP, SENT, DELETED };

/* {"error":{"message":"…","code":401}} or {"message":"…"} */
static gchar *
error_text (const CwHttpResponse *response)
{
  JsonObject *object = cw_http_json_object (response->json);
  const gchar *message = cw_http_json_string (cw_http_json_member (object, "error"), "message");

  if (message == NULL)
    message = cw_http_json_string (object, "message");
  if (message == NULL)
    message = cw_http_json_string (object, "error");
  return g_strdup (message);
}

static gpointer
hetzner_create (GHashTable *settings, GError **error)
{
  return cw_http_new_token (settings, "https://dns.hetzner.com/api/v1", "Auth-API-Token", "", "check the api-token",
                            error_text, error);
}

static void
send_change (CwHttpOp *op)
{
  g_autofree gchar *name = cw_http_relative (op->fqdn, op->zone, "@");

  op->step = SENT;
  if (!op->cleanup) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonNode) body = NULL;

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "zone_id");
    json_builder_add_string_value (builder, op->zone_id);
    json_builder_set_member_name (builder, "type");
    json_builder_add_string_value (builder, "TXT");
    json_builder_set_member_name (builder, "name");
    json_builder_add_string_value (builder, name);
    json_builder_set_member_name (builder, "value");
    json_builder_add_string_value (builder, op->value);
    json_builder_set_member_name (builder, "ttl");
    json_builder_add_int_value (builder, op->ttl);
    json_builder_end_object (builder);
    body = json_builder_get_root (builder);
    cw_http_op_send_json (op, "POST", "/records", body);
  } else {
    g_autofree gchar *zone_id = cw_http_escape (op->zone_id);
    g_autofree gchar *path = g_strdup_printf ("/records?zone_id=%s", zone_id);

    cw_http_op_send (op, "GET", path, NULL, NULL);
  }
}

static gboolean
step (CwHttpOp *op, const CwHttpResponse *response, GError **error)
{
  g_autofree gchar *name = NULL;
  g_autofree gchar *path = NULL;
  JsonObject *object;
  JsonArray *records;

  switch (op->step) {
  case LOOKUP:
    name = cw_http_escape (op->zone);
    path = g_strdup_printf ("/zones?name=%s", name);
    op->step = LOOKED_UP;
    cw_http_op_send (op, "GET", path, NULL, NULL);
    return TRUE;
  case LOOKED_UP:
    if (response->status == 404) {
      cw_http_zone_not_found (op, "for this token; check the zone's name in the DNS Console", error);
      return FALSE;
    }
    if ((object = cw_http_object (op, response, error)) == NULL)
      return FALSE;
    op->zone_id = cw_http_json_id (cw_http_json_element (cw_http_json_array (object, "zones"), 0), "id");
    if (op->zone_id == NULL) {
      cw_http_zone_not_found (op, "for this token; check the zone's name in the DNS Console", error);
      return FALSE;
    }
    send_change (op);
    return TRUE;
  case SENT:
    if ((object = cw_http_object (op, response, error)) == NULL)
      return FALSE;
    if (!op->cleanup)
      return TRUE;
    name = cw_http_relative (op->fqdn, op->zone, "@");
    records = cw_http_json_array (object, "records");
    for (guint i = 0; records != NULL && i < json_array_get_length (records); i++) {
      JsonObject *record = cw_http_json_element (records, i);
      const gchar *value = cw_http_json_string (record, "value");
      g_autofree gchar *plain = value != NULL ? cw_http_unquote (value) : NULL;
      gchar *id = cw_http_json_id (record, "id");

      if (id != NULL && g_strcmp0 (plain, op->value) == 0
          && g_strcmp0 (cw_http_json_string (record, "type"), "TXT") == 0
          && g_strcmp0 (cw_http_json_string (record, "name"), name) == 0)
        g_ptr_array_add (op->values, id);
      else
        g_free (id);
    }
    break;
  default:
    if (response->status != 404 && !cw_http_check (op, response, error))
      return FALSE;
    break;
  }
  if (op->values->len > 0) {
    g_autofree gchar *id = cw_http_escape (op->values->pdata[op->values->len - 1]);

    g_ptr_array_remove_index (op->values, op->values->len - 1);
    g_free (path);
    path = g_strdup_printf ("/records/%s", id);
    op->step = DELETED;
    cw_http_op_send (op, "DELETE", path, NULL, NULL);
  }
  return TRUE;
}

CW_HTTP_PROVIDER_DEFINE ("hetzner", "Hetzner DNS", fields, hetzner_create, step);
