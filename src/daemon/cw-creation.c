/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwCreation: the Manager1 calls that make a certificate (Import,
 * CreateSelfSigned, CreateRequest, Request over ACME or SCEP): their
 * options checked before anything is made, the work handed to the store or
 * the ACME/SCEP manager, and the reply (the new object's path) sent once
 * the call's renewal and delivery options are applied to what it made. */

#include "config.h"

#include "cw-creation.h"
#include "cw-certificate-service.h"
#include "cw-account-service.h"
#include "cw-provider-service.h"
#include "cw-delivery-options.h"
#include "cw-error.h"
#include "cw-invocation.h"
#include "cw-options.h"
#include "cw-scep-request.h"

#include <glib/gi18n.h>

struct _CwCreation {
  GObject        parent_instance;

  CwStore       *store;
  CwAcmeManager *acme;
  CwDeliverer   *deliverer;
  CwScepManager *scep;        /* or NULL */
};

G_DEFINE_FINAL_TYPE (CwCreation, cw_creation, G_TYPE_OBJECT)

/* one call in progress */
typedef struct {
  CwCreation            *self;
  GDBusMethodInvocation *invocation;
} Call;

static Call *
call_new (CwCreation *self, GDBusMethodInvocation *invocation)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->invocation = g_object_ref (invocation);
  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->self);
  g_object_unref (call->invocation);
  g_free (call);
}

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
delivery_options_check (CwCreation *self, GVariant *options, const gchar *name, GError **error)
{
  g_autoptr(CwDelivery) delivery = NULL;

  delivery = cw_delivery_from_options (self->deliverer, options, name != NULL ? name : "certificate",
                                       name != NULL ? cw_store_lookup (self->store, name) : NULL, error);
  return delivery != NULL || error == NULL || *error == NULL;
}

static gboolean
delivery_options_apply (CwCreation *self, CwCertificate *cert, GVariant *options, GError **error)
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

/* Ends a call that made @cert (its options, the last argument, applied to
 * it first): the reply is its object path, followed by @csr when that is
 * not NULL; or @error (taken). */
static void
reply_certificate_full (Call *call, CwCertificate *cert, const gchar *csr, GError *error)
{
  CwCreation *self = call->self;
  GDBusMethodInvocation *invocation = call->invocation;
  g_autofree gchar *path = NULL;
  GVariant *params = g_dbus_method_invocation_get_parameters (invocation);
  g_autoptr(GVariant) options = g_variant_get_child_value (params, g_variant_n_children (params) - 1);

  if (cert != NULL && g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT) &&
      (!renewal_options_apply (self->store, cert, options, &error) ||
       !delivery_options_apply (self, cert, options, &error)))
    cert = NULL;
  if (cert == NULL) {
    cw_invocation_take_error (invocation, error);
    call_free (call);
    return;
  }
  path = cw_certificate_object_path (cw_certificate_get_id (cert));
  g_dbus_method_invocation_return_value (invocation, csr != NULL ? g_variant_new ("(os)", path, csr)
                                                                 : g_variant_new ("(o)", path));
  call_free (call);
}

