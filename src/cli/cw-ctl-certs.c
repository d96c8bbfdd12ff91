/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl list, show, import, export, install, remove. */
#include "config.h"

#include "cw-ctl.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- list / show -------------------------------------------------------- */

int
cw_ctl_list (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(GPtrArray) certs = NULL;
  gboolean names_only = FALSE;
  const GOptionEntry entries[] = {
    { "names", 0, 0, G_OPTION_ARG_NONE, &names_only, N_("Print only the names, one a line (for scripts and shell completion)"), NULL },
    { NULL }
  };
  guint name_width = 4, ids_width = 10, state_width;

  if (!cw_ctl_parse ("list", "", _("List the certificates the agent keeps."), entries, &argc, &argv))
    return 1;
  certs = cw_ctl_list_certificates (ctl);

  if (ctl->json) {
    g_autoptr(JsonArray) array = json_array_new ();
    g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);

    for (guint i = 0; i < certs->len; i++)
      json_array_add_element (array, cw_ctl_proxy_to_json (G_DBUS_PROXY (g_ptr_array_index (certs, i))));
    json_node_set_array (root, array);
    cw_ctl_print_json (root);
    return 0;
  }
  if (names_only) {
    for (guint i = 0; i < certs->len; i++)
      g_print ("%s\n", cw_dbus_certificate1_get_name (g_ptr_array_index (certs, i)));
    return 0;
  }

  for (guint i = 0; i < certs->len; i++) {
    CwDBusCertificate1 *cert = g_ptr_array_index (certs, i);
    g_autofree gchar *ids = g_strjoinv (",", (gchar **) cw_dbus_certificate1_get_identities (cert));

    name_width = MAX (name_width, g_utf8_strlen (cw_dbus_certificate1_get_name (cert), -1));
    ids_width = MAX (ids_width, MIN (g_utf8_strlen (ids, -1), 48));
  }
  /* TRANSLATORS: column headers of certwardctl list */
  name_width = MAX (name_width, (guint) g_utf8_strlen (_("NAME"), -1));
  ids_width = MAX (ids_width, (guint) g_utf8_strlen (_("IDENTITIES"), -1));
  state_width = MAX (cw_ctl_state_width (), (guint) g_utf8_strlen (_("STATE"), -1));
  {
    g_autofree gchar *c1 = cw_ctl_pad (_("NAME"), name_width + 2);
    g_autofree gchar *c2 = cw_ctl_pad (_("IDENTITIES"), ids_width + 2);
    g_autofree gchar *c3 = cw_ctl_pad (_("STATE"), state_width + 2);

    g_print ("%s%s%s%s\n", c1, c2, c3, _("EXPIRES"));
  }
  for (guint i = 0; i < certs->len; i++) {
    CwDBusCertificate1 *cert = g_ptr_array_index (certs, i);
    g_autofree gchar *ids = g_strjoinv (",", (gchar **) cw_dbus_certificate1_get_identities (cert));
    g_autofree gchar *expiry = cw_ctl_format_expiry (cw_dbus_certificate1_get_not_after (cert));
    g_autofree gchar *c1 = NULL, *c2 = NULL, *c3 = NULL;

    if (g_utf8_strlen (ids, -1) > 48) {
      gchar *cut = g_utf8_substring (ids, 0, 45);

      g_free (ids);
      ids = g_strconcat (cut, "...", NULL);
      g_free (cut);
    }
    c1 = cw_ctl_pad (cw_dbus_certificate1_get_name (cert), name_width + 2);
    c2 = cw_ctl_pad (ids, ids_width + 2);
    c3 = cw_ctl_pad (cw_ctl_state_name (cw_dbus_certificate1_get_state (cert)), state_width + 2);

    g_print ("%s%s%s%s\n", c1, c2, c3, expiry);
  }
  return 0;
}

static gchar *
format_time (guint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("-");
}

/* What the files of the current revision say; a certificate whose first
 * request is pending or failed has none yet. */
