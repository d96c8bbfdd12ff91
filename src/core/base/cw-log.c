/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's log writer: no byte that is not text reaches the journal. */
#include "cw-log.h"
#include "cw-text.h"

#include <string.h>

GLogWriterOutput
cw_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  g_autofree GLogField *copy = NULL;
  g_autoptr(GPtrArray) texts = NULL;

  for (gsize i = 0; i < n_fields; i++) {
    const gchar *value = fields[i].value;
    gssize len = fields[i].length;

    /* binary fields (length ≥ 0 and not meant as text) are the caller's
     * business; GLib's own and ours are NUL-terminated strings */
    if (len >= 0 || value == NULL || cw_text_is_clean (value, -1))
      continue;
    if (copy == NULL) {
      copy = g_memdup2 (fields, n_fields * sizeof *fields);
      texts = g_ptr_array_new_with_free_func (g_free);
    }
    copy[i].value = cw_text_escape (value, -1);
    g_ptr_array_add (texts, (gpointer) copy[i].value);
  }
  return g_log_writer_default (level, copy != NULL ? copy : fields, n_fields, user_data);
}
