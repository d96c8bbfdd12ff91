/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-provider-manager.h"
#include "cw-dbus-generated.h"

G_BEGIN_DECLS

#define CW_TYPE_PROVIDER_SERVICE (cw_provider_service_get_type ())
G_DECLARE_FINAL_TYPE (CwProviderService, cw_provider_service, CW, PROVIDER_SERVICE, CwDBusProvider1Skeleton)

/**
 * CwProviderService:
 *
 * org.certward.Provider1 for one DNS provider: its name, type and
 * non-secret settings as properties (secrets only as the names of those
 * set), Update, Remove and Test as methods.
 */
CwProviderService *cw_provider_service_new (CwProviderManager *manager, CwProvider *provider) G_GNUC_WARN_UNUSED_RESULT;

/* D-Bus object path for a provider id, and back (NULL when @path is not a
 * provider's). */
gchar      *cw_provider_object_path (const gchar *id) G_GNUC_WARN_UNUSED_RESULT;
CwProvider *cw_provider_from_path (CwProviderManager *manager, const gchar *path);
/* a{ss} → a new hash table of strings */
GHashTable *cw_provider_settings_from_variant (GVariant *settings) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
