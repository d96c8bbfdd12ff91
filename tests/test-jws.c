/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JWS for ACME: base64url and the RFC 7638 thumbprint against the RFCs'
 * vectors; ES256/ES384/RS256 signatures verified independently; EAB's
 * HMAC recomputed with GLib. */
#include "cw-error.h"
#include "cw-issuer.h"
#include "cw-jws.h"
#include "cw-test-util.h"

#include <gnutls/crypto.h>

static void
test_base64url (void)
{
  static const guint8 bytes[] = { 3, 236, 255, 224, 193 };    /* RFC 7515 appendix C */
  g_autofree gchar *text = cw_base64url_encode (bytes, sizeof bytes);
  g_autofree guint8 *back = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  g_assert_cmpstr (text, ==, "A-z_4ME");
  back = cw_base64url_decode (text, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back, len, bytes, sizeof bytes);
  g_assert_null (cw_base64url_decode ("not base64!", &len, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
}

/* RFC 7638 §3.1 */
static void
test_thumbprint_vector (void)
{
  static const gchar jwk_json[] =
    "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\","
    "\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
    "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu"
    "6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\"}";
  g_autoptr(JsonNode) jwk = json_from_string (jwk_json, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *thumbprint = cw_jwk_thumbprint (jwk, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (thumbprint, ==, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

static JsonObject *
decode_json_b64 (const gchar *b64)
{
  gsize len = 0;
  g_autofree guint8 *raw = cw_base64url_decode (b64, &len, NULL);
  g_autofree gchar *text = g_strndup ((const gchar *) raw, len);
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

/* Verifies a JWS the way a CA does, with GnuTLS's verifier. */
static void
verify (const gchar *jws, gnutls_privkey_t key, gnutls_sign_algorithm_t sign, guint coord)
{
  g_autoptr(JsonNode) node = json_from_string (jws, NULL);
  JsonObject *o = json_node_get_object (node);
  const gchar *protected = json_object_get_string_member (o, "protected");
  const gchar *payload = json_object_get_string_member (o, "payload");
  g_autofree gchar *input = g_strconcat (protected, ".", payload, NULL);
  gsize len = 0;
  g_autofree guint8 *sig = cw_base64url_decode (json_object_get_string_member (o, "signature"), &len, NULL);
  g_auto(gnutls_pubkey_t) pub = NULL;
  gnutls_datum_t data = { (guint8 *) input, strlen (input) };
  g_auto(CwDatum) der = { 0 };
  gnutls_datum_t signature = { sig, len };

  gnutls_pubkey_init (&pub);
  g_assert_cmpint (gnutls_pubkey_import_privkey (pub, key, 0, 0), ==, 0);
  if (coord > 0) {
    gnutls_datum_t r = { sig, coord }, s = { sig + coord, coord };

    g_assert_cmpuint (len, ==, 2 * coord);
    g_assert_cmpint (gnutls_encode_rs_value (&der, &r, &s), ==, 0);
    signature = der;
  }
  g_assert_cmpint (gnutls_pubkey_verify_data2 (pub, sign, 0, &data, &signature), >=, 0);
}

static void
test_sign (void)
{
  static const struct { CwKeyType type; const gchar *alg; gnutls_sign_algorithm_t sign; guint coord; } cases[] = {
    { CW_KEY_EC_P256, "ES256", GNUTLS_SIGN_ECDSA_SHA256, 32 },
    { CW_KEY_EC_P384, "ES384", GNUTLS_SIGN_ECDSA_SHA384, 48 },
    { CW_KEY_RSA_2048, "RS256", GNUTLS_SIGN_RSA_SHA256, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_auto(gnutls_x509_privkey_t) x509 = cw_keygen (cases[i].type, &error);
    g_auto(gnutls_privkey_t) key = cw_privkey_from_x509 (x509, &error);
    g_autofree gchar *jws = NULL, *get = NULL;
    g_autoptr(JsonNode) node = NULL, get_node = NULL;
    g_autoptr(JsonObject) header = NULL, get_header = NULL;
    JsonObject *jwk;

    g_assert_no_error (error);
    /* a new account: the key is in the header */
    jws = cw_jws_sign (key, NULL, "nonce-1", "https://ca.example/new-acct", "{\"termsOfServiceAgreed\":true}", &error);
    g_assert_no_error (error);
    verify (jws, key, cases[i].sign, cases[i].coord);
    node = json_from_string (jws, NULL);
    header = decode_json_b64 (json_object_get_string_member (json_node_get_object (node), "protected"));
    g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, cases[i].alg);
    g_assert_cmpstr (json_object_get_string_member (header, "nonce"), ==, "nonce-1");
    g_assert_cmpstr (json_object_get_string_member (header, "url"), ==, "https://ca.example/new-acct");
    g_assert_false (json_object_has_member (header, "kid"));
    jwk = json_object_get_object_member (header, "jwk");
    g_assert_nonnull (jwk);
    if (cases[i].coord > 0) {
      /* coordinates are fixed-width: 32 bytes → 43 characters, 48 → 64 */
      g_assert_cmpuint (strlen (json_object_get_string_member (jwk, "x")), ==, cases[i].coord == 32 ? 43 : 64);
      g_assert_cmpuint (strlen (json_object_get_string_member (jwk, "y")), ==, cases[i].coord == 32 ? 43 : 64);
    } else {
      g_assert_cmpstr (json_object_get_string_member (jwk, "e"), ==, "AQAB");
    }

    /* POST-as-GET with a kid: no jwk, an empty payload */
    get = cw_jws_sign (key, "https://ca.example/acct/1", "nonce-2", "https://ca.example/order/1", NULL, &error);
    g_assert_no_error (error);
    verify (get, key, cases[i].sign, cases[i].coord);
    get_node = json_from_string (get, NULL);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (get_node), "payload"), ==, "");
    get_header = decode_json_b64 (json_object_get_string_member (json_node_get_object (get_node), "protected"));
    g_assert_cmpstr (json_object_get_string_member (get_header, "kid"), ==, "https://ca.example/acct/1");
    g_assert_false (json_object_has_member (get_header, "jwk"));
  }
}

static void
test_eab (void)
{
  static const guint8 raw_key[] = "a secret shared with the CA, 32b";
  g_autofree gchar *hmac_key = cw_base64url_encode (raw_key, 32);
  g_autoptr(GError) error = NULL;
  g_auto(gnutls_x509_privkey_t) x509 = cw_keygen (CW_KEY_EC_P256, &error);
  g_auto(gnutls_privkey_t) key = cw_privkey_from_x509 (x509, &error);
  g_autoptr(JsonNode) jwk = cw_jwk_new (key, &error);
  g_autoptr(JsonNode) eab = cw_jws_eab ("kid-1", hmac_key, "https://ca.example/new-acct", jwk, &error);
  JsonObject *o;
  g_autofree gchar *input = NULL, *expected = NULL;
  g_autoptr(JsonObject) header = NULL, payload = NULL;
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, raw_key, 32);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_assert_no_error (error);
  o = json_node_get_object (eab);
  header = decode_json_b64 (json_object_get_string_member (o, "protected"));
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "HS256");
  g_assert_cmpstr (json_object_get_string_member (header, "kid"), ==, "kid-1");
  payload = decode_json_b64 (json_object_get_string_member (o, "payload"));
  g_assert_cmpstr (json_object_get_string_member (payload, "x"), ==,
                   json_object_get_string_member (json_node_get_object (jwk), "x"));

  input = g_strconcat (json_object_get_string_member (o, "protected"), ".", json_object_get_string_member (o, "payload"), NULL);
  g_hmac_update (hmac, (const guchar *) input, strlen (input));
  g_hmac_get_digest (hmac, digest, &len);
  expected = cw_base64url_encode (digest, len);
  g_assert_cmpstr (json_object_get_string_member (o, "signature"), ==, expected);

  g_assert_null (cw_jws_eab ("kid-1", "", "https://ca.example/new-acct", jwk, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/jws/base64url", test_base64url);
  g_test_add_func ("/jws/thumbprint-rfc7638", test_thumbprint_vector);
  g_test_add_func ("/jws/sign-and-verify", test_sign);
  g_test_add_func ("/jws/eab", test_eab);
  return g_test_run ();
}
