/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gnutls/x509.h>

G_BEGIN_DECLS

/* What GetCACaps says the CA can do (RFC 8894 §3.5.2). */
typedef struct {
  gboolean post;       /* POSTPKIOperation (implied by SCEPStandard) */
  gboolean aes;        /* AES (implied by SCEPStandard) */
  gboolean des3;
  gboolean sha256;     /* SHA-256 (implied by SCEPStandard) */
  gboolean renewal;    /* Renewal */
  gchar   *text;       /* the keywords as the CA sent them, one line */
} CwScepCaps;

void        cw_scep_caps_free (CwScepCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwScepCaps, cw_scep_caps_free)
/* From the body of a GetCACaps answer (case-insensitive keywords, one a line). */
CwScepCaps *cw_scep_caps_parse (const gchar *text, gsize len);

/* What GetCACert gives (RFC 8894 §4.2): the CA, and with an RA its
 * certificates too. */
typedef struct {
  GPtrArray        *certs;       /* all of them (gnutls_x509_crt_t), as sent */
  gnutls_x509_crt_t recipient;   /* whom requests are encrypted to: the RA's
                                  * encryption certificate, else the CA */
} CwScepCaCerts;

void           cw_scep_ca_certs_free (CwScepCaCerts *ca);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwScepCaCerts, cw_scep_ca_certs_free)
/* From a GetCACert answer: one DER certificate (x-x509-ca-cert) or a
 * certs-only SignedData (x-x509-ca-ra-cert); the RA split as RFC 8894
 * §3.5.1 describes it: the certificates that are not CAs are the RA's, and
 * the one allowed to encipher keys is the recipient. */
CwScepCaCerts *cw_scep_ca_certs_parse (const gchar *content_type, const guint8 *data, gsize len, GError **error);

#define CW_TYPE_SCEP_CLIENT (cw_scep_client_get_type ())
G_DECLARE_FINAL_TYPE (CwScepClient, cw_scep_client, CW, SCEP_CLIENT, GObject)

/**
 * CwScepClient:
 *
 * The HTTP side of SCEP (RFC 8894 §4) for one endpoint URL: GetCACaps,
 * GetCACert and PKIOperation (POST when the CA lists it, else GET with the
 * message in base64). Errors: CW_ERROR_NETWORK when the server cannot be
 * reached, CW_ERROR_INVALID_DATA for an answer that is not what SCEP
 * says (an HTTP error status, a wrong content type, a body that does not
 * parse), naming the URL.
 */
CwScepClient  *cw_scep_client_new (const gchar *url, const gchar *ca_identifier);
const gchar   *cw_scep_client_get_url (CwScepClient *self);

void           cw_scep_client_get_caps_async (CwScepClient *self, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
CwScepCaps    *cw_scep_client_get_caps_finish (CwScepClient *self, GAsyncResult *result, GError **error);

void           cw_scep_client_get_ca_certs_async (CwScepClient *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
CwScepCaCerts *cw_scep_client_get_ca_certs_finish (CwScepClient *self, GAsyncResult *result, GError **error);

/* Sends a pkiMessage; the CA's pkiMessage. */
void           cw_scep_client_pki_operation_async (CwScepClient *self, GBytes *message, gboolean post,
                                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                                   gpointer user_data);
GBytes        *cw_scep_client_pki_operation_finish (CwScepClient *self, GAsyncResult *result, GError **error);

G_END_DECLS
