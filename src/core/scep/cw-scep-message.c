/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SCEP pkiMessages (RFC 8894 §3.2): the SignedData around every request
 * and answer, made and verified by GnuTLS, with the SCEP signed attributes
 * as libtasn1 values; and the CA's CertRep, checked and opened. */
#include "config.h"

#include "cw-scep-message.h"
#include "cw-scep-asn1.h"
#include "cw-scep-envelope.h"
#include "cw-error.h"

#include <gnutls/crypto.h>
#include <gnutls/pkcs7.h>
#include <glib/gi18n.h>
#include <string.h>

#define OID_MESSAGE_TYPE "2.16.840.1.113733.1.9.2"
#define OID_PKI_STATUS "2.16.840.1.113733.1.9.3"
#define OID_FAIL_INFO "2.16.840.1.113733.1.9.4"
#define OID_SENDER_NONCE "2.16.840.1.113733.1.9.5"
#define OID_RECIPIENT_NONCE "2.16.840.1.113733.1.9.6"
#define OID_TRANSACTION_ID "2.16.840.1.113733.1.9.7"
#define OID_FAIL_INFO_TEXT "1.3.6.1.5.5.7.24.1"

#define MAX_CERTS 16

CwScepMessage *
cw_scep_message_new (CwScepMessageType type)
{
  CwScepMessage *msg = g_new0 (CwScepMessage, 1);

  msg->type = type;
  msg->fail_info = -1;
  return msg;
}

void
cw_scep_message_free (CwScepMessage *msg)
{
  if (msg == NULL)
    return;
  g_free (msg->transaction_id);
  g_clear_pointer (&msg->sender_nonce, g_bytes_unref);
  g_clear_pointer (&msg->recipient_nonce, g_bytes_unref);
  g_free (msg->fail_info_text);
  g_clear_pointer (&msg->content, g_bytes_unref);
  if (msg->signer != NULL)
    gnutls_x509_crt_deinit (msg->signer);
  g_free (msg);
}

gchar *
cw_scep_transaction_id_new (void)
{
  guint8 id[16];

  gnutls_rnd (GNUTLS_RND_NONCE, id, sizeof id);
  return g_compute_checksum_for_data (G_CHECKSUM_MD5, id, sizeof id);   /* 32 hex digits of randomness */
}

GBytes *
cw_scep_nonce_new (void)
{
  guint8 nonce[16];

  gnutls_rnd (GNUTLS_RND_NONCE, nonce, sizeof nonce);
  return g_bytes_new (nonce, sizeof nonce);
}

static gboolean
gnutls_failed (int ret, const gchar *what, GError **error)
{
  if (ret >= 0)
    return FALSE;
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, "%s: %s", what, gnutls_strerror (ret));
  return TRUE;
}

/* ---- signing ------------------------------------------------------------ */

static gboolean
add_attr (gnutls_pkcs7_attrs_t *attrs, const gchar *oid, GBytes *der, GError **error)
{
  gnutls_datum_t datum;

  if (der == NULL)
    return FALSE;
  datum.data = (guint8 *) g_bytes_get_data (der, NULL);
  datum.size = g_bytes_get_size (der);
  return !gnutls_failed (gnutls_pkcs7_add_attr (attrs, oid, &datum, 0), oid, error);
}

static gboolean
add_printable (gnutls_pkcs7_attrs_t *attrs, const gchar *oid, const gchar *text, GError **error)
{
  g_autoptr(GBytes) der = cw_scep_asn1_printable (text, error);

  return add_attr (attrs, oid, der, error);
}

static gboolean
add_octets (gnutls_pkcs7_attrs_t *attrs, const gchar *oid, GBytes *value, GError **error)
{
  g_autoptr(GBytes) der = cw_scep_asn1_octets (g_bytes_get_data (value, NULL), g_bytes_get_size (value), error);

  return add_attr (attrs, oid, der, error);
}

