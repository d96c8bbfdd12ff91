/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every certificate's object as one D-Bus subtree, with PropertiesChanged by hash. */

#include "config.h"

#include "cw-certificate-tree.h"
#include "cw-saved-reply.h"
#include "cw-invocation.h"
#include "cw-guard.h"
#include "cw-certificate-service.h"

#include <string.h>

#define CERTIFICATE_IFACE "org.certward.Certificate1"

struct _CwCertificateTree {
  GObject             parent_instance;

  GDBusConnection    *connection;
  CwStore            *store;
  CwAcmeManager      *acme;
  CwDeliverer        *deliverer;
  CwScepManager      *scep;       /* or NULL */
  CwObjectManager    *objects;
  GDBusInterfaceInfo *info;
  guint               n_properties;
  guint               registration;
  GHashTable         *announced;   /* CwCertificate → guint64[n_properties] */
};

G_DEFINE_FINAL_TYPE (CwCertificateTree, cw_certificate_tree, G_TYPE_OBJECT)

/* FNV-1a over the serialised value: a change of any property is seen
 * without keeping the values themselves */
static guint64
value_hash (GVariant *value)
{
  const guchar *data = g_variant_get_data (value);
  gsize size = g_variant_get_size (value);
  guint64 hash = 0xcbf29ce484222325ULL;

  for (gsize i = 0; i < size; i++) {
    hash ^= data[i];
    hash *= 0x100000001b3ULL;
  }
  return hash ^ size;
}

/* All properties of @cert; fills @hashes when not NULL */
static GVariant *
all_properties (CwCertificateTree *self, CwCertificate *cert, guint64 *hashes)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  for (guint i = 0; i < self->n_properties; i++) {
    const gchar *name = self->info->properties[i]->name;
    g_autoptr(GVariant) value = g_variant_ref_sink (cw_certificate_property (cert, name));

    if (hashes != NULL)
      hashes[i] = value_hash (value);
    g_variant_builder_add (&b, "{sv}", name, value);
  }
  return g_variant_builder_end (&b);
}

static GVariant *
interfaces_of (CwCertificateTree *self, CwCertificate *cert, guint64 *hashes)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{sa{sv}}"));

  g_variant_builder_add (&b, "{s@a{sv}}", CERTIFICATE_IFACE, all_properties (self, cert, hashes));
  return g_variant_builder_end (&b);
}

static void
on_certificate_changed (CwCertificate *cert, CwCertificateTree *self)
{
  guint64 *announced = g_hash_table_lookup (self->announced, cert);
  g_auto(GVariantBuilder) changed = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autofree gchar *path = NULL;
  gboolean any = FALSE;

  if (announced == NULL)
    return;
  for (guint i = 0; i < self->n_properties; i++) {
    const gchar *name = self->info->properties[i]->name;
    g_autoptr(GVariant) value = g_variant_ref_sink (cw_certificate_property (cert, name));
    guint64 hash = value_hash (value);

    if (hash == announced[i])
      continue;
    announced[i] = hash;
    g_variant_builder_add (&changed, "{sv}", name, value);
    any = TRUE;
  }
  if (!any)
    return;
  /* at once, not from an idle: before the reply of the call that made the
   * change and before CertificateChanged, so a client's cached properties
   * are current when either arrives */
  path = cw_certificate_object_path (cw_certificate_get_id (cert));
  g_dbus_connection_emit_signal (self->connection, NULL, path, "org.freedesktop.DBus.Properties",
                                 "PropertiesChanged",
                                 g_variant_new ("(s@a{sv}as)", CERTIFICATE_IFACE, g_variant_builder_end (&changed),
                                                NULL),
                                 NULL);
}

