/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whatever an administrator brings, sorted into certificates and keys (PEM, DER, PKCS#7/8/12). */
#include "config.h"

#include "cw-material.h"
#include "cw-archive.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

#define MAX_INPUT_SIZE  (16 * 1024 * 1024)
#define MAX_CERTS       10000

struct _CwMaterial {
  gchar     *password;
  GPtrArray *certs;      /* gnutls_x509_crt_t */
  GPtrArray *keys;       /* gnutls_x509_privkey_t */
  GPtrArray *warnings;   /* gchar* */
  GHashTable *seen;      /* fingerprints and key ids already added */
};

/* What one input contributed; merged into the material only on success. */
typedef struct {
  GPtrArray *certs;
  GPtrArray *keys;
  GPtrArray *warnings;
  guint      ignored;   /* PEM blocks of no use here, reported once */
} Batch;

static void
crt_free (gpointer crt)
{
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
}

static void
key_free (gpointer key)
{
  if (key != NULL)
    gnutls_x509_privkey_deinit (key);
}

static void
batch_init (Batch *b)
{
  b->certs = g_ptr_array_new_with_free_func (crt_free);
  b->keys = g_ptr_array_new_with_free_func (key_free);
  b->warnings = g_ptr_array_new_with_free_func (g_free);
}

static void
batch_clear (Batch *b)
{
  g_clear_pointer (&b->certs, g_ptr_array_unref);
  g_clear_pointer (&b->keys, g_ptr_array_unref);
  g_clear_pointer (&b->warnings, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Batch, batch_clear)

CwMaterial *
cw_material_new (const gchar *password)
{
  CwMaterial *self = g_new0 (CwMaterial, 1);

  self->password = g_strdup (password);
  self->certs = g_ptr_array_new_with_free_func (crt_free);
  self->keys = g_ptr_array_new_with_free_func (key_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
cw_material_free (CwMaterial *self)
{
  if (self == NULL)
    return;
  if (self->password != NULL)
    explicit_bzero (self->password, strlen (self->password));
  g_free (self->password);
  g_ptr_array_unref (self->certs);
  g_ptr_array_unref (self->keys);
  g_ptr_array_unref (self->warnings);
  g_hash_table_unref (self->seen);
  g_free (self);
}

GPtrArray *
cw_material_get_certs (CwMaterial *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->certs;
}

GPtrArray *
cw_material_get_keys (CwMaterial *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->keys;
}

GPtrArray *
cw_material_get_warnings (CwMaterial *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->warnings;
}

static gboolean
has_password (CwMaterial *self)
{
  return self->password != NULL && self->password[0] != '\0';
}

/* ---- PKCS#12 ------------------------------------------------------------ */

static gboolean
pkcs12_add_bag (CwMaterial *self, Batch *batch, const gchar *label, gnutls_pkcs12_bag_t bag,
                const gchar *password, GError **error)
{
  int count;

  if (gnutls_pkcs12_bag_get_type (bag, 0) == GNUTLS_BAG_ENCRYPTED) {
    guint8 salt[128];
    unsigned schema = 0, cipher = 0, salt_size = sizeof salt, iterations = 0;
    char *oid = NULL;
    int ret;

    if (gnutls_pkcs12_bag_enc_info (bag, &schema, &cipher, salt, &salt_size, &iterations, &oid) >= 0 &&
        !cw_kdf_iterations_ok (iterations, label, error)) {
      gnutls_free (oid);
      return FALSE;
    }
    gnutls_free (oid);
    ret = gnutls_pkcs12_bag_decrypt (bag, password);

    if (ret < 0) {
      if (password == NULL || *password == '\0')
        g_set_error (error, CW_ERROR, CW_ERROR_PASSWORD_REQUIRED,
                     _("%s: the PKCS#12 file is protected by a password"), label);
      else
        g_set_error (error, CW_ERROR, CW_ERROR_WRONG_PASSWORD, _("%s: wrong PKCS#12 password"), label);
      return FALSE;
    }
  }

  count = gnutls_pkcs12_bag_get_count (bag);
  for (int i = 0; i < count; i++) {
    gnutls_pkcs12_bag_type_t type = gnutls_pkcs12_bag_get_type (bag, i);
    gnutls_datum_t data = { NULL, 0 };

    if (gnutls_pkcs12_bag_get_data (bag, i, &data) < 0)
      continue;
    if (type == GNUTLS_BAG_CERTIFICATE) {
      g_autoptr(GError) local = NULL;
      gnutls_x509_crt_t crt = cw_x509_crt_import (data.data, data.size, GNUTLS_X509_FMT_DER, &local);

      if (crt == NULL) {
        g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: a certificate in the PKCS#12 file is damaged: %s"),
                     label, local->message);
        return FALSE;
      }
      g_ptr_array_add (batch->certs, crt);
    } else if (type == GNUTLS_BAG_PKCS8_KEY || type == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY) {
      g_auto(gnutls_x509_privkey_t) key = NULL;
      int ret;

      /* a shrouded key bag names its own KDF cost, like the file's MAC and
       * its encrypted bags: checked before anything is derived */
      if (type == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY) {
        guint8 salt[128];
        unsigned schema = 0, cipher = 0, salt_size = sizeof salt, iterations = 0;
        char *oid = NULL;

        ret = gnutls_pkcs8_info (&data, GNUTLS_X509_FMT_DER, &schema, &cipher, salt, &salt_size, &iterations, &oid);
        gnutls_free (oid);
        if (ret >= 0 && !cw_kdf_iterations_ok (iterations, label, error))
          return FALSE;
      }
      gnutls_x509_privkey_init (&key);
      ret = gnutls_x509_privkey_import_pkcs8 (key, &data, GNUTLS_X509_FMT_DER,
                                              type == GNUTLS_BAG_PKCS8_KEY ? NULL : password,
                                              type == GNUTLS_BAG_PKCS8_KEY ? GNUTLS_PKCS_PLAIN : 0);
      if (ret < 0) {
        if (type == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY && ret == GNUTLS_E_DECRYPTION_FAILED)
          g_set_error (error, CW_ERROR,
                       password == NULL || *password == '\0' ? CW_ERROR_PASSWORD_REQUIRED : CW_ERROR_WRONG_PASSWORD,
                       password == NULL || *password == '\0' ? _("%s: the PKCS#12 file is protected by a password")
                                                            : _("%s: wrong PKCS#12 password"),
                       label);
        else
          cw_gnutls_fail (error, CW_ERROR_INVALID_DATA, ret, label);
        return FALSE;
      }
      g_ptr_array_add (batch->keys, g_steal_pointer (&key));
    }
    /* CRLs and secrets in a PKCS#12 are of no use here */
  }
  return TRUE;
}

static gboolean
add_pkcs12 (CwMaterial *self, Batch *batch, const gchar *label, gnutls_pkcs12_t p12, GError **error)
{
  /* The given password first; then the two ways tools write "no password":
   * the empty string (OpenSSL's -passout pass:) and none at all. */
  const gchar *candidates[3] = { NULL, "", NULL };
  guint first = has_password (self) ? 0 : 1;
  const gchar *password = NULL;
  gboolean mac_ok = FALSE;
  guint8 salt[128];
  unsigned salt_size = sizeof salt, iterations = 0, mac = 0;
  char *oid = NULL;
  int ret;

  candidates[0] = self->password;
  /* the KDF cost before any attempt; files without a MAC, or with an
   * algorithm GnuTLS does not know, answer without running it */
  ret = gnutls_pkcs12_mac_info (p12, &mac, salt, &salt_size, &iterations, &oid);
  gnutls_free (oid);
  if (ret >= 0 && !cw_kdf_iterations_ok (iterations, label, error))
    return FALSE;

  for (guint i = first; i < G_N_ELEMENTS (candidates) && !mac_ok; i++) {
    ret = gnutls_pkcs12_verify_mac (p12, candidates[i]);
    if (ret == 0) {
      password = candidates[i];
      mac_ok = TRUE;
    } else if (ret == GNUTLS_E_ASN1_ELEMENT_NOT_FOUND) {
      /* no MAC at all (openssl -nomac): the bags' decryption decides */
      password = has_password (self) ? self->password : NULL;
      mac_ok = TRUE;
    } else if (ret != GNUTLS_E_MAC_VERIFY_FAILED) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("%s: the PKCS#12 file uses an integrity check (MAC) that cannot be verified: %s"),
                   label, gnutls_strerror (ret));
      return FALSE;
    }
  }
  if (!mac_ok) {
    if (has_password (self))
      g_set_error (error, CW_ERROR, CW_ERROR_WRONG_PASSWORD, _("%s: wrong PKCS#12 password"), label);
    else
      g_set_error (error, CW_ERROR, CW_ERROR_PASSWORD_REQUIRED,
                   _("%s: the PKCS#12 file is protected by a password"), label);
    return FALSE;
  }

  for (int idx = 0;; idx++) {
    g_auto(gnutls_pkcs12_bag_t) bag = NULL;

    gnutls_pkcs12_bag_init (&bag);
    ret = gnutls_pkcs12_get_bag (p12, idx, bag);
    if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      break;
    if (ret < 0)
      return cw_gnutls_fail (error, CW_ERROR_INVALID_DATA, ret, label);
    if (!pkcs12_add_bag (self, batch, label, bag, password, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
try_pkcs12 (CwMaterial *self, Batch *batch, const gchar *label, const guint8 *data, gsize len,
            gnutls_x509_crt_fmt_t fmt, gboolean *recognised, GError **error)
{
  g_auto(gnutls_pkcs12_t) p12 = NULL;
  gnutls_datum_t datum = { (guint8 *) data, (guint) len };

  gnutls_pkcs12_init (&p12);
  *recognised = gnutls_pkcs12_import (p12, &datum, fmt, 0) >= 0;
  if (!*recognised)
    return FALSE;
  return add_pkcs12 (self, batch, label, p12, error);
}

/* ---- PKCS#7 ------------------------------------------------------------- */

static gboolean
try_pkcs7 (Batch *batch, const gchar *label, const guint8 *data, gsize len,
           gnutls_x509_crt_fmt_t fmt, gboolean *recognised, GError **error)
{
  g_auto(gnutls_pkcs7_t) p7 = NULL;
  gnutls_datum_t datum = { (guint8 *) data, (guint) len };
  int count;

  gnutls_pkcs7_init (&p7);
  *recognised = gnutls_pkcs7_import (p7, &datum, fmt) >= 0;
  if (!*recognised)
    return FALSE;
  count = gnutls_pkcs7_get_crt_count (p7);
  for (int i = 0; i < count; i++) {
    g_auto(CwDatum) raw = { 0 };
    g_autoptr(GError) local = NULL;
    gnutls_x509_crt_t crt;

    if (gnutls_pkcs7_get_crt_raw2 (p7, i, &raw) < 0)
      continue;
    crt = cw_x509_crt_import (raw.data, raw.size, GNUTLS_X509_FMT_DER, &local);
    if (crt == NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: a certificate in the PKCS#7 data is damaged: %s"),
                   label, local->message);
      return FALSE;
    }
    g_ptr_array_add (batch->certs, crt);
  }
  return TRUE;
}

/* ---- PEM ---------------------------------------------------------------- */

static gboolean
add_key (CwMaterial *self, Batch *batch, const gchar *label, const guint8 *data, gsize len,
         gnutls_x509_crt_fmt_t fmt, GError **error)
{
  g_autoptr(GError) local = NULL;
  gnutls_x509_privkey_t key = cw_x509_privkey_import (data, len, fmt, self->password, &local);

  if (key == NULL) {
    g_set_error (error, CW_ERROR, local->code, "%s: %s", label, local->message);
    return FALSE;
  }
  g_ptr_array_add (batch->keys, key);
  return TRUE;
}

static gboolean
add_pem_block (CwMaterial *self, Batch *batch, const gchar *label, const gchar *type,
               guint index, const gchar *block, gsize len, GError **error)
{
  g_autofree gchar *where = g_strdup_printf (_("%s (PEM block %u, %s)"), label, index, type);

  if (g_str_equal (type, "CERTIFICATE") || g_str_equal (type, "X509 CERTIFICATE")) {
    g_autoptr(GError) local = NULL;
    gnutls_x509_crt_t crt = cw_x509_crt_import ((const guint8 *) block, len, GNUTLS_X509_FMT_PEM, &local);

    if (crt == NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, "%s: %s", where, local->message);
      return FALSE;
    }
    g_ptr_array_add (batch->certs, crt);
    return TRUE;
  }
  if (g_str_has_suffix (type, "PRIVATE KEY"))
    return add_key (self, batch, where, (const guint8 *) block, len, GNUTLS_X509_FMT_PEM, error);
  if (g_str_equal (type, "PKCS7") || g_str_equal (type, "CMS")) {
    gboolean recognised = FALSE;

    if (try_pkcs7 (batch, where, (const guint8 *) block, len, GNUTLS_X509_FMT_PEM, &recognised, error))
      return TRUE;
    if (!recognised)
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: not valid PKCS#7 data"), where);
    return FALSE;
  }
  if (g_str_equal (type, "CERTIFICATE REQUEST") || g_str_equal (type, "NEW CERTIFICATE REQUEST") ||
      g_str_equal (type, "PUBLIC KEY") || g_str_equal (type, "X509 CRL")) {
    batch->ignored++;
    return TRUE;
  }
  if (g_str_equal (type, "EC PARAMETERS") || g_str_equal (type, "DH PARAMETERS"))
    return TRUE; /* OpenSSL writes these next to keys; they carry nothing new */

  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
               _("%s: unsupported PEM block type; expected a certificate or a private key"), where);
  return FALSE;
}

/* Splits PEM text into its "-----BEGIN X-----" … "-----END X-----" blocks
 * and hands each, armour included, to GnuTLS. Text between blocks
 * (OpenSSL's "Bag Attributes", comments in .ca-bundle files) is ignored. */
static gboolean
add_pem (CwMaterial *self, Batch *batch, const gchar *label, const gchar *text, gsize len,
         GError **error)
{
  const gchar *end = text + len;
  const gchar *p = text;
  guint index = 0;

  for (;;) {
    const gchar *begin = g_strstr_len (p, end - p, "-----BEGIN ");
    const gchar *type_start, *type_end, *stop;
    g_autofree gchar *type = NULL;
    g_autofree gchar *end_marker = NULL;

    if (begin == NULL)
      break;
    index++;
    type_start = begin + strlen ("-----BEGIN ");
    type_end = g_strstr_len (type_start, MIN (end - type_start, 64), "-----");
    if (type_end == NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: PEM block %u has a malformed BEGIN line"),
                   label, index);
      return FALSE;
    }
    type = g_strndup (type_start, type_end - type_start);
    if (!g_utf8_validate (type, -1, NULL)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: PEM block %u has a malformed BEGIN line"),
                   label, index);
      return FALSE;
    }
    end_marker = g_strdup_printf ("-----END %s-----", type);
    stop = g_strstr_len (type_end, end - type_end, end_marker);
    if (stop == NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: PEM block %u (%s) has no END line"),
                   label, index, type);
      return FALSE;
    }
    stop += strlen (end_marker);
    if (!add_pem_block (self, batch, label, type, index, begin, stop - begin, error))
      return FALSE;
    p = stop;
  }
  if (index == 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: no PEM block found"), label);
    return FALSE;
  }
  if (batch->ignored > 0)
    g_ptr_array_add (batch->warnings,
                     g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "%s: %u PEM block ignored (a request, public key or CRL)",
                                                   "%s: %u PEM blocks ignored (requests, public keys or CRLs)",
                                                   batch->ignored),
                                      label, batch->ignored));
  batch->ignored = 0;
  return TRUE;
}