GBytes *
cw_scep_message_sign (const CwScepMessage *msg, gnutls_x509_crt_t cert, gnutls_privkey_t key,
                      gnutls_digest_algorithm_t digest, GError **error)
{
  gnutls_pkcs7_attrs_t attrs = NULL;
  gnutls_pkcs7_t p7 = NULL;
  gnutls_datum_t data = { (guint8 *) "", 0 }, out = { NULL, 0 };
  g_autofree gchar *type = g_strdup_printf ("%d", msg->type);
  GBytes *result = NULL;
  gboolean ok;

  ok = add_printable (&attrs, OID_TRANSACTION_ID, msg->transaction_id, error) &&
       add_printable (&attrs, OID_MESSAGE_TYPE, type, error) &&
       (msg->sender_nonce == NULL || add_octets (&attrs, OID_SENDER_NONCE, msg->sender_nonce, error));
  if (ok && msg->type == CW_SCEP_CERT_REP) {
    g_autofree gchar *status = g_strdup_printf ("%d", msg->status);

    ok = add_printable (&attrs, OID_PKI_STATUS, status, error) &&
         (msg->recipient_nonce == NULL || add_octets (&attrs, OID_RECIPIENT_NONCE, msg->recipient_nonce, error));
    if (ok && msg->status == CW_SCEP_FAILURE) {
      g_autofree gchar *info = g_strdup_printf ("%d", MAX (msg->fail_info, 0));

      ok = add_printable (&attrs, OID_FAIL_INFO, info, error);
    }
  }
  /* GnuTLS signs no empty content: every message Certward sends has some */
  if (msg->content == NULL) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("a SCEP message without content cannot be signed"));
    gnutls_pkcs7_attrs_deinit (attrs);
    return NULL;
  }
  if (msg->content != NULL) {
    data.data = (guint8 *) g_bytes_get_data (msg->content, NULL);
    data.size = g_bytes_get_size (msg->content);
  }
  ok = ok && !gnutls_failed (gnutls_pkcs7_init (&p7), "PKCS #7", error) &&
       !gnutls_failed (gnutls_pkcs7_sign (p7, cert, key, &data, attrs, NULL, digest,
                                          GNUTLS_PKCS7_EMBED_DATA | GNUTLS_PKCS7_INCLUDE_CERT),
                       _("signing the SCEP message"), error) &&
       !gnutls_failed (gnutls_pkcs7_export2 (p7, GNUTLS_X509_FMT_DER, &out), "PKCS #7", error);
  if (ok)
    result = g_bytes_new (out.data, out.size);
  gnutls_free (out.data);
  gnutls_pkcs7_attrs_deinit (attrs);
  if (p7 != NULL)
    gnutls_pkcs7_deinit (p7);
  return result;
}

/* ---- parsing ------------------------------------------------------------ */

static gnutls_x509_crt_t
import_der (const gnutls_datum_t *der, GError **error)
{
  gnutls_x509_crt_t crt = NULL;

  if (gnutls_failed (gnutls_x509_crt_init (&crt), "X.509", error))
    return NULL;
  if (gnutls_failed (gnutls_x509_crt_import (crt, der, GNUTLS_X509_FMT_DER), _("a certificate in the message"),
                     error)) {
    gnutls_x509_crt_deinit (crt);
    return NULL;
  }
  return crt;
}

/* The certificates @p7 carries. */
static GPtrArray *
carried (gnutls_pkcs7_t p7, GError **error)
{
  g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func ((GDestroyNotify) gnutls_x509_crt_deinit);
  int count = gnutls_pkcs7_get_crt_count (p7);

  if (count > MAX_CERTS) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the message carries %d certificates"), count);
    return NULL;
  }
  for (int i = 0; i < count; i++) {
    gnutls_datum_t der = { NULL, 0 };
    gnutls_x509_crt_t crt;

    if (gnutls_failed (gnutls_pkcs7_get_crt_raw2 (p7, i, &der), _("a certificate in the message"), error))
      return NULL;
    crt = import_der (&der, error);
    gnutls_free (der.data);
    if (crt == NULL)
      return NULL;
    g_ptr_array_add (certs, crt);
  }
  return g_steal_pointer (&certs);
}

