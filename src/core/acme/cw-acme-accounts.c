/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwAcmeAccounts: the agent's ACME accounts (RFC 8555 §7.3): loading them,
 * registering new ones (with External Account Binding when the CA wants
 * it), contact updates, key rollover and deactivation. Registering again
 * an account the CA forgot is in cw-acme-accounts-recovery.c. */
#include "config.h"

#include "cw-acme-accounts-private.h"
#include "cw-acme-spec.h"
#include "cw-error.h"
#include "cw-jws.h"
#include "cw-fs.h"
#include "cw-id.h"
#include "cw-issuer.h"
#include "cw-json.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>


enum { SIGNAL_ACCOUNT_ADDED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwAcmeAccounts, cw_acme_accounts, G_TYPE_OBJECT)

static void
cw_acme_accounts_dispose (GObject *object)
{
  CwAcmeAccounts *self = CW_ACME_ACCOUNTS (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (cw_acme_accounts_parent_class)->dispose (object);
}

static void
cw_acme_accounts_finalize (GObject *object)
{
  CwAcmeAccounts *self = CW_ACME_ACCOUNTS (object);

  g_hash_table_unref (self->accounts);
  g_hash_table_unref (self->registering);
  g_hash_table_unref (self->busy);
  g_hash_table_unref (self->recovering);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->config);
  g_clear_pointer (&self->clients, cw_acme_clients_unref);
  g_free (self->dir);
  G_OBJECT_CLASS (cw_acme_accounts_parent_class)->finalize (object);
}

