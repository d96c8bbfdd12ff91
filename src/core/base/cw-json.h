/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * Reading JSON from a server that may send anything: every getter checks
 * the member's type and answers NULL (or @def) for a missing member or one
 * of another type, where json-glib's own getters would warn or crash.
 */

/* Parses @data, refusing more than 64 levels of nesting (json-glib
 * recurses) with a CW_ERROR_INVALID_DATA error. */
JsonNode    *cw_json_parse (const gchar *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *cw_json_string (JsonObject *object, const gchar *member, const gchar *def);
gboolean     cw_json_bool (JsonObject *object, const gchar *member, gboolean def);
JsonObject  *cw_json_object (JsonObject *object, const gchar *member);
JsonArray   *cw_json_array (JsonObject *object, const gchar *member);
/* Elements of an array, or NULL when of another type. */
JsonObject  *cw_json_array_object (JsonArray *array, guint index);
const gchar *cw_json_array_string (JsonArray *array, guint index);

G_END_DECLS
