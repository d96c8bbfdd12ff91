/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manager1.Request with protocol "scep": its option table and what it
 * means (docs/scep.md has the table for administrators). */
#include "config.h"

#include "cw-scep-request.h"
#include "cw-error.h"
#include "cw-options.h"

#include <glib/gi18n.h>
#include <string.h>

static const CwOptionSpec scep_specs[] = {
  { "protocol", "s" }, { "scep-url", "s" }, { "challenge-password", "s" }, { "ca-identifier", "s" },
  { "key-type", "s" }, { "poll-interval", "u" },
  /* the subject, as CreateRequest takes it */
  { "common-name", "s" }, { "organization", "s" }, { "organizational-unit", "s" }, { "country", "s" },
  { "state", "s" }, { "locality", "s" }, { "email", "s" },
  { "roles", "as" }, { "tenant", "s" }, { "reload-units", "as" }, { "deploy-hooks", "as" },
  { NULL, NULL },
};

gboolean
cw_scep_request_options (GVariant *options, const gchar * const *identities, CwIssueSpec **spec_out,
                         CwScepSpec **scep_out, gchar **challenge, GError **error)
{
  g_autoptr(CwIssueSpec) spec = cw_issue_spec_new ();
  g_autoptr(CwScepSpec) scep = cw_scep_spec_new ();
  const gchar *key_type = cw_options_get_string (options, "key-type", "rsa-2048");

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!cw_options_check (options, scep_specs, error))
    return FALSE;
  if (cw_options_get_string (options, "scep-url", NULL) == NULL) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("a SCEP request needs scep-url, the URL of the CA's SCEP endpoint"));
    return FALSE;
  }
  if (!cw_key_type_from_string (key_type, &spec->key_type, error))
    return FALSE;
  spec->common_name = g_strdup (cw_options_get_string (options, "common-name", NULL));
  spec->organization = g_strdup (cw_options_get_string (options, "organization", NULL));
  spec->organizational_unit = g_strdup (cw_options_get_string (options, "organizational-unit", NULL));
  spec->country = g_strdup (cw_options_get_string (options, "country", NULL));
  spec->state = g_strdup (cw_options_get_string (options, "state", NULL));
  spec->locality = g_strdup (cw_options_get_string (options, "locality", NULL));
  spec->email = g_strdup (cw_options_get_string (options, "email", NULL));
  if (identities != NULL && identities[0] != NULL)
    spec->identities = g_strdupv ((gchar **) identities);
  scep->url = g_strdup (cw_options_get_string (options, "scep-url", NULL));
  scep->ca_identifier = g_strdup (cw_options_get_string (options, "ca-identifier", NULL));
  g_variant_lookup (options, "poll-interval", "u", &scep->poll_interval);
  *challenge = g_strdup (cw_options_get_string (options, "challenge-password", NULL));
  *spec_out = g_steal_pointer (&spec);
  *scep_out = g_steal_pointer (&scep);
  return TRUE;
}

void
cw_scep_request_forget (gchar *challenge)
{
  if (challenge != NULL)
    memset (challenge, 0, strlen (challenge));
}
