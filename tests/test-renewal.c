/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The renewal engine through the real certwardd with its test clock: local
 * certificates renewing themselves at two thirds of their life, reload
 * actions (a fake systemd1 on the test bus, a deploy hook) coalesced over
 * one check, exactly one event per change, the daily check after a restart
 * and after a jump of the clock, backoff doubling after failures, and a
 * certificate that fails until it expires. */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>

#define BUS_NAME "org.certward.Certward1"
#define MANAGER_PATH "/org/certward/Certward1"
#define DAY (24 * 3600)

/* org.freedesktop.systemd1 as the agent sees it: the calls it received */
static GPtrArray *reloads;
static guint systemd_name, systemd_object;

static void
systemd_call (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *interface,
              const gchar *method, GVariant *parameters, GDBusMethodInvocation *invocation, gpointer user_data)
{
  const gchar *unit = NULL, *mode = NULL;

  g_variant_get (parameters, "(&s&s)", &unit, &mode);
  g_ptr_array_add (reloads, g_strdup_printf ("%s %s %s", method, unit, mode));
  if (g_str_equal (unit, "broken.service"))
    g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.systemd1.NoSuchUnit",
                                                "Unit broken.service not found.");
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", "/org/freedesktop/systemd1/job/1"));
}

static gboolean systemd_owned;

static void
systemd_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
fake_systemd_up (void)
{
  static const gchar xml[] =
    "<node><interface name='org.freedesktop.systemd1.Manager'>"
    "<method name='ReloadOrRestartUnit'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='o' direction='out'/></method></interface></node>";
  static const GDBusInterfaceVTable vtable = { systemd_call, NULL, NULL, { NULL } };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (xml, NULL);
  g_autoptr(GError) error = NULL;

  reloads = g_ptr_array_new_with_free_func (g_free);
  systemd_object = g_dbus_connection_register_object (cw_test_bus (), "/org/freedesktop/systemd1", info->interfaces[0],
                                                      &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  systemd_name = g_bus_own_name_on_connection (cw_test_bus (), "org.freedesktop.systemd1", G_BUS_NAME_OWNER_FLAGS_NONE,
                                               systemd_acquired, NULL, &systemd_owned, NULL);
  /* owned before any test can make the agent reload */
  if (!cw_test_wait_timeout (&systemd_owned, 10))
    g_error ("could not own org.freedesktop.systemd1 on the test bus");
}

typedef struct {
  CwTestDaemon   *daemon;
  CwDBusManager1 *manager;
  CwTestEvents   *events;
  gint64          now;
  gchar          *hook;
  gchar          *hook_log;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  const gchar *extra = data;
  g_autofree gchar *config = NULL, *script = NULL;

  f->now = g_get_real_time () / G_USEC_PER_SEC;
  config = g_strdup_printf ("[renewal]\njitter=0\nretry-min=600\nretry-max=3600\n%s", extra != NULL ? extra : "");
  f->daemon = cw_test_daemon_new_with_clock (config, f->now);
  f->hook = g_build_filename (f->daemon->state_dir, "hook.sh", NULL);
  f->hook_log = g_build_filename (f->daemon->state_dir, "hook.log", NULL);
  script = g_strdup_printf ("#!/bin/sh\necho \"$CERTWARD_EVENT|$CERTWARD_NAMES|$CERTWARD_FULLCHAIN\" >> '%s'\n", f->hook_log);
  g_assert_true (g_file_set_contents (f->hook, script, -1, NULL));
  g_assert_cmpint (g_chmod (f->hook, 0755), ==, 0);
  g_ptr_array_set_size (reloads, 0);
  cw_test_daemon_connect (f->daemon, &f->manager, &f->events);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  cw_test_daemon_finish (&f->daemon, &f->manager, &f->events);
  g_free (f->hook);
  g_free (f->hook_log);
}

static void
move_clock (Fixture *f, gint64 seconds)
{
  f->now += seconds;
  cw_test_set_time (f->now);
}

static CwDBusCertificate1 *
self_signed (Fixture *f, const gchar *name, GVariant *extra_options)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const gchar *ids[] = { name, NULL };
  g_autofree gchar *path = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const gchar *key;
  GVariant *value;

  g_variant_builder_add (&b, "{sv}", "identities", g_variant_new_strv (ids, -1));
  g_variant_builder_add (&b, "{sv}", "days", g_variant_new_uint32 (90));
  if (extra_options != NULL) {
    g_variant_ref_sink (extra_options);
    g_variant_iter_init (&iter, extra_options);
    while (g_variant_iter_next (&iter, "{&sv}", &key, &value)) {
      g_variant_builder_add (&b, "{sv}", key, value);
      g_variant_unref (value);
    }
    g_variant_unref (extra_options);
  }
  cw_dbus_manager1_call_create_self_signed_sync (f->manager, name, g_variant_builder_end (&b), &path, NULL, &error);
  g_assert_no_error (error);
  return cw_test_certificate (path);
}

