/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl commands for ACME: request, revoke, account; and waiting for
 * the outcome of an order (also used by renew). */
#include "config.h"

#include "cw-ctl.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WAIT 300

/* ---- waiting for an order's outcome ------------------------------------- */

struct _CwCtlWaiter {
  CwCtl     *ctl;
  gchar     *path;      /* the certificate, once known */
  GPtrArray *seen;      /* "path\tevent" of every CertificateChanged so far */
  gulong     handler;
};

static void
on_changed (CwDBusManager1 *manager, const gchar *path, const gchar *event, GVariant *details, CwCtlWaiter *w)
{
  if (g_str_equal (event, "added") || g_str_equal (event, "renewed") || g_str_equal (event, "failed"))
    g_ptr_array_add (w->seen, g_strdup_printf ("%s\t%s", path, event));
}

CwCtlWaiter *
cw_ctl_waiter_new (CwCtl *ctl)
{
  CwCtlWaiter *w = g_new0 (CwCtlWaiter, 1);

  /* subscribed before the call that starts the order: no outcome is missed */
  w->ctl = ctl;
  w->seen = g_ptr_array_new_with_free_func (g_free);
  w->handler = g_signal_connect (ctl->manager, "certificate-changed", G_CALLBACK (on_changed), w);
  return w;
}

void
cw_ctl_waiter_free (CwCtlWaiter *w)
{
  g_signal_handler_disconnect (w->ctl->manager, w->handler);
  g_ptr_array_unref (w->seen);
  g_free (w->path);
  g_free (w);
}

static const gchar *
outcome_of (CwCtlWaiter *w)
{
  for (guint i = 0; i < w->seen->len; i++) {
    const gchar *line = g_ptr_array_index (w->seen, i);
    gsize len = strlen (w->path);

    if (strncmp (line, w->path, len) == 0 && line[len] == '\t')
      return line + len + 1;
  }
  return NULL;
}

