/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Changes to an account at its CA (RFC 8555 §7.3.2, §7.3.5, §7.3.6):
 * contact, key rollover, deactivation; one at a time per account. */
#include "config.h"

#include "cw-acme-accounts-private.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-jws.h"
#include "cw-json.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
  CwAcmeAccounts *accounts;       /* set while the account is claimed */
  CwAcmeAccount *account;
  CwAcmeClient  *client;
  gchar         *payload;
  gnutls_x509_privkey_t new_key;  /* rollover */
  gchar         *staged;          /* the new key's file during a rollover */
  const gchar   *what;
} AccountOp;

static void
account_op_free (AccountOp *op)
{
  /* a key the CA never took is not kept */
  if (op->staged != NULL && op->new_key != NULL)
    g_unlink (op->staged);
  if (op->accounts != NULL)
    g_hash_table_remove (op->accounts->busy, cw_acme_account_get_id (op->account));
  g_clear_object (&op->accounts);
  g_clear_object (&op->account);
  g_clear_object (&op->client);
  g_free (op->payload);
  g_clear_pointer (&op->new_key, gnutls_x509_privkey_deinit);
  g_free (op->staged);
  g_free (op);
}

static void
op_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AccountOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!cw_acme_account_save_finish (CW_ACME_ACCOUNT (source), result, &error)) {
    g_prefix_error (&error, _("the CA accepted the change but it cannot be saved: "));
    g_task_return_error (task, error);
    return;
  }
  if (op->staged != NULL)
    g_unlink (op->staged);
  g_message ("ACME account %s: %s", cw_acme_account_get_id (op->account), op->what);
  g_task_return_boolean (task, TRUE);
}

static void
op_posted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AccountOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = cw_acme_client_post_finish (op->client, result, &error);

  if (response == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (cw_acme_response_is_problem (response)) {
    g_task_return_error (task, cw_acme_response_to_error (response, op->what));
    return;
  }
  if (op->new_key != NULL) {
    if (!cw_acme_account_set_key (op->account, g_steal_pointer (&op->new_key), &error)) {
      g_task_return_error (task, error);
      return;
    }
  } else {
    cw_acme_account_take_object (op->account, cw_acme_response_object (response));
  }
  cw_acme_account_save_async (op->account, NULL, op_saved, g_steal_pointer (&task));
}

/* POSTs op->payload to @url with the account's key. */
static void
op_post (GTask *task, const gchar *url)
{
  AccountOp *op = g_task_get_task_data (task);

  cw_acme_client_post_async (op->client, url, op->payload, cw_acme_account_get_key (op->account),
                             cw_acme_account_get_url (op->account), NULL, g_task_get_cancellable (task), op_posted,
                             task);
}

static GTask *
op_start (CwAcmeAccounts *self, CwAcmeAccount *account, const gchar *what, GCancellable *cancellable,
          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  AccountOp *op = g_new0 (AccountOp, 1);

  op->account = g_object_ref (account);
  op->client = g_object_ref (cw_acme_clients_get (self->clients, cw_acme_account_get_directory (account)));
  op->what = what;
  g_task_set_task_data (task, op, (GDestroyNotify) account_op_free);
  if (cw_acme_account_get_url (account) == NULL || !g_str_equal (cw_acme_account_get_status (account), "valid")) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("the ACME account “%s” is %s"),
                             cw_acme_account_get_id (account), cw_acme_account_get_status (account));
    return NULL;
  }
  /* one change at a time: saves in flight must not overtake each other */
  if (g_hash_table_contains (self->busy, cw_acme_account_get_id (account))) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_BUSY,
                             _("another change of the ACME account “%s” is in progress; try again when it has finished"),
                             cw_acme_account_get_id (account));
    return NULL;
  }
  g_hash_table_add (self->busy, g_strdup (cw_acme_account_get_id (account)));
  op->accounts = g_object_ref (self);
  return g_steal_pointer (&task);
}

void
cw_acme_accounts_update_contact_async (CwAcmeAccounts *self, CwAcmeAccount *account, const gchar * const *contact,
                                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_start (self, account, _("contact updated"), cancellable, callback, user_data);
  g_auto(GStrv) normalised = NULL;
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  GError *error = NULL;

  if (task == NULL)
    return;
  normalised = cw_acme_contact_normalise (contact, &error);
  if (normalised == NULL) {
    cw_acme_task_fail (task, error);
    return;
  }
  json_object_set_member (payload, "contact", cw_acme_contact_array ((const gchar * const *) normalised));
  json_node_set_object (root, payload);
  ((AccountOp *) g_task_get_task_data (task))->payload = cw_acme_json_to_text (root);
  op_post (task, cw_acme_account_get_url (account));
}

