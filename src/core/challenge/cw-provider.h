/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-provider-type.h"

G_BEGIN_DECLS

#define CW_TYPE_PROVIDER (cw_provider_get_type ())
G_DECLARE_FINAL_TYPE (CwProvider, cw_provider, CW, PROVIDER, GObject)

/**
 * CwProvider:
 *
 * One configured DNS provider: a plugin type with its settings (secrets
 * included; they stay in this object and in its 0600 file). Calls into the
 * plugin are queued so that one instance never runs two at once, and
 * their errors name the provider.
 */
CwProvider  *cw_provider_new (const gchar *id, const gchar *name, const CwProviderType *type, GHashTable *settings,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *cw_provider_get_id (CwProvider *self);
const gchar *cw_provider_get_name (CwProvider *self);
const CwProviderType *cw_provider_get_provider_type (CwProvider *self);
/* key → value, secrets included: only for saving and for the plugin */
GHashTable  *cw_provider_get_settings (CwProvider *self);
/* The non-secret settings, and the names of the secret fields that have a
 * value (sorted). */
GHashTable  *cw_provider_dup_public_settings (CwProvider *self) G_GNUC_WARN_UNUSED_RESULT;
GStrv        cw_provider_dup_secrets_set (CwProvider *self) G_GNUC_WARN_UNUSED_RESULT;

/* Merges @changes into the settings (an empty value clears a field) and
 * makes a new plugin instance with them; nothing changes on failure.
 * Calls already queued finish with the old instance. */
gboolean     cw_provider_update (CwProvider *self, GHashTable *changes, GError **error);

void         cw_provider_present_async (CwProvider *self, const CwProviderRecord *record, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean     cw_provider_present_finish (CwProvider *self, GAsyncResult *result, GError **error);
void         cw_provider_cleanup_async (CwProvider *self, const CwProviderRecord *record, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean     cw_provider_cleanup_finish (CwProvider *self, GAsyncResult *result, GError **error);

G_END_DECLS
