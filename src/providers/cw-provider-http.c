/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the HTTP DNS providers share (see cw-provider-http.h): the instance,
 * request chains, error texts, names, TXT values, JSON of any shape. */
#include "cw-provider-http.h"

#include <string.h>

CwHttp *
cw_http_new (const gchar *base, const gchar *auth_header, const gchar *auth_value, GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse (base, G_URI_FLAGS_NONE, NULL);
  CwHttp *http;

  if (uri == NULL || g_uri_get_host (uri) == NULL
      || (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "“%s” is not an http:// or https:// URL; give the API's base URL", base);
    return NULL;
  }
  http = g_new0 (CwHttp, 1);
  /* no TLS database here: the agent makes its own GIO's default */
  http->session = soup_session_new_with_options ("timeout", 30, "user-agent", "certward", NULL);
  http->base = g_strdup (base);
  while (g_str_has_suffix (http->base, "/"))
    http->base[strlen (http->base) - 1] = '\0';
  http->auth_header = g_strdup (auth_header);
  http->auth_value = g_strdup (auth_value);
  http->secrets = g_ptr_array_new_with_free_func (g_free);
  return http;
}

void
cw_http_free (CwHttp *http)
{
  if (http == NULL)
    return;
  if (http->data_free != NULL)
    http->data_free (http->data);
  g_object_unref (http->session);
  g_free (http->base);
  g_free (http->auth_header);
  g_free (http->auth_value);
  g_ptr_array_unref (http->secrets);
  g_free (http);
}

void
cw_http_add_secret (CwHttp *http, const gchar *secret)
{
  if (secret != NULL && *secret != '\0')
    g_ptr_array_add (http->secrets, g_strdup (secret));
}

CwHttp *
cw_http_new_token (GHashTable *settings, const gchar *endpoint, const gchar *auth_header, const gchar *scheme,
                   const gchar *auth_hint, CwHttpErrorText error_text, GError **error)
{
  const gchar *token = cw_http_required (settings, "api-token", error);
  g_autofree gchar *auth = NULL;
  CwHttp *http;

  if (token == NULL)
    return NULL;
  auth = g_strconcat (scheme, token, NULL);
  http = cw_http_new (cw_http_optional (settings, "endpoint", endpoint), auth_header, auth, error);
  if (http == NULL) {
    g_prefix_error (error, "endpoint: ");
    return NULL;
  }
  cw_http_add_secret (http, token);
  http->auth_hint = auth_hint;
  http->error_text = error_text;
  return http;
}

CwHttp *
cw_http_new_bearer (GHashTable *settings, const gchar *endpoint, const gchar *auth_hint, CwHttpErrorText error_text,
                    GError **error)
{
  return cw_http_new_token (settings, endpoint, "Authorization", "Bearer ", auth_hint, error_text, error);
}

void
cw_http_provider_free (gpointer instance)
{
  cw_http_free (instance);
}

const gchar *
cw_http_required (GHashTable *settings, const gchar *key, GError **error)
{
  const gchar *value = g_hash_table_lookup (settings, key);

  if (value == NULL || *value == '\0')
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "the field “%s” is required; set it", key);
  return value != NULL && *value != '\0' ? value : NULL;
}

const gchar *
cw_http_optional (GHashTable *settings, const gchar *key, const gchar *fallback)
{
  const gchar *value = g_hash_table_lookup (settings, key);

  return value != NULL && *value != '\0' ? value : fallback;
}

/* ---- answers ------------------------------------------------------------ */

/* json-glib's parser recurses once per level: a service (or whoever stands
 * in for it) answering with a deep enough document would overflow the
 * agent's stack. The core has the same check (cw-json.c); a plugin cannot
 * link the core, so it lives here too. */
static gboolean
json_depth_ok (const gchar *data, gsize len)
{
  gboolean in_string = FALSE, escaped = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++) {
    gchar c = data[i];

    if (in_string) {
      if (escaped)
        escaped = FALSE;
      else if (c == '\\')
        escaped = TRUE;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      if (++depth > CW_HTTP_MAX_JSON_DEPTH)
        return FALSE;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return TRUE;
}

JsonNode *
cw_http_parse_json (const gchar *data, gsize len)
{
  g_autoptr(JsonParser) parser = NULL;

  if (data == NULL || len == 0 || !json_depth_ok (data, len))
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, len, NULL))
    return NULL;
  return json_parser_steal_root (parser);
}

/* ---- operations --------------------------------------------------------- */

