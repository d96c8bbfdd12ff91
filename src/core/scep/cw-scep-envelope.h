/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <glib.h>

G_BEGIN_DECLS

/* The content encryption of a request (RFC 8894 §3.5.2): AES-128-CBC when
 * the CA lists "AES", else triple DES. */
typedef enum {
  CW_SCEP_CIPHER_AES_128_CBC,
  CW_SCEP_CIPHER_3DES_CBC,
} CwScepCipher;

/* A CMS EnvelopedData (RFC 5652 §6) in its ContentInfo, holding @content
 * encrypted for @recipient's RSA key (key transport, PKCS #1 v1.5). */
GBytes *cw_scep_envelope_seal (GBytes *content, gnutls_x509_crt_t recipient, CwScepCipher cipher,
                               GError **error);

/* The content of the EnvelopedData ContentInfo @der, decrypted with
 * @key, whose certificate @cert names the recipient to use. Accepts
 * AES-128/192/256-CBC, triple DES and single DES (what go.mozilla.org/pkcs7
 * servers such as micromdm's answer with). CW_ERROR_INVALID_DATA for a
 * structure that does not parse or decrypt. */
GBytes *cw_scep_envelope_open (const guint8 *der, gsize len, gnutls_x509_crt_t cert, gnutls_privkey_t key,
                               GError **error);

G_END_DECLS