/* Reads the SCEP attributes among @attrs into @msg. */
static gboolean
read_attrs (gnutls_pkcs7_attrs_t attrs, CwScepMessage *msg, GError **error)
{
  g_autofree gchar *type = NULL, *status = NULL, *fail_info = NULL;

  for (guint i = 0;; i++) {
    char *oid = NULL;   /* the list's own */
    gnutls_datum_t value = { NULL, 0 };
    int ret = gnutls_pkcs7_get_attr (attrs, i, &oid, &value, 0);
    gboolean ok = TRUE;

    if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      break;
    if (gnutls_failed (ret, _("the message's attributes"), error))
      return FALSE;
#define IS(o) g_str_equal (oid, o)
#define ONCE(field, call) \
  G_STMT_START { if ((field) != NULL) ok = FALSE; else ok = ((field) = (call)) != NULL; } G_STMT_END
    if (IS (OID_MESSAGE_TYPE))
      ONCE (type, cw_scep_asn1_printable_value (value.data, value.size, error));
    else if (IS (OID_PKI_STATUS))
      ONCE (status, cw_scep_asn1_printable_value (value.data, value.size, error));
    else if (IS (OID_FAIL_INFO))
      ONCE (fail_info, cw_scep_asn1_printable_value (value.data, value.size, error));
    else if (IS (OID_TRANSACTION_ID))
      ONCE (msg->transaction_id, cw_scep_asn1_printable_value (value.data, value.size, error));
    else if (IS (OID_SENDER_NONCE))
      ONCE (msg->sender_nonce, cw_scep_asn1_octets_value (value.data, value.size, error));
    else if (IS (OID_RECIPIENT_NONCE))
      ONCE (msg->recipient_nonce, cw_scep_asn1_octets_value (value.data, value.size, error));
    else if (IS (OID_FAIL_INFO_TEXT) && msg->fail_info_text == NULL)
      msg->fail_info_text = cw_scep_asn1_text_value (value.data, value.size, NULL);   /* words or nothing */
#undef ONCE
#undef IS
    gnutls_free (value.data);
    if (!ok) {
      if (error != NULL && *error == NULL)
        g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the message repeats its attribute %s"), oid);
      return FALSE;
    }
  }
  if (type == NULL || msg->transaction_id == NULL) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                         _("the message lacks its messageType or transactionID"));
    return FALSE;
  }
  msg->type = (CwScepMessageType) g_ascii_strtoll (type, NULL, 10);
  if (msg->type == CW_SCEP_CERT_REP) {
    if (status == NULL || (!g_str_equal (status, "0") && !g_str_equal (status, "2") && !g_str_equal (status, "3"))) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the CA's answer has no valid pkiStatus (%s)"),
                   status != NULL ? status : "none");
      return FALSE;
    }
    msg->status = (CwScepStatus) (status[0] - '0');
    if (fail_info != NULL && strlen (fail_info) == 1 && fail_info[0] >= '0' && fail_info[0] <= '4')
      msg->fail_info = fail_info[0] - '0';
  }
  return TRUE;
}

static gnutls_x509_crt_t
copy_crt (gnutls_x509_crt_t crt, GError **error)
{
  gnutls_datum_t der = { NULL, 0 };
  gnutls_x509_crt_t copy;

  if (gnutls_failed (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &der), "X.509", error))
    return NULL;
  copy = import_der (&der, error);
  gnutls_free (der.data);
  return copy;
}

/* Verifies @p7 against @candidates; the signer that fits, or NULL. */
static gnutls_x509_crt_t
verify (gnutls_pkcs7_t p7, GPtrArray *candidates, GError **error)
{
  int ret = GNUTLS_E_NO_CERTIFICATE_FOUND;

  for (guint i = 0; i < candidates->len; i++) {
    gnutls_x509_crt_t crt = g_ptr_array_index (candidates, i);

    ret = gnutls_pkcs7_verify_direct (p7, crt, 0, NULL, GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1);
    if (ret >= 0)
      return copy_crt (crt, error);
  }
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the message's signature does not verify: %s"),
               gnutls_strerror (ret));
  return NULL;
}

