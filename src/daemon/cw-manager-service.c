/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "certwardd"

#include "config.h"

#include "cw-manager-service.h"
#include "cw-certificate-service.h"
#include "cw-error.h"
#include "cw-options.h"

#include <glib/gi18n.h>

struct _CwManagerService {
  CwDBusManager1Skeleton parent_instance;

  CwStore *store;
};

static void manager_iface_init (CwDBusManager1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CwManagerService, cw_manager_service, CW_DBUS_TYPE_MANAGER1_SKELETON,
                               G_IMPLEMENT_INTERFACE (CW_DBUS_TYPE_MANAGER1, manager_iface_init))

static const CwOptionSpec import_specs[] = {
  { "name", "s" },
  { "certificate", "ay" },
  { "key", "ay" },
  { "chain", "ay" },
  { "files", "aay" },
  { "file-names", "as" },
  { "password", "s" },
  { "roles", "as" },
  { "tenant", "s" },
  { "allow-expired", "b" },
  { "replace", "b" },
  { NULL, NULL },
};

static void
import_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(CwCertificate) cert = NULL;
  g_autofree gchar *path = NULL;
  GError *error = NULL;

  cert = cw_store_import_finish (CW_STORE (source), result, &error);
  if (cert == NULL) {
    g_dbus_method_invocation_take_error (invocation, error);
    return;
  }
  path = cw_certificate_object_path (cw_certificate_get_id (cert));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

/* Turns the Import options into a store request. */
static CwImportRequest *
import_request_from_options (GVariant *options, GError **error)
{
  g_autoptr(CwImportRequest) request = cw_import_request_new ();
  static const gchar *const single[] = { "certificate", "key", "chain" };
  g_autoptr(GVariant) files = NULL;
  g_auto(GStrv) file_names = NULL;

  if (!cw_options_check (options, import_specs, error))
    return NULL;
  file_names = cw_options_dup_strv (options, "file-names");

  for (guint i = 0; i < G_N_ELEMENTS (single); i++) {
    g_autoptr(GBytes) bytes = cw_options_dup_bytes (options, single[i]);

    if (bytes != NULL)
      cw_import_request_add (request, single[i], bytes);
  }
  files = g_variant_lookup_value (options, "files", G_VARIANT_TYPE ("aay"));
  if (files != NULL) {
    for (gsize i = 0; i < g_variant_n_children (files); i++) {
      g_autoptr(GVariant) child = g_variant_get_child_value (files, i);
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (child);
      g_autofree gchar *label = NULL;

      if (file_names != NULL && i < g_strv_length (file_names) && *file_names[i] != '\0')
        label = g_strdup (file_names[i]);
      else
        label = g_strdup_printf (_("file %u"), (guint) i + 1);

      cw_import_request_add (request, label, bytes);
    }
  }

  request->name = g_strdup (cw_options_get_string (options, "name", NULL));
  request->password = g_strdup (cw_options_get_string (options, "password", NULL));
  request->roles = cw_options_dup_strv (options, "roles");
  request->tenant = g_strdup (cw_options_get_string (options, "tenant", NULL));
  request->allow_expired = cw_options_get_bool (options, "allow-expired", FALSE);
  request->replace = cw_options_get_bool (options, "replace", FALSE);
  return g_steal_pointer (&request);
}

static gboolean
handle_import (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  GError *error = NULL;
  CwImportRequest *request = import_request_from_options (options, &error);

  if (request == NULL) {
    g_dbus_method_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  cw_store_import_async (self->store, request, NULL, import_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_certificates (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) certs = cw_store_get_certificates (self->store);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < certs->len; i++)
    g_ptr_array_add (paths, cw_certificate_object_path (cw_certificate_get_id (g_ptr_array_index (certs, i))));
  g_ptr_array_add (paths, NULL);
  cw_dbus_manager1_complete_get_certificates (iface, invocation, (const gchar * const *) paths->pdata);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
manager_iface_init (CwDBusManager1Iface *iface)
{
  iface->handle_import = handle_import;
  iface->handle_get_certificates = handle_get_certificates;
}

static void
cw_manager_service_dispose (GObject *object)
{
  CwManagerService *self = CW_MANAGER_SERVICE (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (cw_manager_service_parent_class)->dispose (object);
}

static void
cw_manager_service_class_init (CwManagerServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_manager_service_dispose;
}

static void
cw_manager_service_init (CwManagerService *self)
{
}

CwManagerService *
cw_manager_service_new (CwStore *store)
{
  CwManagerService *self = g_object_new (CW_TYPE_MANAGER_SERVICE, NULL);

  self->store = g_object_ref (store);
  cw_dbus_manager1_set_version (CW_DBUS_MANAGER1 (self), PACKAGE_VERSION);
  return self;
}