static void
op_free (CwHttpOp *op)
{
  g_free (op->fqdn);
  g_free (op->value);
  g_free (op->zone);
  g_free (op->zone_id);
  g_ptr_array_unref (op->values);
  g_clear_object (&op->msg);
  g_free (op);
}

static gchar *scrub (CwHttp *http, gchar *message);

/* Fails @task with @error, its message without the secrets: a service may
 * quote the request back, and an XML or JSON parser the body, so no
 * message an operation ends with is trusted to be clean. */
static void
op_fail (GTask *task, GError *error)
{
  CwHttpOp *op = g_task_get_task_data (task);

  error->message = scrub (op->http, error->message);
  g_task_return_error (task, error);
}

/* Runs the step function once; @task is the caller's reference. */
static void
op_advance (GTask *task, const CwHttpResponse *response)
{
  CwHttpOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  op->sent = FALSE;
  if (!op->func (op, response, &error))
    op_fail (task, error);
  else if (!op->sent)
    g_task_return_boolean (task, TRUE);
}

void
cw_http_op_run (CwHttp *http, const CwProviderRecord *record, gboolean cleanup, CwHttpStep func,
                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  CwHttpOp *op = g_new0 (CwHttpOp, 1);

  op->http = http;
  op->cleanup = cleanup;
  op->fqdn = g_ascii_strdown (record->fqdn, -1);
  op->value = g_strdup (record->value);
  op->zone = g_ascii_strdown (record->zone, -1);
  op->ttl = record->ttl > 0 ? record->ttl : 60;
  op->values = g_ptr_array_new_with_free_func (g_free);
  op->func = func;
  op->task = task;
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  op_advance (task, NULL);
}

gboolean
cw_http_provider_finish (gpointer instance, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
op_received (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwHttpOp *op = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = g_steal_pointer (&op->msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonNode) json = NULL;
  const gchar *type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  CwHttpResponse response = { 0 };

  if (body == NULL) {
    g_prefix_error (&error, "cannot reach %s (zone %s): ", op->http->base, op->zone);
    op_fail (task, g_steal_pointer (&error));
    return;
  }
  if (g_bytes_get_size (body) > 0 && (type == NULL || strstr (type, "xml") == NULL))
    json = cw_http_parse_json (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  response.status = soup_message_get_status (msg);
  response.body = body;
  response.json = json;
  op_advance (task, &response);
}

void
cw_http_op_send (CwHttpOp *op, const gchar *method, const gchar *path, const gchar *content_type, GBytes *body)
{
  g_autofree gchar *url = g_strconcat (op->http->base, path, NULL);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);

  g_clear_object (&op->msg);
  op->msg = soup_message_new (method, url);
  op->sent = TRUE;
  if (op->msg == NULL) {
    op_fail (op->task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "cannot make a URL of %s (zone %s)", url,
                                    op->zone));
    return;
  }
  soup_message_headers_replace (soup_message_get_request_headers (op->msg), "Accept", "application/json");
  if (op->http->auth_header != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (op->msg), op->http->auth_header,
                                  op->http->auth_value);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (op->msg, content_type, body);
  if (op->http->sign != NULL)
    op->http->sign (op->http->data, op->msg, body != NULL ? body : empty);
  soup_session_send_and_read_async (op->http->session, op->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (op->task), op_received, g_object_ref (op->task));
}

void
cw_http_op_send_json (CwHttpOp *op, const gchar *method, const gchar *path, JsonNode *body)
{
  gchar *text = json_to_string (body, FALSE);
  g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

  cw_http_op_send (op, method, path, "application/json", bytes);
}

/* ---- errors ------------------------------------------------------------- */

static gchar *
scrub (CwHttp *http, gchar *message)
{
  for (guint i = 0; i < http->secrets->len; i++) {
    g_auto(GStrv) parts = g_strsplit (message, http->secrets->pdata[i], -1);

    g_free (message);
    message = g_strjoinv ("…", parts);
  }
  return message;
}

gboolean
cw_http_is_success (const CwHttpResponse *response)
{
  return response->status >= 200 && response->status < 300;
}

