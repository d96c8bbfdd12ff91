/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.certward.Provider1: one skeleton per configured DNS provider. */

#include "config.h"

#include "cw-provider-service.h"
#include "cw-invocation.h"
#include "cw-guard.h"

#include <string.h>

struct _CwProviderService {
  CwDBusProvider1Skeleton parent_instance;

  CwProviderManager *manager;
  CwProvider        *provider;
};

static void provider_iface_init (CwDBusProvider1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CwProviderService, cw_provider_service, CW_DBUS_TYPE_PROVIDER1_SKELETON,
                               G_IMPLEMENT_INTERFACE (CW_DBUS_TYPE_PROVIDER1, provider_iface_init))

gchar *
cw_provider_object_path (const gchar *id)
{
  return g_strconcat (CW_OBJECT_PATH "/provider/", id, NULL);
}

CwProvider *
cw_provider_from_path (CwProviderManager *manager, const gchar *path)
{
  static const gchar prefix[] = CW_OBJECT_PATH "/provider/";

  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (manager), NULL);

  if (path == NULL || !g_str_has_prefix (path, prefix))
    return NULL;
  return cw_provider_manager_lookup (manager, path + strlen (prefix));
}

GHashTable *
cw_provider_settings_from_variant (GVariant *settings)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GVariantIter iter;
  const gchar *key, *value;

  g_variant_iter_init (&iter, settings);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
    g_hash_table_insert (table, g_strdup (key), g_strdup (value));
  return table;
}

static void
sync_properties (CwProviderService *self)
{
  CwDBusProvider1 *iface = CW_DBUS_PROVIDER1 (self);
  g_autoptr(GHashTable) settings = cw_provider_dup_public_settings (self->provider);
  g_auto(GStrv) secrets = cw_provider_dup_secrets_set (self->provider);
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer key, value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_hash_table_iter_init (&iter, settings);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&builder, "{ss}", key, value);
  cw_dbus_provider1_set_name (iface, cw_provider_get_name (self->provider));
  cw_dbus_provider1_set_type_ (iface, cw_provider_get_provider_type (self->provider)->plugin->type);
  cw_dbus_provider1_set_settings (iface, g_variant_builder_end (&builder));
  cw_dbus_provider1_set_secrets_set (iface, (const gchar * const *) secrets);
  /* before the reply of the call that made the change */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
}

static gboolean
handle_update (CwDBusProvider1 *iface, GDBusMethodInvocation *invocation, GVariant *settings)
{
  CwProviderService *self = CW_PROVIDER_SERVICE (iface);
  g_autoptr(GHashTable) changes = cw_provider_settings_from_variant (settings);
  GError *error = NULL;

  if (!cw_provider_manager_update (self->manager, self->provider, changes, &error)) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  sync_properties (self);
  cw_dbus_provider1_complete_update (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_remove (CwDBusProvider1 *iface, GDBusMethodInvocation *invocation)
{
  CwProviderService *self = CW_PROVIDER_SERVICE (iface);
  GError *error = NULL;

  if (!cw_provider_manager_remove (self->manager, self->provider, &error))
    cw_invocation_take_error (invocation, error);
  else
    cw_dbus_provider1_complete_remove (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
tested (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;

  if (!cw_provider_manager_test_finish (CW_PROVIDER_MANAGER (source), result, &error))
    cw_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_test (CwDBusProvider1 *iface, GDBusMethodInvocation *invocation, const gchar *zone)
{
  CwProviderService *self = CW_PROVIDER_SERVICE (iface);

  cw_provider_manager_test_async (self->manager, self->provider, zone, NULL, tested, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_provider_changed (CwProviderManager *manager, CwProvider *provider, CwProviderService *self)
{
  if (provider == self->provider)
    sync_properties (self);
}

static void
provider_iface_init (CwDBusProvider1Iface *iface)
{
  iface->handle_update = handle_update;
  iface->handle_remove = handle_remove;
  iface->handle_test = handle_test;
}

static void
cw_provider_service_dispose (GObject *object)
{
  CwProviderService *self = CW_PROVIDER_SERVICE (object);

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->provider);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (cw_provider_service_parent_class)->dispose (object);
}

/* an exec provider's settings name a program run as root */
static const gchar *
provider_action (gpointer object, GVariant *parameters)
{
  CwProviderService *self = CW_PROVIDER_SERVICE (object);
  const CwProviderType *type = cw_provider_get_provider_type (self->provider);

  return g_strcmp0 (type->plugin->type, "exec") == 0 ? CW_ACTION_RUN_PROGRAMS : CW_ACTION_MANAGE_PROVIDERS;
}

static const CwGuardRule rules[] = {
  { "Update", NULL, provider_action },
  { "Remove", CW_ACTION_MANAGE_PROVIDERS, NULL },
  { "Test", CW_ACTION_MANAGE_PROVIDERS, NULL },
  { NULL, NULL, NULL },
};

CW_DEFINE_GUARDED_VTABLE (get_vtable, cw_provider_service_parent_class, rules, NULL)

static void
cw_provider_service_class_init (CwProviderServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_provider_service_dispose;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = get_vtable;
}

static void
cw_provider_service_init (CwProviderService *self)
{
}

CwProviderService *
cw_provider_service_new (CwProviderManager *manager, CwProvider *provider)
{
  CwProviderService *self;

  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (manager), NULL);
  g_return_val_if_fail (CW_IS_PROVIDER (provider), NULL);

  self = g_object_new (CW_TYPE_PROVIDER_SERVICE, NULL);

  self->manager = g_object_ref (manager);
  self->provider = g_object_ref (provider);
  sync_properties (self);
  /* changed elsewhere too: by another node of a cluster */
  g_signal_connect (manager, "provider-changed", G_CALLBACK (on_provider_changed), self);
  return self;
}
