/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who may change what: root, or whom polkit allows (see cw-authority.h). */
#include "config.h"

#include "cw-authority.h"
#include "cw-error.h"

#include <glib/gi18n.h>

/* polkit's CheckAuthorization flags */
#define POLKIT_ALLOW_USER_INTERACTION 1

static GBusType bus_type = G_BUS_TYPE_SYSTEM;

void
cw_authority_set_bus (GBusType type)
{
  bus_type = type;
}

typedef struct {
  GDBusMethodInvocation *invocation;
  gchar                 *action;
} Check;

static void
check_free (Check *check)
{
  g_object_unref (check->invocation);
  g_free (check->action);
  g_free (check);
}

static void
refuse (GTask *task, const gchar *action, const gchar *why)
{
  g_task_return_new_error (task, CW_ERROR, CW_ERROR_PERMISSION_DENIED, _("not authorized for %s: %s"), action, why);
}

static void
polkit_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  gboolean authorized = FALSE, challenge = FALSE;

  if (reply == NULL) {
    g_autofree gchar *why = NULL;

    g_dbus_error_strip_remote_error (error);
    why = g_strdup_printf (_("polkit could not be asked (%s); is polkitd running?"), error->message);
    refuse (task, check->action, why);
    return;
  }
  g_variant_get (reply, "((bba{ss}))", &authorized, &challenge, NULL);
  if (authorized)
    g_task_return_boolean (task, TRUE);
  else if (challenge)
    refuse (task, check->action,
            _("authentication is required (run certwardctl from a terminal with pkttyagent, or as root)"));
  else
    refuse (task, check->action, _("polkit does not allow it to this user"));
}

static void
got_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_auto(GVariantBuilder) subject = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  gboolean interactive;
  guint32 uid;

  if (reply == NULL) {
    refuse (task, check->action, error->message);
    return;
  }
  g_variant_get (reply, "(u)", &uid);
  if (uid == 0) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  interactive = (g_dbus_message_get_flags (g_dbus_method_invocation_get_message (check->invocation)) &
                 G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
  g_variant_builder_add (&subject, "{sv}", "name",
                         g_variant_new_string (g_dbus_method_invocation_get_sender (check->invocation)));
  g_dbus_connection_call (G_DBUS_CONNECTION (source), "org.freedesktop.PolicyKit1",
                          "/org/freedesktop/PolicyKit1/Authority", "org.freedesktop.PolicyKit1.Authority",
                          "CheckAuthorization",
                          g_variant_new ("((s@a{sv})s@a{ss}us)", "system-bus-name", g_variant_builder_end (&subject),
                                         check->action, g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0),
                                         interactive ? POLKIT_ALLOW_USER_INTERACTION : 0, ""),
                          G_VARIANT_TYPE ("((bba{ss}))"), G_DBUS_CALL_FLAGS_NONE,
                          /* a person may be typing a password */
                          interactive ? G_MAXINT : 25000, NULL, polkit_answered, g_steal_pointer (&task));
}

void
cw_authority_check_async (GDBusMethodInvocation *invocation, const gchar *action, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  const gchar *sender = g_dbus_method_invocation_get_sender (invocation);
  Check *check = g_new0 (Check, 1);

  check->invocation = g_object_ref (invocation);
  check->action = g_strdup (action);
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);
  if (bus_type != G_BUS_TYPE_SYSTEM) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  if (sender == NULL) {
    /* a peer-to-peer connection has no bus to ask; refuse rather than guess */
    refuse (task, action, _("the caller cannot be identified"));
    g_object_unref (task);
    return;
  }
  g_dbus_connection_call (g_dbus_method_invocation_get_connection (invocation), "org.freedesktop.DBus",
                          "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          got_uid, task);
}

gboolean
cw_authority_check_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
