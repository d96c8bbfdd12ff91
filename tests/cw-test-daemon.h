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
  gint64           test_clock;   /* -1: the real clock */
  gchar           *log;          /* when set before start: stdout and stderr
                                  * are appended to this file */
} CwTestDaemon;

/* Starts a private bus for the whole test program; call after cw_test_init. */
void             cw_test_bus_up (void);
void             cw_test_bus_down (void);
/* A private connection to that bus (not the session singleton). */
GDBusConnection *cw_test_bus (void);

CwTestDaemon    *cw_test_daemon_new (const gchar *config_text);
/* With certwardd's test clock standing at @now (moved by cw_test_set_time). */
CwTestDaemon    *cw_test_daemon_new_with_clock (const gchar *config_text, gint64 now);
/* Spawns certwardd and returns once it owns its name. */
void             cw_test_daemon_start (CwTestDaemon *daemon);
/* SIGTERM, then waits; the daemon must exit with status 0. */
void             cw_test_daemon_stop (CwTestDaemon *daemon);
/* SIGKILL, as a crash would. */
void             cw_test_daemon_kill (CwTestDaemon *daemon);
void             cw_test_daemon_free (CwTestDaemon *daemon);
/* What the daemon logged so far (daemon->log must have been set). */
gchar           *cw_test_daemon_log (CwTestDaemon *daemon);
/* TRUE once the daemon's log holds @text (it logs after it acts) */
gboolean         cw_test_daemon_wait_log (CwTestDaemon *daemon, const gchar *text, guint seconds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTestDaemon, cw_test_daemon_free)

/* CertificateChanged as it arrives on the test bus, kept as "event name"
 * strings (in order). */
typedef struct {
  GPtrArray *list;
  guint      subscription;
} CwTestEvents;

CwTestEvents    *cw_test_events_new (void);
void             cw_test_events_free (CwTestEvents *events);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTestEvents, cw_test_events_free)
/* Waits up to @seconds for the end of an ACME order for @name ("added",
 * "renewed" or "failed"), removes that event from the list and returns it;
 * the test fails on timeout. */
gchar           *cw_test_events_wait_outcome (CwTestEvents *events, const gchar *name, guint seconds);

/* Moves the test clock of the running daemon (org.certward.Testing1). */
void             cw_test_set_time (gint64 now);

/* ---- D-Bus helpers ---- */

/* An a{sv} from key/GVariant pairs, NULL-terminated. */
GVariant        *cw_test_options (const gchar *first, ...);
/* A fixture as an ay value. */
GVariant        *cw_test_fixture_ay (const gchar *name);
/* @error is the D-Bus error @name and its message mentions @substring. */
void             cw_test_assert_remote_error (const GError *error, const gchar *name, const gchar *substring);

/* Dispatches what already arrived: PropertiesChanged comes before the reply
 * of the call that caused it, so afterwards cached properties are current. */
void             cw_test_settle (void);
/* Iterates the main context until @done (@data) is TRUE or @seconds pass;
 * FALSE on timeout. */
gboolean         cw_test_wait_until (gboolean (*done) (gpointer data), gpointer data, guint seconds);
/* Iterates the main context until *flag or @seconds pass; FALSE on timeout. */
gboolean         cw_test_wait_timeout (gboolean *flag, guint seconds);

G_END_DECLS
