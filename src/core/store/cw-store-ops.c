/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Store operations on one certificate: install, remove, export. */


#include "config.h"

#include "cw-store-private.h"
#include "cw-sni-index.h"
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
  gboolean       has_current;
  gboolean       has_pending;
  CwWriteJob    *job;
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

/* The certificate is for the current key (a renewal done elsewhere) or for
 * the key of the pending request (the CA's answer), or it is refused. */
static CwBundle *
bundle_for_held_key (CwStore *self, InstallData *data, int fd, GPtrArray *inputs, GError **error)
{
  /* the pending key first: with a reused key it is also the current one,
   * and the answer to the request must consume the request */
  const gchar *subdirs[] = { data->has_pending ? "pending" : NULL, data->has_current ? "current" : NULL };
  g_autoptr(GError) mismatch = NULL;
  guint tried = 0;

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++) {
    g_auto(gnutls_x509_privkey_t) key = NULL;
    CwBundle *bundle;
    GError *local = NULL;

    if (subdirs[i] == NULL)
      continue;
    key = cw_revision_load_key (fd, subdirs[i], error);
    if (key == NULL)
      return NULL;
    tried++;
    bundle = cw_store_build_bundle (self, inputs, NULL, FALSE, key, &local);
    if (bundle != NULL) {
      data->job->consume_pending = i == 0;
      return bundle;
    }
    if (!g_error_matches (local, CW_ERROR, CW_ERROR_KEY_MISMATCH)) {
      g_propagate_error (error, local);
      return NULL;
    }
    g_clear_error (&mismatch);
    mismatch = local;
  }
  if (tried > 1)
    g_set_error_literal (error, CW_ERROR, CW_ERROR_KEY_MISMATCH,
                         _("the certificate is neither for the current key nor for the key of the pending request"));
  else if (mismatch != NULL)
    g_propagate_error (error, g_steal_pointer (&mismatch));
  else
    g_set_error_literal (error, CW_ERROR, CW_ERROR_NO_KEY, _("this certificate has no key to install for"));
  return NULL;
}

