/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Identities: DNS names (IDNA), wildcards and IP addresses, normalised for comparison. */
#include "config.h"

#include "cw-names.h"
#include "cw-error.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

gboolean
cw_identity_is_ip (const gchar *identity)
{
  return identity != NULL && g_hostname_is_ip_address (identity);
}

static gchar *
canonical_ip (const gchar *text)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);

  return address != NULL ? g_inet_address_to_string (address) : NULL;
}

const gchar *
cw_identity_wildcard_base (const gchar *identity)
{
  return g_str_has_prefix (identity, "*.") ? identity + 2 : NULL;
}

const gchar *
cw_identity_parent (const gchar *identity)
{
  const gchar *dot = strchr (identity, '.');

  return dot != NULL && dot[1] != '\0' ? dot + 1 : NULL;
}

static gchar *
to_ascii_lower (const gchar *name)
{
  g_autofree gchar *ascii = g_hostname_to_ascii (name);

  return ascii != NULL ? g_ascii_strdown (ascii, -1) : NULL;
}

gchar *
cw_identity_normalize (const gchar *text)
{
  g_autofree gchar *trimmed = g_strdup (text);
  gsize len = strlen (trimmed);
  gchar *ip, *ascii;

  if (len > 1 && trimmed[len - 1] == '.')
    trimmed[len - 1] = '\0';
  if (cw_identity_is_ip (trimmed) && (ip = canonical_ip (trimmed)) != NULL)
    return ip;
  if (g_str_has_prefix (trimmed, "*.")) {
    g_autofree gchar *rest = to_ascii_lower (trimmed + 2);

    if (rest != NULL)
      return g_strconcat ("*.", rest, NULL);
  } else if ((ascii = to_ascii_lower (trimmed)) != NULL) {
    return ascii;
  }
  return g_utf8_strdown (trimmed, -1);
}

static gboolean
label_ok (const gchar *label, gsize len)
{
  if (len == 0 || len > 63 || label[0] == '-' || label[len - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (label[i]) && label[i] != '-')
      return FALSE;
  return TRUE;
}

gboolean
cw_identities_check_count (const gchar * const *identities, GError **error)
{
  guint n = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  while (identities != NULL && identities[n] != NULL && n <= CW_MAX_IDENTITIES)
    n++;
  if (n > CW_MAX_IDENTITIES) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("a certificate can name at most %u identities (%u given); split them over several certificates"),
                 CW_MAX_IDENTITIES, g_strv_length ((gchar **) identities));
    return FALSE;
  }
  return TRUE;
}

gchar *
cw_identity_parse (const gchar *text, gboolean allow_wildcard, GError **error)
{
  g_autofree gchar *name = NULL;
  const gchar *host;
  gboolean wildcard;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL || *text == '\0') {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("an identity is empty"));
    return NULL;
  }
  if (cw_identity_is_ip (text))
    return canonical_ip (text);

  wildcard = g_str_has_prefix (text, "*.");
  if (wildcard && !allow_wildcard) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s”: a wildcard is not allowed here"), text);
    return NULL;
  }
  if (strchr (wildcard ? text + 2 : text, '*') != NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("“%s”: a wildcard must be the whole leftmost label, as in *.example.com"), text);
    return NULL;
  }
  name = cw_identity_normalize (text);
  host = wildcard ? name + 2 : name;
  if (!g_str_is_ascii (host) || strlen (host) > 253) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not a valid DNS name"), text);
    return NULL;
  }
  for (const gchar *label = host;;) {
    const gchar *dot = strchr (label, '.');
    gsize len = dot != NULL ? (gsize) (dot - label) : strlen (label);

    if (!label_ok (label, len)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid DNS name (labels are 1–63 letters, digits or hyphens)"), text);
      return NULL;
    }
    if (dot == NULL)
      break;
    label = dot + 1;
  }
  if (wildcard && strchr (host, '.') == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("“%s”: a wildcard needs at least two labels after it"), text);
    return NULL;
  }
  return g_steal_pointer (&name);
}
