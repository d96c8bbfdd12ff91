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
#include <string.h>
#include <unistd.h>

#define SETTINGS_FILE "settings.ini"
#define SETTINGS_GROUP "certificate"
#define ISSUE_GROUP "issue"
#define ACME_GROUP "acme"
#define RENEWAL_GROUP "renewal"
#define MANAGER_FILE "manager.ini"
#define PENDING_DIR "pending"
#define REQUEST_FILE "request.pem"

enum { SIGNAL_EVENT, SIGNAL_IDLE, SIGNAL_MANAGER_CHANGED, SIGNAL_ADDED, SIGNAL_REMOVED, SIGNAL_RENEWAL_OPTIONS,
       N_SIGNALS };
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

/* ---- settings writer ---------------------------------------------------- */

typedef struct {
  gchar *dir;
  gchar *file;
  gchar *data;
} SaveJob;

/* Runs in the store's one saver thread, so writes land in the order they
 * were queued and the newest snapshot of the model wins. */
static void
save_func (gpointer data, gpointer user_data)
{
  SaveJob *job = data;
  CwStore *self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(CwFd) fd = open (job->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  /* a certificate removed since the write was queued (or while it ran)
   * has nothing to save */
  if (fd < 0 && errno != ENOENT)
    g_warning ("cannot save %s/%s: %s", job->dir, job->file, g_strerror (errno));
  else if (fd >= 0 && !cw_fs_replace_at (fd, job->file, job->data, strlen (job->data), 0644, &error) &&
           g_file_test (job->dir, G_FILE_TEST_IS_DIR))
    g_warning ("cannot save %s/%s: %s", job->dir, job->file, error->message);

  g_free (job->dir);
  g_free (job->file);
  g_free (job->data);
  g_free (job);
  g_mutex_lock (&self->save_lock);
  if (--self->saves_pending == 0)
    g_cond_broadcast (&self->save_cond);
  g_mutex_unlock (&self->save_lock);
}

static void
queue_save (CwStore *self, const gchar *dir, const gchar *file, gchar *data)
{
  SaveJob *job = g_new0 (SaveJob, 1);

  job->dir = g_strdup (dir);
  job->file = g_strdup (file);
  job->data = data;
  g_mutex_lock (&self->save_lock);
  self->saves_pending++;
  g_mutex_unlock (&self->save_lock);
  g_thread_pool_push (self->saver, job, NULL);
}

void
cw_store_flush (CwStore *self)
{
  g_mutex_lock (&self->save_lock);
  while (self->saves_pending > 0)
    g_cond_wait (&self->save_cond, &self->save_lock);
  g_mutex_unlock (&self->save_lock);
}

gchar *
cw_store_settings_serialize (const gchar *name, const gchar * const *roles, const gchar *tenant,
                             const CwIssueSpec *spec, const CwAcmeSpec *acme, const CwRenewal *renewal,
                             CwCertState announced)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_key_file_set_string (kf, SETTINGS_GROUP, "name", name);
  g_key_file_set_string_list (kf, SETTINGS_GROUP, "roles", roles, roles != NULL ? g_strv_length ((gchar **) roles) : 0);
  g_key_file_set_string (kf, SETTINGS_GROUP, "tenant", tenant != NULL ? tenant : "");
  if (announced == CW_CERT_STATE_EXPIRING || announced == CW_CERT_STATE_EXPIRED)
    g_key_file_set_string (kf, SETTINGS_GROUP, "announced", cw_cert_state_to_string (announced));
  if (spec != NULL)
    cw_issue_spec_save (spec, kf, ISSUE_GROUP);
  if (acme != NULL)
    cw_acme_spec_save (acme, kf, ACME_GROUP);
  if (renewal != NULL)
    cw_renewal_save (renewal, kf, RENEWAL_GROUP);
  return g_key_file_to_data (kf, NULL, NULL);
}