/* The candidate the signature info names (issuer and serial). */
static gnutls_x509_crt_t
named_signer (gnutls_pkcs7_signature_info_st *info, GPtrArray *candidates, GError **error)
{
  for (guint i = 0; i < candidates->len; i++) {
    gnutls_x509_crt_t crt = g_ptr_array_index (candidates, i);
    gnutls_datum_t issuer = { NULL, 0 };
    guint8 serial[64];
    size_t serial_len = sizeof serial;
    gboolean same;

    if (gnutls_x509_crt_get_raw_issuer_dn (crt, &issuer) < 0)
      continue;
    same = gnutls_x509_crt_get_serial (crt, serial, &serial_len) >= 0 && info->issuer_dn.size == issuer.size &&
           info->issuer_dn.size > 0 && memcmp (info->issuer_dn.data, issuer.data, issuer.size) == 0 &&
           info->signer_serial.size == serial_len && memcmp (info->signer_serial.data, serial, serial_len) == 0;
    gnutls_free (issuer.data);
    if (same)
      return copy_crt (crt, error);
  }
  g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the message is not signed by the CA"));
  return NULL;
}

CwScepMessage *
cw_scep_message_parse (const guint8 *der, gsize len, GPtrArray *signers, GError **error)
{
  g_autoptr(CwScepMessage) msg = cw_scep_message_new (0);
  g_autoptr(GPtrArray) own = NULL;
  gnutls_pkcs7_t p7 = NULL;
  gnutls_pkcs7_signature_info_st info;
  gnutls_datum_t in = { (guint8 *) der, len }, content = { NULL, 0 };
  gboolean have_info = FALSE, ok = FALSE;
  int ret;

  if (len == 0 || len > G_MAXUINT32) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the message is empty or too large"));
    return NULL;
  }
  if (gnutls_failed (gnutls_pkcs7_init (&p7), "PKCS #7", error))
    return NULL;
  if (gnutls_failed (gnutls_pkcs7_import (p7, &in, GNUTLS_X509_FMT_DER), _("not a CMS SignedData"), error))
    goto out;
  if (gnutls_pkcs7_get_signature_count (p7) != 1) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the message has %d signatures instead of one"),
                 gnutls_pkcs7_get_signature_count (p7));
    goto out;
  }
  if (gnutls_failed (gnutls_pkcs7_get_signature_info (p7, 0, &info), _("the message's signature"), error))
    goto out;
  have_info = TRUE;
  if (signers == NULL && (signers = own = carried (p7, error)) == NULL)
    goto out;
  ret = gnutls_pkcs7_get_embedded_data (p7, 0, &content);
  if (ret >= 0) {
    msg->content = g_bytes_new (content.data, content.size);
    gnutls_free (content.data);
  }
  /* FAILURE and PENDING carry no content, and GnuTLS verifies no
   * signature over nothing: see cw_scep_message_parse() */
  msg->verified = ret >= 0;
  msg->signer = msg->verified ? verify (p7, signers, error) : named_signer (&info, signers, error);
  if (msg->signer == NULL || !read_attrs (info.signed_attrs, msg, error))
    goto out;
  ok = TRUE;
out:
  if (have_info)
    gnutls_pkcs7_signature_info_deinit (&info);
  gnutls_pkcs7_deinit (p7);
  return ok ? g_steal_pointer (&msg) : NULL;
}

/* ---- CertRep ------------------------------------------------------------ */

static gboolean
bytes_equal (GBytes *a, GBytes *b)
{
  return a != NULL && b != NULL && g_bytes_equal (a, b);
}

