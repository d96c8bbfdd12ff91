/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl deliver and integrations: how a certificate reaches the
 * services that use it (access group, targets, integrations, reload
 * commands), over Certificate1's properties and Manager1.GetIntegrations. */
#include "config.h"

#include "cw-ctl.h"

#include <glib/gi18n.h>
#include <string.h>

/* "path=/etc/x.pem,format=key,owner=o,group=g,mode=0640,password-file=/p,legacy" */
static GVariant *
target_from_spec (const gchar *spec, GError **error)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto(GStrv) parts = g_strsplit (spec, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++) {
    g_auto(GStrv) kv = g_strsplit (parts[i], "=", 2);
    const gchar *key = kv[0], *value = kv[1];

    if (g_str_equal (key, "legacy") && value == NULL) {
      g_variant_builder_add (&b, "{sv}", "legacy", g_variant_new_boolean (TRUE));
    } else if (value == NULL) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--target: “%s” is not KEY=VALUE"), parts[i]);
      return NULL;
    } else if (g_str_equal (key, "mode")) {
      guint64 mode = 0;

      if (!g_ascii_string_to_unsigned (value, 8, 0, 0777, &mode, NULL)) {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--target: mode “%s” is not octal (0640)"),
                     value);
        return NULL;
      }
      g_variant_builder_add (&b, "{sv}", "mode", g_variant_new_uint32 ((guint32) mode));
    } else if (g_str_equal (key, "path") || g_str_equal (key, "format") || g_str_equal (key, "owner") ||
               g_str_equal (key, "group") || g_str_equal (key, "password-file")) {
      g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (value));
    } else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--target: unknown key “%s” (path, format, owner, group, mode, password-file, legacy)"), key);
      return NULL;
    }
  }
  return g_variant_builder_end (&b);
}

/* "user: /path args" or "/path args" (root) */
static gboolean
add_command (GVariantBuilder *b, const gchar *text, GError **error)
{
  const gchar *colon = strchr (text, ':');
  const gchar *slash = strchr (text, '/');
  g_autofree gchar *user = NULL;
  g_auto(GStrv) argv = NULL;

  if (colon != NULL && (slash == NULL || colon < slash)) {
    user = g_strstrip (g_strndup (text, colon - text));
    text = colon + 1;
  }
  if (!g_shell_parse_argv (text, NULL, &argv, error))
    return FALSE;
  g_variant_builder_add (b, "(s^as)", user != NULL ? user : "", argv);
  return TRUE;
}

static gboolean
set (CwCtl *ctl, CwDBusCertificate1 *cert, const gchar *property, GVariant *value, GError **error)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (ctl->bus, CW_BUS_NAME,
                                                           g_dbus_proxy_get_object_path (G_DBUS_PROXY (cert)),
                                                           "org.freedesktop.DBus.Properties", "Set",
                                                           g_variant_new ("(ssv)", "org.certward.Certificate1",
                                                                          property, value),
                                                           NULL, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                                           -1, NULL, error);

  return reply != NULL;
}

typedef struct {
  gboolean   changed;
  GMainLoop *loop;
} Wait;

static void
on_properties_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, Wait *w)
{
  g_autoptr(GVariant) actions = g_variant_lookup_value (changed, "LastActions", NULL);

  if (actions != NULL) {
    w->changed = TRUE;
    g_main_loop_quit (w->loop);
  }
}

