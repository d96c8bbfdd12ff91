/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ids of certificates and accounts, made from names (see cw-id.h). */
#include "config.h"

#include "cw-id.h"

#define MAX_BASE 48

gchar *
cw_id_from_name (const gchar *name, const gchar *fallback, CwIdTakenFunc taken, gpointer user_data)
{
  g_autoptr(GString) base = g_string_new (NULL);
  gchar *id;

  for (const gchar *p = name; p != NULL && *p != '\0' && base->len < MAX_BASE; p++)
    g_string_append_c (base, g_ascii_isalnum (*p) ? *p : '_');
  if (base->len == 0)
    g_string_append (base, fallback);
  id = g_strdup (base->str);
  for (guint n = 2; taken != NULL && taken (id, user_data) && n < 10000; n++) {
    g_free (id);
    id = g_strdup_printf ("%s_%u", base->str, n);
  }
  return id;
}

gboolean
cw_id_is_valid (const gchar *id)
{
  if (id == NULL || *id == '\0')
    return FALSE;
  for (const gchar *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}
