/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The store fixture of the store's unit tests (see cw-test-store.h). */
#include "cw-test-store.h"
#include "cw-test-util.h"

static void
on_event (CwStore *store, CwCertificate *cert, guint event, GArray *events)
{
  g_array_append_val (events, event);
}

CwStore *
cw_test_store_open (const gchar *dir, const gchar *config_text, GArray *events)
{
  g_autoptr(CwConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  CwStore *store;

  if (config_text != NULL) {
    g_autofree gchar *path = g_build_filename (dir, "test.conf", NULL);

    g_assert_true (g_file_set_contents (path, config_text, -1, NULL));
    config = cw_config_load (path, TRUE, NULL, &error);
    g_assert_no_error (error);
  }
  store = cw_store_new (dir, config);
  g_assert_true (cw_store_load (store, &error));
  g_assert_no_error (error);
  g_signal_connect (store, "event", G_CALLBACK (on_event), events);
  /* the start's audit reads the certificate directories in a thread: a
   * test that ended (and removed them) meanwhile had it report the
   * half-removed files as damaged, in the next test */
  while (cw_store_is_auditing (store))
    g_main_context_iteration (NULL, TRUE);
  return store;
}

void
cw_test_store_close (CwStore **store, gchar **dir)
{
  /* settings writes finish before the directory is removed */
  cw_store_flush (*store);
  g_clear_object (store);
  cw_test_rmdir (*dir);
  g_clear_pointer (dir, g_free);
}
