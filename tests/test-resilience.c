/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the agent must survive (issue 10): text that is not UTF-8 in what
 * outsiders send, and stored objects that are damaged. The real certwardd
 * on a private bus; each test checks that it stays up, publishes only
 * valid text, and starts again with whatever is on disk.
 */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

#define BUS_NAME "org.certward.Certward1"
#define MANAGER_PATH "/org/certward/Certward1"

static const guint8 bad_bytes[] = { 0xff, 0xfe, 0xc3, 0x28, 0xa0 };

/* leaf.pem with five bytes of its issuer's CN ("Certward Test Intermediate")
 * replaced by bytes that are no UTF-8; the DER stays well-formed (same
 * lengths), only the signature no longer holds, which an import of a leaf
 * whose issuer is absent does not check. */
static GBytes *
leaf_with_bad_issuer (void)
{
  g_autoptr(GBytes) der = cw_test_fixture ("leaf.der");
  gsize len = 0;
  guint8 *data = g_memdup2 (g_bytes_get_data (der, &len), g_bytes_get_size (der));
  static const gchar issuer[] = "Certward Test Intermediate";
  guint8 *at = memmem (data, len, issuer, strlen (issuer));

  /* the issuer comes before the subject in a TBSCertificate */
  g_assert_nonnull (at);
  memcpy (at + strlen ("Certward "), bad_bytes, sizeof bad_bytes);
  return g_bytes_new_take (data, len);
}

static GVariant *
bytes_ay (GBytes *bytes)
{
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

static gchar *
import_bad_leaf (CwDBusManager1 *manager, const gchar *name, GError **error)
{
  g_autoptr(GBytes) leaf = leaf_with_bad_issuer ();
  g_autoptr(GBytes) key = cw_test_fixture ("leaf.key");
  GVariantBuilder files;
  gchar *path = NULL;

  g_variant_builder_init (&files, G_VARIANT_TYPE ("aay"));
  g_variant_builder_add_value (&files, bytes_ay (leaf));
  g_variant_builder_add_value (&files, bytes_ay (key));
  cw_dbus_manager1_call_import_sync (manager,
                                     cw_test_options ("name", g_variant_new_string (name),
                                                      "files", g_variant_builder_end (&files), NULL),
                                     &path, NULL, error);
  return path;
}

static void
assert_valid_strv (const gchar * const *strv)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    g_assert_true (g_utf8_validate (strv[i], -1, NULL));
}

/* GetManagedObjects must answer: one bad string in it would fail the whole
 * reply. Every string in it is valid UTF-8 by construction of GVariant. */
