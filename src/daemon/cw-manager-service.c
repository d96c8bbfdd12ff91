/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.certward.Manager1: imports, local issuance, ACME requests, providers, settings. */

#include "config.h"

#include "cw-manager-service.h"
#include "cw-saved-reply.h"
#include "cw-invocation.h"
#include "cw-delivery-options.h"
#include "cw-guard.h"
#include "cw-text.h"
#include "cw-account-service.h"
#include "cw-provider-service.h"
#include "cw-certificate-service.h"
#include "cw-error.h"
#include "cw-options.h"
#include "cw-scep-request.h"


#include <glib/gi18n.h>

struct _CwManagerService {
  CwDBusManager1Skeleton parent_instance;

  CwStore       *store;
  CwAcmeManager *acme;
  CwScheduler   *scheduler;
  CwDeliverer   *deliverer;
  CwScepManager *scep;        /* or NULL */
};

static void manager_iface_init (CwDBusManager1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CwManagerService, cw_manager_service, CW_DBUS_TYPE_MANAGER1_SKELETON,
                               G_IMPLEMENT_INTERFACE (CW_DBUS_TYPE_MANAGER1, manager_iface_init))

/* reload-units, deploy-hooks and auto-renew of a creating call, applied to
 * the certificate it made; an invalid value fails the call before. */
static gboolean
renewal_options_check (GVariant *options, GError **error)
{
  g_auto(GStrv) units = cw_options_dup_strv (options, "reload-units");
  g_auto(GStrv) hooks = cw_options_dup_strv (options, "deploy-hooks");

  /* a hook runs as root: only a program nobody else can change */
  return cw_renewal_validate_actions ((const gchar * const *) units, (const gchar * const *) hooks, error) &&
         cw_deliverer_check_hooks ((const gchar * const *) hooks, error);
}

/* Whether the delivery options (targets, access group, integrations,
 * reload commands) can be applied to @name, before anything is made. */
static gboolean
delivery_options_check (CwManagerService *self, GVariant *options, const gchar *name, GError **error)
{
  g_autoptr(CwDelivery) delivery = NULL;

  delivery = cw_delivery_from_options (self->deliverer, options, name != NULL ? name : "certificate",
                                       name != NULL ? cw_store_lookup (self->store, name) : NULL, error);
  return delivery != NULL || error == NULL || *error == NULL;
}

static gboolean
delivery_options_apply (CwManagerService *self, CwCertificate *cert, GVariant *options, GError **error)
{
  CwDelivery *delivery = cw_delivery_from_options (self->deliverer, options, cw_certificate_get_name (cert), cert,
                                                   error);

  if (delivery == NULL)
    return error == NULL || *error == NULL;
  return cw_store_set_delivery (self->store, cert, delivery, error);
}

static gboolean
renewal_options_apply (CwStore *store, CwCertificate *cert, GVariant *options, GError **error)
{
  g_auto(GStrv) units = cw_options_dup_strv (options, "reload-units");
  g_auto(GStrv) hooks = cw_options_dup_strv (options, "deploy-hooks");
  gboolean auto_renew = FALSE;
  gint auto_opt = g_variant_lookup (options, "auto-renew", "b", &auto_renew) ? auto_renew : -1;

  if (units == NULL && hooks == NULL && auto_opt < 0)
    return TRUE;
  return cw_store_set_renewal_options (store, cert, auto_opt, (const gchar * const *) units,
                                       (const gchar * const *) hooks, error);
}

/* Answers @invocation with the object path of @cert, or with @error. */
static void
reply_certificate (GDBusMethodInvocation *invocation, CwCertificate *cert, GError *error)
{
  g_autofree gchar *path = NULL;
  CwManagerService *self = CW_MANAGER_SERVICE (g_dbus_method_invocation_get_user_data (invocation));
  GVariant *params = g_dbus_method_invocation_get_parameters (invocation);
  g_autoptr(GVariant) options = g_variant_get_child_value (params, g_variant_n_children (params) - 1);

  if (cert != NULL && g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT) &&
      (!renewal_options_apply (self->store, cert, options, &error) ||
       !delivery_options_apply (self, cert, options, &error)))
    cert = NULL;
  if (cert == NULL) {
    cw_invocation_take_error (invocation, error);
    return;
  }
  path = cw_certificate_object_path (cw_certificate_get_id (cert));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