/* Answers @invocation with the object path of @cert, or with @error. */
static void
reply_certificate (Call *call, CwCertificate *cert, GError *error)
{
  reply_certificate_full (call, cert, NULL, error);
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
  Call *call = user_data;
  GError *error = NULL;
  g_autoptr(CwCertificate) cert = cw_store_import_finish (CW_STORE (source), result, &error);

  reply_certificate (call, cert, error);
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

gboolean
cw_creation_import (CwCreation *self, GDBusMethodInvocation *invocation, GVariant *options)
{
  GError *error = NULL;
  CwImportRequest *request = import_request_from_options (options, &error);

  if (request != NULL && !delivery_options_check (self, options, request->name, &error))
    g_clear_pointer (&request, cw_import_request_free);
  if (request == NULL) {
    cw_invocation_take_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  cw_store_import_async (self->store, request, NULL, import_done, call_new (self, invocation));
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
  Call *call = user_data;
  GError *error = NULL;
  g_autoptr(CwCertificate) cert = cw_store_create_finish (CW_STORE (source), result, &error);

  reply_certificate (call, cert, error);
}

gboolean
cw_creation_self_signed (CwCreation *self, GDBusMethodInvocation *invocation, const gchar *name, GVariant *options)
{
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
                         cw_options_get_bool (options, "replace", FALSE), NULL, create_done, call_new (self, invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
request_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  g_autofree gchar *csr = NULL;
  GError *error = NULL;
  g_autoptr(CwCertificate) cert = cw_store_request_finish (CW_STORE (source), result, &csr, &error);

  reply_certificate_full (call, cert, csr, error);
}

gboolean
cw_creation_csr (CwCreation *self, GDBusMethodInvocation *invocation, const gchar *name, GVariant *options)
{
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
                          NULL, request_done, call_new (self, invocation));
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
  Call *call = user_data;
  GError *error = NULL;
  g_autoptr(CwCertificate) cert = cw_scep_manager_request_finish (CW_SCEP_MANAGER (source), result, &error);

  reply_certificate (call, cert, error);
}

/* Request with protocol "scep" (cw-scep-request.c reads its options). */
static gboolean
scep_request (CwCreation *self, GDBusMethodInvocation *invocation, const gchar *name,
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
                                 scep_request_done, call_new (self, invocation));
  cw_scep_request_forget (challenge);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
acme_request_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  GError *error = NULL;
  g_autoptr(CwCertificate) cert = cw_acme_manager_request_finish (CW_ACME_MANAGER (source), result, &error);

  reply_certificate (call, cert, error);
}

gboolean
cw_creation_request (CwCreation *self, GDBusMethodInvocation *invocation, const gchar *name,
                     const gchar * const *identities, GVariant *options)
{
  g_autoptr(CwAcmeSpec) acme = cw_acme_spec_new ();
  g_auto(GStrv) roles = NULL;
  const gchar *account_path = cw_options_get_string (options, "account", NULL);
  const gchar *key_type = cw_options_get_string (options, "key-type", NULL);
  CwKeyType type = CW_KEY_EC_P256;
  const gchar *protocol = cw_options_get_string (options, "protocol", "acme");
  GError *error = NULL;

  if (g_variant_lookup (options, "protocol", "&s", &protocol) && g_str_equal (protocol, "scep"))
    return scep_request (self, invocation, name, identities, options);
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
                                 acme_request_done, call_new (self, invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- object ------------------------------------------------------------- */

static void
cw_creation_dispose (GObject *object)
{
  CwCreation *self = CW_CREATION (object);

  g_clear_object (&self->store);
  g_clear_object (&self->acme);
  g_clear_object (&self->deliverer);
  g_clear_object (&self->scep);
  G_OBJECT_CLASS (cw_creation_parent_class)->dispose (object);
}

static void
cw_creation_class_init (CwCreationClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_creation_dispose;
}

static void
cw_creation_init (CwCreation *self)
{
}

void
cw_creation_set_scep (CwCreation *self, CwScepManager *scep)
{
  g_return_if_fail (CW_IS_CREATION (self));
  g_return_if_fail (CW_IS_SCEP_MANAGER (scep));

  g_set_object (&self->scep, scep);
}

CwCreation *
cw_creation_new (CwStore *store, CwAcmeManager *acme, CwDeliverer *deliverer)
{
  CwCreation *self;

  g_return_val_if_fail (CW_IS_STORE (store), NULL);
  g_return_val_if_fail (CW_IS_ACME_MANAGER (acme), NULL);
  g_return_val_if_fail (CW_IS_DELIVERER (deliverer), NULL);

  self = g_object_new (CW_TYPE_CREATION, NULL);
  self->store = g_object_ref (store);
  self->acme = g_object_ref (acme);
  self->deliverer = g_object_ref (deliverer);
  return self;
}
