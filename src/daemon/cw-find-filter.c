/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* FindForName answered by a connection filter on GDBus's I/O thread. */

#include "config.h"

#include "cw-find-filter.h"
#include "cw-certificate-service.h"

static gboolean
is_find_for_name (GDBusMessage *message)
{
  return g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL &&
         g_strcmp0 (g_dbus_message_get_member (message), "FindForName") == 0 &&
         g_strcmp0 (g_dbus_message_get_interface (message), "org.certward.Manager1") == 0 &&
         g_strcmp0 (g_dbus_message_get_path (message), CW_OBJECT_PATH) == 0 &&
         g_strcmp0 (g_dbus_message_get_signature (message), "ss") == 0;
}

static GDBusMessage *
filter (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  CwStore *store = CW_STORE (user_data);
  g_autoptr(GDBusMessage) call = message;   /* ours: dropped by returning NULL */
  g_autoptr(GDBusMessage) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  const gchar *hostname, *role;

  if (!incoming || !is_find_for_name (call))
    return g_steal_pointer (&call);
  g_variant_get (g_dbus_message_get_body (call), "(&s&s)", &hostname, &role);
  id = cw_store_find_id_for_name (store, hostname, role, &error);
  if (id != NULL) {
    g_autofree gchar *path = cw_certificate_object_path (id);

    reply = g_dbus_message_new_method_reply (call);
    g_dbus_message_set_body (reply, g_variant_new ("(o)", path));
  } else {
    /* the registered name, as GDBusMethodInvocation would send it */
    g_autofree gchar *name = g_dbus_error_encode_gerror (error);

    reply = g_dbus_message_new_method_error_literal (call, name, error->message);
  }
  if ((g_dbus_message_get_flags (call) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED) == 0)
    g_dbus_connection_send_message (connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
  return NULL;
}

guint
cw_find_filter_add (GDBusConnection *connection, CwStore *store)
{
  g_return_val_if_fail (CW_IS_STORE (store), 0);

  /* the store is released when the filter can no longer run */
  return g_dbus_connection_add_filter (connection, filter, g_object_ref (store), g_object_unref);
}
