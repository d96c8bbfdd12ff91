/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwDelivery, CwTarget and CwCommand: the delivery settings of a
 * certificate and how they are kept in its settings.ini. Checking them
 * against the system (users, directories, programs) is the delivery
 * layer's (cw-deliverer.c). */
#include "config.h"

#include "cw-delivery.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>
#include <grp.h>

#define DELIVERY_GROUP "delivery"
#define TARGET_GROUP "target "

static const gchar *const format_names[] = {
  [CW_TARGET_FULLCHAIN] = "fullchain",
  [CW_TARGET_CERT] = "cert",
  [CW_TARGET_CHAIN] = "chain",
  [CW_TARGET_KEY] = "key",
  [CW_TARGET_COMBINED] = "combined",
  [CW_TARGET_PKCS12] = "pkcs12",
  [CW_TARGET_DER] = "der",
  [CW_TARGET_TRUST_BUNDLE] = "trust-bundle",
};

const gchar *
cw_target_format_to_string (CwTargetFormat format)
{
  return format < G_N_ELEMENTS (format_names) ? format_names[format] : "fullchain";
}

gboolean
cw_target_format_from_string (const gchar *text, CwTargetFormat *format)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (format_names); i++)
    if (g_str_equal (text, format_names[i])) {
      *format = i;
      return TRUE;
    }
  return FALSE;
}

gboolean
cw_target_format_has_key (CwTargetFormat format)
{
  return format == CW_TARGET_KEY || format == CW_TARGET_COMBINED || format == CW_TARGET_PKCS12;
}

CwTarget *
cw_target_new (const gchar *path, CwTargetFormat format)
{
  CwTarget *target = g_new0 (CwTarget, 1);

  target->path = g_strdup (path);
  target->format = format;
  target->owner = g_strdup ("");
  target->group = g_strdup ("");
  target->mode = cw_target_format_has_key (format) ? 0600 : 0644;
  target->password_file = g_strdup ("");
  return target;
}

CwTarget *
cw_target_copy (const CwTarget *target)
{
  CwTarget *copy = g_new0 (CwTarget, 1);

  *copy = *target;
  copy->path = g_strdup (target->path);
  copy->owner = g_strdup (target->owner);
  copy->group = g_strdup (target->group);
  copy->password_file = g_strdup (target->password_file);
  return copy;
}

void
cw_target_free (CwTarget *target)
{
  if (target == NULL)
    return;
  g_free (target->path);
  g_free (target->owner);
  g_free (target->group);
  g_free (target->password_file);
  g_free (target);
}

gchar *
cw_target_describe (const CwTarget *target)
{
  return g_strdup_printf ("%s (%s, %s:%s %04o)", target->path, cw_target_format_to_string (target->format),
                          *target->owner != '\0' ? target->owner : "root",
                          *target->group != '\0' ? target->group : "root", target->mode);
}

/* ---- commands ----------------------------------------------------------- */

CwCommand *
cw_command_new (const gchar *user, const gchar * const *argv)
{
  CwCommand *command = g_new0 (CwCommand, 1);

  command->user = g_strdup (user != NULL ? user : "");
  command->argv = g_strdupv ((gchar **) argv);
  return command;
}

CwCommand *
cw_command_copy (const CwCommand *command)
{
  return cw_command_new (command->user, (const gchar * const *) command->argv);
}

void
cw_command_free (CwCommand *command)
{
  if (command == NULL)
    return;
  g_free (command->user);
  g_strfreev (command->argv);
  g_free (command);
}

gchar *
cw_command_to_string (const CwCommand *command)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (*command->user != '\0')
    g_string_append_printf (text, "%s: ", command->user);
  for (guint i = 0; command->argv[i] != NULL; i++) {
    g_autofree gchar *quoted = NULL;

    /* plain words stay plain: "kamcmd tls.reload", not "'kamcmd' 'tls.reload'" */
    if (*command->argv[i] != '\0' && strpbrk (command->argv[i], " \t\n'\"\\$`*?[]{}()<>|&;#~") == NULL)
      quoted = g_strdup (command->argv[i]);
    else
      quoted = g_shell_quote (command->argv[i]);
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "", quoted);
  }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

