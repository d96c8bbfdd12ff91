/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An account the CA forgot (a test CA restarted, a staging reset) or
 * deactivated elsewhere: the agent registers its own accounts again with
 * a new key, in place, so the Account1 object and every certificate that
 * orders with it carry on. Accounts an administrator made are left alone
 * (cw-acme-manager.c gives their certificates a clear LastError). */
#include "config.h"

#include "cw-acme-accounts-private.h"
#include "cw-error.h"
#include "cw-issuer.h"
#include "cw-json.h"

#include <glib/gi18n.h>

typedef struct {
  CwAcmeAccount        *account;
  CwAcmeClient         *client;
  gchar                *old_url;
  gnutls_x509_privkey_t key;      /* the new one, until the account takes it */
  gnutls_privkey_t      signer;   /* the same, for the JWS */
} Recovery;

static void
recovery_free (Recovery *r)
{
  g_object_unref (r->account);
  g_clear_object (&r->client);
  g_free (r->old_url);
  g_clear_pointer (&r->key, gnutls_x509_privkey_deinit);
  g_clear_pointer (&r->signer, gnutls_privkey_deinit);
  g_free (r);
}

/* Everybody who waited for this account hears how @work ended, a
 * directory that could not be loaded included. */
static void
work_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwAcmeAccounts *self = CW_ACME_ACCOUNTS (source);
  Recovery *r = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) waiting = NULL;
  g_autofree gchar *key = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  g_hash_table_steal_extended (self->recovering, cw_acme_account_get_id (r->account), (gpointer *) &key,
                               (gpointer *) &waiting);
  for (guint i = 0; waiting != NULL && i < waiting->len; i++) {
    GTask *task = g_ptr_array_index (waiting, i);

    if (error != NULL)
      g_task_return_error (task, g_error_copy (error));
    else
      g_task_return_boolean (task, TRUE);
  }
}

static void
recovery_done (GTask *work, GError *error)
{
  if (error != NULL)
    g_task_return_error (work, error);
  else
    g_task_return_boolean (work, TRUE);
}

static void
saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Recovery *r = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* the CA has the new account and the agent uses it; on disk the old one
   * stays until a save works, and the next start recovers again */
  if (!cw_acme_account_save_finish (CW_ACME_ACCOUNT (source), result, &error))
    g_warning ("ACME account %s: the new registration cannot be saved: %s", cw_acme_account_get_id (r->account),
               error->message);
  recovery_done (task, NULL);
}

static void
registered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Recovery *r = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = cw_acme_client_post_finish (r->client, result, &error);
  g_autofree gchar *url = NULL;

  if (response != NULL && cw_acme_response_is_problem (response))
    error = cw_acme_response_to_error (response, _("new account"));
  if (response != NULL && error == NULL) {
    url = cw_acme_response_resolve (response, cw_acme_response_header (response, "Location"));
    if (url == NULL)
      error = g_error_new_literal (CW_ERROR, CW_ERROR_ACME, _("the ACME server registered the account without its URL"));
  }
  if (error == NULL && !cw_acme_account_set_key (r->account, g_steal_pointer (&r->key), &error))
    g_prefix_error (&error, _("the new account key cannot be used: "));
  if (error != NULL) {
    recovery_done (task, error);
    return;
  }
  cw_acme_account_set_url (r->account, url);
  cw_acme_account_set_status (r->account, "valid");
  g_message ("ACME account %s: the CA at %s no longer knows %s; registered it again with a new key as %s",
             cw_acme_account_get_id (r->account), cw_acme_account_get_directory (r->account), r->old_url, url);
  cw_acme_account_save_async (r->account, NULL, saved, g_steal_pointer (&task));
}

static gchar *
payload_for (CwAcmeAccount *account)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const gchar * const *contact = cw_acme_account_get_contact (account);

  /* the terms were agreed to when the agent made the account on first use */
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "termsOfServiceAgreed");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "contact");
  json_builder_begin_array (b);
  for (guint i = 0; contact[i] != NULL; i++)
    json_builder_add_string_value (b, contact[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static void
register_again (GTask *task)
{
  Recovery *r = g_task_get_task_data (task);
  const gchar *url = cw_acme_client_endpoint (r->client, "newAccount");
  g_autofree gchar *payload = NULL;

  if (url == NULL) {
    recovery_done (task, g_error_new_literal (CW_ERROR, CW_ERROR_ACME, _("the ACME directory names no newAccount")));
    g_object_unref (task);
    return;
  }
  payload = payload_for (r->account);
  cw_acme_client_post_async (r->client, url, payload, r->signer, NULL, NULL, NULL, registered, task);
}

static void
key_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwAcmeAccounts *self = CW_ACME_ACCOUNTS (source);
  Recovery *r = g_task_get_task_data (task);
  GError *error = NULL;

  r->key = cw_acme_accounts_keygen_finish (self, result, &error);
  if (r->key != NULL)
    r->signer = cw_privkey_from_x509 (r->key, &error);
  if (r->signer == NULL) {
    recovery_done (task, error);
    return;
  }
  r->client = g_object_ref (cw_acme_clients_get (self->clients, cw_acme_account_get_directory (r->account)));
  cw_acme_client_load_then (r->client, g_steal_pointer (&task), register_again);
}

void
cw_acme_accounts_recover_async (CwAcmeAccounts *self, CwAcmeAccount *account, const gchar *old_url,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  GPtrArray *waiting = g_hash_table_lookup (self->recovering, cw_acme_account_get_id (account));
  g_autoptr(GTask) work = NULL;
  Recovery *r;
  CwKeyType type = CW_KEY_EC_P256;

  /* another order saw the same and the account is new already */
  if (g_strcmp0 (cw_acme_account_get_url (account), old_url) != 0) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  /* one registration however many orders noticed */
  if (waiting != NULL) {
    g_ptr_array_add (waiting, g_steal_pointer (&task));
    return;
  }
  waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (waiting, g_steal_pointer (&task));
  g_hash_table_insert (self->recovering, g_strdup (cw_acme_account_get_id (account)), waiting);

  work = g_task_new (self, self->cancellable, work_finished, NULL);
  r = g_new0 (Recovery, 1);
  r->account = g_object_ref (account);
  r->old_url = g_strdup (old_url);
  g_task_set_task_data (work, r, (GDestroyNotify) recovery_free);
  g_info ("ACME account %s: the CA no longer knows it; registering it again", cw_acme_account_get_id (account));
  /* a new key of the same kind: the CA may remember the old one as gone */
  cw_key_type_from_string (cw_acme_account_get_key_type (account), &type, NULL);
  cw_acme_accounts_keygen_async (self, type, key_made, g_steal_pointer (&work));
}

gboolean
cw_acme_accounts_recover_finish (CwAcmeAccounts *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
