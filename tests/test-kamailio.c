/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The last mile proven with real software (issue 17): a certificate from a
 * real Pebble is delivered through the shipped kamailio integration (its
 * files, its group, its kamcmd tls.reload run as user kamailio) to a real
 * Kamailio running as user kamailio; a SIP OPTIONS over TLS is answered
 * with that certificate; a forced renewal is presented to new connections
 * as soon as CertificateChanged arrives, by the same Kamailio process, and
 * a connection opened before the renewal goes on working.
 *
 * Ports 24520-24529 (Pebble) and 24530 (Kamailio).
 */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-kamailio.h"
#include "cw-test-pebble.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PEBBLE_BASE 24520
#define SIP_PORT 24530
#define ISSUE_TIMEOUT 120

/* The shipped integration, its directory moved into the test's: what it
 * delivers and how it reloads stay what a PBX gets. */
static void
copy_integration (const gchar *tls_dir, const gchar *integrations)
{
  g_autofree gchar *source = g_build_filename (g_getenv ("CW_SOURCE_DIR"), "data", "integrations", "kamailio.conf",
                                               NULL);
  g_autofree gchar *text = NULL, *moved = NULL, *target = g_build_filename (integrations, "kamailio.conf", NULL);
  g_auto(GStrv) parts = NULL;

  g_assert_true (g_file_get_contents (source, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "Commands=/usr/sbin/kamcmd tls.reload"));
  g_assert_nonnull (strstr (text, "User=kamailio"));
  parts = g_strsplit (text, "/etc/kamailio/tls", -1);
  moved = g_strjoinv (tls_dir, parts);
  g_assert_true (g_file_set_contents (target, moved, -1, NULL));
}

static gboolean
seen_event (CwTestEvents *events, const gchar *event)
{
  for (guint i = 0; i < events->list->len; i++)
    if (g_str_equal (g_ptr_array_index (events->list, i), event))
      return TRUE;
  return FALSE;
}

typedef struct {
  CwTestEvents *events;
  const gchar  *event;
} Wait;

static gboolean
event_arrived (gpointer data)
{
  Wait *w = data;

  return seen_event (w->events, w->event);
}

static void
test_kamailio (void)
{
  g_autofree gchar *why = NULL;
  g_autoptr(CwTestPebble) pebble = NULL;
  g_autoptr(CwTestDaemon) daemon = NULL;
  g_autoptr(CwTestEvents) events = NULL;
  g_autoptr(CwDBusManager1) manager = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(CwTestKamailio) kamailio = NULL;
  g_autoptr(CwTestSipTls) before = NULL, after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = NULL, *tls_dir = NULL, *integrations = NULL, *config = NULL, *path = NULL;
  g_autofree gchar *crt = NULL, *key = NULL, *status = NULL, *old_fp = NULL, *event = NULL;
  const gchar *ids[] = { "sip.example.test", NULL };
  const gchar *names[] = { "kamailio", NULL };
  struct stat st;
  gint pid;

  if (!cw_test_kamailio_available (&why)) {
    g_test_skip (why);
    return;
  }
  dir = cw_test_mkdtemp ();
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  /* as the integration's comment says to make it */
  tls_dir = g_build_filename (dir, "tls", NULL);
  g_assert_cmpint (g_mkdir (tls_dir, 0750), ==, 0);
  g_assert_cmpint (chown (tls_dir, 0, getgrnam ("kamailio")->gr_gid), ==, 0);
  integrations = g_build_filename (dir, "integrations", NULL);
  g_assert_cmpint (g_mkdir (integrations, 0755), ==, 0);
  copy_integration (tls_dir, integrations);

  pebble = cw_test_pebble_start (PEBBLE_BASE, NULL);
  config = g_strdup_printf ("[acme]\ndirectory=%s\nca-file=%s\ncontact=admin@example.test\n"
                            "[http-01]\naddress=127.0.0.1\nport=%u\n[actions]\nintegration-dir=%s\n",
                            pebble->directory, pebble->ca_file, pebble->http_port, integrations);
  daemon = cw_test_daemon_new (config);
  g_assert_cmpint (g_chmod (daemon->state_dir, 0755), ==, 0);
  cw_test_daemon_connect (daemon, &manager, &events);

  /* one setting: this certificate, for Kamailio */
  cw_dbus_manager1_call_request_sync (manager, "sip", ids,
                                      cw_test_options ("integrations", g_variant_new_strv (names, -1), NULL),
                                      &path, NULL, &error);
  g_assert_no_error (error);
  event = cw_test_events_wait_outcome (events, "sip", ISSUE_TIMEOUT);
  g_assert_cmpstr (event, ==, "added");
  cert = cw_test_certificate (path);
  crt = g_build_filename (tls_dir, "sip.pem", NULL);
  key = g_build_filename (tls_dir, "sip.key", NULL);
  g_assert_cmpint (stat (key, &st), ==, 0);
  g_assert_cmpuint (st.st_gid, ==, getgrnam ("kamailio")->gr_gid);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0640);

  kamailio = cw_test_kamailio_start (SIP_PORT, crt, key);
  pid = cw_test_kamailio_pid (kamailio);
  before = cw_test_sip_tls_connect (SIP_PORT);
  g_assert_nonnull (before);
  status = cw_test_sip_tls_options (before);
  g_assert_cmpstr (status, ==, "SIP/2.0 200 OK");
  g_clear_pointer (&status, g_free);
  g_assert_cmpstr (before->fingerprint, ==, cw_dbus_certificate1_get_fingerprint (cert));
  old_fp = g_strdup (before->fingerprint);

  /* a renewal: Kamailio presents it to the next connection as soon as the
   * agent says it is there (the reload ran before the signal) */
  g_ptr_array_set_size (events->list, 0);
  cw_dbus_certificate1_call_renew_sync (cert, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL,
                                        &error);
  g_assert_no_error (error);
  {
    Wait w = { events, "renewed sip" };

    g_assert_true (cw_test_wait_until (event_arrived, &w, ISSUE_TIMEOUT));
  }
  after = cw_test_sip_tls_connect (SIP_PORT);
  g_assert_nonnull (after);
  cw_test_certificate_reload (&cert);
  g_assert_cmpstr (after->fingerprint, !=, old_fp);
  g_assert_cmpstr (after->fingerprint, ==, cw_dbus_certificate1_get_fingerprint (cert));
  status = cw_test_sip_tls_options (after);
  g_assert_cmpstr (status, ==, "SIP/2.0 200 OK");
  g_clear_pointer (&status, g_free);
  /* no restart: the same process, and the old connection still works */
  g_assert_cmpint (cw_test_kamailio_pid (kamailio), ==, pid);
  g_assert_cmpint (kill (pid, 0), ==, 0);
  status = cw_test_sip_tls_options (before);
  g_assert_cmpstr (status, ==, "SIP/2.0 200 OK");
  /* what was done, in LastActions */
  {
    g_autofree gchar *all = g_strjoinv ("\n", (gchar **) cw_dbus_certificate1_get_last_actions (cert));

    g_test_message ("%s", all);
    g_assert_nonnull (strstr (all, "command kamailio: /usr/sbin/kamcmd tls.reload: done"));
    g_assert_nonnull (strstr (all, ": written"));
  }
  g_clear_pointer (&kamailio, cw_test_kamailio_stop);
  cw_test_daemon_stop (daemon);
  cw_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  cw_test_bus_up ();
  g_test_add_func ("/kamailio/deliver-and-reload", test_kamailio);
  {
    int status = g_test_run ();

    cw_test_bus_down ();
    return status;
  }
}
