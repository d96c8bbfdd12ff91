/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwStore made and loaded: the model (cw-store-core.c) with its policy
 * (cw-store-policy.c), every certificate directory read in parallel at
 * start, and the audit of the files behind them afterwards. */
#include "config.h"

#include "cw-store-private.h"
#include "cw-certificate-private.h"
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-id.h"
#include "cw-log.h"
#include "cw-revision.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

CwStore *
cw_store_new (const gchar *state_dir, CwConfig *config)
{
  CwStore *self = g_object_new (CW_TYPE_STORE, NULL);

  self->state_dir = g_strdup (state_dir);
  self->certs_dir = g_build_filename (state_dir, "certificates", NULL);
  self->config = config != NULL ? g_object_ref (config) : cw_config_new ();
  cw_store_policy_attach (self);
  return self;
}

/* ---- loading ------------------------------------------------------------ */

static gchar *
read_request (int fd)
{
  g_auto(CwFd) pending = openat (fd, CW_PENDING_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  g_autoptr(GBytes) pem = NULL;

  if (pending < 0)
    return NULL;
  pem = cw_fs_read_at (pending, CW_REQUEST_FILE, 64 * 1024, NULL);
  return pem != NULL ? g_strndup (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem)) : NULL;
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
  settings = cw_fs_read_at (fd, CW_SETTINGS_FILE, 1024 * 1024, error);
  if (settings == NULL || !g_key_file_load_from_bytes (kf, settings, G_KEY_FILE_NONE, error))
    return NULL;
  name = g_key_file_get_string (kf, CW_SETTINGS_GROUP, "name", error);
  if (name == NULL)
    return NULL;
  roles = g_key_file_get_string_list (kf, CW_SETTINGS_GROUP, "roles", NULL, NULL);
  tenant = g_key_file_get_string (kf, CW_SETTINGS_GROUP, "tenant", NULL);
  announced = g_key_file_get_string (kf, CW_SETTINGS_GROUP, "announced", NULL);
  request = read_request (fd);

  rev = cw_revision_read_current (fd, FALSE, &rev_error);
  if (rev == NULL && (request == NULL || !g_error_matches (rev_error, CW_ERROR, CW_ERROR_NOT_FOUND))) {
    g_propagate_error (error, g_steal_pointer (&rev_error));
    return NULL;
  }

  cert = cw_certificate_new (id, name, dir);
  cw_certificate_set_roles (cert, roles != NULL ? (const gchar * const *) roles : NULL);
  cw_certificate_set_tenant (cert, tenant);
  cw_certificate_set_spec (cert, cw_issue_spec_load (kf, CW_ISSUE_GROUP));
  cw_certificate_set_acme (cert, cw_acme_spec_load (kf, CW_ACME_GROUP));
  cw_certificate_set_scep (cert, cw_scep_spec_load (kf, CW_SCEP_GROUP));
  {
    g_autoptr(GError) bad = NULL;

    cw_certificate_set_renewal (cert, cw_renewal_load (kf, CW_RENEWAL_GROUP, &bad));
    if (bad != NULL)
      cw_cert_warning (name, "%s: reload actions in %s/%s ignored: %s", name, dir, CW_SETTINGS_FILE, bad->message);
    g_clear_error (&bad);
    cw_certificate_set_delivery (cert, cw_delivery_load (kf, &bad));
    if (bad != NULL)
      cw_cert_warning (name, "%s: delivery settings in %s/%s partly ignored: %s", name, dir, CW_SETTINGS_FILE,
                       bad->message);
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
    cw_certificate_set_revision (cert, 0, cw_certificate_get_acme (cert) != NULL   ? "acme"
                                          : cw_certificate_get_scep (cert) != NULL ? "scep"
                                                                                   : "csr",
                                 NULL, FALSE, NULL);
  }
  cw_certificate_update_state (cert, cw_clock_now (), cw_store_warning_window (self, cert));
  return g_steal_pointer (&cert);
}

static void
load_manager (CwStore *self)
{
  g_autofree gchar *path = g_build_filename (self->state_dir, CW_MANAGER_FILE, NULL);
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
    return cw_fs_error (error, errno, _("cannot create the state directory “%s”"), self->certs_dir);
  }
  certs_fd = cw_fs_open_dir (AT_FDCWD, self->certs_dir, TRUE, error);
  if (certs_fd < 0)
    return FALSE;
  load_manager (self);

  {
    int copy = dup (certs_fd);

    dir = copy >= 0 ? fdopendir (copy) : NULL;
    if (dir == NULL) {
      cw_fs_error (error, errno, _("cannot read “%s”"), self->certs_dir);
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
    cw_store_emit_updated (self, cert);
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

    if (id[0] != '.' && cw_id_is_valid (id))
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
    if (!cw_id_is_valid (id)) {
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
