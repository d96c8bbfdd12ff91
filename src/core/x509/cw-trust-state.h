/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to the x509 layer: CwTrustStore's entries and state
 * (cw-trust-state.c). */
#pragma once

#include "cw-trust-store.h"
#include "cw-x509.h"

G_BEGIN_DECLS

/* The store's state: replaced as a whole after each committed change, so a
 * worker can compute the next one from a snapshot. Entries are shared and
 * never modified (atomic reference counts). */
typedef struct {
  gboolean    include_system;
  GHashTable *removed;   /* fingerprints of system certificates taken out */
  GPtrArray  *added;     /* CwTrustEntry */
  gchar      *mode;
} CwTrustState;

CwTrustEntry *cw_trust_entry_new (gnutls_x509_crt_t crt, gboolean from_system, GError **error);
CwTrustEntry *cw_trust_entry_ref (CwTrustEntry *entry);
void          cw_trust_entry_unref (CwTrustEntry *entry);
/* an array that holds a reference to each entry */
GPtrArray    *cw_trust_entries_new (void);
/* Entries from PEM text; what does not parse is skipped with a warning
 * naming @what. */
GPtrArray    *cw_trust_entries_parse (const gchar *data, gsize len, gboolean from_system, const gchar *what);
/* "# subject" and the PEM of each */
gchar        *cw_trust_entries_to_pem (GPtrArray *entries);

CwTrustState *cw_trust_state_new (gboolean include_system, const gchar *mode);
CwTrustState *cw_trust_state_copy (const CwTrustState *state);
void          cw_trust_state_free (CwTrustState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTrustState, cw_trust_state_free)
/* (system − removed) ∪ added, without duplicates, sorted by subject */
GPtrArray    *cw_trust_state_effective (GPtrArray *system, const CwTrustState *state);
gchar        *cw_trust_state_to_text (const CwTrustState *state);
CwTrustState *cw_trust_state_from_text (const gchar *text, gsize len, GError **error);

G_END_DECLS