void
cw_store_save_settings (CwStore *self, CwCertificate *cert)
{
  queue_save (self, cw_certificate_get_dir (cert), SETTINGS_FILE,
              cw_store_settings_serialize (cw_certificate_get_name (cert), cw_certificate_get_roles (cert),
                                           cw_certificate_get_tenant (cert), cw_certificate_get_spec (cert),
                                           cw_certificate_get_acme (cert), cw_certificate_get_renewal (cert),
                                           cw_certificate_get_announced (cert)));
}

void
cw_store_save_manager (CwStore *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_key_file_set_comment (kf, NULL, NULL, " Written by certwardd; change it over D-Bus.", NULL);
  if (self->default_id != NULL)
    g_key_file_set_string (kf, "manager", "default", self->default_id);
  if (self->warning_days > 0)
    g_key_file_set_integer (kf, "manager", "expiry-warning-days", self->warning_days);
  g_hash_table_iter_init (&iter, self->tenants);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_key_file_set_string_list (kf, "tenants", key, value, g_strv_length (value));
  queue_save (self, self->state_dir, MANAGER_FILE, g_key_file_to_data (kf, NULL, NULL));
  g_signal_emit (self, signals[SIGNAL_MANAGER_CHANGED], 0);
}

/* ---- object ------------------------------------------------------------- */