gboolean
cw_http_check (CwHttpOp *op, const CwHttpResponse *response, GError **error)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *message = NULL;
  gsize len = 0;
  const gchar *body = g_bytes_get_data (response->body, &len);
  gboolean auth = response->status == 401 || response->status == 403;

  if (cw_http_is_success (response))
    return TRUE;
  if (op->http->error_text != NULL)
    text = op->http->error_text (response);
  /* a short plain-text body ("Unauthorized") says more than the status */
  if (text == NULL && len > 0 && len <= 200 && g_utf8_validate (body, len, NULL) && memchr (body, '<', len) == NULL)
    text = g_strstrip (g_strndup (body, len));
  if (text == NULL || *text == '\0') {
    g_free (text);
    text = g_strdup (soup_status_get_phrase (response->status));
  }
  message = g_strdup_printf ("HTTP %u: %s (zone %s)%s%s", response->status, text, op->zone,
                             auth && op->http->auth_hint != NULL ? "; " : "",
                             auth && op->http->auth_hint != NULL ? op->http->auth_hint : "");
  message = scrub (op->http, message);
  g_set_error_literal (error, G_IO_ERROR,
                       auth ? G_IO_ERROR_PERMISSION_DENIED
                            : response->status == 404 ? G_IO_ERROR_NOT_FOUND : G_IO_ERROR_FAILED, message);
  return FALSE;
}

JsonObject *
cw_http_object (CwHttpOp *op, const CwHttpResponse *response, GError **error)
{
  if (!cw_http_check (op, response, error))
    return NULL;
  if (response->json == NULL || !JSON_NODE_HOLDS_OBJECT (response->json)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "the service answered HTTP %u with %s (zone %s); check the endpoint", response->status,
                 response->json == NULL ? "malformed JSON" : "JSON that is not the object its API documents", op->zone);
    return NULL;
  }
  return json_node_get_object (response->json);
}

void
cw_http_zone_not_found (CwHttpOp *op, const gchar *where, GError **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "zone %s not found %s", op->zone, where);
}

/* ---- names and values --------------------------------------------------- */

gchar *
cw_http_relative (const gchar *fqdn, const gchar *zone, const gchar *apex)
{
  gsize n = strlen (fqdn), z = strlen (zone);

  if (g_ascii_strcasecmp (fqdn, zone) == 0)
    return g_strdup (apex);
  if (n > z + 1 && fqdn[n - z - 1] == '.' && g_ascii_strcasecmp (fqdn + n - z, zone) == 0)
    return g_strndup (fqdn, n - z - 1);
  return g_strdup (fqdn);  /* not in the zone: the service will say so */
}

gchar *
cw_http_escape (const gchar *text)
{
  return g_uri_escape_string (text, NULL, FALSE);
}

gchar *
cw_http_unquote (const gchar *text)
{
  gsize len = strlen (text);
  g_autofree gchar *inner = NULL;

  if (len < 2 || text[0] != '"' || text[len - 1] != '"')
    return g_strdup (text);
  inner = g_strndup (text + 1, len - 2);
  return g_strcompress (inner);
}

gchar *
cw_http_quote (const gchar *text)
{
  g_autofree gchar *escaped = g_strescape (text, NULL);

  return g_strdup_printf ("\"%s\"", escaped);
}

gint
cw_http_find_value (CwHttpOp *op, const gchar *value)
{
  for (guint i = 0; i < op->values->len; i++) {
    g_autofree gchar *plain = cw_http_unquote (op->values->pdata[i]);

    if (g_str_equal (plain, value))
      return i;
  }
  return -1;
}

gboolean
cw_http_update_values (CwHttpOp *op)
{
  gint found = cw_http_find_value (op, op->value);

  if (op->cleanup && found >= 0)
    g_ptr_array_remove_index (op->values, found);
  else if (!op->cleanup && found < 0)
    g_ptr_array_add (op->values, cw_http_quote (op->value));
  else
    return FALSE;
  return TRUE;
}

/* ---- JSON of any shape -------------------------------------------------- */

JsonObject *
cw_http_json_object (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonObject *
cw_http_json_element (JsonArray *array, guint index)
{
  return array != NULL && index < json_array_get_length (array)
         ? cw_http_json_object (json_array_get_element (array, index)) : NULL;
}

JsonObject *
cw_http_json_member (JsonObject *object, const gchar *member)
{
  return object != NULL ? cw_http_json_object (json_object_get_member (object, member)) : NULL;
}

JsonArray *
cw_http_json_array (JsonObject *object, const gchar *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

const gchar *
cw_http_json_string (JsonObject *object, const gchar *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

gchar *
cw_http_json_id (JsonObject *object, const gchar *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node != NULL && json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return g_strdup (cw_http_json_string (object, member));
}
