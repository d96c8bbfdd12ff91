/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Delivery settings between D-Bus values and CwDelivery (see
 * cw-delivery-options.h). */
#include "config.h"

#include "cw-delivery-options.h"
#include "cw-error.h"
#include "cw-options.h"
#include "cw-text.h"

#include <glib/gi18n.h>

static const CwOptionSpec target_specs[] = {
  { "path", "s" }, { "format", "s" }, { "owner", "s" }, { "group", "s" }, { "mode", "u" },
  { "password-file", "s" }, { "legacy", "b" }, { NULL, NULL },
};

GPtrArray *
cw_targets_from_variant (GVariant *value, GError **error)
{
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_target_free);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (gsize i = 0; i < g_variant_n_children (value); i++) {
    g_autoptr(GVariant) dict = g_variant_get_child_value (value, i);
    const gchar *path = cw_options_get_string (dict, "path", NULL);
    const gchar *format_name = cw_options_get_string (dict, "format", "fullchain");
    CwTargetFormat format;
    CwTarget *target;
    guint mode;

    if (!cw_options_check (dict, target_specs, error)) {
      g_prefix_error (error, _("target %u: "), (guint) i + 1);
      return NULL;
    }
    if (path == NULL || !g_path_is_absolute (path)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("target %u: give its absolute path"), (guint) i + 1);
      return NULL;
    }
    if (!cw_target_format_from_string (format_name, &format)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("target %s: unknown format “%s” (fullchain, cert, chain, key, combined, pkcs12, der, "
                     "trust-bundle)"), path, format_name);
      return NULL;
    }
    target = cw_target_new (path, format);
    g_ptr_array_add (targets, target);
    g_free (target->owner);
    target->owner = g_strdup (cw_options_get_string (dict, "owner", ""));
    g_free (target->group);
    target->group = g_strdup (cw_options_get_string (dict, "group", ""));
    g_free (target->password_file);
    target->password_file = g_strdup (cw_options_get_string (dict, "password-file", ""));
    target->legacy = cw_options_get_bool (dict, "legacy", FALSE);
    if (g_variant_lookup (dict, "mode", "u", &mode))
      target->mode = mode;
  }
  return g_steal_pointer (&targets);
}

GVariant *
cw_targets_to_variant (GPtrArray *targets)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

  for (guint i = 0; i < targets->len; i++) {
    const CwTarget *t = g_ptr_array_index (targets, i);
    g_auto(GVariantBuilder) d = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

    g_variant_builder_add (&d, "{sv}", "path", cw_text_variant (t->path));
    g_variant_builder_add (&d, "{sv}", "format", g_variant_new_string (cw_target_format_to_string (t->format)));
    g_variant_builder_add (&d, "{sv}", "owner", cw_text_variant (t->owner));
    g_variant_builder_add (&d, "{sv}", "group", cw_text_variant (t->group));
    g_variant_builder_add (&d, "{sv}", "mode", g_variant_new_uint32 (t->mode));
    if (t->format == CW_TARGET_PKCS12) {
      g_variant_builder_add (&d, "{sv}", "password-file", cw_text_variant (t->password_file));
      g_variant_builder_add (&d, "{sv}", "legacy", g_variant_new_boolean (t->legacy));
    }
    g_variant_builder_add_value (&b, g_variant_builder_end (&d));
  }
  return g_variant_builder_end (&b);
}

GPtrArray *
cw_commands_from_variant (GVariant *value, GError **error)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_command_free);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (gsize i = 0; i < g_variant_n_children (value); i++) {
    const gchar *user = NULL;
    g_autofree const gchar **argv = NULL;

    g_variant_get_child (value, i, "(&s^a&s)", &user, &argv);
    if (argv[0] == NULL || !g_path_is_absolute (argv[0])) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("reload command %u: it must start with the absolute path of a program"), (guint) i + 1);
      return NULL;
    }
    g_ptr_array_add (commands, cw_command_new (user, argv));
  }
  return g_steal_pointer (&commands);
}

GVariant *
cw_commands_to_variant (GPtrArray *commands)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(sas)"));

  for (guint i = 0; i < commands->len; i++) {
    const CwCommand *c = g_ptr_array_index (commands, i);

    g_variant_builder_add (&b, "(@s@as)", cw_text_variant (c->user),
                           cw_text_variant_strv ((const gchar * const *) c->argv));
  }
  return g_variant_builder_end (&b);
}

CwDelivery *
cw_delivery_from_options (CwDeliverer *deliverer, GVariant *options, const gchar *name, CwCertificate *cert,
                          GError **error)
{
  g_autoptr(CwDelivery) delivery = cert != NULL ? cw_delivery_copy (cw_certificate_get_delivery (cert))
                                                : cw_delivery_new ();
  g_autoptr(GVariant) targets = g_variant_lookup_value (options, "targets", G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GVariant) commands = g_variant_lookup_value (options, "reload-commands", G_VARIANT_TYPE ("a(sas)"));
  g_auto(GStrv) integrations = cw_options_dup_strv (options, "integrations");
  const gchar *group = cw_options_get_string (options, "access-group", NULL);

  g_return_val_if_fail (CW_IS_DELIVERER (deliverer), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (targets == NULL && commands == NULL && integrations == NULL && group == NULL)
    return NULL;
  if (group != NULL) {
    g_free (delivery->access_group);
    delivery->access_group = g_strdup (group);
  }
  if (integrations != NULL) {
    g_strfreev (delivery->integrations);
    delivery->integrations = g_steal_pointer (&integrations);
  }
  if (targets != NULL) {
    GPtrArray *list = cw_targets_from_variant (targets, error);

    if (list == NULL)
      return NULL;
    g_ptr_array_unref (delivery->targets);
    delivery->targets = list;
  }
  if (commands != NULL) {
    GPtrArray *list = cw_commands_from_variant (commands, error);

    if (list == NULL)
      return NULL;
    g_ptr_array_unref (delivery->commands);
    delivery->commands = list;
  }
  if (!cw_deliverer_check (deliverer, name, cert, delivery, error))
    return NULL;
  return g_steal_pointer (&delivery);
}
