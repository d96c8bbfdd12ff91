/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/test-polkit.sh's walker: every method and every writable property
 * of every org.certward.* interface the running agent introspects, called
 * (or set) with empty values on the system bus. One line each:
 * "Interface.Member ERROR-NAME message" or "Interface.Member ok". Who runs it
 * decides what the answers mean; a member added tomorrow is walked too.
 */
#include <gio/gio.h>
#include <string.h>

#define BUS_NAME "org.certward.Certward1"

static GVariant *
empty_value (const GVariantType *type)
{
  if (g_variant_type_is_array (type))
    return g_variant_new_array (g_variant_type_element (type), NULL, 0);
  if (g_variant_type_is_tuple (type)) {
    g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (type);

    for (const GVariantType *t = g_variant_type_first (type); t != NULL; t = g_variant_type_next (t))
      g_variant_builder_add_value (&b, empty_value (t));
    return g_variant_builder_end (&b);
  }
  if (g_variant_type_equal (type, G_VARIANT_TYPE_VARIANT))
    return g_variant_new_variant (g_variant_new_string (""));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_new_boolean (FALSE);
  if (g_variant_type_equal (type, G_VARIANT_TYPE_STRING))
    return g_variant_new_string ("");
  if (g_variant_type_equal (type, G_VARIANT_TYPE_OBJECT_PATH))
    return g_variant_new_object_path ("/");
  if (g_variant_type_equal (type, G_VARIANT_TYPE_UINT32))
    return g_variant_new_uint32 (0);
  if (g_variant_type_equal (type, G_VARIANT_TYPE_UINT64))
    return g_variant_new_uint64 (0);
  if (g_variant_type_equal (type, G_VARIANT_TYPE_INT32))
    return g_variant_new_int32 (0);
  if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTE))
    return g_variant_new_byte (0);
  g_error ("no empty value for %.*s", (int) g_variant_type_get_string_length (type),
           g_variant_type_peek_string (type));
}

static void
report (const gchar *what, GError *error)
{
  g_autofree gchar *name = error != NULL ? g_dbus_error_get_remote_error (error) : NULL;

  if (error != NULL)
    g_dbus_error_strip_remote_error (error);
  g_print ("%s %s %s\n", what, error == NULL ? "ok" : name != NULL ? name : "local-error",
           error != NULL ? error->message : "");
}

static void
walk (GDBusConnection *bus, const gchar *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) xml = g_dbus_connection_call_sync (bus, BUS_NAME, path, "org.freedesktop.DBus.Introspectable",
                                                         "Introspect", NULL, G_VARIANT_TYPE ("(s)"),
                                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_autoptr(GDBusNodeInfo) node = NULL;
  const gchar *text;

  if (xml == NULL)
    g_error ("cannot introspect %s: %s", path, error->message);
  g_variant_get (xml, "(&s)", &text);
  node = g_dbus_node_info_new_for_xml (text, &error);
  g_assert_no_error (error);
  for (guint i = 0; node->interfaces != NULL && node->interfaces[i] != NULL; i++) {
    GDBusInterfaceInfo *iface = node->interfaces[i];

    if (!g_str_has_prefix (iface->name, "org.certward.") || g_str_equal (iface->name, "org.certward.Testing1"))
      continue;
    for (guint m = 0; iface->methods != NULL && iface->methods[m] != NULL; m++) {
      GDBusMethodInfo *method = iface->methods[m];
      g_auto(GVariantBuilder) args = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_TUPLE);
      g_autofree gchar *what = g_strdup_printf ("%s.%s", iface->name, method->name);
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GError) call_error = NULL;

      for (guint a = 0; method->in_args != NULL && method->in_args[a] != NULL; a++) {
        g_autoptr(GVariantType) type = g_variant_type_new (method->in_args[a]->signature);

        g_variant_builder_add_value (&args, empty_value (type));
      }
      reply = g_dbus_connection_call_sync (bus, BUS_NAME, path, iface->name, method->name,
                                           g_variant_builder_end (&args), NULL, G_DBUS_CALL_FLAGS_NONE, 20000, NULL,
                                           &call_error);
      report (what, call_error);
    }
    for (guint p = 0; iface->properties != NULL && iface->properties[p] != NULL; p++) {
      GDBusPropertyInfo *property = iface->properties[p];
      g_autoptr(GVariantType) type = NULL;
      g_autofree gchar *what = NULL;
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GError) call_error = NULL;

      if (!(property->flags & G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE))
        continue;
      type = g_variant_type_new (property->signature);
      what = g_strdup_printf ("%s.Set:%s", iface->name, property->name);
      reply = g_dbus_connection_call_sync (bus, BUS_NAME, path, "org.freedesktop.DBus.Properties", "Set",
                                           g_variant_new ("(ssv)", iface->name, property->name, empty_value (type)),
                                           NULL, G_DBUS_CALL_FLAGS_NONE, 20000, NULL, &call_error);
      report (what, call_error);
    }
  }
  for (guint c = 0; node->nodes != NULL && node->nodes[c] != NULL; c++) {
    g_autofree gchar *child = g_strconcat (path, g_str_equal (path, "/") ? "" : "/", node->nodes[c]->path, NULL);

    walk (bus, child);
  }
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);

  g_assert_no_error (error);
  walk (bus, argc > 1 ? argv[1] : "/org/certward/Certward1");
  return 0;
}
