/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What administrators ask of the ACME manager: Request (a new or updated
 * certificate), Renew and Revoke. Each prepares the certificate's key and
 * request in the store and hands it to the order queue
 * (cw_acme_manager_start_job). */
#include "config.h"

#include "cw-acme-manager-private.h"
#include "cw-chain.h"
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-log.h"
#include "cw-names.h"

#include <glib/gi18n.h>

/* ---- Request and Renew -------------------------------------------------- */

static void
prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwAcmeManager *self = g_task_get_source_object (task);
  g_autoptr(CwCertificate) cert = NULL;
  GError *error = NULL;

  cert = cw_store_request_finish (CW_STORE (source), result, NULL, &error);
  if (cert == NULL || !cw_acme_manager_start_job (self, cert, &error)) {
    g_task_return_error (task, error);
    return;
  }
  g_task_return_pointer (task, g_steal_pointer (&cert), g_object_unref);
}

static gboolean
check_identities (const gchar * const *identities, const CwAcmeSpec *acme, GError **error)
{
  if (identities == NULL || identities[0] == NULL) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("name at least one DNS name or IP address to certify"));
    return FALSE;
  }
  if (!cw_identities_check_count (identities, error))
    return FALSE;
  for (guint i = 0; identities[i] != NULL; i++)
    if (g_str_has_prefix (identities[i], "*.") && g_strcmp0 (acme->challenge, "dns-01") != 0) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("the wildcard “%s” can only be validated with the dns-01 challenge"), identities[i]);
      return FALSE;
    }
  return TRUE;
}

/* dns-01 needs a configured provider: the one named, or the only one. */
static gboolean
pick_provider (CwAcmeManager *self, CwAcmeSpec *acme, GError **error)
{
  g_autoptr(GPtrArray) providers = self->providers != NULL ? cw_provider_manager_get_providers (self->providers)
                                                           : g_ptr_array_new ();

  if (acme->provider != NULL) {
    if (self->providers == NULL || cw_provider_manager_lookup (self->providers, acme->provider) == NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND, _("there is no DNS provider “%s”"), acme->provider);
      return FALSE;
    }
    return TRUE;
  }
  if (providers->len == 1) {
    acme->provider = g_strdup (cw_provider_get_id (g_ptr_array_index (providers, 0)));
    return TRUE;
  }
  g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                       providers->len == 0
                         ? _("dns-01 needs a DNS provider: add one first (Manager1.AddProvider, certwardctl provider add)")
                         : _("more than one DNS provider is configured: name the one to use with the provider option"));
  return FALSE;
}

void
cw_acme_manager_request_async (CwAcmeManager *self, const gchar *name, const gchar * const *identities,
                               CwKeyType key_type, CwAcmeSpec *acme, const gchar * const *roles, const gchar *tenant,
                               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(CwAcmeSpec) owned = acme;
  CwCertificate *existing = cw_store_lookup (self->store, name);
  CwIssueSpec *spec;
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, cw_acme_manager_request_async);
  if (acme->challenge == NULL)
    acme->challenge = g_strdup (cw_config_get_string (self->config, "acme", "challenge"));
  if (!cw_acme_spec_validate (acme, &error) || !check_identities (identities, acme, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (g_str_equal (acme->challenge, "dns-01") && !pick_provider (self, acme, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (acme->account != NULL) {
    CwAcmeAccount *account = cw_acme_accounts_lookup (self->accounts, acme->account);

    if (account == NULL) {
      g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_FOUND, _("there is no ACME account “%s”"), acme->account);
      return;
    }
    if (acme->directory != NULL && !g_str_equal (acme->directory, cw_acme_account_get_directory (account))) {
      g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                               _("the account “%s” belongs to %s, not %s"), acme->account,
                               cw_acme_account_get_directory (account), acme->directory);
      return;
    }
    g_free (acme->directory);
    acme->directory = g_strdup (cw_acme_account_get_directory (account));
  } else if (acme->directory == NULL) {
    acme->directory = g_strdup (cw_config_get_string (self->config, "acme", "directory"));
  }
  if (existing != NULL && cw_acme_manager_is_working (self, existing)) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_BUSY,
                             _("an ACME order for “%s” is already running; try again when it has finished"), name);
    return;
  }
  /* an update keeps what it does not change */
  if (existing != NULL && roles == NULL)
    roles = cw_certificate_get_roles (existing);
  if (existing != NULL && tenant == NULL)
    tenant = cw_certificate_get_tenant (existing);

  spec = cw_issue_spec_new ();
  spec->identities = g_strdupv ((gchar **) identities);
  spec->key_type = key_type;
  cw_store_prepare_acme_async (self->store, name, spec, g_steal_pointer (&owned), roles, tenant, acme->reuse_key, TRUE,
                               cancellable, prepared, g_steal_pointer (&task));
}

