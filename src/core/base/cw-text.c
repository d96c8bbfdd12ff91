/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Outside bytes made into valid UTF-8 text, and the D-Bus boundary's check
 * that they were (see cw-text.h). */
#include "cw-text.h"

#include <string.h>

static gboolean
is_control (gunichar c)
{
  return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
}

static gchar *
escape (const gchar *data, gssize len, gboolean rfc4514)
{
  GString *out;
  const gchar *p, *end;

  if (data == NULL)
    return g_strdup ("");
  if (len < 0)
    len = (gssize) strlen (data);
  end = data + len;
  out = g_string_sized_new ((gsize) len);
  for (p = data; p < end;) {
    gunichar c = g_utf8_get_char_validated (p, end - p);

    if (c == (gunichar) -1 || c == (gunichar) -2 || c == 0 || is_control (c)) {
      g_string_append_printf (out, rfc4514 ? "\\%02X" : "\\x%02X", (guchar) *p);
      p++;
      continue;
    }
    g_string_append_len (out, p, g_utf8_next_char (p) - p);
    p = g_utf8_next_char (p);
  }
  return g_string_free (out, FALSE);
}

gchar *
cw_text_escape (const gchar *data, gssize len)
{
  return escape (data, len, FALSE);
}

gchar *
cw_text_escape_dn (const gchar *data, gssize len)
{
  return escape (data, len, TRUE);
}

gboolean
cw_text_is_clean (const gchar *data, gssize len)
{
  const gchar *end;

  if (!g_utf8_validate (data, len, &end))
    return FALSE;
  for (const gchar *p = data; p < end; p++)
    if (is_control ((guchar) *p))
      return FALSE;
  return TRUE;
}

gboolean
cw_text_is_valid (const gchar *text)
{
  return text == NULL || g_utf8_validate (text, -1, NULL);
}

static gchar *
checked (const gchar *text)
{
  gchar *fixed;

  if (cw_text_is_valid (text))
    return NULL;
  fixed = cw_text_escape (text, -1);
  g_critical ("text bound for D-Bus is not valid UTF-8: %s", fixed);
  return fixed;
}

GVariant *
cw_text_variant (const gchar *text)
{
  g_autofree gchar *fixed = checked (text);

  return g_variant_new_string (fixed != NULL ? fixed : text != NULL ? text : "");
}

GVariant *
cw_text_variant_strv (const gchar * const *strv)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_STRING_ARRAY);

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    g_variant_builder_add_value (&b, cw_text_variant (strv[i]));
  return g_variant_builder_end (&b);
}
