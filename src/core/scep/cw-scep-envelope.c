/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CMS EnvelopedData for SCEP: sealing a request's CSR for the CA and
 * opening the CA's answer. GnuTLS has no EnvelopedData, so the structure
 * is libtasn1's (cw-scep.asn); the cipher and the RSA key transport are
 * GnuTLS's. */
#include "config.h"

#include "cw-scep-envelope.h"
#include "cw-scep-asn1.h"
#include "cw-error.h"

#include <gnutls/crypto.h>
#include <glib/gi18n.h>
#include <string.h>

#define OID_DATA "1.2.840.113549.1.7.1"
#define OID_ENVELOPED_DATA "1.2.840.113549.1.7.3"
#define OID_RSA_ENCRYPTION "1.2.840.113549.1.1.1"

/* A CMS content was never meant to be large: a CSR, a few certificates */
#define MAX_CONTENT (1024 * 1024)

typedef struct {
  const gchar              *oid;
  gnutls_cipher_algorithm_t algorithm;
  gsize                     key_size;
  gsize                     block;
} Cipher;

static const Cipher ciphers[] = {
  { "2.16.840.1.101.3.4.1.2", GNUTLS_CIPHER_AES_128_CBC, 16, 16 },
  { "1.2.840.113549.3.7", GNUTLS_CIPHER_3DES_CBC, 24, 8 },
  { "2.16.840.1.101.3.4.1.22", GNUTLS_CIPHER_AES_192_CBC, 24, 16 },
  { "2.16.840.1.101.3.4.1.42", GNUTLS_CIPHER_AES_256_CBC, 32, 16 },
  /* single DES: only ever read, because some CAs still answer with it */
  { "1.3.14.3.2.7", GNUTLS_CIPHER_DES_CBC, 8, 8 },
};

static gboolean
gnutls_failed (int ret, const gchar *what, GError **error)
{
  if (ret >= 0)
    return FALSE;
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, "%s: %s", what, gnutls_strerror (ret));
  return TRUE;
}

/* ---- sealing ------------------------------------------------------------ */

static gboolean
write_bytes (asn1_node node, const gchar *field, GBytes *bytes, GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return cw_scep_asn1_write (node, field, data, len, error);
}

static gboolean
write_recipient (asn1_node env, gnutls_x509_crt_t recipient, const gnutls_datum_t *key, GError **error)
{
  gnutls_pubkey_t pub = NULL;
  gnutls_datum_t issuer = { NULL, 0 }, encrypted = { NULL, 0 };
  guint8 serial[64];
  size_t serial_len = sizeof serial;
  g_autoptr(CwAsn1Node) null_node = cw_scep_asn1_new ("ScepNull", error);
  g_autoptr(GBytes) null = null_node != NULL ? cw_scep_asn1_encode (null_node, "NULL", error) : NULL;
  gboolean ok;

  if (gnutls_failed (gnutls_pubkey_init (&pub), "key", error))
    return FALSE;
  if (gnutls_failed (gnutls_pubkey_import_x509 (pub, recipient, 0), _("the CA's certificate"), error)) {
    gnutls_pubkey_deinit (pub);
    return FALSE;
  }
  if (gnutls_pubkey_get_pk_algorithm (pub, NULL) != GNUTLS_PK_RSA) {
    gnutls_pubkey_deinit (pub);
    g_set_error_literal (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED,
                         _("the SCEP CA's encryption certificate has no RSA key, which SCEP key transport needs"));
    return FALSE;
  }
  ok = !gnutls_failed (gnutls_pubkey_encrypt_data (pub, 0, key, &encrypted), _("RSA key transport"), error);
  gnutls_pubkey_deinit (pub);
  if (!ok ||
      gnutls_failed (gnutls_x509_crt_get_raw_issuer_dn (recipient, &issuer), _("the CA's certificate"), error) ||
      gnutls_failed (gnutls_x509_crt_get_serial (recipient, serial, &serial_len), _("the CA's certificate"), error)) {
    gnutls_free (encrypted.data);
    gnutls_free (issuer.data);
    return FALSE;
  }
  ok = null != NULL &&
       cw_scep_asn1_write (env, "recipientInfos", "NEW", 1, error) &&
       cw_scep_asn1_write (env, "recipientInfos.?LAST", "ktri", 1, error) &&
       cw_scep_asn1_write (env, "recipientInfos.?LAST.ktri.version", "0", 1, error) &&
       cw_scep_asn1_write (env, "recipientInfos.?LAST.ktri.rid", "issuerAndSerialNumber", 1, error) &&
       cw_scep_asn1_write (env, "recipientInfos.?LAST.ktri.rid.issuerAndSerialNumber.issuer", issuer.data,
                           issuer.size, error) &&
       cw_scep_asn1_write (env, "recipientInfos.?LAST.ktri.rid.issuerAndSerialNumber.serialNumber", serial,
                           serial_len, error) &&
       cw_scep_asn1_write (env, "recipientInfos.?LAST.ktri.keyEncryptionAlgorithm.algorithm", OID_RSA_ENCRYPTION,
                           1, error) &&
       write_bytes (env, "recipientInfos.?LAST.ktri.keyEncryptionAlgorithm.parameters", null, error) &&
       cw_scep_asn1_write (env, "recipientInfos.?LAST.ktri.encryptedKey", encrypted.data, encrypted.size, error);
  gnutls_free (encrypted.data);
  gnutls_free (issuer.data);
  return ok;
}