static const CwOptionSpec import_specs[] = {
  { "name", "s" },
  { "certificate", "ay" },
  { "key", "ay" },
  { "chain", "ay" },
  { "files", "aay" },
  { "file-names", "as" },
  { "password", "s" },
  { "roles", "as" },
  { "tenant", "s" },
  { "allow-expired", "b" },
  { "replace", "b" },
  { "reload-units", "as" },
  { "deploy-hooks", "as" },
  CW_DELIVERY_OPTION_SPECS,
  { NULL, NULL },
};

static void
import_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;
  g_autoptr(CwCertificate) cert = cw_store_import_finish (CW_STORE (source), result, &error);

  reply_certificate (invocation, cert, error);
}

/* Turns the Import options into a store request. */
static CwImportRequest *
import_request_from_options (GVariant *options, GError **error)
{
  g_autoptr(CwImportRequest) request = cw_import_request_new ();
  static const gchar *const single[] = { "certificate", "key", "chain" };
  g_autoptr(GVariant) files = NULL;
  g_auto(GStrv) file_names = NULL;

  if (!cw_options_check (options, import_specs, error) || !renewal_options_check (options, error))
    return NULL;
  file_names = cw_options_dup_strv (options, "file-names");

  for (guint i = 0; i < G_N_ELEMENTS (single); i++) {
    g_autoptr(GBytes) bytes = cw_options_dup_bytes (options, single[i]);

    if (bytes != NULL)
      cw_import_request_add (request, single[i], bytes);
  }
  files = g_variant_lookup_value (options, "files", G_VARIANT_TYPE ("aay"));
  if (files != NULL) {
    guint n_names = file_names != NULL ? g_strv_length (file_names) : 0;

    for (gsize i = 0; i < g_variant_n_children (files); i++) {
      g_autoptr(GVariant) child = g_variant_get_child_value (files, i);
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (child);
      g_autofree gchar *label = NULL;

      if (i < n_names && *file_names[i] != '\0')
        label = g_strdup (file_names[i]);
      else
        label = g_strdup_printf (_("file %u"), (guint) i + 1);

      cw_import_request_add (request, label, bytes);
    }
  }

  request->name = g_strdup (cw_options_get_string (options, "name", NULL));
  request->password = g_strdup (cw_options_get_string (options, "password", NULL));
  request->roles = cw_options_dup_strv (options, "roles");
  request->tenant = g_strdup (cw_options_get_string (options, "tenant", NULL));
  request->allow_expired = cw_options_get_bool (options, "allow-expired", FALSE);
  request->replace = cw_options_get_bool (options, "replace", FALSE);
  return g_steal_pointer (&request);
}

