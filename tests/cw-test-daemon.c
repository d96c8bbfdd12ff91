/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cw-test-daemon.h"
#include "cw-test-util.h"

#include <signal.h>

static GTestDBus *test_bus;
static GDBusConnection *connection;

void
cw_test_bus_up (void)
{
  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);
}

void
cw_test_bus_down (void)
{
  if (connection != NULL) {
    g_dbus_connection_close_sync (connection, NULL, NULL);
    g_clear_object (&connection);
  }
  g_test_dbus_down (test_bus);
  g_clear_object (&test_bus);
}

GDBusConnection *
cw_test_bus (void)
{
  if (connection == NULL) {
    g_autoptr(GError) error = NULL;

    connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                         NULL, NULL, &error);
    g_assert_no_error (error);
  }
  return connection;
}

static gboolean
timed_out (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
cw_test_wait_until (gboolean (*done) (gpointer data), gpointer data, guint seconds)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (seconds, timed_out, &expired);

  while (!done (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return done (data);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

gboolean
cw_test_wait_timeout (gboolean *flag, guint seconds)
{
  return cw_test_wait_until (flag_set, flag, seconds);
}

CwTestDaemon *
cw_test_daemon_new (const gchar *config_text)
{
  CwTestDaemon *daemon = g_new0 (CwTestDaemon, 1);

  daemon->state_dir = cw_test_mkdtemp ();
  daemon->config = g_build_filename (daemon->state_dir, "certward.conf", NULL);
  g_assert_true (g_file_set_contents (daemon->config, config_text != NULL ? config_text : "", -1, NULL));
  return daemon;
}

static void
name_appeared (GDBusConnection *c, const gchar *name, const gchar *owner, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

void
cw_test_daemon_start (CwTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  gboolean up = FALSE;
  guint watch;

  g_assert_null (daemon->process);
  watch = g_bus_watch_name_on_connection (cw_test_bus (), "org.certward.Certward1", G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          name_appeared, NULL, &up, NULL);
  daemon->process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("CERTWARDD"), "--session",
                                      "--state-dir", daemon->state_dir, "--config", daemon->config, NULL);
  g_assert_no_error (error);
  if (!cw_test_wait_timeout (&up, 20))
    g_error ("certwardd did not take its bus name within 20 s");
  g_bus_unwatch_name (watch);
}

static void
wait_exit (CwTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (daemon->process, NULL, &error);
  g_assert_no_error (error);
}

void
cw_test_daemon_stop (CwTestDaemon *daemon)
{
  g_assert_nonnull (daemon->process);
  g_subprocess_send_signal (daemon->process, SIGTERM);
  wait_exit (daemon);
  g_assert_true (g_subprocess_get_if_exited (daemon->process));
  g_assert_cmpint (g_subprocess_get_exit_status (daemon->process), ==, 0);
  g_clear_object (&daemon->process);
}

void
cw_test_daemon_kill (CwTestDaemon *daemon)
{
  g_assert_nonnull (daemon->process);
  g_subprocess_force_exit (daemon->process);
  wait_exit (daemon);
  g_clear_object (&daemon->process);
}

void
cw_test_daemon_free (CwTestDaemon *daemon)
{
  if (daemon == NULL)
    return;
  if (daemon->process != NULL)
    cw_test_daemon_kill (daemon);
  cw_test_rmdir (daemon->state_dir);
  g_free (daemon->state_dir);
  g_free (daemon->config);
  g_free (daemon);
}
