/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON from servers that may send anything: nesting bounded, strings made text, typed getters. */
#include "config.h"

#include "cw-json.h"
#include "cw-error.h"
#include "cw-text.h"

#include <glib/gi18n.h>

#define MAX_DEPTH 64

/* json-glib's parser recurses once per level: a deep document from a
 * hostile server would overflow the stack. */
static gboolean
depth_ok (const gchar *data, gsize len)
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
      if (++depth > MAX_DEPTH)
        return FALSE;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return TRUE;
}

/* json-glib lets broken escapes through (a lone surrogate such as
 * "\ud8ate" becomes bytes that are not UTF-8), and control characters
 * would reach an administrator's terminal: every string value is made
 * clean here, so nothing read from a server can reach a log or the bus
 * unchecked. Recursion is bounded by MAX_DEPTH. */
static void
make_strings_valid (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObjectIter iter;
    JsonNode *child;

    json_object_iter_init (&iter, json_node_get_object (node));
    while (json_object_iter_next (&iter, NULL, &child))
      make_strings_valid (child);
  } else if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);

    for (guint i = 0; i < json_array_get_length (array); i++)
      make_strings_valid (json_array_get_element (array, i));
  } else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
             !cw_text_is_clean (json_node_get_string (node), -1)) {
    g_autofree gchar *text = cw_text_escape (json_node_get_string (node), -1);

    json_node_set_string (node, text);
  }
}

JsonNode *
cw_json_parse (const gchar *data, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* an empty body (a 200 with a JSON type and nothing in it) would be a
   * critical in json-glib, which wants data */
  if (data == NULL || len == 0) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("invalid JSON: the document is empty"));
    return NULL;
  }
  if (!depth_ok (data, len)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the JSON document is nested more than %d levels deep"),
                 MAX_DEPTH);
    return NULL;
  }
  if (!json_parser_load_from_data (parser, data, len, &local)) {
    g_autofree gchar *why = cw_text_escape (local->message, -1);

    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("invalid JSON: %s"), why);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("invalid JSON: the document is empty"));
    return NULL;
  }
  make_strings_valid (root);
  return json_node_ref (root);
}

static JsonNode *
member (JsonObject *object, const gchar *name)
{
  return object != NULL ? json_object_get_member (object, name) : NULL;
}

const gchar *
cw_json_string (JsonObject *object, const gchar *name, const gchar *def)
{
  JsonNode *node = member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return def;
}

gboolean
cw_json_bool (JsonObject *object, const gchar *name, gboolean def)
{
  JsonNode *node = member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  return def;
}

JsonObject *
cw_json_object (JsonObject *object, const gchar *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
cw_json_array (JsonObject *object, const gchar *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

JsonObject *
cw_json_array_object (JsonArray *array, guint index)
{
  JsonNode *node = array != NULL && index < json_array_get_length (array) ? json_array_get_element (array, index) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

const gchar *
cw_json_array_string (JsonArray *array, guint index)
{
  JsonNode *node = array != NULL && index < json_array_get_length (array) ? json_array_get_element (array, index) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}