static gboolean
handle_import (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  GError *error = NULL;
  CwImportRequest *request = import_request_from_options (options, &error);

  if (request != NULL && !delivery_options_check (self, options, request->name, &error))
    g_clear_pointer (&request, cw_import_request_free);
  if (request == NULL) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  cw_store_import_async (self->store, request, NULL, import_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_certificates (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) certs = cw_store_get_certificates (self->store);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < certs->len; i++)
    g_ptr_array_add (paths, cw_certificate_object_path (cw_certificate_get_id (g_ptr_array_index (certs, i))));
  g_ptr_array_add (paths, NULL);
  cw_dbus_manager1_complete_get_certificates (iface, invocation, (const gchar * const *) paths->pdata);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- local issuance ----------------------------------------------------- */

static const CwOptionSpec create_specs[] = {
  { "common-name", "s" }, { "identities", "as" }, { "organization", "s" }, { "organizational-unit", "s" },
  { "country", "s" }, { "state", "s" }, { "locality", "s" }, { "email", "s" }, { "key-type", "s" },
  { "days", "u" }, { "ca", "b" }, { "issuer", "o" }, { "roles", "as" }, { "tenant", "s" }, { "replace", "b" },
  { "reload-units", "as" }, { "deploy-hooks", "as" }, { "auto-renew", "b" }, CW_DELIVERY_OPTION_SPECS,
  { NULL, NULL },
};

/* The request options are those of CreateSelfSigned but days, ca, issuer. */
static const CwOptionSpec request_specs[] = {
  { "common-name", "s" }, { "identities", "as" }, { "organization", "s" }, { "organizational-unit", "s" },
  { "country", "s" }, { "state", "s" }, { "locality", "s" }, { "email", "s" }, { "key-type", "s" },
  { "roles", "as" }, { "tenant", "s" }, { "replace", "b" }, { "reload-units", "as" }, { "deploy-hooks", "as" },
  CW_DELIVERY_OPTION_SPECS,
  { NULL, NULL },
};

static CwIssueSpec *
spec_from_options (GVariant *options, GError **error)
{
  g_autoptr(CwIssueSpec) spec = cw_issue_spec_new ();
  const gchar *key_type = cw_options_get_string (options, "key-type", NULL);

  spec->common_name = g_strdup (cw_options_get_string (options, "common-name", NULL));
  spec->organization = g_strdup (cw_options_get_string (options, "organization", NULL));
  spec->organizational_unit = g_strdup (cw_options_get_string (options, "organizational-unit", NULL));
  spec->country = g_strdup (cw_options_get_string (options, "country", NULL));
  spec->state = g_strdup (cw_options_get_string (options, "state", NULL));
  spec->locality = g_strdup (cw_options_get_string (options, "locality", NULL));
  spec->email = g_strdup (cw_options_get_string (options, "email", NULL));
  spec->identities = cw_options_dup_strv (options, "identities");
  spec->ca = cw_options_get_bool (options, "ca", FALSE);
  g_variant_lookup (options, "days", "u", &spec->days);
  if (key_type != NULL && !cw_key_type_from_string (key_type, &spec->key_type, error))
    return NULL;
  return g_steal_pointer (&spec);
}

static void
create_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;
  g_autoptr(CwCertificate) cert = cw_store_create_finish (CW_STORE (source), result, &error);

  reply_certificate (invocation, cert, error);
}

static gboolean
handle_create_self_signed (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *name,
                           GVariant *options)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_auto(GStrv) roles = NULL;
  CwCertificate *issuer = NULL;
  const gchar *issuer_path = NULL;
  CwIssueSpec *spec;
  GError *error = NULL;

  if (!cw_options_check (options, create_specs, &error) || !renewal_options_check (options, &error) ||
      !delivery_options_check (self, options, name, &error) || (spec = spec_from_options (options, &error)) == NULL) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (g_variant_lookup (options, "issuer", "&o", &issuer_path)) {
    issuer = cw_certificate_from_path (self->store, issuer_path);
    if (issuer == NULL) {
      cw_issue_spec_free (spec);
      g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND,
                                             _("no certificate at %s to sign with"), issuer_path);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  }
  roles = cw_options_dup_strv (options, "roles");
  cw_store_create_async (self->store, name, spec, (const gchar * const *) roles,
                         cw_options_get_string (options, "tenant", NULL), issuer,
                         cw_options_get_bool (options, "replace", FALSE), NULL, create_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
request_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(CwCertificate) cert = NULL;
  g_autofree gchar *path = NULL, *csr = NULL;
  GError *error = NULL;

  cert = cw_store_request_finish (CW_STORE (source), result, &csr, &error);
  if (cert != NULL) {
    GVariant *params = g_dbus_method_invocation_get_parameters (invocation);
    g_autoptr(GVariant) options = g_variant_get_child_value (params, 1);

    CwManagerService *self = CW_MANAGER_SERVICE (g_dbus_method_invocation_get_user_data (invocation));

    if (!renewal_options_apply (CW_STORE (source), cert, options, &error) ||
        !delivery_options_apply (self, cert, options, &error))
      g_clear_object (&cert);
  }
  if (cert == NULL) {
    cw_invocation_take_error (invocation, error);
    return;
  }
  path = cw_certificate_object_path (cw_certificate_get_id (cert));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(os)", path, csr));
}

