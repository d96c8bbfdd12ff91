/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.certward.Certificate1 computed from the model: properties, methods, property writes. */

#include "config.h"

#include "cw-certificate-service.h"
#include "cw-invocation.h"
#include "cw-delivery-options.h"
#include "cw-error.h"
#include "cw-options.h"
#include "cw-text.h"

#include <glib/gi18n.h>
#include <string.h>

gchar *
cw_certificate_object_path (const gchar *id)
{
  return g_strconcat (CW_OBJECT_PATH "/certificate/", id, NULL);
}

CwCertificate *
cw_certificate_from_path (CwStore *store, const gchar *path)
{
  static const gchar prefix[] = CW_OBJECT_PATH "/certificate/";

  g_return_val_if_fail (CW_IS_STORE (store), NULL);

  if (path == NULL || !g_str_has_prefix (path, prefix))
    return NULL;
  return cw_store_lookup_id (store, path + strlen (prefix));
}

static GVariant *
acme_options (CwCertificate *cert)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const CwAcmeSpec *acme = cw_certificate_get_acme (cert);
  const CwIssueSpec *spec = cw_certificate_get_spec (cert);
  const struct { const gchar *key; const gchar *value; } strings[] = {
    { "directory", acme != NULL ? acme->directory : NULL },
    { "challenge", acme != NULL ? acme->challenge : NULL },
    { "http-01-mode", acme != NULL ? acme->http01_mode : NULL },
    { "webroot", acme != NULL ? acme->webroot : NULL },
    { "profile", acme != NULL ? acme->profile : NULL },
    { "preferred-chain", acme != NULL ? acme->preferred_chain : NULL },
  };

  if (acme == NULL)
    return g_variant_builder_end (&b);
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (strings[i].value != NULL)
      g_variant_builder_add (&b, "{sv}", strings[i].key, cw_text_variant (strings[i].value));
  if (acme->account != NULL) {
    g_autofree gchar *path = g_strconcat (CW_OBJECT_PATH "/account/", acme->account, NULL);

    g_variant_builder_add (&b, "{sv}", "account", g_variant_new_object_path (path));
  }
  if (spec != NULL)
    g_variant_builder_add (&b, "{sv}", "key-type", g_variant_new_string (cw_key_type_to_string (spec->key_type)));
  g_variant_builder_add (&b, "{sv}", "reuse-key", g_variant_new_boolean (acme->reuse_key));
  return g_variant_builder_end (&b);
}

/* What a SCEP certificate is enrolled with, and when the CA was last
 * asked; never the challenge password. */
static GVariant *
scep_options (CwCertificate *cert)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const CwScepSpec *scep = cw_certificate_get_scep (cert);
  const CwIssueSpec *spec = cw_certificate_get_spec (cert);

  if (scep == NULL)
    return g_variant_builder_end (&b);
  g_variant_builder_add (&b, "{sv}", "scep-url", cw_text_variant (scep->url));
  if (scep->ca_identifier != NULL)
    g_variant_builder_add (&b, "{sv}", "ca-identifier", cw_text_variant (scep->ca_identifier));
  g_variant_builder_add (&b, "{sv}", "poll-interval", g_variant_new_uint32 (scep->poll_interval));
  if (spec != NULL)
    g_variant_builder_add (&b, "{sv}", "key-type", g_variant_new_string (cw_key_type_to_string (spec->key_type)));
  g_variant_builder_add (&b, "{sv}", "last-poll", g_variant_new_uint64 ((guint64) MAX (scep->last_poll, 0)));
  g_variant_builder_add (&b, "{sv}", "next-poll", g_variant_new_uint64 ((guint64) MAX (scep->next_poll, 0)));
  return g_variant_builder_end (&b);
}

/* Every text property goes through the UTF-8 check of cw-text.h. */
#define string_or_empty cw_text_variant
#define strv_or_empty cw_text_variant_strv

static GVariant *
path_property (CwCertificate *cert, CwCertFile file)
{
  g_autofree gchar *path = cw_certificate_get_path (cert, file);

  return string_or_empty (path);
}

