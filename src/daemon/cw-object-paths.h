/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef const gchar *(*CwObjectIdFunc)   (gpointer object);
typedef gchar       *(*CwObjectPathFunc) (const gchar *id);

/* The object paths of @objects, in order and NULL-terminated: each one's
 * id (@get_id, e.g. cw_certificate_get_id) made a path by @path_of (e.g.
 * cw_certificate_object_path). For the ao replies and signals. */
gchar **cw_object_paths (GPtrArray *objects, CwObjectIdFunc get_id, CwObjectPathFunc path_of) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
