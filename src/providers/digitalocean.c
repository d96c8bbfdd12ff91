/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DigitalOcean, through API v2 (docs.digitalocean.com/reference/api/):
 * one domain record per TXT value, named relative to the domain. */
#include "cw-provider-http.h"

static const CwProviderField fields[] = {
  { "api-token", "API token", "A personal access token with write scope.", TRUE, TRUE },
  { "endpoint", "API endpoint", "The API's base URL; https://api.digitalocean.com/v2 unless testing.", FALSE, FALSE },
  { NULL }
};

enum { SENT, DELETED };

/* {"id":"unauthorized","message":"Unable to authenticate you."} */
static gchar *
error_text (const CwHttpResponse *response)
{
  return g_strdup (cw_http_json_string (cw_http_json_object (response->json), "message"));
}

static gpointer
do_create (GHashTable *settings, GError **error)
{
  return cw_http_new_bearer (settings, "https://api.digitalocean.com/v2",
                             "check that the api-token is valid and has write scope", error_text, error);
}

static gboolean
step (CwHttpOp *op, const CwHttpResponse *response, GError **error)
{
  g_autofree gchar *domain = cw_http_escape (op->zone);
  g_autofree gchar *path = NULL;
  JsonObject *object;
  JsonArray *records;

  if (response != NULL && response->status == 404 && op->step == SENT) {
    cw_http_zone_not_found (op, "for this token; add the domain in the control panel", error);
    return FALSE;
  }
  if (response == NULL && !op->cleanup) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonNode) body = NULL;
    g_autofree gchar *name = cw_http_relative (op->fqdn, op->zone, "@");

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "type");
    json_builder_add_string_value (builder, "TXT");
    json_builder_set_member_name (builder, "name");
    json_builder_add_string_value (builder, name);
    json_builder_set_member_name (builder, "data");
    json_builder_add_string_value (builder, op->value);
    json_builder_set_member_name (builder, "ttl");
    json_builder_add_int_value (builder, MAX (op->ttl, 30));
    json_builder_end_object (builder);
    body = json_builder_get_root (builder);
    path = g_strdup_printf ("/domains/%s/records", domain);
    cw_http_op_send_json (op, "POST", path, body);
    return TRUE;
  }
  if (response == NULL) {
    g_autofree gchar *name = cw_http_escape (op->fqdn);

    path = g_strdup_printf ("/domains/%s/records?type=TXT&name=%s", domain, name);
    cw_http_op_send (op, "GET", path, NULL, NULL);
    return TRUE;
  }
  if (op->step == SENT) {
    if ((object = cw_http_object (op, response, error)) == NULL)
      return FALSE;
    if (!op->cleanup)
      return TRUE;
    records = cw_http_json_array (object, "domain_records");
    for (guint i = 0; records != NULL && i < json_array_get_length (records); i++) {
      JsonObject *record = cw_http_json_element (records, i);
      const gchar *data = cw_http_json_string (record, "data");
      g_autofree gchar *plain = data != NULL ? cw_http_unquote (data) : NULL;
      gchar *id = cw_http_json_id (record, "id");

      if (id != NULL && g_strcmp0 (plain, op->value) == 0
          && g_strcmp0 (cw_http_json_string (record, "type"), "TXT") == 0)
        g_ptr_array_add (op->values, id);
      else
        g_free (id);
    }
  } else if (response->status != 404 && !cw_http_check (op, response, error)) {
    return FALSE;
  }
  if (op->values->len > 0) {
    g_autofree gchar *id = cw_http_escape (op->values->pdata[op->values->len - 1]);

    g_ptr_array_remove_index (op->values, op->values->len - 1);
    path = g_strdup_printf ("/domains/%s/records/%s", domain, id);
    op->step = DELETED;
    cw_http_op_send (op, "DELETE", path, NULL, NULL);
  }
  return TRUE;
}

CW_HTTP_PROVIDER_DEFINE ("digitalocean", "DigitalOcean", fields, do_create, step);