static void
track (CwCertificateTree *self, CwCertificate *cert, gboolean announce)
{
  guint64 *hashes = g_new (guint64, self->n_properties);

  if (announce) {
    g_autofree gchar *path = cw_certificate_object_path (cw_certificate_get_id (cert));

    cw_object_manager_emit_added (self->objects, path, interfaces_of (self, cert, hashes));
  } else {
    /* at start, for every certificate: only the hashes */
    for (guint i = 0; i < self->n_properties; i++) {
      g_autoptr(GVariant) value = g_variant_ref_sink (cw_certificate_property (cert, self->info->properties[i]->name));

      hashes[i] = value_hash (value);
    }
  }
  g_hash_table_insert (self->announced, cert, hashes);
  g_signal_connect (cert, "changed", G_CALLBACK (on_certificate_changed), self);
}

static void
on_certificate_added (CwStore *store, CwCertificate *cert, CwCertificateTree *self)
{
  track (self, cert, TRUE);
}

static void
on_certificate_removed (CwStore *store, CwCertificate *cert, CwCertificateTree *self)
{
  g_autofree gchar *path = cw_certificate_object_path (cw_certificate_get_id (cert));
  const gchar *interfaces[] = { CERTIFICATE_IFACE, NULL };

  g_signal_handlers_disconnect_by_func (cert, on_certificate_changed, self);
  g_hash_table_remove (self->announced, cert);
  cw_object_manager_emit_removed (self->objects, path, interfaces);
}

static void
collect (GVariantBuilder *objects, gpointer user_data)
{
  CwCertificateTree *self = CW_CERTIFICATE_TREE (user_data);
  g_autoptr(GPtrArray) certs = cw_store_get_certificates (self->store);

  for (guint i = 0; i < certs->len; i++) {
    CwCertificate *cert = g_ptr_array_index (certs, i);
    g_autofree gchar *path = cw_certificate_object_path (cw_certificate_get_id (cert));

    g_variant_builder_add (objects, "{o@a{sa{sv}}}", path, interfaces_of (self, cert, NULL));
  }
}

/* ---- Certificate1 on every node ----------------------------------------- */

static gboolean
target_for_path (CwCertificateTree *self, const gchar *object_path, CwCertificateTarget *target, GError **error)
{
  target->store = self->store;
  target->acme = self->acme;
  target->deliverer = self->deliverer;
  target->scep = self->scep;
  target->cert = cw_certificate_from_path (self->store, object_path);
  if (target->cert == NULL)
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT, "No certificate at %s", object_path);
  return target->cert != NULL;
}

/* a private key leaves only with export-key */
static const gchar *
export_action (gpointer object, GVariant *parameters)
{
  g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 0);
  gboolean include_key = FALSE;

  return g_variant_lookup (options, "include-key", "b", &include_key) && include_key ? CW_ACTION_EXPORT_KEY : NULL;
}