static void
add_certificate_fields (CwCtlFields *f, CwDBusCertificate1 *cert)
{
  g_autofree gchar *start = NULL, *end = NULL, *expiry = NULL;

  if (cw_dbus_certificate1_get_revision (cert) == 0 || cw_dbus_certificate1_get_not_after (cert) == 0) {
    cw_ctl_fields_add (f, _("Certificate:"), "%s", _("no certificate yet"));
    return;
  }
  start = format_time (cw_dbus_certificate1_get_not_before (cert));
  end = format_time (cw_dbus_certificate1_get_not_after (cert));
  expiry = cw_ctl_format_expiry (cw_dbus_certificate1_get_not_after (cert));
  cw_ctl_fields_add (f, _("Subject:"), "%s", cw_dbus_certificate1_get_subject (cert));
  cw_ctl_fields_add (f, _("Issuer:"), "%s", cw_dbus_certificate1_get_issuer (cert));
  cw_ctl_fields_add (f, _("Serial:"), "%s", cw_dbus_certificate1_get_serial (cert));
  cw_ctl_fields_add (f, _("Not before:"), "%s", start);
  cw_ctl_fields_add (f, _("Not after:"), "%s (%s)", end, expiry);
  cw_ctl_fields_add (f, _("Fingerprint:"), "%s", cw_dbus_certificate1_get_fingerprint (cert));
  cw_ctl_fields_add (f, _("Key type:"), "%s%s", cw_dbus_certificate1_get_key_type (cert),
                     cw_dbus_certificate1_get_key_matches (cert) ? "" : _(" (the key does not match!)"));
}

static void
add_acme_fields (CwCtlFields *f, CwDBusCertificate1 *cert)
{
  GVariant *acme = cw_dbus_certificate1_get_acme_options (cert);
  const gchar *directory = NULL, *challenge = NULL, *mode = NULL, *account = NULL;

  if (acme == NULL || !g_variant_lookup (acme, "directory", "&s", &directory))
    return;
  g_variant_lookup (acme, "challenge", "&s", &challenge);
  g_variant_lookup (acme, "http-01-mode", "&s", &mode);
  g_variant_lookup (acme, "account", "&o", &account);
  cw_ctl_fields_add (f, _("ACME CA:"), "%s", directory);
  cw_ctl_fields_add (f, _("Challenge:"), "%s%s%s", challenge != NULL ? challenge : "http-01", mode != NULL ? " " : "",
                     mode != NULL ? mode : "");
  if (account != NULL)
    cw_ctl_fields_add (f, _("Account:"), "%s", strrchr (account, '/') + 1);
}

/* Targets ("path (format, owner:group mode)"), integrations, commands. */
static void
add_delivery_fields (CwCtlFields *f, CwDBusCertificate1 *cert)
{
  GVariant *targets = cw_dbus_certificate1_get_targets (cert);
  GVariant *commands = cw_dbus_certificate1_get_reload_commands (cert);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) command_lines = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; targets != NULL && i < g_variant_n_children (targets); i++) {
    g_autoptr(GVariant) t = g_variant_get_child_value (targets, i);
    const gchar *path = "", *format = "", *owner = "", *group = "";
    guint32 mode = 0;

    g_variant_lookup (t, "path", "&s", &path);
    g_variant_lookup (t, "format", "&s", &format);
    g_variant_lookup (t, "owner", "&s", &owner);
    g_variant_lookup (t, "group", "&s", &group);
    g_variant_lookup (t, "mode", "u", &mode);
    g_ptr_array_add (lines, g_strdup_printf ("%s (%s, %s:%s %04o)", path, format, *owner != '\0' ? owner : "root",
                                             *group != '\0' ? group : "root", mode));
  }
  g_ptr_array_add (lines, NULL);
  cw_ctl_fields_add_lines (f, _("Targets:"), (const gchar * const *) lines->pdata);
  cw_ctl_fields_add_lines (f, _("Integrations:"), cw_dbus_certificate1_get_integrations (cert));
  for (gsize i = 0; commands != NULL && i < g_variant_n_children (commands); i++) {
    const gchar *user = NULL;
    g_autofree const gchar **argv = NULL;
    g_autofree gchar *joined = NULL;

    g_variant_get_child (commands, i, "(&s^a&s)", &user, &argv);
    joined = g_strjoinv (" ", (gchar **) argv);
    g_ptr_array_add (command_lines, g_strdup_printf ("%s: %s", *user != '\0' ? user : "root", joined));
  }
  g_ptr_array_add (command_lines, NULL);
  cw_ctl_fields_add_lines (f, _("Reload commands:"), (const gchar * const *) command_lines->pdata);
}