static gboolean
timed_out (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

int
cw_ctl_waiter_finish (CwCtlWaiter *w, const gchar *path, guint seconds)
{
  g_autoptr(CwDBusCertificate1) cert = NULL;
  gboolean expired = FALSE;
  guint timeout = g_timeout_add_seconds (seconds, timed_out, &expired);
  const gchar *event;

  w->path = g_strdup (path);
  while ((event = outcome_of (w)) == NULL && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timeout);
  if (event == NULL)
    return cw_ctl_fail_message (_("no outcome within %u seconds; the order goes on (see certwardctl show)"), seconds);

  cert = cw_dbus_certificate1_proxy_new_sync (w->ctl->bus, G_DBUS_PROXY_FLAGS_NONE, CW_BUS_NAME, path, NULL, NULL);
  if (g_str_equal (event, "failed"))
    return cw_ctl_fail_message ("%s: %s", cert != NULL ? cw_dbus_certificate1_get_name (cert) : path,
                                cert != NULL ? cw_dbus_certificate1_get_last_error (cert) : _("the order failed"));
  if (!w->ctl->json && cert != NULL) {
    g_autofree gchar *expiry = cw_ctl_format_expiry (cw_dbus_certificate1_get_not_after (cert));

    g_print (g_str_equal (event, "added") ? _("Issued %s by %s (%s)\n") : _("Renewed %s by %s (%s)\n"),
             cw_dbus_certificate1_get_name (cert), cw_dbus_certificate1_get_issuer (cert), expiry);
  }
  return 0;
}

/* ---- request ------------------------------------------------------------ */

/* An account given by id or object path. */
static gchar *
account_path (const gchar *account)
{
  if (g_str_has_prefix (account, "/"))
    return g_strdup (account);
  return g_strconcat (CW_OBJECT_PATH "/account/", account, NULL);
}

int
cw_ctl_request (CwCtl *ctl, int argc, char **argv)
{
  g_autofree gchar *account = NULL, *directory = NULL, *challenge = NULL, *mode = NULL, *webroot = NULL,
                   *key_type = NULL, *profile = NULL, *chain = NULL, *tenant = NULL, *path = NULL,
                   *provider = NULL, *protocol = NULL;
  g_auto(GStrv) ids = NULL, roles = NULL;
  gboolean reuse_key = FALSE, no_wait = FALSE;
  gint wait = DEFAULT_WAIT;
  const GOptionEntry entries[] = {
    { "id", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &ids, N_("DNS name or IP address to certify (repeatable)"), N_("IDENTITY") },
    { "account", 'a', 0, G_OPTION_ARG_STRING, &account, N_("ACME account (id or object path)"), N_("ACCOUNT") },
    { "directory", 'd', 0, G_OPTION_ARG_STRING, &directory, N_("ACME directory URL (default: the configured CA)"), N_("URL") },
    { "challenge", 0, 0, G_OPTION_ARG_STRING, &challenge, N_("http-01, dns-01 or tls-alpn-01 (default: [acme] challenge, http-01)"), N_("TYPE") },
    { "provider", 0, 0, G_OPTION_ARG_STRING, &provider,
      N_("DNS provider for dns-01 (see certwardctl provider list)"), N_("NAME") },
    { "http-01-mode", 0, 0, G_OPTION_ARG_STRING, &mode, N_("standalone, webroot or dbus"), N_("MODE") },
    { "webroot", 'w', 0, G_OPTION_ARG_FILENAME, &webroot, N_("Directory the web server serves (webroot mode)"), N_("DIR") },
    { "key-type", 'k', 0, G_OPTION_ARG_STRING, &key_type, N_("ec-p256 (default), ec-p384, rsa-2048, rsa-3072, rsa-4096"), N_("TYPE") },
    { "reuse-key", 0, 0, G_OPTION_ARG_NONE, &reuse_key, N_("Keep the key when renewing"), NULL },
    { "profile", 0, 0, G_OPTION_ARG_STRING, &profile, N_("Certificate profile the CA offers (e.g. shortlived)"), N_("NAME") },
    { "preferred-chain", 0, 0, G_OPTION_ARG_STRING, &chain, N_("Issuer name of the chain to prefer"), N_("CN") },
    { "role", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &roles, N_("server, sip-tls, stir-shaken, client (repeatable)"), N_("ROLE") },
    { "tenant", 't', 0, G_OPTION_ARG_STRING, &tenant, N_("Tenant the certificate belongs to"), N_("TENANT") },
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait, N_("Return once the order has started"), NULL },
    { "wait", 0, 0, G_OPTION_ARG_INT, &wait, N_("Seconds to wait for the certificate (default 300)"), N_("SECONDS") },
    { "protocol", 0, 0, G_OPTION_ARG_STRING, &protocol,
      N_("acme (default) or scep (see request --protocol scep --help)"), N_("PROTOCOL") },
    { NULL }
  };
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;
  int status;

  /* SCEP has options of its own (cw-ctl-scep.c) */
  if (cw_ctl_request_is_scep (argc, argv))
    return cw_ctl_request_scep (ctl, argc, argv);
  if (!cw_ctl_parse ("request", "NAME", _("Obtain a certificate from an ACME CA and keep it renewed."), entries,
                     &argc, &argv))
    return 1;
  if (argc != 2)
    return cw_ctl_fail_message (_("request needs the name of the certificate (and --id for each name to certify)"));
  if (protocol != NULL && !g_str_equal (protocol, "acme"))
    return cw_ctl_fail_message (_("--protocol must be acme or scep"));
  if (account != NULL) {
    g_autofree gchar *p = account_path (account);

    g_variant_builder_add (&b, "{sv}", "account", g_variant_new_object_path (p));
  }
  if (provider != NULL) {
    g_autofree gchar *p = cw_ctl_provider_path (ctl, provider, &error);

    if (p == NULL)
      return cw_ctl_fail (error);
    g_variant_builder_add (&b, "{sv}", "provider", g_variant_new_object_path (p));
  }
  cw_ctl_add_strings (&b, "directory", directory, "challenge", challenge, "http-01-mode", mode, "webroot", webroot,
                      "key-type", key_type, "profile", profile, "preferred-chain", chain, "tenant", tenant, NULL);
  if (reuse_key)
    g_variant_builder_add (&b, "{sv}", "reuse-key", g_variant_new_boolean (TRUE));
  if (roles != NULL)
    g_variant_builder_add (&b, "{sv}", "roles", g_variant_new_strv ((const gchar * const *) roles, -1));

  status = cw_ctl_request_wait (ctl, argv[1], (const gchar * const *) ids, g_variant_builder_end (&b), wait,
                                no_wait ? &path : NULL);
  if (status != 0 || path == NULL)
    return status;
  return cw_ctl_done (ctl, _("Requested %s (%s); the order runs in the background\n"), argv[1], path);
}