static gboolean
handle_create_request (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *name,
                       GVariant *options)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_auto(GStrv) roles = NULL;
  CwIssueSpec *spec;
  GError *error = NULL;

  if (!cw_options_check (options, request_specs, &error) || !renewal_options_check (options, &error) ||
      !delivery_options_check (self, options, name, &error) || (spec = spec_from_options (options, &error)) == NULL) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  roles = cw_options_dup_strv (options, "roles");
  cw_store_request_async (self->store, name, spec, (const gchar * const *) roles,
                          cw_options_get_string (options, "tenant", NULL), cw_options_get_bool (options, "replace", FALSE),
                          NULL, request_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- ACME --------------------------------------------------------------- */

static const CwOptionSpec acme_specs[] = {
  { "account", "o" }, { "directory", "s" }, { "challenge", "s" }, { "provider", "o" }, { "http-01-mode", "s" },
  { "webroot", "s" }, { "key-type", "s" }, { "reuse-key", "b" }, { "profile", "s" }, { "preferred-chain", "s" },
  { "roles", "as" }, { "tenant", "s" }, { "reload-units", "as" }, { "deploy-hooks", "as" }, { "protocol", "s" },
  CW_DELIVERY_OPTION_SPECS,
  { NULL, NULL },
};

static void
scep_request_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;
  g_autoptr(CwCertificate) cert = cw_scep_manager_request_finish (CW_SCEP_MANAGER (source), result, &error);

  reply_certificate (invocation, cert, error);
}

/* Request with protocol "scep" (cw-scep-request.c reads its options). */
static gboolean
handle_scep_request (CwManagerService *self, GDBusMethodInvocation *invocation, const gchar *name,
                     const gchar * const *identities, GVariant *options)
{
  g_autoptr(CwIssueSpec) spec = NULL;
  g_autoptr(CwScepSpec) scep = NULL;
  g_autofree gchar *challenge = NULL;
  g_auto(GStrv) roles = NULL;
  GError *error = NULL;

  if (self->scep == NULL) {
    g_dbus_method_invocation_return_error_literal (invocation, CW_ERROR, CW_ERROR_NOT_SUPPORTED,
                                                   _("this agent cannot use SCEP"));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (!renewal_options_check (options, &error) ||
      !cw_scep_request_options (options, identities, &spec, &scep, &challenge, &error)) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  roles = cw_options_dup_strv (options, "roles");
  cw_scep_manager_request_async (self->scep, name, g_steal_pointer (&spec), g_steal_pointer (&scep), challenge,
                                 (const gchar * const *) roles, cw_options_get_string (options, "tenant", NULL), NULL,
                                 scep_request_done, g_object_ref (invocation));
  cw_scep_request_forget (challenge);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
acme_request_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;
  g_autoptr(CwCertificate) cert = cw_acme_manager_request_finish (CW_ACME_MANAGER (source), result, &error);

  reply_certificate (invocation, cert, error);
}

static gboolean
handle_request (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *name,
                const gchar * const *identities, GVariant *options)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(CwAcmeSpec) acme = cw_acme_spec_new ();
  g_auto(GStrv) roles = NULL;
  const gchar *account_path = cw_options_get_string (options, "account", NULL);
  const gchar *key_type = cw_options_get_string (options, "key-type", NULL);
  CwKeyType type = CW_KEY_EC_P256;
  const gchar *protocol = cw_options_get_string (options, "protocol", "acme");
  GError *error = NULL;

  if (g_variant_lookup (options, "protocol", "&s", &protocol) && g_str_equal (protocol, "scep"))
    return handle_scep_request (self, invocation, name, identities, options);
  if (!g_str_equal (protocol, "acme")) {
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                                           _("protocol must be “acme” or “scep”, not “%s”"), protocol);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (!cw_options_check (options, acme_specs, &error) || !renewal_options_check (options, &error) ||
      !delivery_options_check (self, options, name, &error) ||
      (key_type != NULL && !cw_key_type_from_string (key_type, &type, &error))) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (account_path != NULL) {
    CwAcmeAccount *account = cw_account_from_path (self->acme, account_path);

    if (account == NULL) {
      g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND, _("no ACME account at %s"),
                                             account_path);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    acme->account = g_strdup (cw_acme_account_get_id (account));
  }
  if (cw_options_get_string (options, "provider", NULL) != NULL) {
    const gchar *path = cw_options_get_string (options, "provider", NULL);
    CwProvider *provider = cw_provider_from_path (cw_acme_manager_get_providers (self->acme), path);

    if (provider == NULL) {
      g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND, _("no DNS provider at %s"),
                                             path);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    acme->provider = g_strdup (cw_provider_get_id (provider));
  }
  acme->directory = g_strdup (cw_options_get_string (options, "directory", NULL));
  g_free (acme->challenge);
  acme->challenge = g_strdup (cw_options_get_string (options, "challenge", NULL));   /* NULL: [acme] challenge */
  acme->http01_mode = g_strdup (cw_options_get_string (options, "http-01-mode", NULL));
  acme->webroot = g_strdup (cw_options_get_string (options, "webroot", NULL));
  acme->profile = g_strdup (cw_options_get_string (options, "profile", NULL));
  acme->preferred_chain = g_strdup (cw_options_get_string (options, "preferred-chain", NULL));
  acme->reuse_key = cw_options_get_bool (options, "reuse-key", FALSE);
  roles = cw_options_dup_strv (options, "roles");
  cw_acme_manager_request_async (self->acme, name, identities, type, g_steal_pointer (&acme),
                                 (const gchar * const *) roles, cw_options_get_string (options, "tenant", NULL), NULL,
                                 acme_request_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
http_challenge_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;
  g_autofree gchar *answer = cw_http01_lookup_finish (CW_HTTP01 (source), result, &error);

  if (error != NULL)
    cw_invocation_take_error (invocation, error);
  else if (answer == NULL)
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND,
                                           _("no HTTP-01 challenge with this token is pending"));
  else
    cw_dbus_manager1_complete_get_http_challenge (g_dbus_method_invocation_get_user_data (invocation),
                                                  invocation, answer);
}