GBytes *
cw_scep_envelope_seal (GBytes *content, gnutls_x509_crt_t recipient, CwScepCipher which, GError **error)
{
  const Cipher *cipher = &ciphers[which == CW_SCEP_CIPHER_AES_128_CBC ? 0 : 1];
  g_autoptr(CwAsn1Node) env = NULL;
  g_autoptr(CwAsn1Node) info = NULL;
  g_autoptr(CwAsn1Node) iv_param = NULL;
  g_autoptr(GBytes) iv_der = NULL, env_der = NULL;
  guint8 key[32], iv[16];
  gnutls_datum_t key_datum = { key, cipher->key_size }, iv_datum = { iv, cipher->block };
  gnutls_cipher_hd_t handle = NULL;
  gsize len = g_bytes_get_size (content), padded = (len / cipher->block + 1) * cipher->block;
  g_autofree guint8 *buffer = g_malloc (padded);
  gboolean ok;
  int ret;

  /* PKCS #7 padding (RFC 5652 §6.3): always 1 to block bytes */
  memcpy (buffer, g_bytes_get_data (content, NULL), len);
  memset (buffer + len, (int) (padded - len), padded - len);
  if (gnutls_failed (gnutls_rnd (GNUTLS_RND_KEY, key, cipher->key_size), "random", error) ||
      gnutls_failed (gnutls_rnd (GNUTLS_RND_NONCE, iv, cipher->block), "random", error) ||
      gnutls_failed (gnutls_cipher_init (&handle, cipher->algorithm, &key_datum, &iv_datum), "cipher", error))
    return NULL;
  ret = gnutls_cipher_encrypt (handle, buffer, padded);
  gnutls_cipher_deinit (handle);
  if (gnutls_failed (ret, "cipher", error))
    return NULL;

  env = cw_scep_asn1_new ("EnvelopedData", error);
  iv_param = cw_scep_asn1_new ("CBCParameter", error);
  if (env == NULL || iv_param == NULL || !cw_scep_asn1_write (iv_param, "", iv, cipher->block, error) ||
      (iv_der = cw_scep_asn1_encode (iv_param, "IV", error)) == NULL)
    return NULL;
  ok = cw_scep_asn1_write (env, "version", "0", 1, error) &&
       cw_scep_asn1_write (env, "originatorInfo", NULL, 0, error) &&
       cw_scep_asn1_write (env, "unprotectedAttrs", NULL, 0, error) &&
       write_recipient (env, recipient, &key_datum, error) &&
       cw_scep_asn1_write (env, "encryptedContentInfo.contentType", OID_DATA, 1, error) &&
       cw_scep_asn1_write (env, "encryptedContentInfo.contentEncryptionAlgorithm.algorithm", cipher->oid, 1, error) &&
       write_bytes (env, "encryptedContentInfo.contentEncryptionAlgorithm.parameters", iv_der, error) &&
       cw_scep_asn1_write (env, "encryptedContentInfo.encryptedContent", buffer, padded, error);
  gnutls_memset (key, 0, sizeof key);
  if (!ok || (env_der = cw_scep_asn1_encode (env, "EnvelopedData", error)) == NULL)
    return NULL;

  info = cw_scep_asn1_new ("ContentInfo", error);
  if (info == NULL || !cw_scep_asn1_write (info, "contentType", OID_ENVELOPED_DATA, 1, error) ||
      !write_bytes (info, "content", env_der, error))
    return NULL;
  return cw_scep_asn1_encode (info, "ContentInfo", error);
}

