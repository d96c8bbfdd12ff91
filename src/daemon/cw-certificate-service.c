/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "certwardd"

#include "config.h"

#include "cw-certificate-service.h"
#include "cw-caller.h"
#include "cw-error.h"
#include "cw-options.h"

#include "cw-writable.h"

#include <glib/gi18n.h>
#include <string.h>

struct _CwCertificateService {
  CwDBusCertificate1Skeleton parent_instance;

  CwStore       *store;
  CwAcmeManager *acme;
  CwCertificate *cert;
  gulong         changed_id;
};

static void certificate_iface_init (CwDBusCertificate1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CwCertificateService, cw_certificate_service, CW_DBUS_TYPE_CERTIFICATE1_SKELETON,
                               G_IMPLEMENT_INTERFACE (CW_DBUS_TYPE_CERTIFICATE1, certificate_iface_init))

gchar *
cw_certificate_object_path (const gchar *id)
{
  return g_strconcat (CW_OBJECT_PATH "/certificate/", id, NULL);
}

CwCertificate *
cw_certificate_from_path (CwStore *store, const gchar *path)
{
  static const gchar prefix[] = CW_OBJECT_PATH "/certificate/";

  if (path == NULL || !g_str_has_prefix (path, prefix))
    return NULL;
  return cw_store_lookup_id (store, path + strlen (prefix));
}

static GVariant *
acme_options (CwCertificate *cert)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const CwAcmeSpec *acme = cw_certificate_get_acme (cert);
  const CwIssueSpec *spec = cw_certificate_get_spec (cert);
  const struct { const gchar *key; const gchar *value; } strings[] = {
    { "directory", acme != NULL ? acme->directory : NULL },
    { "challenge", acme != NULL ? acme->challenge : NULL },
    { "http-01-mode", acme != NULL ? acme->http01_mode : NULL },
    { "webroot", acme != NULL ? acme->webroot : NULL },
    { "profile", acme != NULL ? acme->profile : NULL },
    { "preferred-chain", acme != NULL ? acme->preferred_chain : NULL },
  };

  if (acme == NULL)
    return g_variant_builder_end (&b);
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (strings[i].value != NULL)
      g_variant_builder_add (&b, "{sv}", strings[i].key, g_variant_new_string (strings[i].value));
  if (acme->account != NULL) {
    g_autofree gchar *path = g_strconcat (CW_OBJECT_PATH "/account/", acme->account, NULL);

    g_variant_builder_add (&b, "{sv}", "account", g_variant_new_object_path (path));
  }
  if (spec != NULL)
    g_variant_builder_add (&b, "{sv}", "key-type", g_variant_new_string (cw_key_type_to_string (spec->key_type)));
  g_variant_builder_add (&b, "{sv}", "reuse-key", g_variant_new_boolean (acme->reuse_key));
  return g_variant_builder_end (&b);
}

