/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The ids of certificates and ACME accounts: directory names under the
 * state directory and the last element of their D-Bus object paths, so
 * [A-Za-z0-9_]+ (what an object path element allows, without escaping).
 * DNS providers keep ids that their names can be turned back into
 * (g_dbus_escape_object_path), because they are looked up by name.
 */

/* The id for @name: every other character becomes "_", at most 48 of
 * them, @fallback when nothing is left; made unique with "_2", "_3"…
 * while @taken says the candidate is in use (@taken may be NULL). */
typedef gboolean (*CwIdTakenFunc) (const gchar *id, gpointer user_data);
gchar   *cw_id_from_name (const gchar *name, const gchar *fallback, CwIdTakenFunc taken, gpointer user_data);
/* Whether @id could have been made by cw_id_from_name. */
gboolean cw_id_is_valid (const gchar *id);

G_END_DECLS