static guint
count_events (Fixture *f, const gchar *event_and_name)
{
  guint n = 0;

  for (guint i = 0; i < f->events->list->len; i++)
    n += g_str_equal (g_ptr_array_index (f->events->list, i), event_and_name);
  return n;
}

typedef struct {
  Fixture     *f;
  const gchar *event;
} Expect;

static gboolean
event_seen (gpointer data)
{
  Expect *e = data;

  return count_events (e->f, e->event) > 0;
}

/* Waits (briefly) for "event name" to have arrived. */
static void
wait_event (Fixture *f, const gchar *event)
{
  Expect e = { f, event };

  if (!cw_test_wait_until (event_seen, &e, 20))
    g_error ("no “%s” event", event);
}

static gboolean
reloaded (gpointer data)
{
  return reloads->len > 0;
}

static gboolean
two_hook_lines (gpointer data)
{
  const gchar *path = data;
  g_autofree gchar *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  return g_strv_length (lines) >= 3 && reloads->len >= 2;
}

static gboolean
hook_lines (gpointer data)
{
  const gchar *path = data;
  g_autofree gchar *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strchr (text, '\n') != NULL;
}

/* Two local certificates that renew themselves share a unit and a hook:
 * each renews at two thirds of its life, the unit is reloaded once and the
 * hook runs once for both. */
static void
test_auto_renew_and_actions (Fixture *f, gconstpointer data)
{
  const gchar *units[] = { "pbx.service", NULL };
  const gchar *hooks[] = { f->hook, NULL };
  g_autoptr(CwDBusCertificate1) a = NULL, b = NULL, plain = NULL;
  g_autofree gchar *fingerprint = NULL, *log = NULL;
  g_auto(GStrv) lines = NULL;
  guint64 next;

  a = self_signed (f, "a.example.test",
                   cw_test_options ("auto-renew", g_variant_new_boolean (TRUE), "reload-units",
                                    g_variant_new_strv (units, -1), "deploy-hooks", g_variant_new_strv (hooks, -1), NULL));
  b = self_signed (f, "b.example.test",
                   cw_test_options ("auto-renew", g_variant_new_boolean (TRUE), "reload-units",
                                    g_variant_new_strv (units, -1), "deploy-hooks", g_variant_new_strv (hooks, -1), NULL));
  plain = self_signed (f, "plain.example.test", NULL);
  cw_test_settle ();
  g_assert_true (cw_dbus_certificate1_get_auto_renew (a));
  g_assert_true (g_strv_equal (cw_dbus_certificate1_get_reload_units (a), units));
  /* due at two thirds of 90 days; a certificate without auto-renew never */
  next = cw_dbus_certificate1_get_next_renewal (a);
  g_assert_cmpint (llabs ((gint64) next - (gint64) (cw_dbus_certificate1_get_not_after (a) - 30 * DAY)), <=, 600);
  g_assert_cmpuint (cw_dbus_certificate1_get_next_renewal (plain), ==, 0);
  fingerprint = g_strdup (cw_dbus_certificate1_get_fingerprint (a));
  /* actions take effect when they are set: each new certificate was
   * delivered at once, one at a time */
  g_assert_true (cw_test_wait_until (two_hook_lines, f->hook_log, 20));
  g_assert_true (g_file_get_contents (f->hook_log, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "added|a.example.test|"));
  g_assert_nonnull (strstr (log, "added|b.example.test|"));
  g_clear_pointer (&log, g_free);
  g_assert_cmpuint (reloads->len, ==, 2);
  g_unlink (f->hook_log);
  g_ptr_array_set_size (reloads, 0);
  g_ptr_array_set_size (f->events->list, 0);

  /* the day before: nothing */
  move_clock (f, 59 * DAY);
  cw_test_settle ();
  g_assert_cmpuint (count_events (f, "renewed a.example.test"), ==, 0);
  /* past it: both renew in one check */
  move_clock (f, 2 * DAY);
  g_assert_true (cw_test_wait_until (hook_lines, f->hook_log, 20));
  /* the events go out once the hook and the unit are done */
  wait_event (f, "renewed a.example.test");
  wait_event (f, "renewed b.example.test");
  g_assert_true (cw_test_wait_until (reloaded, NULL, 20));
  cw_test_settle ();
  g_assert_cmpuint (count_events (f, "renewed a.example.test"), ==, 1);
  g_assert_cmpuint (count_events (f, "renewed b.example.test"), ==, 1);
  g_assert_cmpuint (count_events (f, "renewed plain.example.test"), ==, 0);
  g_assert_cmpuint (reloads->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (reloads, 0), ==, "ReloadOrRestartUnit pbx.service replace");
  g_assert_true (g_file_get_contents (f->hook_log, &log, NULL, NULL));
  g_test_message ("hook: %s", log);
  /* one run for the batch, naming both */
  lines = g_strsplit (log, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2 + 1);
  g_assert_nonnull (strstr (log, "a.example.test"));
  g_assert_nonnull (strstr (log, "b.example.test"));
  g_clear_object (&a);
  a = cw_test_certificate (MANAGER_PATH "/certificate/a_example_test");
  g_assert_cmpstr (cw_dbus_certificate1_get_fingerprint (a), !=, fingerprint);
  g_assert_cmpuint (cw_dbus_certificate1_get_next_renewal (a), >, (guint64) f->now + 50 * DAY);
  g_assert_nonnull (cw_dbus_certificate1_get_last_actions (a)[0]);
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_actions (a)[0], "done"));
}

