/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-x509.h"

G_BEGIN_DECLS

/**
 * CwRoots:
 *
 * A compact set of trust anchors: each certificate kept as DER, found by
 * its subject. Parsed GnuTLS certificates weigh some 25 KiB each (a system
 * bundle, 3–4 MiB); here only the bytes stay, and a verification parses
 * the few anchors it needs. Immutable once loaded, so worker threads may
 * read it. Reference counted.
 */
typedef struct _CwRoots CwRoots;

CwRoots   *cw_roots_new (void) G_GNUC_WARN_UNUSED_RESULT;
CwRoots   *cw_roots_ref (CwRoots *roots) G_GNUC_WARN_UNUSED_RESULT;
void       cw_roots_unref (CwRoots *roots);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwRoots, cw_roots_unref)

/* Adds every certificate of a PEM bundle, one at a time. */
gboolean   cw_roots_add_file (CwRoots *roots, const gchar *path, GError **error);
guint      cw_roots_get_count (CwRoots *roots);
/* Whether a certificate in the set has the issuer of @crt as its subject. */
gboolean   cw_roots_knows_issuer_of (CwRoots *roots, gnutls_x509_crt_t crt);
/* Adds to @list the anchors whose subject is the issuer of @crt. */
void       cw_roots_add_issuers_to (CwRoots *roots, gnutls_x509_crt_t crt, gnutls_x509_trust_list_t list);

G_END_DECLS
