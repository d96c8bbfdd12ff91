/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl cluster status: the nodes, their leases and the last events. */
#include "config.h"

#include "cw-ctl.h"

#include <glib/gi18n.h>

static gchar *
format_time (guint64 when)
{
  g_autoptr(GDateTime) time = when > 0 ? g_date_time_new_from_unix_local ((gint64) when) : NULL;

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S") : g_strdup ("-");
}

static int
status_json (CwCtl *ctl, GVariant *nodes, GVariant *leases, guint64 last_event)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  GVariantIter iter;
  const gchar *name, *holder;
  guint64 seen, started, applied, unused, expires;
  gboolean live;
  guint held;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "node");
  json_builder_add_string_value (b, cw_dbus_manager1_get_cluster_node (ctl->manager));
  json_builder_set_member_name (b, "available");
  json_builder_add_boolean_value (b, cw_dbus_manager1_get_cluster_available (ctl->manager));
  json_builder_set_member_name (b, "last-event");
  json_builder_add_int_value (b, (gint64) last_event);
  json_builder_set_member_name (b, "nodes");
  json_builder_begin_array (b);
  g_variant_iter_init (&iter, nodes);
  while (g_variant_iter_next (&iter, "(&sttttbu)", &name, &seen, &started, &applied, &unused, &live, &held)) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, name);
    json_builder_set_member_name (b, "seen");
    json_builder_add_int_value (b, (gint64) seen);
    json_builder_set_member_name (b, "started");
    json_builder_add_int_value (b, (gint64) started);
    json_builder_set_member_name (b, "last-event");
    json_builder_add_int_value (b, (gint64) applied);
    json_builder_set_member_name (b, "live");
    json_builder_add_boolean_value (b, live);
    json_builder_set_member_name (b, "leases");
    json_builder_add_int_value (b, held);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "leases");
  json_builder_begin_array (b);
  g_variant_iter_init (&iter, leases);
  while (g_variant_iter_next (&iter, "(&s&stb)", &name, &holder, &expires, &live)) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, name);
    json_builder_set_member_name (b, "holder");
    json_builder_add_string_value (b, holder);
    json_builder_set_member_name (b, "expires");
    json_builder_add_int_value (b, (gint64) expires);
    json_builder_set_member_name (b, "live");
    json_builder_add_boolean_value (b, live);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  cw_ctl_print_json (root);
  return 0;
}

int
cw_ctl_cluster (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(GVariant) nodes = NULL, leases = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCtlFields) fields = NULL;
  GVariantIter iter;
  const gchar *name, *holder;
  guint64 last_event = 0, seen, started, applied, unused, expires;
  gboolean live;
  guint held;

  if (!cw_ctl_parse ("cluster", "status",
                     _("The nodes sharing certificates through the cluster database: when each was last seen, "
                       "the leases they hold and the last event each applied."),
                     NULL, &argc, &argv))
    return 1;
  if (argc < 2 || !g_str_equal (argv[1], "status"))
    return cw_ctl_fail_message (_("cluster needs status"));
  if (!cw_dbus_manager1_call_get_cluster_status_sync (ctl->manager, &nodes, &leases, &last_event, NULL, &error))
    return cw_ctl_fail (error);
  if (ctl->json)
    return status_json (ctl, nodes, leases, last_event);

  fields = cw_ctl_fields_new ();
  cw_ctl_fields_add (fields, _("This node"), "%s", cw_dbus_manager1_get_cluster_node (ctl->manager));
  cw_ctl_fields_add (fields, _("Database"), "%s", cw_dbus_manager1_get_cluster_available (ctl->manager)
                                                      ? _("connected") : _("unreachable (read-only)"));
  cw_ctl_fields_add (fields, _("Last event"), "%" G_GUINT64_FORMAT, last_event);
  cw_ctl_fields_print (fields);

  g_print ("\n%s\n", _("Nodes:"));
  g_variant_iter_init (&iter, nodes);
  while (g_variant_iter_next (&iter, "(&sttttbu)", &name, &seen, &started, &applied, &unused, &live, &held)) {
    g_autofree gchar *when = format_time (seen);
    g_autofree gchar *event = g_strdup_printf ("%" G_GUINT64_FORMAT, applied);

    /* TRANSLATORS: a node's line: name, state, when last seen, last event applied, leases held */
    g_print (_("  %s  %s  seen %s  event %s  leases %u\n"), name, live ? _("live") : _("silent"), when, event, held);
  }
  g_print ("\n%s\n", _("Leases:"));
  g_variant_iter_init (&iter, leases);
  while (g_variant_iter_next (&iter, "(&s&stb)", &name, &holder, &expires, &live)) {
    g_autofree gchar *when = format_time (expires);

    /* TRANSLATORS: a lease's line: what, who holds it, until when */
    g_print (_("  %s  %s  until %s%s\n"), name, holder, when, live ? "" : _(" (expired)"));
  }
  return 0;
}
