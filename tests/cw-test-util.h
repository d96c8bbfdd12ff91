/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* g_test_init() plus a log writer that lets tests expect warnings
 * (g_test_expect_message() does not see structured logging). */
void         cw_test_init (int *argc, char ***argv);
/* The next warning must match @pattern (g_pattern_match_simple). */
void         cw_test_expect_warning (const gchar *pattern);
void         cw_test_assert_expected_warnings (void);

/* The fixture directory made by tests/make-fixtures.sh (generated on first
 * use, shared by the test programs of one build). */
const gchar *cw_test_fixtures (void);
/* Contents of a fixture file; aborts the test when it is missing. */
GBytes      *cw_test_fixture (const gchar *name);
gchar       *cw_test_fixture_path (const gchar *name);
/* A new empty directory, removed by cw_test_rmdir. */
gchar       *cw_test_mkdtemp (void);
void         cw_test_rmdir (const gchar *path);
/* Runs the default main context until *flag is TRUE (async results). */
void         cw_test_wait (gboolean *flag);
/* The end of an async call, kept for the test to finish it: @user_data is
 * a GAsyncResult * set to NULL, which gets a reference to the result.
 *   g_autoptr(GAsyncResult) result = NULL;
 *   cw_store_remove_async (store, cert, FALSE, NULL, cw_test_async_done, &result);
 *   ok = cw_store_remove_finish (store, cw_test_async_wait (&result), &error); */
void          cw_test_async_done (GObject *source, GAsyncResult *result, gpointer user_data);
/* Runs the default main context until *@result is set; returns it (the
 * reference stays with *@result). */
GAsyncResult *cw_test_async_wait (GAsyncResult **result);
/* Runs a shell command line; returns its exit status, stdout in @out. */
gint         cw_test_run (const gchar *command, gchar **out);
/* SHA-256 of the first certificate in @pem_path by OpenSSL, lower-case hex
 * as Certificate1.Fingerprint; NULL when OpenSSL cannot read it. */
gchar       *cw_test_openssl_fingerprint (const gchar *pem_path);

G_END_DECLS
