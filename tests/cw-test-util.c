/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every test program shares (see cw-test-util.h): logging, fixtures, temporary directories, waiting. */
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static GQueue expected = G_QUEUE_INIT;

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if ((level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL)) && !g_queue_is_empty (&expected)) {
    const gchar *message = NULL;

    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    if (message != NULL && g_pattern_match_simple (g_queue_peek_head (&expected), message)) {
      g_free (g_queue_pop_head (&expected));
      return G_LOG_WRITER_HANDLED;
    }
  }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

void
cw_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_log_set_writer_func (writer, NULL, NULL);
}

void
cw_test_expect_warning (const gchar *pattern)
{
  g_queue_push_tail (&expected, g_strdup (pattern));
}

void
cw_test_assert_expected_warnings (void)
{
  if (!g_queue_is_empty (&expected))
    g_error ("expected a warning matching “%s”", (const gchar *) g_queue_peek_head (&expected));
}

const gchar *
cw_test_fixtures (void)
{
  static gchar *dir = NULL;

  if (dir == NULL) {
    const gchar *env = g_getenv ("CW_TEST_FIXTURES");
    const gchar *script = g_getenv ("CW_TEST_MAKE_FIXTURES");
    g_autofree gchar *command = NULL;
    g_autofree gchar *err = NULL;
    gint status = 0;

    g_assert_nonnull (script);
    dir = env != NULL ? g_strdup (env) : g_build_filename (g_get_tmp_dir (), "certward-fixtures", NULL);
    command = g_strdup_printf ("bash '%s' '%s'", script, dir);
    if (!g_spawn_command_line_sync (command, NULL, &err, &status, NULL) || !g_spawn_check_wait_status (status, NULL))
      g_error ("make-fixtures.sh failed: %s", err);
  }
  return dir;
}

gchar *
cw_test_fixture_path (const gchar *name)
{
  return g_build_filename (cw_test_fixtures (), name, NULL);
}

GBytes *
cw_test_fixture (const gchar *name)
{
  g_autofree gchar *path = cw_test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  gchar *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

gchar *
cw_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("certward-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
cw_test_rmdir (const gchar *path)
{
  g_autofree gchar *command = NULL;

  if (path == NULL || !g_str_has_prefix (path, g_get_tmp_dir ()))
    return;
  command = g_strdup_printf ("rm -rf '%s'", path);
  g_assert_cmpint (system (command), ==, 0);
}

void
cw_test_wait (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

void
cw_test_async_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

GAsyncResult *
cw_test_async_wait (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

gint
cw_test_run (const gchar *command, gchar **out)
{
  g_autoptr(GError) error = NULL;
  gint status = -1;
  gchar *argv[] = { "bash", "-c", (gchar *) command, NULL };

  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, NULL, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

gchar *
cw_test_openssl_fingerprint (const gchar *pem_path)
{
  g_autofree gchar *quoted = g_shell_quote (pem_path);
  g_autofree gchar *command = g_strdup_printf ("openssl x509 -in %s -noout -fingerprint -sha256 | cut -d= -f2 "
                                               "| tr -d : | tr A-F a-f", quoted);
  g_autofree gchar *out = NULL;

  if (cw_test_run (command, &out) != 0 || out == NULL || *g_strstrip (out) == '\0')
    return NULL;
  return g_steal_pointer (&out);
}