CwScepMessage *
cw_scep_cert_rep_open (const guint8 *der, gsize len, GPtrArray *signers, const gchar *transaction_id,
                       GBytes *sender_nonce, gnutls_x509_crt_t cert, gnutls_privkey_t key, GPtrArray **certs,
                       GError **error)
{
  g_autoptr(CwScepMessage) msg = cw_scep_message_parse (der, len, signers, error);
  g_autoptr(GBytes) plain = NULL;

  *certs = NULL;
  if (msg == NULL)
    return NULL;
  if (msg->type != CW_SCEP_CERT_REP) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the CA answered with a message of type %d, not CertRep"),
                 msg->type);
    return NULL;
  }
  /* an answer to another request, or a replay (RFC 8894 §3.2.1.5) */
  if (g_strcmp0 (msg->transaction_id, transaction_id) != 0 || !bytes_equal (msg->recipient_nonce, sender_nonce)) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                         _("the CA's answer is not for this request (transactionID or nonce differ)"));
    return NULL;
  }
  if (msg->status == CW_SCEP_FAILURE && msg->fail_info < 0) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the CA's FAILURE answer has no valid failInfo"));
    return NULL;
  }
  if (msg->status != CW_SCEP_SUCCESS)
    return g_steal_pointer (&msg);
  if (msg->content == NULL || !msg->verified) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the CA's SUCCESS answer carries no certificate"));
    return NULL;
  }
  plain = cw_scep_envelope_open (g_bytes_get_data (msg->content, NULL), g_bytes_get_size (msg->content), cert, key,
                                 error);
  if (plain == NULL)
    return NULL;
  *certs = cw_scep_certs_only_parse (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), error);
  if (*certs == NULL)
    return NULL;
  if ((*certs)->len == 0) {
    g_clear_pointer (certs, g_ptr_array_unref);
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the CA's SUCCESS answer carries no certificate"));
    return NULL;
  }
  return g_steal_pointer (&msg);
}

const gchar *
cw_scep_fail_info_to_string (gint fail_info)
{
  switch (fail_info) {
  case 0:
    return _("badAlg: the CA does not accept the algorithms of the request");
  case 1:
    return _("badMessageCheck: the request's signature or integrity check failed at the CA");
  case 2:
    return _("badRequest: the CA refused the request (a wrong or expired challenge password, or a request it does "
             "not allow)");
  case 3:
    return _("badTime: the request's time is too far from the CA's clock");
  case 4:
    return _("badCertId: the CA found no certificate matching the request");
  default:
    return _("the CA gave no reason");
  }
}

/* ---- certs-only SignedData ---------------------------------------------- */

GPtrArray *
cw_scep_certs_only_parse (const guint8 *der, gsize len, GError **error)
{
  gnutls_pkcs7_t p7 = NULL;
  gnutls_datum_t in = { (guint8 *) der, len };
  GPtrArray *certs = NULL;

  if (len == 0 || len > G_MAXUINT32) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("no certificates"));
    return NULL;
  }
  if (gnutls_failed (gnutls_pkcs7_init (&p7), "PKCS #7", error))
    return NULL;
  if (!gnutls_failed (gnutls_pkcs7_import (p7, &in, GNUTLS_X509_FMT_DER), _("not a certs-only CMS SignedData"),
                      error))
    certs = carried (p7, error);
  gnutls_pkcs7_deinit (p7);
  return certs;
}

GBytes *
cw_scep_certs_only_build (GPtrArray *certs, GError **error)
{
  gnutls_pkcs7_t p7 = NULL;
  gnutls_datum_t out = { NULL, 0 };
  GBytes *result = NULL;
  gboolean ok;

  ok = !gnutls_failed (gnutls_pkcs7_init (&p7), "PKCS #7", error);
  for (guint i = 0; ok && i < certs->len; i++)
    ok = !gnutls_failed (gnutls_pkcs7_set_crt (p7, g_ptr_array_index (certs, i)), "PKCS #7", error);
  if (ok && !gnutls_failed (gnutls_pkcs7_export2 (p7, GNUTLS_X509_FMT_DER, &out), "PKCS #7", error))
    result = g_bytes_new (out.data, out.size);
  gnutls_free (out.data);
  if (p7 != NULL)
    gnutls_pkcs7_deinit (p7);
  return result;
}
