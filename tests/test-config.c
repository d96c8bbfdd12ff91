/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration file: defaults, values, unknown keys reported, bad
 * values refused with the file, group and key named. */
#include "cw-config.h"
#include "cw-error.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>

static gchar *
write_config (const gchar *text)
{
  g_autoptr(GError) error = NULL;
  gchar *path = NULL;
  int fd = g_file_open_tmp ("certward-XXXXXX.conf", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_defaults (void)
{
  g_autoptr(CwConfig) config = cw_config_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CwConfig) missing = cw_config_load ("/nonexistent/certward.conf", FALSE, NULL, &error);

  g_assert_cmpint (cw_config_get_int (config, "store", "keep-revisions"), ==, 3);
  g_assert_cmpint (cw_config_get_int (config, "certificates", "expiry-warning-days"), ==, 60);
  g_assert_cmpstr (cw_config_get_string (config, "acme", "directory"), ==,
                   "https://acme-v02.api.letsencrypt.org/directory");
  g_assert_cmpint (cw_config_get_int (config, "acme", "max-concurrent-orders"), ==, 10);
  g_assert_cmpstr (cw_config_get_string (config, "http-01", "mode"), ==, "standalone");
  g_assert_cmpint (cw_config_get_int (config, "http-01", "port"), ==, 80);
  g_assert_cmpstr (cw_config_get_string (config, "http-01", "address"), ==, "");
  /* the default file may be absent */
  g_assert_no_error (error);
  g_assert_nonnull (missing);
  g_assert_cmpint (cw_config_get_int (missing, "store", "keep-revisions"), ==, 3);
}

static void
test_values_and_unknown_keys (void)
{
  g_autofree gchar *path = write_config ("# comment\n[store]\nkeep-revisions = 7\nkeep-revsions=2\n"
                                         "[certificates]\nexpiry-warning-days=90\n[acmee]\nx=1\n"
                                         "[acme]\ncontact=admin@example.com, noc@example.com\n"
                                         "[http-01]\naddress=::1\nport=8080\n");
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(CwConfig) config = cw_config_load (path, TRUE, warnings, &error);

  g_assert_no_error (error);
  g_assert_cmpint (cw_config_get_int (config, "store", "keep-revisions"), ==, 7);
  g_assert_cmpint (cw_config_get_int (config, "certificates", "expiry-warning-days"), ==, 90);
  g_assert_cmpstr (cw_config_get_strv (config, "acme", "contact")[0], ==, "admin@example.com");
  g_assert_cmpstr (cw_config_get_strv (config, "acme", "contact")[1], ==, "noc@example.com");
  g_assert_cmpstr (cw_config_get_string (config, "http-01", "address"), ==, "::1");
  g_assert_cmpint (cw_config_get_int (config, "http-01", "port"), ==, 8080);
  g_assert_cmpuint (warnings->len, ==, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), "unknown key “keep-revsions” in [store]"));
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), path));
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 1), "unknown group [acmee]"));
  g_unlink (path);
}

static void
test_bad_values (void)
{
  static const struct { const gchar *text; const gchar *message; } cases[] = {
    { "[certificates]\nexpiry-warning-days=10\n", "[certificates] expiry-warning-days: “10” is not a whole number from 30 to 180" },
    { "[store]\nkeep-revisions=many\n", "[store] keep-revisions: “many” is not a whole number" },
    { "[store\nkeep-revisions=3\n", "" },
    { "[acme]\ndirectory=http://acme.example/dir\n", "[acme] directory: “http://acme.example/dir” is not an https:// URL" },
    { "[acme]\nca-file=pebble.pem\n", "[acme] ca-file: “pebble.pem” is not an absolute path" },
    { "[acme]\nmax-concurrent-orders=0\n", "[acme] max-concurrent-orders: “0” is not a whole number from 1 to 1000" },
    { "[http-01]\nmode=carrier-pigeon\n", "[http-01] mode: “carrier-pigeon” is not one of standalone, webroot, dbus" },
    { "[http-01]\naddress=localhost\n", "[http-01] address: “localhost” is not an IP address" },
    { "[http-01]\nport=65536\n", "[http-01] port: “65536” is not a whole number from 1 to 65535" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *path = write_config (cases[i].text);
    g_autoptr(GError) error = NULL;
    g_autoptr(CwConfig) config = cw_config_load (path, TRUE, NULL, &error);

    g_assert_null (config);
    g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
    g_assert_true (g_str_has_prefix (error->message, path));
    if (strstr (error->message, cases[i].message) == NULL)
      g_error ("“%s” does not mention “%s”", error->message, cases[i].message);
    g_unlink (path);
  }
}

static void
test_required_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwConfig) config = cw_config_load ("/nonexistent/certward.conf", TRUE, NULL, &error);

  g_assert_null (config);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "/nonexistent/certward.conf"));
}

static void
test_set_int (void)
{
  g_autoptr(CwConfig) config = cw_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (cw_config_set_int (config, "certificates", "expiry-warning-days", 45, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cw_config_get_int (config, "certificates", "expiry-warning-days"), ==, 45);
  g_assert_false (cw_config_set_int (config, "certificates", "expiry-warning-days", 200, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (cw_config_get_int (config, "certificates", "expiry-warning-days"), ==, 45);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/values-and-unknown-keys", test_values_and_unknown_keys);
  g_test_add_func ("/config/bad-values", test_bad_values);
  g_test_add_func ("/config/required-file", test_required_file);
  g_test_add_func ("/config/set-int", test_set_int);
  return g_test_run ();
}
