/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CW_TYPE_CONFIG (cw_config_get_type ())
G_DECLARE_FINAL_TYPE (CwConfig, cw_config, CW, CONFIG, GObject)

/**
 * CwConfig:
 *
 * The daemon's configuration file (GKeyFile). Every key is declared in one
 * table in cw-config.c with its type, range and default; loading checks the
 * whole file against it, so a bad value fails the start with the file, group
 * and key named, and an unknown key is reported (it may be a typo).
 */

/* Defaults only, as when no file exists. */
CwConfig    *cw_config_new (void) G_GNUC_WARN_UNUSED_RESULT;
/* Loads @path; a missing file is an error only when @must_exist. Unknown
 * groups and keys are returned in @warnings (may be NULL). */
CwConfig    *cw_config_load (const gchar *path, gboolean must_exist, GPtrArray *warnings,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *cw_config_get_path (CwConfig *self);
gint64       cw_config_get_int (CwConfig *self, const gchar *group, const gchar *key);
/* Strings, paths, URLs and enums; never NULL (may be ""). */
const gchar *cw_config_get_string (CwConfig *self, const gchar *group, const gchar *key);
/* Lists; never NULL. */
const gchar * const *cw_config_get_strv (CwConfig *self, const gchar *group, const gchar *key);

/* Changes a value at run time (a writable D-Bus property), checked like the
 * file; not written back, and kept over a reload. */
gboolean     cw_config_set_int (CwConfig *self, const gchar *group, const gchar *key,
                                gint64 value, GError **error);

/* Reads the file again (SIGHUP). The whole file is checked first: on an
 * error nothing changes. Otherwise the new values replace the old ones
 * (strings stay valid until the object is finalized, so a worker thread
 * holding one is safe) and ::changed is emitted with the keys that changed,
 * as "[group] key"; they are also returned (empty: nothing changed). */
GStrv        cw_config_reload (CwConfig *self, GPtrArray *warnings, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Whether @changed (from ::changed) names [@group] @key. */
gboolean     cw_config_changed_has (const gchar * const *changed, const gchar *group, const gchar *key);

G_END_DECLS
