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
 *
 * The index keeps its own copy of what a lookup needs (id, name, validity,
 * roles, whether the key matches) under a mutex, so lookups may run on any
 * thread: the daemon answers FindForName on GDBus's I/O thread while the
 * main loop changes the store. Updates come from the store's thread.
 */
typedef struct _CwSniIndex CwSniIndex;

CwSniIndex    *cw_sni_index_new (void);
void           cw_sni_index_free (CwSniIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwSniIndex, cw_sni_index_free)

/* (Re)indexes @cert under its current identities, roles and validity. */
void           cw_sni_index_update (CwSniIndex *index, CwCertificate *cert);
void           cw_sni_index_remove (CwSniIndex *index, CwCertificate *cert);
/* The certificate (by id, or NULL for none) that answers when nothing
 * else does and it has the role asked for. */
void           cw_sni_index_set_default (CwSniIndex *index, const gchar *id);

/* The rule of FindForName (see org.certward.Manager1.xml). @role is a
 * known role ("" means server). Returns the id of the certificate or NULL.
 * @examined, if not NULL, is set to how many certificates the lookup
 * looked at: it depends on how many share a name, not on the store.
 * Safe on any thread. */
gchar         *cw_sni_index_lookup (CwSniIndex *index, const gchar *hostname, const gchar *role, gint64 now,
                                    guint *examined);

/* Whether @cert is valid at @now and has @role. */
gboolean       cw_sni_usable (CwCertificate *cert, const gchar *role, gint64 now);

G_END_DECLS