int
cw_ctl_show (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCtlFields) f = cw_ctl_fields_new ();
  g_autofree gchar *ids = NULL, *roles = NULL;
  const gchar *source;
  gboolean has_files;

  if (!cw_ctl_parse ("show", "NAME", _("Show everything about one certificate."), NULL, &argc, &argv))
    return 1;
  cert = cw_ctl_certificate_arg (ctl, argc, argv, 2, _("show needs the name of a certificate"));
  if (cert == NULL)
    return 1;

  if (ctl->json) {
    g_autoptr(JsonNode) node = cw_ctl_proxy_to_json (G_DBUS_PROXY (cert));

    cw_ctl_print_json (node);
    return 0;
  }

  ids = g_strjoinv (", ", (gchar **) cw_dbus_certificate1_get_identities (cert));
  roles = g_strjoinv (", ", (gchar **) cw_dbus_certificate1_get_roles (cert));
  source = cw_dbus_certificate1_get_source (cert);
  has_files = cw_dbus_certificate1_get_revision (cert) > 0;
  cw_ctl_fields_add (f, _("Name:"), "%s", cw_dbus_certificate1_get_name (cert));
  cw_ctl_fields_add (f, _("Identities:"), "%s", *ids != '\0' ? ids : "-");
  cw_ctl_fields_add (f, _("State:"), "%s", cw_ctl_state_name (cw_dbus_certificate1_get_state (cert)));
  if (*cw_dbus_certificate1_get_last_error (cert) != '\0')
    cw_ctl_fields_add (f, _("Last error:"), "%s", cw_dbus_certificate1_get_last_error (cert));
  add_certificate_fields (f, cert);
  cw_ctl_fields_add (f, _("Source:"), "%s", source);
  add_acme_fields (f, cert);
  cw_ctl_add_scep_fields (f, cert);
  cw_ctl_fields_add (f, _("Roles:"), "%s", roles);
  cw_ctl_fields_add (f, _("Tenant:"), "%s",
                     *cw_dbus_certificate1_get_tenant (cert) != '\0' ? cw_dbus_certificate1_get_tenant (cert) : "-");
  if (has_files) {
    cw_ctl_fields_add (f, _("Revision:"), "%u", cw_dbus_certificate1_get_revision (cert));
    cw_ctl_fields_add (f, _("Full chain:"), "%s", cw_dbus_certificate1_get_full_chain_path (cert));
    cw_ctl_fields_add (f, _("Key:"), "%s", cw_dbus_certificate1_get_key_path (cert));
  }
  if (cw_dbus_certificate1_get_next_renewal (cert) != 0) {
    g_autofree gchar *next = format_time (cw_dbus_certificate1_get_next_renewal (cert));

    cw_ctl_fields_add (f, _("Next renewal:"), "%s", next);
  } else {
    cw_ctl_fields_add (f, _("Next renewal:"), "%s",
                       g_strcmp0 (source, "imported") == 0 || g_strcmp0 (source, "csr") == 0
                         ? _("by the administrator (Install)") : _("none (see set --auto-renew)"));
  }
  cw_ctl_fields_add (f, _("Access group:"), "%s",
                     *cw_dbus_certificate1_get_access_group (cert) != '\0' ? cw_dbus_certificate1_get_access_group (cert)
                                                                          : _("none (root only)"));
  add_delivery_fields (f, cert);
  cw_ctl_fields_add_lines (f, _("Reload units:"), cw_dbus_certificate1_get_reload_units (cert));
  cw_ctl_fields_add_lines (f, _("Deploy hooks:"), cw_dbus_certificate1_get_deploy_hooks (cert));
  cw_ctl_fields_add_lines (f, _("Last actions:"), cw_dbus_certificate1_get_last_actions (cert));
  cw_ctl_fields_add_lines (f, _("Warnings:"), cw_dbus_certificate1_get_warnings (cert));
  cw_ctl_fields_print (f);
  return 0;
}

