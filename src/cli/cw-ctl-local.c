/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl commands for what the agent makes and decides itself:
 * self-sign, ca create, csr, renew, find, default, set, tenant,
 * expiry-days. */
#include "config.h"

#include "cw-ctl.h"

#include <glib/gi18n.h>
#include <stdio.h>

/* The subject and identity options shared by self-sign, ca create and csr. */
typedef struct {
  gchar  *cn, *org, *ou, *country, *state, *locality, *email, *key_type, *issuer, *tenant, *output;
  gchar **ids, **roles;
  gint    days;
  gboolean replace;
} Subject;

static void
subject_clear (Subject *s)
{
  g_free (s->cn);
  g_free (s->org);
  g_free (s->ou);
  g_free (s->country);
  g_free (s->state);
  g_free (s->locality);
  g_free (s->email);
  g_free (s->key_type);
  g_free (s->issuer);
  g_free (s->tenant);
  g_free (s->output);
  g_strfreev (s->ids);
  g_strfreev (s->roles);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Subject, subject_clear)

#define SUBJECT_ENTRIES(s) \
  { "cn", 0, 0, G_OPTION_ARG_STRING, &(s).cn, N_("Common name (default: the first identity)"), N_("NAME") }, \
  { "id", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &(s).ids, N_("DNS name or IP address for the SAN (repeatable)"), N_("IDENTITY") }, \
  { "org", 'O', 0, G_OPTION_ARG_STRING, &(s).org, N_("Organization"), N_("ORG") }, \
  { "ou", 0, 0, G_OPTION_ARG_STRING, &(s).ou, N_("Organizational unit"), N_("UNIT") }, \
  { "country", 'C', 0, G_OPTION_ARG_STRING, &(s).country, N_("Two-letter country code"), N_("CC") }, \
  { "state", 0, 0, G_OPTION_ARG_STRING, &(s).state, N_("State or province"), N_("PROVINCE") }, \
  { "locality", 'L', 0, G_OPTION_ARG_STRING, &(s).locality, N_("City"), N_("CITY") }, \
  { "email", 0, 0, G_OPTION_ARG_STRING, &(s).email, N_("E-mail address"), N_("ADDRESS") }, \
  { "key-type", 'k', 0, G_OPTION_ARG_STRING, &(s).key_type, N_("ec-p256 (default), ec-p384, rsa-2048, rsa-3072, rsa-4096, ed25519"), N_("TYPE") }, \
  { "role", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &(s).roles, N_("server, sip-tls, stir-shaken, client, ca (repeatable)"), N_("ROLE") }, \
  { "tenant", 't', 0, G_OPTION_ARG_STRING, &(s).tenant, N_("Tenant the certificate belongs to"), N_("TENANT") }, \
  { "replace", 0, 0, G_OPTION_ARG_NONE, &(s).replace, N_("Replace the certificate of that name"), NULL }

static gboolean
subject_options (CwCtl *ctl, Subject *s, gboolean ca, gboolean request, GVariantBuilder *b, GError **error)
{
  cw_ctl_add_strings (b, "common-name", s->cn, "organization", s->org, "organizational-unit", s->ou,
                      "country", s->country, "state", s->state, "locality", s->locality, "email", s->email,
                      "key-type", s->key_type, "tenant", s->tenant, NULL);
  if (s->ids != NULL)
    g_variant_builder_add (b, "{sv}", "identities", g_variant_new_strv ((const gchar * const *) s->ids, -1));
  if (s->roles != NULL)
    g_variant_builder_add (b, "{sv}", "roles", g_variant_new_strv ((const gchar * const *) s->roles, -1));
  if (s->replace)
    g_variant_builder_add (b, "{sv}", "replace", g_variant_new_boolean (TRUE));
  if (request)
    return TRUE;
  if (s->days > 0)
    g_variant_builder_add (b, "{sv}", "days", g_variant_new_uint32 (s->days));
  if (ca)
    g_variant_builder_add (b, "{sv}", "ca", g_variant_new_boolean (TRUE));
  if (s->issuer != NULL) {
    g_autoptr(CwDBusCertificate1) issuer = cw_ctl_find_certificate (ctl, s->issuer, error);

    if (issuer == NULL)
      return FALSE;
    g_variant_builder_add (b, "{sv}", "issuer",
                           g_variant_new_object_path (g_dbus_proxy_get_object_path (G_DBUS_PROXY (issuer))));
  }
  return TRUE;
}

