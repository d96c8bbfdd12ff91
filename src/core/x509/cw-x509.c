/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GnuTLS X.509 helpers: import, export, names as text, key types, what a certificate says. */
#include "config.h"

#include "cw-x509.h"
#include "cw-text.h"
#include "cw-base64url.h"
#include "cw-error.h"

#include <arpa/inet.h>
#include <glib/gi18n.h>
#include <string.h>

void
cw_datum_clear (CwDatum *datum)
{
  gnutls_free (datum->data);
  datum->data = NULL;
  datum->size = 0;
}

gboolean
cw_gnutls_fail (GError **error, gint code, int ret, const gchar *what)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_set_error (error, CW_ERROR, code, "%s: %s", what, gnutls_strerror (ret));
  return FALSE;
}

gchar *
cw_hex_encode (const guint8 *data, gsize len)
{
  static const gchar digits[] = "0123456789abcdef";
  gchar *out = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xf];
  }
  out[len * 2] = '\0';
  return out;
}

gboolean
cw_kdf_iterations_ok (guint iterations, const gchar *label, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (iterations <= CW_MAX_KDF_ITERATIONS)
    return TRUE;
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
               _("%s: the password protection asks for %u key-derivation rounds; more than %u are refused"),
               label, iterations, (guint) CW_MAX_KDF_ITERATIONS);
  return FALSE;
}

gnutls_x509_crt_t
cw_x509_crt_import (const guint8 *data, gsize len, gnutls_x509_crt_fmt_t fmt, GError **error)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  gnutls_datum_t datum = { (guint8 *) data, (guint) len };
  int ret;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len > G_MAXUINT) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the certificate is too large"));
    return NULL;
  }
  gnutls_x509_crt_init (&crt);
  ret = gnutls_x509_crt_import (crt, &datum, fmt);
  if (ret < 0) {
    cw_gnutls_fail (error, CW_ERROR_INVALID_DATA, ret, _("not a valid X.509 certificate"));
    return NULL;
  }
  return g_steal_pointer (&crt);
}

gnutls_x509_crt_t
cw_x509_crt_copy (gnutls_x509_crt_t crt)
{
  g_auto(CwDatum) der = { 0 };

  /* GnuTLS has no copy function; a DER round trip is exact. */
  if (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &der) < 0)
    return NULL;
  return cw_x509_crt_import (der.data, der.size, GNUTLS_X509_FMT_DER, NULL);
}

gchar *
cw_x509_crt_export_pem (gnutls_x509_crt_t crt, GError **error)
{
  g_auto(CwDatum) pem = { 0 };
  int ret;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ret = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &pem);

  if (ret < 0) {
    cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot encode the certificate"));
    return NULL;
  }
  return g_strndup ((const gchar *) pem.data, pem.size);
}

GBytes *
cw_x509_crt_export_der (gnutls_x509_crt_t crt, GError **error)
{
  g_auto(CwDatum) der = { 0 };
  int ret;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ret = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &der);

  if (ret < 0) {
    cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot encode the certificate"));
    return NULL;
  }
  return g_bytes_new (der.data, der.size);
}

gchar *
cw_x509_crt_get_fingerprint (gnutls_x509_crt_t crt)
{
  guint8 buf[32];
  size_t size = sizeof buf;

  if (gnutls_x509_crt_get_fingerprint (crt, GNUTLS_DIG_SHA256, buf, &size) < 0)
    return g_strdup ("");
  return cw_hex_encode (buf, size);
}

gchar *
cw_x509_crt_get_subject (gnutls_x509_crt_t crt)
{
  g_auto(CwDatum) dn = { 0 };

  if (gnutls_x509_crt_get_dn3 (crt, &dn, 0) < 0)
    return g_strdup ("");
  return cw_text_escape_dn ((const gchar *) dn.data, dn.size);
}

gchar *
cw_x509_crt_get_issuer (gnutls_x509_crt_t crt)
{
  g_auto(CwDatum) dn = { 0 };

  if (gnutls_x509_crt_get_issuer_dn3 (crt, &dn, 0) < 0)
    return g_strdup ("");
  return cw_text_escape_dn ((const gchar *) dn.data, dn.size);
}

/* A short human name for a certificate in messages: its CN, else its DN. */
gchar *
cw_x509_crt_describe (gnutls_x509_crt_t crt)
{
  gchar buf[256];
  size_t size = sizeof buf;

  if (gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) == 0 &&
      size > 0)
    return cw_text_escape (buf, size);
  return cw_x509_crt_get_subject (crt);
}