/* ---- DER and dispatch --------------------------------------------------- */

static gboolean
add_der (CwMaterial *self, Batch *batch, const gchar *label, const guint8 *data, gsize len,
         GError **error)
{
  g_autoptr(GError) key_error = NULL;
  gboolean recognised = FALSE;
  gnutls_x509_crt_t crt;
  gnutls_x509_privkey_t key;

  crt = cw_x509_crt_import (data, len, GNUTLS_X509_FMT_DER, NULL);
  if (crt != NULL) {
    g_ptr_array_add (batch->certs, crt);
    return TRUE;
  }
  if (try_pkcs12 (self, batch, label, data, len, GNUTLS_X509_FMT_DER, &recognised, error))
    return TRUE;
  if (recognised)
    return FALSE;
  if (try_pkcs7 (batch, label, data, len, GNUTLS_X509_FMT_DER, &recognised, error))
    return TRUE;
  if (recognised)
    return FALSE;
  key = cw_x509_privkey_import (data, len, GNUTLS_X509_FMT_DER, self->password, &key_error);
  if (key != NULL) {
    g_ptr_array_add (batch->keys, key);
    return TRUE;
  }
  if (g_error_matches (key_error, CW_ERROR, CW_ERROR_PASSWORD_REQUIRED) ||
      g_error_matches (key_error, CW_ERROR, CW_ERROR_WRONG_PASSWORD)) {
    g_set_error (error, CW_ERROR, key_error->code, "%s: %s", label, key_error->message);
    return FALSE;
  }
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
               _("%s: not a certificate, private key, PKCS#12, PKCS#7 or ZIP file"), label);
  return FALSE;
}

