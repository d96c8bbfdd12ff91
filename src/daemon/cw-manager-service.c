/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.certward.Manager1: the certificates, accounts and providers it lists,
 * challenges, names and tenants, the renewal check and the settings; the
 * calls that make a certificate are CwCreation's (cw-creation.c). */

#include "config.h"

#include "cw-manager-service.h"
#include "cw-creation.h"
#include "cw-saved-reply.h"
#include "cw-invocation.h"
#include "cw-delivery-options.h"
#include "cw-guard.h"
#include "cw-text.h"
#include "cw-account-service.h"
#include "cw-provider-service.h"
#include "cw-certificate-service.h"
#include "cw-error.h"
#include "cw-object-paths.h"
#include "cw-options.h"


#include <glib/gi18n.h>

struct _CwManagerService {
  CwDBusManager1Skeleton parent_instance;

  CwStore       *store;
  CwAcmeManager *acme;
  CwScheduler   *scheduler;
  CwDeliverer   *deliverer;
  CwCreation    *creation;
};

static void manager_iface_init (CwDBusManager1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CwManagerService, cw_manager_service, CW_DBUS_TYPE_MANAGER1_SKELETON,
                               G_IMPLEMENT_INTERFACE (CW_DBUS_TYPE_MANAGER1, manager_iface_init))

/* ---- calls that make a certificate (cw-creation.c) ---------------------- */

static gboolean
handle_import (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
  return cw_creation_import (CW_MANAGER_SERVICE (iface)->creation, invocation, options);
}

static gboolean
handle_create_self_signed (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *name,
                           GVariant *options)
{
  return cw_creation_self_signed (CW_MANAGER_SERVICE (iface)->creation, invocation, name, options);
}

static gboolean
handle_create_request (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *name,
                       GVariant *options)
{
  return cw_creation_csr (CW_MANAGER_SERVICE (iface)->creation, invocation, name, options);
}

static gboolean
handle_request (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *name,
                const gchar * const *identities, GVariant *options)
{
  return cw_creation_request (CW_MANAGER_SERVICE (iface)->creation, invocation, name, identities, options);
}

/* ---- lists -------------------------------------------------------------- */

static gboolean
handle_get_certificates (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) certs = cw_store_get_certificates (self->store);
  g_auto(GStrv) paths = cw_object_paths (certs, (CwObjectIdFunc) cw_certificate_get_id, cw_certificate_object_path);

  cw_dbus_manager1_complete_get_certificates (iface, invocation, (const gchar * const *) paths);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
http_challenge_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;
  g_autofree gchar *answer = cw_http01_lookup_finish (CW_HTTP01 (source), result, &error);

  if (error != NULL)
    cw_invocation_take_error (invocation, error);
  else if (answer == NULL)
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND,
                                           _("no HTTP-01 challenge with this token is pending"));
  else
    cw_dbus_manager1_complete_get_http_challenge (g_dbus_method_invocation_get_user_data (invocation),
                                                  invocation, answer);
}

