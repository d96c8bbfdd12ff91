/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/abstract.h>
#include <gnutls/pkcs12.h>
#include <gnutls/pkcs7.h>

G_BEGIN_DECLS

/* Automatic cleanup for the GnuTLS handle types: they are pointer typedefs,
 * so they are used with g_auto(), e.g. g_auto(gnutls_x509_crt_t) crt = NULL. */
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_privkey_t, gnutls_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_pubkey_t, gnutls_pubkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crq_t, gnutls_x509_crq_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_pkcs12_t, gnutls_pkcs12_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_pkcs12_bag_t, gnutls_pkcs12_bag_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_pkcs7_t, gnutls_pkcs7_deinit, NULL)


/* A gnutls_datum_t whose data GnuTLS allocated: g_auto(CwDatum) d = { 0 }; */
typedef gnutls_datum_t CwDatum;
void cw_datum_clear (CwDatum *datum);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CwDatum, cw_datum_clear)

/* Sets @error from a negative GnuTLS return code: "@what: <gnutls text>". */
gboolean cw_gnutls_fail (GError **error, gint code, int ret, const gchar *what);

/* What the agent publishes about one certificate; extracted once, so the
 * parsed certificate need not be kept in memory. */
typedef struct {
  gchar   *subject;
  gchar   *issuer;
  gchar   *serial;       /* lower-case hex */
  gchar   *fingerprint;  /* SHA-256 of the DER, lower-case hex */
  gchar   *key_type;     /* "ec-p256", "rsa-2048", … */
  gchar  **identities;   /* SAN DNS names and IPs, else the CN */
  gint64   not_before;
  gint64   not_after;
  gboolean is_ca;
  gboolean self_signed;
  gchar   *ari_id;       /* RFC 9773 certID: base64url(AKI keyIdentifier) "."
                          * base64url(serial), or NULL without an AKI */
  gboolean client_auth;  /* usable as a TLS client certificate: no extended key
                          * usage, or one with clientAuth (or any purpose) */
} CwCertInfo;

CwCertInfo *cw_cert_info_new (gnutls_x509_crt_t crt, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The info kept in a GKeyFile group (a revision's cache of its leaf), and
 * back: NULL when the group is absent or incomplete. */
void        cw_cert_info_save (const CwCertInfo *info, GKeyFile *file, const gchar *group);
CwCertInfo *cw_cert_info_load (GKeyFile *file, const gchar *group) G_GNUC_WARN_UNUSED_RESULT;
void        cw_cert_info_free (CwCertInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwCertInfo, cw_cert_info_free)

/* Calls @func with the DER of each PEM "CERTIFICATE" block of @text, one
 * block at a time (a bundle parsed at once weighs megabytes); @index
 * counts blocks from 1, undecodable ones included (then @der is NULL). */
typedef void (*CwDerFunc) (const guint8 *der, gsize len, guint index, gpointer user_data);
void      cw_pem_foreach_certificate (const gchar *text, gsize len, CwDerFunc func, gpointer user_data);

gnutls_x509_crt_t cw_x509_crt_import (const guint8 *data, gsize len,
                                      gnutls_x509_crt_fmt_t fmt, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gnutls_x509_crt_t cw_x509_crt_copy (gnutls_x509_crt_t crt) G_GNUC_WARN_UNUSED_RESULT;
gchar    *cw_x509_crt_export_pem (gnutls_x509_crt_t crt, GError **error) G_GNUC_WARN_UNUSED_RESULT;
GBytes   *cw_x509_crt_export_der (gnutls_x509_crt_t crt, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar    *cw_x509_crt_get_fingerprint (gnutls_x509_crt_t crt) G_GNUC_WARN_UNUSED_RESULT;
/* Names as RFC 4514 text, always valid UTF-8 (bytes that are not are
 * escaped "\HH"); describe gives the CN, else the subject. */
gchar    *cw_x509_crt_get_subject (gnutls_x509_crt_t crt) G_GNUC_WARN_UNUSED_RESULT;
gchar    *cw_x509_crt_get_issuer (gnutls_x509_crt_t crt) G_GNUC_WARN_UNUSED_RESULT;
gchar    *cw_x509_crt_describe (gnutls_x509_crt_t crt) G_GNUC_WARN_UNUSED_RESULT;
gboolean  cw_x509_crt_is_self_signed (gnutls_x509_crt_t crt);
gboolean  cw_x509_crt_is_ca (gnutls_x509_crt_t crt);
gboolean  cw_x509_crt_signed_by (gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer);
gboolean  cw_x509_crt_has_weak_signature (gnutls_x509_crt_t crt, gchar **algorithm);
gchar    *cw_x509_crt_get_key_type (gnutls_x509_crt_t crt, guint *rsa_bits) G_GNUC_WARN_UNUSED_RESULT;

gnutls_x509_privkey_t cw_x509_privkey_import (const guint8 *data, gsize len,
                                              gnutls_x509_crt_fmt_t fmt,
                                              const gchar *password, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gnutls_x509_privkey_t cw_x509_privkey_copy (gnutls_x509_privkey_t key) G_GNUC_WARN_UNUSED_RESULT;
gchar    *cw_x509_privkey_export_pem (gnutls_x509_privkey_t key, const gchar *password,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar    *cw_x509_privkey_get_key_type (gnutls_x509_privkey_t key, guint *rsa_bits) G_GNUC_WARN_UNUSED_RESULT;
gboolean  cw_x509_privkey_matches (gnutls_x509_privkey_t key, gnutls_x509_crt_t crt);
gboolean  cw_x509_privkey_equal (gnutls_x509_privkey_t a, gnutls_x509_privkey_t b);
/* SHA-256 of the public key, lower-case hex; NULL on failure. */
gchar    *cw_x509_privkey_get_id (gnutls_x509_privkey_t key) G_GNUC_WARN_UNUSED_RESULT;

gchar    *cw_hex_encode (const guint8 *data, gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* Password-protected inputs name their own key-derivation cost; an absurd
 * one (millions of rounds) would stall the agent, so it is refused. */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CW_MAX_KDF_ITERATIONS 2000000
#else
/* fuzz/: a mutated round count costs a second per input at the real cap */
#define CW_MAX_KDF_ITERATIONS 20000
#endif
gboolean  cw_kdf_iterations_ok (guint iterations, const gchar *label, GError **error);

/* The CN of the issuer of the last certificate of a PEM chain (the root
 * the chain leads to, for choosing among a CA's alternate chains), or NULL. */
gchar *cw_x509_chain_top_issuer_cn (const gchar *pem);

G_END_DECLS
