/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.freedesktop.DBus.ObjectManager over the skeletons and the certificate subtree. */

#include "config.h"

#include "cw-object-manager.h"

#define OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"

struct _CwObjectManager {
  GObject          parent_instance;

  GDBusConnection *connection;
  gchar           *path;
  guint            registration;
  GPtrArray       *objects;     /* GDBusObjectSkeleton exported through us */
  CwObjectCollectFunc collect;
  gpointer         collect_data;
};

G_DEFINE_FINAL_TYPE (CwObjectManager, cw_object_manager, G_TYPE_OBJECT)

static const gchar introspection_xml[] =
  "<node>"
  "  <interface name='" OBJECT_MANAGER "'>"
  "    <method name='GetManagedObjects'>"
  "      <arg type='a{oa{sa{sv}}}' name='object_paths_interfaces_and_properties' direction='out'/>"
  "    </method>"
  "    <signal name='InterfacesAdded'>"
  "      <arg type='o' name='object_path'/>"
  "      <arg type='a{sa{sv}}' name='interfaces_and_properties'/>"
  "    </signal>"
  "    <signal name='InterfacesRemoved'>"
  "      <arg type='o' name='object_path'/>"
  "      <arg type='as' name='interfaces'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

static GVariant *
object_interfaces (GDBusObjectSkeleton *object)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{sa{sv}}"));
  GList *interfaces = g_dbus_object_get_interfaces (G_DBUS_OBJECT (object));

  for (GList *l = interfaces; l != NULL; l = l->next) {
    GDBusInterfaceSkeleton *iface = l->data;
    g_autoptr(GVariant) properties = g_dbus_interface_skeleton_get_properties (iface);

    g_variant_builder_add (&b, "{s@a{sv}}", g_dbus_interface_skeleton_get_info (iface)->name, properties);
  }
  g_list_free_full (interfaces, g_object_unref);
  return g_variant_builder_end (&b);
}

static void
method_call (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
             const gchar *interface_name, const gchar *method_name, GVariant *parameters,
             GDBusMethodInvocation *invocation, gpointer user_data)
{
  CwObjectManager *self = CW_OBJECT_MANAGER (user_data);
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{oa{sa{sv}}}"));

  /* GDBus only dispatches the introspected method, GetManagedObjects */
  for (guint i = 0; i < self->objects->len; i++) {
    GDBusObjectSkeleton *object = g_ptr_array_index (self->objects, i);

    g_variant_builder_add (&b, "{o@a{sa{sv}}}", g_dbus_object_get_object_path (G_DBUS_OBJECT (object)),
                           object_interfaces (object));
  }
  if (self->collect != NULL)
    self->collect (&b, self->collect_data);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{oa{sa{sv}}})", g_variant_builder_end (&b)));
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };

CwObjectManager *
cw_object_manager_new (GDBusConnection *connection, const gchar *path, GError **error)
{
  g_autoptr(CwObjectManager) self = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (CW_TYPE_OBJECT_MANAGER, NULL);
  node = g_dbus_node_info_new_for_xml (introspection_xml, error);

  if (node == NULL)
    return NULL;
  self->connection = g_object_ref (connection);
  self->path = g_strdup (path);
  self->registration = g_dbus_connection_register_object (connection, path, node->interfaces[0], &vtable, self,
                                                          NULL, error);
  if (self->registration == 0)
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
cw_object_manager_export (CwObjectManager *self, GDBusObjectSkeleton *object, GError **error)
{
  const gchar *path;
  GList *interfaces;
  gboolean ok = TRUE;

  g_return_val_if_fail (CW_IS_OBJECT_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  path = g_dbus_object_get_object_path (G_DBUS_OBJECT (object));
  interfaces = g_dbus_object_get_interfaces (G_DBUS_OBJECT (object));

  for (GList *l = interfaces; ok && l != NULL; l = l->next)
    ok = g_dbus_interface_skeleton_export (l->data, self->connection, path, error);
  g_list_free_full (interfaces, g_object_unref);
  if (!ok)
    return FALSE;
  g_ptr_array_add (self->objects, g_object_ref (object));
  cw_object_manager_emit_added (self, path, object_interfaces (object));
  return TRUE;
}

void
cw_object_manager_unexport (CwObjectManager *self, const gchar *path)
{
  g_return_if_fail (CW_IS_OBJECT_MANAGER (self));

  for (guint i = 0; i < self->objects->len; i++) {
    GDBusObjectSkeleton *object = g_ptr_array_index (self->objects, i);
    GList *interfaces;
    g_autoptr(GStrvBuilder) names = NULL;
    g_auto(GStrv) removed = NULL;

    if (!g_str_equal (g_dbus_object_get_object_path (G_DBUS_OBJECT (object)), path))
      continue;
    names = g_strv_builder_new ();
    interfaces = g_dbus_object_get_interfaces (G_DBUS_OBJECT (object));
    for (GList *l = interfaces; l != NULL; l = l->next) {
      g_strv_builder_add (names, g_dbus_interface_skeleton_get_info (l->data)->name);
      g_dbus_interface_skeleton_unexport (l->data);
    }
    g_list_free_full (interfaces, g_object_unref);
    removed = g_strv_builder_end (names);
    cw_object_manager_emit_removed (self, path, (const gchar * const *) removed);
    g_ptr_array_remove_index (self->objects, i);
    return;
  }
}

void
cw_object_manager_add_collector (CwObjectManager *self, CwObjectCollectFunc func, gpointer user_data)
{
  g_return_if_fail (self->collect == NULL);

  self->collect = func;
  self->collect_data = user_data;
}

void
cw_object_manager_emit_added (CwObjectManager *self, const gchar *path, GVariant *interfaces)
{
  g_return_if_fail (CW_IS_OBJECT_MANAGER (self));

  g_dbus_connection_emit_signal (self->connection, NULL, self->path, OBJECT_MANAGER, "InterfacesAdded",
                                 g_variant_new ("(o@a{sa{sv}})", path, interfaces), NULL);
}

void
cw_object_manager_emit_removed (CwObjectManager *self, const gchar *path, const gchar * const *interfaces)
{
  g_return_if_fail (CW_IS_OBJECT_MANAGER (self));

  g_dbus_connection_emit_signal (self->connection, NULL, self->path, OBJECT_MANAGER, "InterfacesRemoved",
                                 g_variant_new ("(o^as)", path, interfaces), NULL);
}

static void
cw_object_manager_dispose (GObject *object)
{
  CwObjectManager *self = CW_OBJECT_MANAGER (object);

  if (self->registration != 0) {
    g_dbus_connection_unregister_object (self->connection, self->registration);
    self->registration = 0;
  }
  for (guint i = 0; self->objects != NULL && i < self->objects->len; i++) {
    GList *interfaces = g_dbus_object_get_interfaces (g_ptr_array_index (self->objects, i));

    for (GList *l = interfaces; l != NULL; l = l->next)
      g_dbus_interface_skeleton_unexport (l->data);
    g_list_free_full (interfaces, g_object_unref);
  }
  g_clear_pointer (&self->objects, g_ptr_array_unref);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (cw_object_manager_parent_class)->dispose (object);
}

static void
cw_object_manager_finalize (GObject *object)
{
  g_free (CW_OBJECT_MANAGER (object)->path);
  G_OBJECT_CLASS (cw_object_manager_parent_class)->finalize (object);
}

static void
cw_object_manager_class_init (CwObjectManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_object_manager_dispose;
  G_OBJECT_CLASS (klass)->finalize = cw_object_manager_finalize;
}

static void
cw_object_manager_init (CwObjectManager *self)
{
  self->objects = g_ptr_array_new_with_free_func (g_object_unref);
}
