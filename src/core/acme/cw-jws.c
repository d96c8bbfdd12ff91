/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON Web Signatures for ACME: JWKs, thumbprints, ES256/ES384/RS256 signing, EAB. */
#include "config.h"

#include "cw-jws.h"
#include "cw-base64url.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <gnutls/crypto.h>
#include <string.h>

gnutls_privkey_t
cw_privkey_from_x509 (gnutls_x509_privkey_t key, GError **error)
{
  gnutls_privkey_t priv = NULL;
  int ret;

  gnutls_privkey_init (&priv);
  ret = gnutls_privkey_import_x509 (priv, key, GNUTLS_PRIVKEY_IMPORT_COPY);
  if (ret < 0) {
    gnutls_privkey_deinit (priv);
    cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot use the key"));
    return NULL;
  }
  return priv;
}

typedef struct {
  const gchar           *alg;
  gnutls_sign_algorithm_t sign;
  guint                  coord;   /* bytes per EC coordinate, 0 for RSA */
} Alg;

static gboolean
alg_of (gnutls_privkey_t key, Alg *alg, GError **error)
{
  unsigned bits = 0;
  int pk = gnutls_privkey_get_pk_algorithm (key, &bits);

  if (pk == GNUTLS_PK_RSA) {
    *alg = (Alg) { "RS256", GNUTLS_SIGN_RSA_SHA256, 0 };
    return TRUE;
  }
  if (pk == GNUTLS_PK_ECDSA) {
    g_auto(CwDatum) x = { 0 }, y = { 0 };
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;

    if (gnutls_privkey_export_ecc_raw2 (key, &curve, &x, &y, NULL, 0) >= 0) {
      if (curve == GNUTLS_ECC_CURVE_SECP256R1) {
        *alg = (Alg) { "ES256", GNUTLS_SIGN_ECDSA_SHA256, 32 };
        return TRUE;
      }
      if (curve == GNUTLS_ECC_CURVE_SECP384R1) {
        *alg = (Alg) { "ES384", GNUTLS_SIGN_ECDSA_SHA384, 48 };
        return TRUE;
      }
    }
  }
  g_set_error_literal (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED,
                       _("ACME account keys must be P-256, P-384 or RSA"));
  return FALSE;
}

const gchar *
cw_jws_alg (gnutls_privkey_t key, GError **error)
{
  Alg alg;

  return alg_of (key, &alg, error) ? alg.alg : NULL;
}

/* An unsigned big-endian number in exactly @len bytes (JWA's fixed widths):
 * leading zeros dropped or added as needed. */
static void
put_fixed (const gnutls_datum_t *value, guint8 *out, guint len)
{
  const guint8 *p = value->data;
  guint n = value->size;

  while (n > len && *p == 0) {
    p++;
    n--;
  }
  if (n > len)
    n = len;
  memset (out, 0, len - n);
  memcpy (out + len - n, p, n);
}

static gchar *
encode_fixed (const gnutls_datum_t *value, guint len)
{
  g_autofree guint8 *buf = g_malloc (len);

  put_fixed (value, buf, len);
  return cw_base64url_encode (buf, len);
}

static gchar *
encode_unsigned (const gnutls_datum_t *value)
{
  const guint8 *p = value->data;
  guint n = value->size;

  while (n > 1 && *p == 0) {
    p++;
    n--;
  }
  return cw_base64url_encode (p, n);
}

