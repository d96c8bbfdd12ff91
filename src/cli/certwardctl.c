/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl's main(): global options, the command table, help. */
#include "config.h"

#include "cw-ctl.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

static const CwCtlCommand commands[] = {
  { "list", cw_ctl_list, "", N_("List certificates") },
  { "show", cw_ctl_show, N_("NAME"), N_("Show one certificate") },
  { "import", cw_ctl_import, N_("FILE..."), N_("Import a certificate with its key") },
  { "export", cw_ctl_export, N_("NAME"), N_("Export a certificate") },
  { "install", cw_ctl_install, N_("NAME FILE"), N_("Install a renewed certificate for an existing key") },
  { "remove", cw_ctl_remove, N_("NAME"), N_("Remove a certificate") },
  { "monitor", cw_ctl_monitor, "", N_("Follow certificate events") },
  { "self-sign", cw_ctl_self_sign, N_("NAME"), N_("Create a self-signed or local-CA certificate") },
  { "ca", cw_ctl_ca, N_("create NAME"), N_("Create a local CA") },
  { "csr", cw_ctl_csr, N_("NAME"), N_("Make a key and a request for an outside CA") },
  { "request", cw_ctl_request, N_("NAME --id HOST"), N_("Obtain a certificate from an ACME or SCEP CA") },
  { "renew", cw_ctl_renew, N_("NAME"), N_("Reissue a certificate now (local or ACME)") },
  { "revoke", cw_ctl_revoke, N_("NAME"), N_("Revoke an ACME certificate and replace it") },
  { "account", cw_ctl_account, N_("VERB"), N_("ACME accounts") },
  { "check", cw_ctl_check, "", N_("Renew what is due now") },
  { "provider", cw_ctl_provider, N_("VERB"), N_("DNS providers for dns-01") },
  { "find", cw_ctl_find, N_("HOST"), N_("Which certificate answers for a name (SNI)") },
  { "default", cw_ctl_default, N_("[NAME]"), N_("Show or set the default certificate") },
  { "set", cw_ctl_set, N_("NAME"), N_("Change roles or tenant") },
  { "deliver", cw_ctl_deliver, N_("NAME"), N_("Deliver a certificate to the services that use it") },
  { "integrations", cw_ctl_integrations, "", N_("List the presets for PBX software") },
  { "tenant", cw_ctl_tenant, N_("list|set"), N_("Tenants and their domains") },
  { "expiry-days", cw_ctl_expiry_days, N_("[DAYS]"), N_("Show or set the expiry warning") },
  { "trust", cw_ctl_trust, N_("VERB"), N_("The trusted CA certificates") },
  { "cluster", cw_ctl_cluster, N_("status"), N_("The nodes sharing certificates, their leases and events") },
};

static void
usage (gboolean asked)
{
  GString *out = g_string_new (_("Usage: certwardctl [--session] [--json] COMMAND [OPTIONS…]\n\nCommands:\n"));
  guint name_width = 0, args_width = 0;

  /* columns as wide as their longest entry in this language, in characters */
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
    name_width = MAX (name_width, (guint) g_utf8_strlen (commands[i].name, -1));
    if (*commands[i].args != '\0')
      args_width = MAX (args_width, (guint) g_utf8_strlen (_(commands[i].args), -1));
  }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
    g_autofree gchar *name = cw_ctl_pad (commands[i].name, name_width + 2);
    g_autofree gchar *args = cw_ctl_pad (*commands[i].args != '\0' ? _(commands[i].args) : "", args_width + 2);

    g_string_append_printf (out, "  %s%s%s\n", name, args, _(commands[i].summary));
  }
  g_string_append (out, _("\nRun certwardctl COMMAND --help for a command's options.\n"));
  /* asked for: standard output, so it can be paged; after a mistake: stderr */
  if (asked)
    g_print ("%s", out->str);
  else
    g_printerr ("%s", out->str);
  g_string_free (out, TRUE);
}

int
main (int argc, char **argv)
{
  CwCtl ctl = { G_BUS_TYPE_SYSTEM, FALSE, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;
  const CwCtlCommand *command = NULL;
  int first = 1;
  int status;

  setlocale (LC_ALL, "");
  g_set_prgname ("certwardctl");
  /* CERTWARD_LOCALEDIR: the catalogs of a build tree, for tests (po/) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CERTWARD_LOCALEDIR") != NULL ? g_getenv ("CERTWARD_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* global options come before the command; each command parses its own */
  for (; first < argc && argv[first][0] == '-'; first++) {
    if (g_str_equal (argv[first], "--session"))
      ctl.bus_type = G_BUS_TYPE_SESSION;
    else if (g_str_equal (argv[first], "--system"))
      ctl.bus_type = G_BUS_TYPE_SYSTEM;
    else if (g_str_equal (argv[first], "--json"))
      ctl.json = TRUE;
    else if (g_str_equal (argv[first], "--version")) {
      g_print ("certwardctl %s\n", PACKAGE_VERSION);
      return 0;
    } else if (g_str_equal (argv[first], "--help") || g_str_equal (argv[first], "-h")) {
      usage (TRUE);
      return 0;
    } else {
      g_printerr (_("certwardctl: unknown option %s\n"), argv[first]);
      usage (FALSE);
      return 1;
    }
  }
  if (first >= argc) {
    usage (FALSE);
    return 1;
  }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, argv[first]))
      command = &commands[i];
  if (command == NULL) {
    g_printerr (_("certwardctl: unknown command “%s”\n"), argv[first]);
    usage (FALSE);
    return 1;
  }

  /* "COMMAND --help" needs no agent */
  for (int i = first + 1; i < argc; i++)
    if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
      return command->func (&ctl, argc - first, argv + first);

  if (!cw_ctl_connect (&ctl, &error))
    return cw_ctl_fail (error);
  status = command->func (&ctl, argc - first, argv + first);

  g_clear_object (&ctl.objects);
  g_clear_object (&ctl.manager);
  g_clear_object (&ctl.bus);
  return status;
}
