/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-common.h: what every harness shares. Quiet logs in which a critical
 * still aborts (a critical on outside input is a bug), the check that text
 * bound for D-Bus is valid UTF-8, and the splitting of one fuzz input into
 * the several inputs or answers a harness feeds.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Separates the parts of one input: the files of one import, the answers
 * of one conversation with a server. In the dictionaries and seeds. */
#define FUZZ_SEPARATOR "\n--next--\n"

/* Once, from LLVMFuzzerInitialize(). */
void       fuzz_init (void);

/* Aborts (a crash for libFuzzer) when @text, which the agent would put on
 * D-Bus or in its log, is not valid UTF-8: g_variant_new_string() refuses
 * it and the daemon would crash or drop the message (issue 10). NULL is
 * fine: the caller publishes nothing then. */
void       fuzz_assert_utf8 (const gchar *what, const gchar *text);
void       fuzz_assert_utf8_strv (const gchar *what, const gchar * const *texts);

/* @data split at FUZZ_SEPARATOR into at most @max parts (the last keeps
 * the rest), as GBytes that point into @data. */
GPtrArray *fuzz_split (const guint8 *data, gsize len, guint max);

/* Prints what an input led to when FUZZ_VERBOSE is set (to check that a
 * seed does what it is meant to: ./fuzz-X seeds/X/happy). */
void       fuzz_report (const gchar *format, ...) G_GNUC_PRINTF (1, 2);

/* Iterates the thread-default main context until *@done. */
void       fuzz_wait (gboolean *done);

G_END_DECLS
