/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "certwardd"

#include "config.h"

#include "cw-testing-service.h"
#include "cw-clock.h"

static const gchar introspection[] =
  "<node>"
  "  <interface name='org.certward.Testing1'>"
  "    <method name='SetTime'><arg name='now' type='t' direction='in'/></method>"
  "    <method name='GetTime'><arg name='now' type='t' direction='out'/></method>"
  "  </interface>"
  "</node>";

static void
method_call (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *interface,
             const gchar *method, GVariant *parameters, GDBusMethodInvocation *invocation, gpointer user_data)
{
  if (g_str_equal (method, "SetTime")) {
    guint64 now;

    g_variant_get (parameters, "(t)", &now);
    g_info ("test clock set to %" G_GUINT64_FORMAT, now);
    cw_clock_set_fake_time ((gint64) now);
    g_dbus_method_invocation_return_value (invocation, NULL);
  } else {
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(t)", (guint64) cw_clock_now ()));
  }
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { NULL } };

guint
cw_testing_service_export (GDBusConnection *connection, GError **error)
{
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection, error);

  if (info == NULL)
    return 0;
  return g_dbus_connection_register_object (connection, CW_OBJECT_PATH, info->interfaces[0], &vtable, NULL, NULL,
                                            error);
}
