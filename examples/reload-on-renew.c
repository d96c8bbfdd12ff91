/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A PBX-side subscriber: reloads a service whenever the certificate it
 * uses is renewed or replaced. One match rule on CertificateChanged; the
 * details carry the paths, so nothing else needs asking.
 *
 *   reload-on-renew [--session] NAME COMMAND…
 *
 * e.g. reload-on-renew pbx.example.com asterisk -rx "module reload res_pjsip.so"
 *
 * Build: cc reload-on-renew.c $(pkg-config --cflags --libs gio-2.0) -o reload-on-renew
 */
#include <gio/gio.h>

typedef struct {
  const gchar  *name;
  gchar       **command;
} Watch;

static void
on_changed (GDBusConnection *bus, const gchar *sender, const gchar *path, const gchar *interface,
            const gchar *signal, GVariant *parameters, gpointer user_data)
{
  Watch *watch = user_data;
  const gchar *event = NULL, *name = NULL, *fullchain = NULL, *key = NULL;
  g_autoptr(GVariant) details = NULL;
  g_autoptr(GError) error = NULL;
  gint status = 0;

  g_variant_get (parameters, "(&o&s@a{sv})", NULL, &event, &details);
  g_variant_lookup (details, "name", "&s", &name);
  if (g_strcmp0 (name, watch->name) != 0 || (!g_str_equal (event, "renewed") && !g_str_equal (event, "replaced")))
    return;
  g_variant_lookup (details, "fullchain-path", "&s", &fullchain);
  g_variant_lookup (details, "key-path", "&s", &key);
  /* the files are in place when the signal comes: reload now */
  g_print ("%s %s (%s, %s): reloading\n", name, event, fullchain, key);
  if (!g_spawn_sync (NULL, watch->command, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error))
    g_printerr ("cannot run %s: %s\n", watch->command[0], error->message);
  else if (!g_spawn_check_wait_status (status, &error))
    g_printerr ("%s: %s\n", watch->command[0], error->message);
}

int
main (int argc, char **argv)
{
  gboolean session = argc > 1 && g_str_equal (argv[1], "--session");
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  Watch watch;

  if (session) {
    argv++;
    argc--;
  }
  if (argc < 3) {
    g_printerr ("usage: reload-on-renew [--session] NAME COMMAND…\n");
    return 2;
  }
  watch.name = argv[1];
  watch.command = argv + 2;
  bus = g_bus_get_sync (session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus == NULL) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  g_dbus_connection_signal_subscribe (bus, "org.certward.Certward1", "org.certward.Manager1", "CertificateChanged",
                                      "/org/certward/Certward1", NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_changed, &watch,
                                      NULL);
  g_main_loop_run (loop);
  return 0;
}
