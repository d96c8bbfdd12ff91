/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between cw-acme-accounts.c and cw-acme-accounts-recovery.c. */

#include "cw-acme-accounts.h"
#include "cw-issuer.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

struct _CwAcmeAccounts {
  GObject        parent_instance;

  CwConfig      *config;
  gchar         *dir;
  CwAcmeClients *clients;       /* shared with the manager */
  GHashTable    *accounts;      /* id → CwAcmeAccount */
  GHashTable    *registering;   /* directory URL → GPtrArray of GTasks waiting for its account */
  GHashTable    *busy;          /* ids of accounts being changed */
  GHashTable    *recovering;    /* account id → GPtrArray of GTasks waiting for its new registration */
  GCancellable  *cancellable;   /* cancelled on dispose */
  const CwAcmeAccountBackend *backend;  /* given to every account (cw_acme_accounts_set_backend) */
  gpointer       backend_data;
};

/* A new account key, made in a worker thread. */
void                  cw_acme_accounts_keygen_async (CwAcmeAccounts *self, CwKeyType type,
                                                     GAsyncReadyCallback callback, gpointer user_data);
gnutls_x509_privkey_t cw_acme_accounts_keygen_finish (CwAcmeAccounts *self, GAsyncResult *result,
                                                      GError **error);

/* A rollover's new key waits here until the CA took it. */
#define CW_ACME_STAGED_KEY_FILE "key.pem.new"

/* What registration and updates both send and read (cw-acme-accounts.c). */
gchar      **cw_acme_contact_normalise (const gchar * const *contact, GError **error);
JsonNode    *cw_acme_contact_array (const gchar * const *contact);
void         cw_acme_account_take_object (CwAcmeAccount *account, JsonObject *object);
gchar       *cw_acme_json_to_text (JsonNode *node);

/* Returns @error on @task and drops the reference held. */
static inline void
cw_acme_task_fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

G_END_DECLS
