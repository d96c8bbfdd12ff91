/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* base64url without padding (RFC 4648 §5, RFC 7515 §2), on GLib's base64. */
#include "config.h"

#include "cw-base64url.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

gchar *
cw_base64url_encode (const guint8 *data, gsize len)
{
  gchar *text = g_base64_encode (data, len);
  gsize n = strlen (text);

  for (gsize i = 0; i < n; i++) {
    if (text[i] == '+')
      text[i] = '-';
    else if (text[i] == '/')
      text[i] = '_';
  }
  while (n > 0 && text[n - 1] == '=')
    text[--n] = '\0';
  return text;
}

guint8 *
cw_base64url_decode (const gchar *text, gsize *len, GError **error)
{
  g_autoptr(GString) b64 = g_string_new (NULL);
  gsize n;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = strlen (text);

  /* padding is not base64url's, but keys are often pasted with it */
  while (n > 0 && text[n - 1] == '=')
    n--;
  for (gsize i = 0; i < n; i++) {
    gchar c = text[i];

    if (c == '-')
      g_string_append_c (b64, '+');
    else if (c == '_')
      g_string_append_c (b64, '/');
    else if (g_ascii_isalnum (c))
      g_string_append_c (b64, c);
    else {
      /* never the text itself: it may be a secret (an EAB key) */
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("not base64url: character %u is not a letter, digit, “-” or “_”"), (guint) (i + 1));
      return NULL;
    }
  }
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  return g_base64_decode (b64->str, len);
}
