/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs hooks and reload commands (see cw-runner.h). */
#include "config.h"

#include "cw-runner.h"
#include "cw-text.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define MAX_GROUPS 64

void
cw_run_result_free (CwRunResult *result)
{
  if (result == NULL)
    return;
  g_free (result->outcome);
  g_free (result->output);
  g_free (result);
}

/* Who the program runs as, resolved before the fork: the child may only
 * make async-signal-safe calls. */
typedef struct {
  gboolean as_user;
  uid_t    uid;
  gid_t    gid;
  gid_t    groups[MAX_GROUPS];
  int      n_groups;
} Identity;

typedef struct {
  Identity      identity;
  GSubprocess  *process;
  GString      *output;
  guint         timeout_s;
  guint         timer;
  gboolean      timed_out;
  gboolean      read_done;
  gboolean      exited;
  guint8        buf[4096];
} Run;

static void
run_free (Run *run)
{
  g_clear_handle_id (&run->timer, g_source_remove);
  g_clear_object (&run->process);
  g_string_free (run->output, TRUE);
  g_free (run);
}

/* In the child, between fork and exec. */
static void
child_setup (gpointer data)
{
  const Identity *id = data;

  /* a group of its own: a timeout kills what it started too */
  setpgid (0, 0);
  if (id->as_user &&
      (setgroups ((size_t) id->n_groups, id->groups) < 0 || setgid (id->gid) < 0 || setuid (id->uid) < 0))
    _exit (126);
}

static gboolean
resolve_user (const gchar *user, Identity *id, gchar **home, GError **error)
{
  struct passwd pw, *found = NULL;
  gchar buf[4096];

  if (user == NULL || *user == '\0')
    return TRUE;
  if (getpwnam_r (user, &pw, buf, sizeof buf, &found) != 0 || found == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("there is no user “%s”"), user);
    return FALSE;
  }
  id->as_user = TRUE;
  id->uid = pw.pw_uid;
  id->gid = pw.pw_gid;
  id->n_groups = MAX_GROUPS;
  if (getgrouplist (user, pw.pw_gid, id->groups, &id->n_groups) < 0)
    id->n_groups = MAX_GROUPS;   /* more than that: the first ones */
  *home = g_strdup (pw.pw_dir);
  return TRUE;
}

static void
maybe_finish (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  CwRunResult *result;
  g_autofree gchar *text = NULL;

  if (!run->read_done || !run->exited)
    return;
  result = g_new0 (CwRunResult, 1);
  text = cw_text_escape (run->output->str, (gssize) run->output->len);
  result->output = g_strdup (g_strstrip (text));
  if (run->timed_out)
    result->outcome = g_strdup_printf (_("stopped after %u s"), run->timeout_s);
  else if (g_subprocess_get_if_exited (run->process) && g_subprocess_get_exit_status (run->process) == 0)
    result->outcome = g_strdup (_("done")), result->ok = TRUE;
  else if (g_subprocess_get_if_exited (run->process) && g_subprocess_get_exit_status (run->process) == 126 &&
           run->identity.as_user)
    result->outcome = g_strdup (_("cannot switch to its user"));
  else if (g_subprocess_get_if_exited (run->process))
    result->outcome = g_strdup_printf (_("exit status %d"), g_subprocess_get_exit_status (run->process));
  else
    result->outcome = g_strdup_printf (_("killed by signal %d"), g_subprocess_get_term_sig (run->process));
  g_task_return_pointer (task, result, (GDestroyNotify) cw_run_result_free);
  g_object_unref (task);
}

static void
read_more (GTask *task);

static void
read_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, NULL);

  if (n <= 0) {
    run->read_done = TRUE;
    maybe_finish (task);
    return;
  }
  /* what comes after the limit is read and dropped, so the program never
   * blocks on a full pipe */
  if (run->output->len < CW_RUN_MAX_OUTPUT)
    g_string_append_len (run->output, (const gchar *) run->buf,
                         MIN ((gsize) n, CW_RUN_MAX_OUTPUT - run->output->len));
  read_more (task);
}

static void
read_more (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  g_input_stream_read_async (g_subprocess_get_stdout_pipe (run->process), run->buf, sizeof run->buf,
                             G_PRIORITY_DEFAULT, NULL, read_done, task);
}

static void
exited (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  g_clear_handle_id (&run->timer, g_source_remove);
  run->exited = TRUE;
  maybe_finish (task);
}

/* The whole group, while its leader (not yet waited for) still holds the
 * group's id: the program and whatever it started. */
static gboolean
timed_out (gpointer user_data)
{
  Run *run = user_data;
  const gchar *pid = g_subprocess_get_identifier (run->process);

  run->timer = 0;
  run->timed_out = TRUE;
  if (pid != NULL)
    kill (-(pid_t) g_ascii_strtoll (pid, NULL, 10), SIGKILL);
  return G_SOURCE_REMOVE;
}

void
cw_run_async (const gchar * const *argv, const gchar *user, const gchar * const *env, guint timeout_s,
              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Run *run = g_new0 (Run, 1);
  /* stdin stays /dev/null: nothing may wait for input from the agent */
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree gchar *home = NULL;
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, cw_run_async);
  run->output = g_string_new (NULL);
  run->timeout_s = timeout_s;
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  if (!resolve_user (user, &run->identity, &home, &error)) {
    CwRunResult *result = g_new0 (CwRunResult, 1);

    result->outcome = g_strdup_printf (_("cannot run it: %s"), error->message);
    result->output = g_strdup ("");
    g_task_return_pointer (task, result, (GDestroyNotify) cw_run_result_free);
    g_object_unref (task);
    return;
  }
  g_subprocess_launcher_set_cwd (launcher, "/");
  if (run->identity.as_user) {
    g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
    g_subprocess_launcher_setenv (launcher, "USER", user, TRUE);
    g_subprocess_launcher_setenv (launcher, "LOGNAME", user, TRUE);
  }
  for (guint i = 0; env != NULL && env[i] != NULL; i++) {
    g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);

    if (kv[0] != NULL && kv[1] != NULL)
      g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
  }
  g_subprocess_launcher_set_child_setup (launcher, child_setup, &run->identity, NULL);
  run->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (run->process == NULL) {
    CwRunResult *result = g_new0 (CwRunResult, 1);

    result->outcome = g_strdup_printf (_("cannot run it: %s"), error->message);
    result->output = g_strdup ("");
    g_task_return_pointer (task, result, (GDestroyNotify) cw_run_result_free);
    g_object_unref (task);
    return;
  }
  run->timer = g_timeout_add_seconds (timeout_s, timed_out, run);
  g_subprocess_wait_async (run->process, NULL, exited, task);
  read_more (task);
}

CwRunResult *
cw_run_finish (GAsyncResult *result)
{
  return g_task_propagate_pointer (G_TASK (result), NULL);
}

gchar **
cw_run_first_lines (const gchar *output, guint max)
{
  g_auto(GStrv) lines = g_strsplit (output != NULL ? output : "", "\n", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint n = 0;

  for (guint i = 0; lines[i] != NULL && n < max; i++) {
    g_strstrip (lines[i]);
    if (*lines[i] == '\0')
      continue;
    g_strv_builder_add (builder, lines[i]);
    n++;
  }
  return g_strv_builder_end (builder);
}