/* Checks the signature of @crt with @issuer's key and nothing else: time,
 * CA flags and algorithm strength are reported separately by the callers. */
gboolean
cw_x509_crt_signed_by (gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer)
{
  const unsigned flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
                         GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS |
                         GNUTLS_VERIFY_ALLOW_BROKEN |
                         GNUTLS_VERIFY_DISABLE_CA_SIGN;
  unsigned status = 0;

  if (!gnutls_x509_crt_check_issuer (crt, issuer))
    return FALSE;
  if (gnutls_x509_crt_verify (crt, &issuer, 1, flags, &status) < 0)
    return FALSE;
  return (status & (GNUTLS_CERT_SIGNATURE_FAILURE | GNUTLS_CERT_SIGNER_NOT_FOUND)) == 0;
}

gboolean
cw_x509_crt_is_self_signed (gnutls_x509_crt_t crt)
{
  return cw_x509_crt_signed_by (crt, crt);
}

gboolean
cw_x509_crt_is_ca (gnutls_x509_crt_t crt)
{
  unsigned critical = 0, ca = 0;
  int pathlen = -1;

  if (gnutls_x509_crt_get_basic_constraints (crt, &critical, &ca, &pathlen) < 0)
    return FALSE;
  return ca != 0;
}

gboolean
cw_x509_crt_has_weak_signature (gnutls_x509_crt_t crt, gchar **algorithm)
{
  int sign = gnutls_x509_crt_get_signature_algorithm (crt);
  gnutls_digest_algorithm_t hash;

  if (sign < 0)
    return FALSE;
  hash = gnutls_sign_get_hash_algorithm (sign);
  if (hash != GNUTLS_DIG_SHA1 && hash != GNUTLS_DIG_MD5 && hash != GNUTLS_DIG_MD2)
    return FALSE;
  if (algorithm != NULL)
    *algorithm = g_strdup (gnutls_sign_get_name (sign));
  return TRUE;
}

static gchar *
pubkey_get_type (gnutls_pubkey_t pub, guint *rsa_bits)
{
  unsigned bits = 0;
  int algo = gnutls_pubkey_get_pk_algorithm (pub, &bits);

  if (rsa_bits != NULL)
    *rsa_bits = 0;
  switch (algo) {
  case GNUTLS_PK_RSA:
  case GNUTLS_PK_RSA_PSS:
    if (rsa_bits != NULL)
      *rsa_bits = bits;
    return g_strdup_printf ("rsa-%u", bits);
  case GNUTLS_PK_ECDSA: {
    g_auto(CwDatum) x = { 0 };
    g_auto(CwDatum) y = { 0 };
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;

    if (gnutls_pubkey_export_ecc_raw2 (pub, &curve, &x, &y, 0) < 0)
      return g_strdup ("ec");
    switch (curve) {
    case GNUTLS_ECC_CURVE_SECP256R1: return g_strdup ("ec-p256");
    case GNUTLS_ECC_CURVE_SECP384R1: return g_strdup ("ec-p384");
    case GNUTLS_ECC_CURVE_SECP521R1: return g_strdup ("ec-p521");
    default: return g_ascii_strdown (gnutls_ecc_curve_get_name (curve), -1);
    }
  }
  case GNUTLS_PK_EDDSA_ED25519:
    return g_strdup ("ed25519");
  case GNUTLS_PK_EDDSA_ED448:
    return g_strdup ("ed448");
  case GNUTLS_PK_DSA:
    return g_strdup_printf ("dsa-%u", bits);
  default:
    return g_strdup ("unknown");
  }
}

gchar *
cw_x509_crt_get_key_type (gnutls_x509_crt_t crt, guint *rsa_bits)
{
  g_auto(gnutls_pubkey_t) pub = NULL;

  gnutls_pubkey_init (&pub);
  if (gnutls_pubkey_import_x509 (pub, crt, 0) < 0)
    return g_strdup ("unknown");
  return pubkey_get_type (pub, rsa_bits);
}

gchar *
cw_x509_privkey_get_key_type (gnutls_x509_privkey_t key, guint *rsa_bits)
{
  g_auto(gnutls_privkey_t) priv = NULL;
  g_auto(gnutls_pubkey_t) pub = NULL;

  gnutls_privkey_init (&priv);
  gnutls_pubkey_init (&pub);
  if (gnutls_privkey_import_x509 (priv, key, 0) < 0 ||
      gnutls_pubkey_import_privkey (pub, priv, 0, 0) < 0)
    return g_strdup ("unknown");
  return pubkey_get_type (pub, rsa_bits);
}

