/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-deliverer.h"
#include "cw-store.h"

G_BEGIN_DECLS

/*
 * The delivery settings on the bus: Certificate1.Targets (aa{sv}),
 * ReloadCommands (a(sas)), AccessGroup, Integrations, and the same as the
 * options targets, reload-commands, access-group, integrations of
 * Request, Import, CreateSelfSigned and CreateRequest.
 */

/* Target dictionaries: path (s, absolute), format (s, default fullchain),
 * owner (s), group (s), mode (u; default 0644, 0600 with a key),
 * password-file (s), legacy (b). Unknown keys and wrong types are errors
 * naming the target. */
GPtrArray *cw_targets_from_variant (GVariant *value, GError **error) G_GNUC_WARN_UNUSED_RESULT;
GVariant  *cw_targets_to_variant (GPtrArray *targets);
/* (user, argv): "" for root; argv[0] an absolute path. */
GPtrArray *cw_commands_from_variant (GVariant *value, GError **error) G_GNUC_WARN_UNUSED_RESULT;
GVariant  *cw_commands_to_variant (GPtrArray *commands);

/* The option specs to add to a method's own (cw-options.h). */
#define CW_DELIVERY_OPTION_SPECS \
  { "access-group", "s" }, { "targets", "aa{sv}" }, { "integrations", "as" }, { "reload-commands", "a(sas)" }

/* The delivery @options ask for, on top of @base (NULL: nothing yet), or
 * NULL with *error unset when they ask for nothing. Checked against the
 * system for a certificate called @name (@cert: NULL when it does not
 * exist yet). */
CwDelivery *cw_delivery_from_options (CwDeliverer *deliverer, GVariant *options, const gchar *name,
                                      CwCertificate *cert, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
