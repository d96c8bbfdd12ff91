/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl request --protocol scep: a certificate from a SCEP CA
 * (EJBCA, NDES, micromdm …); and what show says about one. */
#include "config.h"

#include "cw-ctl.h"

#include <glib/gi18n.h>
#include <string.h>

#define DEFAULT_WAIT 300

gboolean
cw_ctl_request_is_scep (int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (g_str_equal (argv[i], "--"))
      break;
    if (g_str_equal (argv[i], "--protocol=scep") || (g_str_equal (argv[i], "--protocol") && i + 1 < argc &&
                                                      g_str_equal (argv[i + 1], "scep")))
      return TRUE;
  }
  return FALSE;
}

int
cw_ctl_request_scep (CwCtl *ctl, int argc, char **argv)
{
  g_autofree gchar *protocol = NULL, *url = NULL, *password_file = NULL, *ca_id = NULL, *key_type = NULL,
                   *cn = NULL, *org = NULL, *ou = NULL, *country = NULL, *state = NULL, *locality = NULL,
                   *email = NULL, *tenant = NULL, *path = NULL, *password = NULL;
  g_auto(GStrv) ids = NULL, roles = NULL;
  gint poll = 0, wait = DEFAULT_WAIT;
  gboolean no_wait = FALSE;
  const GOptionEntry entries[] = {
    { "protocol", 0, 0, G_OPTION_ARG_STRING, &protocol, N_("scep"), N_("PROTOCOL") },
    { "scep-url", 'u', 0, G_OPTION_ARG_STRING, &url, N_("URL of the CA's SCEP endpoint"), N_("URL") },
    { "challenge-password-file", 'p', 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("File whose first line is the challenge password (default: asked on the terminal, if any)"), N_("FILE") },
    { "ca-identifier", 0, 0, G_OPTION_ARG_STRING, &ca_id, N_("CA identifier some SCEP servers want"), N_("TEXT") },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &poll,
      N_("Seconds between polls while the CA keeps the request pending (5–3600, default 120)"), N_("SECONDS") },
    { "id", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &ids, N_("DNS name or IP address to certify (repeatable)"), N_("IDENTITY") },
    { "key-type", 'k', 0, G_OPTION_ARG_STRING, &key_type, N_("rsa-2048 (default), rsa-3072, rsa-4096"), N_("TYPE") },
    { "common-name", 0, 0, G_OPTION_ARG_STRING, &cn, N_("Subject common name"), N_("CN") },
    { "organization", 0, 0, G_OPTION_ARG_STRING, &org, N_("Subject organization"), N_("O") },
    { "organizational-unit", 0, 0, G_OPTION_ARG_STRING, &ou, N_("Subject organizational unit"), N_("OU") },
    { "country", 0, 0, G_OPTION_ARG_STRING, &country, N_("Subject country (two letters)"), N_("C") },
    { "state", 0, 0, G_OPTION_ARG_STRING, &state, N_("Subject state or province"), N_("ST") },
    { "locality", 0, 0, G_OPTION_ARG_STRING, &locality, N_("Subject locality"), N_("L") },
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("Subject e-mail address"), N_("ADDRESS") },
    { "role", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &roles, N_("server, sip-tls, stir-shaken, client (repeatable)"), N_("ROLE") },
    { "tenant", 't', 0, G_OPTION_ARG_STRING, &tenant, N_("Tenant the certificate belongs to"), N_("TENANT") },
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait, N_("Return once the enrollment has started"), NULL },
    { "wait", 0, 0, G_OPTION_ARG_INT, &wait, N_("Seconds to wait for the certificate (default 300)"), N_("SECONDS") },
    { NULL }
  };
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;
  int status;

  if (!cw_ctl_parse ("request", "NAME --protocol scep --scep-url URL",
                     _("Obtain a certificate from a SCEP CA and keep it renewed."), entries, &argc, &argv))
    return 1;
  if (argc != 2)
    return cw_ctl_fail_message (_("request needs the name of the certificate"));
  if (url == NULL)
    return cw_ctl_fail_message (_("a SCEP request needs --scep-url, the URL of the CA's SCEP endpoint"));
  if (poll < 0)
    return cw_ctl_fail_message (_("--poll-interval must be 5 to 3600 seconds"));
  /* from a file, never from the command line: ps would show it */
  password = cw_ctl_read_password (password_file, _("SCEP challenge password: "), &error);
  if (password == NULL && error != NULL)
    return cw_ctl_fail (error);
  g_variant_builder_add (&b, "{sv}", "protocol", g_variant_new_string ("scep"));
  cw_ctl_add_strings (&b, "scep-url", url, "challenge-password", password, NULL);
  cw_ctl_forget_password (&password);
  cw_ctl_add_strings (&b, "ca-identifier", ca_id, NULL);
  if (poll > 0)
    g_variant_builder_add (&b, "{sv}", "poll-interval", g_variant_new_uint32 ((guint32) poll));
  cw_ctl_add_strings (&b, "key-type", key_type, "common-name", cn, "organization", org, "organizational-unit", ou,
                      "country", country, "state", state, "locality", locality, "email", email, "tenant", tenant,
                      NULL);
  if (roles != NULL)
    g_variant_builder_add (&b, "{sv}", "roles", g_variant_new_strv ((const gchar * const *) roles, -1));

  status = cw_ctl_request_wait (ctl, argv[1], (const gchar * const *) ids, g_variant_builder_end (&b), wait,
                                no_wait ? &path : NULL);
  if (status != 0 || path == NULL)
    return status;
  return cw_ctl_done (ctl, _("Requested %s (%s); the enrollment runs in the background\n"), argv[1], path);
}

static gchar *
format_time (guint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc ((gint64) t);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("-");
}

void
cw_ctl_add_scep_fields (CwCtlFields *f, CwDBusCertificate1 *cert)
{
  GVariant *scep = cw_dbus_certificate1_get_scep_options (cert);
  const gchar *url = NULL;
  guint64 last = 0, next = 0;
  guint32 interval = 0;

  if (scep == NULL || !g_variant_lookup (scep, "scep-url", "&s", &url))
    return;
  g_variant_lookup (scep, "last-poll", "t", &last);
  g_variant_lookup (scep, "next-poll", "t", &next);
  g_variant_lookup (scep, "poll-interval", "u", &interval);
  cw_ctl_fields_add (f, _("SCEP server:"), "%s", url);
  if (last != 0) {
    g_autofree gchar *when = format_time (last);

    cw_ctl_fields_add (f, _("Last poll:"), "%s", when);
  } else {
    cw_ctl_fields_add (f, _("Last poll:"), "%s", _("none since the agent started"));
  }
  if (next != 0) {
    g_autofree gchar *when = format_time (next);

    cw_ctl_fields_add (f, _("Next poll:"), _("%s (the CA has the request pending; every %u s)"), when, interval);
  }
}