CwCommand *
cw_command_parse (const gchar *text, GError **error)
{
  const gchar *colon = strchr (text, ':');
  const gchar *slash = strchr (text, '/');
  g_autofree gchar *user = NULL;
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) local = NULL;

  /* "user: program args": a user name comes before the program's path */
  if (colon != NULL && (slash == NULL || colon < slash)) {
    user = g_strstrip (g_strndup (text, colon - text));
    text = colon + 1;
  }
  if (!g_shell_parse_argv (text, NULL, &argv, &local)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("cannot read the command “%s”: %s"), text,
                 local->message);
    return NULL;
  }
  return cw_command_new (user, (const gchar * const *) argv);
}

/* ---- the whole ---------------------------------------------------------- */

CwDelivery *
cw_delivery_new (void)
{
  CwDelivery *delivery = g_new0 (CwDelivery, 1);

  delivery->access_group = g_strdup ("");
  delivery->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_target_free);
  delivery->integrations = g_new0 (gchar *, 1);
  delivery->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_command_free);
  delivery->last_actions = g_new0 (gchar *, 1);
  return delivery;
}

CwDelivery *
cw_delivery_copy (const CwDelivery *delivery)
{
  CwDelivery *copy = cw_delivery_new ();

  g_free (copy->access_group);
  copy->access_group = g_strdup (delivery->access_group);
  for (guint i = 0; i < delivery->targets->len; i++)
    g_ptr_array_add (copy->targets, cw_target_copy (g_ptr_array_index (delivery->targets, i)));
  g_strfreev (copy->integrations);
  copy->integrations = g_strdupv (delivery->integrations);
  for (guint i = 0; i < delivery->commands->len; i++)
    g_ptr_array_add (copy->commands, cw_command_copy (g_ptr_array_index (delivery->commands, i)));
  g_strfreev (copy->last_actions);
  copy->last_actions = g_strdupv (delivery->last_actions);
  return copy;
}

void
cw_delivery_free (CwDelivery *delivery)
{
  if (delivery == NULL)
    return;
  g_free (delivery->access_group);
  g_ptr_array_unref (delivery->targets);
  g_strfreev (delivery->integrations);
  g_ptr_array_unref (delivery->commands);
  g_strfreev (delivery->last_actions);
  g_free (delivery);
}

void
cw_delivery_save (const CwDelivery *delivery, GKeyFile *file)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func (g_free);

  if (*delivery->access_group != '\0')
    g_key_file_set_string (file, DELIVERY_GROUP, "access-group", delivery->access_group);
  if (delivery->integrations[0] != NULL)
    g_key_file_set_string_list (file, DELIVERY_GROUP, "integrations", (const gchar * const *) delivery->integrations,
                                g_strv_length (delivery->integrations));
  for (guint i = 0; i < delivery->commands->len; i++)
    g_ptr_array_add (commands, cw_command_to_string (g_ptr_array_index (delivery->commands, i)));
  if (commands->len > 0)
    g_key_file_set_string_list (file, DELIVERY_GROUP, "reload-commands", (const gchar * const *) commands->pdata,
                                commands->len);
  if (delivery->last_actions[0] != NULL)
    g_key_file_set_string_list (file, DELIVERY_GROUP, "last-actions", (const gchar * const *) delivery->last_actions,
                                g_strv_length (delivery->last_actions));
  for (guint i = 0; i < delivery->targets->len; i++) {
    const CwTarget *t = g_ptr_array_index (delivery->targets, i);
    g_autofree gchar *group = g_strdup_printf (TARGET_GROUP "%u", i + 1);

    g_key_file_set_string (file, group, "path", t->path);
    g_key_file_set_string (file, group, "format", cw_target_format_to_string (t->format));
    if (*t->owner != '\0')
      g_key_file_set_string (file, group, "owner", t->owner);
    if (*t->group != '\0')
      g_key_file_set_string (file, group, "group", t->group);
    {
      g_autofree gchar *mode = g_strdup_printf ("%04o", t->mode);

      g_key_file_set_string (file, group, "mode", mode);
    }
    if (*t->password_file != '\0')
      g_key_file_set_string (file, group, "password-file", t->password_file);
    if (t->legacy)
      g_key_file_set_boolean (file, group, "legacy", TRUE);
  }
}

