/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cw-base64url.h"
#include "cw-x509.h"

G_BEGIN_DECLS

/*
 * JSON Web Signature as ACME uses it (RFC 8555 §6.2, RFC 7515, RFC 7518):
 * the flattened JSON serialisation, signed with ES256, ES384 or RS256
 * through GnuTLS; JWKs (RFC 7517) and their thumbprints (RFC 7638).
 */

/* "ES256", "ES384" or "RS256" for @key; an error for other keys. */
const gchar *cw_jws_alg (gnutls_privkey_t key, GError **error);

/* The public JWK of @key as a JSON object. */
JsonNode *cw_jwk_new (gnutls_privkey_t key, GError **error);
/* Its RFC 7638 thumbprint: base64url(SHA-256(canonical JWK)). */
gchar    *cw_jwk_thumbprint (JsonNode *jwk, GError **error);

/* A flattened JWS: {"protected", "payload", "signature"} as JSON text.
 * @kid: the account URL, or NULL to embed the key as "jwk" (newAccount,
 * revocation by certificate key, the inner JWS of keyChange).
 * @nonce: NULL for none (keyChange's inner JWS).
 * @payload: JSON text, or NULL for POST-as-GET (an empty payload). */
gchar    *cw_jws_sign (gnutls_privkey_t key, const gchar *kid, const gchar *nonce, const gchar *url,
                       const gchar *payload, GError **error);

/* External Account Binding (RFC 8555 §7.3.4): an HS256 JWS over @jwk with
 * the CA's key id and base64url MAC key. */
JsonNode *cw_jws_eab (const gchar *eab_kid, const gchar *hmac_key, const gchar *url, JsonNode *jwk, GError **error);

gnutls_privkey_t cw_privkey_from_x509 (gnutls_x509_privkey_t key, GError **error);

G_END_DECLS