static void
install_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  InstallData *data = task_data;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_input_free);
  g_auto(CwFd) fd = -1;
  CwInput *input = g_new0 (CwInput, 1);
  GError *error = NULL;

  input->label = g_strdup (_("chain"));
  input->data = g_bytes_ref (data->chain);
  g_ptr_array_add (inputs, input);

  fd = cw_fs_open_dir (AT_FDCWD, data->dir, FALSE, &error);
  if (fd < 0 ||
      (data->job->bundle = bundle_for_held_key (CW_STORE (source), data, fd, inputs, &error)) == NULL ||
      !cw_write_job_run (data->job, &error)) {
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
  g_autofree gchar *until = NULL;
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
  /* the answer to our own request stays a "csr" (or "acme") certificate */
  if (data->job->consume_pending) {
    g_free (data->job->source);
    data->job->source = g_strdup (cw_certificate_get_acme (data->cert) != NULL   ? "acme"
                                  : cw_certificate_get_scep (data->cert) != NULL ? "scep"
                                                                                 : "csr");
  }
  cw_store_apply_revision (self, data->cert, data->job);
  until = cw_format_date (cw_certificate_get_info (data->cert)->not_after);
  if (g_str_equal (data->job->source, "acme") || g_str_equal (data->job->source, "scep"))
    cw_cert_message (name, "%s: %s by the %s CA (revision %u, valid until %s)", name,
                     data->has_current ? "renewed" : "issued", g_str_equal (data->job->source, "acme") ? "ACME" : "SCEP",
                     data->job->revision, until);
  else
    cw_cert_message (name, "%s: new certificate installed (revision %u, valid until %s)", name,
                     data->job->revision, until);
  cw_certificate_emit_changed (data->cert);
  cw_store_emit_event (self, data->cert, data->has_current ? CW_EVENT_RENEWED : CW_EVENT_ADDED);
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
  data->has_current = cw_certificate_get_info (cert) != NULL;
  data->has_pending = cw_certificate_get_request (cert) != NULL;
  data->job = cw_store_new_write_job (self, cert, cw_certificate_get_acme (cert) != NULL ? "acme"
                                                  : cw_certificate_get_scep (cert) != NULL ? "scep"
                                                  : g_str_equal (cw_certificate_get_source (cert), "csr") ? "csr"
                                                  : "imported");
  data->job->renewal = data->has_current;
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
  gchar         *name;
  const CwStoreBackend *backend;
  gpointer       backend_data;
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_clear_object (&data->cert);
  g_free (data->certs_dir);
  g_free (data->id);
  g_free (data->name);
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
  if (certs_fd < 0 || (data->backend != NULL && data->backend->commit_removal != NULL &&
                       !data->backend->commit_removal (data->backend_data, data->name, &error))) {
    g_task_return_error (task, error);
    return;
  }
  /* the rename is the removal; deleting the files after it is tidying up,
   * finished on the next start if interrupted */
  if (renameat (certs_fd, data->id, certs_fd, trash) < 0) {
    GError *error = NULL;

    cw_fs_error (&error, errno, _("cannot remove “%s”"), data->id);
    g_task_return_error (task, error);
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
  cw_cert_message (name, "%s: removed", name);
  /* FindForName (answered on another thread) stops naming it before a
   * client hears of the removal */
  cw_sni_index_remove (self->index, data->cert);
  cw_store_emit_event (self, data->cert, CW_EVENT_REMOVED);
  /* after the event, so that a new default (perhaps a new certificate)
   * is announced after the removal it follows */
  cw_store_forget_certificate (self, data->cert);
  g_task_return_boolean (task, TRUE);
}

static gboolean
check_not_in_use (CwStore *self, CwCertificate *cert, GError **error)
{
  static const gchar *const exclusive_roles[] = { "sip-tls", "stir-shaken" };
  const gchar *name = cw_certificate_get_name (cert);
  g_autoptr(GPtrArray) all = cw_store_get_certificates (self);
  g_autoptr(GPtrArray) issued = g_ptr_array_new ();
  gint64 now = cw_clock_now ();

  if (cert == cw_store_get_default (self)) {
    g_set_error (error, CW_ERROR, CW_ERROR_IN_USE,
                 _("“%s” is the default certificate; make another certificate the default first, or remove it with force"),
                 name);
    return FALSE;
  }
  for (guint i = 0; i < all->len; i++) {
    CwCertificate *other = g_ptr_array_index (all, i);
    const CwIssueSpec *spec = cw_certificate_get_spec (other);

    if (other != cert && spec != NULL && g_strcmp0 (spec->issuer, cw_certificate_get_id (cert)) == 0 &&
        cw_certificate_get_info (other) != NULL && cw_certificate_get_info (other)->not_after >= now)
      g_ptr_array_add (issued, (gpointer) cw_certificate_get_name (other));
  }
  if (issued->len > 0) {
    g_autofree gchar *names = NULL;

    g_ptr_array_add (issued, NULL);
    names = g_strjoinv (", ", (gchar **) issued->pdata);
    g_set_error (error, CW_ERROR, CW_ERROR_IN_USE,
                 g_dngettext (GETTEXT_PACKAGE,
                              "“%s” issued %u certificate that is still valid (%s); remove it first, or remove the CA with force",
                              "“%s” issued %u certificates that are still valid (%s); remove them first, or remove the CA with force",
                              issued->len - 1),
                 name, issued->len - 1, names);
    return FALSE;
  }
  for (guint r = 0; r < G_N_ELEMENTS (exclusive_roles); r++) {
    const gchar *role = exclusive_roles[r];
    gboolean another = FALSE;

    if (!cw_sni_usable (cert, role, now))
      continue;
    for (guint i = 0; i < all->len && !another; i++)
      another = g_ptr_array_index (all, i) != cert && cw_sni_usable (g_ptr_array_index (all, i), role, now);
    if (!another) {
      g_set_error (error, CW_ERROR, CW_ERROR_IN_USE,
                   _("“%s” is the last valid certificate with the %s role; add another one first, or remove it with force"),
                   name, role);
      return FALSE;
    }
  }
  return TRUE;
}

void
cw_store_remove_async (CwStore *self, CwCertificate *cert, gboolean force, GCancellable *cancellable,
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
  data->name = g_strdup (cw_certificate_get_name (cert));
  data->backend = self->backend;
  data->backend_data = self->backend_data;
  g_task_set_task_data (task, data, (GDestroyNotify) remove_data_free);
  if ((!force && !check_not_in_use (self, cert, &error)) || !cw_store_claim (cert, &error)) {
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
  g_auto(CwFd) revfd = -1;
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_autoptr(GPtrArray) chain = NULL;
  GBytes *out;
  GError *error = NULL;

  /* "current" resolved once: certificate and key of the same revision, even
   * while an import swaps in a new one */
  fd = cw_fs_open_dir (AT_FDCWD, data->dir, FALSE, &error);
  if (fd >= 0)
    revfd = cw_revision_open_current (fd, &error);
  if (revfd >= 0)
    chain = cw_revision_load_chain_at (revfd, &error);
  if (chain != NULL && data->options.include_key)
    key = cw_revision_load_key_at (revfd, &error);
  if (chain == NULL || (data->options.include_key && key == NULL)) {
    g_task_return_error (task, error);
    return;
  }
  if (key != NULL && !cw_x509_privkey_matches (key, g_ptr_array_index (chain, 0))) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_KEY_MISMATCH,
                             _("the private key on disk does not match the certificate; not exporting it"));
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