static const CwGuardRule rules[] = {
  { "Export", NULL, export_action },
  { "GetRequest", NULL, NULL },
  { "Remove", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  { "Install", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  { "Renew", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  { "Revoke", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  { "Set:Roles", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  { "Set:Tenant", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  { "Set:AutoRenew", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  { "Set:ReloadUnits", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  /* files written and programs run as root */
  { "Set:DeployHooks", CW_ACTION_RUN_PROGRAMS, NULL },
  { "Set:ReloadCommands", CW_ACTION_RUN_PROGRAMS, NULL },
  { "Set:Targets", CW_ACTION_RUN_PROGRAMS, NULL },
  /* a group that may read the key is as good as the key */
  { "Set:AccessGroup", CW_ACTION_EXPORT_KEY, NULL },
  /* an integration's programs and paths are root's own (its file) */
  { "Set:Integrations", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  { NULL, NULL, NULL },
};

/* Once allowed: the certificate is looked up again (it may have gone
 * while polkit thought) and the call or the write handled. */
static void
dispatch (gpointer data, GDBusMethodInvocation *invocation)
{
  g_autoptr(CwCertificateTree) self = data;
  CwCertificateTarget target;
  GError *error = NULL;

  if (!target_for_path (self, g_dbus_method_invocation_get_object_path (invocation), &target, &error)) {
    cw_invocation_take_error (invocation, error);
    return;
  }
  if (g_str_equal (g_dbus_method_invocation_get_interface_name (invocation), "org.freedesktop.DBus.Properties")) {
    const gchar *property = NULL;
    g_autoptr(GVariant) value = NULL;

    guint64 mark = cw_saved_reply_mark ();

    g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s&sv)", NULL, &property, &value);
    if (cw_certificate_set_property (&target, property, value, &error))
      cw_saved_reply (invocation, mark, NULL);
    else
      cw_invocation_take_error (invocation, error);
    return;
  }
  cw_certificate_method_call (&target, g_dbus_method_invocation_get_method_name (invocation),
                              g_dbus_method_invocation_get_parameters (invocation), invocation);
}

static void
method_call (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
             const gchar *interface_name, const gchar *method_name, GVariant *parameters,
             GDBusMethodInvocation *invocation, gpointer user_data)
{
  CwCertificateTree *self = CW_CERTIFICATE_TREE (user_data);
  CwCertificateTarget target;
  GError *error = NULL;

  if (!target_for_path (self, object_path, &target, &error)) {
    cw_invocation_take_error (invocation, error);
    return;
  }
  cw_guard_call (rules, &target, invocation, dispatch, g_object_ref (self), g_object_unref);
}

static GVariant *
get_property (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
              const gchar *interface_name, const gchar *property_name, GError **error, gpointer user_data)
{
  CwCertificateTarget target;
  GVariant *value;

  if (!target_for_path (CW_CERTIFICATE_TREE (user_data), object_path, &target, error))
    return NULL;
  value = cw_certificate_property (target.cert, property_name);
  if (value == NULL)
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property_name);
  return value;
}

/* no set_property: writes come to method_call, where they can wait for polkit */
static const GDBusInterfaceVTable certificate_vtable = { method_call, get_property, NULL, { 0 } };

/* ---- the subtree -------------------------------------------------------- */

static gchar **
subtree_enumerate (GDBusConnection *connection, const gchar *sender, const gchar *object_path, gpointer user_data)
{
  CwCertificateTree *self = CW_CERTIFICATE_TREE (user_data);
  g_autoptr(GPtrArray) certs = cw_store_get_certificates (self->store);
  GStrvBuilder *b = g_strv_builder_new ();
  gchar **ids;

  for (guint i = 0; i < certs->len; i++)
    g_strv_builder_add (b, cw_certificate_get_id (g_ptr_array_index (certs, i)));
  ids = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return ids;
}

static GDBusInterfaceInfo **
subtree_introspect (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
                    const gchar *node, gpointer user_data)
{
  CwCertificateTree *self = CW_CERTIFICATE_TREE (user_data);
  GDBusInterfaceInfo **infos;

  /* the root of the subtree has no interface of its own, only children */
  if (node == NULL)
    return g_new0 (GDBusInterfaceInfo *, 1);
  if (cw_store_lookup_id (self->store, node) == NULL)
    return NULL;
  infos = g_new0 (GDBusInterfaceInfo *, 2);
  infos[0] = g_dbus_interface_info_ref (self->info);
  return infos;
}

static const GDBusInterfaceVTable *
subtree_dispatch (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
                  const gchar *interface_name, const gchar *node, gpointer *out_user_data, gpointer user_data)
{
  CwCertificateTree *self = CW_CERTIFICATE_TREE (user_data);

  /* a path that is no certificate (any more): GDBus answers UnknownMethod,
   * as it does for an object that was unregistered */
  if (node == NULL || g_strcmp0 (interface_name, CERTIFICATE_IFACE) != 0 ||
      cw_store_lookup_id (self->store, node) == NULL)
    return NULL;
  *out_user_data = self;
  return &certificate_vtable;
}

static const GDBusSubtreeVTable subtree_vtable = { subtree_enumerate, subtree_introspect, subtree_dispatch, { 0 } };

void
cw_certificate_tree_set_scep (CwCertificateTree *self, CwScepManager *scep)
{
  g_return_if_fail (CW_IS_CERTIFICATE_TREE (self));
  g_return_if_fail (CW_IS_SCEP_MANAGER (scep));

  g_set_object (&self->scep, scep);
}

CwCertificateTree *
cw_certificate_tree_new (GDBusConnection *connection, CwStore *store, CwAcmeManager *acme, CwDeliverer *deliverer,
                         CwObjectManager *objects, GError **error)
{
  g_autoptr(CwCertificateTree) self = NULL;
  g_autoptr(GPtrArray) certs = NULL;

  g_return_val_if_fail (CW_IS_STORE (store), NULL);
  g_return_val_if_fail (CW_IS_ACME_MANAGER (acme), NULL);
  g_return_val_if_fail (CW_IS_DELIVERER (deliverer), NULL);
  g_return_val_if_fail (CW_IS_OBJECT_MANAGER (objects), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (CW_TYPE_CERTIFICATE_TREE, NULL);
  certs = cw_store_get_certificates (store);

  self->connection = g_object_ref (connection);
  self->store = g_object_ref (store);
  self->acme = g_object_ref (acme);
  self->deliverer = g_object_ref (deliverer);
  self->objects = g_object_ref (objects);
  self->info = g_dbus_interface_info_ref (cw_dbus_certificate1_interface_info ());
  while (self->info->properties[self->n_properties] != NULL)
    self->n_properties++;
  self->registration = g_dbus_connection_register_subtree (connection, CW_OBJECT_PATH "/certificate",
                                                           &subtree_vtable,
                                                           /* or every call would list 10,000 ids first;
                                                            * the vtable checks the id itself */
                                                           G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                                           self, NULL, error);
  if (self->registration == 0)
    return NULL;
  for (guint i = 0; i < certs->len; i++)
    track (self, g_ptr_array_index (certs, i), FALSE);
  g_signal_connect (store, "certificate-added", G_CALLBACK (on_certificate_added), self);
  g_signal_connect (store, "certificate-removed", G_CALLBACK (on_certificate_removed), self);
  cw_object_manager_add_collector (objects, collect, self);
  return g_steal_pointer (&self);
}

static gboolean
untrack (gpointer key, gpointer value, gpointer user_data)
{
  g_signal_handlers_disconnect_by_func (key, on_certificate_changed, user_data);
  return TRUE;
}

static void
cw_certificate_tree_dispose (GObject *object)
{
  CwCertificateTree *self = CW_CERTIFICATE_TREE (object);

  if (self->registration != 0) {
    g_dbus_connection_unregister_subtree (self->connection, self->registration);
    self->registration = 0;
  }
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->announced != NULL)
    g_hash_table_foreach_remove (self->announced, untrack, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->store);
  g_clear_object (&self->acme);
  g_clear_object (&self->deliverer);
  g_clear_object (&self->scep);
  g_clear_object (&self->objects);
  g_clear_pointer (&self->info, g_dbus_interface_info_unref);
  G_OBJECT_CLASS (cw_certificate_tree_parent_class)->dispose (object);
}

static void
cw_certificate_tree_finalize (GObject *object)
{
  g_clear_pointer (&CW_CERTIFICATE_TREE (object)->announced, g_hash_table_unref);
  G_OBJECT_CLASS (cw_certificate_tree_parent_class)->finalize (object);
}

static void
cw_certificate_tree_class_init (CwCertificateTreeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_certificate_tree_dispose;
  G_OBJECT_CLASS (klass)->finalize = cw_certificate_tree_finalize;
}

static void
cw_certificate_tree_init (CwCertificateTree *self)
{
  self->announced = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}