/* ---- import ------------------------------------------------------------- */

static void
print_warnings (CwCtl *ctl, const gchar *path)
{
  /* a proxy of its own: the object manager may not have seen the new object yet */
  g_autoptr(CwDBusCertificate1) cert = cw_dbus_certificate1_proxy_new_sync (ctl->bus, G_DBUS_PROXY_FLAGS_NONE,
                                                                           CW_BUS_NAME, path, NULL, NULL);
  const gchar *const *warnings;

  if (cert == NULL)
    return;
  warnings = cw_dbus_certificate1_get_warnings (cert);
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    g_printerr (_("warning: %s\n"), warnings[i]);
}

int
cw_ctl_import (CwCtl *ctl, int argc, char **argv)
{
  g_autofree gchar *name = NULL, *key = NULL, *chain = NULL, *password_file = NULL, *tenant = NULL;
  g_auto(GStrv) roles = NULL;
  gboolean replace = FALSE, allow_expired = FALSE;
  const GOptionEntry entries[] = {
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, N_("Name of the certificate (default: its first identity)"), N_("NAME") },
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &key, N_("Private key file"), N_("FILE") },
    { "chain", 'c', 0, G_OPTION_ARG_FILENAME, &chain, N_("Intermediate certificates"), N_("FILE") },
    { "password-file", 'p', 0, G_OPTION_ARG_FILENAME, &password_file, N_("Read the PKCS#12 or key password from FILE"), N_("FILE") },
    { "role", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &roles, N_("Role: server, sip-tls, stir-shaken, client, ca (repeatable)"), N_("ROLE") },
    { "tenant", 't', 0, G_OPTION_ARG_STRING, &tenant, N_("Tenant the certificate belongs to"), N_("TENANT") },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace, N_("Replace the certificate of that name"), NULL },
    { "allow-expired", 0, 0, G_OPTION_ARG_NONE, &allow_expired, N_("Accept an expired certificate"), NULL },
    { NULL }
  };
  g_autofree gchar *password = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_auto(GVariantBuilder) files = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aay"));
  g_auto(GVariantBuilder) names = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_STRING_ARRAY);
  g_autoptr(GVariant) base = NULL;
  guint n_files = 0;

  if (!cw_ctl_parse ("import", "FILE...",
                     _("Import a certificate with its key: PEM, DER, PKCS#12 or ZIP, in any combination."),
                     entries, &argc, &argv))
    return 1;
  if (argc < 2 && key == NULL)
    return cw_ctl_fail_message (_("import needs at least one file"));

  {
    g_auto(GVariantBuilder) opts = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

    for (int i = 1; i < argc; i++) {
      g_autoptr(GBytes) bytes = cw_ctl_read_file (argv[i], &error);
      g_autofree gchar *base_name = g_path_get_basename (argv[i]);

      if (bytes == NULL)
        return cw_ctl_fail (error);
      g_variant_builder_add_value (&files, cw_ctl_bytes_variant (bytes));
      /* so that the agent's messages name the file the admin gave */
      g_variant_builder_add (&names, "s", g_str_equal (argv[i], "-") ? "stdin" : base_name);
      n_files++;
    }
    if (n_files > 0) {
      g_variant_builder_add (&opts, "{sv}", "files", g_variant_builder_end (&files));
      g_variant_builder_add (&opts, "{sv}", "file-names", g_variant_builder_end (&names));
    }
    if (key != NULL) {
      g_autoptr(GBytes) bytes = cw_ctl_read_file (key, &error);

      if (bytes == NULL)
        return cw_ctl_fail (error);
      g_variant_builder_add (&opts, "{sv}", "key", cw_ctl_bytes_variant (bytes));
    }
    if (chain != NULL) {
      g_autoptr(GBytes) bytes = cw_ctl_read_file (chain, &error);

      if (bytes == NULL)
        return cw_ctl_fail (error);
      g_variant_builder_add (&opts, "{sv}", "chain", cw_ctl_bytes_variant (bytes));
    }
    if (name != NULL)
      g_variant_builder_add (&opts, "{sv}", "name", g_variant_new_string (name));
    if (roles != NULL)
      g_variant_builder_add (&opts, "{sv}", "roles", g_variant_new_strv ((const gchar * const *) roles, -1));
    if (tenant != NULL)
      g_variant_builder_add (&opts, "{sv}", "tenant", g_variant_new_string (tenant));
    if (replace)
      g_variant_builder_add (&opts, "{sv}", "replace", g_variant_new_boolean (TRUE));
    if (allow_expired)
      g_variant_builder_add (&opts, "{sv}", "allow-expired", g_variant_new_boolean (TRUE));
    base = g_variant_ref_sink (g_variant_builder_end (&opts));
  }

  if (password_file != NULL) {
    password = cw_ctl_read_password (password_file, NULL, &error);
    if (password == NULL)
      return cw_ctl_fail (error);
  }

  /* Try without a password first; ask only when the agent says one is needed. */
  for (guint attempt = 0;; attempt++) {
    g_auto(GVariantBuilder) opts = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
    GVariantIter iter;
    const gchar *k;
    GVariant *v;

    g_variant_iter_init (&iter, base);
    while (g_variant_iter_loop (&iter, "{&sv}", &k, &v))
      g_variant_builder_add (&opts, "{sv}", k, v);
    if (password != NULL)
      g_variant_builder_add (&opts, "{sv}", "password", g_variant_new_string (password));

    g_clear_error (&error);
    if (cw_dbus_manager1_call_import_sync (ctl->manager, g_variant_builder_end (&opts), &path, NULL, &error))
      break;
    if (attempt < 3 && password_file == NULL && isatty (STDIN_FILENO) &&
        (g_error_matches (error, CW_ERROR, CW_ERROR_PASSWORD_REQUIRED) ||
         g_error_matches (error, CW_ERROR, CW_ERROR_WRONG_PASSWORD))) {
      if (attempt > 0)
        cw_ctl_fail (error);
      cw_ctl_forget_password (&password);
      password = cw_ctl_read_password (NULL, _("Password: "), NULL);
      if (password != NULL)
        continue;
    }
    cw_ctl_forget_password (&password);
    return cw_ctl_fail_replace (error, name, replace);
  }

  cw_ctl_forget_password (&password);
  if (ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "ObjectPath");
    json_builder_add_string_value (b, path);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    cw_ctl_print_json (root);
  } else {
    g_print (_("Imported %s\n"), path);
  }
  print_warnings (ctl, path);
  return 0;
}