GVariant *
cw_certificate_property (CwCertificate *cert, const gchar *name)
{
  const CwCertInfo *info;
  const CwRenewal *renewal;

  g_return_val_if_fail (CW_IS_CERTIFICATE (cert), NULL);

  info = cw_certificate_get_info (cert);
  renewal = cw_certificate_get_renewal (cert);

#define IS(n) g_str_equal (name, n)
  if (IS ("Name"))
    return string_or_empty (cw_certificate_get_name (cert));
  if (IS ("Identities"))
    return strv_or_empty (info != NULL ? (const gchar * const *) info->identities : NULL);
  if (IS ("Subject"))
    return string_or_empty (info != NULL ? info->subject : NULL);
  if (IS ("Issuer"))
    return string_or_empty (info != NULL ? info->issuer : NULL);
  if (IS ("Serial"))
    return string_or_empty (info != NULL ? info->serial : NULL);
  if (IS ("NotBefore"))
    return g_variant_new_uint64 (info != NULL ? (guint64) MAX (info->not_before, 0) : 0);
  if (IS ("NotAfter"))
    return g_variant_new_uint64 (info != NULL ? (guint64) MAX (info->not_after, 0) : 0);
  if (IS ("Fingerprint"))
    return string_or_empty (info != NULL ? info->fingerprint : NULL);
  if (IS ("KeyType"))
    return string_or_empty (info != NULL ? info->key_type : NULL);
  if (IS ("KeyMatches"))
    return g_variant_new_boolean (cw_certificate_get_key_matches (cert));
  if (IS ("Source"))
    return string_or_empty (cw_certificate_get_source (cert));
  if (IS ("Roles"))
    return strv_or_empty (cw_certificate_get_roles (cert));
  if (IS ("Tenant"))
    return string_or_empty (cw_certificate_get_tenant (cert));
  if (IS ("State"))
    return g_variant_new_string (cw_cert_state_to_string (cw_certificate_get_state (cert)));
  if (IS ("LastError"))
    return string_or_empty (cw_certificate_get_last_error (cert));
  if (IS ("Warnings"))
    return strv_or_empty (cw_certificate_get_warnings (cert));
  if (IS ("CertificatePath"))
    return path_property (cert, CW_CERT_FILE_CERT);
  if (IS ("ChainPath"))
    return path_property (cert, CW_CERT_FILE_CHAIN);
  if (IS ("FullChainPath"))
    return path_property (cert, CW_CERT_FILE_FULLCHAIN);
  if (IS ("KeyPath"))
    return path_property (cert, CW_CERT_FILE_KEY);
  if (IS ("Revision"))
    return g_variant_new_uint32 (cw_certificate_get_revision (cert));
  if (IS ("AcmeOptions"))
    return acme_options (cert);
  if (IS ("ScepOptions"))
    return scep_options (cert);
  if (IS ("NextRenewal"))
    return g_variant_new_uint64 ((guint64) MAX (renewal->next_renewal, 0));
  if (IS ("AutoRenew"))
    return g_variant_new_boolean (renewal->auto_renew);
  if (IS ("ReloadUnits"))
    return strv_or_empty ((const gchar * const *) renewal->reload_units);
  if (IS ("DeployHooks"))
    return strv_or_empty ((const gchar * const *) renewal->deploy_hooks);
  if (IS ("LastActions"))
    return strv_or_empty (cw_certificate_get_last_actions (cert));
  if (IS ("AccessGroup"))
    return string_or_empty (cw_certificate_get_delivery (cert)->access_group);
  if (IS ("Targets"))
    return cw_targets_to_variant (cw_certificate_get_delivery (cert)->targets);
  if (IS ("Integrations"))
    return strv_or_empty ((const gchar * const *) cw_certificate_get_delivery (cert)->integrations);
  if (IS ("ReloadCommands"))
    return cw_commands_to_variant (cw_certificate_get_delivery (cert)->commands);
#undef IS
  return NULL;
}

