/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Import into the store: inputs parsed, a chain built, a revision committed. */
#include "config.h"

#include "cw-store-private.h"
#include "cw-certificate-private.h"
#include "cw-error.h"
#include "cw-log.h"

#include <glib/gi18n.h>

typedef struct {
  CwImportRequest *request;
  CwBundle        *bundle;
  CwWriteJob      *job;
  CwCertificate   *existing;   /* the certificate being replaced, claimed */
  gchar           *name;
  gchar           *tenant;     /* the request's, or the one its identities imply */
  gchar           *reserved_id;
} ImportData;

static void
import_data_free (ImportData *data)
{
  cw_import_request_free (data->request);
  cw_bundle_free (data->bundle);
  if (data->job != NULL)
    cw_write_job_free (data->job);
  g_clear_object (&data->existing);
  g_free (data->name);
  g_free (data->tenant);
  g_free (data->reserved_id);
  g_free (data);
}

static void
import_parse_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ImportData *data = task_data;
  GError *error = NULL;

  data->bundle = cw_store_build_bundle (CW_STORE (source), data->request->inputs, data->request->password,
                                        data->request->allow_expired, NULL, &error);
  if (data->bundle == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
import_write_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ImportData *data = task_data;
  GError *error = NULL;

  if (!cw_write_job_run (data->job, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
import_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwStore *self = CW_STORE (source);
  g_autoptr(GTask) task = user_data;
  ImportData *data = g_task_get_task_data (task);
  GError *error = NULL;
  CwCertificate *cert;

  cw_store_unreserve (self, data->reserved_id != NULL ? data->name : NULL, data->reserved_id);
  if (data->existing != NULL)
    cw_certificate_set_busy (data->existing, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    /* bad input goes back to the caller; a failing disk is trouble */
    if (g_error_matches (error, CW_ERROR, CW_ERROR_IO))
      cw_cert_warning (data->name, "%s: import failed: %s", data->name, error->message);
    else
      cw_cert_info (data->name, "%s: import refused: %s", data->name, error->message);
    g_task_return_error (task, error);
    return;
  }

  if (data->existing != NULL) {
    cert = data->existing;
    if (data->request->roles != NULL)
      cw_certificate_set_roles (cert, (const gchar * const *) data->request->roles);
    if (data->request->tenant != NULL)
      cw_certificate_set_tenant (cert, data->request->tenant);
    /* an imported certificate is no longer what its old spec describes */
    cw_certificate_set_spec (cert, data->request->acme != NULL ? cw_issue_spec_copy (data->request->spec) : NULL);
    cw_certificate_set_acme (cert, data->request->acme != NULL ? cw_acme_spec_copy (data->request->acme) : NULL);
    cw_certificate_set_scep (cert, NULL);
    cw_store_apply_revision (self, cert, data->job);
    cw_store_save_settings (self, cert);
    cw_cert_message (data->name, "%s: replaced by an imported certificate (revision %u)", data->name,
                     data->job->revision);
    cw_certificate_emit_changed (cert);
    cw_store_emit_event (self, cert, data->request->renewal ? CW_EVENT_RENEWED : CW_EVENT_REPLACED);
  } else {
    static const gchar *const default_roles[] = { "server", NULL };

    cert = cw_store_publish_new (self, data->job, data->name,
                                 data->request->roles != NULL ? (const gchar * const *) data->request->roles : default_roles,
                                 data->tenant,
                                 data->request->acme != NULL ? cw_issue_spec_copy (data->request->spec) : NULL,
                                 data->request->acme != NULL ? cw_acme_spec_copy (data->request->acme) : NULL);
    cw_cert_message (data->name, "%s: imported (%s)", data->name, cw_certificate_get_info (cert)->subject);
    cw_store_emit_event (self, cert, CW_EVENT_ADDED);
  }
  g_task_return_pointer (task, g_object_ref (cert), g_object_unref);
}

static void
import_parsed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwStore *self = CW_STORE (source);
  g_autoptr(GTask) task = user_data;
  ImportData *data = g_task_get_task_data (task);
  CwImportRequest *request = data->request;
  g_autoptr(CwCertInfo) info = NULL;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) ||
      (info = cw_cert_info_new (g_ptr_array_index (data->bundle->certs, 0), &error)) == NULL) {
    g_task_return_error (task, error);
    return;
  }

  if (request->name != NULL) {
    data->name = g_strdup (request->name);
  } else if (info->identities[0] != NULL) {
    data->name = g_strdup (info->identities[0]);
  } else {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                             _("the certificate names no host; give the import a name"));
    return;
  }
  if (!cw_name_validate (data->name, &error) ||
      !cw_store_reserve (self, data->name, request->replace, &data->existing, &data->reserved_id, &error)) {
    g_task_return_error (task, error);
    return;
  }

  /* a cluster node's copy of an ACME certificate renews like the original */
  if (request->acme != NULL && request->spec == NULL)
    g_clear_pointer (&request->acme, cw_acme_spec_free);
  data->job = cw_store_new_write_job (self, data->existing, request->acme != NULL ? "acme" : "imported");
  data->job->bundle = g_steal_pointer (&data->bundle);
  if (data->existing == NULL) {
    static const gchar *const default_roles[] = { "server", NULL };

    data->job->id = g_strdup (data->reserved_id);
    data->tenant = g_strdup (request->tenant != NULL ? request->tenant : cw_store_tenant_for (self, (const gchar * const *) info->identities));
    data->job->settings = cw_store_settings_serialize (data->name,
                                                       request->roles != NULL ? (const gchar * const *) request->roles
                                                                              : default_roles,
                                                       data->tenant, request->spec, request->acme, NULL, NULL, NULL,
                                                       CW_CERT_STATE_VALID);
  } else {
    /* what import_written makes of the model, on disk with the revision:
     * an imported certificate is no longer what its old spec describes */
    CwCertificate *e = data->existing;

    data->job->settings =
      cw_store_settings_serialize (data->name,
                                   request->roles != NULL ? (const gchar * const *) request->roles
                                                          : cw_certificate_get_roles (e),
                                   request->tenant != NULL ? request->tenant : cw_certificate_get_tenant (e),
                                   request->spec, request->acme, NULL, cw_certificate_get_renewal (e),
                                   cw_certificate_get_delivery (e),
                                   cw_certificate_get_announced (e));
  }
  cw_store_run_in_thread (self, g_steal_pointer (&task), import_write_thread, import_written);
}

void
cw_store_import_async (CwStore *self, CwImportRequest *request, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  ImportData *data = g_new0 (ImportData, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, cw_store_import_async);
  cw_store_track (self, task);
  data->request = request;
  g_task_set_task_data (task, data, (GDestroyNotify) import_data_free);

  if ((request->name != NULL && !cw_name_validate (request->name, &error)) ||
      !cw_roles_validate ((const gchar * const *) request->roles, &error) ||
      (request->tenant != NULL && *request->tenant != '\0' && !cw_tenant_validate (request->tenant, &error))) {
    g_task_return_error (task, error);
    return;
  }
  if (request->inputs->len == 0) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                             _("nothing to import: pass a certificate (and its key)"));
    return;
  }
  cw_store_run_in_thread (self, g_steal_pointer (&task), import_parse_thread, import_parsed);
}

CwCertificate *
cw_store_import_finish (CwStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
