/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec.c: hands the dns-01 TXT record to a program of the administrator's,
 * for DNS services no plugin knows. It follows lego's exec provider, so
 * scripts written for lego work unchanged:
 *
 *   PROGRAM present _acme-challenge.www.example.com. VALUE
 *   PROGRAM cleanup _acme-challenge.www.example.com. VALUE
 *
 * with CERTWARD_ZONE=example.com (no trailing dot) in its environment.
 * Exit status 0 is success; otherwise the last line of its stderr is the
 * error. A program that runs over its timeout is killed, with the processes
 * it started (it runs in its own process group).
 */
#include "certward-provider.h"

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT 120
/* How much of the program's stderr is kept: the end is what matters. */
#define STDERR_KEEP 8192

static const CwProviderField fields[] = {
  { "program", "Program",
    "Absolute path of the program to run as “program present|cleanup FQDN. VALUE”, as lego's exec provider does.",
    TRUE, FALSE },
  { "timeout", "Timeout", "Seconds the program may run before it is killed (120 by default).", FALSE, FALSE },
  { NULL }
};

typedef struct {
  gchar *program;
  guint  timeout;
} Exec;

static void
exec_free (gpointer instance)
{
  Exec *self = instance;

  if (self == NULL)
    return;
  g_free (self->program);
  g_free (self);
}

static gpointer
exec_create (GHashTable *settings, GError **error)
{
  const gchar *program = g_hash_table_lookup (settings, "program");
  const gchar *timeout = g_hash_table_lookup (settings, "timeout");
  guint64 seconds = DEFAULT_TIMEOUT;
  Exec *self;

  if (program == NULL || *program == '\0') {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "program is missing: set it to the absolute path of the program to run");
    return NULL;
  }
  if (!g_path_is_absolute (program)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "program “%s” is not an absolute path: write it in full, starting with /", program);
    return NULL;
  }
  if (timeout != NULL && *timeout != '\0' &&
      !g_ascii_string_to_unsigned (timeout, 10, 1, 24 * 3600, &seconds, NULL)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "timeout “%s” is not a number of seconds from 1 to 86400", timeout);
    return NULL;
  }
  self = g_new0 (Exec, 1);
  self->program = g_strdup (program);
  self->timeout = seconds;
  return self;
}

typedef struct {
  gchar         *program;
  gchar         *zone;
  guint          timeout;
  GSubprocess   *process;
  GPid           pid;
  GInputStream  *stderr_pipe;
  GByteArray    *stderr_tail;
  GCancellable  *read_cancellable;  /* stops reading stderr once the result is known */
  GSource       *timer;
  gulong         cancelled_id;
  gboolean       exited;
  gboolean       stderr_done;
  gboolean       timed_out;
  gboolean       completed;
  GError        *wait_error;
} Run;

static void
run_free (gpointer data)
{
  Run *run = data;

  g_free (run->program);
  g_free (run->zone);
  g_clear_object (&run->process);
  g_clear_object (&run->stderr_pipe);
  g_byte_array_unref (run->stderr_tail);
  g_clear_object (&run->read_cancellable);
  if (run->timer != NULL) {
    g_source_destroy (run->timer);
    g_source_unref (run->timer);
  }
  g_clear_error (&run->wait_error);
  g_free (run);
}

/* The program and whatever it started. */
static void
kill_group (Run *run)
{
  if (!run->exited && run->pid > 0)
    kill (-run->pid, SIGKILL);
  if (!run->exited)
    g_subprocess_force_exit (run->process);
}

/* The last non-empty line of what the program wrote to stderr. */
static gchar *
last_line (GByteArray *bytes)
{
  g_autofree gchar *text = g_strndup ((const gchar *) bytes->data, bytes->len);
  g_auto(GStrv) lines = NULL;

  if (!g_utf8_validate (text, -1, NULL)) {
    gchar *valid = g_utf8_make_valid (text, -1);

    g_free (text);
    text = valid;
  }
  lines = g_strsplit (text, "\n", -1);
  for (gint i = g_strv_length (lines) - 1; i >= 0; i--)
    if (*g_strstrip (lines[i]) != '\0')
      return g_strdup (lines[i]);
  return NULL;
}

