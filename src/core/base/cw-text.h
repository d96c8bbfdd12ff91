/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Text that comes from outside (a certificate's names, a CA's problem
 * document, a DNS or provider answer, a ZIP entry or file name) is bytes,
 * not UTF-8. Everything the agent stores, logs or publishes goes through
 * one of these first: D-Bus refuses strings that are not valid UTF-8, and
 * a certificate with a bad issuer once crashed the daemon at every start.
 */

/* @data (@len bytes, or up to NUL when -1) as valid UTF-8: every byte of
 * an invalid sequence and every control character but \n and \t becomes
 * "\xHH". Valid text comes back unchanged. Never NULL (NULL in: ""). */
gchar    *cw_text_escape (const gchar *data, gssize len) G_GNUC_WARN_UNUSED_RESULT;

/* The same for a distinguished name as GnuTLS prints it (RFC 4514): such
 * bytes become the RFC's "\HH" hex pairs, so the result is still a DN. */
gchar    *cw_text_escape_dn (const gchar *data, gssize len) G_GNUC_WARN_UNUSED_RESULT;

/* Whether cw_text_escape() would leave @data as it is. */
gboolean  cw_text_is_clean (const gchar *data, gssize len);

/* Whether @text may be published as it is: NULL or valid UTF-8. */
gboolean  cw_text_is_valid (const gchar *text);

/* An "s" / "as" GVariant for text bound for D-Bus. The text must already
 * be valid (it is, when it came through the functions above): a string
 * that is not is a bug, reported with g_critical (fatal in the tests and
 * the fuzzers) and published escaped instead of crashing GVariant. NULL
 * is published as "" / []. */
GVariant *cw_text_variant (const gchar *text);
GVariant *cw_text_variant_strv (const gchar * const *strv);

G_END_DECLS