CwCertificate *
cw_acme_manager_request_finish (CwAcmeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
renew_prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwAcmeManager *self = g_task_get_source_object (task);
  g_autoptr(CwCertificate) cert = NULL;
  GError *error = NULL;

  cert = cw_store_request_finish (CW_STORE (source), result, NULL, &error);
  if (cert == NULL || !cw_acme_manager_start_job (self, cert, &error)) {
    CwCertificate *gated = g_object_get_data (G_OBJECT (task), "cw-gated");

    /* no order: what the gate granted goes back */
    if (gated != NULL)
      self->gate->release (self->gate_data, gated);
    g_task_return_error (task, error);
  } else {
    g_task_return_boolean (task, TRUE);
  }
}

/* A new request for @cert, and its order. */
static void
reissue (CwAcmeManager *self, CwCertificate *cert, gboolean reuse_key, GTask *task)
{
  cw_store_prepare_acme_async (self->store, cw_certificate_get_name (cert),
                               cw_issue_spec_copy (cw_certificate_get_spec (cert)),
                               cw_acme_spec_copy (cw_certificate_get_acme (cert)), cw_certificate_get_roles (cert),
                               cw_certificate_get_tenant (cert), reuse_key, TRUE, g_task_get_cancellable (task),
                               renew_prepared, task);
}

static gboolean
check_acme (CwAcmeManager *self, CwCertificate *cert, GError **error)
{
  if (cw_certificate_get_acme (cert) == NULL || cw_certificate_get_spec (cert) == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("“%s” does not come from an ACME CA"),
                 cw_certificate_get_name (cert));
    return FALSE;
  }
  if (cw_acme_manager_is_working (self, cert) || g_hash_table_contains (self->revoking, cw_certificate_get_id (cert))) {
    g_set_error (error, CW_ERROR, CW_ERROR_BUSY,
                 _("an ACME order for “%s” is already running; try again when it has finished"),
                 cw_certificate_get_name (cert));
    return FALSE;
  }
  return TRUE;
}

void
cw_acme_manager_set_gate (CwAcmeManager *self, const CwAcmeGate *gate, gpointer gate_data)
{
  self->gate = gate;
  self->gate_data = gate_data;
}

/* Renew once the gate (if any) granted it. */
static void
renew_start (CwAcmeManager *self, GTask *task)
{
  CwCertificate *cert = g_task_get_task_data (task);
  GError *error = NULL;

  /* never issued yet (a failed first order): try the same request again */
  if (cw_certificate_get_info (cert) == NULL && cw_certificate_get_request (cert) != NULL) {
    if (!cw_acme_manager_start_job (self, cert, &error)) {
      if (g_object_get_data (G_OBJECT (task), "cw-gated") != NULL)
        self->gate->release (self->gate_data, cert);
      g_task_return_error (task, error);
    } else {
      g_task_return_boolean (task, TRUE);
    }
    g_object_unref (task);
    return;
  }
  reissue (self, cert, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "cw-reuse-key")), task);
}