static gboolean
wait_timeout (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
cw_ctl_deliver (CwCtl *ctl, int argc, char **argv)
{
  g_auto(GStrv) integrations = NULL, target_specs = NULL, commands = NULL;
  g_autofree gchar *group = NULL;
  gboolean no_integrations = FALSE, no_targets = FALSE, no_commands = FALSE;
  const GOptionEntry entries[] = {
    { "integration", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &integrations,
      N_("Apply a preset for PBX software (repeatable; replaces the current ones; see certwardctl integrations)"),
      N_("NAME") },
    { "target", 0, 0, G_OPTION_ARG_STRING_ARRAY, &target_specs,
      N_("Keep a file up to date: path=…,format=…[,owner=…][,group=…][,mode=…][,password-file=…][,legacy] "
         "(repeatable; replaces the current ones)"), N_("SPEC") },
    { "access-group", 'g', 0, G_OPTION_ARG_STRING, &group,
      N_("The group that may read the key in the store (\"\" for root only)"), N_("GROUP") },
    { "command", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &commands,
      N_("A reload command, \"[USER:] /path/program args\" (repeatable; replaces the current ones)"), N_("COMMAND") },
    { "no-integrations", 0, 0, G_OPTION_ARG_NONE, &no_integrations, N_("Remove every integration"), NULL },
    { "no-targets", 0, 0, G_OPTION_ARG_NONE, &no_targets, N_("Remove every target (their files stay)"), NULL },
    { "no-commands", 0, 0, G_OPTION_ARG_NONE, &no_commands, N_("Remove every reload command"), NULL },
    { NULL }
  };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  static const gchar *const none[] = { NULL };
  g_autoptr(GMainLoop) loop = NULL;
  Wait w = { 0 };
  gulong handler;

  if (!cw_ctl_parse ("deliver", "NAME",
                     _("Say how a certificate reaches the services that use it: a group that may read its key, "
                       "files in their own place and format, presets for PBX software, reload commands. What is set "
                       "is delivered at once and after every renewal."),
                     entries, &argc, &argv))
    return 1;
  if (argc != 2 || (integrations == NULL && target_specs == NULL && group == NULL && commands == NULL &&
                    !no_integrations && !no_targets && !no_commands))
    return cw_ctl_fail_message (_("deliver needs the name of a certificate and what to deliver (see certwardctl "
                                  "deliver --help)"));
  cert = cw_ctl_certificate_arg (ctl, argc, argv, 2, NULL);
  if (cert == NULL)
    return 1;
  /* the agent delivers in the background: follow it to tell what it did */
  loop = g_main_loop_new (NULL, FALSE);
  w.loop = loop;
  handler = g_signal_connect (cert, "g-properties-changed", G_CALLBACK (on_properties_changed), &w);
  if (group != NULL && !set (ctl, cert, "AccessGroup", g_variant_new_string (group), &error))
    return cw_ctl_fail (error);
  if (target_specs != NULL || no_targets) {
    g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

    for (guint i = 0; target_specs != NULL && target_specs[i] != NULL; i++) {
      GVariant *t = target_from_spec (target_specs[i], &error);

      if (t == NULL)
        return cw_ctl_fail (error);
      g_variant_builder_add_value (&b, t);
    }
    if (!set (ctl, cert, "Targets", g_variant_builder_end (&b), &error))
      return cw_ctl_fail (error);
  }
  if (commands != NULL || no_commands) {
    g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(sas)"));

    for (guint i = 0; commands != NULL && commands[i] != NULL; i++)
      if (!add_command (&b, commands[i], &error))
        return cw_ctl_fail (error);
    if (!set (ctl, cert, "ReloadCommands", g_variant_builder_end (&b), &error))
      return cw_ctl_fail (error);
  }
  if ((integrations != NULL || no_integrations) &&
      !set (ctl, cert, "Integrations",
            g_variant_new_strv (integrations != NULL ? (const gchar * const *) integrations : none, -1), &error))
    return cw_ctl_fail (error);
  /* nothing to deliver before the first certificate (a pending request) */
  if (cw_dbus_certificate1_get_revision (cert) > 0) {
    guint timer = g_timeout_add_seconds (60, wait_timeout, w.loop);

    /* until the delivery has been reported, or a minute */
    if (!w.changed)
      g_main_loop_run (w.loop);
    if (w.changed)
      g_source_remove (timer);
    g_signal_handler_disconnect (cert, handler);
    for (const gchar *const *l = cw_dbus_certificate1_get_last_actions (cert); l != NULL && *l != NULL; l++)
      g_print ("%s\n", *l);
  }
  return 0;
}

int
cw_ctl_integrations (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const gchar *name, *description;

  if (!cw_ctl_parse ("integrations", "", _("List the presets for PBX software that deliver can apply."), NULL, &argc,
                     &argv))
    return 1;
  if (!cw_dbus_manager1_call_get_integrations_sync (ctl->manager, &list, NULL, &error))
    return cw_ctl_fail (error);
  if (ctl->json) {
    g_autoptr(JsonNode) node = json_gvariant_serialize (list);

    cw_ctl_print_json (node);
    return 0;
  }
  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, "(&s&s@a{sv})", &name, &description, NULL)) {
    g_autofree gchar *padded = cw_ctl_pad (name, 12);

    g_print ("%s %s\n", padded, description);
  }
  return 0;
}
