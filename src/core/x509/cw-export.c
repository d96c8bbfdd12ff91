/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Export of a certificate as PEM, DER or PKCS#12 (modern or legacy). */
#include "config.h"

#include "cw-export.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

gboolean
cw_export_format_from_string (const gchar *text, CwExportFormat *format, GError **error)
{
  g_return_val_if_fail (format != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL || g_str_equal (text, "pem"))
    *format = CW_EXPORT_PEM;
  else if (g_str_equal (text, "der"))
    *format = CW_EXPORT_DER;
  else if (g_str_equal (text, "pkcs12") || g_str_equal (text, "p12") || g_str_equal (text, "pfx"))
    *format = CW_EXPORT_PKCS12;
  else {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("unknown export format “%s”; use pem, der or pkcs12"), text);
    return FALSE;
  }
  return TRUE;
}

static gboolean
has_password (const CwExportOptions *options)
{
  return options->password != NULL && options->password[0] != '\0';
}

gboolean
cw_export_options_validate (const CwExportOptions *options, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options->format == CW_EXPORT_DER && options->include_key) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("a DER export holds the certificate only; use pem or pkcs12 to include the key"));
    return FALSE;
  }
  if (options->format == CW_EXPORT_PKCS12 && options->include_key && !has_password (options) &&
      !options->file_protected) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("a PKCS#12 file that holds the private key needs a password"));
    return FALSE;
  }
  if (has_password (options) && !options->include_key && options->format != CW_EXPORT_PKCS12) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("a password only makes sense with include-key or the pkcs12 format"));
    return FALSE;
  }
  return TRUE;
}

static GBytes *
export_pem (GPtrArray *certs, gnutls_x509_privkey_t key, const CwExportOptions *options, GError **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < certs->len; i++) {
    g_autofree gchar *pem = cw_x509_crt_export_pem (g_ptr_array_index (certs, i), error);

    if (pem == NULL)
      return NULL;
    g_string_append (out, pem);
  }
  if (options->include_key) {
    g_autofree gchar *pem = cw_x509_privkey_export_pem (key, options->password, error);

    if (pem == NULL)
      return NULL;
    g_string_append (out, pem);
    explicit_bzero (pem, strlen (pem));
  }
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

static gboolean
pkcs12_fail (GError **error, int ret)
{
  return cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot build the PKCS#12 file"));
}

static GBytes *
export_pkcs12 (GPtrArray *certs, gnutls_x509_privkey_t key, const gchar *friendly_name,
               const CwExportOptions *options, GError **error)
{
  g_auto(gnutls_pkcs12_t) p12 = NULL;
  g_auto(gnutls_pkcs12_bag_t) cert_bag = NULL;
  g_auto(gnutls_pkcs12_bag_t) key_bag = NULL;
  g_auto(CwDatum) out = { 0 };
  /* an empty password still gets a MAC, which is what most readers expect */
  const gchar *password = has_password (options) ? options->password : "";
  unsigned cipher = options->legacy ? GNUTLS_PKCS_PKCS12_3DES : GNUTLS_PKCS_PBES2_AES_256;
  guint8 key_id[20];
  size_t key_id_size = sizeof key_id;
  gnutls_datum_t id_datum;
  int ret;

  /* localKeyID ties the key to its certificate for Windows, Java and OpenSSL */
  ret = gnutls_x509_crt_get_key_id (g_ptr_array_index (certs, 0), 0, key_id, &key_id_size);
  if (ret < 0)
    return pkcs12_fail (error, ret), NULL;
  id_datum.data = key_id;
  id_datum.size = key_id_size;

  gnutls_pkcs12_init (&p12);
  gnutls_pkcs12_bag_init (&cert_bag);
  for (guint i = 0; i < certs->len; i++) {
    int idx = gnutls_pkcs12_bag_set_crt (cert_bag, g_ptr_array_index (certs, i));

    if (idx < 0)
      return pkcs12_fail (error, idx), NULL;
    if (i == 0) {
      gnutls_pkcs12_bag_set_key_id (cert_bag, idx, &id_datum);
      gnutls_pkcs12_bag_set_friendly_name (cert_bag, idx, friendly_name);
    }
  }
  if (has_password (options)) {
    ret = gnutls_pkcs12_bag_encrypt (cert_bag, password, cipher);
    if (ret < 0)
      return pkcs12_fail (error, ret), NULL;
  }
  ret = gnutls_pkcs12_set_bag (p12, cert_bag);
  if (ret < 0)
    return pkcs12_fail (error, ret), NULL;

  if (options->include_key) {
    g_auto(CwDatum) pkcs8 = { 0 };
    int idx;

    ret = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_DER, password, cipher, &pkcs8);
    if (ret < 0)
      return pkcs12_fail (error, ret), NULL;
    gnutls_pkcs12_bag_init (&key_bag);
    idx = gnutls_pkcs12_bag_set_data (key_bag, GNUTLS_BAG_PKCS8_ENCRYPTED_KEY, &pkcs8);
    explicit_bzero (pkcs8.data, pkcs8.size);
    if (idx < 0)
      return pkcs12_fail (error, idx), NULL;
    gnutls_pkcs12_bag_set_key_id (key_bag, idx, &id_datum);
    gnutls_pkcs12_bag_set_friendly_name (key_bag, idx, friendly_name);
    ret = gnutls_pkcs12_set_bag (p12, key_bag);
    if (ret < 0)
      return pkcs12_fail (error, ret), NULL;
  }

  ret = gnutls_pkcs12_generate_mac2 (p12, options->legacy ? GNUTLS_MAC_SHA1 : GNUTLS_MAC_SHA256, password);
  if (ret < 0)
    return pkcs12_fail (error, ret), NULL;
  ret = gnutls_pkcs12_export2 (p12, GNUTLS_X509_FMT_DER, &out);
  if (ret < 0)
    return pkcs12_fail (error, ret), NULL;
  return g_bytes_new (out.data, out.size);
}

GBytes *
cw_export (GPtrArray *certs, gnutls_x509_privkey_t key, const gchar *friendly_name,
           const CwExportOptions *options, GError **error)
{
  g_return_val_if_fail (certs != NULL && certs->len > 0, NULL);
  g_return_val_if_fail (!options->include_key || key != NULL, NULL);

  if (!cw_export_options_validate (options, error))
    return NULL;
  switch (options->format) {
  case CW_EXPORT_DER:
    return cw_x509_crt_export_der (g_ptr_array_index (certs, 0), error);
  case CW_EXPORT_PKCS12:
    return export_pkcs12 (certs, key, friendly_name, options, error);
  case CW_EXPORT_PEM:
  default:
    return export_pem (certs, key, options, error);
  }
}