/* The object path as JSON, or @text (which names it) for people. */
static int
print_path (CwCtl *ctl, const gchar *path, const gchar *text)
{
  if (ctl->json) {
    g_autoptr(JsonBuilder) jb = json_builder_new ();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object (jb);
    json_builder_set_member_name (jb, "ObjectPath");
    json_builder_add_string_value (jb, path);
    json_builder_end_object (jb);
    root = json_builder_get_root (jb);
    cw_ctl_print_json (root);
  } else if (text != NULL) {
    g_print ("%s", text);
  }
  return 0;
}

static int
create (CwCtl *ctl, int argc, char **argv, gboolean ca)
{
  g_auto(Subject) s = { 0 };
  const GOptionEntry entries[] = {
    SUBJECT_ENTRIES (s),
    { "days", 'd', 0, G_OPTION_ARG_INT, &s.days, N_("Validity in days (default 365; 3650 for a CA)"), N_("DAYS") },
    { "issuer", 0, 0, G_OPTION_ARG_STRING, &s.issuer, N_("Sign with this local CA instead of self-signing"), N_("CA") },
    { NULL }
  };
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;

  if (!cw_ctl_parse (ca ? "ca create" : "self-sign", "NAME",
                     ca ? _("Create a local CA that can sign certificates (certwardctl self-sign --issuer).")
                        : _("Create a self-signed certificate, or one signed by a local CA with --issuer."),
                     entries, &argc, &argv))
    return 1;
  if (argc != 2)
    return cw_ctl_fail_message (_("give the name of the new certificate"));
  if (!subject_options (ctl, &s, ca, FALSE, &b, &error) ||
      !cw_dbus_manager1_call_create_self_signed_sync (ctl->manager, argv[1], g_variant_builder_end (&b), &path, NULL,
                                                      &error))
    return cw_ctl_fail_replace (error, argv[1], s.replace);
  {
    g_autofree gchar *text = g_strdup_printf (ca ? _("Created the CA %s\n") : _("Created %s\n"), path);

    return print_path (ctl, path, text);
  }
}

int
cw_ctl_self_sign (CwCtl *ctl, int argc, char **argv)
{
  return create (ctl, argc, argv, FALSE);
}

int
cw_ctl_ca (CwCtl *ctl, int argc, char **argv)
{
  /* "ca --help" is the help of its only verb */
  if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))) {
    gchar *help[] = { (gchar *) "create", (gchar *) "--help", NULL };

    return create (ctl, 2, help, TRUE);
  }
  if (argc < 2 || !g_str_equal (argv[1], "create"))
    return cw_ctl_fail_message (_("usage: certwardctl ca create NAME [OPTIONS…]"));
  return create (ctl, argc - 1, argv + 1, TRUE);
}

int
cw_ctl_csr (CwCtl *ctl, int argc, char **argv)
{
  g_auto(Subject) s = { 0 };
  const GOptionEntry entries[] = {
    SUBJECT_ENTRIES (s),
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &s.output, N_("Write the CSR to FILE instead of standard output"), N_("FILE") },
    { NULL }
  };
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL, *csr = NULL;

  if (!cw_ctl_parse ("csr", "NAME",
                     _("Make a new key and a certificate request for an outside CA; install its answer with certwardctl install."),
                     entries, &argc, &argv))
    return 1;
  if (argc != 2)
    return cw_ctl_fail_message (_("give the name of the certificate"));
  if (!subject_options (ctl, &s, FALSE, TRUE, &b, &error) ||
      !cw_dbus_manager1_call_create_request_sync (ctl->manager, argv[1], g_variant_builder_end (&b), &path, &csr, NULL,
                                                  &error))
    return cw_ctl_fail_replace (error, argv[1], s.replace);
  if (s.output != NULL) {
    if (!g_file_set_contents (s.output, csr, -1, &error))
      return cw_ctl_fail (error);
    g_printerr (_("Wrote the request for %s to %s\n"), argv[1], s.output);
  } else {
    g_print ("%s", csr);
  }
  return 0;
}