static gboolean
handle_get_http_challenge (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *token)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);

  /* this node's challenges, or (in a cluster) another node's */
  cw_http01_lookup_async (cw_acme_manager_get_http01 (self->acme), token, http_challenge_found,
                          g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_tls_alpn_challenge (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *server_name)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autofree gchar *cert = NULL, *key = NULL;

  if (!cw_tls_alpn01_lookup (cw_acme_manager_get_tls_alpn01 (self->acme), server_name, &cert, &key)) {
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND,
                                           _("no TLS-ALPN-01 challenge for this name is pending"));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  cw_dbus_manager1_complete_get_tls_alpn_challenge (iface, invocation, cert, key);
  explicit_bzero (key, strlen (key));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
account_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(CwAcmeAccount) account = NULL;
  g_autofree gchar *path = NULL;
  GError *error = NULL;

  account = cw_acme_accounts_create_finish (CW_ACME_ACCOUNTS (source), result, &error);
  if (account == NULL) {
    cw_invocation_take_error (invocation, error);
    return;
  }
  path = cw_account_object_path (cw_acme_account_get_id (account));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

static gboolean
handle_create_account (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *directory,
                       GVariant *options)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  static const CwOptionSpec specs[] = {
    { "contact", "as" }, { "agree-terms", "b" }, { "eab-kid", "s" }, { "eab-hmac-key", "s" }, { "key-type", "s" },
    { NULL, NULL },
  };
  g_autoptr(CwAcmeAccountOptions) account_options = g_new0 (CwAcmeAccountOptions, 1);
  const gchar *key_type = cw_options_get_string (options, "key-type", NULL);
  GError *error = NULL;

  account_options->key_type = CW_KEY_EC_P256;
  if (!cw_options_check (options, specs, &error) ||
      (key_type != NULL && !cw_key_type_from_string (key_type, &account_options->key_type, &error))) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  account_options->contact = cw_options_dup_strv (options, "contact");
  account_options->agree_terms = cw_options_get_bool (options, "agree-terms", FALSE);
  account_options->eab_kid = g_strdup (cw_options_get_string (options, "eab-kid", NULL));
  account_options->eab_hmac_key = g_strdup (cw_options_get_string (options, "eab-hmac-key", NULL));
  cw_acme_accounts_create_async (cw_acme_manager_get_accounts (self->acme), directory, g_steal_pointer (&account_options), NULL,
                                        account_created, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_accounts (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) accounts = cw_acme_accounts_get_all (cw_acme_manager_get_accounts (self->acme));
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < accounts->len; i++)
    g_ptr_array_add (paths, cw_account_object_path (cw_acme_account_get_id (g_ptr_array_index (accounts, i))));
  g_ptr_array_add (paths, NULL);
  cw_dbus_manager1_complete_get_accounts (iface, invocation, (const gchar * const *) paths->pdata);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- DNS providers ------------------------------------------------------ */

static gboolean
handle_get_provider_types (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) types = cw_provider_manager_get_types (cw_acme_manager_get_providers (self->acme));
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssa(sssbb))"));
  for (guint i = 0; i < types->len; i++) {
    const CwProviderPlugin *plugin = ((CwProviderType *) g_ptr_array_index (types, i))->plugin;

    g_variant_builder_open (&b, G_VARIANT_TYPE ("(ssa(sssbb))"));
    g_variant_builder_add (&b, "s", plugin->type);
    g_variant_builder_add (&b, "s", plugin->display_name);
    g_variant_builder_open (&b, G_VARIANT_TYPE ("a(sssbb)"));
    for (const CwProviderField *f = plugin->fields; f->key != NULL; f++)
      g_variant_builder_add (&b, "(sssbb)", f->key, f->label, f->description != NULL ? f->description : "",
                             f->required, f->secret);
    g_variant_builder_close (&b);
    g_variant_builder_close (&b);
  }
  cw_dbus_manager1_complete_get_provider_types (iface, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_add_provider (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *name,
                     const gchar *type, GVariant *settings)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GHashTable) table = cw_provider_settings_from_variant (settings);
  GError *error = NULL;
  g_autoptr(CwProvider) provider = cw_provider_manager_add (cw_acme_manager_get_providers (self->acme), name, type,
                                                            table, &error);
  g_autofree gchar *path = NULL;

  if (provider == NULL) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  path = cw_provider_object_path (cw_provider_get_id (provider));
  cw_dbus_manager1_complete_add_provider (iface, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_providers (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) providers = cw_provider_manager_get_providers (cw_acme_manager_get_providers (self->acme));
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < providers->len; i++)
    g_ptr_array_add (paths, cw_provider_object_path (cw_provider_get_id (g_ptr_array_index (providers, i))));
  g_ptr_array_add (paths, NULL);
  cw_dbus_manager1_complete_get_providers (iface, invocation, (const gchar * const *) paths->pdata);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_integrations (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autoptr(GPtrArray) all = cw_deliverer_get_integrations (self->deliverer);
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(ssa{sv})"));

  for (guint i = 0; i < all->len; i++) {
    const CwIntegration *integration = g_ptr_array_index (all, i);
    g_auto(GVariantBuilder) what = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

    g_variant_builder_add (&what, "{sv}", "access-group", cw_text_variant (integration->access_group));
    g_variant_builder_add (&what, "{sv}", "targets", cw_targets_to_variant (integration->targets));
    g_variant_builder_add (&what, "{sv}", "reload-units",
                           cw_text_variant_strv ((const gchar * const *) integration->units));
    g_variant_builder_add (&what, "{sv}", "deploy-hooks",
                           cw_text_variant_strv ((const gchar * const *) integration->hooks));
    g_variant_builder_add (&what, "{sv}", "reload-commands", cw_commands_to_variant (integration->commands));
    g_variant_builder_add (&b, "(@s@s@a{sv})", cw_text_variant (integration->name),
                           cw_text_variant (integration->description), g_variant_builder_end (&what));
  }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a(ssa{sv}))", g_variant_builder_end (&b)));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- names, default, tenants --------------------------------------------- */

