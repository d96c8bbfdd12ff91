/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-jws.h"

G_BEGIN_DECLS

#define CW_TYPE_ACME_ACCOUNT (cw_acme_account_get_type ())
G_DECLARE_FINAL_TYPE (CwAcmeAccount, cw_acme_account, CW, ACME_ACCOUNT, GObject)

/**
 * CwAcmeAccount:
 *
 * An ACME account: its key (0600 on disk, never on D-Bus), the directory it
 * lives at, its URL there (the JWS "kid"), contact, status and the terms it
 * agreed to. Kept in STATE/accounts/<id>/{account.ini,key.pem}.
 *
 * Signals: ::changed () after any property changed.
 */
CwAcmeAccount *cw_acme_account_new (const gchar *id, const gchar *dir, const gchar *directory,
                                    gnutls_x509_privkey_t key, GError **error);
CwAcmeAccount *cw_acme_account_load (const gchar *id, const gchar *dir, GError **error);

const gchar  *cw_acme_account_get_id (CwAcmeAccount *self);
const gchar  *cw_acme_account_get_directory (CwAcmeAccount *self);
/* The account URL (kid), NULL until registered. */
const gchar  *cw_acme_account_get_url (CwAcmeAccount *self);
const gchar * const *cw_acme_account_get_contact (CwAcmeAccount *self);
/* "pending" (not registered yet), "valid", "deactivated", "revoked". */
const gchar  *cw_acme_account_get_status (CwAcmeAccount *self);
const gchar  *cw_acme_account_get_key_type (CwAcmeAccount *self);
const gchar  *cw_acme_account_get_thumbprint (CwAcmeAccount *self);
const gchar  *cw_acme_account_get_terms_of_service (CwAcmeAccount *self);
/* TRUE for an account the agent registered on first use; FALSE for one
 * an administrator made with CreateAccount (perhaps with EAB), which the
 * agent never replaces by itself. */
gboolean      cw_acme_account_get_made_by_agent (CwAcmeAccount *self);
void          cw_acme_account_set_made_by_agent (CwAcmeAccount *self, gboolean made_by_agent);
/* Signing key and its JWK. */
gnutls_privkey_t cw_acme_account_get_key (CwAcmeAccount *self);
JsonNode     *cw_acme_account_get_jwk (CwAcmeAccount *self);

void          cw_acme_account_set_url (CwAcmeAccount *self, const gchar *url);
void          cw_acme_account_set_status (CwAcmeAccount *self, const gchar *status);
void          cw_acme_account_set_contact (CwAcmeAccount *self, const gchar * const *contact);
void          cw_acme_account_set_terms_of_service (CwAcmeAccount *self, const gchar *url);
/* A new key (after keyChange succeeded); takes @key. */
gboolean      cw_acme_account_set_key (CwAcmeAccount *self, gnutls_x509_privkey_t key, GError **error);

/* Writes account.ini and key.pem, in a worker thread. */
void          cw_acme_account_save_async (CwAcmeAccount *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean      cw_acme_account_save_finish (CwAcmeAccount *self, GAsyncResult *result, GError **error);

/* A shared backend (a cluster's database): commit() takes a registered
 * account's account.ini and key (PEM) in the saving thread before they
 * are written here; FALSE fails the save and nothing changes here. */
typedef struct {
  gboolean (*commit) (gpointer user_data, const gchar *id, const gchar *ini, const gchar *key, GError **error);
} CwAcmeAccountBackend;

void          cw_acme_account_set_backend (CwAcmeAccount *self, const CwAcmeAccountBackend *backend,
                                           gpointer user_data);
/* Becomes what @other (the same account, loaded from what another node
 * saved) says: URL, status, contact, terms, key; ::changed once if
 * anything changed. */
gboolean      cw_acme_account_update_from (CwAcmeAccount *self, CwAcmeAccount *other, GError **error);

/* NULL when @account may order certificates (valid and registered), else
 * why not (CW_ERROR_INVALID_ARGUMENT naming the account). */
GError *cw_acme_account_check_usable (CwAcmeAccount *account);

G_END_DECLS
