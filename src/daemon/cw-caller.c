/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who is calling: the caller's uid for key export, and error replies as text. */
#include "config.h"

#include "cw-caller.h"
#include "cw-error.h"
#include "cw-text.h"

#include <glib/gi18n.h>
#include <unistd.h>

static void
got_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 uid;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_PERMISSION_DENIED,
                             _("cannot identify the caller: %s"), error->message);
    return;
  }
  g_variant_get (reply, "(u)", &uid);
  if (uid != 0 && uid != getuid ()) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_PERMISSION_DENIED,
                             _("only root may export private keys"));
    return;
  }
  g_task_return_boolean (task, TRUE);
}

void
cw_caller_check_key_access_async (GDBusMethodInvocation *invocation, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  const gchar *sender = g_dbus_method_invocation_get_sender (invocation);

  if (sender == NULL) {
    /* a peer-to-peer connection has no bus to ask; refuse rather than guess */
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_PERMISSION_DENIED,
                             _("cannot identify the caller"));
    g_object_unref (task);
    return;
  }
  g_dbus_connection_call (g_dbus_method_invocation_get_connection (invocation),
                          "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "GetConnectionUnixUser", g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, got_uid, task);
}

gboolean
cw_caller_check_key_access_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cw_invocation_take_error (GDBusMethodInvocation *invocation, GError *error)
{
  if (!cw_text_is_valid (error->message)) {
    gchar *text = cw_text_escape (error->message, -1);

    g_critical ("an error message is not valid UTF-8: %s", text);
    g_free (error->message);
    error->message = text;
  }
  g_dbus_method_invocation_take_error (invocation, error);
}
