/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SIGHUP (systemctl reload): the real certwardd reads its configuration
 * and the integrations again without a restart; a bad file is reported and
 * the configuration in use stays; what an administrator set over D-Bus
 * stays. tests/system/test-system.sh does the same through systemctl.
 */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static const gint64 t0 = 1800000000;   /* 2027-01-15 */

static gchar *
config_text (const gchar *integrations, guint check_interval, guint warning_days)
{
  return g_strdup_printf ("[renewal]\ncheck-interval=%u\n[certificates]\nexpiry-warning-days=%u\n"
                          "[actions]\nintegration-dir=%s\n", check_interval, warning_days, integrations);
}

static void
hup (CwTestDaemon *daemon)
{
  g_assert_cmpint (kill (atoi (g_subprocess_get_identifier (daemon->process)), SIGHUP), ==, 0);
}

typedef struct {
  CwDBusManager1 *manager;
  guint64         want;
} NextCheck;

static gboolean
next_check_is (gpointer data)
{
  NextCheck *n = data;

  return cw_dbus_manager1_get_next_check (n->manager) == n->want;
}

static gboolean
has_integration (CwDBusManager1 *manager, const gchar *want)
{
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GError) error = NULL;

  cw_dbus_manager1_call_get_integrations_sync (manager, &list, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < g_variant_n_children (list); i++) {
    const gchar *name = NULL;

    g_variant_get_child (list, i, "(&s&s@a{sv})", &name, NULL, NULL);
    if (g_str_equal (name, want))
      return TRUE;
  }
  return FALSE;
}

static void
test_reload (void)
{
  g_autofree gchar *dir = cw_test_mkdtemp ();
  g_autofree gchar *integrations = g_build_filename (dir, "integrations", NULL);
  g_autofree gchar *later = g_build_filename (integrations, "later.conf", NULL);
  g_autofree gchar *text = NULL;
  g_autoptr(CwTestDaemon) daemon = NULL;
  g_autoptr(CwDBusManager1) manager = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) set = NULL;
  const gchar *pid = NULL;
  NextCheck n = { NULL, 0 };

  g_assert_cmpint (g_mkdir (integrations, 0755), ==, 0);
  text = config_text (integrations, 86400, 60);
  daemon = cw_test_daemon_new_with_clock (text, t0);
  daemon->log = g_build_filename (dir, "daemon.log", NULL);
  cw_test_daemon_start (daemon);
  pid = g_subprocess_get_identifier (daemon->process);
  manager = cw_test_manager ();
  /* the first start checks at once: the next check is a day later */
  n.manager = manager;
  n.want = t0 + 86400;
  g_assert_true (cw_test_wait_until (next_check_is, &n, 10));
  g_assert_false (has_integration (manager, "later"));
  /* what an administrator sets over D-Bus outlives a reload */
  set = g_dbus_proxy_call_sync (G_DBUS_PROXY (manager), "org.freedesktop.DBus.Properties.Set",
                                g_variant_new ("(ssv)", "org.certward.Manager1", "ExpiryWarningDays",
                                               g_variant_new_uint32 (90)),
                                G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_nonnull (set);
  g_assert_no_error (error);

  /* a new check interval and a new integration */
  g_free (text);
  text = config_text (integrations, 3600, 45);
  g_assert_true (g_file_set_contents (daemon->config, text, -1, NULL));
  g_assert_true (g_file_set_contents (later, "[Integration]\nDescription=added later\n[Reload]\nUnits=later.service\n",
                                      -1, NULL));
  hup (daemon);
  n.want = t0 + 3600;
  g_assert_true (cw_test_wait_until (next_check_is, &n, 10));
  g_assert_true (cw_test_daemon_wait_log (daemon, "configuration reloaded from", 10));
  g_assert_true (has_integration (manager, "later"));
  g_assert_cmpuint (cw_dbus_manager1_get_expiry_warning_days (manager), ==, 90);
  /* the same process: nothing was restarted */
  g_assert_cmpstr (g_subprocess_get_identifier (daemon->process), ==, pid);

  /* a bad file: reported, and the configuration in use stays */
  g_assert_true (g_file_set_contents (daemon->config, "[renewal]\ncheck-interval=soon\n", -1, NULL));
  g_unlink (later);
  hup (daemon);
  g_assert_true (cw_test_daemon_wait_log (daemon, "configuration not reloaded, the one in use stays", 10));
  g_assert_true (cw_test_daemon_wait_log (daemon, "check-interval", 10));
  cw_test_settle ();
  g_assert_cmpuint (cw_dbus_manager1_get_next_check (manager), ==, t0 + 3600);
  g_assert_true (has_integration (manager, "later"));
  g_assert_cmpstr (g_subprocess_get_identifier (daemon->process), ==, pid);

  cw_test_daemon_stop (daemon);
  cw_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  cw_test_bus_up ();
  g_test_add_func ("/reload/sighup", test_reload);
  {
    int status = g_test_run ();

    cw_test_bus_down ();
    return status;
  }
}