static gboolean
two_last_actions (gpointer data)
{
  CwDBusCertificate1 *cert = data;
  g_autoptr(CwDBusCertificate1) fresh = cw_test_certificate (g_dbus_proxy_get_object_path (G_DBUS_PROXY (cert)));
  const gchar *const *lines = cw_dbus_certificate1_get_last_actions (fresh);

  return lines != NULL && g_strv_length ((gchar **) lines) == 2;
}

/* A failing unit is reported and does not stop the hook. */
static void
test_failing_action (Fixture *f, gconstpointer data)
{
  const gchar *units[] = { "broken.service", NULL };
  const gchar *hooks[] = { f->hook, NULL };
  g_autoptr(CwDBusCertificate1) c = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  const gchar *const *lines;

  c = self_signed (f, "c.example.test",
                   cw_test_options ("reload-units", g_variant_new_strv (units, -1), "deploy-hooks",
                                    g_variant_new_strv (hooks, -1), NULL));
  /* delivered when made: both actions reported */
  g_assert_true (cw_test_wait_until (two_last_actions, c, 10));
  g_unlink (f->hook_log);
  /* an administrator's reissue deploys like a renewal */
  cw_dbus_certificate1_call_renew_sync (c, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cw_test_wait_until (hook_lines, f->hook_log, 10));
  g_assert_true (cw_test_wait_until (two_last_actions, c, 10));
  g_clear_object (&c);
  c = cw_test_certificate (MANAGER_PATH "/certificate/c_example_test");
  lines = cw_dbus_certificate1_get_last_actions (c);
  g_assert_nonnull (strstr (lines[0], "broken.service") != NULL ? lines[0] : lines[1]);
  g_assert_true (strstr (lines[0], "not found") != NULL || strstr (lines[1], "not found") != NULL);
  g_assert_true (strstr (lines[0], "done") != NULL || strstr (lines[1], "done") != NULL);

  /* bad actions are refused with the reason */
  {
    const gchar *bad_units[] = { "not a unit", NULL };

    g_assert_false (cw_dbus_manager1_call_create_self_signed_sync (
        f->manager, "d", cw_test_options ("identities", g_variant_new_strv ((const gchar *[]) { "d.example.test", NULL }, -1),
                                          "reload-units", g_variant_new_strv (bad_units, -1), NULL),
        &path, NULL, &error));
    cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "systemd unit name");
  }
}

/* LastCheck survives a restart; a check missed while stopped runs at once,
 * and a jump of the clock (a suspend) runs the one that came due. */
static void
test_daily_check (Fixture *f, gconstpointer data)
{
  guint64 last;

  cw_test_settle ();
  last = cw_dbus_manager1_get_last_check (f->manager);
  g_assert_cmpuint (last, ==, (guint64) f->now);
  g_assert_cmpuint (cw_dbus_manager1_get_next_check (f->manager), ==, (guint64) f->now + DAY);
  g_assert_cmpuint (cw_dbus_manager1_get_check_interval (f->manager), ==, DAY);

  /* restarted an hour later: no check yet */
  cw_test_daemon_disconnect (&f->manager, &f->events);
  cw_test_daemon_stop (f->daemon);
  f->now += 3600;
  f->daemon->test_clock = f->now;
  cw_test_daemon_connect (f->daemon, &f->manager, &f->events);
  g_assert_cmpuint (cw_dbus_manager1_get_last_check (f->manager), ==, last);

  /* stopped for two days: the check runs right after start */
  cw_test_daemon_disconnect (&f->manager, &f->events);
  cw_test_daemon_stop (f->daemon);
  f->now += 2 * DAY;
  f->daemon->test_clock = f->now;
  cw_test_daemon_connect (f->daemon, &f->manager, &f->events);
  g_assert_cmpuint (cw_dbus_manager1_get_last_check (f->manager), ==, (guint64) f->now);

  /* a suspend: the clock jumps past NextCheck, the check runs */
  move_clock (f, DAY + 60);
  cw_test_settle ();
  g_assert_cmpuint (cw_dbus_manager1_get_last_check (f->manager), ==, (guint64) f->now);
}