static guint
count_managed_objects (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (cw_test_bus (), BUS_NAME, MANAGER_PATH,
                                                           "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                                           NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_autoptr(GVariant) objects = NULL;

  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  return (guint) g_variant_n_children (objects);
}

/* Issue 10, crash 1: a certificate whose issuer is not UTF-8 crashed the
 * daemon on import, and again at every start. */
static void
test_bad_issuer (void)
{
  g_autoptr(CwTestDaemon) daemon = cw_test_daemon_new (NULL);
  g_autoptr(CwDBusManager1) manager = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *issuer = NULL;
  guint objects;

  cw_test_daemon_start (daemon);
  manager = cw_test_manager ();
  path = import_bad_leaf (manager, "bad-issuer", &error);
  g_assert_no_error (error);

  cert = cw_test_certificate (path);
  issuer = cw_dbus_certificate1_dup_issuer (cert);
  g_assert_true (g_utf8_validate (issuer, -1, NULL));
  /* RFC 4514 hex pairs for each byte that is not text */
  g_assert_nonnull (strstr (issuer, "CN=Certward \\FF\\FE\\C3(\\A0Intermediate"));
  assert_valid_strv (cw_dbus_certificate1_get_warnings (cert));
  g_assert_nonnull (cw_dbus_certificate1_get_warnings (cert)[0]);
  g_assert_nonnull (strstr (cw_dbus_certificate1_get_warnings (cert)[0], "\\FF\\FE"));
  objects = count_managed_objects ();

  /* the certificate is stored now: the next start must not crash either */
  cw_test_daemon_stop (daemon);
  cw_test_daemon_start (daemon);
  g_clear_object (&cert);
  cert = cw_test_certificate (path);
  g_assert_cmpstr (cw_dbus_certificate1_get_issuer (cert), ==, issuer);
  g_assert_cmpuint (count_managed_objects (), ==, objects);
  cw_test_daemon_stop (daemon);
}

static void
write_file (const gchar *dir, const gchar *name, const gchar *data, gssize len)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

/* One damaged object of every kind the agent stores: it starts anyway,
 * reports each, and serves the rest. */
static void
test_bad_stored_objects (void)
{
  g_autoptr(CwTestDaemon) daemon = cw_test_daemon_new (NULL);
  g_autoptr(CwDBusManager1) manager = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *good = NULL, *bad = NULL, *log = NULL;
  g_autofree gchar *certs = g_build_filename (daemon->state_dir, "certificates", NULL);
  g_autofree gchar *bad_dir = NULL, *rev_dir = NULL, *dir = NULL;
  g_auto(GStrv) paths = NULL;
  static const gchar not_utf8[] = "name=\xff\xfe\n";

  daemon->log = g_build_filename (daemon->state_dir, "daemon.log", NULL);
  cw_test_daemon_start (daemon);
  manager = cw_test_manager ();
  good = import_bad_leaf (manager, "good", &error);
  g_assert_no_error (error);
  bad = import_bad_leaf (manager, "damaged", &error);
  g_assert_no_error (error);
  g_clear_object (&manager);
  cw_test_daemon_stop (daemon);

  /* a certificate whose settings name it with bytes that are no text, and
   * a revision whose cached description is no text either */
  bad_dir = g_build_filename (certs, "damaged", NULL);
  write_file (bad_dir, "settings.ini", "[certificate]\nname=\xff\xfe\n", -1);
  dir = g_build_filename (certs, "cached", NULL);
  rev_dir = g_build_filename (certs, "good", "current", NULL);
  {
    g_autofree gchar *copy = g_strdup_printf ("cp -a '%s/good' '%s/cached' && "
                                              "sed -i 's/^name=.*/name=cached/' '%s/settings.ini' && "
                                              "sed -i 's/^subject=.*/subject=CN=\\xff\\xfe/' '%s'/rev-*/revision.ini",
                                              certs, certs, dir, dir);

    g_assert_cmpint (cw_test_run (copy, NULL), ==, 0);
  }
  /* a directory whose name is no text */
  {
    g_autofree gchar *no_text = g_build_filename (certs, "bad\xff", NULL);

    g_assert_cmpint (g_mkdir (no_text, 0700), ==, 0);
  }
  /* the other files the agent keeps */
  write_file (daemon->state_dir, "manager.ini", not_utf8, -1);
  write_file (daemon->state_dir, "scheduler.ini", "\xff\xfe garbage", -1);
  {
    g_autofree gchar *accounts = g_build_filename (daemon->state_dir, "accounts", "broken", NULL);
    g_autofree gchar *providers = g_build_filename (daemon->state_dir, "providers", NULL);
    g_autofree gchar *trust = g_build_filename (daemon->state_dir, "trust", NULL);

    write_file (accounts, "account.ini", not_utf8, -1);
    write_file (providers, "broken.ini", "[provider]\nname=\xff\n", -1);
    write_file (providers, "records.ini", "\xff\xfe", -1);
    write_file (trust, "trust.ini", "[trust]\nremoved=\xff\n", -1);
    write_file (trust, "added.pem", "-----BEGIN CERTIFICATE-----\n\xff\xfe\n-----END CERTIFICATE-----\n", -1);
  }

  cw_test_daemon_start (daemon);
  manager = cw_test_manager ();
  cw_dbus_manager1_call_get_certificates_sync (manager, &paths, NULL, &error);
  g_assert_no_error (error);
  /* good, cached and the host's own; the damaged one is reported */
  g_assert_true (g_strv_contains ((const gchar * const *) paths, good));
  g_assert_true (g_strv_contains ((const gchar * const *) paths, MANAGER_PATH "/certificate/cached"));
  g_assert_false (g_strv_contains ((const gchar * const *) paths, bad));
  {
    g_autoptr(CwDBusCertificate1) cached = cw_test_certificate (MANAGER_PATH "/certificate/cached");

    /* the cache was not text: the certificate itself was read again */
    g_assert_nonnull (strstr (cw_dbus_certificate1_get_subject (cached), "www.example.test"));
  }
  count_managed_objects ();
  cw_test_daemon_stop (daemon);

  log = cw_test_daemon_log (daemon);
  g_assert_true (g_utf8_validate (log, -1, NULL));
  g_assert_nonnull (strstr (log, "damaged"));
  g_assert_nonnull (strstr (log, "bad\\xFF"));
  g_assert_nonnull (strstr (log, "manager.ini"));
  g_assert_nonnull (strstr (log, "scheduler.ini"));
  g_assert_nonnull (strstr (log, "accounts/broken"));
  g_assert_nonnull (strstr (log, "providers/broken.ini"));
  g_assert_nonnull (strstr (log, "records.ini"));
  g_assert_nonnull (strstr (log, "added.pem"));
}

static gchar **
many_names (guint n)
{
  gchar **names = g_new0 (gchar *, n + 1);

  for (guint i = 0; i < n; i++)
    names[i] = g_strdup_printf ("host%u.example.test", i);
  return names;
}

/* Issue 10, item 3: 10,000 identities got no reply within 120 s. What no
 * CA accepts is refused at once; what CAs accept is quick. */
static void
test_many_identities (void)
{
  g_autoptr(CwTestDaemon) daemon = cw_test_daemon_new (NULL);
  g_autoptr(CwDBusManager1) manager = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lots = many_names (10000);
  g_auto(GStrv) just_over = many_names (101);
  g_auto(GStrv) most = many_names (100);
  g_autofree gchar *path = NULL;

  cw_test_daemon_start (daemon);
  manager = cw_test_manager ();

  cw_dbus_manager1_call_request_sync (manager, "lots", (const gchar * const *) lots, cw_test_options (NULL),
                                      &path, NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "at most 100 identities (10000 given)");
  g_clear_error (&error);

  cw_dbus_manager1_call_create_self_signed_sync (manager, "over",
                                                 cw_test_options ("identities", g_variant_new_strv ((const gchar * const *) just_over, -1), NULL),
                                                 &path, NULL, &error);
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "at most 100");
  g_clear_error (&error);

  cw_dbus_manager1_call_create_self_signed_sync (manager, "most",
                                                 cw_test_options ("identities", g_variant_new_strv ((const gchar * const *) most, -1), NULL),
                                                 &path, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(CwDBusCertificate1) cert = cw_test_certificate (path);

    g_assert_cmpuint (g_strv_length ((gchar **) cw_dbus_certificate1_get_identities (cert)), ==, 100);
  }
  cw_test_daemon_stop (daemon);
}

