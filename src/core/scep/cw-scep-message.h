/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <glib.h>

G_BEGIN_DECLS

/* RFC 8894 §3.2.1.2 messageType */
typedef enum {
  CW_SCEP_CERT_REP = 3,
  CW_SCEP_RENEWAL_REQ = 17,
  CW_SCEP_PKCS_REQ = 19,
  CW_SCEP_CERT_POLL = 20,
  CW_SCEP_GET_CERT = 21,
  CW_SCEP_GET_CRL = 22,
} CwScepMessageType;

/* RFC 8894 §3.2.1.3 pkiStatus */
typedef enum {
  CW_SCEP_SUCCESS = 0,
  CW_SCEP_FAILURE = 2,
  CW_SCEP_PENDING = 3,
} CwScepStatus;

/**
 * CwScepMessage:
 *
 * One pkiMessage (RFC 8894 §3.2): a CMS SignedData whose signed attributes
 * say what it is and whose content, when there is one, is the DER of an
 * EnvelopedData ContentInfo (cw-scep-envelope.h).
 */
typedef struct {
  CwScepMessageType type;
  gchar            *transaction_id;
  GBytes           *sender_nonce;
  GBytes           *recipient_nonce;  /* CertRep only */
  CwScepStatus      status;           /* CertRep only */
  gint              fail_info;        /* CertRep FAILURE: 0–4, or -1 */
  gchar            *fail_info_text;   /* RFC 8894 §3.2.1.4.6, or NULL */
  GBytes           *content;          /* the messageData, or NULL */
  gnutls_x509_crt_t signer;           /* parsed: the certificate that signed it */
  gboolean          verified;         /* parsed: its signature checked (see below) */
} CwScepMessage;

CwScepMessage *cw_scep_message_new (CwScepMessageType type);
void           cw_scep_message_free (CwScepMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwScepMessage, cw_scep_message_free)

/* A new transactionID or senderNonce: 16 random bytes (the ID as hex). */
gchar         *cw_scep_transaction_id_new (void);
GBytes        *cw_scep_nonce_new (void);

/* The signed pkiMessage: SignedData embedding @msg->content (which GnuTLS
 * requires: it signs no empty content), the SCEP attributes of @msg, signed by @cert (included) and @key
 * with @digest. */
GBytes        *cw_scep_message_sign (const CwScepMessage *msg, gnutls_x509_crt_t cert, gnutls_privkey_t key,
                                     gnutls_digest_algorithm_t digest, GError **error);

/* Parses and verifies a pkiMessage: signed by one of @signers
 * (gnutls_x509_crt_t), or, when @signers is NULL, by the certificate it
 * carries (a request, whose signer is self-signed or the current
 * certificate). A message without content (a FAILURE or PENDING CertRep)
 * is one GnuTLS cannot verify: it is accepted with @verified FALSE when
 * the signer it names is one of @signers, which is safe only because such
 * a message cannot carry a certificate. SHA-1 signatures are accepted: RFC 8894 still allows them
 * and widespread CAs (micromdm's among them) sign with nothing else.
 * CW_ERROR_INVALID_DATA saying what is wrong otherwise. */
CwScepMessage *cw_scep_message_parse (const guint8 *der, gsize len, GPtrArray *signers, GError **error);

/* What the CA answered a request (@transaction_id, @sender_nonce) with:
 * parsed, checked against the request, and for SUCCESS decrypted with
 * @cert/@key into the certificates it carries (*@certs, leaf first).
 * The status comes back in @msg; FAILURE and PENDING carry no
 * certificates. This is what takes bytes from the network: it must hold
 * up to anything (fuzz/). */
CwScepMessage *cw_scep_cert_rep_open (const guint8 *der, gsize len, GPtrArray *signers,
                                      const gchar *transaction_id, GBytes *sender_nonce,
                                      gnutls_x509_crt_t cert, gnutls_privkey_t key, GPtrArray **certs,
                                      GError **error);

/* "badRequest: …": the failInfo in words (RFC 8894 §3.2.1.4). */
const gchar   *cw_scep_fail_info_to_string (gint fail_info);

/* The certificates of a certs-only ("degenerate") SignedData, in order. */
GPtrArray     *cw_scep_certs_only_parse (const guint8 *der, gsize len, GError **error);
/* And one made of @certs (for tests, and an RA's GetCACert). */
GBytes        *cw_scep_certs_only_build (GPtrArray *certs, GError **error);

G_END_DECLS