int
cw_ctl_renew (CwCtl *ctl, int argc, char **argv)
{
  gboolean force = FALSE, reuse_key = FALSE, new_key = FALSE, no_wait = FALSE;
  const GOptionEntry entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, N_("Reissue now even when not due"), NULL },
    { "reuse-key", 0, 0, G_OPTION_ARG_NONE, &reuse_key, N_("Keep the current key"), NULL },
    { "new-key", 0, 0, G_OPTION_ARG_NONE, &new_key, N_("Make a new key (an ACME certificate requested with --reuse-key)"), NULL },
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait, N_("ACME: return once the order has started"), NULL },
    { NULL }
  };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  CwCtlWaiter *waiter = NULL;
  int status = 0;

  if (!cw_ctl_parse ("renew", "NAME", _("Reissue a certificate: self-signed and local-CA ones at once, ACME ones with a new order."),
                     entries, &argc, &argv))
    return 1;
  if (reuse_key && new_key)
    return cw_ctl_fail_message (_("--reuse-key and --new-key contradict each other"));
  cert = cw_ctl_certificate_arg (ctl, argc, argv, 2, _("renew needs the name of a certificate"));
  if (cert == NULL)
    return 1;
  if (force)
    g_variant_builder_add (&b, "{sv}", "force", g_variant_new_boolean (TRUE));
  if (reuse_key || new_key)
    g_variant_builder_add (&b, "{sv}", "reuse-key", g_variant_new_boolean (reuse_key));
  if (g_strcmp0 (cw_dbus_certificate1_get_source (cert), "acme") == 0 && !no_wait)
    waiter = cw_ctl_waiter_new (ctl);
  if (!cw_dbus_certificate1_call_renew_sync (cert, g_variant_builder_end (&b), NULL, &error)) {
    g_clear_pointer (&waiter, cw_ctl_waiter_free);
    return cw_ctl_fail (error);
  }
  if (waiter != NULL) {
    status = cw_ctl_waiter_finish (waiter, g_dbus_proxy_get_object_path (G_DBUS_PROXY (cert)), 300);
    cw_ctl_waiter_free (waiter);
  } else if (!ctl->json) {
    g_print (g_strcmp0 (cw_dbus_certificate1_get_source (cert), "acme") == 0 ? _("Renewal of %s started\n")
                                                                             : _("Renewed %s\n"), argv[1]);
  }
  return status;
}

/* The certificate at @path, by name, for messages. */
static gchar *
name_of (CwCtl *ctl, const gchar *path)
{
  g_autoptr(CwDBusCertificate1) cert = cw_dbus_certificate1_proxy_new_sync (ctl->bus, G_DBUS_PROXY_FLAGS_NONE,
                                                                           CW_BUS_NAME, path, NULL, NULL);

  return g_strdup (cert != NULL && cw_dbus_certificate1_get_name (cert) != NULL ? cw_dbus_certificate1_get_name (cert)
                                                                                : path);
}