JsonNode *
cw_jwk_new (gnutls_privkey_t key, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  Alg alg;

  if (!alg_of (key, &alg, error))
    return NULL;
  json_builder_begin_object (b);
  if (alg.coord > 0) {
    g_auto(CwDatum) x = { 0 }, y = { 0 };
    g_autofree gchar *xs = NULL, *ys = NULL;
    gnutls_ecc_curve_t curve;
    int ret = gnutls_privkey_export_ecc_raw2 (key, &curve, &x, &y, NULL, GNUTLS_EXPORT_FLAG_NO_LZ);

    if (ret < 0) {
      cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot read the public key"));
      return NULL;
    }
    xs = encode_fixed (&x, alg.coord);
    ys = encode_fixed (&y, alg.coord);
    json_builder_set_member_name (b, "crv");
    json_builder_add_string_value (b, alg.coord == 32 ? "P-256" : "P-384");
    json_builder_set_member_name (b, "kty");
    json_builder_add_string_value (b, "EC");
    json_builder_set_member_name (b, "x");
    json_builder_add_string_value (b, xs);
    json_builder_set_member_name (b, "y");
    json_builder_add_string_value (b, ys);
  } else {
    g_auto(CwDatum) n = { 0 }, e = { 0 };
    g_autofree gchar *ns = NULL, *es = NULL;
    int ret = gnutls_privkey_export_rsa_raw2 (key, &n, &e, NULL, NULL, NULL, NULL, NULL, NULL, GNUTLS_EXPORT_FLAG_NO_LZ);

    if (ret < 0) {
      cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot read the public key"));
      return NULL;
    }
    es = encode_unsigned (&e);
    ns = encode_unsigned (&n);
    json_builder_set_member_name (b, "e");
    json_builder_add_string_value (b, es);
    json_builder_set_member_name (b, "kty");
    json_builder_add_string_value (b, "RSA");
    json_builder_set_member_name (b, "n");
    json_builder_add_string_value (b, ns);
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gchar *
cw_jwk_thumbprint (JsonNode *jwk, GError **error)
{
  JsonObject *o = json_node_get_object (jwk);
  const gchar *kty = json_object_get_string_member_with_default (o, "kty", "");
  g_autofree gchar *canonical = NULL;
  guint8 digest[32];
  gsize len = sizeof digest;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  /* RFC 7638 §3: the required members only, in lexicographic order, no
   * white space; the members' values are base64url, which needs no escaping */
  if (g_str_equal (kty, "EC"))
    canonical = g_strdup_printf ("{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                                 json_object_get_string_member (o, "crv"), json_object_get_string_member (o, "x"),
                                 json_object_get_string_member (o, "y"));
  else if (g_str_equal (kty, "RSA"))
    canonical = g_strdup_printf ("{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
                                 json_object_get_string_member (o, "e"), json_object_get_string_member (o, "n"));
  else {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("no thumbprint for a “%s” key"), kty);
    return NULL;
  }
  g_checksum_update (sum, (const guchar *) canonical, strlen (canonical));
  g_checksum_get_digest (sum, digest, &len);
  return cw_base64url_encode (digest, len);
}

static gchar *
to_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

gchar *
cw_jws_sign (gnutls_privkey_t key, const gchar *kid, const gchar *nonce, const gchar *url, const gchar *payload,
             GError **error)
{
  g_autoptr(JsonBuilder) header = json_builder_new ();
  g_autoptr(JsonNode) header_node = NULL;
  g_autoptr(JsonBuilder) out = json_builder_new ();
  g_autoptr(JsonNode) out_node = NULL;
  g_autofree gchar *header_json = NULL, *protected = NULL, *body = NULL, *input = NULL, *signature = NULL;
  g_auto(CwDatum) sig = { 0 };
  gnutls_datum_t data;
  Alg alg;
  int ret;

  if (!alg_of (key, &alg, error))
    return NULL;
  json_builder_begin_object (header);
  json_builder_set_member_name (header, "alg");
  json_builder_add_string_value (header, alg.alg);
  if (kid != NULL) {
    json_builder_set_member_name (header, "kid");
    json_builder_add_string_value (header, kid);
  } else {
    JsonNode *jwk = cw_jwk_new (key, error);

    if (jwk == NULL)
      return NULL;
    json_builder_set_member_name (header, "jwk");
    json_builder_add_value (header, jwk);
  }
  if (nonce != NULL) {
    json_builder_set_member_name (header, "nonce");
    json_builder_add_string_value (header, nonce);
  }
  json_builder_set_member_name (header, "url");
  json_builder_add_string_value (header, url);
  json_builder_end_object (header);
  header_node = json_builder_get_root (header);
  header_json = to_json (header_node);

  protected = cw_base64url_encode ((const guint8 *) header_json, strlen (header_json));
  /* POST-as-GET signs an empty payload (RFC 8555 §6.3) */
  body = payload != NULL ? cw_base64url_encode ((const guint8 *) payload, strlen (payload)) : g_strdup ("");
  input = g_strconcat (protected, ".", body, NULL);
  data.data = (guint8 *) input;
  data.size = strlen (input);
  ret = gnutls_privkey_sign_data2 (key, alg.sign, 0, &data, &sig);
  if (ret < 0) {
    cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot sign the ACME request"));
    return NULL;
  }
  if (alg.coord > 0) {
    /* GnuTLS gives ECDSA signatures in DER; JOSE wants r ‖ s, each fixed width */
    g_auto(CwDatum) r = { 0 }, s = { 0 };
    g_autofree guint8 *rs = g_malloc (2 * alg.coord);

    ret = gnutls_decode_rs_value (&sig, &r, &s);
    if (ret < 0) {
      cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot sign the ACME request"));
      return NULL;
    }
    put_fixed (&r, rs, alg.coord);
    put_fixed (&s, rs + alg.coord, alg.coord);
    signature = cw_base64url_encode (rs, 2 * alg.coord);
  } else {
    signature = cw_base64url_encode (sig.data, sig.size);
  }

  json_builder_begin_object (out);
  json_builder_set_member_name (out, "protected");
  json_builder_add_string_value (out, protected);
  json_builder_set_member_name (out, "payload");
  json_builder_add_string_value (out, body);
  json_builder_set_member_name (out, "signature");
  json_builder_add_string_value (out, signature);
  json_builder_end_object (out);
  out_node = json_builder_get_root (out);
  return to_json (out_node);
}

JsonNode *
cw_jws_eab (const gchar *eab_kid, const gchar *hmac_key, const gchar *url, JsonNode *jwk, GError **error)
{
  g_autoptr(JsonBuilder) header = json_builder_new ();
  g_autoptr(JsonNode) header_node = NULL;
  g_autoptr(JsonBuilder) out = json_builder_new ();
  g_autofree gchar *header_json = NULL, *jwk_json = NULL, *protected = NULL, *payload = NULL;
  g_autofree gchar *input = NULL, *signature = NULL;
  g_autofree guint8 *mac_key = NULL;
  guint8 mac[32];
  gsize key_len = 0;
  int ret;

  mac_key = cw_base64url_decode (hmac_key, &key_len, error);
  if (mac_key == NULL || key_len == 0) {
    if (error != NULL && *error == NULL)
      g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("the EAB HMAC key is empty"));
    g_prefix_error (error, _("eab-hmac-key: "));
    return NULL;
  }
  json_builder_begin_object (header);
  json_builder_set_member_name (header, "alg");
  json_builder_add_string_value (header, "HS256");
  json_builder_set_member_name (header, "kid");
  json_builder_add_string_value (header, eab_kid);
  json_builder_set_member_name (header, "url");
  json_builder_add_string_value (header, url);
  json_builder_end_object (header);
  header_node = json_builder_get_root (header);
  header_json = to_json (header_node);
  jwk_json = to_json (jwk);

  protected = cw_base64url_encode ((const guint8 *) header_json, strlen (header_json));
  payload = cw_base64url_encode ((const guint8 *) jwk_json, strlen (jwk_json));
  input = g_strconcat (protected, ".", payload, NULL);
  ret = gnutls_hmac_fast (GNUTLS_MAC_SHA256, mac_key, key_len, input, strlen (input), mac);
  explicit_bzero (mac_key, key_len);
  if (ret < 0) {
    cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot compute the EAB signature"));
    return NULL;
  }
  signature = cw_base64url_encode (mac, sizeof mac);

  json_builder_begin_object (out);
  json_builder_set_member_name (out, "protected");
  json_builder_add_string_value (out, protected);
  json_builder_set_member_name (out, "payload");
  json_builder_add_string_value (out, payload);
  json_builder_set_member_name (out, "signature");
  json_builder_add_string_value (out, signature);
  json_builder_end_object (out);
  return json_builder_get_root (out);
}
