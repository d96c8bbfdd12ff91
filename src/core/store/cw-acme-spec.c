/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How an ACME certificate is obtained (CwAcmeSpec), kept in its settings. */
#include "config.h"

#include "cw-acme-spec.h"
#include "cw-error.h"
#include "cw-http01.h"

#include <glib/gi18n.h>
#include <string.h>

CwAcmeSpec *
cw_acme_spec_new (void)
{
  CwAcmeSpec *spec = g_new0 (CwAcmeSpec, 1);

  spec->challenge = g_strdup ("http-01");
  return spec;
}

CwAcmeSpec *
cw_acme_spec_copy (const CwAcmeSpec *spec)
{
  CwAcmeSpec *copy = g_new0 (CwAcmeSpec, 1);

  copy->directory = g_strdup (spec->directory);
  copy->account = g_strdup (spec->account);
  copy->challenge = g_strdup (spec->challenge);
  copy->provider = g_strdup (spec->provider);
  copy->http01_mode = g_strdup (spec->http01_mode);
  copy->webroot = g_strdup (spec->webroot);
  copy->profile = g_strdup (spec->profile);
  copy->preferred_chain = g_strdup (spec->preferred_chain);
  copy->reuse_key = spec->reuse_key;
  return copy;
}

void
cw_acme_spec_free (CwAcmeSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->directory);
  g_free (spec->account);
  g_free (spec->challenge);
  g_free (spec->provider);
  g_free (spec->http01_mode);
  g_free (spec->webroot);
  g_free (spec->profile);
  g_free (spec->preferred_chain);
  g_free (spec);
}

gboolean
cw_acme_directory_validate (const gchar *url, GError **error)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 || g_uri_get_host (uri) == NULL ||
      *g_uri_get_host (uri) == '\0') {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("the ACME directory must be an https:// URL, not “%s”"), url != NULL ? url : "");
    return FALSE;
  }
  return TRUE;
}

gboolean
cw_acme_spec_validate (const CwAcmeSpec *spec, GError **error)
{
  CwHttp01Mode mode;

  if (spec->directory != NULL && !cw_acme_directory_validate (spec->directory, error))
    return FALSE;
  if (g_strcmp0 (spec->challenge, "http-01") != 0 && g_strcmp0 (spec->challenge, "dns-01") != 0 &&
      g_strcmp0 (spec->challenge, "tls-alpn-01") != 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("unknown challenge type “%s”: use http-01, dns-01 or tls-alpn-01"), spec->challenge);
    return FALSE;
  }
  if (spec->http01_mode != NULL && !cw_http01_mode_from_string (spec->http01_mode, &mode, error))
    return FALSE;
  if (spec->webroot != NULL && !g_path_is_absolute (spec->webroot)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("webroot must be an absolute path, not “%s”"), spec->webroot);
    return FALSE;
  }
  if (spec->profile != NULL && (*spec->profile == '\0' || strlen (spec->profile) > 64)) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("profile must be a name of 1 to 64 characters"));
    return FALSE;
  }
  if (spec->preferred_chain != NULL && (*spec->preferred_chain == '\0' || strlen (spec->preferred_chain) > 256)) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("preferred-chain must be an issuer name of 1 to 256 characters"));
    return FALSE;
  }
  return TRUE;
}

#define SET_OPT(file, group, key, value) \
  G_STMT_START { if ((value) != NULL) g_key_file_set_string (file, group, key, value); } G_STMT_END

void
cw_acme_spec_save (const CwAcmeSpec *spec, GKeyFile *file, const gchar *group)
{
  SET_OPT (file, group, "directory", spec->directory);
  SET_OPT (file, group, "account", spec->account);
  SET_OPT (file, group, "challenge", spec->challenge);
  SET_OPT (file, group, "provider", spec->provider);
  SET_OPT (file, group, "http-01-mode", spec->http01_mode);
  SET_OPT (file, group, "webroot", spec->webroot);
  SET_OPT (file, group, "profile", spec->profile);
  SET_OPT (file, group, "preferred-chain", spec->preferred_chain);
  g_key_file_set_boolean (file, group, "reuse-key", spec->reuse_key);
}

CwAcmeSpec *
cw_acme_spec_load (GKeyFile *file, const gchar *group)
{
  CwAcmeSpec *spec;

  if (!g_key_file_has_group (file, group))
    return NULL;
  spec = g_new0 (CwAcmeSpec, 1);
  spec->directory = g_key_file_get_string (file, group, "directory", NULL);
  spec->account = g_key_file_get_string (file, group, "account", NULL);
  spec->challenge = g_key_file_get_string (file, group, "challenge", NULL);
  if (spec->challenge == NULL)
    spec->challenge = g_strdup ("http-01");
  spec->provider = g_key_file_get_string (file, group, "provider", NULL);
  spec->http01_mode = g_key_file_get_string (file, group, "http-01-mode", NULL);
  spec->webroot = g_key_file_get_string (file, group, "webroot", NULL);
  spec->profile = g_key_file_get_string (file, group, "profile", NULL);
  spec->preferred_chain = g_key_file_get_string (file, group, "preferred-chain", NULL);
  spec->reuse_key = g_key_file_get_boolean (file, group, "reuse-key", NULL);
  return spec;
}
