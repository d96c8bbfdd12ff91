/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lists of object paths for the objects of one kind (see cw-object-paths.h). */
#include "config.h"

#include "cw-object-paths.h"

gchar **
cw_object_paths (GPtrArray *objects, CwObjectIdFunc get_id, CwObjectPathFunc path_of)
{
  GPtrArray *paths = g_ptr_array_new_full (objects->len + 1, g_free);

  for (guint i = 0; i < objects->len; i++)
    g_ptr_array_add (paths, path_of (get_id (g_ptr_array_index (objects, i))));
  g_ptr_array_add (paths, NULL);
  return (gchar **) g_ptr_array_free (paths, FALSE);
}