/* A name that is valid UTF-8 without control characters, or NULL: an
 * identity is never published escaped, it would name no host. */
static gchar *
identity_text (const gchar *buf, gsize size)
{
  if (memchr (buf, '\0', size) != NULL || !cw_text_is_clean (buf, (gssize) size))
    return NULL;
  return g_strndup (buf, size);
}

static gchar **
crt_get_identities (gnutls_x509_crt_t crt)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint seq = 0;; seq++) {
    gchar buf[1024];
    size_t size = sizeof buf - 1;
    unsigned type = 0;
    int ret = gnutls_x509_crt_get_subject_alt_name2 (crt, seq, buf, &size, &type, NULL);

    if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      break;
    if (ret == GNUTLS_E_SHORT_MEMORY_BUFFER)
      continue; /* no DNS name or IP address is this long */
    if (ret < 0)
      break;
    if (type == GNUTLS_SAN_DNSNAME) {
      gchar *text = identity_text (buf, size);

      if (text != NULL)
        g_ptr_array_add (ids, text);
    } else if (type == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16)) {
      gchar text[INET6_ADDRSTRLEN];

      if (inet_ntop (size == 4 ? AF_INET : AF_INET6, buf, text, sizeof text) != NULL)
        g_ptr_array_add (ids, g_strdup (text));
    }
  }

  if (ids->len == 0) {
    gchar buf[256];
    size_t size = sizeof buf;

    gchar *text = NULL;

    if (gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) == 0 &&
        size > 0 && (text = identity_text (buf, size)) != NULL)
      g_ptr_array_add (ids, text);
  }
  g_ptr_array_add (ids, NULL);
  return (gchar **) g_ptr_array_steal (ids, NULL);
}

static gchar *
crt_get_serial (gnutls_x509_crt_t crt)
{
  guint8 buf[64];
  size_t size = sizeof buf;
  gsize skip = 0;

  if (gnutls_x509_crt_get_serial (crt, buf, &size) < 0 || size == 0)
    return g_strdup ("");
  /* a leading zero byte only keeps the DER integer positive */
  while (skip + 1 < size && buf[skip] == 0)
    skip++;
  return cw_hex_encode (buf + skip, size - skip);
}

/* RFC 9773 §4.1: the serial is the DER INTEGER's contents, leading zero
 * included, which is what GnuTLS returns. */
static gchar *
crt_get_ari_id (gnutls_x509_crt_t crt)
{
  guint8 aki[64], serial[64];
  size_t aki_len = sizeof aki, serial_len = sizeof serial;
  unsigned critical = 0;
  g_autofree gchar *a = NULL, *s = NULL;

  if (gnutls_x509_crt_get_authority_key_id (crt, aki, &aki_len, &critical) < 0 ||
      gnutls_x509_crt_get_serial (crt, serial, &serial_len) < 0 || aki_len == 0 || serial_len == 0)
    return NULL;
  a = cw_base64url_encode (aki, aki_len);
  s = cw_base64url_encode (serial, serial_len);
  return g_strconcat (a, ".", s, NULL);
}

void
cw_pem_foreach_certificate (const gchar *text, gsize len, CwDerFunc func, gpointer user_data)
{
  static const gchar begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
  const gchar *limit = text + len;
  const gchar *p = g_strstr_len (text, len, begin);
  guint index = 0;

  while (p != NULL) {
    const gchar *stop = g_strstr_len (p, limit - p, end);
    g_auto(CwDatum) der = { 0 };
    gnutls_datum_t block;

    if (stop == NULL)
      break;
    stop += strlen (end);
    block.data = (guint8 *) p;
    block.size = stop - p;
    index++;
    if (gnutls_pem_base64_decode2 ("CERTIFICATE", &block, &der) >= 0)
      func (der.data, der.size, index, user_data);
    else
      func (NULL, 0, index, user_data);
    p = g_strstr_len (stop, limit - stop, begin);
  }
}

/* RFC 5280 §4.2.1.12: without the extension any purpose goes. */
static gboolean
crt_allows_client_auth (gnutls_x509_crt_t crt)
{
  for (guint i = 0;; i++) {
    gchar oid[128];
    size_t size = sizeof oid;
    int ret = gnutls_x509_crt_get_key_purpose_oid (crt, i, oid, &size, NULL);

    if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      return i == 0;
    if (ret < 0)
      return TRUE;   /* unreadable: nothing to warn about with confidence */
    if (g_str_equal (oid, GNUTLS_KP_TLS_WWW_CLIENT) || g_str_equal (oid, GNUTLS_KP_ANY))
      return TRUE;
  }
}