/* ---- opening ------------------------------------------------------------ */

/* Whether the recipient @ri ("recipientInfos.?N.ktri") names @cert. */
static gboolean
names_us (asn1_node env, const gchar *ri, gnutls_x509_crt_t cert)
{
  g_autofree gchar *rid_field = g_strconcat (ri, ".rid", NULL);
  g_autofree gchar *issuer_field = g_strconcat (ri, ".rid.issuerAndSerialNumber.issuer", NULL);
  g_autofree gchar *serial_field = g_strconcat (ri, ".rid.issuerAndSerialNumber.serialNumber", NULL);
  g_autofree gchar *ski_field = g_strconcat (ri, ".rid.subjectKeyIdentifier", NULL);
  g_autoptr(GBytes) kind = cw_scep_asn1_read (env, rid_field, NULL);
  guint8 mine[64];
  size_t mine_len = sizeof mine;

  if (kind == NULL)
    return FALSE;
  if (g_bytes_get_size (kind) >= 6 && memcmp (g_bytes_get_data (kind, NULL), "issuer", 6) == 0) {
    g_autoptr(GBytes) issuer = cw_scep_asn1_read (env, issuer_field, NULL);
    g_autoptr(GBytes) serial = cw_scep_asn1_read (env, serial_field, NULL);
    gnutls_datum_t our_issuer = { NULL, 0 };
    gboolean same;

    if (issuer == NULL || serial == NULL || gnutls_x509_crt_get_raw_issuer_dn (cert, &our_issuer) < 0 ||
        gnutls_x509_crt_get_serial (cert, mine, &mine_len) < 0) {
      gnutls_free (our_issuer.data);
      return FALSE;
    }
    same = g_bytes_get_size (issuer) == our_issuer.size &&
           memcmp (g_bytes_get_data (issuer, NULL), our_issuer.data, our_issuer.size) == 0 &&
           g_bytes_get_size (serial) == mine_len && memcmp (g_bytes_get_data (serial, NULL), mine, mine_len) == 0;
    gnutls_free (our_issuer.data);
    return same;
  } else {
    g_autoptr(GBytes) ski = cw_scep_asn1_read (env, ski_field, NULL);
    unsigned critical = 0;

    return ski != NULL && gnutls_x509_crt_get_subject_key_id (cert, mine, &mine_len, &critical) >= 0 &&
           g_bytes_get_size (ski) == mine_len && memcmp (g_bytes_get_data (ski, NULL), mine, mine_len) == 0;
  }
}

/* The content-encryption key, from the key-transport recipient that names
 * @cert (or, when none does, the first one @key can decrypt: some CAs
 * write the issuer differently from how the certificate has it). */
static gboolean
unwrap_key (asn1_node env, gnutls_x509_crt_t cert, gnutls_privkey_t key, gnutls_datum_t *cek, GError **error)
{
  gboolean found = FALSE;

  for (guint pass = 0; pass < 2; pass++) {
    for (guint i = 1; i <= 16; i++) {
      g_autofree gchar *ri = g_strdup_printf ("recipientInfos.?%u", i);
      g_autofree gchar *ktri = g_strconcat (ri, ".ktri", NULL);
      g_autofree gchar *alg_field = g_strconcat (ktri, ".keyEncryptionAlgorithm.algorithm", NULL);
      g_autofree gchar *key_field = g_strconcat (ktri, ".encryptedKey", NULL);
      g_autoptr(GBytes) kind = cw_scep_asn1_read (env, ri, NULL);
      g_autofree gchar *alg = NULL;
      g_autoptr(GBytes) wrapped = NULL;
      gnutls_datum_t in;

      if (kind == NULL)
        break;
      if (g_bytes_get_size (kind) < 4 || memcmp (g_bytes_get_data (kind, NULL), "ktri", 4) != 0)
        continue;
      found = TRUE;
      if (names_us (env, ktri, cert) != (pass == 0))
        continue;
      alg = cw_scep_asn1_read_oid (env, alg_field, NULL);
      wrapped = cw_scep_asn1_read (env, key_field, NULL);
      if (alg == NULL || wrapped == NULL || !g_str_equal (alg, OID_RSA_ENCRYPTION))
        continue;
      in.data = (guint8 *) g_bytes_get_data (wrapped, NULL);
      in.size = g_bytes_get_size (wrapped);
      if (gnutls_privkey_decrypt_data (key, 0, &in, cek) >= 0)
        return TRUE;
    }
  }
  g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                       found ? _("the CA's answer is not encrypted for this key")
                             : _("the CA's answer has no RSA key-transport recipient"));
  return FALSE;
}

