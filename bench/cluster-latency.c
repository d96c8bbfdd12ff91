/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/cluster-latency BUS_A BUS_B BUS_C COUNT: renews COUNT certificates
 * on node A (Certificate1.Renew with force; bench/populate's names
 * t00000.example.test, …) one after the other and prints, for
 * nodes B and C, the time from the call to the CertificateChanged of that
 * certificate on their own bus: the moment its files are written there and
 * its reload actions done. One line per node: median and maximum in ms.
 * For bench/cluster. Not installed.
 */
#include <gio/gio.h>
#include <stdlib.h>

typedef struct {
  const gchar *want;       /* object path awaited */
  gint64       seen[2];    /* monotonic µs, 0: not yet */
} Wait;

static void
on_changed (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *iface,
            const gchar *signal, GVariant *parameters, gpointer user_data)
{
  Wait *wait = user_data;
  const gchar *cert = NULL;
  gint node = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (connection), "node"));

  g_variant_get (parameters, "(&o&s@a{sv})", &cert, NULL, NULL);
  if (wait->want != NULL && g_str_equal (cert, wait->want) && wait->seen[node] == 0)
    wait->seen[node] = g_get_monotonic_time ();
}

static GDBusConnection *
connect_bus (const gchar *address)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_dbus_connection_new_for_address_sync (
    address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL,
    NULL, &error);

  if (bus == NULL)
    g_error ("%s: %s", address, error->message);
  return bus;
}

static int
compare (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  g_autoptr(GDBusConnection) a = NULL, b = NULL, c = NULL;
  g_autoptr(GArray) lat_b = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) lat_c = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *lat[2] = { lat_b, lat_c };
  Wait wait = { 0 };
  guint count;

  if (argc != 5) {
    g_printerr ("usage: cluster-latency BUS_A BUS_B BUS_C COUNT\n");
    return 2;
  }
  a = connect_bus (argv[1]);
  b = connect_bus (argv[2]);
  c = connect_bus (argv[3]);
  count = (guint) g_ascii_strtoull (argv[4], NULL, 10);
  g_object_set_data (G_OBJECT (b), "node", GINT_TO_POINTER (0));
  g_object_set_data (G_OBJECT (c), "node", GINT_TO_POINTER (1));
  for (guint n = 0; n < 2; n++) {
    g_dbus_connection_signal_subscribe (n == 0 ? b : c, "org.certward.Certward1", "org.certward.Manager1",
                                        "CertificateChanged", "/org/certward/Certward1", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_changed, &wait, NULL);
  }
  for (guint i = 0; i < count; i++) {
    /* bench/populate's names */
    g_autofree gchar *name = g_strdup_printf ("t%05u.example.test", i);
    g_autofree gchar *path = NULL;
    g_autoptr(GVariant) found = NULL, reply = NULL;
    g_autoptr(GError) error = NULL;
    GVariantBuilder options;
    gint64 start;

    found = g_dbus_connection_call_sync (a, "org.certward.Certward1", "/org/certward/Certward1",
                                         "org.certward.Manager1", "FindForName", g_variant_new ("(ss)", name, ""),
                                         G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    if (found == NULL)
      g_error ("%s: %s", name, error->message);
    g_variant_get (found, "(o)", &path);
    wait.want = path;
    wait.seen[0] = wait.seen[1] = 0;
    g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&options, "{sv}", "force", g_variant_new_boolean (TRUE));
    start = g_get_monotonic_time ();
    reply = g_dbus_connection_call_sync (a, "org.certward.Certward1", path, "org.certward.Certificate1", "Renew",
                                         g_variant_new ("(a{sv})", &options), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                                         NULL, &error);
    if (reply == NULL)
      g_error ("renew %s: %s", name, error->message);
    while (wait.seen[0] == 0 || wait.seen[1] == 0)
      g_main_context_iteration (NULL, TRUE);
    for (guint n = 0; n < 2; n++) {
      gdouble ms = (wait.seen[n] - start) / 1000.0;

      g_array_append_val (lat[n], ms);
    }
  }
  for (guint n = 0; n < 2; n++) {
    g_array_sort (lat[n], compare);
    g_print ("node %c: %u changes, median %.1f ms, max %.1f ms\n", n == 0 ? 'B' : 'C', lat[n]->len,
             g_array_index (lat[n], gdouble, lat[n]->len / 2), g_array_index (lat[n], gdouble, lat[n]->len - 1));
  }
  return 0;
}
