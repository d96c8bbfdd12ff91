/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.certward.Testing1: the test clock, only with --test-clock. */

#include "config.h"

#include "cw-testing-service.h"
#include "cw-clock.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static const gchar introspection[] =
  "<node>"
  "  <interface name='org.certward.Testing1'>"
  "    <method name='SetTime'><arg name='now' type='t' direction='in'/></method>"
  "    <method name='GetTime'><arg name='now' type='t' direction='out'/></method>"
  "    <method name='Block'><arg name='fifo' type='s' direction='in'/></method>"
  "  </interface>"
  "</node>";

/* Blocks the main loop until the test closes its end of @fifo: shows
 * what the agent still answers while its main loop is busy. */
static void
block (GVariant *parameters, GDBusMethodInvocation *invocation)
{
  const gchar *fifo;
  gchar buffer[64];
  gssize n;
  int fd;

  g_variant_get (parameters, "(&s)", &fifo);
  fd = open (fifo, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;

    g_dbus_method_invocation_return_error (invocation, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", fifo,
                                           g_strerror (saved));
    return;
  }
  while ((n = read (fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
    ;
  close (fd);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

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
  } else if (g_str_equal (method, "Block")) {
    block (parameters, invocation);
  } else {
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(t)", (guint64) cw_clock_now ()));
  }
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { NULL } };

guint
cw_testing_service_export (GDBusConnection *connection, GError **error)
{
  g_autoptr(GDBusNodeInfo) info = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  info = g_dbus_node_info_new_for_xml (introspection, error);

  if (info == NULL)
    return 0;
  return g_dbus_connection_register_object (connection, CW_OBJECT_PATH, info->interfaces[0], &vtable, NULL, NULL,
                                            error);
}
