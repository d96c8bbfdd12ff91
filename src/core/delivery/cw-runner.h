/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Running a deploy hook or reload command: without a shell, as root or as
 * a service's own user (kamcmd must talk to Kamailio's socket, pkill must
 * signal coturn: as that user neither needs a capability), in a process
 * group of its own that a timeout kills whole, with its output captured
 * (bounded) for the log and LastActions.
 */

#define CW_RUN_MAX_OUTPUT (64 * 1024)

typedef struct {
  gboolean  ok;
  gchar    *outcome;   /* "done", "exit status 2", "stopped after 60 s", "cannot run …" */
  gchar    *output;    /* stdout and stderr, at most CW_RUN_MAX_OUTPUT bytes, as text */
} CwRunResult;

void         cw_run_result_free (CwRunResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwRunResult, cw_run_result_free)

/* @user: NULL or "" for root. @env: extra "KEY=VALUE" for the program
 * (NULL-terminated, may be NULL). Never fails: what went wrong is in the
 * result. */
void         cw_run_async (const gchar * const *argv, const gchar *user, const gchar * const *env, guint timeout_s,
                           GAsyncReadyCallback callback, gpointer user_data);
CwRunResult *cw_run_finish (GAsyncResult *result) G_GNUC_WARN_UNUSED_RESULT;

/* The first @max lines of @output, trimmed, for LastActions. */
gchar      **cw_run_first_lines (const gchar *output, guint max) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
