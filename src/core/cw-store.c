/* SPDX-License-Identifier: LGPL-2.1-or-later */


#include "config.h"

#include "cw-store-private.h"
#include "cw-certificate-private.h"
#include "cw-chain.h"
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-log.h"
#include "cw-material.h"
#include "cw-revision.h"

#include <dirent.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define SETTINGS_FILE "settings.ini"
#define SETTINGS_GROUP "certificate"

enum { SIGNAL_EVENT, SIGNAL_IDLE, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwStore, cw_store, G_TYPE_OBJECT)

/* ---- requests ----------------------------------------------------------- */

void
cw_input_free (CwInput *input)
{
  g_free (input->label);
  g_bytes_unref (input->data);
  g_free (input);
}

CwImportRequest *
cw_import_request_new (void)
{
  CwImportRequest *request = g_new0 (CwImportRequest, 1);

  request->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_input_free);
  return request;
}

void
cw_import_request_add (CwImportRequest *request, const gchar *label, GBytes *data)
{
  CwInput *input = g_new0 (CwInput, 1);

  input->label = g_strdup (label);
  input->data = g_bytes_ref (data);
  g_ptr_array_add (request->inputs, input);
}

void
cw_import_request_free (CwImportRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->name);
  g_ptr_array_unref (request->inputs);
  if (request->password != NULL)
    explicit_bzero (request->password, strlen (request->password));
  g_free (request->password);
  g_strfreev (request->roles);
  g_free (request->tenant);
  g_free (request);
}

/* ---- object ------------------------------------------------------------- */

static void
cw_store_finalize (GObject *object)
{
  CwStore *self = CW_STORE (object);

  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_name);
  g_hash_table_unref (self->reserved);
  g_clear_object (&self->config);
  g_free (self->state_dir);
  g_free (self->certs_dir);
  if (self->roots != NULL)
    gnutls_x509_trust_list_deinit (self->roots, 1);
  g_mutex_clear (&self->roots_lock);
  G_OBJECT_CLASS (cw_store_parent_class)->finalize (object);
}

static void
cw_store_class_init (CwStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_store_finalize;

  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 2, CW_TYPE_CERTIFICATE, G_TYPE_UINT);
  signals[SIGNAL_IDLE] = g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cw_store_init (CwStore *self)
{
  self->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->reserved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->roots_lock);
}

CwStore *
cw_store_new (const gchar *state_dir, CwConfig *config)
{
  CwStore *self = g_object_new (CW_TYPE_STORE, NULL);

  self->state_dir = g_strdup (state_dir);
  self->certs_dir = g_build_filename (state_dir, "certificates", NULL);
  self->config = config != NULL ? g_object_ref (config) : cw_config_new ();
  return self;
}

const gchar *
cw_store_get_state_dir (CwStore *self)
{
  return self->state_dir;
}

CwConfig *
cw_store_get_config (CwStore *self)
{
  return self->config;
}

guint
cw_store_keep_revisions (CwStore *self)
{
  return cw_config_get_int (self->config, "store", "keep-revisions");
}

guint
cw_store_warning_days (CwStore *self)
{
  return cw_config_get_int (self->config, "certificates", "expiry-warning-days");
}

/* Roots that make a chain complete without being part of it. Loaded on
 * first use, from a worker thread. */
static gnutls_x509_trust_list_t
get_roots (CwStore *self)
{
  g_mutex_lock (&self->roots_lock);
  if (!self->roots_loaded) {
    int ret;

    self->roots_loaded = TRUE;
    gnutls_x509_trust_list_init (&self->roots, 0);
    ret = gnutls_x509_trust_list_add_system_trust (self->roots, 0, 0);
    if (ret < 0)
      g_info ("no system trust store (%s): missing intermediates cannot be told from roots",
              gnutls_strerror (ret));
  }
  g_mutex_unlock (&self->roots_lock);
  return self->roots;
}

static gint
compare_by_name (gconstpointer a, gconstpointer b)
{
  CwCertificate *ca = *(CwCertificate **) a;
  CwCertificate *cb = *(CwCertificate **) b;

  return g_strcmp0 (cw_certificate_get_name (ca), cw_certificate_get_name (cb));
}

