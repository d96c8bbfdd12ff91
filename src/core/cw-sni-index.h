/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-certificate.h"

G_BEGIN_DECLS

/**
 * CwSniIndex:
 *
 * Answers "which certificate for this name and role?" with hash lookups:
 * one table of exact identities (DNS names and IP addresses, normalised by
 * cw-names.h), one of wildcard bases ("example.com" for "*.example.com").
 * A lookup touches only the certificates that carry the name, so its cost
 * does not grow with the store.
 */
typedef struct _CwSniIndex CwSniIndex;

CwSniIndex    *cw_sni_index_new (void);
void           cw_sni_index_free (CwSniIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwSniIndex, cw_sni_index_free)

/* (Re)indexes @cert under its current identities and roles. */
void           cw_sni_index_update (CwSniIndex *index, CwCertificate *cert);
void           cw_sni_index_remove (CwSniIndex *index, CwCertificate *cert);

/* The rule of FindForName (see org.certward.Manager1.xml). @role is a
 * known role ("" means server); @fallback is the default certificate or
 * NULL. Returns a borrowed certificate or NULL. */
CwCertificate *cw_sni_index_lookup (CwSniIndex *index, const gchar *hostname, const gchar *role,
                                    gint64 now, CwCertificate *fallback);

/* How many certificates the last lookup looked at: the lookup is a hash
 * lookup, so this depends on how many share a name, not on the store. */
guint          cw_sni_index_get_examined (CwSniIndex *index);

/* Whether @cert is valid at @now and has @role. */
gboolean       cw_sni_usable (CwCertificate *cert, const gchar *role, gint64 now);

G_END_DECLS
