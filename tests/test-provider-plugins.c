/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DNS provider plugins without D-Bus: a third-party-style plugin built
 * outside src/ loads, one built for another ABI is refused with a clear
 * message, settings are checked against the schema, providers are kept
 * 0600 with their secrets, calls are queued and their errors named, and a
 * record journaled before a crash is removed by the next run. */
#include "cw-error.h"
#include "cw-provider-manager.h"
#include "cw-store.h"
#include "cw-test-daemon.h"
#include "cw-test-util.h"

#include <sys/stat.h>

static gchar *
plugin_path (const gchar *name)
{
  return g_strdup_printf ("%s/%s.so", g_getenv ("CW_TEST_PLUGIN_DIR"), name);
}

static GHashTable *
settings_of (const gchar *first, ...)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  va_list ap;

  va_start (ap, first);
  for (const gchar *key = first; key != NULL; key = va_arg (ap, const gchar *))
    g_hash_table_insert (table, g_strdup (key), g_strdup (va_arg (ap, const gchar *)));
  va_end (ap);
  return table;
}

static void
test_load (void)
{
  g_autofree gchar *good = plugin_path ("outside");
  g_autofree gchar *old = plugin_path ("old-abi");
  g_autoptr(GError) error = NULL;
  g_autoptr(CwProviderType) type = cw_provider_type_load (good, &error);
  g_autoptr(CwProviderType) refused = NULL;
  g_autoptr(GHashTable) types = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) cw_provider_type_free);
  g_autofree gchar *dir = cw_test_mkdtemp ();
  g_autofree gchar *junk = g_build_filename (dir, "junk.so", NULL);

  g_assert_no_error (error);
  g_assert_cmpstr (type->plugin->type, ==, "outside");
  g_assert_cmpstr (type->plugin->fields[0].key, ==, "log");
  g_assert_true (type->plugin->fields[0].required);
  g_assert_true (type->plugin->fields[1].secret);

  refused = cw_provider_type_load (old, &error);
  g_assert_null (refused);
  g_assert_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "ABI 999"));
  g_assert_nonnull (strstr (error->message, "rebuild it"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (junk, "not an ELF file", -1, NULL));
  refused = cw_provider_type_load (junk, &error);
  g_assert_null (refused);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "junk.so"));
  cw_test_rmdir (dir);

  /* a directory scan loads the one and says why not the other */
  cw_test_expect_warning ("*old-abi.so was built for DNS provider ABI 999, but this agent speaks ABI 1*");
  cw_provider_types_load_dir (types, g_getenv ("CW_TEST_PLUGIN_DIR"));
  cw_test_assert_expected_warnings ();
  g_assert_true (g_hash_table_contains (types, "outside"));
  g_assert_false (g_hash_table_contains (types, "old-abi"));
  g_assert_cmpuint (g_hash_table_size (types), ==, 1);
}

