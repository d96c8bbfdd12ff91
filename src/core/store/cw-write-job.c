/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwWriteJob: one change of a certificate directory, run in a worker thread
 * (a new directory, a new revision, a pending request) and committed with
 * one rename. */
#include "config.h"

#include "cw-write-job.h"
#include "cw-certificate.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-revision.h"
#include "cw-x509.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
cw_write_job_free (CwWriteJob *job)
{
  g_free (job->certs_dir);
  g_free (job->id);
  g_free (job->source);
  g_free (job->settings);
  g_free (job->name);
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
  if (!cw_fs_mkdir_at (fd, tmp, 0755, error))
    return FALSE;
  pfd = cw_fs_open_dir (fd, tmp, FALSE, error);
  ok = pfd >= 0 &&
       cw_fs_write_new_at (pfd, cw_cert_file_name (CW_CERT_FILE_KEY), key, strlen (key), 0600, error) &&
       cw_fs_write_new_at (pfd, CW_REQUEST_FILE, job->request, strlen (job->request), 0644, error) &&
       cw_fs_fsync (pfd, tmp, error) &&
       cw_fs_remove_tree_at (fd, CW_PENDING_DIR, error);
  explicit_bzero (key, strlen (key));
  if (ok)
    ok = cw_fs_rename_at (fd, tmp, CW_PENDING_DIR, error);
  if (!ok) {
    cw_fs_remove_tree_at (fd, tmp, NULL);
    return FALSE;
  }
  cw_fs_fsync_committed (fd, CW_PENDING_DIR);
  return TRUE;
}

/* A new certificate is assembled in a hidden directory and renamed into
 * place, so it appears complete or not at all. */
static gboolean
write_new (CwWriteJob *job, int certs_fd, GError **error)
{
  g_autofree gchar *tmp = g_strdup_printf (".new-%s-%08x", job->id, g_random_int ());
  g_auto(CwFd) fd = -1;

  if (!cw_fs_mkdir_at (certs_fd, tmp, 0755, error))
    return FALSE;
  fd = cw_fs_open_dir (certs_fd, tmp, FALSE, error);
  if (fd < 0 || !cw_fs_write_new_at (fd, CW_SETTINGS_FILE, job->settings, strlen (job->settings), 0644, error))
    goto fail;
  if (job->bundle != NULL &&
      (!cw_revision_write (fd, job->revision, job->source, job->bundle, job->key_gid, error) ||
       !cw_revision_commit (fd, job->revision, error)))
    goto fail;
  if (job->pending_key != NULL && !write_pending (job, fd, error))
    goto fail;
  /* a directory the store skipped when loading (unreadable, kept for the
   * administrator) may hold the name: take the next free one */
  for (guint n = 2; renameat2 (certs_fd, tmp, certs_fd, job->id, RENAME_NOREPLACE) < 0; n++) {
    gchar *base;

    if ((errno != EEXIST && errno != ENOTEMPTY) || n > 100) {
      cw_fs_error (error, errno, _("cannot create “%s”"), job->id);
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

  if (staged != NULL && !cw_fs_commit_staged_at (fd, staged, CW_SETTINGS_FILE, &error))
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
    staged = cw_fs_stage_at (fd, CW_SETTINGS_FILE, job->settings, strlen (job->settings), 0644, error);
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
  if (!cw_revision_write (fd, job->revision, job->source, job->bundle, job->key_gid, error))
    goto fail;
  if (!cw_revision_commit (fd, job->revision, error)) {
    cw_fs_remove_tree_at (fd, rev_name, NULL);
    goto fail;
  }
  settings_commit (job, fd, staged);
  /* the request is answered; from here on, only tidying up */
  if (job->consume_pending) {
    g_autoptr(GError) local = NULL;

    if (!cw_fs_remove_tree_at (fd, CW_PENDING_DIR, &local))
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
  /* shared first: what this disk commits, the backend has committed */
  if (job->backend != NULL && job->backend->commit_revision != NULL &&
      !job->backend->commit_revision (job->backend_data, job, error))
    return FALSE;
  return job->is_new ? write_new (job, certs_fd, error) : write_existing (job, certs_fd, error);
}
