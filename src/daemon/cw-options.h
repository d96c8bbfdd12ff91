/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One accepted key of an a{sv} options argument and its D-Bus type. */
typedef struct {
  const gchar *name;
  const gchar *type;
} CwOptionSpec;

/* Checks that every key of @options is in @specs (NULL-name terminated)
 * with the right type, so a typo or a wrong type is an error naming the
 * option instead of being ignored. */
gboolean cw_options_check (GVariant *options, const CwOptionSpec *specs, GError **error);

gboolean     cw_options_get_bool (GVariant *options, const gchar *name, gboolean def);
/* A string or object path, borrowed from @options, or @def. */
const gchar *cw_options_get_string (GVariant *options, const gchar *name, const gchar *def);
/* Newly allocated, or NULL when absent. */
gchar      **cw_options_dup_strv (GVariant *options, const gchar *name) G_GNUC_WARN_UNUSED_RESULT;
GBytes      *cw_options_dup_bytes (GVariant *options, const gchar *name) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
