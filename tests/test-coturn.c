/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A second real server from Debian (issue 17): coturn, running as user
 * turnserver, gets its certificate through the shipped coturn integration
 * and re-reads it on SIGUSR2 sent by the integration's command (pkill, run
 * as turnserver: no capability needed); its TURN-over-TLS port presents
 * the renewed certificate with the same process. Port 24540.
 */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-kamailio.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#define TLS_PORT 24540

static gboolean
seen_renewed (gpointer data)
{
  CwTestEvents *events = data;

  for (guint i = 0; i < events->list->len; i++)
    if (g_str_equal (g_ptr_array_index (events->list, i), "renewed turn"))
      return TRUE;
  return FALSE;
}

static gboolean
reloaded_once (gpointer data)
{
  CwDBusCertificate1 *cert = data;
  const gchar *const *lines = cw_dbus_certificate1_get_last_actions (cert);

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    if (strstr (lines[i], "command turnserver") != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
presents (gpointer data)
{
  g_autoptr(CwTestSipTls) tls = cw_test_sip_tls_connect (TLS_PORT);

  return tls != NULL;
}

static void
test_coturn (void)
{
  g_autofree gchar *dir = NULL, *tls_dir = NULL, *integrations = NULL, *config = NULL, *source = NULL;
  g_autofree gchar *text = NULL, *moved = NULL, *conf = NULL, *path = NULL, *crt = NULL, *key = NULL, *old = NULL;
  g_autoptr(CwTestDaemon) daemon = NULL;
  g_autoptr(CwTestEvents) events = NULL;
  g_autoptr(CwDBusManager1) manager = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GSubprocess) turn = NULL;
  g_autofree gchar *turn_log = NULL, *run_dir = NULL, *turn_db = NULL, *turn_pid = NULL, *shell = NULL;
  g_autoptr(CwTestSipTls) before = NULL, after = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;
  const gchar *ids[] = { "turn.example.test", NULL };
  const gchar *names[] = { "coturn", NULL };
  gint pid;

  if (geteuid () != 0 || !g_file_test ("/usr/bin/turnserver", G_FILE_TEST_IS_EXECUTABLE) ||
      getpwnam ("turnserver") == NULL) {
    g_test_skip ("needs root and coturn (apt-get install coturn)");
    return;
  }
  if (cw_test_run ("pgrep -x turnserver", NULL) == 0) {
    g_test_skip ("a turnserver already runs here, and the integration signals every one of them");
    return;
  }
  dir = cw_test_mkdtemp ();
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  tls_dir = g_build_filename (dir, "tls", NULL);
  g_assert_cmpint (g_mkdir (tls_dir, 0750), ==, 0);
  g_assert_cmpint (chown (tls_dir, 0, getgrnam ("turnserver")->gr_gid), ==, 0);
  integrations = g_build_filename (dir, "integrations", NULL);
  g_assert_cmpint (g_mkdir (integrations, 0755), ==, 0);
  source = g_build_filename (g_getenv ("CW_SOURCE_DIR"), "data", "integrations", "coturn.conf", NULL);
  g_assert_true (g_file_get_contents (source, &text, NULL, NULL));
  parts = g_strsplit (text, "/etc/coturn/tls", -1);
  moved = g_strjoinv (tls_dir, parts);
  conf = g_build_filename (integrations, "coturn.conf", NULL);
  g_assert_true (g_file_set_contents (conf, moved, -1, NULL));

  config = g_strdup_printf ("[actions]\nintegration-dir=%s\n", integrations);
  daemon = cw_test_daemon_new (config);
  g_assert_cmpint (g_chmod (daemon->state_dir, 0755), ==, 0);
  cw_test_daemon_connect (daemon, &manager, &events);
  cw_dbus_manager1_call_create_self_signed_sync (manager, "turn",
                                                 cw_test_options ("identities", g_variant_new_strv (ids, -1),
                                                                  "integrations", g_variant_new_strv (names, -1), NULL),
                                                 &path, NULL, &error);
  g_assert_no_error (error);
  cert = cw_test_certificate (path);
  crt = g_build_filename (tls_dir, "turn.pem", NULL);
  key = g_build_filename (tls_dir, "turn.key", NULL);
  /* the files are in place and the first delivery's reload has run (it
   * signals every turnserver: one starting now would die of SIGUSR2
   * before it installs its handler) */
  g_assert_true (cw_test_wait_until (reloaded_once, cert, 20));
  g_assert_true (g_file_test (key, G_FILE_TEST_EXISTS));

  /* as its unit runs it: user turnserver */
  /* its own database and pid file: the defaults are shared by every
   * turnserver on the machine (and unwritable for its user) */
  turn_log = g_build_filename (dir, "turnserver.log", NULL);
  run_dir = g_build_filename (dir, "run", NULL);
  g_assert_cmpint (g_mkdir (run_dir, 0700), ==, 0);
  g_assert_cmpint (chown (run_dir, getpwnam ("turnserver")->pw_uid, getgrnam ("turnserver")->gr_gid), ==, 0);
  turn_db = g_build_filename (run_dir, "turndb", NULL);
  turn_pid = g_build_filename (run_dir, "turnserver.pid", NULL);
  /* the shell redirects (a launcher with a file path forks this threaded
   * process and may deadlock in the child); exec keeps one pid */
  shell = g_strdup_printf ("exec setpriv --reuid=turnserver --regid=turnserver --init-groups /usr/bin/turnserver -n "
                           "--no-cli --listening-ip=127.0.0.1 --tls-listening-port=%u --no-udp --no-tcp --no-dtls "
                           "--cert '%s' --pkey '%s' --log-file=stdout --userdb '%s' --pidfile '%s' >'%s' 2>&1",
                           TLS_PORT, crt, key, turn_db, turn_pid, turn_log);
  turn = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "/bin/sh", "-c", shell, NULL);
  g_assert_no_error (error);
  /* a loaded machine may take a while to start it */
  if (!cw_test_wait_until (presents, NULL, 60)) {
    g_autofree gchar *said = NULL;

    g_file_get_contents (turn_log, &said, NULL, NULL);
    g_test_message ("turnserver said:\n%s", said != NULL ? said : "(nothing)");
    g_test_fail ();
    g_subprocess_force_exit (turn);
    g_subprocess_wait (turn, NULL, NULL);
    cw_test_daemon_stop (daemon);
    return;
  }
  pid = (gint) g_ascii_strtoll (g_subprocess_get_identifier (turn), NULL, 10);
  before = cw_test_sip_tls_connect (TLS_PORT);
  g_assert_cmpstr (before->fingerprint, ==, cw_dbus_certificate1_get_fingerprint (cert));
  old = g_strdup (before->fingerprint);

  g_ptr_array_set_size (events->list, 0);
  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL,
                                        &error);
  g_assert_no_error (error);
  g_assert_true (cw_test_wait_until (seen_renewed, events, 20));
  /* SIGUSR2 is handled by coturn's own loop: the reload may finish just
   * after the signal was sent */
  for (guint i = 0; i < 50; i++) {
    g_clear_pointer (&after, cw_test_sip_tls_close);
    after = cw_test_sip_tls_connect (TLS_PORT);
    if (after != NULL && g_strcmp0 (after->fingerprint, old) != 0)
      break;
    g_usleep (100 * 1000);
  }
  cw_test_certificate_reload (&cert);
  g_assert_nonnull (after);
  g_assert_cmpstr (after->fingerprint, ==, cw_dbus_certificate1_get_fingerprint (cert));
  g_assert_cmpint (kill (pid, 0), ==, 0);
  {
    g_autofree gchar *all = g_strjoinv ("\n", (gchar **) cw_dbus_certificate1_get_last_actions (cert));

    g_test_message ("%s", all);
    g_assert_nonnull (strstr (all, "command turnserver: /usr/bin/pkill -USR2 -x turnserver: done"));
  }
  g_subprocess_send_signal (turn, SIGTERM);
  g_subprocess_wait (turn, NULL, NULL);
  cw_test_daemon_stop (daemon);
  cw_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  cw_test_bus_up ();
  g_test_add_func ("/coturn/deliver-and-reload", test_coturn);
  {
    int status = g_test_run ();

    cw_test_bus_down ();
    return status;
  }
}