static void
cw_acme_accounts_class_init (CwAcmeAccountsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_acme_accounts_dispose;
  G_OBJECT_CLASS (klass)->finalize = cw_acme_accounts_finalize;
  signals[SIGNAL_ACCOUNT_ADDED] = g_signal_new ("account-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 1, CW_TYPE_ACME_ACCOUNT);
}

static void
cw_acme_accounts_init (CwAcmeAccounts *self)
{
  self->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->registering = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->recovering = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->cancellable = g_cancellable_new ();
}

CwAcmeAccounts *
cw_acme_accounts_new (CwConfig *config, const gchar *dir, CwAcmeClients *clients)
{
  CwAcmeAccounts *self = g_object_new (CW_TYPE_ACME_ACCOUNTS, NULL);

  self->config = g_object_ref (config);
  self->dir = g_strdup (dir);
  self->clients = cw_acme_clients_ref (clients);
  return self;
}

void
cw_acme_account_options_free (CwAcmeAccountOptions *options)
{
  if (options == NULL)
    return;
  g_strfreev (options->contact);
  g_free (options->eab_kid);
  if (options->eab_hmac_key != NULL)
    explicit_bzero (options->eab_hmac_key, strlen (options->eab_hmac_key));
  g_free (options->eab_hmac_key);
  g_free (options);
}

static gint
compare_ids (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (cw_acme_account_get_id (*(CwAcmeAccount **) a), cw_acme_account_get_id (*(CwAcmeAccount **) b));
}

GPtrArray *
cw_acme_accounts_get_all (CwAcmeAccounts *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (list, g_object_ref (value));
  g_ptr_array_sort (list, compare_ids);
  return list;
}

CwAcmeAccount *
cw_acme_accounts_lookup (CwAcmeAccounts *self, const gchar *id)
{
  return g_hash_table_lookup (self->accounts, id);
}

void
cw_acme_accounts_load (CwAcmeAccounts *self)
{
  g_autoptr(GDir) dir = g_dir_open (self->dir, 0, NULL);
  const gchar *id;

  if (dir == NULL)
    return;
  while ((id = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *path = g_build_filename (self->dir, id, NULL);
    g_autofree gchar *staged = g_build_filename (path, CW_ACME_STAGED_KEY_FILE, NULL);
    g_autoptr(GError) error = NULL;
    CwAcmeAccount *account;

    if (id[0] == '.')
      continue;
    /* ids end D-Bus object paths */
    if (!cw_id_is_valid (id)) {
      g_warning ("ignoring %s: account directories are named with letters, digits and _ only", path);
      continue;
    }
    account = cw_acme_account_load (id, path, &error);
    if (account == NULL) {
      g_warning ("ignoring the ACME account in %s: %s", path, error->message);
      continue;
    }
    if (cw_acme_account_get_url (account) == NULL) {
      /* registration did not finish: the CA may not know the key */
      g_info ("ignoring the unregistered ACME account in %s", path);
      g_object_unref (account);
      continue;
    }
    if (g_file_test (staged, G_FILE_TEST_EXISTS))
      g_warning ("ACME account %s: a key rollover was interrupted; if the CA refuses the account key, the new key "
                 "is in %s", id, staged);
    g_hash_table_insert (self->accounts, g_strdup (id), account);
  }
  g_info ("loaded %u ACME accounts", g_hash_table_size (self->accounts));
}

void
cw_acme_accounts_set_backend (CwAcmeAccounts *self, const CwAcmeAccountBackend *backend, gpointer user_data)
{
  GHashTableIter iter;
  gpointer value;

  self->backend = backend;
  self->backend_data = user_data;
  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    cw_acme_account_set_backend (value, backend, user_data);
}

static void
remove_trial (const gchar *dir)
{
  g_autofree gchar *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree gchar *ini = g_build_filename (dir, "account.ini", NULL);

  g_unlink (key);
  g_unlink (ini);
  g_rmdir (dir);
}

static gboolean
shared_account_loads (CwAcmeAccounts *self, const gchar *id, const gchar *ini, const gchar *key, GError **error)
{
  g_autofree gchar *name = g_strdup_printf (".trial-%s", id);
  g_autofree gchar *dir = g_build_filename (self->dir, name, NULL);
  g_autoptr(CwAcmeAccount) tried = NULL;
  g_auto(CwFd) fd = -1;

  remove_trial (dir);
  if (g_mkdir_with_parents (dir, 0700) < 0) {
    cw_fs_error (error, errno, _("cannot create “%s”"), dir);
    return FALSE;
  }
  fd = cw_fs_open_dir (AT_FDCWD, dir, TRUE, error);
  if (fd >= 0 && cw_fs_replace_at (fd, "key.pem", key, strlen (key), 0600, error) &&
      cw_fs_replace_at (fd, "account.ini", ini, strlen (ini), 0644, error))
    tried = cw_acme_account_load (id, dir, error);
  remove_trial (dir);
  return tried != NULL;
}

gboolean
cw_acme_accounts_apply (CwAcmeAccounts *self, const gchar *id, const gchar *ini, const gchar *key, GError **error)
{
  g_autofree gchar *path = g_build_filename (self->dir, id, NULL);
  g_autoptr(CwAcmeAccount) loaded = NULL;
  g_auto(CwFd) fd = -1;
  CwAcmeAccount *existing;

  if (!cw_id_is_valid (id)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("“%s” is no account id"), id);
    return FALSE;
  }
  /* what another node shared must load before it replaces a working
   * account here: tried in a directory of its own first */
  if (!shared_account_loads (self, id, ini, key, error))
    return FALSE;
  if (g_mkdir_with_parents (path, 0700) < 0) {
    cw_fs_error (error, errno, _("cannot create “%s”"), path);
    return FALSE;
  }
  fd = cw_fs_open_dir (AT_FDCWD, path, TRUE, error);
  if (fd < 0 || !cw_fs_replace_at (fd, "key.pem", key, strlen (key), 0600, error) ||
      !cw_fs_replace_at (fd, "account.ini", ini, strlen (ini), 0644, error))
    return FALSE;
  loaded = cw_acme_account_load (id, path, error);
  if (loaded == NULL)
    return FALSE;
  existing = g_hash_table_lookup (self->accounts, id);
  if (existing != NULL)
    return cw_acme_account_update_from (existing, loaded, error);
  cw_acme_account_set_backend (loaded, self->backend, self->backend_data);
  g_hash_table_insert (self->accounts, g_strdup (id), g_object_ref (loaded));
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_ADDED], 0, loaded);
  return TRUE;
}

/* "admin@example.com" → "mailto:admin@example.com" (RFC 8555 §7.3). */
gchar **
cw_acme_contact_normalise (const gchar * const *contact, GError **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; contact != NULL && contact[i] != NULL; i++) {
    const gchar *c = contact[i];
    const gchar *address = g_str_has_prefix (c, "mailto:") ? c + strlen ("mailto:") : c;
    const gchar *at = strchr (address, '@');

    if (*c == '\0')
      continue;
    if (at == NULL || at == address || at[1] == '\0' || strpbrk (address, " ,;<>\"") != NULL ||
        !g_utf8_validate (address, -1, NULL)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an e-mail address for the ACME account contact"), c);
      return NULL;
    }
    g_ptr_array_add (list, g_strconcat ("mailto:", address, NULL));
  }
  g_ptr_array_add (list, NULL);
  return (gchar **) g_ptr_array_steal (list, NULL);
}

