/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cloudflare, through API v4 (developers.cloudflare.com/api/): one DNS
 * record per TXT value, so present adds a record and cleanup deletes the
 * records holding the value. */
#include "cw-provider-http.h"

static const CwProviderField fields[] = {
  { "api-token", "API token", "An API token with Zone:DNS:Edit permission on the zone.", TRUE, TRUE },
  { "zone-id", "Zone ID", "The zone's ID, which spares looking it up (and the Zone:Read permission).", FALSE, FALSE },
  { "endpoint", "API endpoint", "The API's base URL; https://api.cloudflare.com/client/v4 unless testing.", FALSE, FALSE },
  { NULL }
};

enum { LOOKUP, LOOKED_UP, SENT, DELETED };

/* {"success":false,"errors":[{"code":10000,"message":"Authentication error"}]} */
static gchar *
error_text (const CwHttpResponse *response)
{
  JsonArray *errors = cw_http_json_array (cw_http_json_object (response->json), "errors");
  GString *text = g_string_new (NULL);

  for (guint i = 0; errors != NULL && i < json_array_get_length (errors); i++) {
    JsonObject *error = cw_http_json_element (errors, i);
    const gchar *message = cw_http_json_string (error, "message");
    g_autofree gchar *code = cw_http_json_id (error, "code");

    if (message == NULL)
      continue;
    g_string_append_printf (text, "%s%s", text->len > 0 ? "; " : "", message);
    if (code != NULL)
      g_string_append_printf (text, " (code %s)", code);
  }
  return g_string_free (text, text->len == 0);
}

static gpointer
cf_create (GHashTable *settings, GError **error)
{
  CwHttp *http = cw_http_new_bearer (settings, "https://api.cloudflare.com/client/v4",
                                     "check that the api-token is valid and may edit this zone's DNS", error_text,
                                     error);

  if (http != NULL) {
    /* the zone's ID, when given */
    http->data = g_strdup (cw_http_optional (settings, "zone-id", NULL));
    http->data_free = g_free;
  }
  return http;
}

/* The "result" array of a 2xx answer whose "success" is not false (NULL
 * when it holds no array). */
static gboolean
result (CwHttpOp *op, const CwHttpResponse *response, JsonArray **array, GError **error)
{
  JsonObject *object = cw_http_object (op, response, error);
  JsonNode *success = object != NULL ? json_object_get_member (object, "success") : NULL;

  if (object == NULL)
    return FALSE;
  if (success != NULL && json_node_get_value_type (success) == G_TYPE_BOOLEAN && !json_node_get_boolean (success)) {
    g_autofree gchar *text = error_text (response);

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s (zone %s)", text != NULL ? text : "request failed", op->zone);
    return FALSE;
  }
  if (array != NULL)
    *array = cw_http_json_array (object, "result");
  return TRUE;
}

static void
send_change (CwHttpOp *op)
{
  g_autofree gchar *zone_id = cw_http_escape (op->zone_id);

  op->step = SENT;
  if (!op->cleanup) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonNode) body = NULL;
    g_autofree gchar *path = g_strdup_printf ("/zones/%s/dns_records", zone_id);

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "type");
    json_builder_add_string_value (builder, "TXT");
    json_builder_set_member_name (builder, "name");
    json_builder_add_string_value (builder, op->fqdn);
    json_builder_set_member_name (builder, "content");
    json_builder_add_string_value (builder, op->value);
    json_builder_set_member_name (builder, "ttl");
    json_builder_add_int_value (builder, MAX (op->ttl, 60));
    json_builder_end_object (builder);
    body = json_builder_get_root (builder);
    cw_http_op_send_json (op, "POST", path, body);
  } else {
    g_autofree gchar *name = cw_http_escape (op->fqdn);
    g_autofree gchar *content = cw_http_escape (op->value);
    g_autofree gchar *path = g_strdup_printf ("/zones/%s/dns_records?type=TXT&name=%s&content=%s", zone_id, name,
                                              content);

    cw_http_op_send (op, "GET", path, NULL, NULL);
  }
}

/* Deletes the next record in op->values, the ids of those holding the value. */
static void
send_delete (CwHttpOp *op)
{
  g_autofree gchar *zone_id = cw_http_escape (op->zone_id);
  g_autofree gchar *id = cw_http_escape (op->values->pdata[op->values->len - 1]);
  g_autofree gchar *path = g_strdup_printf ("/zones/%s/dns_records/%s", zone_id, id);

  g_ptr_array_remove_index (op->values, op->values->len - 1);
  op->step = DELETED;
  cw_http_op_send (op, "DELETE", path, NULL, NULL);
}

static gboolean
step (CwHttpOp *op, const CwHttpResponse *response, GError **error)
{
  const gchar *zone_id = op->http->data;
  g_autofree gchar *name = NULL;
  g_autofree gchar *path = NULL;
  JsonArray *records = NULL;

  switch (op->step) {
  case LOOKUP:
    if (zone_id != NULL) {
      op->zone_id = g_strdup (zone_id);
      send_change (op);
      return TRUE;
    }
    name = cw_http_escape (op->zone);
    path = g_strdup_printf ("/zones?name=%s", name);
    op->step = LOOKED_UP;
    cw_http_op_send (op, "GET", path, NULL, NULL);
    return TRUE;
  case LOOKED_UP:
    if (!result (op, response, &records, error))
      return FALSE;
    op->zone_id = cw_http_json_id (cw_http_json_element (records, 0), "id");
    if (op->zone_id == NULL) {
      cw_http_zone_not_found (op, "for this token; check the zone's name and the token's zone resources", error);
      return FALSE;
    }
    send_change (op);
    return TRUE;
  case SENT:
    if (!result (op, response, &records, error))
      return FALSE;
    if (!op->cleanup)
      return TRUE;
    for (guint i = 0; records != NULL && i < json_array_get_length (records); i++) {
      JsonObject *record = cw_http_json_element (records, i);
      const gchar *content = cw_http_json_string (record, "content");
      g_autofree gchar *plain = content != NULL ? cw_http_unquote (content) : NULL;
      gchar *id = cw_http_json_id (record, "id");

      /* the filter is the server's: check it matched */
      if (id != NULL && g_strcmp0 (plain, op->value) == 0
          && g_strcmp0 (cw_http_json_string (record, "type"), "TXT") == 0)
        g_ptr_array_add (op->values, id);
      else
        g_free (id);
    }
    break;
  default:
    /* gone already: what cleanup wants */
    if (response->status != 404 && !result (op, response, NULL, error))
      return FALSE;
    break;
  }
  if (op->values->len > 0)
    send_delete (op);
  return TRUE;
}

CW_HTTP_PROVIDER_DEFINE ("cloudflare", "Cloudflare", fields, cf_create, step);