/* An ACME certificate whose CA is unreachable: retried with backoff
 * doubling (600 s, 1200 s, then capped at 3600 s), never in between. */
static void
test_backoff (Fixture *f, gconstpointer data)
{
  const gchar *ids[] = { "nowhere.example.test", NULL };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *path = NULL, *event = NULL;
  g_autoptr(GError) error = NULL;
  const gint64 waits[] = { 600, 1200, 2400, 3600, 3600 };

  cw_dbus_manager1_call_request_sync (f->manager, "nowhere", ids,
                                      cw_test_options ("directory", g_variant_new_string ("https://127.0.0.1:24399/dir"),
                                                       NULL), &path, NULL, &error);
  g_assert_no_error (error);
  event = cw_test_events_wait_outcome (f->events, "nowhere", 30);
  g_assert_cmpstr (event, ==, "failed");
  for (guint i = 0; i < G_N_ELEMENTS (waits); i++) {
    g_autofree gchar *again = NULL;

    g_clear_object (&cert);
    cw_test_settle ();
    cert = cw_test_certificate (path);
    g_test_message ("failure %u: next attempt at +%" G_GINT64_FORMAT " s", i + 1,
                    (gint64) cw_dbus_certificate1_get_next_renewal (cert) - f->now);
    g_assert_cmpint ((gint64) cw_dbus_certificate1_get_next_renewal (cert), ==, f->now + waits[i]);
    g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "failed");
    /* a minute before: nothing */
    move_clock (f, waits[i] - 60);
    cw_test_settle ();
    g_assert_false (g_ptr_array_find_with_equal_func (f->events->list, "failed nowhere", g_str_equal, NULL));
    move_clock (f, 60);
    again = cw_test_events_wait_outcome (f->events, "nowhere", 30);
    g_assert_cmpstr (again, ==, "failed");
  }
}

/* A local certificate whose CA is gone cannot renew: failed, retried, and
 * expired with its event when the day comes. */
static void
test_fails_until_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(CwDBusCertificate1) ca = NULL, leaf = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *ca_path = NULL;

  ca = self_signed (f, "lab-CA", cw_test_options ("ca", g_variant_new_boolean (TRUE), NULL));
  ca_path = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (ca)));
  leaf = self_signed (f, "lab.example.test",
                      cw_test_options ("issuer", g_variant_new_object_path (ca_path), "auto-renew",
                                       g_variant_new_boolean (TRUE), NULL));
  cw_dbus_certificate1_call_remove_sync (ca, cw_test_options ("force", g_variant_new_boolean (TRUE), NULL), NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_set_size (f->events->list, 0);

  move_clock (f, 61 * DAY);
  wait_event (f, "failed lab.example.test");
  g_clear_object (&leaf);
  leaf = cw_test_certificate (MANAGER_PATH "/certificate/lab_example_test");
  g_assert_cmpstr (cw_dbus_certificate1_get_state (leaf), ==, "failed");
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_last_error (leaf), "is gone"));

  move_clock (f, 30 * DAY);
  wait_event (f, "expired lab.example.test");
  g_clear_object (&leaf);
  leaf = cw_test_certificate (MANAGER_PATH "/certificate/lab_example_test");
  g_assert_cmpstr (cw_dbus_certificate1_get_state (leaf), ==, "expired");
  g_assert_cmpuint (count_events (f, "expired lab.example.test"), ==, 1);
}

int
main (int argc, char **argv)
{
  int status;

  cw_test_init (&argc, &argv);
  cw_test_bus_up ();
  fake_systemd_up ();
  g_test_add ("/renewal/auto-renew-and-actions", Fixture, NULL, setup, test_auto_renew_and_actions, teardown);
  g_test_add ("/renewal/failing-action", Fixture, NULL, setup, test_failing_action, teardown);
  g_test_add ("/renewal/daily-check", Fixture, NULL, setup, test_daily_check, teardown);
  g_test_add ("/renewal/backoff", Fixture, NULL, setup, test_backoff, teardown);
  g_test_add ("/renewal/fails-until-expiry", Fixture, NULL, setup, test_fails_until_expiry, teardown);
  status = g_test_run ();
  cw_test_bus_down ();
  return status;
}