static gboolean
handle_get_http_challenge (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *token)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);

  /* this node's challenges, or (in a cluster) another node's */
  cw_http01_lookup_async (cw_acme_manager_get_http01 (self->acme), token, http_challenge_found,
                          g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_tls_alpn_challenge (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *server_name)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autofree gchar *cert = NULL, *key = NULL;

  if (!cw_tls_alpn01_lookup (cw_acme_manager_get_tls_alpn01 (self->acme), server_name, &cert, &key)) {
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND,
                                           _("no TLS-ALPN-01 challenge for this name is pending"));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  cw_dbus_manager1_complete_get_tls_alpn_challenge (iface, invocation, cert, key);
  explicit_bzero (key, strlen (key));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
account_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(CwAcmeAccount) account = NULL;
  g_autofree gchar *path = NULL;
  GError *error = NULL;

  account = cw_acme_accounts_create_finish (CW_ACME_ACCOUNTS (source), result, &error);
  if (account == NULL) {
    cw_invocation_take_error (invocation, error);
    return;
  }
  path = cw_account_object_path (cw_acme_account_get_id (account));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

static gboolean
handle_create_account (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *directory,
                       GVariant *options)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  static const CwOptionSpec specs[] = {
    { "contact", "as" }, { "agree-terms", "b" }, { "eab-kid", "s" }, { "eab-hmac-key", "s" }, { "key-type", "s" },
    { NULL, NULL },
  };
  g_autoptr(CwAcmeAccountOptions) account_options = g_new0 (CwAcmeAccountOptions, 1);
  const gchar *key_type = cw_options_get_string (options, "key-type", NULL);
  GError *error = NULL;

  account_options->key_type = CW_KEY_EC_P256;
  if (!cw_options_check (options, specs, &error) ||
      (key_type != NULL && !cw_key_type_from_string (key_type, &account_options->key_type, &error))) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  account_options->contact = cw_options_dup_strv (options, "contact");
  account_options->agree_terms = cw_options_get_bool (options, "agree-terms", FALSE);
  account_options->eab_kid = g_strdup (cw_options_get_string (options, "eab-kid", NULL));
  account_options->eab_hmac_key = g_strdup (cw_options_get_string (options, "eab-hmac-key", NULL));
  cw_acme_accounts_create_async (cw_acme_manager_get_accounts (self->acme), directory, g_steal_pointer (&account_options), NULL,
                                        account_created, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_accounts (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) accounts = cw_acme_accounts_get_all (cw_acme_manager_get_accounts (self->acme));
  g_auto(GStrv) paths = cw_object_paths (accounts, (CwObjectIdFunc) cw_acme_account_get_id, cw_account_object_path);

  cw_dbus_manager1_complete_get_accounts (iface, invocation, (const gchar * const *) paths);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- DNS providers ------------------------------------------------------ */

static gboolean
handle_get_provider_types (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) types = cw_provider_manager_get_types (cw_acme_manager_get_providers (self->acme));
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssa(sssbb))"));
  for (guint i = 0; i < types->len; i++) {
    const CwProviderPlugin *plugin = ((CwProviderType *) g_ptr_array_index (types, i))->plugin;

    g_variant_builder_open (&b, G_VARIANT_TYPE ("(ssa(sssbb))"));
    g_variant_builder_add (&b, "s", plugin->type);
    g_variant_builder_add (&b, "s", plugin->display_name);
    g_variant_builder_open (&b, G_VARIANT_TYPE ("a(sssbb)"));
    for (const CwProviderField *f = plugin->fields; f->key != NULL; f++)
      g_variant_builder_add (&b, "(sssbb)", f->key, f->label, f->description != NULL ? f->description : "",
                             f->required, f->secret);
    g_variant_builder_close (&b);
    g_variant_builder_close (&b);
  }
  cw_dbus_manager1_complete_get_provider_types (iface, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_add_provider (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *name,
                     const gchar *type, GVariant *settings)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GHashTable) table = cw_provider_settings_from_variant (settings);
  GError *error = NULL;
  g_autoptr(CwProvider) provider = cw_provider_manager_add (cw_acme_manager_get_providers (self->acme), name, type,
                                                            table, &error);
  g_autofree gchar *path = NULL;

  if (provider == NULL) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  path = cw_provider_object_path (cw_provider_get_id (provider));
  cw_dbus_manager1_complete_add_provider (iface, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_providers (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) providers = cw_provider_manager_get_providers (cw_acme_manager_get_providers (self->acme));
  g_auto(GStrv) paths = cw_object_paths (providers, (CwObjectIdFunc) cw_provider_get_id, cw_provider_object_path);

  cw_dbus_manager1_complete_get_providers (iface, invocation, (const gchar * const *) paths);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_integrations (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) all = cw_deliverer_get_integrations (self->deliverer);
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(ssa{sv})"));

  for (guint i = 0; i < all->len; i++) {
    const CwIntegration *integration = g_ptr_array_index (all, i);
    g_auto(GVariantBuilder) what = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

    g_variant_builder_add (&what, "{sv}", "access-group", cw_text_variant (integration->access_group));
    g_variant_builder_add (&what, "{sv}", "targets", cw_targets_to_variant (integration->targets));
    g_variant_builder_add (&what, "{sv}", "reload-units",
                           cw_text_variant_strv ((const gchar * const *) integration->units));
    g_variant_builder_add (&what, "{sv}", "deploy-hooks",
                           cw_text_variant_strv ((const gchar * const *) integration->hooks));
    g_variant_builder_add (&what, "{sv}", "reload-commands", cw_commands_to_variant (integration->commands));
    g_variant_builder_add (&b, "(@s@s@a{sv})", cw_text_variant (integration->name),
                           cw_text_variant (integration->description), g_variant_builder_end (&what));
  }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a(ssa{sv}))", g_variant_builder_end (&b)));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- names, default, tenants --------------------------------------------- */

static gboolean
handle_find_for_name (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *hostname,
                      const gchar *role)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autofree gchar *path = NULL;
  GError *error = NULL;
  CwCertificate *cert = cw_store_find_for_name (self->store, hostname, role, &error);

  if (cert == NULL) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  path = cw_certificate_object_path (cw_certificate_get_id (cert));
  cw_dbus_manager1_complete_find_for_name (iface, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_default (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *path)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  CwCertificate *cert = cw_certificate_from_path (self->store, path);
  GError *error = NULL;
  guint64 mark = cw_saved_reply_mark ();

  if (cert == NULL)
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND, _("no certificate at %s"), path);
  else if (!cw_store_set_default (self->store, cert, &error))
    cw_invocation_take_error (invocation, error);
  else
    cw_saved_reply (invocation, mark, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_tenant (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *tenant,
                   const gchar *const *domains)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  GError *error = NULL;
  guint64 mark = cw_saved_reply_mark ();

  if (!cw_store_set_tenant_domains (self->store, tenant, domains, &error))
    cw_invocation_take_error (invocation, error);
  else
    cw_saved_reply (invocation, mark, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_check_now (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);

  cw_scheduler_check_now (self->scheduler);
  cw_dbus_manager1_complete_check_now (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_check_finished (CwScheduler *scheduler, GPtrArray *renewed, GPtrArray *failed, CwManagerService *self)
{
  g_auto(GStrv) r = cw_object_paths (renewed, (CwObjectIdFunc) cw_certificate_get_id, cw_certificate_object_path);
  g_auto(GStrv) f = cw_object_paths (failed, (CwObjectIdFunc) cw_certificate_get_id, cw_certificate_object_path);

  cw_dbus_manager1_emit_check_finished (CW_DBUS_MANAGER1 (self), (const gchar * const *) r,
                                        (const gchar * const *) f);
}

static void
sync_schedule (CwManagerService *self)
{
  CwDBusManager1 *iface = CW_DBUS_MANAGER1 (self);

  cw_dbus_manager1_set_check_interval (iface, cw_scheduler_get_interval (self->scheduler));
  cw_dbus_manager1_set_last_check (iface, MAX (cw_scheduler_get_last_check (self->scheduler), 0));
  cw_dbus_manager1_set_next_check (iface, MAX (cw_scheduler_get_next_check (self->scheduler), 0));
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
}

static void
manager_iface_init (CwDBusManager1Iface *iface)
{
  iface->handle_import = handle_import;
  iface->handle_get_certificates = handle_get_certificates;
  iface->handle_create_self_signed = handle_create_self_signed;
  iface->handle_create_request = handle_create_request;
  iface->handle_find_for_name = handle_find_for_name;
  iface->handle_set_default = handle_set_default;
  iface->handle_set_tenant = handle_set_tenant;
  iface->handle_request = handle_request;
  iface->handle_get_http_challenge = handle_get_http_challenge;
  iface->handle_get_tls_alpn_challenge = handle_get_tls_alpn_challenge;
  iface->handle_create_account = handle_create_account;
  iface->handle_get_accounts = handle_get_accounts;
  iface->handle_get_provider_types = handle_get_provider_types;
  iface->handle_add_provider = handle_add_provider;
  iface->handle_get_providers = handle_get_providers;
  iface->handle_get_integrations = handle_get_integrations;
  iface->handle_check_now = handle_check_now;
}

static void
sync_properties (CwManagerService *self)
{
  CwDBusManager1 *iface = CW_DBUS_MANAGER1 (self);
  CwCertificate *def = cw_store_get_default (self->store);
  g_autofree gchar *path = def != NULL ? cw_certificate_object_path (cw_certificate_get_id (def)) : g_strdup ("/");
  g_auto(GVariantBuilder) tenants = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{sas}"));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, cw_store_get_tenants (self->store));
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&tenants, "{s^as}", key, value);
  cw_dbus_manager1_set_default_certificate (iface, path);
  cw_dbus_manager1_set_expiry_warning_days (iface, cw_store_get_warning_days (self->store));
  cw_dbus_manager1_set_tenants (iface, g_variant_builder_end (&tenants));
  /* PropertiesChanged now, not from an idle: before the reply of the call
   * that made the change, so a client's cached properties are current
   * when its call returns */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
}

/* What the configuration file says (again after a reload) */
static void
sync_config (CwManagerService *self)
{
  cw_dbus_manager1_set_default_directory (CW_DBUS_MANAGER1 (self),
                                          cw_config_get_string (cw_store_get_config (self->store), "acme", "directory"));
  sync_properties (self);
}

static gboolean
set_property (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
              const gchar *interface_name, const gchar *property_name, GVariant *value, GError **error,
              gpointer user_data)
{
  CwManagerService *self = CW_MANAGER_SERVICE (user_data);

  if (g_str_equal (property_name, "ExpiryWarningDays") && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return cw_store_set_warning_days (self->store, g_variant_get_uint32 (value), error);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY, "%s cannot be set", property_name);
  return FALSE;
}

static const gchar *
creation_action (gpointer object, GVariant *parameters)
{
  return cw_guard_options_action (parameters, CW_ACTION_MANAGE_CERTIFICATES);
}

/* an exec provider runs a program of the administrator's as root */
static const gchar *
add_provider_action (gpointer object, GVariant *parameters)
{
  const gchar *type = NULL;

  g_variant_get (parameters, "(&s&s@a{ss})", NULL, &type, NULL);
  return g_strcmp0 (type, "exec") == 0 ? CW_ACTION_RUN_PROGRAMS : CW_ACTION_MANAGE_PROVIDERS;
}

static const CwGuardRule rules[] = {
  { "GetCertificates", NULL, NULL },
  { "FindForName", NULL, NULL },
  { "GetHttpChallenge", NULL, NULL },
  /* a throwaway certificate for one pending challenge, good for nothing else */
  { "GetTlsAlpnChallenge", NULL, NULL },
  { "GetAccounts", NULL, NULL },
  { "GetProviderTypes", NULL, NULL },
  { "GetProviders", NULL, NULL },
  { "GetIntegrations", NULL, NULL },
  { "GetClusterStatus", NULL, NULL },
  { "Import", NULL, creation_action },
  { "CreateSelfSigned", NULL, creation_action },
  { "CreateRequest", NULL, creation_action },
  { "Request", NULL, creation_action },
  { "CheckNow", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  { "CreateAccount", CW_ACTION_MANAGE_ACCOUNTS, NULL },
  { "AddProvider", NULL, add_provider_action },
  { "SetDefault", CW_ACTION_CONFIGURE, NULL },
  { "SetTenant", CW_ACTION_CONFIGURE, NULL },
  { "Set:ExpiryWarningDays", CW_ACTION_CONFIGURE, NULL },
  { NULL, NULL, NULL },
};

CW_DEFINE_GUARDED_VTABLE (get_vtable, cw_manager_service_parent_class, rules, set_property)

static void
cw_manager_service_dispose (GObject *object)
{
  CwManagerService *self = CW_MANAGER_SERVICE (object);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->scheduler != NULL)
    g_signal_handlers_disconnect_by_data (self->scheduler, self);
  g_clear_object (&self->store);
  g_clear_object (&self->acme);
  g_clear_object (&self->creation);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->deliverer);
  G_OBJECT_CLASS (cw_manager_service_parent_class)->dispose (object);
}

static void
cw_manager_service_class_init (CwManagerServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_manager_service_dispose;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = get_vtable;
}

static void
cw_manager_service_init (CwManagerService *self)
{
}

void
cw_manager_service_set_scep (CwManagerService *self, CwScepManager *scep)
{
  g_return_if_fail (CW_IS_MANAGER_SERVICE (self));
  g_return_if_fail (CW_IS_SCEP_MANAGER (scep));

  cw_creation_set_scep (self->creation, scep);
}

CwManagerService *
cw_manager_service_new (CwStore *store, CwAcmeManager *acme, CwScheduler *scheduler, CwDeliverer *deliverer)
{
  CwManagerService *self;

  g_return_val_if_fail (CW_IS_STORE (store), NULL);
  g_return_val_if_fail (CW_IS_ACME_MANAGER (acme), NULL);
  g_return_val_if_fail (CW_IS_SCHEDULER (scheduler), NULL);
  g_return_val_if_fail (CW_IS_DELIVERER (deliverer), NULL);

  self = g_object_new (CW_TYPE_MANAGER_SERVICE, NULL);

  self->deliverer = g_object_ref (deliverer);
  self->creation = cw_creation_new (store, acme, deliverer);
  self->store = g_object_ref (store);
  self->acme = g_object_ref (acme);
  self->scheduler = g_object_ref (scheduler);
  sync_schedule (self);
  g_signal_connect_swapped (scheduler, "changed", G_CALLBACK (sync_schedule), self);
  g_signal_connect (scheduler, "check-finished", G_CALLBACK (on_check_finished), self);
  cw_dbus_manager1_set_version (CW_DBUS_MANAGER1 (self), PACKAGE_VERSION);
  sync_config (self);
  g_signal_connect_object (cw_store_get_config (store), "changed", G_CALLBACK (sync_config), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_swapped (store, "manager-changed", G_CALLBACK (sync_properties), self);
  /* the default can change with a certificate (a forced removal) */
  g_signal_connect_swapped (store, "certificate-removed", G_CALLBACK (sync_properties), self);
  return self;
}