static gboolean
handle_find_for_name (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *hostname,
                      const gchar *role)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  g_autofree gchar *path = NULL;
  GError *error = NULL;
  CwCertificate *cert = cw_store_find_for_name (self->store, hostname, role, &error);

  if (cert == NULL) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  path = cw_certificate_object_path (cw_certificate_get_id (cert));
  cw_dbus_manager1_complete_find_for_name (iface, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_default (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *path)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  CwCertificate *cert = cw_certificate_from_path (self->store, path);
  GError *error = NULL;
  guint64 mark = cw_saved_reply_mark ();

  if (cert == NULL)
    g_dbus_method_invocation_return_error (invocation, CW_ERROR, CW_ERROR_NOT_FOUND, _("no certificate at %s"), path);
  else if (!cw_store_set_default (self->store, cert, &error))
    cw_invocation_take_error (invocation, error);
  else
    cw_saved_reply (invocation, mark, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_tenant (CwDBusManager1 *iface, GDBusMethodInvocation *invocation, const gchar *tenant,
                   const gchar *const *domains)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);
  GError *error = NULL;
  guint64 mark = cw_saved_reply_mark ();

  if (!cw_store_set_tenant_domains (self->store, tenant, domains, &error))
    cw_invocation_take_error (invocation, error);
  else
    cw_saved_reply (invocation, mark, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_check_now (CwDBusManager1 *iface, GDBusMethodInvocation *invocation)
{
  CwManagerService *self = CW_MANAGER_SERVICE (iface);

  cw_scheduler_check_now (self->scheduler);
  cw_dbus_manager1_complete_check_now (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static GVariant *
paths_of (GPtrArray *certs)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_OBJECT_PATH_ARRAY);

  for (guint i = 0; i < certs->len; i++) {
    g_autofree gchar *path = cw_certificate_object_path (cw_certificate_get_id (g_ptr_array_index (certs, i)));

    g_variant_builder_add (&b, "o", path);
  }
  return g_variant_builder_end (&b);
}

static void
on_check_finished (CwScheduler *scheduler, GPtrArray *renewed, GPtrArray *failed, CwManagerService *self)
{
  g_autoptr(GVariant) r = g_variant_ref_sink (paths_of (renewed));
  g_autoptr(GVariant) f = g_variant_ref_sink (paths_of (failed));
  g_autofree const gchar **rv = g_variant_get_objv (r, NULL);
  g_autofree const gchar **fv = g_variant_get_objv (f, NULL);

  cw_dbus_manager1_emit_check_finished (CW_DBUS_MANAGER1 (self), rv, fv);
}

static void
sync_schedule (CwManagerService *self)
{
  CwDBusManager1 *iface = CW_DBUS_MANAGER1 (self);

  cw_dbus_manager1_set_check_interval (iface, cw_scheduler_get_interval (self->scheduler));
  cw_dbus_manager1_set_last_check (iface, MAX (cw_scheduler_get_last_check (self->scheduler), 0));
  cw_dbus_manager1_set_next_check (iface, MAX (cw_scheduler_get_next_check (self->scheduler), 0));
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
}

static void
manager_iface_init (CwDBusManager1Iface *iface)
{
  iface->handle_import = handle_import;
  iface->handle_get_certificates = handle_get_certificates;
  iface->handle_create_self_signed = handle_create_self_signed;
  iface->handle_create_request = handle_create_request;
  iface->handle_find_for_name = handle_find_for_name;
  iface->handle_set_default = handle_set_default;
  iface->handle_set_tenant = handle_set_tenant;
  iface->handle_request = handle_request;
  iface->handle_get_http_challenge = handle_get_http_challenge;
  iface->handle_get_tls_alpn_challenge = handle_get_tls_alpn_challenge;
  iface->handle_create_account = handle_create_account;
  iface->handle_get_accounts = handle_get_accounts;
  iface->handle_get_provider_types = handle_get_provider_types;
  iface->handle_add_provider = handle_add_provider;
  iface->handle_get_providers = handle_get_providers;
  iface->handle_get_integrations = handle_get_integrations;
  iface->handle_check_now = handle_check_now;
}

static void
sync_properties (CwManagerService *self)
{
  CwDBusManager1 *iface = CW_DBUS_MANAGER1 (self);
  CwCertificate *def = cw_store_get_default (self->store);
  g_autofree gchar *path = def != NULL ? cw_certificate_object_path (cw_certificate_get_id (def)) : g_strdup ("/");
  g_auto(GVariantBuilder) tenants = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{sas}"));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, cw_store_get_tenants (self->store));
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&tenants, "{s^as}", key, value);
  cw_dbus_manager1_set_default_certificate (iface, path);
  cw_dbus_manager1_set_expiry_warning_days (iface, cw_store_get_warning_days (self->store));
  cw_dbus_manager1_set_tenants (iface, g_variant_builder_end (&tenants));
  /* PropertiesChanged now, not from an idle: before the reply of the call
   * that made the change, so a client's cached properties are current
   * when its call returns */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
}

/* What the configuration file says (again after a reload) */
static void
sync_config (CwManagerService *self)
{
  cw_dbus_manager1_set_default_directory (CW_DBUS_MANAGER1 (self),
                                          cw_config_get_string (cw_store_get_config (self->store), "acme", "directory"));
  sync_properties (self);
}

static gboolean
set_property (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
              const gchar *interface_name, const gchar *property_name, GVariant *value, GError **error,
              gpointer user_data)
{
  CwManagerService *self = CW_MANAGER_SERVICE (user_data);

  if (g_str_equal (property_name, "ExpiryWarningDays") && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return cw_store_set_warning_days (self->store, g_variant_get_uint32 (value), error);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY, "%s cannot be set", property_name);
  return FALSE;
}

static const gchar *
creation_action (gpointer object, GVariant *parameters)
{
  return cw_guard_options_action (parameters, CW_ACTION_MANAGE_CERTIFICATES);
}

/* an exec provider runs a program of the administrator's as root */
static const gchar *
add_provider_action (gpointer object, GVariant *parameters)
{
  const gchar *type = NULL;

  g_variant_get (parameters, "(&s&s@a{ss})", NULL, &type, NULL);
  return g_strcmp0 (type, "exec") == 0 ? CW_ACTION_RUN_PROGRAMS : CW_ACTION_MANAGE_PROVIDERS;
}

static const CwGuardRule rules[] = {
  { "GetCertificates", NULL, NULL },
  { "FindForName", NULL, NULL },
  { "GetHttpChallenge", NULL, NULL },
  /* a throwaway certificate for one pending challenge, good for nothing else */
  { "GetTlsAlpnChallenge", NULL, NULL },
  { "GetAccounts", NULL, NULL },
  { "GetProviderTypes", NULL, NULL },
  { "GetProviders", NULL, NULL },
  { "GetIntegrations", NULL, NULL },
  { "GetClusterStatus", NULL, NULL },
  { "Import", NULL, creation_action },
  { "CreateSelfSigned", NULL, creation_action },
  { "CreateRequest", NULL, creation_action },
  { "Request", NULL, creation_action },
  { "CheckNow", CW_ACTION_MANAGE_CERTIFICATES, NULL },
  { "CreateAccount", CW_ACTION_MANAGE_ACCOUNTS, NULL },
  { "AddProvider", NULL, add_provider_action },
  { "SetDefault", CW_ACTION_CONFIGURE, NULL },
  { "SetTenant", CW_ACTION_CONFIGURE, NULL },
  { "Set:ExpiryWarningDays", CW_ACTION_CONFIGURE, NULL },
  { NULL, NULL, NULL },
};

CW_DEFINE_GUARDED_VTABLE (get_vtable, cw_manager_service_parent_class, rules, set_property)

static void
cw_manager_service_dispose (GObject *object)
{
  CwManagerService *self = CW_MANAGER_SERVICE (object);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->scheduler != NULL)
    g_signal_handlers_disconnect_by_data (self->scheduler, self);
  g_clear_object (&self->store);
  g_clear_object (&self->acme);
  g_clear_object (&self->scep);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->deliverer);
  G_OBJECT_CLASS (cw_manager_service_parent_class)->dispose (object);
}