/* The directory is the reservation: two registrations never share one. */
static gboolean
account_id_taken (const gchar *id, gpointer user_data)
{
  CwAcmeAccounts *self = user_data;
  g_autofree gchar *path = g_build_filename (self->dir, id, NULL);

  return g_hash_table_contains (self->accounts, id) || g_mkdir (path, 0700) != 0;
}

/* An account's id: its CA's host name (cw-id.h). */
static gchar *
make_account_id (CwAcmeAccounts *self, const gchar *directory)
{
  g_autoptr(GUri) uri = g_uri_parse (directory, G_URI_FLAGS_NONE, NULL);
  const gchar *host = uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "acme";

  if (g_mkdir_with_parents (self->dir, 0700) < 0)
    return cw_id_from_name (host, "acme", NULL, NULL);   /* the save will say why */
  return cw_id_from_name (host, "acme", account_id_taken, self);
}

gchar *
cw_acme_json_to_text (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

JsonNode *
cw_acme_contact_array (const gchar * const *contact)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; contact != NULL && contact[i] != NULL; i++)
    json_array_add_string_element (array, contact[i]);
  json_node_take_array (node, array);
  return node;
}

/* The contact an account's object says it has, from the CA's answer. */
void
cw_acme_account_take_object (CwAcmeAccount *account, JsonObject *object)
{
  if (object == NULL)
    return;
  if (cw_json_string (object, "status", NULL) != NULL)
    cw_acme_account_set_status (account, cw_json_string (object, "status", "valid"));
  if (cw_json_array (object, "contact") != NULL) {
    JsonArray *array = cw_json_array (object, "contact");
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

    for (guint i = 0; i < json_array_get_length (array) && i < 16; i++) {
      const gchar *c = cw_json_array_string (array, i);

      if (c != NULL)
        g_ptr_array_add (list, g_strdup (c));
    }
    g_ptr_array_add (list, NULL);
    cw_acme_account_set_contact (account, (const gchar * const *) list->pdata);
  }
}

/* ---- key generation in a worker thread ---------------------------------- */

static void
keygen_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  gnutls_x509_privkey_t key = cw_keygen (GPOINTER_TO_INT (task_data), &error);

  if (key == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, key, (GDestroyNotify) gnutls_x509_privkey_deinit);
}

void
cw_acme_accounts_keygen_async (CwAcmeAccounts *self, CwKeyType type, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, callback, user_data);

  g_task_set_task_data (task, GINT_TO_POINTER (type), NULL);
  g_task_run_in_thread (task, keygen_thread);
}

gnutls_x509_privkey_t
cw_acme_accounts_keygen_finish (CwAcmeAccounts *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- registration ------------------------------------------------------- */

typedef struct {
  gchar                *directory;
  CwAcmeAccountOptions *options;
  CwAcmeClient         *client;
  CwAcmeAccount        *account;
  gchar                *dir;      /* reserved by make_account_id */
  gboolean              saved;
} Register;

static void
register_free (Register *r)
{
  /* a registration that did not make it gives its reservation back */
  if (r->dir != NULL && !r->saved)
    g_rmdir (r->dir);
  g_free (r->dir);
  g_free (r->directory);
  cw_acme_account_options_free (r->options);
  g_clear_object (&r->client);
  g_clear_object (&r->account);
  g_free (r);
}

static void
registered_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwAcmeAccounts *self = g_task_get_source_object (task);
  Register *r = g_task_get_task_data (task);
  GError *error = NULL;

  if (!cw_acme_account_save_finish (CW_ACME_ACCOUNT (source), result, &error)) {
    g_prefix_error (&error, _("the account was registered but cannot be saved: "));
    g_task_return_error (task, error);
    return;
  }
  r->saved = TRUE;
  g_hash_table_insert (self->accounts, g_strdup (cw_acme_account_get_id (r->account)), g_object_ref (r->account));
  g_message ("ACME account %s registered at %s (%s)", cw_acme_account_get_id (r->account), r->directory,
             cw_acme_account_get_url (r->account));
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_ADDED], 0, r->account);
  g_task_return_pointer (task, g_object_ref (r->account), g_object_unref);
}