static void
renew_granted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CwAcmeManager *self = g_task_get_source_object (task);
  CwCertificate *cert = g_task_get_task_data (task);
  GError *error = NULL;

  if (!self->gate->acquire_finish (self->gate_data, result, &error)) {
    cw_task_fail (task, error);
    return;
  }
  /* another renewal may have started while the gate was asked */
  if (!check_acme (self, cert, &error)) {
    self->gate->release (self->gate_data, cert);
    cw_task_fail (task, error);
    return;
  }
  g_object_set_data (G_OBJECT (task), "cw-gated", cert);
  renew_start (self, task);
}

void
cw_acme_manager_renew_async (CwAcmeManager *self, CwCertificate *cert, gboolean force, gint reuse_key,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  const CwCertInfo *info = cw_certificate_get_info (cert);
  GError *error = NULL;

  g_task_set_source_tag (task, cw_acme_manager_renew_async);
  if (!check_acme (self, cert, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (info != NULL && !force && !cw_certificate_is_due (cert, cw_clock_now ())) {
    g_autofree gchar *when = cw_format_date (info->not_after - (info->not_after - info->not_before) / 3);

    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_DUE,
                             _("“%s” is not due for renewal until %s; use force to reissue it now"),
                             cw_certificate_get_name (cert), when);
    return;
  }
  g_task_set_task_data (task, g_object_ref (cert), g_object_unref);
  g_object_set_data (G_OBJECT (task), "cw-reuse-key",
                     GINT_TO_POINTER (reuse_key < 0 ? cw_certificate_get_acme (cert)->reuse_key : reuse_key > 0));
  if (self->gate != NULL)
    self->gate->acquire_async (self->gate_data, cert, renew_granted, g_steal_pointer (&task));
  else
    renew_start (self, g_steal_pointer (&task));
}

gboolean
cw_acme_manager_renew_finish (CwAcmeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Revoke ------------------------------------------------------------- */

typedef struct {
  CwAcmeManager *manager;   /* set while the certificate is claimed */
  CwCertificate *cert;
  guint          reason;
  GBytes        *der;
  CwAcmeClient  *client;
} Revoke;

static void
revoke_free (Revoke *r)
{
  if (r->manager != NULL)
    g_hash_table_remove (r->manager->revoking, cw_certificate_get_id (r->cert));
  g_clear_object (&r->manager);
  g_object_unref (r->cert);
  g_clear_pointer (&r->der, g_bytes_unref);
  g_clear_object (&r->client);
  g_free (r);
}

static void
revoked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwAcmeManager *self = g_task_get_source_object (task);
  Revoke *r = g_task_get_task_data (task);
  const gchar *name = cw_certificate_get_name (r->cert);
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = cw_acme_client_post_finish (r->client, result, &error);

  if (response == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (cw_acme_response_is_problem (response) &&
      !g_str_equal (cw_acme_response_problem_type (response), "urn:ietf:params:acme:error:alreadyRevoked")) {
    g_task_return_error (task, cw_acme_response_to_error (response, _("revocation")));
    return;
  }
  cw_cert_message (name, "%s: certificate %s revoked (reason %u); ordering its replacement", name,
                   cw_certificate_get_info (r->cert)->serial, r->reason);
  /* the old key may be why it was revoked: the replacement gets a new one */
  reissue (self, r->cert, FALSE, g_steal_pointer (&task));
}

static void
revoke_post (GTask *task, CwAcmeAccount *account)
{
  CwAcmeManager *self = g_task_get_source_object (task);
  Revoke *r = g_task_get_task_data (task);
  g_autofree gchar *certificate = NULL, *payload = NULL;
  const gchar *url;
  GError *error = cw_acme_account_check_usable (account);

  if (error != NULL) {
    cw_task_fail (task, error);
    return;
  }
  r->client = g_object_ref (cw_acme_manager_client (self, cw_acme_account_get_directory (account)));
  url = cw_acme_client_endpoint (r->client, "revokeCert");
  if (url == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_ACME, _("the ACME directory names no revokeCert"));
    g_object_unref (task);
    return;
  }
  certificate = cw_base64url_encode (g_bytes_get_data (r->der, NULL), g_bytes_get_size (r->der));
  payload = g_strdup_printf ("{\"certificate\":\"%s\",\"reason\":%u}", certificate, r->reason);
  cw_acme_client_post_async (r->client, url, payload, cw_acme_account_get_key (account),
                             cw_acme_account_get_url (account), NULL, g_task_get_cancellable (task), revoked, task);
}

static void
revoke_post_with_account (GTask *task)
{
  revoke_post (task, g_object_get_data (G_OBJECT (task), "account"));
}

static void
revoke_with (GTask *task, CwAcmeAccount *account)
{
  CwAcmeManager *self = g_task_get_source_object (task);

  g_object_set_data_full (G_OBJECT (task), "account", g_object_ref (account), g_object_unref);
  cw_acme_client_load_then (cw_acme_manager_client (self, cw_acme_account_get_directory (account)), task,
                             revoke_post_with_account);
}

static void
revoke_account_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(CwAcmeAccount) account = cw_acme_accounts_default_finish (CW_ACME_ACCOUNTS (source), result, &error);

  if (account == NULL) {
    cw_task_fail (task, error);
    return;
  }
  revoke_with (task, account);
}

