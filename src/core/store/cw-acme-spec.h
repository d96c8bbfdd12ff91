/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CwAcmeSpec:
 *
 * How a certificate is obtained from an ACME CA, beyond what its CSR says
 * (identities and key type live in its CwIssueSpec). Kept in the
 * certificate's settings so that renewals ask for the same thing.
 */
typedef struct {
  gchar   *directory;        /* the CA's directory URL */
  gchar   *account;          /* an account id, or NULL: the directory's default account */
  gchar   *challenge;        /* "http-01", "dns-01" or "tls-alpn-01" */
  gchar   *provider;         /* DNS provider id for dns-01, or NULL */
  gchar   *http01_mode;      /* "standalone", "webroot", "dbus", or NULL: the configuration's */
  gchar   *webroot;          /* for webroot, or NULL: the configuration's */
  gchar   *profile;          /* or NULL */
  gchar   *preferred_chain;  /* or NULL */
  gboolean reuse_key;
} CwAcmeSpec;

CwAcmeSpec *cw_acme_spec_new (void);
CwAcmeSpec *cw_acme_spec_copy (const CwAcmeSpec *spec);
void        cw_acme_spec_free (CwAcmeSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwAcmeSpec, cw_acme_spec_free)

/* Checks what an administrator asked for: an https directory, a known
 * challenge type, a mode with what it needs. */
gboolean    cw_acme_spec_validate (const CwAcmeSpec *spec, GError **error);
/* An ACME directory URL must be https (RFC 8555 §6.1). */
gboolean    cw_acme_directory_validate (const gchar *url, GError **error);

void        cw_acme_spec_save (const CwAcmeSpec *spec, GKeyFile *file, const gchar *group);
/* NULL when @group is absent. */
CwAcmeSpec *cw_acme_spec_load (GKeyFile *file, const gchar *group);

G_END_DECLS
