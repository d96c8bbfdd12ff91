/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DNS provider plugins loaded with GModule and checked against the ABI. */
#include "config.h"

#include "cw-provider-type.h"
#include "cw-error.h"
#include "cw-text.h"

#include <glib/gi18n.h>
#include <string.h>

void
cw_provider_type_free (CwProviderType *type)
{
  if (type == NULL)
    return;
  g_free (type->path);
  g_free (type);
}

static gboolean
valid_token (const gchar *s)
{
  if (s == NULL || *s == '\0' || strlen (s) > 64)
    return FALSE;
  for (const gchar *p = s; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

static gboolean
check_plugin (const CwProviderPlugin *plugin, const gchar *path, GError **error)
{
  if (plugin->abi_version != CW_PROVIDER_ABI_VERSION) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED,
                 _("%s was built for DNS provider ABI %u, but this agent speaks ABI %u; rebuild it against this "
                   "version's certward-provider.h"), path, plugin->abi_version, CW_PROVIDER_ABI_VERSION);
    return FALSE;
  }
  if (!valid_token (plugin->type) || plugin->display_name == NULL ||
      !g_utf8_validate (plugin->display_name, -1, NULL) || plugin->fields == NULL ||
      plugin->create == NULL || plugin->free == NULL || plugin->present_async == NULL ||
      plugin->present_finish == NULL || plugin->cleanup_async == NULL || plugin->cleanup_finish == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                 _("%s is not a usable DNS provider: its type name, display name, fields or functions are missing"),
                 path);
    return FALSE;
  }
  for (const CwProviderField *f = plugin->fields; f->key != NULL; f++)
    if (!valid_token (f->key) || f->label == NULL || !g_utf8_validate (f->label, -1, NULL) ||
        (f->description != NULL && !g_utf8_validate (f->description, -1, NULL))) {
      g_autofree gchar *key = cw_text_escape (f->key, -1);

      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("%s is not a usable DNS provider: the field “%s” needs a name of lower-case letters, digits "
                     "and “-”, and a label in UTF-8"), path, key);
      return FALSE;
    }
  return TRUE;
}

CwProviderType *
cw_provider_type_load (const gchar *path, GError **error)
{
  GModule *module;
  gpointer symbol = NULL;
  CwProviderType *type;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

  if (module == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("cannot load the DNS provider %s: %s"), path,
                 g_module_error ());
    return NULL;
  }
  if (!g_module_symbol (module, CW_PROVIDER_SYMBOL, &symbol) || symbol == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                 _("%s is not a DNS provider: it exports no “%s” (see certward-provider.h)"), path,
                 CW_PROVIDER_SYMBOL);
    g_module_close (module);
    return NULL;
  }
  if (!check_plugin (symbol, path, error)) {
    g_module_close (module);
    return NULL;
  }
  /* instances point into the module for as long as the agent runs */
  g_module_make_resident (module);
  type = g_new0 (CwProviderType, 1);
  type->plugin = symbol;
  type->path = g_strdup (path);
  return type;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

void
cw_provider_types_load_dir (GHashTable *types, const gchar *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL) {
    if (!g_str_has_suffix (name, ".so"))
      continue;
    /* a file name is bytes; every message below names the file */
    if (!g_utf8_validate (name, -1, NULL)) {
      g_autofree gchar *text = cw_text_escape (name, -1);

      g_warning ("ignoring the DNS provider %s/%s: its file name is not UTF-8", dir, text);
      continue;
    }
    g_ptr_array_add (names, g_strdup (name));
  }
  /* the same order on every start, whatever the directory says */
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    g_autofree gchar *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(CwProviderType) type = cw_provider_type_load (path, &error);
    const gchar *key;

    if (type == NULL) {
      g_warning ("%s", error->message);
      continue;
    }
    if (g_hash_table_contains (types, type->plugin->type)) {
      g_info ("DNS provider %s: %s is already loaded from elsewhere; %s not used", type->plugin->type,
              type->plugin->type, path);
      continue;
    }
    g_debug ("DNS provider %s (%s) from %s", type->plugin->type, type->plugin->display_name, path);
    /* the key lives in the plugin: read it before the pointer is stolen */
    key = type->plugin->type;
    g_hash_table_insert (types, (gpointer) key, g_steal_pointer (&type));
  }
}

const CwProviderField *
cw_provider_type_find_field (const CwProviderType *type, const gchar *key)
{
  g_return_val_if_fail (type != NULL, NULL);

  for (const CwProviderField *f = type->plugin->fields; f->key != NULL; f++)
    if (g_str_equal (f->key, key))
      return f;
  return NULL;
}

gboolean
cw_provider_type_check_settings (const CwProviderType *type, GHashTable *settings, GError **error)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (type != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_hash_table_iter_init (&iter, settings);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (cw_provider_type_find_field (type, key) == NULL) {
      g_autoptr(GString) known = g_string_new (NULL);

      for (const CwProviderField *f = type->plugin->fields; f->key != NULL; f++)
        g_string_append_printf (known, "%s%s", known->len > 0 ? ", " : "", f->key);
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("the %s provider has no setting “%s” (it takes %s)"), type->plugin->type,
                   (const gchar *) key, known->str);
      return FALSE;
    }
  for (const CwProviderField *f = type->plugin->fields; f->key != NULL; f++) {
    const gchar *v = g_hash_table_lookup (settings, f->key);

    if (f->required && (v == NULL || *v == '\0')) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("the %s provider needs “%s” (%s)"),
                   type->plugin->type, f->key, f->label);
      return FALSE;
    }
  }
  return TRUE;
}
