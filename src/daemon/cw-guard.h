/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-authority.h"

G_BEGIN_DECLS

/*
 * Every method call and property write of the agent's interfaces passes
 * a guard: a table says, per member, which polkit action it needs (or that
 * it is open to every local user), and the call is dispatched only once
 * cw-authority.h says yes. A member without a rule is refused, so a new
 * method cannot slip through unguarded (tests/test-polkit.sh walks the
 * introspection data to prove it).
 */

/* When the action depends on the call (an option asking for a hook, an
 * exec DNS provider): @object is what the interface serves. */
typedef const gchar *(*CwGuardActionFunc) (gpointer object, GVariant *parameters);

typedef struct {
  const gchar       *member;      /* a method, or "Set:Property" for a write */
  const gchar       *action;      /* NULL: open to every local user */
  CwGuardActionFunc  action_for;  /* overrides @action when set */
} CwGuardRule;

/* The action the delivery and reload options of an a{sv} (the last
 * parameter) need: run-programs when it sets deploy hooks, reload commands
 * or targets; export-key when it sets an access group; else @otherwise
 * (integrations are root's files, so applying one needs no more). */
const gchar *cw_guard_options_action (GVariant *parameters, const gchar *otherwise);

/* Runs @dispatch (with @data and the invocation) once the caller may do
 * what @invocation asks according to @rules, or replies with the refusal
 * and frees @data with @destroy. The invocation's reference goes to
 * @dispatch or to the reply; @data to @dispatch or @destroy. */
typedef void (*CwGuardDispatch) (gpointer data, GDBusMethodInvocation *invocation);
void cw_guard_call (const CwGuardRule *rules, gpointer object, GDBusMethodInvocation *invocation,
                    CwGuardDispatch dispatch, gpointer data, GDestroyNotify destroy);

/* A gate every call that needs an action passes after its rule is found
 * and before polkit is asked (reads without an action, Export and Test
 * pass by): it answers FALSE with the error to reply, e.g. a node of a
 * cluster whose database is away is read-only (CW_ERROR_UNAVAILABLE).
 * NULL: no gate. */
typedef gboolean (*CwGuardGate) (gpointer user_data, GError **error);
void cw_guard_set_gate (CwGuardGate gate, gpointer user_data);

/* For gdbus-codegen skeletons: the class's vtable with every call and
 * Properties.Set routed through cw_guard_call; @setter (may be NULL: no
 * writable property) handles an allowed write.
 *
 *   CW_DEFINE_GUARDED_VTABLE (get_vtable, cw_x_parent_class, x_rules, x_set_property)
 *   ... G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = get_vtable;
 */
void cw_guard_skeleton_call (const CwGuardRule *rules, const GDBusInterfaceVTable *parent,
                             GDBusInterfaceSetPropertyFunc setter, gpointer skeleton,
                             GDBusMethodInvocation *invocation);

#define CW_DEFINE_GUARDED_VTABLE(func, parent_class, rules, setter)                                       \
  static GDBusInterfaceVTable func##_parent;                                                             \
  static void                                                                                            \
  func##_method_call (GDBusConnection *connection, const gchar *sender, const gchar *path,               \
                      const gchar *interface_name, const gchar *method_name, GVariant *parameters,       \
                      GDBusMethodInvocation *invocation, gpointer user_data)                             \
  {                                                                                                      \
    cw_guard_skeleton_call (rules, &func##_parent, setter, user_data, invocation);                      \
  }                                                                                                      \
  static GDBusInterfaceVTable *                                                                          \
  func (GDBusInterfaceSkeleton *skeleton)                                                                \
  {                                                                                                      \
    static GDBusInterfaceVTable vtable;                                                                  \
                                                                                                         \
    if (vtable.method_call == NULL) {                                                                    \
      func##_parent = *G_DBUS_INTERFACE_SKELETON_CLASS (parent_class)->get_vtable (skeleton);            \
      vtable = func##_parent;                                                                            \
      vtable.method_call = func##_method_call;                                                           \
      /* writes come to method_call, where they can wait for polkit */                                   \
      vtable.set_property = NULL;                                                                        \
    }                                                                                                    \
    return &vtable;                                                                                      \
  }

G_END_DECLS
