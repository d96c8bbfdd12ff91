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

/* ---- import ------------------------------------------------------------- */

typedef struct {
  CwImportRequest *request;
  CwBundle        *bundle;
  CwWriteJob        *job;
  CwCertificate   *cert;      /* the existing certificate when replacing */
  gchar           *name;
  gchar           *reserved_name;
  gchar           *reserved_id;
} ImportData;

static void
import_data_free (ImportData *data)
{
  cw_import_request_free (data->request);
  cw_bundle_free (data->bundle);
  if (data->job != NULL)
    cw_write_job_free (data->job);
  g_clear_object (&data->cert);
  g_free (data->name);
  g_free (data->reserved_name);
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

static void
release_reservation (CwStore *self, ImportData *data)
{
  if (data->reserved_name != NULL)
    g_hash_table_remove (self->reserved, data->reserved_name);
  if (data->reserved_id != NULL)
    g_hash_table_remove (self->reserved, data->reserved_id);
  g_clear_pointer (&data->reserved_name, g_free);
  g_clear_pointer (&data->reserved_id, g_free);
  if (data->cert != NULL)
    cw_certificate_set_busy (data->cert, FALSE);
}

static void
import_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwStore *self = CW_STORE (source);
  g_autoptr(GTask) task = user_data;
  ImportData *data = g_task_get_task_data (task);
  GError *error = NULL;
  CwCertificate *cert;

  release_reservation (self, data);
  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    /* bad input goes back to the caller; a failing disk is trouble */
    if (g_error_matches (error, CW_ERROR, CW_ERROR_IO))
      cw_cert_warning (data->name, "%s: import failed: %s", data->name, error->message);
    else
      cw_cert_info (data->name, "%s: import refused: %s", data->name, error->message);
    g_task_return_error (task, error);
    return;
  }

  if (data->cert != NULL) {
    const gchar *const *roles = (const gchar * const *) data->request->roles;

    cert = data->cert;
    if (roles != NULL)
      cw_certificate_set_roles (cert, roles);
    if (data->request->tenant != NULL)
      cw_certificate_set_tenant (cert, data->request->tenant);
    cw_store_apply_revision (self, cert, data->job);
    cw_cert_message (data->name, "%s: replaced by an imported certificate (revision %u)", data->name,
                     data->job->revision);
    cw_certificate_emit_changed (cert);
    cw_store_emit_event (self, cert, CW_EVENT_REPLACED);
  } else {
    g_autofree gchar *dir = g_build_filename (self->certs_dir, data->job->id, NULL);
    static const gchar *const default_roles[] = { "server", NULL };

    cert = cw_certificate_new (data->job->id, data->name, dir);
    cw_certificate_set_roles (cert, data->request->roles != NULL ? (const gchar * const *) data->request->roles
                                                                 : default_roles);
    cw_certificate_set_tenant (cert, data->request->tenant);
    cw_store_apply_revision (self, cert, data->job);
    cw_store_add_certificate (self, cert);
    cw_cert_message (data->name, "%s: imported (%s)", data->name,
                     cw_certificate_get_info (cert)->subject);
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
  GError *error = NULL;
  const gchar *const *roles;
  CwCertificate *existing;
  CwWriteJob *job;

  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    g_task_return_error (task, error);
    return;
  }

  if (request->name != NULL) {
    data->name = g_strdup (request->name);
  } else {
    g_autoptr(CwCertInfo) info = cw_cert_info_new (g_ptr_array_index (data->bundle->certs, 0), &error);

    if (info == NULL) {
      g_task_return_error (task, error);
      return;
    }
    if (info->identities[0] == NULL) {
      g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                               _("the certificate names no host; give the import a name"));
      return;
    }
    data->name = g_strdup (info->identities[0]);
  }
  if (!cw_name_validate (data->name, &error)) {
    g_task_return_error (task, error);
    return;
  }

  existing = cw_store_lookup (self, data->name);
  if (g_hash_table_contains (self->reserved, data->name) || (existing != NULL && cw_certificate_is_busy (existing))) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_BUSY,
                             _("another operation on “%s” is in progress; try again when it has finished"),
                             data->name);
    return;
  }
  if (existing != NULL && !request->replace) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_EXISTS,
                             _("a certificate named “%s” exists; import with replace to overwrite it"),
                             data->name);
    return;
  }

  job = cw_store_new_write_job (self, existing, "imported");
  job->bundle = g_steal_pointer (&data->bundle);
  data->job = job;
  if (existing != NULL) {
    data->cert = g_object_ref (existing);
    cw_certificate_set_busy (existing, TRUE);
    roles = request->roles != NULL ? (const gchar * const *) request->roles : cw_certificate_get_roles (existing);
    job->settings = cw_store_settings_to_data (data->name, roles,
                                      request->tenant != NULL ? request->tenant : cw_certificate_get_tenant (existing));
  } else {
    static const gchar *const default_roles[] = { "server", NULL };

    job->id = make_id (self, data->name);
    job->settings = cw_store_settings_to_data (data->name,
                                      request->roles != NULL ? (const gchar * const *) request->roles : default_roles,
                                      request->tenant);
    data->reserved_name = g_strdup (data->name);
    data->reserved_id = g_strdup (job->id);
    g_hash_table_add (self->reserved, g_strdup (data->reserved_name));
    g_hash_table_add (self->reserved, g_strdup (data->reserved_id));
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

  if (request->name != NULL && !cw_name_validate (request->name, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (!cw_roles_validate ((const gchar * const *) request->roles, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (request->tenant != NULL && *request->tenant != '\0' &&
      !cw_tenant_validate (request->tenant, &error)) {
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