GVariant *
cw_certificate_event_details (CwCertificate *cert, CwEvent event, const gchar * const *delivery)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const CwCertInfo *info;
  static const gchar *const none[] = { NULL };
  static const struct { const gchar *key; CwCertFile file; } paths[] = {
    { "certificate-path", CW_CERT_FILE_CERT },
    { "chain-path", CW_CERT_FILE_CHAIN },
    { "fullchain-path", CW_CERT_FILE_FULLCHAIN },
    { "key-path", CW_CERT_FILE_KEY },
  };

  g_return_val_if_fail (CW_IS_CERTIFICATE (cert), NULL);

  info = cw_certificate_get_info (cert);

  g_variant_builder_add (&b, "{sv}", "name", cw_text_variant (cw_certificate_get_name (cert)));
  g_variant_builder_add (&b, "{sv}", "identities",
                         cw_text_variant_strv (info != NULL ? (const gchar * const *) info->identities : none));
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++) {
    g_autofree gchar *path = cw_certificate_get_path (cert, paths[i].file);

    g_variant_builder_add (&b, "{sv}", paths[i].key, cw_text_variant (path));
  }
  g_variant_builder_add (&b, "{sv}", "fingerprint", cw_text_variant (info != NULL ? info->fingerprint : ""));
  g_variant_builder_add (&b, "{sv}", "not-after",
                         g_variant_new_uint64 (info != NULL ? (guint64) MAX (info->not_after, 0) : 0));
  g_variant_builder_add (&b, "{sv}", "revision", g_variant_new_uint32 (cw_certificate_get_revision (cert)));
  g_variant_builder_add (&b, "{sv}", "state",
                         cw_text_variant (cw_cert_state_to_string (cw_certificate_get_state (cert))));
  g_variant_builder_add (&b, "{sv}", "source", cw_text_variant (cw_certificate_get_source (cert)));
  g_variant_builder_add (&b, "{sv}", "roles", cw_text_variant_strv (cw_certificate_get_roles (cert)));
  g_variant_builder_add (&b, "{sv}", "tenant", cw_text_variant (cw_certificate_get_tenant (cert)));
  if ((event == CW_EVENT_REPLACED || event == CW_EVENT_RENEWED) &&
      cw_certificate_get_previous_fingerprint (cert) != NULL)
    g_variant_builder_add (&b, "{sv}", "previous-fingerprint",
                           cw_text_variant (cw_certificate_get_previous_fingerprint (cert)));
  if (event == CW_EVENT_FAILED)
    g_variant_builder_add (&b, "{sv}", "error", cw_text_variant (cw_certificate_get_last_error (cert)));
  if (delivery != NULL)
    g_variant_builder_add (&b, "{sv}", "delivery", cw_text_variant_strv (delivery));
  return g_variant_builder_end (&b);
}

/* ---- methods ------------------------------------------------------------ */

static void
remove_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;

  if (!cw_store_remove_finish (CW_STORE (source), result, &error))
    cw_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
handle_remove (const CwCertificateTarget *self, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 0);
  static const CwOptionSpec specs[] = { { "force", "b" }, { NULL, NULL } };
  GError *error = NULL;

  if (!cw_options_check (options, specs, &error)) {
    cw_invocation_take_error (invocation, error);
    return;
  }
  cw_store_remove_async (self->store, self->cert, cw_options_get_bool (options, "force", FALSE), NULL,
                         remove_done, g_object_ref (invocation));
}

static void
renew_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;
  gboolean ok = CW_IS_STORE (source)          ? cw_store_renew_finish (CW_STORE (source), result, &error)
                : CW_IS_SCEP_MANAGER (source) ? cw_scep_manager_renew_finish (CW_SCEP_MANAGER (source), result, &error)
                                              : cw_acme_manager_renew_finish (CW_ACME_MANAGER (source), result, &error);

  if (!ok)
    cw_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
