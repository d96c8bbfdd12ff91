/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The authorization of every call and write (see cw-guard.h). */
#include "config.h"

#include "cw-guard.h"
#include "cw-invocation.h"
#include "cw-error.h"
#include "cw-saved-reply.h"

#include <glib/gi18n.h>

const gchar *
cw_guard_options_action (GVariant *parameters, const gchar *otherwise)
{
  /* programs and paths of the caller's choosing run and are written as
   * root; an integration's are root's own (its file), so applying one is
   * managing certificates */
  static const gchar *const as_root[] = { "deploy-hooks", "reload-commands", "targets", NULL };
  gsize n = g_variant_n_children (parameters);
  g_autoptr(GVariant) options = n > 0 ? g_variant_get_child_value (parameters, n - 1) : NULL;
  g_autoptr(GVariant) group = NULL;

  if (options == NULL || !g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT))
    return otherwise;
  for (guint i = 0; as_root[i] != NULL; i++) {
    g_autoptr(GVariant) value = g_variant_lookup_value (options, as_root[i], NULL);

    if (value != NULL)
      return CW_ACTION_RUN_PROGRAMS;
  }
  /* a group that may read the key is as good as the key */
  group = g_variant_lookup_value (options, "access-group", NULL);
  return group != NULL ? CW_ACTION_EXPORT_KEY : otherwise;
}

/* The rule's member for a call: the method, or "Set:Property". */
static const CwGuardRule *
find_rule (const CwGuardRule *rules, GDBusMethodInvocation *invocation)
{
  const gchar *iface = g_dbus_method_invocation_get_interface_name (invocation);
  const gchar *method = g_dbus_method_invocation_get_method_name (invocation);
  g_autofree gchar *member = NULL;

  if (g_str_equal (iface, "org.freedesktop.DBus.Properties")) {
    const gchar *property = NULL;

    if (!g_str_equal (method, "Set"))
      return NULL;
    g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s&sv)", NULL, &property, NULL);
    member = g_strconcat ("Set:", property, NULL);
  } else {
    member = g_strdup (method);
  }
  for (const CwGuardRule *r = rules; r->member != NULL; r++)
    if (g_str_equal (r->member, member))
      return r;
  return NULL;
}

static CwGuardGate gate;
static gpointer    gate_data;

void
cw_guard_set_gate (CwGuardGate func, gpointer user_data)
{
  gate = func;
  gate_data = user_data;
}

/* Whether a call under @rule changes something. Every rule with an action
 * does, except the reads that need one (an export with the key) and a
 * provider's Test (a throwaway record, nothing kept). */
static gboolean
rule_changes (const CwGuardRule *rule)
{
  return (rule->action != NULL || rule->action_for != NULL) && !g_str_equal (rule->member, "Export") &&
         !g_str_equal (rule->member, "Test");
}

typedef struct {
  CwGuardDispatch        dispatch;
  gpointer               data;
  GDestroyNotify         destroy;
  GDBusMethodInvocation *invocation;
} Pending;

static void
authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *p = user_data;
  GError *error = NULL;

  if (cw_authority_check_finish (result, &error)) {
    p->dispatch (p->data, p->invocation);
  } else {
    cw_invocation_take_error (p->invocation, error);
    if (p->destroy != NULL)
      p->destroy (p->data);
  }
  g_free (p);
}

void
cw_guard_call (const CwGuardRule *rules, gpointer object, GDBusMethodInvocation *invocation,
               CwGuardDispatch dispatch, gpointer data, GDestroyNotify destroy)
{
  const CwGuardRule *rule;
  const gchar *action;
  Pending *p;

  g_return_if_fail (rules != NULL);

  rule = find_rule (rules, invocation);

  if (rule == NULL) {
    /* nobody decided who may do this: nobody may */
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_PERMISSION_DENIED,
                                           _("%s.%s has no authorization rule"),
                                           g_dbus_method_invocation_get_interface_name (invocation),
                                           g_dbus_method_invocation_get_method_name (invocation));
    if (destroy != NULL)
      destroy (data);
    return;
  }
  if (gate != NULL && rule_changes (rule)) {
    GError *error = NULL;

    if (!gate (gate_data, &error)) {
      cw_invocation_take_error (invocation, error);
      if (destroy != NULL)
        destroy (data);
      return;
    }
  }
  action = rule->action_for != NULL ? rule->action_for (object, g_dbus_method_invocation_get_parameters (invocation))
                                    : rule->action;
  if (action == NULL) {
    dispatch (data, invocation);
    return;
  }
  p = g_new0 (Pending, 1);
  p->dispatch = dispatch;
  p->data = data;
  p->destroy = destroy;
  p->invocation = invocation;
  cw_authority_check_async (invocation, action, authorized, p);
}

/* ---- skeletons ---------------------------------------------------------- */

typedef struct {
  const GDBusInterfaceVTable    *parent;
  GDBusInterfaceSetPropertyFunc  setter;
  GObject                       *skeleton;
} SkeletonCall;

static void
skeleton_call_free (SkeletonCall *call)
{
  g_object_unref (call->skeleton);
  g_free (call);
}

static void
skeleton_dispatch (gpointer data, GDBusMethodInvocation *invocation)
{
  g_autofree SkeletonCall *call = data;
  g_autoptr(GObject) skeleton = call->skeleton;
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);

  if (g_str_equal (g_dbus_method_invocation_get_interface_name (invocation), "org.freedesktop.DBus.Properties")) {
    const gchar *iface = NULL, *property = NULL;
    g_autoptr(GVariant) value = NULL;
    GError *error = NULL;
    guint64 mark = cw_saved_reply_mark ();

    g_variant_get (parameters, "(&s&sv)", &iface, &property, &value);
    if (call->setter != NULL &&
        call->setter (g_dbus_method_invocation_get_connection (invocation),
                      g_dbus_method_invocation_get_sender (invocation),
                      g_dbus_method_invocation_get_object_path (invocation), iface, property, value, &error,
                      skeleton))
      cw_saved_reply (invocation, mark, NULL);
    else if (error != NULL)
      cw_invocation_take_error (invocation, error);
    else
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY,
                                             "%s is not writable", property);
    return;
  }
  call->parent->method_call (g_dbus_method_invocation_get_connection (invocation),
                             g_dbus_method_invocation_get_sender (invocation),
                             g_dbus_method_invocation_get_object_path (invocation),
                             g_dbus_method_invocation_get_interface_name (invocation),
                             g_dbus_method_invocation_get_method_name (invocation), parameters, invocation, skeleton);
}

void
cw_guard_skeleton_call (const CwGuardRule *rules, const GDBusInterfaceVTable *parent,
                        GDBusInterfaceSetPropertyFunc setter, gpointer skeleton, GDBusMethodInvocation *invocation)
{
  SkeletonCall *call;

  g_return_if_fail (rules != NULL);

  call = g_new0 (SkeletonCall, 1);

  call->parent = parent;
  call->setter = setter;
  /* the object stays while polkit thinks */
  call->skeleton = g_object_ref (skeleton);
  cw_guard_call (rules, skeleton, invocation, skeleton_dispatch, call, (GDestroyNotify) skeleton_call_free);
}