void
cw_acme_accounts_deactivate_async (CwAcmeAccounts *self, CwAcmeAccount *account, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_start (self, account, _("deactivated"), cancellable, callback, user_data);

  if (task == NULL)
    return;
  ((AccountOp *) g_task_get_task_data (task))->payload = g_strdup ("{\"status\":\"deactivated\"}");
  op_post (task, cw_acme_account_get_url (account));
}

/* RFC 8555 §7.3.5: the new key signs {account, oldKey} (inner JWS with a
 * jwk, no nonce), the old key signs that (outer JWS). */
static void
rollover_post (GTask *task)
{
  AccountOp *op = g_task_get_task_data (task);
  const gchar *url = cw_acme_client_endpoint (op->client, "keyChange");
  g_autoptr(JsonObject) inner = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_auto(gnutls_privkey_t) new_priv = NULL;
  g_autofree gchar *text = NULL;
  GError *error = NULL;

  if (url == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("the CA offers no key change (keyChange)"));
    g_object_unref (task);
    return;
  }
  json_object_set_string_member (inner, "account", cw_acme_account_get_url (op->account));
  json_object_set_member (inner, "oldKey", json_node_copy (cw_acme_account_get_jwk (op->account)));
  json_node_set_object (root, inner);
  text = cw_acme_json_to_text (root);
  new_priv = cw_privkey_from_x509 (op->new_key, &error);
  if (new_priv == NULL || (op->payload = cw_jws_sign (new_priv, NULL, NULL, url, text, &error)) == NULL) {
    cw_acme_task_fail (task, error);
    return;
  }
  op_post (task, url);
}

/* The new key is on disk before the CA hears of it: if the daemon stops
 * between the CA's answer and the save, it is not lost. */
static void
stage_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  AccountOp *op = task_data;
  g_autofree gchar *dir = g_path_get_dirname (op->staged);
  g_autofree gchar *base = g_path_get_basename (op->staged);
  g_autofree gchar *pem = NULL;
  g_auto(CwFd) fd = -1;
  GError *error = NULL;

  pem = cw_x509_privkey_export_pem (op->new_key, NULL, &error);
  fd = pem != NULL ? cw_fs_open_dir (AT_FDCWD, dir, TRUE, &error) : -1;
  if (fd < 0 || !cw_fs_replace_at (fd, base, pem, strlen (pem), 0600, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  if (pem != NULL)
    explicit_bzero (pem, strlen (pem));
}

static void
rollover_staged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AccountOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    g_task_return_error (task, error);
    return;
  }
  cw_acme_client_load_then (op->client, g_steal_pointer (&task), rollover_post);
}

static void
rollover_key_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AccountOp *op = g_task_get_task_data (task);
  g_autoptr(GTask) stage = NULL;
  GError *error = NULL;

  op->new_key = g_task_propagate_pointer (G_TASK (result), &error);
  if (op->new_key == NULL) {
    g_task_return_error (task, error);
    return;
  }
  stage = g_task_new (g_task_get_source_object (task), NULL, rollover_staged, g_object_ref (task));
  g_task_set_task_data (stage, op, NULL);
  g_task_run_in_thread (stage, stage_thread);
}

void
cw_acme_accounts_rollover_async (CwAcmeAccounts *self, CwAcmeAccount *account, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_start (self, account, _("new account key in use"), cancellable, callback, user_data);
  CwKeyType type = CW_KEY_EC_P256;
  AccountOp *op;

  if (task == NULL)
    return;
  op = g_task_get_task_data (task);
  op->staged = g_build_filename (self->dir, cw_acme_account_get_id (account), CW_ACME_STAGED_KEY_FILE, NULL);
  /* a new key of the same kind */
  cw_key_type_from_string (cw_acme_account_get_key_type (account), &type, NULL);
  cw_acme_accounts_keygen_async (self, type, rollover_key_made, task);
}

gboolean
cw_acme_accounts_op_finish (CwAcmeAccounts *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
