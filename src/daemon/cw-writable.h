/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

/*
 * Writable D-Bus properties that the model checks. gdbus-codegen skeletons
 * accept any Properties.Set and store the value; ours route Set to a
 * function that asks the store (which may refuse with a proper error) and
 * lets the property follow the model. This defines the class's get_vtable:
 * the parent skeleton's vtable with @set_property put in.
 *
 *   CW_DEFINE_WRITABLE_VTABLE (get_vtable, cw_trust_store_service_parent_class, set_property)
 *   ... G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = get_vtable;
 */
#define CW_DEFINE_WRITABLE_VTABLE(func, parent_class, set_property)                            \
  static GDBusInterfaceVTable *                                                               \
  func (GDBusInterfaceSkeleton *skeleton)                                                     \
  {                                                                                           \
    static GDBusInterfaceVTable vtable;                                                       \
                                                                                              \
    if (vtable.method_call == NULL) {                                                         \
      vtable = *G_DBUS_INTERFACE_SKELETON_CLASS (parent_class)->get_vtable (skeleton);        \
      vtable.set_property = set_property;                                                     \
    }                                                                                         \
    return &vtable;                                                                           \
  }