GPtrArray *
cw_store_get_certificates (CwStore *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, g_object_ref (value));
  g_ptr_array_sort (out, compare_by_name);
  return out;
}

guint
cw_store_get_count (CwStore *self)
{
  return g_hash_table_size (self->by_name);
}

CwCertificate *
cw_store_lookup (CwStore *self, const gchar *name)
{
  return g_hash_table_lookup (self->by_name, name);
}

CwCertificate *
cw_store_lookup_id (CwStore *self, const gchar *id)
{
  return g_hash_table_lookup (self->by_id, id);
}

void
cw_store_add_certificate (CwStore *self, CwCertificate *cert)
{
  g_hash_table_insert (self->by_name, g_strdup (cw_certificate_get_name (cert)), cert);
  g_hash_table_insert (self->by_id, (gpointer) cw_certificate_get_id (cert), cert);
}

void
cw_store_emit_event (CwStore *self, CwCertificate *cert, CwEvent event)
{
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, cert, (guint) event);
}

void
cw_store_refresh_states (CwStore *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 now = cw_clock_now ();

  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (cw_certificate_update_state (value, now, cw_store_warning_days (self)))
      cw_certificate_emit_changed (value);
}

/* ---- settings ----------------------------------------------------------- */

gchar *
cw_store_settings_to_data (const gchar *name, const gchar * const *roles, const gchar *tenant)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_key_file_set_string (kf, SETTINGS_GROUP, "name", name);
  g_key_file_set_string_list (kf, SETTINGS_GROUP, "roles", roles, g_strv_length ((gchar **) roles));
  g_key_file_set_string (kf, SETTINGS_GROUP, "tenant", tenant != NULL ? tenant : "");
  return g_key_file_to_data (kf, NULL, NULL);
}

/* ---- loading ------------------------------------------------------------ */

static CwCertificate *
load_one (CwStore *self, int certs_fd, const gchar *id, GError **error)
{
  g_autofree gchar *dir = g_build_filename (self->certs_dir, id, NULL);
  g_auto(CwFd) fd = cw_fs_open_dir (certs_fd, id, FALSE, error);
  g_autoptr(GBytes) settings = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(CwRevision) rev = NULL;
  g_autofree gchar *name = NULL;
  g_auto(GStrv) roles = NULL;
  g_autofree gchar *tenant = NULL;
  g_autoptr(CwCertificate) cert = NULL;

  if (fd < 0)
    return NULL;
  settings = cw_fs_read_at (fd, SETTINGS_FILE, 1024 * 1024, error);
  if (settings == NULL || !g_key_file_load_from_bytes (kf, settings, G_KEY_FILE_NONE, error))
    return NULL;
  name = g_key_file_get_string (kf, SETTINGS_GROUP, "name", error);
  if (name == NULL)
    return NULL;
  roles = g_key_file_get_string_list (kf, SETTINGS_GROUP, "roles", NULL, NULL);
  tenant = g_key_file_get_string (kf, SETTINGS_GROUP, "tenant", NULL);

  rev = cw_revision_read_current (fd, error);
  if (rev == NULL)
    return NULL;
  cw_revision_prune (fd, name, rev->number, cw_store_keep_revisions (self));

  cert = cw_certificate_new (id, name, dir);
  cw_certificate_set_roles (cert, roles != NULL ? (const gchar * const *) roles : NULL);
  cw_certificate_set_tenant (cert, tenant);
  cw_certificate_set_revision (cert, rev->number, rev->source, g_steal_pointer (&rev->info),
                               rev->key_matches, (const gchar * const *) rev->warnings);
  cw_certificate_update_state (cert, cw_clock_now (), cw_store_warning_days (self));
  if (!cw_certificate_get_key_matches (cert))
    cw_cert_warning (name, "%s: the private key in %s does not match the certificate", name, dir);
  return g_steal_pointer (&cert);
}