static void
registered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Register *r = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = cw_acme_client_post_finish (r->client, result, &error);
  g_autofree gchar *url = NULL;
  const gchar *location;

  if (response == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (cw_acme_response_is_problem (response)) {
    g_task_return_error (task, cw_acme_response_to_error (response, _("new account")));
    return;
  }
  location = cw_acme_response_header (response, "Location");
  url = cw_acme_response_resolve (response, location);
  if (url == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_ACME, _("the ACME server registered the account without its URL"));
    return;
  }
  cw_acme_account_set_url (r->account, url);
  cw_acme_account_set_status (r->account, "valid");
  cw_acme_account_take_object (r->account, cw_acme_response_object (response));
  cw_acme_account_save_async (r->account, NULL, registered_saved, g_steal_pointer (&task));
}

static void
register_post (GTask *task)
{
  Register *r = g_task_get_task_data (task);
  JsonObject *meta = cw_acme_client_get_meta (r->client);
  const gchar *url = cw_acme_client_endpoint (r->client, "newAccount");
  const gchar *terms = cw_json_string (meta, "termsOfService", "");
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree gchar *text = NULL;
  GError *error = NULL;

  if (url == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_ACME, _("the ACME directory names no newAccount"));
    g_object_unref (task);
    return;
  }
  if (!r->options->agree_terms) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                             _("the CA's terms of service must be agreed to: read %s and pass agree-terms true"),
                             *terms != '\0' ? terms : _("them"));
    g_object_unref (task);
    return;
  }
  if (cw_json_bool (meta, "externalAccountRequired", FALSE) &&
      r->options->eab_kid == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                             _("the CA at %s requires External Account Binding: create the account with the "
                               "eab-kid and eab-hmac-key it gave you"), r->directory);
    g_object_unref (task);
    return;
  }
  cw_acme_account_set_terms_of_service (r->account, terms);
  json_object_set_boolean_member (payload, "termsOfServiceAgreed", TRUE);
  json_object_set_member (payload, "contact", cw_acme_contact_array ((const gchar * const *) r->options->contact));
  if (r->options->eab_kid != NULL) {
    JsonNode *eab = cw_jws_eab (r->options->eab_kid, r->options->eab_hmac_key, url,
                                cw_acme_account_get_jwk (r->account), &error);

    if (eab == NULL) {
      cw_acme_task_fail (task, error);
      return;
    }
    json_object_set_member (payload, "externalAccountBinding", eab);
  }
  json_node_set_object (root, payload);
  text = cw_acme_json_to_text (root);
  cw_acme_client_post_async (r->client, url, text, cw_acme_account_get_key (r->account), NULL, NULL,
                             g_task_get_cancellable (task), registered, task);
}

static void
register_key_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwAcmeAccounts *self = g_task_get_source_object (task);
  Register *r = g_task_get_task_data (task);
  GError *error = NULL;
  gnutls_x509_privkey_t key = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree gchar *id = NULL, *dir = NULL;

  if (key == NULL) {
    g_task_return_error (task, error);
    return;
  }
  id = make_account_id (self, r->directory);
  dir = g_build_filename (self->dir, id, NULL);
  r->dir = g_strdup (dir);
  r->account = cw_acme_account_new (id, dir, r->directory, key, &error);
  if (r->account == NULL) {
    g_task_return_error (task, error);
    return;
  }
  cw_acme_account_set_contact (r->account, (const gchar * const *) r->options->contact);
  cw_acme_account_set_made_by_agent (r->account, r->options->on_first_use);
  cw_acme_account_set_backend (r->account, self->backend, self->backend_data);
  r->client = g_object_ref (cw_acme_clients_get (self->clients, r->directory));
  cw_acme_client_load_then (r->client, g_steal_pointer (&task), register_post);
}