static gboolean
looks_like_text (const guint8 *data, gsize len)
{
  /* an empty ZIP entry has no data at all: g_strstr_len wants some */
  return data != NULL && g_strstr_len ((const gchar *) data, MIN (len, MAX_INPUT_SIZE), "-----BEGIN ") != NULL;
}

static gboolean
add_one (CwMaterial *self, Batch *batch, const gchar *label, const guint8 *data, gsize len,
         guint depth, GError **error)
{
  if (len == 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: the input is empty"), label);
    return FALSE;
  }
  if (len > MAX_INPUT_SIZE) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: the input is larger than %d bytes"),
                 label, MAX_INPUT_SIZE);
    return FALSE;
  }

  if (cw_archive_is_zip (data, len)) {
    g_autoptr(GPtrArray) entries = NULL;
    GError *local = NULL;
    guint used = 0;

    if (depth > 0) {
      g_ptr_array_add (batch->warnings, g_strdup_printf (_("%s: nested ZIP archive ignored"), label));
      return TRUE;
    }
    entries = cw_archive_read_zip (data, len, &local);
    if (entries == NULL) {
      g_set_error (error, CW_ERROR, local->code, "%s: %s", label, local->message);
      g_error_free (local);
      return FALSE;
    }
    for (guint i = 0; i < entries->len; i++) {
      CwArchiveEntry *entry = g_ptr_array_index (entries, i);
      g_autofree gchar *entry_label = g_strdup_printf ("%s: %s", label, entry->name);
      gsize size = 0;
      const guint8 *bytes = g_bytes_get_data (entry->data, &size);
      g_autoptr(GError) entry_error = NULL;

      if (add_one (self, batch, entry_label, bytes, size, depth + 1, &entry_error)) {
        used++;
      } else if (g_error_matches (entry_error, CW_ERROR, CW_ERROR_INVALID_DATA) &&
                 !looks_like_text (bytes, size)) {
        /* a README or a picture in the bundle */
        g_ptr_array_add (batch->warnings, g_strdup_printf (_("%s: ignored (not a certificate or key)"),
                                                           entry_label));
      } else {
        g_propagate_error (error, g_steal_pointer (&entry_error));
        return FALSE;
      }
    }
    if (used == 0) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("%s: the ZIP archive holds no certificate or key"), label);
      return FALSE;
    }
    return TRUE;
  }

  if (looks_like_text (data, len)) {
    g_autofree gchar *text = g_strndup ((const gchar *) data, len);

    return add_pem (self, batch, label, text, strlen (text), error);
  }
  return add_der (self, batch, label, data, len, error);
}