static void
sync_properties (CwCertificateService *self)
{
  CwDBusCertificate1 *iface = CW_DBUS_CERTIFICATE1 (self);
  CwCertificate *cert = self->cert;
  const CwCertInfo *info = cw_certificate_get_info (cert);
  static const gchar *const none[] = { NULL };
  g_autofree gchar *cert_path = cw_certificate_get_path (cert, CW_CERT_FILE_CERT);
  g_autofree gchar *chain_path = cw_certificate_get_path (cert, CW_CERT_FILE_CHAIN);
  g_autofree gchar *fullchain_path = cw_certificate_get_path (cert, CW_CERT_FILE_FULLCHAIN);
  g_autofree gchar *key_path = cw_certificate_get_path (cert, CW_CERT_FILE_KEY);

  cw_dbus_certificate1_set_name (iface, cw_certificate_get_name (cert));
  cw_dbus_certificate1_set_identities (iface, info != NULL ? (const gchar * const *) info->identities : none);
  cw_dbus_certificate1_set_subject (iface, info != NULL ? info->subject : "");
  cw_dbus_certificate1_set_issuer (iface, info != NULL ? info->issuer : "");
  cw_dbus_certificate1_set_serial (iface, info != NULL ? info->serial : "");
  cw_dbus_certificate1_set_not_before (iface, info != NULL ? (guint64) MAX (info->not_before, 0) : 0);
  cw_dbus_certificate1_set_not_after (iface, info != NULL ? (guint64) MAX (info->not_after, 0) : 0);
  cw_dbus_certificate1_set_fingerprint (iface, info != NULL ? info->fingerprint : "");
  cw_dbus_certificate1_set_key_type (iface, info != NULL ? info->key_type : "");
  cw_dbus_certificate1_set_key_matches (iface, cw_certificate_get_key_matches (cert));
  cw_dbus_certificate1_set_source (iface, cw_certificate_get_source (cert));
  cw_dbus_certificate1_set_roles (iface, cw_certificate_get_roles (cert));
  cw_dbus_certificate1_set_tenant (iface, cw_certificate_get_tenant (cert));
  cw_dbus_certificate1_set_state (iface, cw_cert_state_to_string (cw_certificate_get_state (cert)));
  cw_dbus_certificate1_set_last_error (iface, cw_certificate_get_last_error (cert));
  cw_dbus_certificate1_set_warnings (iface, cw_certificate_get_warnings (cert));
  cw_dbus_certificate1_set_certificate_path (iface, cert_path);
  cw_dbus_certificate1_set_chain_path (iface, chain_path);
  cw_dbus_certificate1_set_full_chain_path (iface, fullchain_path);
  cw_dbus_certificate1_set_key_path (iface, key_path);
  cw_dbus_certificate1_set_revision (iface, cw_certificate_get_revision (cert));
  cw_dbus_certificate1_set_acme_options (iface, acme_options (cert));
  cw_dbus_certificate1_set_next_renewal (iface, (guint64) MAX (cw_certificate_get_renewal (cert)->next_renewal, 0));
  cw_dbus_certificate1_set_auto_renew (iface, cw_certificate_get_renewal (cert)->auto_renew);
  cw_dbus_certificate1_set_reload_units (iface, (const gchar * const *) cw_certificate_get_renewal (cert)->reload_units);
  cw_dbus_certificate1_set_deploy_hooks (iface, (const gchar * const *) cw_certificate_get_renewal (cert)->deploy_hooks);
  cw_dbus_certificate1_set_last_actions (iface, cw_certificate_get_last_actions (cert));
  /* PropertiesChanged now, not from an idle: before the reply of the call
   * that made the change, so a client's cached properties are current
   * when its call returns */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
}

GVariant *
cw_certificate_event_details (CwCertificate *cert, CwEvent event)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const CwCertInfo *info = cw_certificate_get_info (cert);
  static const gchar *const none[] = { NULL };
  static const struct { const gchar *key; CwCertFile file; } paths[] = {
    { "certificate-path", CW_CERT_FILE_CERT },
    { "chain-path", CW_CERT_FILE_CHAIN },
    { "fullchain-path", CW_CERT_FILE_FULLCHAIN },
    { "key-path", CW_CERT_FILE_KEY },
  };

  g_variant_builder_add (&b, "{sv}", "name", g_variant_new_string (cw_certificate_get_name (cert)));
  g_variant_builder_add (&b, "{sv}", "identities",
                         g_variant_new_strv (info != NULL ? (const gchar * const *) info->identities : none, -1));
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++) {
    g_autofree gchar *path = cw_certificate_get_path (cert, paths[i].file);

    g_variant_builder_add (&b, "{sv}", paths[i].key, g_variant_new_string (path));
  }
  g_variant_builder_add (&b, "{sv}", "fingerprint", g_variant_new_string (info != NULL ? info->fingerprint : ""));
  g_variant_builder_add (&b, "{sv}", "not-after",
                         g_variant_new_uint64 (info != NULL ? (guint64) MAX (info->not_after, 0) : 0));
  g_variant_builder_add (&b, "{sv}", "revision", g_variant_new_uint32 (cw_certificate_get_revision (cert)));
  g_variant_builder_add (&b, "{sv}", "state",
                         g_variant_new_string (cw_cert_state_to_string (cw_certificate_get_state (cert))));
  g_variant_builder_add (&b, "{sv}", "source", g_variant_new_string (cw_certificate_get_source (cert)));
  g_variant_builder_add (&b, "{sv}", "roles", g_variant_new_strv (cw_certificate_get_roles (cert), -1));
  g_variant_builder_add (&b, "{sv}", "tenant", g_variant_new_string (cw_certificate_get_tenant (cert)));
  if ((event == CW_EVENT_REPLACED || event == CW_EVENT_RENEWED) &&
      cw_certificate_get_previous_fingerprint (cert) != NULL)
    g_variant_builder_add (&b, "{sv}", "previous-fingerprint",
                           g_variant_new_string (cw_certificate_get_previous_fingerprint (cert)));
  if (event == CW_EVENT_FAILED)
    g_variant_builder_add (&b, "{sv}", "error", g_variant_new_string (cw_certificate_get_last_error (cert)));
  return g_variant_builder_end (&b);
}