handle_renew (const CwCertificateTarget *self, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 0);
  static const CwOptionSpec specs[] = { { "force", "b" }, { "reuse-key", "b" }, { NULL, NULL } };
  GError *error = NULL;

  if (!cw_options_check (options, specs, &error)) {
    cw_invocation_take_error (invocation, error);
    return;
  }
  if (cw_certificate_get_acme (self->cert) != NULL) {
    gboolean reuse = FALSE;
    gint reuse_key = g_variant_lookup (options, "reuse-key", "b", &reuse) ? reuse : -1;

    cw_acme_manager_renew_async (self->acme, self->cert, cw_options_get_bool (options, "force", FALSE), reuse_key,
                                 NULL, renew_done, g_object_ref (invocation));
    return;
  }
  /* SCEP renews with a new key always (RFC 8894 §2.2.1) */
  if (cw_certificate_get_scep (self->cert) != NULL && self->scep != NULL) {
    cw_scep_manager_renew_async (self->scep, self->cert, cw_options_get_bool (options, "force", FALSE), NULL,
                                 renew_done, g_object_ref (invocation));
    return;
  }
  cw_store_renew_async (self->store, self->cert, cw_options_get_bool (options, "force", FALSE),
                        cw_options_get_bool (options, "reuse-key", FALSE), NULL, renew_done, g_object_ref (invocation));
}

static void
revoke_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;

  if (!cw_acme_manager_revoke_finish (CW_ACME_MANAGER (source), result, &error))
    cw_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
handle_revoke (const CwCertificateTarget *self, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  guint reason;

  g_variant_get (parameters, "(u)", &reason);

  cw_acme_manager_revoke_async (self->acme, self->cert, reason, NULL, revoke_done, g_object_ref (invocation));
}

static void
handle_get_request (const CwCertificateTarget *self, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  const gchar *request = cw_certificate_get_request (self->cert);

  if (request == NULL)
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND,
                                           _("“%s” has no pending request"), cw_certificate_get_name (self->cert));
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", request));
}

typedef struct {
  CwStore               *store;
  CwCertificate         *cert;
  GDBusMethodInvocation *invocation;
  CwExportOptions        options;
} ExportCall;

static void
export_call_free (ExportCall *call)
{
  g_object_unref (call->store);
  g_object_unref (call->cert);
  g_clear_object (&call->invocation);
  if (call->options.password != NULL)
    explicit_bzero (call->options.password, strlen (call->options.password));
  g_free (call->options.password);
  g_free (call);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExportCall, export_call_free)

static void
export_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ExportCall) call = user_data;
  g_autoptr(GBytes) data = NULL;
  GError *error = NULL;

  data = cw_store_export_finish (CW_STORE (source), result, &error);
  if (data == NULL) {
    cw_invocation_take_error (call->invocation, error);
    return;
  }
  /* return_value takes the handler's reference; the call's own goes with it */
  g_dbus_method_invocation_return_value (call->invocation,
                                         g_variant_new ("(@ay)", g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                                          data, TRUE)));
}

static void
handle_export (const CwCertificateTarget *self, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 0);
  static const CwOptionSpec specs[] = {
    { "format", "s" }, { "include-key", "b" }, { "password", "s" }, { "legacy", "b" }, { NULL, NULL }
  };
  ExportCall *call;
  GError *error = NULL;
  CwExportFormat format;

  if (!cw_options_check (options, specs, &error) ||
      !cw_export_format_from_string (cw_options_get_string (options, "format", "pem"), &format, &error)) {
    cw_invocation_take_error (invocation, error);
    return;
  }
  call = g_new0 (ExportCall, 1);
  call->store = g_object_ref (self->store);
  call->cert = g_object_ref (self->cert);
  call->invocation = g_object_ref (invocation);
  call->options.format = format;
  call->options.include_key = cw_options_get_bool (options, "include-key", FALSE);
  call->options.password = g_strdup (cw_options_get_string (options, "password", NULL));
  call->options.legacy = cw_options_get_bool (options, "legacy", FALSE);
  if (!cw_export_options_validate (&call->options, &error)) {
    cw_invocation_take_error (invocation, error);
    export_call_free (call);
    return;
  }

  /* a key leaves only when the guard said export-key (cw-certificate-tree.c) */
  cw_store_export_async (self->store, self->cert, &call->options, NULL, export_done, call);
}