static void
test_settings (void)
{
  g_autofree gchar *good = plugin_path ("outside");
  g_autoptr(CwProviderType) type = cw_provider_type_load (good, NULL);
  g_autoptr(GHashTable) unknown = settings_of ("log", "/tmp/x", "colour", "red", NULL);
  g_autoptr(GHashTable) missing = settings_of ("token", "t", NULL);
  g_autoptr(GHashTable) relative = settings_of ("log", "x.log", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CwProvider) provider = NULL;

  g_assert_false (cw_provider_type_check_settings (type, unknown, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“colour”"));
  g_assert_nonnull (strstr (error->message, "log, token"));
  g_clear_error (&error);
  g_assert_false (cw_provider_type_check_settings (type, missing, &error));
  g_assert_nonnull (strstr (error->message, "needs “log”"));
  g_clear_error (&error);
  /* the plugin's own complaint, with the provider's name in front */
  provider = cw_provider_new ("p", "p", type, relative, &error);
  g_assert_null (provider);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "p: log must be an absolute path, not “x.log”");
}

static gchar *
read_log (const gchar *path)
{
  gchar *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static gboolean
log_has (gpointer data)
{
  gchar **args = data;
  g_autofree gchar *text = read_log (args[0]);

  return strstr (text, args[1]) != NULL;
}

static void
test_manager (void)
{
  g_autofree gchar *state = cw_test_mkdtemp ();
  g_autofree gchar *log = g_build_filename (state, "calls.log", NULL);
  const gchar *dirs[] = { g_getenv ("CW_TEST_PLUGIN_DIR"), NULL };
  g_autoptr(CwStore) store = cw_store_new (state, NULL);
  g_autoptr(CwProviderManager) manager = cw_provider_manager_new (cw_store_get_state_dir (store), dirs);
  g_autoptr(GHashTable) settings = settings_of ("log", log, "token", "s3cr3t-token", NULL);
  g_autoptr(GHashTable) change = settings_of ("log", "", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CwProvider) provider = NULL;
  g_autofree gchar *file = NULL, *text = NULL, *dir = NULL;
  g_autoptr(GHashTable) public = NULL;
  g_auto(GStrv) secrets = NULL;
  CwProviderRecord record = { "_acme-challenge.a.example.test", "VALUE-1", "example.test", 60 };
  g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL;
  struct stat st;

  g_assert_true (cw_store_load (store, &error));
  cw_test_expect_warning ("*ABI 999*");
  g_assert_true (cw_provider_manager_load (manager, &error));
  cw_test_assert_expected_warnings ();
  provider = cw_provider_manager_add (manager, "my dns", "outside", settings, &error);
  g_assert_null (provider);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  provider = cw_provider_manager_add (manager, "my-dns", "nosuch", settings, &error);
  g_assert_error (error, CW_ERROR, CW_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "installed: outside"));
  g_clear_error (&error);
  provider = cw_provider_manager_add (manager, "my-dns", "outside", settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_provider_get_id (provider), ==, "my_2ddns");

  /* secrets: in a 0600 file in a 0700 directory, never among the public settings */
  file = g_build_filename (state, "providers", "my_2ddns.ini", NULL);
  dir = g_path_get_dirname (file);
  g_assert_cmpint (stat (file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  public = cw_provider_dup_public_settings (provider);
  g_assert_cmpstr (g_hash_table_lookup (public, "log"), ==, log);
  g_assert_false (g_hash_table_contains (public, "token"));
  secrets = cw_provider_dup_secrets_set (provider);
  g_assert_cmpstrv (secrets, ((const gchar *[]) { "token", NULL }));

  /* a bad update changes nothing, on disk either */
  text = read_log (file);
  g_assert_false (cw_provider_manager_update (manager, provider, change, &error));
  g_assert_nonnull (strstr (error->message, "needs “log”"));
  g_clear_error (&error);
  {
    g_autofree gchar *after = read_log (file);

    g_assert_cmpstr (after, ==, text);
  }

  /* two calls queued at once run one after the other, in order */
  cw_provider_manager_note_record (manager, provider, &record);
  cw_provider_present_async (provider, &record, NULL, cw_test_async_done, &r1);
  record.value = "VALUE-2";
  cw_provider_present_async (provider, &record, NULL, cw_test_async_done, &r2);
  cw_test_async_wait (&r1);
  cw_test_async_wait (&r2);
  g_assert_true (cw_provider_present_finish (provider, r1, NULL) && cw_provider_present_finish (provider, r2, NULL));
  g_free (text);
  text = read_log (log);
  g_assert_cmpstr (text, ==, "present _acme-challenge.a.example.test VALUE-1 example.test\n"
                             "present _acme-challenge.a.example.test VALUE-2 example.test\n");

  /* "crash": a new run finds VALUE-1 in the journal and removes it */
  g_clear_object (&provider);
  g_clear_object (&manager);
  manager = cw_provider_manager_new (cw_store_get_state_dir (store), dirs);
  cw_test_expect_warning ("*ABI 999*");
  g_assert_true (cw_provider_manager_load (manager, &error));
  cw_test_assert_expected_warnings ();
  cw_provider_manager_cleanup_leftovers (manager);
  g_assert_false (cw_provider_manager_is_idle (manager));
  {
    const gchar *args[] = { log, "cleanup _acme-challenge.a.example.test VALUE-1 example.test\n" };

    g_assert_true (cw_test_wait_until (log_has, args, 10));
  }
  while (!cw_provider_manager_is_idle (manager))
    g_main_context_iteration (NULL, TRUE);
  {
    g_autofree gchar *journal = g_build_filename (state, "providers", "records.ini", NULL);

    g_free (text);
    text = read_log (journal);
    /* removed, so forgotten; VALUE-2 was never journaled */
    g_assert_null (strstr (text, "VALUE-1"));
  }
  cw_store_flush (store);
  cw_test_rmdir (state);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/provider-plugins/load", test_load);
  g_test_add_func ("/provider-plugins/settings", test_settings);
  g_test_add_func ("/provider-plugins/manager", test_manager);
  return g_test_run ();
}