int
cw_ctl_find (CwCtl *ctl, int argc, char **argv)
{
  g_autofree gchar *role = NULL, *path = NULL, *name = NULL;
  const GOptionEntry entries[] = {
    { "role", 'r', 0, G_OPTION_ARG_STRING, &role, N_("server (default), sip-tls, stir-shaken"), N_("ROLE") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;

  if (!cw_ctl_parse ("find", "HOST", _("Which certificate answers for HOST (SNI)?"), entries, &argc, &argv))
    return 1;
  if (argc != 2)
    return cw_ctl_fail_message (_("find needs a host name or an IP address"));
  if (!cw_dbus_manager1_call_find_for_name_sync (ctl->manager, argv[1], role != NULL ? role : "", &path, NULL, &error))
    return cw_ctl_fail (error);
  if (ctl->json)
    return print_path (ctl, path, NULL);
  name = name_of (ctl, path);
  g_print ("%s\n", name);
  return 0;
}

int
cw_ctl_default (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;

  if (!cw_ctl_parse ("default", "[NAME]", _("Show the default certificate, or make NAME the default."), NULL, &argc, &argv))
    return 1;
  if (argc == 1) {
    const gchar *path = cw_dbus_manager1_get_default_certificate (ctl->manager);
    g_autofree gchar *name = NULL;

    if (path == NULL || g_str_equal (path, "/"))
      return cw_ctl_fail_message (_("there is no default certificate"));
    if (ctl->json)
      return print_path (ctl, path, NULL);
    name = name_of (ctl, path);
    g_print ("%s\n", name);
    return 0;
  }
  cert = cw_ctl_find_certificate (ctl, argv[1], &error);
  if (cert == NULL ||
      !cw_dbus_manager1_call_set_default_sync (ctl->manager, g_dbus_proxy_get_object_path (G_DBUS_PROXY (cert)), NULL,
                                               &error))
    return cw_ctl_fail (error);
  return cw_ctl_done (ctl, _("%s is the default certificate\n"), argv[1]);
}

/* Properties.Set, so the agent can refuse with its own error. */
static gboolean
set_property (CwCtl *ctl, GDBusProxy *proxy, const gchar *iface, const gchar *property, GVariant *value, GError **error)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (ctl->bus, CW_BUS_NAME, g_dbus_proxy_get_object_path (proxy),
                                                           "org.freedesktop.DBus.Properties", "Set",
                                                           g_variant_new ("(ssv)", iface, property, value), NULL,
                                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);

  return reply != NULL;
}

int
cw_ctl_set (CwCtl *ctl, int argc, char **argv)
{
  g_auto(GStrv) roles = NULL, units = NULL, hooks = NULL;
  g_autofree gchar *tenant = NULL;
  gboolean auto_renew = FALSE, no_auto_renew = FALSE, no_actions = FALSE;
  const GOptionEntry entries[] = {
    { "role", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &roles, N_("The roles (repeatable; replaces the current ones)"), N_("ROLE") },
    { "tenant", 't', 0, G_OPTION_ARG_STRING, &tenant, N_("The tenant (\"\" for none)"), N_("TENANT") },
    { "reload-unit", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &units, N_("A systemd unit to reload after a change (repeatable; replaces the current ones)"), N_("UNIT") },
    { "deploy-hook", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &hooks, N_("A program to run after a change (repeatable; replaces the current ones)"), N_("PROGRAM") },
    { "no-actions", 0, 0, G_OPTION_ARG_NONE, &no_actions, N_("Remove every reload unit and deploy hook"), NULL },
    { "auto-renew", 0, 0, G_OPTION_ARG_NONE, &auto_renew, N_("Renew this self-signed or local-CA certificate by itself"), NULL },
    { "no-auto-renew", 0, 0, G_OPTION_ARG_NONE, &no_auto_renew, N_("Do not"), NULL },
    { NULL }
  };
  static const gchar *const none[] = { NULL };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;

  if (!cw_ctl_parse ("set", "NAME", _("Change the roles, the tenant, the reload actions or the renewal of a certificate."),
                     entries, &argc, &argv))
    return 1;
  if (argc != 2 || (roles == NULL && tenant == NULL && units == NULL && hooks == NULL && !no_actions && !auto_renew &&
                    !no_auto_renew))
    return cw_ctl_fail_message (_("set needs the name of a certificate and what to change (see certwardctl set --help)"));
  if (auto_renew && no_auto_renew)
    return cw_ctl_fail_message (_("--auto-renew and --no-auto-renew contradict each other"));
  cert = cw_ctl_certificate_arg (ctl, argc, argv, 2, NULL);
  if (cert == NULL)
    return 1;
  if (roles != NULL &&
      !set_property (ctl, G_DBUS_PROXY (cert), "org.certward.Certificate1", "Roles",
                     g_variant_new_strv ((const gchar * const *) roles, -1), &error))
    return cw_ctl_fail (error);
  if (tenant != NULL &&
      !set_property (ctl, G_DBUS_PROXY (cert), "org.certward.Certificate1", "Tenant", g_variant_new_string (tenant),
                     &error))
    return cw_ctl_fail (error);
  if ((units != NULL || no_actions) &&
      !set_property (ctl, G_DBUS_PROXY (cert), "org.certward.Certificate1", "ReloadUnits",
                     g_variant_new_strv (units != NULL ? (const gchar * const *) units : none, -1), &error))
    return cw_ctl_fail (error);
  if ((hooks != NULL || no_actions) &&
      !set_property (ctl, G_DBUS_PROXY (cert), "org.certward.Certificate1", "DeployHooks",
                     g_variant_new_strv (hooks != NULL ? (const gchar * const *) hooks : none, -1), &error))
    return cw_ctl_fail (error);
  if ((auto_renew || no_auto_renew) &&
      !set_property (ctl, G_DBUS_PROXY (cert), "org.certward.Certificate1", "AutoRenew",
                     g_variant_new_boolean (auto_renew), &error))
    return cw_ctl_fail (error);
  return 0;
}

int
cw_ctl_tenant (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  if (!cw_ctl_parse ("tenant", "list | set TENANT [DOMAIN…]",
                     _("List the tenants, or set a tenant's domains (none removes it)."), NULL, &argc, &argv))
    return 1;
  if (argc >= 2 && g_str_equal (argv[1], "list")) {
    GVariant *tenants = cw_dbus_manager1_get_tenants (ctl->manager);
    GVariantIter iter;
    const gchar *name;
    g_autoptr(GVariant) domains = NULL;

    if (ctl->json) {
      g_autoptr(JsonNode) node = json_gvariant_serialize (tenants);

      cw_ctl_print_json (node);
      return 0;
    }
    g_variant_iter_init (&iter, tenants);
    while (g_variant_iter_next (&iter, "{&s@as}", &name, &domains)) {
      g_autofree const gchar **list = g_variant_get_strv (domains, NULL);
      g_autofree gchar *joined = g_strjoinv (", ", (gchar **) list);

      g_print ("%s: %s\n", name, joined);
      g_clear_pointer (&domains, g_variant_unref);
    }
    return 0;
  }
  if (argc >= 3 && g_str_equal (argv[1], "set")) {
    if (!cw_dbus_manager1_call_set_tenant_sync (ctl->manager, argv[2], (const gchar * const *) argv + 3, NULL, &error))
      return cw_ctl_fail (error);
    return 0;
  }
  return cw_ctl_fail_message (_("usage: certwardctl tenant list | tenant set TENANT [DOMAIN…]"));
}

int
cw_ctl_expiry_days (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  guint64 days = 0;

  if (!cw_ctl_parse ("expiry-days", "[DAYS]",
                     _("Show or set how many days before expiry a certificate turns “expiring” (30–180)."),
                     NULL, &argc, &argv))
    return 1;
  if (argc == 1) {
    g_print ("%u\n", cw_dbus_manager1_get_expiry_warning_days (ctl->manager));
    return 0;
  }
  if (!g_ascii_string_to_unsigned (argv[1], 10, 0, G_MAXUINT32, &days, &error))
    return cw_ctl_fail (error);
  if (!set_property (ctl, G_DBUS_PROXY (ctl->manager), "org.certward.Manager1", "ExpiryWarningDays",
                     g_variant_new_uint32 (days), &error))
    return cw_ctl_fail (error);
  return 0;
}