int
cw_ctl_request_wait (CwCtl *ctl, const gchar *name, const gchar * const *ids, GVariant *options, gint wait,
                     gchar **started)
{
  static const gchar *const none[] = { NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  CwCtlWaiter *waiter = cw_ctl_waiter_new (ctl);
  int status;

  if (!cw_dbus_manager1_call_request_sync (ctl->manager, name, ids != NULL ? ids : none, options, &path, NULL,
                                           &error)) {
    cw_ctl_waiter_free (waiter);
    return cw_ctl_fail (error);
  }
  if (started != NULL) {
    cw_ctl_waiter_free (waiter);
    *started = g_steal_pointer (&path);
    return 0;
  }
  status = cw_ctl_waiter_finish (waiter, path, wait > 0 ? (guint) wait : DEFAULT_WAIT);
  cw_ctl_waiter_free (waiter);
  return status;
}

/* ---- revoke ------------------------------------------------------------- */

static gboolean
parse_reason (const gchar *text, guint *reason)
{
  static const gchar *const names[] = { "unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
                                        "superseded", "cessationOfOperation", "certificateHold", "",
                                        "removeFromCRL", "privilegeWithdrawn", "aACompromise" };
  guint64 n;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (*names[i] != '\0' && g_ascii_strcasecmp (text, names[i]) == 0) {
      *reason = i;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 0, 10, &n, NULL))
    return FALSE;
  *reason = n;
  return TRUE;
}

int
cw_ctl_revoke (CwCtl *ctl, int argc, char **argv)
{
  g_autofree gchar *reason_text = NULL;
  gboolean no_wait = FALSE;
  const GOptionEntry entries[] = {
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason_text,
      N_("unspecified (default), keyCompromise, affiliationChanged, superseded, cessationOfOperation, or the RFC 5280 number"),
      N_("REASON") },
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait, N_("Return once the replacement has been ordered"), NULL },
    { NULL }
  };
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  guint reason = 0;
  CwCtlWaiter *waiter;
  int status;

  if (!cw_ctl_parse ("revoke", "NAME", _("Revoke an ACME certificate and order its replacement with a new key."),
                     entries, &argc, &argv))
    return 1;
  if (argc == 2 && reason_text != NULL && !parse_reason (reason_text, &reason))
    return cw_ctl_fail_message (_("“%s” is not a revocation reason"), reason_text);
  cert = cw_ctl_certificate_arg (ctl, argc, argv, 2, _("revoke needs the name of a certificate"));
  if (cert == NULL)
    return 1;
  waiter = cw_ctl_waiter_new (ctl);
  if (!cw_dbus_certificate1_call_revoke_sync (cert, reason, NULL, &error)) {
    cw_ctl_waiter_free (waiter);
    return cw_ctl_fail (error);
  }
  if (!ctl->json)
    g_print (_("Revoked %s; its replacement is ordered\n"), argv[1]);
  status = no_wait ? 0 : cw_ctl_waiter_finish (waiter, g_dbus_proxy_get_object_path (G_DBUS_PROXY (cert)),
                                               DEFAULT_WAIT);
  cw_ctl_waiter_free (waiter);
  return status;
}

/* ---- account ------------------------------------------------------------ */

static GPtrArray *
list_accounts (CwCtl *ctl)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GList *objects = g_dbus_object_manager_get_objects (ctl->objects);

  for (GList *l = objects; l != NULL; l = l->next) {
    CwDBusAccount1 *account = cw_dbus_object_get_account1 (CW_DBUS_OBJECT (l->data));

    if (account != NULL)
      g_ptr_array_add (out, account);
  }
  g_list_free_full (objects, g_object_unref);
  return out;
}

static CwDBusAccount1 *
find_account (CwCtl *ctl, const gchar *id, GError **error)
{
  g_autofree gchar *path = account_path (id);
  CwDBusAccount1 *account = cw_dbus_account1_proxy_new_sync (ctl->bus, G_DBUS_PROXY_FLAGS_NONE, CW_BUS_NAME, path,
                                                             NULL, NULL);

  if (account != NULL && cw_dbus_account1_get_directory (account) != NULL)
    return account;
  g_clear_object (&account);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("no ACME account “%s” (see certwardctl account list)"), id);
  return NULL;
}

