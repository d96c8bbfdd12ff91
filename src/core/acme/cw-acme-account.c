/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An ACME account: its key, URL, contact and status, kept in STATE/accounts/<id>/. */
#include "config.h"

#include "cw-acme-account.h"
#include "cw-error.h"
#include "cw-fs.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#define ACCOUNT_FILE "account.ini"
#define KEY_FILE "key.pem"

struct _CwAcmeAccount {
  GObject               parent_instance;

  gchar                *id;
  gchar                *dir;
  gchar                *directory;
  gchar                *url;
  gchar               **contact;
  gchar                *status;
  gchar                *terms;
  gboolean              made_by_agent;  /* registered on first use, not by CreateAccount */
  gnutls_x509_privkey_t x509;
  gnutls_privkey_t      key;
  JsonNode             *jwk;
  gchar                *thumbprint;
  gchar                *key_type;
  /* keys replaced by a rollover: requests in flight may still sign with
   * them, so they live as long as the account */
  GPtrArray            *retired;
  const CwAcmeAccountBackend *backend;  /* or NULL: this machine alone */
  gpointer              backend_data;
};

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwAcmeAccount, cw_acme_account, G_TYPE_OBJECT)

static void
clear_key (CwAcmeAccount *self)
{
  if (self->key != NULL) {
    g_ptr_array_add (self->retired, self->key);
    self->key = NULL;
  }
  g_clear_pointer (&self->x509, gnutls_x509_privkey_deinit);
  g_clear_pointer (&self->jwk, json_node_unref);
  g_clear_pointer (&self->thumbprint, g_free);
  g_clear_pointer (&self->key_type, g_free);
}

static void
cw_acme_account_finalize (GObject *object)
{
  CwAcmeAccount *self = CW_ACME_ACCOUNT (object);

  clear_key (self);
  g_ptr_array_unref (self->retired);
  g_free (self->id);
  g_free (self->dir);
  g_free (self->directory);
  g_free (self->url);
  g_strfreev (self->contact);
  g_free (self->status);
  g_free (self->terms);
  G_OBJECT_CLASS (cw_acme_account_parent_class)->finalize (object);
}

static void
cw_acme_account_class_init (CwAcmeAccountClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_acme_account_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cw_acme_account_init (CwAcmeAccount *self)
{
  self->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) gnutls_privkey_deinit);
  self->contact = g_new0 (gchar *, 1);
  self->status = g_strdup ("pending");
  self->terms = g_strdup ("");
}

