/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwHttp01's lookups in a cluster's shared tokens (cw-http01.c): answered
 * from there, and at most 16 in flight, so that a flood of unknown tokens
 * from anyone cannot queue unbounded work before the database's. */
#include "cw-http01.h"
#include "cw-test-util.h"

typedef struct {
  GPtrArray *held;     /* GTask: lookups the "database" has not answered */
  guint      asked;
} Shared;

static void
publish_async (gpointer user_data, GPtrArray *challenges, GAsyncReadyCallback callback, gpointer callback_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, callback_data);

  g_task_return_boolean (task, TRUE);
}

static gboolean
publish_finish (gpointer user_data, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
withdraw (gpointer user_data, GPtrArray *challenges)
{
}

static void
lookup_async (gpointer user_data, const gchar *token, GAsyncReadyCallback callback, gpointer callback_data)
{
  Shared *shared = user_data;
  GTask *task = g_task_new (NULL, NULL, callback, callback_data);

  g_task_set_task_data (task, g_strdup (token), g_free);
  shared->asked++;
  g_ptr_array_add (shared->held, task);
}

static gchar *
lookup_finish (gpointer user_data, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const CwHttp01Shared shared_iface = { publish_async, publish_finish, withdraw, lookup_async, lookup_finish };

typedef struct {
  guint  answered;
  guint  known;
} Answers;

static void
looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Answers *answers = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *answer = cw_http01_lookup_finish (CW_HTTP01 (source), result, &error);

  g_assert_no_error (error);
  answers->answered++;
  if (answer != NULL)
    answers->known++;
}

static void
test_shared_cap (void)
{
  g_autoptr(CwHttp01) http01 = cw_http01_new ("127.0.0.1", 0);
  Shared shared = { g_ptr_array_new (), 0 };
  Answers answers = { 0, 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (cw_http01_set_shared (http01, &shared_iface, &shared, FALSE, &error));
  g_assert_no_error (error);
  /* 40 tokens asked while the database answers none */
  for (guint i = 0; i < 40; i++) {
    g_autofree gchar *token = g_strdup_printf ("token-%02u", i);

    cw_http01_lookup_async (http01, token, looked_up, &answers);
  }
  while (g_main_context_iteration (NULL, FALSE));
  /* 16 went to the database, the other 24 were answered "unknown" at once */
  g_assert_cmpuint (shared.asked, ==, 16);
  g_assert_cmpuint (answers.answered, ==, 24);
  g_assert_cmpuint (answers.known, ==, 0);
  /* the database answers: the next lookup goes there again, and is known */
  for (guint i = 0; i < shared.held->len; i++) {
    GTask *task = g_ptr_array_index (shared.held, i);

    g_task_return_pointer (task, g_strdup_printf ("%s.thumbprint", (gchar *) g_task_get_task_data (task)), g_free);
    g_object_unref (task);
  }
  g_ptr_array_set_size (shared.held, 0);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (answers.answered, ==, 40);
  g_assert_cmpuint (answers.known, ==, 16);
  cw_http01_lookup_async (http01, "token-later", looked_up, &answers);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (shared.asked, ==, 17);
  g_assert_cmpuint (shared.held->len, ==, 1);
  g_task_return_pointer (g_ptr_array_index (shared.held, 0), NULL, NULL);
  g_object_unref (g_ptr_array_index (shared.held, 0));
  g_ptr_array_unref (shared.held);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (answers.answered, ==, 41);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/http01/shared-cap", test_shared_cap);
  return g_test_run ();
}