static guint
count_events (CwTestEvents *events, const gchar *event)
{
  guint n = 0;

  for (guint i = 0; i < events->list->len; i++)
    if (g_str_equal (g_ptr_array_index (events->list, i), event))
      n++;
  return n;
}

/* Restarts the daemon with its test clock at @now; returns once every
 * announcement of the start has arrived: they are emitted when the name is
 * acquired, before any call is answered. */
static void
restart_at (CwTestDaemon *daemon, gint64 now)
{
  g_autoptr(CwDBusManager1) manager = NULL;
  g_auto(GStrv) paths = NULL;
  g_autoptr(GError) error = NULL;

  if (daemon->process != NULL)
    cw_test_daemon_stop (daemon);
  daemon->test_clock = now;
  cw_test_daemon_start (daemon);
  manager = cw_test_manager ();
  cw_dbus_manager1_call_get_certificates_sync (manager, &paths, NULL, &error);
  g_assert_no_error (error);
  cw_test_settle ();
}

/* A certificate that turned expiring or expired while the agent was
 * stopped is announced once, after the agent is on the bus, and never again. */
static void
test_events_across_restart (void)
{
  const gint64 t0 = 1800000000;   /* 2027-01-15 */
  const gint64 day = 24 * 3600;
  g_autoptr(CwTestDaemon) daemon = cw_test_daemon_new_with_clock (NULL, t0);
  g_autoptr(CwTestEvents) events = cw_test_events_new ();
  g_autoptr(CwDBusManager1) manager = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  const gchar *ids[] = { "soon.example.test", NULL };

  cw_test_daemon_start (daemon);
  manager = cw_test_manager ();
  cw_dbus_manager1_call_create_self_signed_sync (manager, "soon",
                                                 cw_test_options ("identities", g_variant_new_strv (ids, -1),
                                                                  "days", g_variant_new_uint32 (100), NULL),
                                                 &path, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&manager);

  /* 50 days later (the warning comes 60 days before the end) */
  restart_at (daemon, t0 + 50 * day);
  g_assert_cmpuint (count_events (events, "expiring soon"), ==, 1);
  {
    g_autoptr(CwDBusCertificate1) cert = cw_test_certificate (path);

    g_assert_cmpstr (cw_dbus_certificate1_get_state (cert), ==, "expiring");
  }
  /* a restart does not repeat it */
  restart_at (daemon, t0 + 51 * day);
  g_assert_cmpuint (count_events (events, "expiring soon"), ==, 1);
  /* past the end while stopped */
  restart_at (daemon, t0 + 101 * day);
  g_assert_cmpuint (count_events (events, "expired soon"), ==, 1);
  restart_at (daemon, t0 + 102 * day);
  g_assert_cmpuint (count_events (events, "expired soon"), ==, 1);
  g_assert_cmpuint (count_events (events, "expiring soon"), ==, 1);
  cw_test_daemon_stop (daemon);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  cw_test_bus_up ();
  g_test_add_func ("/resilience/bad-issuer", test_bad_issuer);
  g_test_add_func ("/resilience/bad-stored-objects", test_bad_stored_objects);
  g_test_add_func ("/resilience/many-identities", test_many_identities);
  g_test_add_func ("/resilience/events-across-restart", test_events_across_restart);
  {
    int status = g_test_run ();

    cw_test_bus_down ();
    return status;
  }
}