static gchar *
get_string (GKeyFile *file, const gchar *group, const gchar *key)
{
  gchar *value = g_key_file_get_string (file, group, key, NULL);

  return value != NULL ? value : g_strdup ("");
}

static CwTarget *
load_target (GKeyFile *file, const gchar *group, GError **error)
{
  g_autofree gchar *path = g_key_file_get_string (file, group, "path", NULL);
  g_autofree gchar *format_name = g_key_file_get_string (file, group, "format", NULL);
  g_autofree gchar *mode = g_key_file_get_string (file, group, "mode", NULL);
  g_autoptr(CwTarget) target = NULL;
  CwTargetFormat format;
  guint64 value = 0;

  if (path == NULL || !g_path_is_absolute (path) || !cw_target_format_from_string (format_name, &format)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("[%s] needs an absolute path and a known format"), group);
    return NULL;
  }
  target = cw_target_new (path, format);
  g_free (target->owner);
  target->owner = get_string (file, group, "owner");
  g_free (target->group);
  target->group = get_string (file, group, "group");
  g_free (target->password_file);
  target->password_file = get_string (file, group, "password-file");
  target->legacy = g_key_file_get_boolean (file, group, "legacy", NULL);
  if (mode != NULL) {
    if (!g_ascii_string_to_unsigned (mode, 8, 0, 07777, &value, NULL)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("[%s] mode “%s” is not an octal file mode"), group, mode);
      return NULL;
    }
    target->mode = (guint) value;
  }
  return g_steal_pointer (&target);
}

CwDelivery *
cw_delivery_load (GKeyFile *file, GError **error)
{
  CwDelivery *delivery = cw_delivery_new ();
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);
  g_auto(GStrv) commands = g_key_file_get_string_list (file, DELIVERY_GROUP, "reload-commands", NULL, NULL);
  gchar **list;

  g_free (delivery->access_group);
  delivery->access_group = get_string (file, DELIVERY_GROUP, "access-group");
  if ((list = g_key_file_get_string_list (file, DELIVERY_GROUP, "integrations", NULL, NULL)) != NULL) {
    g_strfreev (delivery->integrations);
    delivery->integrations = list;
  }
  if ((list = g_key_file_get_string_list (file, DELIVERY_GROUP, "last-actions", NULL, NULL)) != NULL) {
    g_strfreev (delivery->last_actions);
    delivery->last_actions = list;
  }
  for (guint i = 0; commands != NULL && i < g_strv_length (commands); i++) {
    g_autoptr(GError) local = NULL;
    CwCommand *command = cw_command_parse (commands[i], &local);

    if (command != NULL)
      g_ptr_array_add (delivery->commands, command);
    else if (error != NULL && *error == NULL)
      g_propagate_error (error, g_steal_pointer (&local));
  }
  /* "target 1", "target 2", … in their order */
  for (guint n = 1; n <= CW_MAX_TARGETS; n++) {
    g_autofree gchar *group = g_strdup_printf (TARGET_GROUP "%u", n);
    g_autoptr(GError) local = NULL;
    CwTarget *target;

    if (!g_strv_contains ((const gchar * const *) groups, group))
      continue;
    target = load_target (file, group, &local);
    if (target != NULL)
      g_ptr_array_add (delivery->targets, target);
    else if (error != NULL && *error == NULL)
      g_propagate_error (error, g_steal_pointer (&local));
  }
  return delivery;
}

gint
cw_delivery_access_gid (const gchar *group)
{
  struct group gr, *found = NULL;
  gchar buf[4096];

  if (group == NULL || *group == '\0')
    return -1;
  if (getgrnam_r (group, &gr, buf, sizeof buf, &found) != 0 || found == NULL) {
    g_warning ("the access group “%s” no longer exists: keys are for root alone", group);
    return -1;
  }
  return (gint) found->gr_gid;
}