static void
cw_store_finalize (GObject *object)
{
  CwStore *self = CW_STORE (object);

  /* queued settings reach the disk before the store goes */
  g_thread_pool_free (self->saver, FALSE, TRUE);
  cw_clock_remove_alarm (self->expiry_alarm);
  cw_sni_index_free (self->index);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_name);
  g_hash_table_unref (self->reserved);
  g_hash_table_unref (self->tenants);
  g_clear_object (&self->config);
  g_free (self->default_id);
  g_free (self->state_dir);
  g_free (self->certs_dir);
  g_clear_pointer (&self->roots, cw_roots_unref);
  g_mutex_clear (&self->roots_lock);
  g_mutex_clear (&self->save_lock);
  g_cond_clear (&self->save_cond);
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
  signals[SIGNAL_MANAGER_CHANGED] = g_signal_new ("manager-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ADDED] = g_signal_new ("certificate-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, CW_TYPE_CERTIFICATE);
  signals[SIGNAL_REMOVED] = g_signal_new ("certificate-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, CW_TYPE_CERTIFICATE);
  signals[SIGNAL_RENEWAL_OPTIONS] = g_signal_new ("renewal-options-changed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                  CW_TYPE_CERTIFICATE);
}

static void
cw_store_init (CwStore *self)
{
  self->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->reserved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->tenants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  self->index = cw_sni_index_new ();
  self->warning_days = -1;
  self->saver = g_thread_pool_new (save_func, self, 1, FALSE, NULL);
  g_mutex_init (&self->roots_lock);
  g_mutex_init (&self->save_lock);
  g_cond_init (&self->save_cond);
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

/* Roots that make a chain complete without being part of it. Loaded on
 * first use, from a worker thread. */
/* The roots a chain may end in without including them: the system bundle
 * of [trust] system-bundle. Loaded once, in whichever worker needs it. */
static CwRoots *
get_roots (CwStore *self)
{
  g_mutex_lock (&self->roots_lock);
  if (!self->roots_loaded) {
    const gchar *bundle = cw_config_get_string (self->config, "trust", "system-bundle");
    g_autoptr(GError) error = NULL;

    self->roots_loaded = TRUE;
    self->roots = cw_roots_new ();
    if (!cw_roots_add_file (self->roots, bundle, &error))
      g_info ("no system CA bundle (%s): missing intermediates cannot be told from roots", error->message);
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
  cw_sni_index_update (self->index, cert);
}

void
cw_store_forget_certificate (CwStore *self, CwCertificate *cert)
{
  g_autoptr(CwCertificate) keep = g_object_ref (cert);

  cw_sni_index_remove (self->index, cert);
  g_hash_table_remove (self->by_id, cw_certificate_get_id (cert));
  g_hash_table_remove (self->by_name, cw_certificate_get_name (cert));
  g_signal_emit (self, signals[SIGNAL_REMOVED], 0, cert);
  cw_store_policy_removed (self, cert);
}

void
cw_store_emit_renewal_options_changed (CwStore *self, CwCertificate *cert)
{
  g_signal_emit (self, signals[SIGNAL_RENEWAL_OPTIONS], 0, cert);
}

void
cw_store_emit_event (CwStore *self, CwCertificate *cert, CwEvent event)
{
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, cert, (guint) event);
}

/* ---- loading ------------------------------------------------------------ */

static gchar *
read_request (int fd)
{
  g_auto(CwFd) pending = openat (fd, PENDING_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  g_autoptr(GBytes) pem = NULL;

  if (pending < 0)
    return NULL;
  pem = cw_fs_read_at (pending, REQUEST_FILE, 64 * 1024, NULL);
  return pem != NULL ? g_strndup (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem)) : NULL;
}

/* Ids end D-Bus object paths: [A-Za-z0-9_]+ (see make_id). */
static gboolean
id_is_valid (const gchar *id)
{
  if (*id == '\0')
    return FALSE;
  for (const gchar *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

static CwCertificate *
load_one (CwStore *self, int certs_fd, const gchar *id, GError **error)
{
  g_autofree gchar *dir = g_build_filename (self->certs_dir, id, NULL);
  g_auto(CwFd) fd = cw_fs_open_dir (certs_fd, id, FALSE, error);
  g_autoptr(GBytes) settings = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(CwRevision) rev = NULL;
  g_autofree gchar *name = NULL, *tenant = NULL, *announced = NULL, *request = NULL;
  g_auto(GStrv) roles = NULL;
  g_autoptr(CwCertificate) cert = NULL;
  g_autoptr(GError) rev_error = NULL;

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
  announced = g_key_file_get_string (kf, SETTINGS_GROUP, "announced", NULL);
  request = read_request (fd);

  rev = cw_revision_read_current (fd, FALSE, &rev_error);
  if (rev == NULL && (request == NULL || !g_error_matches (rev_error, CW_ERROR, CW_ERROR_NOT_FOUND))) {
    g_propagate_error (error, g_steal_pointer (&rev_error));
    return NULL;
  }

  cert = cw_certificate_new (id, name, dir);
  cw_certificate_set_roles (cert, roles != NULL ? (const gchar * const *) roles : NULL);
  cw_certificate_set_tenant (cert, tenant);
  cw_certificate_set_spec (cert, cw_issue_spec_load (kf, ISSUE_GROUP));
  cw_certificate_set_acme (cert, cw_acme_spec_load (kf, ACME_GROUP));
  {
    g_autoptr(GError) bad = NULL;

    cw_certificate_set_renewal (cert, cw_renewal_load (kf, RENEWAL_GROUP, &bad));
    if (bad != NULL)
      cw_cert_warning (name, "%s: reload actions in %s/%s ignored: %s", name, dir, SETTINGS_FILE, bad->message);
  }
  cw_certificate_set_request (cert, request);
  if (g_strcmp0 (announced, "expiring") == 0)
    cw_certificate_set_announced (cert, CW_CERT_STATE_EXPIRING);
  else if (g_strcmp0 (announced, "expired") == 0)
    cw_certificate_set_announced (cert, CW_CERT_STATE_EXPIRED);
  if (rev != NULL) {
    cw_revision_prune (fd, name, rev->number, cw_store_keep_revisions (self), TRUE);
    cw_certificate_set_revision (cert, rev->number, rev->source, g_steal_pointer (&rev->info),
                                 rev->key_matches, (const gchar * const *) rev->warnings);
    if (!cw_certificate_get_key_matches (cert))
      cw_cert_warning (name, "%s: the private key in %s does not match the certificate", name, dir);
  } else {
    /* only a request so far: prune revisions a crash left behind */
    cw_revision_prune (fd, name, 0, 0, TRUE);
    cw_certificate_set_revision (cert, 0, cw_certificate_get_acme (cert) != NULL ? "acme" : "csr", NULL, FALSE, NULL);
  }
  cw_certificate_update_state (cert, cw_clock_now (), cw_store_warning_window (self, cert));
  return g_steal_pointer (&cert);
}

static void
load_manager (CwStore *self)
{
  g_autofree gchar *path = g_build_filename (self->state_dir, MANAGER_FILE, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error) &&
      !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("ignoring %s: %s", path, error->message);
  cw_store_policy_load (self, kf);
}

static void load_all (CwStore *self, int certs_fd, GPtrArray *names);
static void audit_start (CwStore *self);

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
  load_manager (self);

  {
    int copy = dup (certs_fd);

    dir = copy >= 0 ? fdopendir (copy) : NULL;
    if (dir == NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot read “%s”: %s"), self->certs_dir, g_strerror (errno));
      if (copy >= 0)
        close (copy);
      return FALSE;
    }
  }
  while ((de = readdir (dir)) != NULL)
    if (!g_str_equal (de->d_name, ".") && !g_str_equal (de->d_name, ".."))
      g_ptr_array_add (names, g_strdup (de->d_name));
  closedir (dir);

  load_all (self, certs_fd, names);
  g_info ("loaded %u certificates from %s", g_hash_table_size (self->by_name), self->certs_dir);
  cw_store_check_expiry (self);
  audit_start (self);
  return TRUE;
}

/* ---- audit -------------------------------------------------------------- */

/* The start reads each revision's cache; this checks the files behind it
 * (the certificate parsed, the key against it) in a worker thread, and
 * corrects the model where someone changed them by hand. */
typedef struct {
  gchar      *id;
  gchar      *dir;
  guint       revision;
  gchar      *fingerprint;
  gboolean    key_matches;
  CwRevision *found;        /* result when it differs */
} Audit;

static void
audit_free (Audit *a)
{
  g_free (a->id);
  g_free (a->dir);
  g_free (a->fingerprint);
  g_clear_pointer (&a->found, cw_revision_free);
  g_free (a);
}

static void
audit_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GPtrArray *audits = task_data;

  for (guint i = 0; i < audits->len; i++) {
    Audit *a = g_ptr_array_index (audits, i);
    g_auto(CwFd) fd = cw_fs_open_dir (AT_FDCWD, a->dir, FALSE, NULL);
    g_autoptr(CwRevision) rev = fd >= 0 ? cw_revision_read_current (fd, TRUE, NULL) : NULL;

    if (rev != NULL && rev->number == a->revision &&
        (g_strcmp0 (rev->info->fingerprint, a->fingerprint) != 0 || rev->key_matches != a->key_matches))
      a->found = g_steal_pointer (&rev);
  }
  g_task_return_boolean (task, TRUE);
}

static void
audit_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwStore *self = CW_STORE (source);
  GPtrArray *audits = g_task_get_task_data (G_TASK (result));

  for (guint i = 0; i < audits->len; i++) {
    Audit *a = g_ptr_array_index (audits, i);
    CwCertificate *cert = cw_store_lookup_id (self, a->id);
    const gchar *name;

    /* changed meanwhile by the agent itself: the new revision is right */
    if (a->found == NULL || cert == NULL || cw_certificate_get_revision (cert) != a->revision)
      continue;
    name = cw_certificate_get_name (cert);
    if (g_strcmp0 (a->found->info->fingerprint, a->fingerprint) != 0)
      cw_cert_warning (name, "%s: the certificate in %s was changed outside the agent", name, a->dir);
    if (!a->found->key_matches)
      cw_cert_warning (name, "%s: the private key in %s does not match the certificate", name, a->dir);
    cw_certificate_set_revision (cert, a->found->number, a->found->source, g_steal_pointer (&a->found->info),
                                 a->found->key_matches, (const gchar * const *) a->found->warnings);
    cw_store_policy_changed (self, cert);
    cw_certificate_emit_changed (cert);
  }
  self->auditing = FALSE;
}

static void
audit_start (CwStore *self)
{
  g_autoptr(GPtrArray) all = cw_store_get_certificates (self);
  GPtrArray *audits = g_ptr_array_new_with_free_func ((GDestroyNotify) audit_free);
  g_autoptr(GTask) task = g_task_new (self, NULL, audit_done, NULL);

  for (guint i = 0; i < all->len; i++) {
    CwCertificate *cert = g_ptr_array_index (all, i);
    const CwCertInfo *info = cw_certificate_get_info (cert);
    Audit *a;

    if (info == NULL)
      continue;
    a = g_new0 (Audit, 1);
    a->id = g_strdup (cw_certificate_get_id (cert));
    a->dir = g_strdup (cw_certificate_get_dir (cert));
    a->revision = cw_certificate_get_revision (cert);
    a->fingerprint = g_strdup (info->fingerprint);
    a->key_matches = cw_certificate_get_key_matches (cert);
    g_ptr_array_add (audits, a);
  }
  self->auditing = TRUE;
  g_task_set_task_data (task, audits, (GDestroyNotify) g_ptr_array_unref);
  /* low priority: it only confirms what the start assumed */
  g_task_set_priority (task, G_PRIORITY_LOW);
  g_task_run_in_thread (task, audit_thread);
}

gboolean
cw_store_is_auditing (CwStore *self)
{
  return self->auditing;
}

typedef struct {
  CwStore       *self;
  int            certs_fd;
  GPtrArray     *names;
  CwCertificate **certs;   /* parallel to names */
  GError       **errors;
  guint          next;     /* atomic: the next name to load */
} Loader;

static gpointer
load_worker (gpointer user_data)
{
  Loader *l = user_data;
  guint i;

  while ((i = (guint) g_atomic_int_add ((gint *) &l->next, 1)) < l->names->len) {
    const gchar *id = g_ptr_array_index (l->names, i);

    if (id[0] != '.' && id_is_valid (id))
      l->certs[i] = load_one (l->self, l->certs_fd, id, &l->errors[i]);
  }
  return NULL;
}

/* Every certificate directory: read by one thread per CPU (parsing ten
 * thousand certificates is most of a start), published here in order. */
static void
load_all (CwStore *self, int certs_fd, GPtrArray *names)
{
  Loader l = { self, certs_fd, names, g_new0 (CwCertificate *, names->len), g_new0 (GError *, names->len), 0 };
  guint n_threads = CLAMP (g_get_num_processors (), 1, 8);
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();

  /* a certificate being created or removed when the daemon stopped */
  for (guint i = 0; i < names->len; i++) {
    const gchar *id = g_ptr_array_index (names, i);
    g_autoptr(GError) local = NULL;

    if ((g_str_has_prefix (id, ".new-") || g_str_has_prefix (id, ".trash-")) &&
        !cw_fs_remove_tree_at (certs_fd, id, &local))
      g_warning ("cannot clean up %s/%s: %s", self->certs_dir, id, local->message);
  }
  for (guint t = 1; t < n_threads && names->len > 64; t++)
    g_ptr_array_add (threads, g_thread_new ("cw-load", load_worker, &l));
  load_worker (&l);
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (g_ptr_array_index (threads, t));

  for (guint i = 0; i < names->len; i++) {
    const gchar *id = g_ptr_array_index (names, i);
    g_autoptr(GError) local = g_steal_pointer (&l.errors[i]);
    CwCertificate *cert = l.certs[i];

    if (id[0] == '.')
      continue;
    if (!id_is_valid (id)) {
      g_warning ("ignoring %s/%s: certificate directories are named with letters, digits and _ only",
                 self->certs_dir, id);
      continue;
    }
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
  g_free (l.certs);
  g_free (l.errors);
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
  if (job->pending_key != NULL)
    gnutls_x509_privkey_deinit (job->pending_key);
  g_free (job->request);
  cw_cert_info_free (job->info);
  g_free (job);
}

/* A request's key and CSR go to "pending", replacing an older request with
 * one rename; the revision in use is not touched. */
static gboolean
write_pending (CwWriteJob *job, int fd, GError **error)
{
  g_autofree gchar *tmp = g_strdup_printf (".pending-%08x", g_random_int ());
  g_autofree gchar *key = NULL;
  g_auto(CwFd) pfd = -1;
  gboolean ok;

  key = cw_x509_privkey_export_pem (job->pending_key, NULL, error);
  if (key == NULL)
    return FALSE;
  if (mkdirat (fd, tmp, 0755) < 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot create “%s”: %s"), tmp, g_strerror (errno));
    return FALSE;
  }
  pfd = cw_fs_open_dir (fd, tmp, FALSE, error);
  ok = pfd >= 0 &&
       cw_fs_write_new_at (pfd, cw_cert_file_name (CW_CERT_FILE_KEY), key, strlen (key), 0600, error) &&
       cw_fs_write_new_at (pfd, REQUEST_FILE, job->request, strlen (job->request), 0644, error) &&
       cw_fs_fsync (pfd, tmp, error) &&
       cw_fs_remove_tree_at (fd, PENDING_DIR, error);
  explicit_bzero (key, strlen (key));
  if (ok && renameat (fd, tmp, fd, PENDING_DIR) < 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot rename “%s” into place: %s"), PENDING_DIR, g_strerror (errno));
    ok = FALSE;
  }
  if (!ok) {
    cw_fs_remove_tree_at (fd, tmp, NULL);
    return FALSE;
  }
  cw_fs_fsync_committed (fd, PENDING_DIR);
  return TRUE;
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
  if (fd < 0 || !cw_fs_write_new_at (fd, SETTINGS_FILE, job->settings, strlen (job->settings), 0644, error))
    goto fail;
  if (job->bundle != NULL &&
      (!cw_revision_write (fd, job->revision, job->source, job->bundle, error) ||
       !cw_revision_commit (fd, job->revision, error)))
    goto fail;
  if (job->pending_key != NULL && !write_pending (job, fd, error))
    goto fail;
  /* a directory the store skipped when loading (unreadable, kept for the
   * administrator) may hold the name: take the next free one */
  for (guint n = 2; renameat2 (certs_fd, tmp, certs_fd, job->id, RENAME_NOREPLACE) < 0; n++) {
    gchar *base;

    if ((errno != EEXIST && errno != ENOTEMPTY) || n > 100) {
      g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot create “%s”: %s"), job->id, g_strerror (errno));
      goto fail;
    }
    base = g_strdup (job->id);
    if (n > 2)
      *strrchr (base, '_') = '\0';
    g_free (job->id);
    job->id = g_strdup_printf ("%s_%u", base, n);
    g_free (base);
  }
  cw_fs_fsync_committed (certs_fd, job->id);
  return TRUE;

fail:
  cw_fs_remove_tree_at (certs_fd, tmp, NULL);
  return FALSE;
}

/* The disk decides the next revision number: if the model fell behind
 * (an operation whose answer never arrived), writing "rev-N" must never
 * replace the revision "current" points to. */
static void
next_revision (CwWriteJob *job, int fd)
{
  g_autofree gchar *target = cw_fs_readlink_at (fd, "current");
  guint64 current = 0;

  if (target != NULL && g_str_has_prefix (target, "rev-") &&
      g_ascii_string_to_unsigned (target + 4, 10, 1, G_MAXUINT - 1, &current, NULL) && job->revision <= current)
    job->revision = current + 1;
}

/* Renames the staged settings into place once the change they describe is
 * committed; the rename needs no space, so only a broken file system
 * fails it, and then the revision is current already: logged. */
static void
settings_commit (CwWriteJob *job, int fd, const gchar *staged)
{
  g_autoptr(GError) error = NULL;

  if (staged != NULL && !cw_fs_commit_staged_at (fd, staged, SETTINGS_FILE, &error))
    g_warning ("%s: %s", job->id, error->message);
}

static gboolean
write_existing (CwWriteJob *job, int certs_fd, GError **error)
{
  g_auto(CwFd) fd = cw_fs_open_dir (certs_fd, job->id, FALSE, error);
  g_autofree gchar *staged = NULL;
  g_autofree gchar *rev_name = NULL;

  if (fd < 0)
    return FALSE;
  next_revision (job, fd);
  /* A replace changes the settings too (roles, tenant, how it is made):
   * they are written beside the change before it is committed, so a full
   * disk fails the whole change and the caller hears of it. */
  if (job->settings != NULL) {
    staged = cw_fs_stage_at (fd, SETTINGS_FILE, job->settings, strlen (job->settings), 0644, error);
    if (staged == NULL)
      return FALSE;
  }
  if (job->pending_key != NULL && !write_pending (job, fd, error))
    goto fail;
  if (job->bundle == NULL) {
    settings_commit (job, fd, staged);
    return TRUE;
  }
  rev_name = cw_revision_dir_name (job->revision);
  if (!cw_revision_write (fd, job->revision, job->source, job->bundle, error))
    goto fail;
  if (!cw_revision_commit (fd, job->revision, error)) {
    cw_fs_remove_tree_at (fd, rev_name, NULL);
    goto fail;
  }
  settings_commit (job, fd, staged);
  /* the request is answered; from here on, only tidying up */
  if (job->consume_pending) {
    g_autoptr(GError) local = NULL;

    if (!cw_fs_remove_tree_at (fd, PENDING_DIR, &local))
      g_warning ("%s: %s", job->id, local->message);
  }
  cw_revision_prune (fd, job->id, job->revision, job->keep, FALSE);
  return TRUE;

fail:
  cw_fs_discard_staged_at (fd, staged);
  return FALSE;
}

gboolean
cw_write_job_run (CwWriteJob *job, GError **error)
{
  g_auto(CwFd) certs_fd = cw_fs_open_dir (AT_FDCWD, job->certs_dir, TRUE, error);

  if (certs_fd < 0)
    return FALSE;
  if (job->bundle != NULL) {
    job->info = cw_cert_info_new (g_ptr_array_index (job->bundle->certs, 0), error);
    if (job->info == NULL)
      return FALSE;
  }
  return job->is_new ? write_new (job, certs_fd, error) : write_existing (job, certs_fd, error);
}

void
cw_store_apply_revision (CwStore *self, CwCertificate *cert, CwWriteJob *job)
{
  cw_certificate_set_revision (cert, job->revision, job->source, g_steal_pointer (&job->info), TRUE,
                               (const gchar * const *) job->bundle->warnings->pdata);
  /* a new certificate ends whatever was being tried for it */
  cw_certificate_set_last_error (cert, NULL);
  cw_certificate_set_activity (cert, CW_ACTIVITY_IDLE);
  if (job->consume_pending)
    cw_certificate_set_request (cert, NULL);
  cw_store_policy_changed (self, cert);
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

/* ---- reservations and publication --------------------------------------- */

void
cw_store_set_activity (CwStore *self, CwCertificate *cert, CwActivity activity, const gchar *message)
{
  cw_certificate_set_activity (cert, activity);
  if (message != NULL)
    cw_certificate_set_last_error (cert, message);
  cw_certificate_update_state (cert, cw_clock_now (), cw_store_warning_window (self, cert));
  cw_certificate_emit_changed (cert);
  if (activity == CW_ACTIVITY_FAILED)
    cw_store_emit_event (self, cert, CW_EVENT_FAILED);
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

/* A directory name for a new certificate: the name reduced to [A-Za-z0-9_]
 * (also what the D-Bus object path ends in), made unique. */
static gchar *
make_id (CwStore *self, const gchar *name)
{
  g_autoptr(GString) base = g_string_new (NULL);
  gchar *id;

  for (const gchar *p = name; *p != '\0' && base->len < 48; p++)
    g_string_append_c (base, g_ascii_isalnum (*p) ? *p : '_');
  if (base->len == 0)
    g_string_append (base, "cert");

  id = g_strdup (base->str);
  for (guint n = 2; g_hash_table_contains (self->by_id, id) || g_hash_table_contains (self->reserved, id); n++) {
    g_free (id);
    id = g_strdup_printf ("%s_%u", base->str, n);
  }
  return id;
}

gboolean
cw_store_reserve (CwStore *self, const gchar *name, gboolean replace, CwCertificate **existing, gchar **id,
                  GError **error)
{
  CwCertificate *cert = cw_store_lookup (self, name);

  *existing = NULL;
  *id = NULL;
  if (g_hash_table_contains (self->reserved, name) || (cert != NULL && cw_certificate_is_busy (cert))) {
    g_set_error (error, CW_ERROR, CW_ERROR_BUSY,
                 _("another operation on “%s” is in progress; try again when it has finished"), name);
    return FALSE;
  }
  if (cert != NULL && !replace) {
    g_set_error (error, CW_ERROR, CW_ERROR_EXISTS,
                 _("a certificate named “%s” exists; use replace to overwrite it"), name);
    return FALSE;
  }
  if (cert != NULL) {
    cw_certificate_set_busy (cert, TRUE);
    *existing = g_object_ref (cert);
    return TRUE;
  }
  *id = make_id (self, name);
  g_hash_table_add (self->reserved, g_strdup (name));
  g_hash_table_add (self->reserved, g_strdup (*id));
  return TRUE;
}

void
cw_store_unreserve (CwStore *self, const gchar *name, const gchar *id)
{
  if (name != NULL)
    g_hash_table_remove (self->reserved, name);
  if (id != NULL)
    g_hash_table_remove (self->reserved, id);
}

CwCertificate *
cw_store_publish_new (CwStore *self, CwWriteJob *job, const gchar *name, const gchar * const *roles,
                      const gchar *tenant, CwIssueSpec *spec, CwAcmeSpec *acme)
{
  g_autofree gchar *dir = g_build_filename (self->certs_dir, job->id, NULL);
  CwCertificate *cert = cw_certificate_new (job->id, name, dir);

  cw_certificate_set_roles (cert, roles);
  cw_certificate_set_tenant (cert, tenant);
  cw_certificate_set_spec (cert, spec);
  cw_certificate_set_acme (cert, acme);
  cw_certificate_set_request (cert, job->request);
  if (job->bundle != NULL) {
    cw_certificate_set_revision (cert, job->revision, job->source, g_steal_pointer (&job->info), TRUE,
                                 (const gchar * const *) job->bundle->warnings->pdata);
  } else {
    cw_certificate_set_revision (cert, 0, job->source, NULL, FALSE, NULL);
  }
  cw_store_add_certificate (self, cert);
  /* its state first: listeners of ::certificate-added publish it at once */
  cw_store_policy_changed (self, cert);
  g_signal_emit (self, signals[SIGNAL_ADDED], 0, cert);
  return cert;
}

/* ---- tasks -------------------------------------------------------------- */

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

  /* the worker commits changes: its result must arrive even when the caller
   * cancelled meanwhile, or the model would fall behind the disk */
  g_task_set_check_cancellable (work, FALSE);
  g_task_set_task_data (work, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (work, func);
}
