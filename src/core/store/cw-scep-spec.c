/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SCEP settings of a certificate: checked, saved and loaded. */
#include "config.h"

#include "cw-scep-spec.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

CwScepSpec *
cw_scep_spec_new (void)
{
  CwScepSpec *spec = g_new0 (CwScepSpec, 1);

  spec->poll_interval = CW_SCEP_POLL_DEFAULT;
  return spec;
}

CwScepSpec *
cw_scep_spec_copy (const CwScepSpec *spec)
{
  CwScepSpec *copy;

  if (spec == NULL)
    return NULL;
  copy = g_memdup2 (spec, sizeof *spec);
  copy->url = g_strdup (spec->url);
  copy->ca_identifier = g_strdup (spec->ca_identifier);
  return copy;
}

void
cw_scep_spec_free (CwScepSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->url);
  g_free (spec->ca_identifier);
  g_free (spec);
}

gboolean
cw_scep_spec_validate (const CwScepSpec *spec, GError **error)
{
  g_autoptr(GUri) uri = spec->url != NULL ? g_uri_parse (spec->url, G_URI_FLAGS_NONE, NULL) : NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_fragment (uri) != NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("scep-url must be the http or https URL of the SCEP endpoint, such as "
                   "http://ca.example.com/ejbca/publicweb/apply/scep/pkiclient.exe (got “%s”)"),
                 spec->url != NULL ? spec->url : "");
    return FALSE;
  }
  if (spec->poll_interval < CW_SCEP_POLL_MIN || spec->poll_interval > CW_SCEP_POLL_MAX) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("poll-interval must be %u to %u seconds, not %u"),
                 CW_SCEP_POLL_MIN, CW_SCEP_POLL_MAX, spec->poll_interval);
    return FALSE;
  }
  if (spec->ca_identifier != NULL &&
      (*spec->ca_identifier == '\0' || strlen (spec->ca_identifier) > 256 ||
       !g_utf8_validate (spec->ca_identifier, -1, NULL))) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("ca-identifier must be text of 1 to 256 characters"));
    return FALSE;
  }
  return TRUE;
}

void
cw_scep_spec_save (const CwScepSpec *spec, GKeyFile *file, const gchar *group)
{
  g_key_file_set_string (file, group, "url", spec->url != NULL ? spec->url : "");
  if (spec->ca_identifier != NULL)
    g_key_file_set_string (file, group, "ca-identifier", spec->ca_identifier);
  g_key_file_set_uint64 (file, group, "poll-interval", spec->poll_interval);
}

CwScepSpec *
cw_scep_spec_load (GKeyFile *file, const gchar *group)
{
  CwScepSpec *spec;
  guint64 interval;

  if (!g_key_file_has_group (file, group))
    return NULL;
  spec = cw_scep_spec_new ();
  spec->url = g_key_file_get_string (file, group, "url", NULL);
  spec->ca_identifier = g_key_file_get_string (file, group, "ca-identifier", NULL);
  interval = g_key_file_get_uint64 (file, group, "poll-interval", NULL);
  /* a hand-edited value out of range: the default, not a refusal to load */
  if (interval >= CW_SCEP_POLL_MIN && interval <= CW_SCEP_POLL_MAX)
    spec->poll_interval = (guint) interval;
  return spec;
}