static void
complete (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (run->completed)
    return;
  run->completed = TRUE;
  g_cancellable_cancel (run->read_cancellable);
  if (run->cancelled_id != 0) {
    g_cancellable_disconnect (cancellable, run->cancelled_id);
    run->cancelled_id = 0;
  }
  if (run->timer != NULL) {
    g_source_destroy (run->timer);
    g_clear_pointer (&run->timer, g_source_unref);
  }

  if (g_cancellable_is_cancelled (cancellable)) {
    GError *error = NULL;

    g_cancellable_set_error_if_cancelled (cancellable, &error);
    g_task_return_error (task, error);
  } else if (run->timed_out) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             "%s ran over its timeout of %u s for zone %s and was killed", run->program,
                             run->timeout, run->zone);
  } else if (run->wait_error != NULL) {
    g_autofree gchar *line = last_line (run->stderr_tail);
    g_autofree gchar *status = NULL;

    if (g_subprocess_get_if_exited (run->process))
      status = g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (run->process));
    else if (g_subprocess_get_if_signaled (run->process))
      status = g_strdup_printf ("was killed by signal %d", g_subprocess_get_term_sig (run->process));
    else
      status = g_strdup (run->wait_error->message);
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s for zone %s%s%s", run->program, status,
                             run->zone, line != NULL ? ": " : " (it wrote nothing to stderr)",
                             line != NULL ? line : "");
  } else {
    g_task_return_boolean (task, TRUE);
  }
}

static void read_stderr (GTask *task);

static void
stderr_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0 || run->completed) {
    run->stderr_done = TRUE;
    if (run->exited)
      complete (task);
    return;
  }
  g_byte_array_append (run->stderr_tail, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (run->stderr_tail->len > STDERR_KEEP)
    g_byte_array_remove_range (run->stderr_tail, 0, run->stderr_tail->len - STDERR_KEEP);
  read_stderr (task);
}

static void
read_stderr (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (run->stderr_pipe, 4096, G_PRIORITY_DEFAULT, run->read_cancellable,
                                   stderr_read_cb, g_object_ref (task));
}

static void
wait_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);

  g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, &run->wait_error);
  run->exited = TRUE;
  /* a killed program's children may hold stderr open: do not wait for them */
  if (run->stderr_done || run->timed_out || g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    complete (task);
}

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  g_clear_pointer (&run->timer, g_source_unref);
  if (run->exited) {
    /* it exited but something it started still holds stderr */
    complete (task);
  } else {
    run->timed_out = TRUE;
    kill_group (run);
  }
  return G_SOURCE_REMOVE;
}

static gboolean
cancel_idle (gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  if (run->exited)
    complete (task);
  else
    kill_group (run);
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  /* may run in another thread: act on the task's context */
  g_main_context_invoke_full (g_task_get_context (user_data), G_PRIORITY_DEFAULT, cancel_idle,
                              g_object_ref (user_data), g_object_unref);
}

/* Its own process group, so that a timeout kills what it started too. */
static void
child_setup (gpointer user_data)
{
  setpgid (0, 0);
}

static void
run_program (gpointer instance, const gchar *action, const CwProviderRecord *record, GCancellable *cancellable,
             GAsyncReadyCallback callback, gpointer user_data)
{
  Exec *self = instance;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  /* lego's convention: the FQDN is absolute, with the trailing dot */
  g_autofree gchar *fqdn = g_str_has_suffix (record->fqdn, ".") ? g_strdup (record->fqdn)
                                                               : g_strconcat (record->fqdn, ".", NULL);
  const gchar *argv[] = { self->program, action, fqdn, record->value, NULL };
  const gchar *identifier;
  Run *run;

  g_task_set_source_tag (task, run_program);
  run = g_new0 (Run, 1);
  run->program = g_strdup (self->program);
  run->zone = g_strdup (record->zone != NULL ? record->zone : "");
  run->timeout = self->timeout;
  run->stderr_tail = g_byte_array_new ();
  run->read_cancellable = g_cancellable_new ();
  g_task_set_task_data (task, run, run_free);
  if (g_task_return_error_if_cancelled (task))
    return;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "CERTWARD_ZONE", run->zone, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  run->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (run->process == NULL) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot run %s for zone %s: %s", self->program,
                             run->zone, error->message);
    return;
  }
  identifier = g_subprocess_get_identifier (run->process);
  run->pid = identifier != NULL ? (GPid) g_ascii_strtoll (identifier, NULL, 10) : 0;
  run->stderr_pipe = g_object_ref (g_subprocess_get_stderr_pipe (run->process));

  run->timer = g_timeout_source_new_seconds (self->timeout);
  g_source_set_callback (run->timer, timeout_cb, g_object_ref (task), g_object_unref);
  g_source_attach (run->timer, g_task_get_context (task));
  if (cancellable != NULL)
    run->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), task, NULL);

  read_stderr (task);
  g_subprocess_wait_check_async (run->process, NULL, wait_cb, g_object_ref (task));
}

static void
exec_present_async (gpointer instance, const CwProviderRecord *record, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  run_program (instance, "present", record, cancellable, callback, user_data);
}

static void
exec_cleanup_async (gpointer instance, const CwProviderRecord *record, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  run_program (instance, "cleanup", record, cancellable, callback, user_data);
}

static gboolean
exec_finish (gpointer instance, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

CW_PROVIDER_DEFINE ("exec", "External program", fields, exec_create, exec_free, exec_present_async, exec_finish,
                    exec_cleanup_async, exec_finish);