/* ---- export / install / remove ------------------------------------------ */

int
cw_ctl_export (CwCtl *ctl, int argc, char **argv)
{
  g_autofree gchar *format = NULL, *output = NULL, *password_file = NULL;
  gboolean include_key = FALSE, legacy = FALSE;
  const GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, N_("pem (default), der or pkcs12"), N_("FORMAT") },
    { "include-key", 0, 0, G_OPTION_ARG_NONE, &include_key, N_("Include the private key (root only)"), NULL },
    { "password-file", 'p', 0, G_OPTION_ARG_FILENAME, &password_file, N_("Encrypt the key with the password in FILE"), N_("FILE") },
    { "legacy", 0, 0, G_OPTION_ARG_NONE, &legacy, N_("PKCS#12 readable by old devices (3DES, SHA-1 MAC)"), NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write to FILE instead of standard output"), N_("FILE") },
    { NULL }
  };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) data = NULL;
  g_autofree gchar *password = NULL;
  g_auto(GVariantBuilder) opts = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  gsize len = 0;
  const guint8 *bytes;

  if (!cw_ctl_parse ("export", "NAME", _("Write a certificate (and, when asked, its key) out."), entries, &argc, &argv))
    return 1;
  cert = cw_ctl_certificate_arg (ctl, argc, argv, 2, _("export needs the name of a certificate"));
  if (cert == NULL)
    return 1;

  if (format != NULL)
    g_variant_builder_add (&opts, "{sv}", "format", g_variant_new_string (format));
  if (include_key)
    g_variant_builder_add (&opts, "{sv}", "include-key", g_variant_new_boolean (TRUE));
  if (legacy)
    g_variant_builder_add (&opts, "{sv}", "legacy", g_variant_new_boolean (TRUE));
  if (password_file != NULL ||
      (include_key && (g_strcmp0 (format, "pkcs12") == 0 || g_strcmp0 (format, "p12") == 0 ||
                       g_strcmp0 (format, "pfx") == 0))) {
    password = cw_ctl_read_password (password_file, _("Password for the exported key: "), &error);
    if (password == NULL && error != NULL)
      return cw_ctl_fail (error);
    if (password != NULL)
      g_variant_builder_add (&opts, "{sv}", "password", g_variant_new_string (password));
  }
  if (!cw_dbus_certificate1_call_export_sync (cert, g_variant_builder_end (&opts), &data, NULL, &error))
    return cw_ctl_fail (error);

  bytes = g_variant_get_fixed_array (data, &len, 1);
  if (output != NULL) {
    /* a file with a key in it is private from its first byte */
    if (!g_file_set_contents_full (output, (const gchar *) bytes, len, G_FILE_SET_CONTENTS_CONSISTENT,
                                   include_key ? 0600 : 0644, &error))
      return cw_ctl_fail (error);
    return 0;
  }
  cw_ctl_forget_password (&password);
  if (isatty (STDOUT_FILENO) && g_strcmp0 (format != NULL ? format : "pem", "pem") != 0)
    return cw_ctl_fail_message (_("refusing to write binary data to a terminal; use --output FILE"));
  if (fwrite (bytes, 1, len, stdout) != len)
    return cw_ctl_fail_message (_("cannot write to standard output"));
  return 0;
}

