/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/find-load SECONDS N: calls Manager1.FindForName on the session
 * bus for SECONDS, keeping 64 calls in flight, for names t00000 … t(N-1)
 * (as bench/populate makes them), or Peer.Ping with "ping" (the round trip
 * without any work, for comparison). Prints the calls answered, the
 * errors, the seconds and its own CPU seconds. Not installed.
 */
#include <gio/gio.h>
#include <sys/resource.h>

#define IN_FLIGHT 64

typedef struct {
  GDBusConnection *bus;
  guint            n;
  guint64          calls, errors;
  gint64           until;
  guint            outstanding;
  gboolean         ping;
} Load;

static void call_one (Load *load);

static void
answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Load *load = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  load->outstanding--;
  if (reply == NULL)
    load->errors++;
  else
    load->calls++;
  if (g_get_monotonic_time () < load->until)
    call_one (load);
}

static void
call_one (Load *load)
{
  g_autofree gchar *name = g_strdup_printf ("t%05u.example.test", g_random_int_range (0, (gint32) load->n));

  load->outstanding++;
  if (load->ping) {
    /* the baseline: a round trip through the bus that the agent answers
     * without looking at anything (GDBus does, on its own thread) */
    g_dbus_connection_call (load->bus, "org.certward.Certward1", "/org/certward/Certward1",
                            "org.freedesktop.DBus.Peer", "Ping", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                            answered, load);
    return;
  }
  g_dbus_connection_call (load->bus, "org.certward.Certward1", "/org/certward/Certward1", "org.certward.Manager1",
                          "FindForName", g_variant_new ("(ss)", name, "server"), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, answered, load);
}

int
main (int argc, char **argv)
{
  Load load = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 start;
  gdouble seconds;
  struct rusage usage;

  if (argc != 3 && !(argc == 4 && g_str_equal (argv[3], "ping"))) {
    g_printerr ("usage: find-load SECONDS N [ping]\n");
    return 2;
  }
  load.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (load.bus == NULL) {
    g_printerr ("find-load: %s\n", error->message);
    return 1;
  }
  load.ping = argc == 4;
  load.n = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  start = g_get_monotonic_time ();
  load.until = start + (gint64) g_ascii_strtoull (argv[1], NULL, 10) * G_USEC_PER_SEC;
  for (guint i = 0; i < IN_FLIGHT; i++)
    call_one (&load);
  while (load.outstanding > 0)
    g_main_context_iteration (NULL, TRUE);
  seconds = (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
  getrusage (RUSAGE_SELF, &usage);
  g_print ("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %.3f %.3f\n", load.calls, load.errors, seconds,
           usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);
  return load.errors > 0 ? 1 : 0;
}
