/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Identities (what goes into a subjectAltName and what a client asks for):
 * DNS names compare case-insensitively and by their IDNA A-label; IP
 * addresses by value. Normalising first makes every comparison a string
 * comparison, so lookups can be hash lookups.
 */

/* The most identities one certificate may name: what public CAs accept
 * (Let's Encrypt: 100; its "tlsserver" profile: 25, which the CA itself
 * refuses with its own words). Checks stay linear up to here. */
#define CW_MAX_IDENTITIES 100

/* Fails with InvalidArgument when @identities names more than
 * CW_MAX_IDENTITIES. */
gboolean cw_identities_check_count (const gchar * const *identities, GError **error);

/* An identity as given by an administrator: a DNS name (IDNA allowed,
 * "*.example.com" when @allow_wildcard) or an IP address. Returns the
 * normalised form, or NULL and an error that says what is wrong. */
gchar   *cw_identity_parse (const gchar *text, gboolean allow_wildcard, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Best-effort normalisation of an identity found in a certificate or asked
 * for by a client: lower case, A-labels, no trailing dot, canonical IP
 * text. Never fails (what cannot be converted is only lower-cased). */
gchar   *cw_identity_normalize (const gchar *text) G_GNUC_WARN_UNUSED_RESULT;

gboolean cw_identity_is_ip (const gchar *identity);
/* "example.com" for "*.example.com", else NULL (borrowed from @identity). */
const gchar *cw_identity_wildcard_base (const gchar *identity);
/* "example.com" for "a.example.com", NULL for a single label. */
const gchar *cw_identity_parent (const gchar *identity);

G_END_DECLS