int
cw_ctl_install (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (!cw_ctl_parse ("install", "NAME FILE",
                     _("Install a new certificate (and chain) for the key a certificate already has."),
                     NULL, &argc, &argv))
    return 1;
  cert = cw_ctl_certificate_arg (ctl, argc, argv, 3, _("install needs the name of a certificate and a file"));
  if (cert == NULL)
    return 1;
  bytes = cw_ctl_read_file (argv[2], &error);
  if (bytes == NULL)
    return cw_ctl_fail (error);
  if (!cw_dbus_certificate1_call_install_sync (cert, cw_ctl_bytes_variant (bytes), NULL, &error))
    return cw_ctl_fail (error);
  return cw_ctl_done (ctl, _("Installed a new certificate for %s\n"), argv[1]);
}

int
cw_ctl_remove (CwCtl *ctl, int argc, char **argv)
{
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Remove even when the certificate is in use"), NULL },
    { NULL }
  };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GVariantBuilder) opts = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (!cw_ctl_parse ("remove", "NAME", _("Remove a certificate, its key and its history."), entries, &argc, &argv))
    return 1;
  cert = cw_ctl_certificate_arg (ctl, argc, argv, 2, _("remove needs the name of a certificate"));
  if (cert == NULL)
    return 1;
  if (force)
    g_variant_builder_add (&opts, "{sv}", "force", g_variant_new_boolean (TRUE));
  if (!cw_dbus_certificate1_call_remove_sync (cert, g_variant_builder_end (&opts), NULL, &error))
    return cw_ctl_fail (error);
  return cw_ctl_done (ctl, _("Removed %s\n"), argv[1]);
}