static void
revoke_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CwAcmeManager *self = g_task_get_source_object (task);
  Revoke *r = g_task_get_task_data (task);
  const CwAcmeSpec *acme = cw_certificate_get_acme (r->cert);
  g_autofree gchar *pem = NULL;
  gsize len = 0;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  CwAcmeAccount *account;
  GError *error = NULL;

  if (!g_file_load_contents_finish (G_FILE (source), result, &pem, &len, NULL, &error) ||
      (crt = cw_x509_crt_import ((const guint8 *) pem, len, GNUTLS_X509_FMT_PEM, &error)) == NULL ||
      (r->der = cw_x509_crt_export_der (crt, &error)) == NULL) {
    cw_task_fail (task, error);
    return;
  }
  if (acme->account == NULL) {
    cw_acme_accounts_default_async (self->accounts, cw_acme_manager_directory_of (self, acme), revoke_account_found, task);
    return;
  }
  account = cw_acme_accounts_lookup (self->accounts, acme->account);
  if (account == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_FOUND, _("the ACME account “%s” is gone"), acme->account);
    g_object_unref (task);
    return;
  }
  revoke_with (task, account);
}

void
cw_acme_manager_revoke_async (CwAcmeManager *self, CwCertificate *cert, guint reason, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Revoke *r = g_new0 (Revoke, 1);
  g_autofree gchar *path = NULL;
  g_autoptr(GFile) file = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, cw_acme_manager_revoke_async);
  r->cert = g_object_ref (cert);
  r->reason = reason;
  g_task_set_task_data (task, r, (GDestroyNotify) revoke_free);
  if (!check_acme (self, cert, &error)) {
    g_task_return_error (task, error);
    return;
  }
  /* RFC 5280 §5.3.1 CRLReason; 7 is unused */
  if (reason > 10 || reason == 7) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                             _("%u is not a revocation reason (RFC 5280: 0 unspecified, 1 keyCompromise, "
                               "3 affiliationChanged, 4 superseded, 5 cessationOfOperation …)"), reason);
    return;
  }
  if (cw_certificate_get_info (cert) == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_FOUND, _("“%s” has no certificate to revoke yet"),
                             cw_certificate_get_name (cert));
    return;
  }
  g_hash_table_add (self->revoking, g_strdup (cw_certificate_get_id (cert)));
  r->manager = g_object_ref (self);
  path = cw_certificate_get_path (cert, CW_CERT_FILE_CERT);
  file = g_file_new_for_path (path);
  g_file_load_contents_async (file, cancellable, revoke_loaded, g_steal_pointer (&task));
}

gboolean
cw_acme_manager_revoke_finish (CwAcmeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
