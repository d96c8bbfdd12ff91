/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* base64url without padding (RFC 4648 §5, RFC 7515 §2): what ACME, JWS,
 * ARI certIDs and dns-01 values are written in. Decoding accepts the
 * padding people paste and never quotes the input (it may be a secret). */
gchar    *cw_base64url_encode (const guint8 *data, gsize len) G_GNUC_WARN_UNUSED_RESULT;
guint8   *cw_base64url_decode (const gchar *text, gsize *len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
