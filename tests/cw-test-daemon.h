/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The real certwardd ($CERTWARDD) on a private session bus (GTestDBus),
 * with its own state directory and configuration file. */
typedef struct {
  gchar           *state_dir;
  gchar           *config;
  GSubprocess     *process;
} CwTestDaemon;

/* Starts a private bus for the whole test program; call after cw_test_init. */
void             cw_test_bus_up (void);
void             cw_test_bus_down (void);
/* A private connection to that bus (not the session singleton). */
GDBusConnection *cw_test_bus (void);

CwTestDaemon    *cw_test_daemon_new (const gchar *config_text);
/* Spawns certwardd and returns once it owns its name. */
void             cw_test_daemon_start (CwTestDaemon *daemon);
/* SIGTERM, then waits; the daemon must exit with status 0. */
void             cw_test_daemon_stop (CwTestDaemon *daemon);
/* SIGKILL, as a crash would. */
void             cw_test_daemon_kill (CwTestDaemon *daemon);
void             cw_test_daemon_free (CwTestDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTestDaemon, cw_test_daemon_free)

/* Iterates the main context until @done (@data) is TRUE or @seconds pass;
 * FALSE on timeout. */
gboolean         cw_test_wait_until (gboolean (*done) (gpointer data), gpointer data, guint seconds);
/* Iterates the main context until *flag or @seconds pass; FALSE on timeout. */
gboolean         cw_test_wait_timeout (gboolean *flag, guint seconds);

G_END_DECLS