/* ---- methods ------------------------------------------------------------ */

static void
remove_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;

  if (!cw_store_remove_finish (CW_STORE (source), result, &error))
    g_dbus_method_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_remove (CwDBusCertificate1 *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
  CwCertificateService *self = CW_CERTIFICATE_SERVICE (iface);
  static const CwOptionSpec specs[] = { { "force", "b" }, { NULL, NULL } };
  GError *error = NULL;

  if (!cw_options_check (options, specs, &error)) {
    g_dbus_method_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  cw_store_remove_async (self->store, self->cert, cw_options_get_bool (options, "force", FALSE), NULL,
                         remove_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
renew_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;
  gboolean ok = CW_IS_STORE (source) ? cw_store_renew_finish (CW_STORE (source), result, &error)
                                     : cw_acme_manager_renew_finish (CW_ACME_MANAGER (source), result, &error);

  if (!ok)
    g_dbus_method_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_renew (CwDBusCertificate1 *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
  CwCertificateService *self = CW_CERTIFICATE_SERVICE (iface);
  static const CwOptionSpec specs[] = { { "force", "b" }, { "reuse-key", "b" }, { NULL, NULL } };
  GError *error = NULL;

  if (!cw_options_check (options, specs, &error)) {
    g_dbus_method_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (cw_certificate_get_acme (self->cert) != NULL) {
    gboolean reuse = FALSE;
    gint reuse_key = g_variant_lookup (options, "reuse-key", "b", &reuse) ? reuse : -1;

    cw_acme_manager_renew_async (self->acme, self->cert, cw_options_get_bool (options, "force", FALSE), reuse_key,
                                 NULL, renew_done, g_object_ref (invocation));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  cw_store_renew_async (self->store, self->cert, cw_options_get_bool (options, "force", FALSE),
                        cw_options_get_bool (options, "reuse-key", FALSE), NULL, renew_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
revoke_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;

  if (!cw_acme_manager_revoke_finish (CW_ACME_MANAGER (source), result, &error))
    g_dbus_method_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_revoke (CwDBusCertificate1 *iface, GDBusMethodInvocation *invocation, guint reason)
{
  CwCertificateService *self = CW_CERTIFICATE_SERVICE (iface);

  cw_acme_manager_revoke_async (self->acme, self->cert, reason, NULL, revoke_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_request (CwDBusCertificate1 *iface, GDBusMethodInvocation *invocation)
{
  CwCertificateService *self = CW_CERTIFICATE_SERVICE (iface);
  const gchar *request = cw_certificate_get_request (self->cert);

  if (request == NULL)
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND,
                                           _("“%s” has no pending request"), cw_certificate_get_name (self->cert));
  else
    cw_dbus_certificate1_complete_get_request (iface, invocation, request);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

typedef struct {
  CwCertificateService  *self;
  GDBusMethodInvocation *invocation;
  CwExportOptions        options;
} ExportCall;

static void
export_call_free (ExportCall *call)
{
  g_object_unref (call->self);
  g_clear_object (&call->invocation);
  if (call->options.password != NULL)
    explicit_bzero (call->options.password, strlen (call->options.password));
  g_free (call->options.password);
  g_free (call);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExportCall, export_call_free)

static void
export_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ExportCall) call = user_data;
  g_autoptr(GBytes) data = NULL;
  GError *error = NULL;

  data = cw_store_export_finish (CW_STORE (source), result, &error);
  if (data == NULL) {
    g_dbus_method_invocation_take_error (call->invocation, error);
    return;
  }
  /* complete_export takes the invocation's reference */
  cw_dbus_certificate1_complete_export (CW_DBUS_CERTIFICATE1 (call->self), g_steal_pointer (&call->invocation),
                                        g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, data, TRUE));
}

static void
export_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ExportCall *call = user_data;
  GError *error = NULL;

  if (!cw_caller_check_key_access_finish (result, &error)) {
    g_dbus_method_invocation_take_error (call->invocation, error);
    export_call_free (call);
    return;
  }
  cw_store_export_async (call->self->store, call->self->cert, &call->options, NULL, export_done, call);
}

static gboolean
handle_export (CwDBusCertificate1 *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
  CwCertificateService *self = CW_CERTIFICATE_SERVICE (iface);
  static const CwOptionSpec specs[] = {
    { "format", "s" }, { "include-key", "b" }, { "password", "s" }, { "legacy", "b" }, { NULL, NULL }
  };
  ExportCall *call;
  GError *error = NULL;
  CwExportFormat format;

  if (!cw_options_check (options, specs, &error) ||
      !cw_export_format_from_string (cw_options_get_string (options, "format", "pem"), &format, &error)) {
    g_dbus_method_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  call = g_new0 (ExportCall, 1);
  call->self = g_object_ref (self);
  call->invocation = g_object_ref (invocation);
  call->options.format = format;
  call->options.include_key = cw_options_get_bool (options, "include-key", FALSE);
  call->options.password = g_strdup (cw_options_get_string (options, "password", NULL));
  call->options.legacy = cw_options_get_bool (options, "legacy", FALSE);
  if (!cw_export_options_validate (&call->options, &error)) {
    g_dbus_method_invocation_take_error (invocation, error);
    export_call_free (call);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }

  if (call->options.include_key)
    cw_caller_check_key_access_async (invocation, export_authorized, call);
  else
    cw_store_export_async (self->store, self->cert, &call->options, NULL, export_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
install_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;

  if (!cw_store_install_finish (CW_STORE (source), result, &error))
    g_dbus_method_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_install (CwDBusCertificate1 *iface, GDBusMethodInvocation *invocation, GVariant *chain)
{
  CwCertificateService *self = CW_CERTIFICATE_SERVICE (iface);
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (chain);

  cw_store_install_async (self->store, self->cert, bytes, NULL, install_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
certificate_iface_init (CwDBusCertificate1Iface *iface)
{
  iface->handle_remove = handle_remove;
  iface->handle_export = handle_export;
  iface->handle_install = handle_install;
  iface->handle_renew = handle_renew;
  iface->handle_get_request = handle_get_request;
  iface->handle_revoke = handle_revoke;
}

/* Properties.Set: through the store, which checks the value and, on
 * success, changes the model, which updates the property. */
static gboolean
set_property (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
              const gchar *interface_name, const gchar *property_name, GVariant *value, GError **error,
              gpointer user_data)
{
  CwCertificateService *self = CW_CERTIFICATE_SERVICE (user_data);

  if (g_str_equal (property_name, "Roles") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)) {
    g_autofree const gchar **roles = g_variant_get_strv (value, NULL);

    return cw_store_set_roles (self->store, self->cert, roles, error);
  }
  if (g_str_equal (property_name, "Tenant") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return cw_store_set_tenant (self->store, self->cert, g_variant_get_string (value, NULL), error);
  if (g_str_equal (property_name, "AutoRenew") && g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return cw_store_set_renewal_options (self->store, self->cert, g_variant_get_boolean (value), NULL, NULL, error);
  if ((g_str_equal (property_name, "ReloadUnits") || g_str_equal (property_name, "DeployHooks")) &&
      g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)) {
    g_autofree const gchar **list = g_variant_get_strv (value, NULL);
    gboolean units = g_str_equal (property_name, "ReloadUnits");

    return cw_store_set_renewal_options (self->store, self->cert, -1, units ? list : NULL, units ? NULL : list, error);
  }
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY, "%s cannot be set", property_name);
  return FALSE;
}

CW_DEFINE_WRITABLE_VTABLE (get_vtable, cw_certificate_service_parent_class, set_property)

/* ---- object ------------------------------------------------------------- */

static void
cw_certificate_service_dispose (GObject *object)
{
  CwCertificateService *self = CW_CERTIFICATE_SERVICE (object);

  g_clear_signal_handler (&self->changed_id, self->cert);
  g_clear_object (&self->cert);
  g_clear_object (&self->store);
  g_clear_object (&self->acme);
  G_OBJECT_CLASS (cw_certificate_service_parent_class)->dispose (object);
}

static void
cw_certificate_service_class_init (CwCertificateServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_certificate_service_dispose;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = get_vtable;
}

static void
cw_certificate_service_init (CwCertificateService *self)
{
}

CwCertificateService *
cw_certificate_service_new (CwStore *store, CwAcmeManager *acme, CwCertificate *cert)
{
  CwCertificateService *self = g_object_new (CW_TYPE_CERTIFICATE_SERVICE, NULL);

  self->store = g_object_ref (store);
  self->acme = g_object_ref (acme);
  self->cert = g_object_ref (cert);
  sync_properties (self);
  self->changed_id = g_signal_connect_swapped (cert, "changed", G_CALLBACK (sync_properties), self);
  return self;
}

CwCertificate *
cw_certificate_service_get_certificate (CwCertificateService *self)
{
  return self->cert;
}