static void
cw_manager_service_class_init (CwManagerServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_manager_service_dispose;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = get_vtable;
}

static void
cw_manager_service_init (CwManagerService *self)
{
}

void
cw_manager_service_set_scep (CwManagerService *self, CwScepManager *scep)
{
  g_set_object (&self->scep, scep);
}

CwManagerService *
cw_manager_service_new (CwStore *store, CwAcmeManager *acme, CwScheduler *scheduler, CwDeliverer *deliverer)
{
  CwManagerService *self = g_object_new (CW_TYPE_MANAGER_SERVICE, NULL);

  self->deliverer = g_object_ref (deliverer);
  self->store = g_object_ref (store);
  self->acme = g_object_ref (acme);
  self->scheduler = g_object_ref (scheduler);
  sync_schedule (self);
  g_signal_connect_swapped (scheduler, "changed", G_CALLBACK (sync_schedule), self);
  g_signal_connect (scheduler, "check-finished", G_CALLBACK (on_check_finished), self);
  cw_dbus_manager1_set_version (CW_DBUS_MANAGER1 (self), PACKAGE_VERSION);
  sync_config (self);
  g_signal_connect_object (cw_store_get_config (store), "changed", G_CALLBACK (sync_config), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_swapped (store, "manager-changed", G_CALLBACK (sync_properties), self);
  /* the default can change with a certificate (a forced removal) */
  g_signal_connect_swapped (store, "certificate-removed", G_CALLBACK (sync_properties), self);
  return self;
}
