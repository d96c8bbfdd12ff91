/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-material.h"
#include "cw-roots.h"

G_BEGIN_DECLS

typedef struct {
  gint64                   now;            /* Unix seconds */
  gboolean                 allow_expired;
  /* The certificate must be for this key (Install, a CSR's answer); the
   * material then must not bring a different one. NULL: take the key from
   * the material. */
  gnutls_x509_privkey_t    key;
  /* Roots that complete a chain without being in it (system trust); used
   * only to decide whether an intermediate is missing. May be NULL. */
  CwRoots                 *roots;
} CwChainPolicy;

/**
 * CwBundle:
 *
 * A private key with its certificate chain, verified: certs[0] is the leaf
 * (its public key is the key's), each following certificate signed the one
 * before it, and a self-signed root is not included.
 */
typedef struct {
  gnutls_x509_privkey_t key;
  GPtrArray            *certs;     /* gnutls_x509_crt_t, leaf first */
  GPtrArray            *warnings;  /* gchar*, NULL-terminated: pdata is a string vector */
} CwBundle;

void      cw_bundle_free (CwBundle *bundle);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwBundle, cw_bundle_free)

/* Builds and checks the bundle; takes what it needs out of @material. */
CwBundle *cw_bundle_build (CwMaterial *material, const CwChainPolicy *policy, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* PEM texts of the bundle's parts, as stored on disk. */
gchar    *cw_bundle_get_cert_pem (CwBundle *bundle, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar    *cw_bundle_get_chain_pem (CwBundle *bundle, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar    *cw_bundle_get_key_pem (CwBundle *bundle, GError **error) G_GNUC_WARN_UNUSED_RESULT;

gchar    *cw_format_date (gint64 unix_seconds) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