void
cw_acme_accounts_create_async (CwAcmeAccounts *self, const gchar *directory, CwAcmeAccountOptions *options,
                                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Register *r = g_new0 (Register, 1);
  g_auto(GStrv) contact = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, cw_acme_accounts_create_async);
  r->directory = g_strdup (directory != NULL && *directory != '\0' ? directory
                                                                   : cw_config_get_string (self->config, "acme", "directory"));
  r->options = options;
  g_task_set_task_data (task, r, (GDestroyNotify) register_free);
  if (!cw_acme_directory_validate (r->directory, &error) ||
      (contact = cw_acme_contact_normalise (options->contact != NULL ? (const gchar * const *) options->contact
                                                             : cw_config_get_strv (self->config, "acme", "contact"),
                                    &error)) == NULL) {
    g_task_return_error (task, error);
    return;
  }
  g_strfreev (options->contact);
  options->contact = g_steal_pointer (&contact);
  if ((options->eab_kid == NULL) != (options->eab_hmac_key == NULL)) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                             _("External Account Binding needs both eab-kid and eab-hmac-key"));
    return;
  }
  /* a key that cannot be used is said before the CA is asked anything */
  if (options->eab_hmac_key != NULL) {
    gsize len = 0;
    g_autofree guint8 *key = cw_base64url_decode (options->eab_hmac_key, &len, &error);

    if (key == NULL || len == 0) {
      if (error == NULL)
        error = g_error_new_literal (CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("the EAB HMAC key is empty"));
      g_prefix_error (&error, _("eab-hmac-key: "));
      error->code = CW_ERROR_INVALID_ARGUMENT;
      g_task_return_error (task, error);
      return;
    }
    explicit_bzero (key, len);
  }
  cw_acme_accounts_keygen_async (self, options->key_type, register_key_made, g_steal_pointer (&task));
}

CwAcmeAccount *
cw_acme_accounts_create_finish (CwAcmeAccounts *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the default account of a directory --------------------------------- */

static CwAcmeAccount *
find_default (CwAcmeAccounts *self, const gchar *directory)
{
  g_autoptr(GPtrArray) all = cw_acme_accounts_get_all (self);

  for (guint i = 0; i < all->len; i++) {
    CwAcmeAccount *account = g_ptr_array_index (all, i);

    if (g_str_equal (cw_acme_account_get_directory (account), directory) &&
        g_str_equal (cw_acme_account_get_status (account), "valid"))
      return account;
  }
  return NULL;
}

static void
default_registered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwAcmeAccounts *self = CW_ACME_ACCOUNTS (source);
  g_autofree gchar *directory = user_data;
  g_autoptr(GPtrArray) waiting = NULL;
  g_autoptr(CwAcmeAccount) account = NULL;
  g_autoptr(GError) error = NULL;

  g_autofree gchar *key = NULL;

  account = cw_acme_accounts_create_finish (self, result, &error);
  g_hash_table_steal_extended (self->registering, directory, (gpointer *) &key, (gpointer *) &waiting);
  for (guint i = 0; waiting != NULL && i < waiting->len; i++) {
    GTask *task = g_ptr_array_index (waiting, i);

    if (account != NULL)
      g_task_return_pointer (task, g_object_ref (account), g_object_unref);
    else
      g_task_return_new_error (task, error->domain, error->code, _("cannot register an ACME account: %s"),
                               error->message);
  }
}

void
cw_acme_accounts_default_async (CwAcmeAccounts *self, const gchar *directory, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  CwAcmeAccount *account = find_default (self, directory);
  GPtrArray *waiting;
  CwAcmeAccountOptions *options;

  if (account != NULL) {
    g_task_return_pointer (task, g_object_ref (account), g_object_unref);
    return;
  }
  waiting = g_hash_table_lookup (self->registering, directory);
  if (waiting != NULL) {
    g_ptr_array_add (waiting, g_steal_pointer (&task));
    return;
  }
  waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (waiting, g_steal_pointer (&task));
  g_hash_table_insert (self->registering, g_strdup (directory), waiting);
  /* an account made on first use agrees to the terms of the CA the
   * administrator configured, as certbot --agree-tos and lego --accept-tos */
  options = g_new0 (CwAcmeAccountOptions, 1);
  options->agree_terms = TRUE;
  options->key_type = CW_KEY_EC_P256;
  options->on_first_use = TRUE;
  g_info ("no ACME account for %s yet: registering one", directory);
  cw_acme_accounts_create_async (self, directory, options, self->cancellable, default_registered,
                                        g_strdup (directory));
}

CwAcmeAccount *
cw_acme_accounts_default_finish (CwAcmeAccounts *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
