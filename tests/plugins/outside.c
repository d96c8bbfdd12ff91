/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A DNS provider as a third party would write one: only
 * certward-provider.h and GIO. It "publishes" by appending a line to the
 * file named in its settings, so a test can see every call. */
#include <certward-provider.h>
#include <string.h>

typedef struct {
  gchar *log;
} Outside;

static const CwProviderField fields[] = {
  { "log", "Log file", "Where each call is written, one line each", TRUE, FALSE },
  { "token", "Token", "A secret the plugin never shows", FALSE, TRUE },
  { NULL }
};

static gpointer
outside_create (GHashTable *settings, GError **error)
{
  const gchar *log = g_hash_table_lookup (settings, "log");
  Outside *self;

  if (!g_path_is_absolute (log)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "log must be an absolute path, not “%s”", log);
    return NULL;
  }
  self = g_new0 (Outside, 1);
  self->log = g_strdup (log);
  return self;
}

static void
outside_free (gpointer instance)
{
  Outside *self = instance;

  g_free (self->log);
  g_free (self);
}

static void
write_line (Outside *self, const gchar *verb, const CwProviderRecord *record, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree gchar *line = g_strdup_printf ("%s %s %s %s\n", verb, record->fqdn, record->value, record->zone);
  g_autoptr(GFile) file = g_file_new_for_path (self->log);
  g_autoptr(GFileOutputStream) out = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, NULL);
  GError *error = NULL;

  if (out == NULL || !g_output_stream_write_all (G_OUTPUT_STREAM (out), line, strlen (line), NULL, NULL, &error)) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", self->log);
    g_clear_error (&error);
    return;
  }
  g_task_return_boolean (task, TRUE);
}

static void
outside_present_async (gpointer instance, const CwProviderRecord *record, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  write_line (instance, "present", record, cancellable, callback, user_data);
}

static void
outside_cleanup_async (gpointer instance, const CwProviderRecord *record, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  write_line (instance, "cleanup", record, cancellable, callback, user_data);
}

static gboolean
outside_finish (gpointer instance, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

CW_PROVIDER_DEFINE ("outside", "Outside the tree", fields, outside_create, outside_free,
                    outside_present_async, outside_finish, outside_cleanup_async, outside_finish);
