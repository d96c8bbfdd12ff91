/* SPDX-License-Identifier: LGPL-2.1-or-later */


#include "config.h"

#include "cw-store-private.h"
#include "cw-certificate-private.h"
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-log.h"
#include "cw-revision.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

/* ---- install ------------------------------------------------------------ */

typedef struct {
  CwCertificate *cert;
  gchar         *dir;
  GBytes        *chain;
  CwWriteJob      *job;
} InstallData;

static void
install_data_free (InstallData *data)
{
  g_clear_object (&data->cert);
  g_free (data->dir);
  g_bytes_unref (data->chain);
  if (data->job != NULL)
    cw_write_job_free (data->job);
  g_free (data);
}

static void
install_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CwStore *self = CW_STORE (source);
  InstallData *data = task_data;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_input_free);
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(CwFd) fd = -1;
  CwInput *input = g_new0 (CwInput, 1);
  GError *error = NULL;

  input->label = g_strdup (_("chain"));
  input->data = g_bytes_ref (data->chain);
  g_ptr_array_add (inputs, input);

  fd = cw_fs_open_dir (AT_FDCWD, data->dir, FALSE, &error);
  if (fd < 0 || (key = cw_revision_load_key (fd, &error)) == NULL) {
    g_task_return_error (task, error);
    return;
  }
  /* an installed certificate is for the key we hold, or it is refused */
  data->job->bundle = cw_store_build_bundle (self, inputs, NULL, FALSE, key, &error);
  if (data->job->bundle == NULL || !cw_write_job_run (data->job, &error)) {
    g_task_return_error (task, error);
    return;
  }
  g_task_return_boolean (task, TRUE);
}

static void
install_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwStore *self = CW_STORE (source);
  g_autoptr(GTask) task = user_data;
  InstallData *data = g_task_get_task_data (task);
  const gchar *name = cw_certificate_get_name (data->cert);
  GError *error = NULL;

  cw_certificate_set_busy (data->cert, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    if (g_error_matches (error, CW_ERROR, CW_ERROR_IO))
      cw_cert_warning (name, "%s: install failed: %s", name, error->message);
    else
      cw_cert_info (name, "%s: install refused: %s", name, error->message);
    g_task_return_error (task, error);
    return;
  }
  cw_store_apply_revision (self, data->cert, data->job);
  cw_cert_message (name, "%s: new certificate installed (revision %u, valid until %s)", name,
                   data->job->revision, cw_certificate_get_info (data->cert)->subject);
  cw_certificate_emit_changed (data->cert);
  cw_store_emit_event (self, data->cert, CW_EVENT_RENEWED);
  g_task_return_boolean (task, TRUE);
}

void
cw_store_install_async (CwStore *self, CwCertificate *cert, GBytes *chain, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  InstallData *data = g_new0 (InstallData, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, cw_store_install_async);
  cw_store_track (self, task);
  data->cert = g_object_ref (cert);
  data->dir = g_strdup (cw_certificate_get_dir (cert));
  data->chain = g_bytes_ref (chain);
  /* a certificate that answers our own CSR stays a "csr" one */
  data->job = cw_store_new_write_job (self, cert,
                                      g_str_equal (cw_certificate_get_source (cert), "csr") ? "csr" : "imported");
  g_task_set_task_data (task, data, (GDestroyNotify) install_data_free);

  if (!cw_store_claim (cert, &error)) {
    g_task_return_error (task, error);
    return;
  }
  cw_store_run_in_thread (self, g_steal_pointer (&task), install_thread, install_done);
}

