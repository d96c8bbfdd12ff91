/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Integrations: presets for PBX software read from key files (see
 * cw-integration.h). */
#include "config.h"

#include "cw-integration.h"
#include "cw-error.h"
#include "cw-text.h"

#include <glib/gi18n.h>
#include <string.h>

#define MAX_FILE_SIZE (64 * 1024)

void
cw_integration_free (CwIntegration *integration)
{
  if (integration == NULL)
    return;
  g_free (integration->name);
  g_free (integration->description);
  g_free (integration->path);
  g_free (integration->access_group);
  g_ptr_array_unref (integration->targets);
  g_ptr_array_unref (integration->commands);
  g_strfreev (integration->units);
  g_strfreev (integration->hooks);
  g_free (integration);
}

static gchar *
get (GKeyFile *kf, const gchar *group, const gchar *key)
{
  gchar *value = g_key_file_get_string (kf, group, key, NULL);

  return value != NULL ? g_strstrip (value) : g_strdup ("");
}

static gboolean
load_target (CwIntegration *self, GKeyFile *kf, const gchar *group, GError **error)
{
  g_autofree gchar *path = get (kf, group, "Path");
  g_autofree gchar *format_name = get (kf, group, "Format");
  g_autofree gchar *mode = get (kf, group, "Mode");
  g_autoptr(CwTarget) target = NULL;
  CwTargetFormat format;

  if (!g_path_is_absolute (path) || !cw_target_format_from_string (format_name, &format)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: [%s] needs an absolute Path and a known Format"),
                 self->path, group);
    return FALSE;
  }
  target = cw_target_new (path, format);
  g_free (target->owner);
  target->owner = get (kf, group, "Owner");
  g_free (target->group);
  target->group = get (kf, group, "Group");
  g_free (target->password_file);
  target->password_file = get (kf, group, "PasswordFile");
  target->legacy = g_key_file_get_boolean (kf, group, "Legacy", NULL);
  if (*mode != '\0') {
    guint64 value = 0;

    if (!g_ascii_string_to_unsigned (mode, 8, 0, 0777, &value, NULL)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: [%s] Mode “%s” is not an octal file mode"),
                   self->path, group, mode);
      return FALSE;
    }
    target->mode = (guint) value;
  }
  g_ptr_array_add (self->targets, g_steal_pointer (&target));
  return TRUE;
}

static gchar **
get_list (GKeyFile *kf, const gchar *group, const gchar *key)
{
  gchar **list = g_key_file_get_string_list (kf, group, key, NULL, NULL);

  return list != NULL ? list : g_new0 (gchar *, 1);
}

CwIntegration *
cw_integration_load (const gchar *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(CwIntegration) self = g_new0 (CwIntegration, 1);
  g_autofree gchar *base = g_path_get_basename (path);
  g_autofree gchar *user = NULL;
  g_autofree gchar *data = NULL;
  g_auto(GStrv) groups = NULL, commands = NULL;
  g_autoptr(GError) local = NULL;
  gsize len = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->path = g_strdup (path);
  self->name = g_strndup (base, strlen (base) - strlen (".conf"));
  self->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_target_free);
  self->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_command_free);
  if (!g_file_get_contents (path, &data, &len, &local) || len > MAX_FILE_SIZE ||
      !g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: %s"), path,
                 local != NULL ? local->message : _("too large"));
    return NULL;
  }
  if (!g_key_file_has_group (kf, "Integration")) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: no [Integration] group"), path);
    return NULL;
  }
  self->description = get (kf, "Integration", "Description");
  self->access_group = get (kf, "Integration", "AccessGroup");
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++) {
    if (g_str_has_prefix (groups[i], "Target ")) {
      if (!load_target (self, kf, groups[i], error))
        return NULL;
    } else if (!g_str_equal (groups[i], "Integration") && !g_str_equal (groups[i], "Reload")) {
      /* a misspelt group would silently deliver nothing */
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("%s: unknown group [%s] (known: [Integration], [Target NAME], [Reload])"), path, groups[i]);
      return NULL;
    }
  }
  user = get (kf, "Reload", "User");
  commands = get_list (kf, "Reload", "Commands");
  for (guint i = 0; commands[i] != NULL; i++) {
    g_auto(GStrv) argv = NULL;

    if (!g_shell_parse_argv (commands[i], NULL, &argv, &local) || !g_path_is_absolute (argv[0])) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("%s: the command “%s” must start with the absolute path of a program"), path, commands[i]);
      return NULL;
    }
    g_ptr_array_add (self->commands, cw_command_new (user, (const gchar * const *) argv));
  }
  self->units = get_list (kf, "Reload", "Units");
  self->hooks = get_list (kf, "Reload", "Hooks");
  return g_steal_pointer (&self);
}

GHashTable *
cw_integrations_load (const gchar * const *dirs)
{
  GHashTable *all = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) cw_integration_free);

  for (guint d = 0; dirs != NULL && dirs[d] != NULL; d++) {
    g_autoptr(GDir) dir = g_dir_open (dirs[d], 0, NULL);
    const gchar *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
      g_autofree gchar *path = NULL;
      g_autoptr(GError) error = NULL;
      CwIntegration *integration;

      /* names are what administrators type: text, with no room for tricks */
      if (!g_str_has_suffix (name, ".conf") || !cw_text_is_clean (name, -1) || name[0] == '.')
        continue;
      path = g_build_filename (dirs[d], name, NULL);
      integration = cw_integration_load (path, &error);
      if (integration == NULL) {
        g_warning ("ignoring an integration: %s", error->message);
        continue;
      }
      if (g_hash_table_contains (all, integration->name)) {
        cw_integration_free (integration);
        continue;
      }
      g_hash_table_insert (all, integration->name, integration);
    }
  }
  return all;
}

gboolean
cw_integration_has_targets (const CwIntegration *integration)
{
  g_return_val_if_fail (integration != NULL, FALSE);

  return integration->targets->len > 0;
}

GPtrArray *
cw_integration_targets_for (const CwIntegration *integration, const gchar *name)
{
  GPtrArray *targets;

  g_return_val_if_fail (integration != NULL, NULL);

  targets = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_target_free);

  for (guint i = 0; i < integration->targets->len; i++) {
    CwTarget *target = cw_target_copy (g_ptr_array_index (integration->targets, i));
    g_auto(GStrv) parts = g_strsplit (target->path, "%n", -1);

    g_free (target->path);
    target->path = g_strjoinv (name, parts);
    g_ptr_array_add (targets, target);
  }
  return targets;
}