static int
account_list (CwCtl *ctl)
{
  g_autoptr(GPtrArray) accounts = list_accounts (ctl);
  g_autoptr(JsonArray) array = json_array_new ();

  for (guint i = 0; i < accounts->len; i++) {
    CwDBusAccount1 *a = g_ptr_array_index (accounts, i);
    const gchar *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (a));
    g_autofree gchar *contact = g_strjoinv (", ", (gchar **) cw_dbus_account1_get_contact (a));

    if (ctl->json)
      json_array_add_element (array, cw_ctl_proxy_to_json (G_DBUS_PROXY (a)));
    else
      g_print ("%-24s %-11s %s  %s\n", strrchr (path, '/') + 1, cw_dbus_account1_get_status (a),
               cw_dbus_account1_get_directory (a), *contact != '\0' ? contact : "-");
  }
  if (ctl->json) {
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

    json_node_set_array (node, array);
    cw_ctl_print_json (node);
  }
  return 0;
}

static int
account_create (CwCtl *ctl, int argc, char **argv)
{
  g_autofree gchar *directory = NULL, *eab_kid = NULL, *eab_file = NULL, *key_type = NULL, *path = NULL;
  g_auto(GStrv) contact = NULL;
  gboolean agree = FALSE;
  const GOptionEntry entries[] = {
    { "directory", 'd', 0, G_OPTION_ARG_STRING, &directory, N_("ACME directory URL (default: the configured CA)"), N_("URL") },
    { "contact", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &contact, N_("Contact e-mail address (repeatable)"), N_("ADDRESS") },
    { "agree-terms", 0, 0, G_OPTION_ARG_NONE, &agree, N_("Agree to the CA's terms of service"), NULL },
    { "eab-kid", 0, 0, G_OPTION_ARG_STRING, &eab_kid, N_("External Account Binding key id"), N_("KID") },
    { "eab-hmac-key-file", 0, 0, G_OPTION_ARG_FILENAME, &eab_file, N_("File holding the base64url EAB HMAC key"), N_("FILE") },
    { "key-type", 'k', 0, G_OPTION_ARG_STRING, &key_type, N_("ec-p256 (default), ec-p384, rsa-2048 …"), N_("TYPE") },
    { NULL }
  };
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;

  if (!cw_ctl_parse ("account create", "", _("Register an account at an ACME CA."), entries, &argc, &argv))
    return 1;
  if (contact != NULL)
    g_variant_builder_add (&b, "{sv}", "contact", g_variant_new_strv ((const gchar * const *) contact, -1));
  g_variant_builder_add (&b, "{sv}", "agree-terms", g_variant_new_boolean (agree));
  cw_ctl_add_strings (&b, "eab-kid", eab_kid, "key-type", key_type, NULL);
  if (eab_file != NULL) {
    g_autofree gchar *key = cw_ctl_read_password (eab_file, NULL, &error);

    if (key == NULL)
      return cw_ctl_fail (error);
    cw_ctl_add_strings (&b, "eab-hmac-key", key, NULL);
    cw_ctl_forget_password (&key);
  }
  if (!cw_dbus_manager1_call_create_account_sync (ctl->manager, directory != NULL ? directory : "",
                                                  g_variant_builder_end (&b), &path, NULL, &error))
    return cw_ctl_fail (error);
  return cw_ctl_done (ctl, _("Registered %s\n"), strrchr (path, '/') + 1);
}

static int
account_update (CwCtl *ctl, const gchar *verb, int argc, char **argv)
{
  g_autoptr(CwDBusAccount1) account = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (argc < 2)
    return cw_ctl_fail_message (_("account %s needs the account's id"), verb);
  account = find_account (ctl, argv[1], &error);
  if (account == NULL)
    return cw_ctl_fail (error);
  if (g_str_equal (verb, "contact"))
    ok = cw_dbus_account1_call_update_contact_sync (account, (const gchar * const *) argv + 2, NULL, &error);
  else if (g_str_equal (verb, "rollover"))
    ok = cw_dbus_account1_call_rollover_key_sync (account, NULL, &error);
  else
    ok = cw_dbus_account1_call_deactivate_sync (account, NULL, &error);
  if (!ok)
    return cw_ctl_fail (error);
  return cw_ctl_done (ctl, _("Done: %s %s\n"), verb, argv[1]);
}

