/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "certward-provider.h"

G_BEGIN_DECLS

/**
 * CwProviderType:
 *
 * A DNS provider plugin (certward-provider.h) loaded with GModule and
 * checked: the ABI version it was built for, a usable type name, a field
 * schema. Loaded plugins stay resident for the life of the agent.
 */
typedef struct {
  const CwProviderPlugin *plugin;
  gchar                  *path;
} CwProviderType;

/* Loads the plugin at @path; fails, saying what is wrong with it, for a
 * file that is no plugin or one built for another ABI version. */
CwProviderType *cw_provider_type_load (const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void            cw_provider_type_free (CwProviderType *type);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwProviderType, cw_provider_type_free)

/* Loads every "*.so" in each directory into @types (type name →
 * CwProviderType); the first of a name wins. A plugin that cannot be used
 * is skipped with a warning naming the file and why; a missing directory
 * is not an error. */
void            cw_provider_types_load_dir (GHashTable *types, const gchar *dir);

const CwProviderField *cw_provider_type_find_field (const CwProviderType *type, const gchar *key);

/* Checks @settings against the type's schema: every key known, every
 * required field set and non-empty. */
gboolean        cw_provider_type_check_settings (const CwProviderType *type, GHashTable *settings, GError **error);

G_END_DECLS
