/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-account.h"
#include "cw-acme-clients.h"
#include "cw-config.h"
#include "cw-issuer.h"

G_BEGIN_DECLS

/* What an account is made with (Manager1.CreateAccount). */
typedef struct {
  gchar    **contact;       /* e-mail addresses or mailto: URIs; NULL: the configuration's */
  gboolean   agree_terms;   /* required */
  gchar     *eab_kid;       /* External Account Binding, or NULL */
  gchar     *eab_hmac_key;  /* base64url */
  CwKeyType  key_type;      /* CW_KEY_EC_P256 by default */
  gboolean   on_first_use;  /* the agent's own, made for an order: it may replace it */
} CwAcmeAccountOptions;

void cw_acme_account_options_free (CwAcmeAccountOptions *options);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwAcmeAccountOptions, cw_acme_account_options_free)

#define CW_TYPE_ACME_ACCOUNTS (cw_acme_accounts_get_type ())
G_DECLARE_FINAL_TYPE (CwAcmeAccounts, cw_acme_accounts, CW, ACME_ACCOUNTS, GObject)

/**
 * CwAcmeAccounts:
 *
 * The agent's ACME accounts, one directory each under @dir (see
 * cw-acme-account.h), talking to the CAs through @clients.
 *
 * Signals: ::account-added (CwAcmeAccount *account): registered and saved.
 */
CwAcmeAccounts *cw_acme_accounts_new (CwConfig *config, const gchar *dir, CwAcmeClients *clients);
/* Reads @dir; broken entries are skipped with a warning. */
void            cw_acme_accounts_load (CwAcmeAccounts *self);
/* Sorted by id; new array of new references. */
GPtrArray      *cw_acme_accounts_get_all (CwAcmeAccounts *self);
CwAcmeAccount  *cw_acme_accounts_lookup (CwAcmeAccounts *self, const gchar *id);

/* A shared backend (a cluster's database), given to every account this
 * holds or makes: see cw-acme-account.h. */
void            cw_acme_accounts_set_backend (CwAcmeAccounts *self, const CwAcmeAccountBackend *backend,
                                              gpointer user_data);
/* What the backend says account @id now is (another node saved it): its
 * account.ini and key.pem written here (nothing committed back), then a
 * new account (::account-added) or the one here updated in place. */
gboolean        cw_acme_accounts_apply (CwAcmeAccounts *self, const gchar *id, const gchar *ini, const gchar *key,
                                        GError **error);

/* Registers a new account at @directory. Takes @options. */
void           cw_acme_accounts_create_async (CwAcmeAccounts *self, const gchar *directory,
                                                     CwAcmeAccountOptions *options, GCancellable *cancellable,
                                                     GAsyncReadyCallback callback, gpointer user_data);
CwAcmeAccount *cw_acme_accounts_create_finish (CwAcmeAccounts *self, GAsyncResult *result,
                                                      GError **error);

/* Account updates (RFC 8555 §7.3.2, §7.3.5, §7.3.6). */
void           cw_acme_accounts_update_contact_async (CwAcmeAccounts *self, CwAcmeAccount *account,
                                                     const gchar * const *contact, GCancellable *cancellable,
                                                     GAsyncReadyCallback callback, gpointer user_data);
void           cw_acme_accounts_rollover_async (CwAcmeAccounts *self, CwAcmeAccount *account,
                                               GCancellable *cancellable, GAsyncReadyCallback callback,
                                               gpointer user_data);
void           cw_acme_accounts_deactivate_async (CwAcmeAccounts *self, CwAcmeAccount *account,
                                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                                 gpointer user_data);
/* Finishes any of the three. */
gboolean       cw_acme_accounts_op_finish (CwAcmeAccounts *self, GAsyncResult *result, GError **error);

/* The account an order at @directory uses when none is named: the first
 * valid one, or a new one registered with the configured contact (one
 * registration however many orders ask at once). */
void           cw_acme_accounts_default_async (CwAcmeAccounts *self, const gchar *directory,
                                               GAsyncReadyCallback callback, gpointer user_data);
CwAcmeAccount *cw_acme_accounts_default_finish (CwAcmeAccounts *self, GAsyncResult *result, GError **error);

/* The CA no longer knows @account (an order signed as @old_url was told
 * so): registers it again with a new key and keeps it in the same object,
 * once however many orders ask; at once when that happened meanwhile.
 * Only for accounts the agent made itself (cw-acme-accounts-recovery.c). */
void           cw_acme_accounts_recover_async (CwAcmeAccounts *self, CwAcmeAccount *account, const gchar *old_url,
                                               GAsyncReadyCallback callback, gpointer user_data);
gboolean       cw_acme_accounts_recover_finish (CwAcmeAccounts *self, GAsyncResult *result, GError **error);

G_END_DECLS