gboolean
cw_store_install_finish (CwStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- remove ------------------------------------------------------------- */

typedef struct {
  CwCertificate *cert;
  gchar         *certs_dir;
  gchar         *id;
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_clear_object (&data->cert);
  g_free (data->certs_dir);
  g_free (data->id);
  g_free (data);
}

static void
remove_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  RemoveData *data = task_data;
  g_auto(CwFd) certs_fd = -1;
  g_autofree gchar *trash = g_strdup_printf (".trash-%s-%08x", data->id, g_random_int ());
  g_autoptr(GError) cleanup_error = NULL;
  GError *error = NULL;

  certs_fd = cw_fs_open_dir (AT_FDCWD, data->certs_dir, TRUE, &error);
  if (certs_fd < 0) {
    g_task_return_error (task, error);
    return;
  }
  /* the rename is the removal; deleting the files after it is tidying up,
   * finished on the next start if interrupted */
  if (renameat (certs_fd, data->id, certs_fd, trash) < 0) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_IO, _("cannot remove “%s”: %s"), data->id,
                             g_strerror (errno));
    return;
  }
  if (!cw_fs_fsync (certs_fd, data->certs_dir, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (!cw_fs_remove_tree_at (certs_fd, trash, &cleanup_error))
    g_warning ("%s: %s", data->id, cleanup_error->message);
  g_task_return_boolean (task, TRUE);
}

static void
remove_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwStore *self = CW_STORE (source);
  g_autoptr(GTask) task = user_data;
  RemoveData *data = g_task_get_task_data (task);
  g_autofree gchar *name = g_strdup (cw_certificate_get_name (data->cert));
  GError *error = NULL;

  cw_certificate_set_busy (data->cert, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    g_task_return_error (task, error);
    return;
  }
  g_hash_table_remove (self->by_id, cw_certificate_get_id (data->cert));
  g_hash_table_remove (self->by_name, name);
  cw_cert_message (name, "%s: removed", name);
  cw_store_emit_event (self, data->cert, CW_EVENT_REMOVED);
  g_task_return_boolean (task, TRUE);
}

void
cw_store_remove_async (CwStore *self, CwCertificate *cert, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  RemoveData *data = g_new0 (RemoveData, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, cw_store_remove_async);
  cw_store_track (self, task);
  data->cert = g_object_ref (cert);
  data->certs_dir = g_strdup (self->certs_dir);
  data->id = g_strdup (cw_certificate_get_id (cert));
  g_task_set_task_data (task, data, (GDestroyNotify) remove_data_free);
  if (!cw_store_claim (cert, &error)) {
    g_task_return_error (task, error);
    return;
  }
  cw_store_run_in_thread (self, g_steal_pointer (&task), remove_thread, remove_done);
}

gboolean
cw_store_remove_finish (CwStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- export ------------------------------------------------------------- */

typedef struct {
  gchar           *dir;
  gchar           *name;
  CwExportOptions  options;
} ExportData;

static void
export_data_free (ExportData *data)
{
  g_free (data->dir);
  g_free (data->name);
  if (data->options.password != NULL)
    explicit_bzero (data->options.password, strlen (data->options.password));
  g_free (data->options.password);
  g_free (data);
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ExportData *data = task_data;
  g_auto(CwFd) fd = -1;
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_autoptr(GPtrArray) chain = NULL;
  GBytes *out;
  GError *error = NULL;

  /* one directory descriptor for both reads: cert and key of one revision */
  fd = cw_fs_open_dir (AT_FDCWD, data->dir, FALSE, &error);
  if (fd >= 0)
    chain = cw_revision_load_chain (fd, &error);
  if (chain != NULL && data->options.include_key)
    key = cw_revision_load_key (fd, &error);
  if (chain == NULL || (data->options.include_key && key == NULL)) {
    g_task_return_error (task, error);
    return;
  }
  out = cw_export (chain, key, data->name, &data->options, &error);
  if (out == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, out, (GDestroyNotify) g_bytes_unref);
}

void
cw_store_export_async (CwStore *self, CwCertificate *cert, const CwExportOptions *options,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  ExportData *data = g_new0 (ExportData, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, cw_store_export_async);
  cw_store_track (self, task);
  data->dir = g_strdup (cw_certificate_get_dir (cert));
  data->name = g_strdup (cw_certificate_get_name (cert));
  data->options = *options;
  data->options.password = g_strdup (options->password);
  g_task_set_task_data (task, data, (GDestroyNotify) export_data_free);
  if (!cw_export_options_validate (options, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (cw_certificate_get_info (cert) == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_FOUND,
                             _("“%s” has no certificate yet"), cw_certificate_get_name (cert));
    return;
  }
  g_task_run_in_thread (task, export_thread);
}

GBytes *
cw_store_export_finish (CwStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
