/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/reload-latency's measuring program (built with the tests, which it
 * shares the real-Kamailio helpers with): a certificate delivered to a
 * real Kamailio through the kamailio integration is renewed N times; each
 * time, the clock runs from the moment the agent publishes the new
 * revision (PropertiesChanged of Revision, right after "current" moved)
 * until a new TLS connection to Kamailio is handed the new certificate.
 * Prints one line per renewal and the median and maximum.
 */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-kamailio.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#define SIP_PORT 24560

typedef struct {
  guint   revision;
  gchar  *fingerprint;
  gint64  at;
} Seen;

static void
on_properties (GDBusConnection *c, const gchar *sender, const gchar *path, const gchar *iface, const gchar *member,
               GVariant *params, gpointer user_data)
{
  Seen *seen = user_data;
  g_autoptr(GVariant) changed = NULL;
  guint revision;

  g_variant_get (params, "(&s@a{sv}@as)", NULL, &changed, NULL);
  if (g_variant_lookup (changed, "Revision", "u", &revision) && revision > seen->revision) {
    seen->at = g_get_monotonic_time ();
    seen->revision = revision;
    g_clear_pointer (&seen->fingerprint, g_free);
    g_variant_lookup (changed, "Fingerprint", "s", &seen->fingerprint);
  }
}

static gint
compare (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 20;
  g_autofree gchar *why = NULL, *dir = NULL, *tls_dir = NULL, *integrations = NULL, *text = NULL, *moved = NULL;
  g_autofree gchar *conf = NULL, *config = NULL, *path = NULL, *crt = NULL, *key = NULL, *source = NULL;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_auto(GStrv) parts = NULL;
  const gchar *ids[] = { "sip.example.test", NULL };
  const gchar *names[] = { "kamailio", NULL };
  CwTestDaemon *daemon;
  CwDBusManager1 *manager;
  CwDBusCertificate1 *cert;
  CwTestKamailio *kamailio;
  GError *error = NULL;
  Seen seen = { 0 };
  guint sub;

  cw_test_init (&argc, &argv);
  if (!cw_test_kamailio_available (&why)) {
    g_printerr ("reload-latency: %s\n", why);
    return 77;
  }
  cw_test_bus_up ();
  dir = cw_test_mkdtemp ();
  g_chmod (dir, 0755);
  tls_dir = g_build_filename (dir, "tls", NULL);
  g_mkdir (tls_dir, 0750);
  g_assert_cmpint (chown (tls_dir, 0, getgrnam ("kamailio")->gr_gid), ==, 0);
  integrations = g_build_filename (dir, "integrations", NULL);
  g_mkdir (integrations, 0755);
  source = g_build_filename (g_getenv ("CW_SOURCE_DIR"), "data", "integrations", "kamailio.conf", NULL);
  g_assert_true (g_file_get_contents (source, &text, NULL, NULL));
  parts = g_strsplit (text, "/etc/kamailio/tls", -1);
  moved = g_strjoinv (tls_dir, parts);
  conf = g_build_filename (integrations, "kamailio.conf", NULL);
  g_assert_true (g_file_set_contents (conf, moved, -1, NULL));
  config = g_strdup_printf ("[actions]\nintegration-dir=%s\n", integrations);
  daemon = cw_test_daemon_new (config);
  g_chmod (daemon->state_dir, 0755);
  cw_test_daemon_start (daemon);
  manager = cw_test_manager ();
  cw_dbus_manager1_call_create_self_signed_sync (manager, "sip",
                                                 cw_test_options ("identities", g_variant_new_strv (ids, -1),
                                                                  "integrations", g_variant_new_strv (names, -1), NULL),
                                                 &path, NULL, &error);
  g_assert_no_error (error);
  cert = cw_test_certificate (path);
  crt = g_build_filename (tls_dir, "sip.pem", NULL);
  key = g_build_filename (tls_dir, "sip.key", NULL);
  for (guint i = 0; i < 200 && !g_file_test (key, G_FILE_TEST_EXISTS); i++)
    g_usleep (10 * 1000);
  kamailio = cw_test_kamailio_start (SIP_PORT, crt, key);
  seen.revision = cw_dbus_certificate1_get_revision (cert);
  sub = g_dbus_connection_signal_subscribe (cw_test_bus (), "org.certward.Certward1", "org.freedesktop.DBus.Properties",
                                            "PropertiesChanged", path, "org.certward.Certificate1",
                                            G_DBUS_SIGNAL_FLAGS_NONE, on_properties, &seen, NULL);
  for (guint i = 0; i < n; i++) {
    guint before = seen.revision;
    gint64 latency;
    guint tries = 0;

    cw_dbus_certificate1_call_renew (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL, NULL,
                                     NULL);
    while (seen.revision == before)
      g_main_context_iteration (NULL, TRUE);
    for (;;) {
      g_autoptr(CwTestSipTls) sip = cw_test_sip_tls_connect (SIP_PORT);

      tries++;
      if (sip != NULL && g_strcmp0 (sip->fingerprint, seen.fingerprint) == 0)
        break;
      /* something broke (the delivery, the reload): say so, do not spin */
      if (g_get_monotonic_time () - seen.at > 30 * G_USEC_PER_SEC) {
        g_autofree gchar *actions = g_strjoinv ("\n  ", (gchar **) cw_dbus_certificate1_get_last_actions (cert));

        g_printerr ("reload-latency: Kamailio still presents the old certificate 30 s after revision %u; "
                    "the last actions:\n  %s\n", seen.revision, actions);
        cw_test_kamailio_stop (kamailio);
        cw_test_daemon_stop (daemon);
        return 1;
      }
    }
    latency = g_get_monotonic_time () - seen.at;
    g_array_append_val (latencies, latency);
    g_print ("renewal %2u: %6.1f ms (%u connections)\n", i + 1, latency / 1000.0, tries);
    /* let the agent settle: the next renewal is a new batch */
    while (g_main_context_iteration (NULL, FALSE));
    g_usleep (200 * 1000);
  }
  g_dbus_connection_signal_unsubscribe (cw_test_bus (), sub);
  g_array_sort (latencies, compare);
  g_print ("reload latency over %u renewals: median %.1f ms, max %.1f ms (target: median < 100 ms)\n", n,
           g_array_index (latencies, gint64, n / 2) / 1000.0, g_array_index (latencies, gint64, n - 1) / 1000.0);
  cw_test_kamailio_stop (kamailio);
  g_object_unref (cert);
  g_object_unref (manager);
  cw_test_daemon_stop (daemon);
  cw_test_daemon_free (daemon);
  cw_test_rmdir (dir);
  cw_test_bus_down ();
  return 0;
}