static gchar *
key_identity (gnutls_x509_privkey_t key)
{
  g_autofree gchar *id = cw_x509_privkey_get_id (key);

  return id != NULL ? g_strconcat ("key:", id, NULL) : g_strdup_printf ("key:%p", (void *) key);
}

gboolean
cw_material_add (CwMaterial *self, const gchar *label, const guint8 *data, gsize len, GError **error)
{
  g_auto(Batch) batch = { NULL, NULL, NULL };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (label != NULL, FALSE);

  batch_init (&batch);
  if (!add_one (self, &batch, label, data, len, 0, error))
    return FALSE;

  if (self->certs->len + batch.certs->len > MAX_CERTS) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: more than %d certificates"), label, MAX_CERTS);
    return FALSE;
  }

  /* merge, dropping duplicates (the same key in a bundle and a key file) */
  for (guint i = 0; i < batch.certs->len; i++) {
    gnutls_x509_crt_t crt = g_ptr_array_index (batch.certs, i);
    gchar *fp = cw_x509_crt_get_fingerprint (crt);

    if (g_hash_table_add (self->seen, fp))
      g_ptr_array_add (self->certs, g_steal_pointer (&batch.certs->pdata[i]));
  }
  for (guint i = 0; i < batch.keys->len; i++) {
    gnutls_x509_privkey_t key = g_ptr_array_index (batch.keys, i);

    if (g_hash_table_add (self->seen, key_identity (key)))
      g_ptr_array_add (self->keys, g_steal_pointer (&batch.keys->pdata[i]));
  }
  for (guint i = 0; i < batch.warnings->len; i++)
    g_ptr_array_add (self->warnings, g_strdup (g_ptr_array_index (batch.warnings, i)));
  return TRUE;
}
