/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cw-test-daemon.h"
#include "cw-test-util.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

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

void
cw_test_settle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
cw_test_wait_until (gboolean (*done) (gpointer data), gpointer data, guint seconds)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (seconds, timed_out, &expired);
  /* @done may watch something outside the main loop (a file, a port): look
   * again every 50 ms, not only when an event comes */
  guint tick = g_timeout_add (50, wake, NULL);

  while (!done (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  g_source_remove (tick);
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
cw_test_daemon_new_with_clock (const gchar *config_text, gint64 now)
{
  CwTestDaemon *daemon = cw_test_daemon_new (config_text);

  daemon->test_clock = now;
  return daemon;
}

CwTestDaemon *
cw_test_daemon_new (const gchar *config_text)
{
  CwTestDaemon *daemon = g_new0 (CwTestDaemon, 1);

  daemon->test_clock = -1;
  daemon->state_dir = cw_test_mkdtemp ();
  daemon->config = g_build_filename (daemon->state_dir, "certward.conf", NULL);
  g_assert_true (g_file_set_contents (daemon->config, config_text != NULL ? config_text : "", -1, NULL));
  return daemon;
}

typedef struct {
  gchar *before;   /* who owned the name before the start: a daemon just
                    * stopped or killed that the bus has not seen go yet */
  gchar *owner;
} NameWait;

static void
name_appeared (GDBusConnection *c, const gchar *name, const gchar *owner, gpointer user_data)
{
  NameWait *w = user_data;

  g_free (w->owner);
  w->owner = g_strdup (owner);
}

static void
name_vanished (GDBusConnection *c, const gchar *name, gpointer user_data)
{
  NameWait *w = user_data;

  g_clear_pointer (&w->owner, g_free);
}

static gboolean
new_owner (gpointer data)
{
  NameWait *w = data;

  return w->owner != NULL && g_strcmp0 (w->owner, w->before) != 0;
}

void
cw_test_daemon_start (CwTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  NameWait w = { NULL, NULL };
  guint watch;

  g_assert_null (daemon->process);
  reply = g_dbus_connection_call_sync (cw_test_bus (), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetNameOwner",
                                       g_variant_new ("(s)", "org.certward.Certward1"), G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(s)", &w.before);
  watch = g_bus_watch_name_on_connection (cw_test_bus (), "org.certward.Certward1", G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          name_appeared, name_vanished, &w, NULL);
  {
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
    g_autofree gchar *clock = g_strdup_printf ("--test-clock=%" G_GINT64_FORMAT, daemon->test_clock);

    if (daemon->log != NULL) {
      int fd = open (daemon->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

      g_assert_cmpint (fd, >=, 0);
      g_subprocess_launcher_take_stdout_fd (launcher, dup (fd));
      g_subprocess_launcher_take_stderr_fd (launcher, fd);
    }
    daemon->process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CERTWARDD"), "--session",
                                                   "--state-dir", daemon->state_dir, "--config", daemon->config,
                                                   daemon->test_clock >= 0 ? clock : NULL, NULL);
  }
  g_assert_no_error (error);
  /* the new daemon's name, not the old one's the bus still lists */
  if (!cw_test_wait_until (new_owner, &w, 20))
    g_error ("certwardd did not take its bus name within 20 s");
  g_bus_unwatch_name (watch);
  g_free (w.before);
  g_free (w.owner);
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
  g_free (daemon->log);
  g_free (daemon->config);
  g_free (daemon);
}

gchar *
cw_test_daemon_log (CwTestDaemon *daemon)
{
  gchar *text = NULL;

  g_assert_nonnull (daemon->log);
  if (!g_file_get_contents (daemon->log, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

typedef struct {
  CwTestDaemon *daemon;
  const gchar  *text;
} LogWait;

static gboolean
log_contains (gpointer data)
{
  LogWait *wait = data;
  g_autofree gchar *log = cw_test_daemon_log (wait->daemon);

  return strstr (log, wait->text) != NULL;
}

gboolean
cw_test_daemon_wait_log (CwTestDaemon *daemon, const gchar *text, guint seconds)
{
  LogWait wait = { daemon, text };

  return cw_test_wait_until (log_contains, &wait, seconds);
}

void
cw_test_set_time (gint64 now)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (cw_test_bus (), "org.certward.Certward1",
                                                           "/org/certward/Certward1", "org.certward.Testing1",
                                                           "SetTime", g_variant_new ("(t)", (guint64) now), NULL,
                                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
}

GVariant *
cw_test_options (const gchar *first, ...)
{
  GVariantBuilder b;
  va_list args;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  va_start (args, first);
  for (const gchar *key = first; key != NULL; key = va_arg (args, const gchar *))
    g_variant_builder_add (&b, "{sv}", key, va_arg (args, GVariant *));
  va_end (args);
  return g_variant_builder_end (&b);
}

GVariant *
cw_test_fixture_ay (const gchar *name)
{
  g_autoptr(GBytes) bytes = cw_test_fixture (name);

  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

void
cw_test_assert_remote_error (const GError *error, const gchar *name, const gchar *substring)
{
  g_autofree gchar *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (remote, name) != 0)
    g_error ("expected %s, got %s: %s", name, remote, error->message);
  if (strstr (error->message, substring) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, substring);
}

/* ---- CertificateChanged ------------------------------------------------- */

static void
on_certificate_changed (GDBusConnection *c, const gchar *sender, const gchar *path, const gchar *iface,
                        const gchar *member, GVariant *params, gpointer user_data)
{
  CwTestEvents *events = user_data;
  const gchar *event = NULL, *name = NULL;
  g_autoptr(GVariant) details = NULL;

  g_variant_get (params, "(&o&s@a{sv})", NULL, &event, &details);
  g_variant_lookup (details, "name", "&s", &name);
  g_ptr_array_add (events->list, g_strdup_printf ("%s %s", event, name));
}

CwTestEvents *
cw_test_events_new (void)
{
  CwTestEvents *events = g_new0 (CwTestEvents, 1);

  events->list = g_ptr_array_new_with_free_func (g_free);
  events->subscription = g_dbus_connection_signal_subscribe (cw_test_bus (), "org.certward.Certward1",
                                                             "org.certward.Manager1", "CertificateChanged",
                                                             "/org/certward/Certward1", NULL,
                                                             G_DBUS_SIGNAL_FLAGS_NONE, on_certificate_changed,
                                                             events, NULL);
  return events;
}

void
cw_test_events_free (CwTestEvents *events)
{
  if (events == NULL)
    return;
  g_dbus_connection_signal_unsubscribe (cw_test_bus (), events->subscription);
  g_ptr_array_unref (events->list);
  g_free (events);
}

typedef struct {
  CwTestEvents *events;
  const gchar  *name;
  gint          index;
} Outcome;

static gboolean
find_outcome (gpointer data)
{
  Outcome *o = data;

  for (guint i = 0; i < o->events->list->len; i++) {
    const gchar *e = g_ptr_array_index (o->events->list, i);
    const gchar *space = strchr (e, ' ');

    if (g_str_equal (space + 1, o->name) &&
        (g_str_has_prefix (e, "added ") || g_str_has_prefix (e, "renewed ") || g_str_has_prefix (e, "failed "))) {
      o->index = i;
      return TRUE;
    }
  }
  return FALSE;
}

gchar *
cw_test_events_wait_outcome (CwTestEvents *events, const gchar *name, guint seconds)
{
  Outcome o = { events, name, -1 };
  const gchar *e;
  gchar *event;

  if (!cw_test_wait_until (find_outcome, &o, seconds))
    g_error ("no outcome for the order of %s within %u s", name, seconds);
  e = g_ptr_array_index (events->list, o.index);
  event = g_strndup (e, strchr (e, ' ') - e);
  g_ptr_array_remove_index (events->list, o.index);
  return event;
}