gboolean
cw_acme_account_set_key (CwAcmeAccount *self, gnutls_x509_privkey_t key, GError **error)
{
  gnutls_privkey_t priv = cw_privkey_from_x509 (key, error);
  JsonNode *jwk = priv != NULL ? cw_jwk_new (priv, error) : NULL;
  gchar *thumbprint = jwk != NULL ? cw_jwk_thumbprint (jwk, error) : NULL;

  if (thumbprint == NULL) {
    g_clear_pointer (&jwk, json_node_unref);
    g_clear_pointer (&priv, gnutls_privkey_deinit);
    gnutls_x509_privkey_deinit (key);
    return FALSE;
  }
  clear_key (self);
  self->x509 = key;
  self->key = priv;
  self->jwk = jwk;
  self->thumbprint = thumbprint;
  self->key_type = cw_x509_privkey_get_key_type (key, NULL);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

CwAcmeAccount *
cw_acme_account_new (const gchar *id, const gchar *dir, const gchar *directory, gnutls_x509_privkey_t key,
                     GError **error)
{
  g_autoptr(CwAcmeAccount) self = g_object_new (CW_TYPE_ACME_ACCOUNT, NULL);

  self->id = g_strdup (id);
  self->dir = g_strdup (dir);
  self->directory = g_strdup (directory);
  if (!cw_acme_account_set_key (self, key, error))
    return NULL;
  return g_steal_pointer (&self);
}

CwAcmeAccount *
cw_acme_account_load (const gchar *id, const gchar *dir, GError **error)
{
  g_autofree gchar *ini = g_build_filename (dir, ACCOUNT_FILE, NULL);
  g_autofree gchar *key_path = g_build_filename (dir, KEY_FILE, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *directory = NULL, *pem = NULL;
  gsize len = 0;
  gnutls_x509_privkey_t key;
  CwAcmeAccount *self;

  if (!g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, error) ||
      (directory = g_key_file_get_string (kf, "account", "directory", error)) == NULL ||
      !g_file_get_contents (key_path, &pem, &len, error))
    return NULL;
  key = cw_x509_privkey_import ((const guint8 *) pem, len, GNUTLS_X509_FMT_PEM, NULL, error);
  explicit_bzero (pem, len);
  if (key == NULL)
    return NULL;
  self = cw_acme_account_new (id, dir, directory, key, error);
  if (self == NULL)
    return NULL;
  g_free (self->url);
  self->url = g_key_file_get_string (kf, "account", "url", NULL);
  if (self->url != NULL && *self->url == '\0')
    g_clear_pointer (&self->url, g_free);
  g_strfreev (self->contact);
  self->contact = g_key_file_get_string_list (kf, "account", "contact", NULL, NULL);
  if (self->contact == NULL)
    self->contact = g_new0 (gchar *, 1);
  g_free (self->status);
  self->status = g_key_file_get_string (kf, "account", "status", NULL);
  if (self->status == NULL)
    self->status = g_strdup (self->url != NULL ? "valid" : "pending");
  g_free (self->terms);
  self->terms = g_key_file_get_string (kf, "account", "terms-of-service", NULL);
  if (self->terms == NULL)
    self->terms = g_strdup ("");
  {
    g_autofree gchar *by = g_key_file_get_string (kf, "account", "created-by", NULL);

    /* accounts saved before this was recorded count as the administrator's:
     * they are never replaced without being asked */
    self->made_by_agent = g_strcmp0 (by, "agent") == 0;
  }
  return self;
}

const gchar *
cw_acme_account_get_id (CwAcmeAccount *self)
{
  return self->id;
}

const gchar *
cw_acme_account_get_directory (CwAcmeAccount *self)
{
  return self->directory;
}

const gchar *
cw_acme_account_get_url (CwAcmeAccount *self)
{
  return self->url;
}

const gchar * const *
cw_acme_account_get_contact (CwAcmeAccount *self)
{
  return (const gchar * const *) self->contact;
}

const gchar *
cw_acme_account_get_status (CwAcmeAccount *self)
{
  return self->status;
}

const gchar *
cw_acme_account_get_key_type (CwAcmeAccount *self)
{
  return self->key_type;
}

gboolean
cw_acme_account_get_made_by_agent (CwAcmeAccount *self)
{
  return self->made_by_agent;
}

void
cw_acme_account_set_made_by_agent (CwAcmeAccount *self, gboolean made_by_agent)
{
  self->made_by_agent = made_by_agent;
}

const gchar *
cw_acme_account_get_thumbprint (CwAcmeAccount *self)
{
  return self->thumbprint;
}

const gchar *
cw_acme_account_get_terms_of_service (CwAcmeAccount *self)
{
  return self->terms;
}

gnutls_privkey_t
cw_acme_account_get_key (CwAcmeAccount *self)
{
  return self->key;
}

JsonNode *
cw_acme_account_get_jwk (CwAcmeAccount *self)
{
  return self->jwk;
}

static void
changed (CwAcmeAccount *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
cw_acme_account_set_url (CwAcmeAccount *self, const gchar *url)
{
  g_free (self->url);
  self->url = g_strdup (url);
  changed (self);
}

void
cw_acme_account_set_status (CwAcmeAccount *self, const gchar *status)
{
  g_free (self->status);
  self->status = g_strdup (status);
  changed (self);
}

void
cw_acme_account_set_contact (CwAcmeAccount *self, const gchar * const *contact)
{
  g_strfreev (self->contact);
  self->contact = g_strdupv ((gchar **) contact);
  if (self->contact == NULL)
    self->contact = g_new0 (gchar *, 1);
  changed (self);
}

void
cw_acme_account_set_terms_of_service (CwAcmeAccount *self, const gchar *url)
{
  g_free (self->terms);
  self->terms = g_strdup (url != NULL ? url : "");
  changed (self);
}

/* ---- saving ------------------------------------------------------------- */

typedef struct {
  gchar *dir;
  gchar *ini;
  gchar *key;
  gchar *id;
  const CwAcmeAccountBackend *backend;  /* NULL: not shared (yet) */
  gpointer backend_data;
} Save;

static void
save_free (Save *save)
{
  g_free (save->dir);
  g_free (save->id);
  g_free (save->ini);
  if (save->key != NULL)
    explicit_bzero (save->key, strlen (save->key));
  g_free (save->key);
  g_free (save);
}

static void
save_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Save *save = task_data;
  g_auto(CwFd) fd = -1;
  GError *error = NULL;

  if (g_mkdir_with_parents (save->dir, 0700) < 0) {
    cw_fs_error (&error, errno, _("cannot create “%s”"), save->dir);
    g_task_return_error (task, error);
    return;
  }
  fd = cw_fs_open_dir (AT_FDCWD, save->dir, TRUE, &error);
  /* shared first: the files only ever hold what the backend took; the
   * key before the state that refers to it */
  if (fd < 0 ||
      (save->backend != NULL && !save->backend->commit (save->backend_data, save->id, save->ini, save->key, &error)) ||
      !cw_fs_replace_at (fd, KEY_FILE, save->key, strlen (save->key), 0600, &error) ||
      !cw_fs_replace_at (fd, ACCOUNT_FILE, save->ini, strlen (save->ini), 0644, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
cw_acme_account_save_async (CwAcmeAccount *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  Save *save = g_new0 (Save, 1);
  GError *error = NULL;

  g_key_file_set_string (kf, "account", "directory", self->directory);
  g_key_file_set_string (kf, "account", "url", self->url != NULL ? self->url : "");
  g_key_file_set_string_list (kf, "account", "contact", (const gchar * const *) self->contact,
                              g_strv_length (self->contact));
  g_key_file_set_string (kf, "account", "status", self->status);
  g_key_file_set_string (kf, "account", "terms-of-service", self->terms);
  g_key_file_set_string (kf, "account", "created-by", self->made_by_agent ? "agent" : "administrator");
  save->dir = g_strdup (self->dir);
  save->id = g_strdup (self->id);
  /* an account the CA does not know yet is no use to another node */
  if (self->url != NULL) {
    save->backend = self->backend;
    save->backend_data = self->backend_data;
  }
  save->ini = g_key_file_to_data (kf, NULL, NULL);
  save->key = cw_x509_privkey_export_pem (self->x509, NULL, &error);
  g_task_set_task_data (task, save, (GDestroyNotify) save_free);
  if (save->key == NULL) {
    g_task_return_error (task, error);
    return;
  }
  g_task_run_in_thread (task, save_thread);
}

gboolean
cw_acme_account_save_finish (CwAcmeAccount *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cw_acme_account_set_backend (CwAcmeAccount *self, const CwAcmeAccountBackend *backend, gpointer user_data)
{
  self->backend = backend;
  self->backend_data = user_data;
}

gboolean
cw_acme_account_update_from (CwAcmeAccount *self, CwAcmeAccount *other, GError **error)
{
  gboolean differs = g_strcmp0 (self->url, other->url) != 0 || g_strcmp0 (self->status, other->status) != 0 ||
                     g_strcmp0 (self->terms, other->terms) != 0 || self->made_by_agent != other->made_by_agent ||
                     !g_strv_equal ((const gchar * const *) self->contact, (const gchar * const *) other->contact);

  if (g_strcmp0 (self->thumbprint, other->thumbprint) != 0) {
    g_autofree gchar *pem = cw_x509_privkey_export_pem (other->x509, NULL, error);
    gnutls_x509_privkey_t key = NULL;

    if (pem == NULL)
      return FALSE;
    key = cw_x509_privkey_import ((const guint8 *) pem, strlen (pem), GNUTLS_X509_FMT_PEM, NULL, error);
    explicit_bzero (pem, strlen (pem));
    if (key == NULL || !cw_acme_account_set_key (self, key, error))
      return FALSE;
  }
  if (!differs)
    return TRUE;
  g_free (self->url);
  self->url = g_strdup (other->url);
  g_free (self->status);
  self->status = g_strdup (other->status);
  g_free (self->terms);
  self->terms = g_strdup (other->terms);
  self->made_by_agent = other->made_by_agent;
  g_strfreev (self->contact);
  self->contact = g_strdupv (other->contact);
  changed (self);
  return TRUE;
}

GError *
cw_acme_account_check_usable (CwAcmeAccount *account)
{
  if (g_str_equal (cw_acme_account_get_status (account), "valid") && cw_acme_account_get_url (account) != NULL)
    return NULL;
  return g_error_new (CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                      _("the ACME account “%s” is %s and cannot order certificates; create a new account"),
                      cw_acme_account_get_id (account), cw_acme_account_get_status (account));
}
