/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-x509.h"

G_BEGIN_DECLS

typedef enum {
  CW_KEY_EC_P256,
  CW_KEY_EC_P384,
  CW_KEY_RSA_2048,
  CW_KEY_RSA_3072,
  CW_KEY_RSA_4096,
  CW_KEY_ED25519,
} CwKeyType;

gboolean     cw_key_type_from_string (const gchar *text, CwKeyType *type, GError **error);
const gchar *cw_key_type_to_string (CwKeyType type);

/* Generates a private key. Blocking (RSA takes a while): call it from a
 * worker thread. */
gnutls_x509_privkey_t cw_keygen (CwKeyType type, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/**
 * CwIssueSpec:
 *
 * What a locally made certificate or request says about itself. Kept in
 * the certificate's settings so that Renew reissues the same thing.
 */
typedef struct {
  gchar     *common_name;
  gchar     *organization;
  gchar     *organizational_unit;
  gchar     *country;
  gchar     *state;
  gchar     *locality;
  gchar     *email;
  gchar    **identities;     /* normalised DNS names and IP addresses */
  CwKeyType  key_type;
  guint      days;
  gboolean   ca;
  gchar     *issuer;         /* id of the local CA that signs it, or NULL */
  gboolean   san_only;       /* for a public CA: no subject but a CN from
                              * the first DNS identity that fits, if any */
} CwIssueSpec;

CwIssueSpec *cw_issue_spec_new (void) G_GNUC_WARN_UNUSED_RESULT;
CwIssueSpec *cw_issue_spec_copy (const CwIssueSpec *spec) G_GNUC_WARN_UNUSED_RESULT;
void         cw_issue_spec_free (CwIssueSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwIssueSpec, cw_issue_spec_free)

/* Checks and completes a spec from an administrator: identities parsed
 * and normalised, the CN defaulted to the first identity (san_only: the
 * first DNS name of at most 64 characters, or none), the country two
 * letters, days in range (default 365, 3650 for a CA), and a STIR/SHAKEN
 * certificate on P-256. */
gboolean     cw_issue_spec_validate (CwIssueSpec *spec, const gchar * const *roles, GError **error);

void         cw_issue_spec_save (const CwIssueSpec *spec, GKeyFile *file, const gchar *group);
/* NULL when @group is absent. */
CwIssueSpec *cw_issue_spec_load (GKeyFile *file, const gchar *group) G_GNUC_WARN_UNUSED_RESULT;

/* A certificate for @key: self-signed when @issuer_crt is NULL, else signed
 * by @issuer_crt/@issuer_key. Extensions follow @roles (see the D-Bus
 * documentation of CreateSelfSigned). Valid from @now (less five minutes
 * for clock skew) for spec->days. */
gnutls_x509_crt_t cw_issue_certificate (const CwIssueSpec *spec, const gchar * const *roles,
                                        gnutls_x509_privkey_t key,
                                        gnutls_x509_crt_t issuer_crt, gnutls_x509_privkey_t issuer_key,
                                        gint64 now, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A PKCS#10 request (PEM) for @key with the spec's subject and identities. */
gchar       *cw_issue_request (const CwIssueSpec *spec, const gchar * const *roles,
                               gnutls_x509_privkey_t key, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