static const Cipher *
find_cipher (const gchar *oid, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (ciphers); i++)
    if (g_str_equal (ciphers[i].oid, oid))
      return &ciphers[i];
  g_set_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("the CA's answer is encrypted with %s, which is not supported"),
               oid);
  return NULL;
}

static GBytes *
decrypt (const Cipher *cipher, gnutls_datum_t *cek, GBytes *iv, GBytes *sealed, GError **error)
{
  gsize len = g_bytes_get_size (sealed);
  g_autofree guint8 *buffer = NULL;
  gnutls_datum_t iv_datum = { (guint8 *) g_bytes_get_data (iv, NULL), g_bytes_get_size (iv) };
  gnutls_cipher_hd_t handle = NULL;
  guint pad;
  int ret;

  if (cek->size != cipher->key_size || iv_datum.size != cipher->block || len == 0 || len % cipher->block != 0 ||
      len > MAX_CONTENT) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                         _("the CA's answer has a key, IV or content of the wrong size for its cipher"));
    return NULL;
  }
  buffer = g_memdup2 (g_bytes_get_data (sealed, NULL), len);
  if (gnutls_failed (gnutls_cipher_init (&handle, cipher->algorithm, cek, &iv_datum), "cipher", error))
    return NULL;
  ret = gnutls_cipher_decrypt (handle, buffer, len);
  gnutls_cipher_deinit (handle);
  if (gnutls_failed (ret, "cipher", error))
    return NULL;
  pad = buffer[len - 1];
  if (pad == 0 || pad > cipher->block) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the CA's answer does not decrypt"));
    return NULL;
  }
  for (guint i = 0; i < pad; i++)
    if (buffer[len - 1 - i] != pad) {
      g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the CA's answer does not decrypt"));
      return NULL;
    }
  return g_bytes_new (buffer, len - pad);
}

GBytes *
cw_scep_envelope_open (const guint8 *der, gsize len, gnutls_x509_crt_t cert, gnutls_privkey_t key, GError **error)
{
  g_autoptr(CwAsn1Node) info = cw_scep_asn1_decode ("ContentInfo", der, len, _("the CA's encrypted answer"), error);
  g_autoptr(CwAsn1Node) env = NULL;
  g_autoptr(CwAsn1Node) iv_param = NULL;
  g_autofree gchar *type = NULL, *alg = NULL;
  g_autoptr(GBytes) inner = NULL, params = NULL, iv = NULL, sealed = NULL;
  gnutls_datum_t cek = { NULL, 0 };
  const Cipher *cipher;
  GBytes *plain;

  if (info == NULL || (type = cw_scep_asn1_read_oid (info, "contentType", error)) == NULL)
    return NULL;
  if (!g_str_equal (type, OID_ENVELOPED_DATA)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the CA's answer holds %s instead of EnvelopedData"), type);
    return NULL;
  }
  if ((inner = cw_scep_asn1_read (info, "content", error)) == NULL ||
      (env = cw_scep_asn1_decode ("EnvelopedData", g_bytes_get_data (inner, NULL), g_bytes_get_size (inner),
                                  "EnvelopedData", error)) == NULL ||
      (alg = cw_scep_asn1_read_oid (env, "encryptedContentInfo.contentEncryptionAlgorithm.algorithm", error)) == NULL ||
      (cipher = find_cipher (alg, error)) == NULL ||
      (params = cw_scep_asn1_read (env, "encryptedContentInfo.contentEncryptionAlgorithm.parameters", error)) == NULL ||
      (iv_param = cw_scep_asn1_decode ("CBCParameter", g_bytes_get_data (params, NULL), g_bytes_get_size (params),
                                       "IV", error)) == NULL ||
      (iv = cw_scep_asn1_read (iv_param, "", error)) == NULL ||
      (sealed = cw_scep_asn1_read (env, "encryptedContentInfo.encryptedContent", error)) == NULL ||
      !unwrap_key (env, cert, key, &cek, error))
    return NULL;
  plain = decrypt (cipher, &cek, iv, sealed, error);
  gnutls_memset (cek.data, 0, cek.size);
  gnutls_free (cek.data);
  return plain;
}