int
cw_ctl_account (CwCtl *ctl, int argc, char **argv)
{
  const gchar *verb = argc > 1 ? argv[1] : "list";
  gboolean help = FALSE;

  /* "account VERB --help" runs without an agent: only create parses options */
  for (int i = 1; i < argc; i++)
    help |= g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h");
  if (help && !g_str_equal (verb, "create")) {
    g_print (_("Usage: certwardctl account list\n"
               "       certwardctl account create [--directory URL] [--contact ADDRESS…] --agree-terms\n"
               "                                  [--eab-kid KID --eab-hmac-key-file FILE] [--key-type TYPE]\n"
               "       certwardctl account contact ID [ADDRESS…]\n"
               "       certwardctl account rollover ID\n"
               "       certwardctl account deactivate ID\n"));
    return 0;
  }
  if (g_str_equal (verb, "list"))
    return account_list (ctl);
  if (g_str_equal (verb, "create"))
    return account_create (ctl, argc - 1, argv + 1);
  if (g_str_equal (verb, "contact") || g_str_equal (verb, "rollover") || g_str_equal (verb, "deactivate"))
    return account_update (ctl, verb, argc - 1, argv + 1);
  return cw_ctl_fail_message (_("unknown account command “%s” (list, create, contact, rollover, deactivate)"), verb);
}

/* ---- check -------------------------------------------------------------- */

typedef struct {
  gboolean  done;
  GVariant *renewed;
  GVariant *failed;
} Check;

static void
on_check_finished (CwDBusManager1 *manager, const gchar * const *renewed, const gchar * const *failed, Check *check)
{
  check->renewed = g_variant_ref_sink (g_variant_new_objv (renewed, -1));
  check->failed = g_variant_ref_sink (g_variant_new_objv (failed, -1));
  check->done = TRUE;
}

static void
print_names (CwCtl *ctl, const gchar *label, GVariant *paths)
{
  g_autofree const gchar **list = g_variant_get_objv (paths, NULL);

  for (guint i = 0; list[i] != NULL; i++) {
    g_autoptr(CwDBusCertificate1) cert = cw_dbus_certificate1_proxy_new_sync (ctl->bus, G_DBUS_PROXY_FLAGS_NONE,
                                                                             CW_BUS_NAME, list[i], NULL, NULL);
    const gchar *name = cert != NULL ? cw_dbus_certificate1_get_name (cert) : NULL;

    g_print ("%s %s", label, name != NULL ? name : list[i]);
    if (cert != NULL && *cw_dbus_certificate1_get_last_error (cert) != '\0' && g_str_equal (label, _("failed")))
      g_print (": %s", cw_dbus_certificate1_get_last_error (cert));
    g_print ("\n");
  }
}

int
cw_ctl_check (CwCtl *ctl, int argc, char **argv)
{
  gboolean no_wait = FALSE;
  gint wait = 600;
  const GOptionEntry entries[] = {
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait, N_("Return once the check has started"), NULL },
    { "wait", 0, 0, G_OPTION_ARG_INT, &wait, N_("Seconds to wait for the check's renewals (default 600)"), N_("SECONDS") },
    { NULL }
  };
  Check check = { FALSE, NULL, NULL };
  g_autoptr(GError) error = NULL;
  gboolean expired = FALSE;
  guint timeout;
  gulong handler;
  int status = 0;

  if (!cw_ctl_parse ("check", "", _("Renew every certificate that is due, now."), entries, &argc, &argv))
    return 1;
  handler = g_signal_connect (ctl->manager, "check-finished", G_CALLBACK (on_check_finished), &check);
  if (!cw_dbus_manager1_call_check_now_sync (ctl->manager, NULL, &error)) {
    g_signal_handler_disconnect (ctl->manager, handler);
    return cw_ctl_fail (error);
  }
  if (no_wait) {
    g_signal_handler_disconnect (ctl->manager, handler);
    return 0;
  }
  timeout = g_timeout_add_seconds (wait > 0 ? wait : 600, timed_out, &expired);
  while (!check.done && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timeout);
  g_signal_handler_disconnect (ctl->manager, handler);
  if (!check.done)
    return cw_ctl_fail_message (_("the check goes on; see certwardctl monitor"));
  if (!ctl->json) {
    print_names (ctl, _("renewed"), check.renewed);
    print_names (ctl, _("failed"), check.failed);
    if (g_variant_n_children (check.renewed) == 0 && g_variant_n_children (check.failed) == 0)
      g_print (_("nothing was due\n"));
  }
  if (g_variant_n_children (check.failed) > 0)
    status = 1;
  g_variant_unref (check.renewed);
  g_variant_unref (check.failed);
  return status;
}