CwCertInfo *
cw_cert_info_new (gnutls_x509_crt_t crt, GError **error)
{
  g_autoptr(CwCertInfo) info = g_new0 (CwCertInfo, 1);
  time_t not_before = gnutls_x509_crt_get_activation_time (crt);
  time_t not_after = gnutls_x509_crt_get_expiration_time (crt);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (not_before == (time_t) -1 || not_after == (time_t) -1) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                         _("the certificate has no readable validity period"));
    return NULL;
  }
  info->subject = cw_x509_crt_get_subject (crt);
  info->issuer = cw_x509_crt_get_issuer (crt);
  info->serial = crt_get_serial (crt);
  info->fingerprint = cw_x509_crt_get_fingerprint (crt);
  info->key_type = cw_x509_crt_get_key_type (crt, NULL);
  info->identities = crt_get_identities (crt);
  info->not_before = not_before;
  info->not_after = not_after;
  info->is_ca = cw_x509_crt_is_ca (crt);
  info->self_signed = cw_x509_crt_is_self_signed (crt);
  info->ari_id = crt_get_ari_id (crt);
  info->client_auth = crt_allows_client_auth (crt);
  return g_steal_pointer (&info);
}

void
cw_cert_info_save (const CwCertInfo *info, GKeyFile *file, const gchar *group)
{
  g_return_if_fail (info != NULL);

  g_key_file_set_string (file, group, "subject", info->subject);
  g_key_file_set_string (file, group, "issuer", info->issuer);
  g_key_file_set_string (file, group, "serial", info->serial);
  g_key_file_set_string (file, group, "fingerprint", info->fingerprint);
  g_key_file_set_string (file, group, "key-type", info->key_type);
  g_key_file_set_string_list (file, group, "identities", (const gchar * const *) info->identities,
                              g_strv_length (info->identities));
  g_key_file_set_int64 (file, group, "not-before", info->not_before);
  g_key_file_set_int64 (file, group, "not-after", info->not_after);
  g_key_file_set_boolean (file, group, "is-ca", info->is_ca);
  g_key_file_set_boolean (file, group, "self-signed", info->self_signed);
  if (info->ari_id != NULL)
    g_key_file_set_string (file, group, "ari-id", info->ari_id);
  g_key_file_set_boolean (file, group, "client-auth", info->client_auth);
}

CwCertInfo *
cw_cert_info_load (GKeyFile *file, const gchar *group)
{
  g_autoptr(CwCertInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_key_file_has_group (file, group))
    return NULL;
  info = g_new0 (CwCertInfo, 1);
  info->subject = g_key_file_get_string (file, group, "subject", NULL);
  info->issuer = g_key_file_get_string (file, group, "issuer", NULL);
  info->serial = g_key_file_get_string (file, group, "serial", NULL);
  info->fingerprint = g_key_file_get_string (file, group, "fingerprint", NULL);
  info->key_type = g_key_file_get_string (file, group, "key-type", NULL);
  info->identities = g_key_file_get_string_list (file, group, "identities", NULL, NULL);
  info->not_before = g_key_file_get_int64 (file, group, "not-before", &error);
  if (error == NULL)
    info->not_after = g_key_file_get_int64 (file, group, "not-after", &error);
  info->is_ca = g_key_file_get_boolean (file, group, "is-ca", NULL);
  info->self_signed = g_key_file_get_boolean (file, group, "self-signed", NULL);
  info->ari_id = g_key_file_get_string (file, group, "ari-id", NULL);
  /* a cache written before the key existed: read the certificate again */
  if (error == NULL)
    info->client_auth = g_key_file_get_boolean (file, group, "client-auth", &error);
  if (error != NULL || info->subject == NULL || info->issuer == NULL || info->serial == NULL ||
      info->fingerprint == NULL || info->key_type == NULL)
    return NULL;
  if (info->identities == NULL)
    info->identities = g_new0 (gchar *, 1);
  return g_steal_pointer (&info);
}

void
cw_cert_info_free (CwCertInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->subject);
  g_free (info->issuer);
  g_free (info->serial);
  g_free (info->fingerprint);
  g_free (info->key_type);
  g_strfreev (info->identities);
  g_free (info->ari_id);
  g_free (info);
}

