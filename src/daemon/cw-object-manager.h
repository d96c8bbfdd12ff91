/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CW_TYPE_OBJECT_MANAGER (cw_object_manager_get_type ())
G_DECLARE_FINAL_TYPE (CwObjectManager, cw_object_manager, CW, OBJECT_MANAGER, GObject)

/**
 * CwObjectManager:
 *
 * org.freedesktop.DBus.ObjectManager at the agent's root path, over two
 * kinds of objects: a few GDBusObjectSkeletons (accounts, the trust store)
 * exported through it, and objects served by a subtree (the certificates,
 * which have no skeleton each: 10,000 skeletons cost 40 MB). A collector
 * adds the subtree's objects to GetManagedObjects; the subtree announces
 * its own with cw_object_manager_emit_added/removed.
 */

/* Adds every object the collector serves to @objects (a{oa{sa{sv}}}). */
typedef void (*CwObjectCollectFunc) (GVariantBuilder *objects, gpointer user_data);

CwObjectManager *cw_object_manager_new (GDBusConnection *connection, const gchar *path,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Exports every interface of @object on the connection and announces it. */
gboolean         cw_object_manager_export (CwObjectManager *self, GDBusObjectSkeleton *object, GError **error);
/* Takes the object exported at @path off the bus and announces it. */
void             cw_object_manager_unexport (CwObjectManager *self, const gchar *path);

void             cw_object_manager_add_collector (CwObjectManager *self, CwObjectCollectFunc func,
                                                  gpointer user_data);

/* InterfacesAdded (@interfaces is a{sa{sv}}, floating is consumed) and
 * InterfacesRemoved for an object at @path. */
void             cw_object_manager_emit_added (CwObjectManager *self, const gchar *path, GVariant *interfaces);
void             cw_object_manager_emit_removed (CwObjectManager *self, const gchar *path,
                                                 const gchar * const *interfaces);

G_END_DECLS
