/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* a{sv} options checked against a table of names and types. */
#include "config.h"

#include "cw-options.h"
#include "cw-error.h"

#include <glib/gi18n.h>

gboolean
cw_options_check (GVariant *options, const CwOptionSpec *specs, GError **error)
{
  GVariantIter iter;
  const gchar *key;
  GVariant *value;

  g_return_val_if_fail (specs != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value)) {
    const CwOptionSpec *spec = NULL;

    for (guint i = 0; specs[i].name != NULL; i++)
      if (g_str_equal (specs[i].name, key))
        spec = &specs[i];
    if (spec == NULL) {
      g_autoptr(GString) known = g_string_new (NULL);

      for (guint i = 0; specs[i].name != NULL; i++)
        g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", specs[i].name);
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("unknown option “%s” (known: %s)"),
                   key, known->len > 0 ? known->str : _("none"));
      g_variant_unref (value);
      return FALSE;
    }
    if (!g_variant_is_of_type (value, G_VARIANT_TYPE (spec->type))) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("option “%s” must be of type %s, not %s"), key, spec->type,
                   g_variant_get_type_string (value));
      g_variant_unref (value);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
cw_options_get_bool (GVariant *options, const gchar *name, gboolean def)
{
  gboolean value = def;

  g_variant_lookup (options, name, "b", &value);
  return value;
}

const gchar *
cw_options_get_string (GVariant *options, const gchar *name, const gchar *def)
{
  const gchar *value = def;

  /* object paths are strings too (account, provider, issuer) */
  if (!g_variant_lookup (options, name, "&s", &value))
    g_variant_lookup (options, name, "&o", &value);
  return value;
}

gchar **
cw_options_dup_strv (GVariant *options, const gchar *name)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (options, name, G_VARIANT_TYPE_STRING_ARRAY);

  return value != NULL ? g_variant_dup_strv (value, NULL) : NULL;
}

GBytes *
cw_options_dup_bytes (GVariant *options, const gchar *name)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (options, name, G_VARIANT_TYPE_BYTESTRING);

  return value != NULL ? g_variant_get_data_as_bytes (value) : NULL;
}