static void
install_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;

  if (!cw_store_install_finish (CW_STORE (source), result, &error))
    cw_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
handle_install (const CwCertificateTarget *self, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  g_autoptr(GVariant) chain = g_variant_get_child_value (parameters, 0);
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (chain);

  cw_store_install_async (self->store, self->cert, bytes, NULL, install_done, g_object_ref (invocation));
}

/* ---- dispatch ----------------------------------------------------------- */

void
cw_certificate_method_call (const CwCertificateTarget *target, const gchar *method, GVariant *parameters,
                            GDBusMethodInvocation *invocation)
{
  static const struct {
    const gchar *name;
    void (*handle) (const CwCertificateTarget *, GDBusMethodInvocation *, GVariant *);
  } methods[] = {
    { "Remove", handle_remove },
    { "Export", handle_export },
    { "Install", handle_install },
    { "Renew", handle_renew },
    { "Revoke", handle_revoke },
    { "GetRequest", handle_get_request },
  };

  g_return_if_fail (target != NULL);

  /* GDBus has checked the signature against the introspection data */
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_str_equal (method, methods[i].name)) {
      methods[i].handle (target, invocation, parameters);
      return;
    }
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                         "org.certward.Certificate1 has no method %s", method);
}

/* Properties.Set: through the store, which checks the value and, on
 * success, changes the model, which updates the property. */
gboolean
cw_certificate_set_property (const CwCertificateTarget *target, const gchar *property_name, GVariant *value,
                             GError **error)
{
  g_return_val_if_fail (target != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_str_equal (property_name, "Roles") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)) {
    g_autofree const gchar **roles = g_variant_get_strv (value, NULL);

    return cw_store_set_roles (target->store, target->cert, roles, error);
  }
  if (g_str_equal (property_name, "Tenant") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return cw_store_set_tenant (target->store, target->cert, g_variant_get_string (value, NULL), error);
  if (g_str_equal (property_name, "AutoRenew") && g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return cw_store_set_renewal_options (target->store, target->cert, g_variant_get_boolean (value), NULL, NULL,
                                         error);
  if ((g_str_equal (property_name, "ReloadUnits") || g_str_equal (property_name, "DeployHooks")) &&
      g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)) {
    g_autofree const gchar **list = g_variant_get_strv (value, NULL);
    gboolean units = g_str_equal (property_name, "ReloadUnits");

    /* a hook runs as root: only a program nobody else can change */
    if (!units && !cw_deliverer_check_hooks (list, error))
      return FALSE;
    return cw_store_set_renewal_options (target->store, target->cert, -1, units ? list : NULL, units ? NULL : list,
                                         error);
  }
  if (g_str_equal (property_name, "AccessGroup") || g_str_equal (property_name, "Targets") ||
      g_str_equal (property_name, "Integrations") || g_str_equal (property_name, "ReloadCommands")) {
    static const struct { const gchar *property, *option; } options[] = {
      { "AccessGroup", "access-group" }, { "Targets", "targets" }, { "Integrations", "integrations" },
      { "ReloadCommands", "reload-commands" },
    };
    g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
    g_autoptr(GVariant) as_options = NULL;
    CwDelivery *delivery;

    for (guint i = 0; i < G_N_ELEMENTS (options); i++)
      if (g_str_equal (property_name, options[i].property))
        g_variant_builder_add (&b, "{sv}", options[i].option, value);
    as_options = g_variant_ref_sink (g_variant_builder_end (&b));
    delivery = cw_delivery_from_options (target->deliverer, as_options, cw_certificate_get_name (target->cert),
                                         target->cert, error);
    return delivery != NULL && cw_store_set_delivery (target->store, target->cert, delivery, error);
  }
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY, "%s cannot be set", property_name);
  return FALSE;
}