gboolean
cw_store_load (CwStore *self, GError **error)
{
  g_auto(CwFd) certs_fd = -1;
  DIR *dir;
  struct dirent *de;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (g_mkdir_with_parents (self->certs_dir, 0755) < 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot create the state directory “%s”: %s"),
                 self->certs_dir, g_strerror (errno));
    return FALSE;
  }
  certs_fd = cw_fs_open_dir (AT_FDCWD, self->certs_dir, TRUE, error);
  if (certs_fd < 0)
    return FALSE;

  dir = fdopendir (dup (certs_fd));
  if (dir == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot read “%s”: %s"), self->certs_dir, g_strerror (errno));
    return FALSE;
  }
  while ((de = readdir (dir)) != NULL)
    if (!g_str_equal (de->d_name, ".") && !g_str_equal (de->d_name, ".."))
      g_ptr_array_add (names, g_strdup (de->d_name));
  closedir (dir);

  for (guint i = 0; i < names->len; i++) {
    const gchar *id = g_ptr_array_index (names, i);
    g_autoptr(GError) local = NULL;
    CwCertificate *cert;

    /* a certificate being created or removed when the daemon stopped */
    if (g_str_has_prefix (id, ".new-") || g_str_has_prefix (id, ".trash-")) {
      if (!cw_fs_remove_tree_at (certs_fd, id, &local))
        g_warning ("cannot clean up %s/%s: %s", self->certs_dir, id, local->message);
      continue;
    }
    if (id[0] == '.')
      continue;
    cert = load_one (self, certs_fd, id, &local);
    if (cert == NULL) {
      g_warning ("ignoring %s/%s: %s", self->certs_dir, id, local->message);
      continue;
    }
    if (g_hash_table_contains (self->by_name, cw_certificate_get_name (cert))) {
      g_warning ("ignoring %s/%s: the name “%s” is used twice", self->certs_dir, id,
                 cw_certificate_get_name (cert));
      g_object_unref (cert);
      continue;
    }
    cw_store_add_certificate (self, cert);
  }
  g_info ("loaded %u certificates from %s", g_hash_table_size (self->by_name), self->certs_dir);
  return TRUE;
}

/* ---- writing (worker threads) ------------------------------------------- */

void
cw_write_job_free (CwWriteJob *job)
{
  g_free (job->certs_dir);
  g_free (job->id);
  g_free (job->source);
  g_free (job->settings);
  cw_bundle_free (job->bundle);
  cw_cert_info_free (job->info);
  g_free (job);
}

/* A new certificate is assembled in a hidden directory and renamed into
 * place, so it appears complete or not at all. */
static gboolean
write_new (CwWriteJob *job, int certs_fd, GError **error)
{
  g_autofree gchar *tmp = g_strdup_printf (".new-%s-%08x", job->id, g_random_int ());
  g_auto(CwFd) fd = -1;

  if (mkdirat (certs_fd, tmp, 0755) < 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot create “%s”: %s"), tmp, g_strerror (errno));
    return FALSE;
  }
  fd = cw_fs_open_dir (certs_fd, tmp, FALSE, error);
  if (fd < 0 ||
      !cw_fs_write_new_at (fd, SETTINGS_FILE, job->settings, strlen (job->settings), 0644, error) ||
      !cw_revision_write (fd, job->revision, job->source, job->bundle, error) ||
      !cw_revision_commit (fd, job->revision, error))
    goto fail;
  if (renameat2 (certs_fd, tmp, certs_fd, job->id, RENAME_NOREPLACE) < 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot create “%s”: %s"), job->id, g_strerror (errno));
    goto fail;
  }
  return cw_fs_fsync (certs_fd, job->id, error);

fail:
  cw_fs_remove_tree_at (certs_fd, tmp, NULL);
  return FALSE;
}

static gboolean
write_existing (CwWriteJob *job, int certs_fd, GError **error)
{
  g_auto(CwFd) fd = cw_fs_open_dir (certs_fd, job->id, FALSE, error);

  if (fd < 0)
    return FALSE;
  if (!cw_revision_write (fd, job->revision, job->source, job->bundle, error))
    return FALSE;
  if (job->settings != NULL &&
      !cw_fs_replace_at (fd, SETTINGS_FILE, job->settings, strlen (job->settings), 0644, error)) {
    g_autofree gchar *name = cw_revision_dir_name (job->revision);

    cw_fs_remove_tree_at (fd, name, NULL);
    return FALSE;
  }
  if (!cw_revision_commit (fd, job->revision, error)) {
    g_autofree gchar *name = cw_revision_dir_name (job->revision);

    cw_fs_remove_tree_at (fd, name, NULL);
    return FALSE;
  }
  cw_revision_prune (fd, job->id, job->revision, job->keep);
  return TRUE;
}

