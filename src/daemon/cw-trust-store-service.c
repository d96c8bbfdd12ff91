/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.certward.TrustStore1 over CwTrustStore. */

#include "config.h"

#include "cw-trust-store-service.h"
#include "cw-invocation.h"
#include "cw-error.h"

#include "cw-guard.h"

#include <glib/gi18n.h>

struct _CwTrustStoreService {
  CwDBusTrustStore1Skeleton parent_instance;

  CwTrustStore *trust;
};

static void trust_iface_init (CwDBusTrustStore1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CwTrustStoreService, cw_trust_store_service, CW_DBUS_TYPE_TRUST_STORE1_SKELETON,
                               G_IMPLEMENT_INTERFACE (CW_DBUS_TYPE_TRUST_STORE1, trust_iface_init))

static void
sync_properties (CwTrustStoreService *self)
{
  CwDBusTrustStore1 *iface = CW_DBUS_TRUST_STORE1 (self);

  cw_dbus_trust_store1_set_bundle_path (iface, cw_trust_store_get_bundle_path (self->trust));
  cw_dbus_trust_store1_set_count (iface, cw_trust_store_get_count (self->trust));
  cw_dbus_trust_store1_set_verification_mode (iface, cw_trust_store_get_mode (self->trust));
}

static void
on_changed (CwTrustStore *trust, CwTrustStoreService *self)
{
  sync_properties (self);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
  cw_dbus_trust_store1_emit_changed (CW_DBUS_TRUST_STORE1 (self));
}

static gboolean
handle_list (CwDBusTrustStore1 *iface, GDBusMethodInvocation *invocation)
{
  CwTrustStoreService *self = CW_TRUST_STORE_SERVICE (iface);
  GPtrArray *entries = cw_trust_store_list (self->trust);
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(ssssttb)"));

  for (guint i = 0; i < entries->len; i++) {
    CwTrustEntry *e = g_ptr_array_index (entries, i);

    g_variant_builder_add (&b, "(ssssttb)", e->fingerprint, e->subject, e->issuer, e->serial,
                           (guint64) MAX (e->not_before, 0), (guint64) MAX (e->not_after, 0), e->from_system);
  }
  cw_dbus_trust_store1_complete_list (iface, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
add_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_auto(GStrv) fingerprints = NULL;
  GError *error = NULL;

  fingerprints = cw_trust_store_add_finish (CW_TRUST_STORE (source), result, &error);
  if (fingerprints == NULL)
    cw_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", fingerprints));
}

static void
change_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;

  if (!cw_trust_store_change_finish (CW_TRUST_STORE (source), result, &error))
    cw_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_add (CwDBusTrustStore1 *iface, GDBusMethodInvocation *invocation, GVariant *data)
{
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (data);

  cw_trust_store_add_async (CW_TRUST_STORE_SERVICE (iface)->trust, bytes, NULL, add_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_replace (CwDBusTrustStore1 *iface, GDBusMethodInvocation *invocation, GVariant *data)
{
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (data);

  cw_trust_store_replace_async (CW_TRUST_STORE_SERVICE (iface)->trust, bytes, NULL, change_done,
                                g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_remove (CwDBusTrustStore1 *iface, GDBusMethodInvocation *invocation, const gchar *fingerprint)
{
  cw_trust_store_remove_async (CW_TRUST_STORE_SERVICE (iface)->trust, fingerprint, NULL, change_done,
                               g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_reset (CwDBusTrustStore1 *iface, GDBusMethodInvocation *invocation)
{
  cw_trust_store_reset_async (CW_TRUST_STORE_SERVICE (iface)->trust, NULL, change_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_export (CwDBusTrustStore1 *iface, GDBusMethodInvocation *invocation)
{
  g_autoptr(GBytes) pem = cw_trust_store_export (CW_TRUST_STORE_SERVICE (iface)->trust);

  cw_dbus_trust_store1_complete_export (iface, invocation,
                                        g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, pem, TRUE));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
trust_iface_init (CwDBusTrustStore1Iface *iface)
{
  iface->handle_list = handle_list;
  iface->handle_add = handle_add;
  iface->handle_replace = handle_replace;
  iface->handle_remove = handle_remove;
  iface->handle_reset = handle_reset;
  iface->handle_export = handle_export;
}

static void
mode_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cw_trust_store_change_finish (CW_TRUST_STORE (source), result, &error))
    g_warning ("cannot change the verification mode: %s", error->message);
}

/* Properties.Set of VerificationMode: checked here, written in the
 * background; the property follows once it is on disk. */
static gboolean
set_property (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
              const gchar *interface_name, const gchar *property_name, GVariant *value, GError **error,
              gpointer user_data)
{
  CwTrustStoreService *self = CW_TRUST_STORE_SERVICE (user_data);

  if (g_str_equal (property_name, "VerificationMode") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
    const gchar *mode = g_variant_get_string (value, NULL);

    if (!cw_trust_store_mode_is_valid (mode, error))
      return FALSE;
    cw_trust_store_set_mode_async (self->trust, mode, NULL, mode_set, NULL);
    return TRUE;
  }
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY, "%s cannot be set", property_name);
  return FALSE;
}

static const CwGuardRule rules[] = {
  { "List", NULL, NULL },
  { "Export", NULL, NULL },
  { "Add", CW_ACTION_MANAGE_TRUST, NULL },
  { "Remove", CW_ACTION_MANAGE_TRUST, NULL },
  { "Replace", CW_ACTION_MANAGE_TRUST, NULL },
  { "Reset", CW_ACTION_MANAGE_TRUST, NULL },
  { "Set:VerificationMode", CW_ACTION_MANAGE_TRUST, NULL },
  { NULL, NULL, NULL },
};

CW_DEFINE_GUARDED_VTABLE (get_vtable, cw_trust_store_service_parent_class, rules, set_property)

static void
cw_trust_store_service_dispose (GObject *object)
{
  CwTrustStoreService *self = CW_TRUST_STORE_SERVICE (object);

  if (self->trust != NULL)
    g_signal_handlers_disconnect_by_data (self->trust, self);
  g_clear_object (&self->trust);
  G_OBJECT_CLASS (cw_trust_store_service_parent_class)->dispose (object);
}

static void
cw_trust_store_service_class_init (CwTrustStoreServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_trust_store_service_dispose;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = get_vtable;
}

static void
cw_trust_store_service_init (CwTrustStoreService *self)
{
}

CwTrustStoreService *
cw_trust_store_service_new (CwTrustStore *trust)
{
  CwTrustStoreService *self;

  g_return_val_if_fail (CW_IS_TRUST_STORE (trust), NULL);

  self = g_object_new (CW_TYPE_TRUST_STORE_SERVICE, NULL);

  self->trust = g_object_ref (trust);
  sync_properties (self);
  g_signal_connect (trust, "changed", G_CALLBACK (on_changed), self);
  return self;
}