gnutls_x509_privkey_t
cw_x509_privkey_import (const guint8 *data, gsize len, gnutls_x509_crt_fmt_t fmt,
                        const gchar *password, GError **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  gnutls_datum_t datum = { (guint8 *) data, (guint) len };
  int ret;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len > G_MAXUINT) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the private key is too large"));
    return NULL;
  }
  {
    guint8 salt[128];
    unsigned schema = 0, cipher = 0, salt_size = sizeof salt, iterations = 0;
    char *oid = NULL;

    /* only encrypted PKCS#8 answers this */
    if (gnutls_pkcs8_info (&datum, fmt, &schema, &cipher, salt, &salt_size, &iterations, &oid) >= 0 &&
        !cw_kdf_iterations_ok (iterations, _("the private key"), error)) {
      gnutls_free (oid);
      return NULL;
    }
    gnutls_free (oid);
  }
  gnutls_x509_privkey_init (&key);
  ret = gnutls_x509_privkey_import2 (key, &datum, fmt, password, 0);
  if (ret == GNUTLS_E_DECRYPTION_FAILED && (password == NULL || *password == '\0')) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_PASSWORD_REQUIRED,
                         _("the private key is encrypted: a password is required"));
    return NULL;
  }
  if (ret == GNUTLS_E_DECRYPTION_FAILED) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_WRONG_PASSWORD,
                         _("wrong password for the encrypted private key"));
    return NULL;
  }
  if (ret < 0) {
    cw_gnutls_fail (error, CW_ERROR_INVALID_DATA, ret, _("not a valid private key"));
    return NULL;
  }
  return g_steal_pointer (&key);
}

gnutls_x509_privkey_t
cw_x509_privkey_copy (gnutls_x509_privkey_t key)
{
  gnutls_x509_privkey_t copy = NULL;

  gnutls_x509_privkey_init (&copy);
  if (gnutls_x509_privkey_cpy (copy, key) < 0) {
    gnutls_x509_privkey_deinit (copy);
    return NULL;
  }
  return copy;
}

gchar *
cw_x509_privkey_export_pem (gnutls_x509_privkey_t key, const gchar *password, GError **error)
{
  g_auto(CwDatum) pem = { 0 };
  gboolean encrypt = password != NULL && *password != '\0';
  int ret;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ret = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, encrypt ? password : NULL,
                                           encrypt ? GNUTLS_PKCS_PBES2_AES_256 : GNUTLS_PKCS_PLAIN,
                                           &pem);
  if (ret < 0) {
    cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot encode the private key"));
    return NULL;
  }
  return g_strndup ((const gchar *) pem.data, pem.size);
}

/* Key identifiers are the SHA-256 of the SubjectPublicKeyInfo: equal ids,
 * equal public keys. */
typedef struct {
  guint8 id[32];
  size_t len;
} KeyId;

static gboolean
privkey_id (gnutls_x509_privkey_t key, KeyId *out)
{
  out->len = sizeof out->id;
  return gnutls_x509_privkey_get_key_id (key, GNUTLS_KEYID_USE_SHA256, out->id, &out->len) >= 0;
}

static gboolean
key_ids_equal (const KeyId *a, const KeyId *b)
{
  return a->len == b->len && memcmp (a->id, b->id, a->len) == 0;
}

gboolean
cw_x509_privkey_matches (gnutls_x509_privkey_t key, gnutls_x509_crt_t crt)
{
  KeyId a, b;

  b.len = sizeof b.id;
  return privkey_id (key, &a) && gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA256, b.id, &b.len) >= 0 &&
         key_ids_equal (&a, &b);
}

gchar *
cw_x509_privkey_get_id (gnutls_x509_privkey_t key)
{
  KeyId id;

  return privkey_id (key, &id) ? cw_hex_encode (id.id, id.len) : NULL;
}

gboolean
cw_x509_privkey_equal (gnutls_x509_privkey_t a, gnutls_x509_privkey_t b)
{
  KeyId id_a, id_b;

  return privkey_id (a, &id_a) && privkey_id (b, &id_b) && key_ids_equal (&id_a, &id_b);
}

gchar *
cw_x509_chain_top_issuer_cn (const gchar *pem)
{
  gnutls_x509_crt_t *list = NULL;
  unsigned n = 0;
  gnutls_datum_t datum = { (guint8 *) pem, strlen (pem) };
  gchar buf[256];
  size_t size = sizeof buf;
  gchar *cn = NULL;

  if (gnutls_x509_crt_list_import2 (&list, &n, &datum, GNUTLS_X509_FMT_PEM, 0) < 0 || n == 0)
    return NULL;
  if (gnutls_x509_crt_get_issuer_dn_by_oid (list[n - 1], GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) == 0)
    cn = g_strndup (buf, size);
  for (unsigned i = 0; i < n; i++)
    gnutls_x509_crt_deinit (list[i]);
  gnutls_free (list);
  return cn;
}