gboolean
cw_write_job_run (CwWriteJob *job, GError **error)
{
  g_auto(CwFd) certs_fd = cw_fs_open_dir (AT_FDCWD, job->certs_dir, TRUE, error);

  if (certs_fd < 0)
    return FALSE;
  job->info = cw_cert_info_new (g_ptr_array_index (job->bundle->certs, 0), error);
  if (job->info == NULL)
    return FALSE;
  return job->is_new ? write_new (job, certs_fd, error) : write_existing (job, certs_fd, error);
}

/* Publishes a committed revision in the model. */
void
cw_store_apply_revision (CwStore *self, CwCertificate *cert, CwWriteJob *job)
{
  cw_certificate_set_revision (cert, job->revision, job->source, g_steal_pointer (&job->info), TRUE,
                               (const gchar * const *) job->bundle->warnings->pdata);
  cw_certificate_set_last_error (cert, NULL);
  cw_certificate_update_state (cert, cw_clock_now (), cw_store_warning_days (self));
}

CwBundle *
cw_store_build_bundle (CwStore *self, GPtrArray *inputs, const gchar *password, gboolean allow_expired,
              gnutls_x509_privkey_t key, GError **error)
{
  g_autoptr(CwMaterial) material = cw_material_new (password);
  CwChainPolicy policy = { 0 };

  for (guint i = 0; i < inputs->len; i++) {
    CwInput *input = g_ptr_array_index (inputs, i);
    gsize len = 0;
    const guint8 *bytes = g_bytes_get_data (input->data, &len);

    if (!cw_material_add (material, input->label, bytes, len, error))
      return NULL;
  }
  policy.now = cw_clock_now ();
  policy.allow_expired = allow_expired;
  policy.key = key;
  policy.roots = get_roots (self);
  return cw_bundle_build (material, &policy, error);
}

CwWriteJob *
cw_store_new_write_job (CwStore *self, CwCertificate *existing, const gchar *source)
{
  CwWriteJob *job = g_new0 (CwWriteJob, 1);

  job->certs_dir = g_strdup (self->certs_dir);
  job->keep = cw_store_keep_revisions (self);
  job->source = g_strdup (source);
  if (existing != NULL) {
    job->id = g_strdup (cw_certificate_get_id (existing));
    job->revision = cw_certificate_get_revision (existing) + 1;
  } else {
    job->is_new = TRUE;
    job->revision = 1;
  }
  return job;
}

gboolean
cw_store_claim (CwCertificate *cert, GError **error)
{
  if (cw_certificate_is_busy (cert)) {
    g_set_error (error, CW_ERROR, CW_ERROR_BUSY,
                 _("another operation on “%s” is in progress; try again when it has finished"),
                 cw_certificate_get_name (cert));
    return FALSE;
  }
  cw_certificate_set_busy (cert, TRUE);
  return TRUE;
}


static void
task_completed (GTask *task, GParamSpec *pspec, CwStore *self)
{
  g_signal_handlers_disconnect_by_func (task, task_completed, self);
  g_assert (self->in_flight > 0);
  if (--self->in_flight == 0)
    g_signal_emit (self, signals[SIGNAL_IDLE], 0);
  g_object_unref (self);
}

void
cw_store_track (CwStore *self, GTask *task)
{
  self->in_flight++;
  g_signal_connect (task, "notify::completed", G_CALLBACK (task_completed), g_object_ref (self));
}

gboolean
cw_store_is_idle (CwStore *self)
{
  return self->in_flight == 0;
}

void
cw_store_run_in_thread (CwStore *self, GTask *task, GTaskThreadFunc func, GAsyncReadyCallback done)
{
  g_autoptr(GTask) work = g_task_new (self, g_task_get_cancellable (task), done, task);

  g_task_set_task_data (work, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (work, func);
}
