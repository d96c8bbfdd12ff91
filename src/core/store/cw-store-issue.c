/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Certificates the agent makes itself: self-signed, signed by a local CA,
 * requests for an outside CA, their renewal, and the host's first identity.
 * Keys are generated and certificates signed in worker threads. */
#include "config.h"

#include "cw-store-private.h"
#include "cw-certificate-private.h"
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-host.h"
#include "cw-log.h"
#include "cw-revision.h"
#include "cw-sni-index.h"

#include <glib/gi18n.h>

typedef struct {
  gchar         *name;
  CwIssueSpec   *spec;
  CwAcmeSpec    *acme;         /* a request for an ACME CA */
  CwScepSpec    *scep;         /* a request for a SCEP CA */
  gchar        **roles;
  gchar         *tenant;
  gboolean       request;      /* a CSR instead of a certificate */
  gboolean       renew;
  gboolean       reuse_key;
  gchar         *issuer_dir;   /* the signing CA's directory, or NULL */
  CwCertificate *existing;     /* claimed */
  gchar         *reserved_id;
  CwWriteJob    *job;
} IssueData;

static void
issue_data_free (IssueData *data)
{
  g_free (data->name);
  cw_issue_spec_free (data->spec);
  cw_acme_spec_free (data->acme);
  cw_scep_spec_free (data->scep);
  g_strfreev (data->roles);
  g_free (data->tenant);
  g_free (data->issuer_dir);
  g_clear_object (&data->existing);
  g_free (data->reserved_id);
  if (data->job != NULL)
    cw_write_job_free (data->job);
  g_free (data);
}

static gboolean
load_issuer (const gchar *dir, gnutls_x509_privkey_t *key, GPtrArray **chain, GError **error)
{
  g_auto(CwFd) fd = cw_fs_open_dir (AT_FDCWD, dir, FALSE, error);
  g_auto(CwFd) revfd = fd >= 0 ? cw_revision_open_current (fd, error) : -1;

  if (revfd < 0)
    return FALSE;
  *chain = cw_revision_load_chain_at (revfd, error);
  if (*chain == NULL)
    return FALSE;
  *key = cw_revision_load_key_at (revfd, error);
  return *key != NULL;
}

static gnutls_x509_privkey_t
make_key (IssueData *data, GError **error)
{
  g_auto(CwFd) fd = -1;

  if (!data->reuse_key)
    return cw_keygen (data->spec->key_type, error);
  fd = cw_fs_open_dir (AT_FDCWD, cw_certificate_get_dir (data->existing), FALSE, error);
  return fd >= 0 ? cw_revision_load_key (fd, "current", error) : NULL;
}

static void
issue_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  IssueData *data = task_data;
  const gchar *const *roles = (const gchar * const *) data->roles;
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_privkey_t) issuer_key = NULL;
  g_autoptr(GPtrArray) issuer_chain = NULL;
  gnutls_x509_crt_t crt;
  CwBundle *bundle;
  GError *error = NULL;

  key = make_key (data, &error);
  if (key == NULL)
    goto fail;

  if (data->request) {
    data->job->request = cw_issue_request (data->spec, roles, key, &error);
    if (data->job->request == NULL)
      goto fail;
    data->job->pending_key = g_steal_pointer (&key);
  } else {
    if (data->issuer_dir != NULL && !load_issuer (data->issuer_dir, &issuer_key, &issuer_chain, &error))
      goto fail;
    crt = cw_issue_certificate (data->spec, roles, key, issuer_chain != NULL ? g_ptr_array_index (issuer_chain, 0) : NULL,
                                issuer_key, cw_clock_now (), &error);
    if (crt == NULL)
      goto fail;
    bundle = g_new0 (CwBundle, 1);
    bundle->key = g_steal_pointer (&key);
    bundle->certs = g_ptr_array_new_with_free_func ((GDestroyNotify) gnutls_x509_crt_deinit);
    bundle->warnings = g_ptr_array_new_null_terminated (0, g_free, TRUE);
    g_ptr_array_add (bundle->certs, crt);
    /* an intermediate local CA travels with the certificate; a root does not */
    if (issuer_chain != NULL && !cw_x509_crt_is_self_signed (g_ptr_array_index (issuer_chain, 0)))
      for (guint i = 0; i < issuer_chain->len; i++)
        g_ptr_array_add (bundle->certs, cw_x509_crt_copy (g_ptr_array_index (issuer_chain, i)));
    data->job->bundle = bundle;
  }
  if (!cw_write_job_run (data->job, &error))
    goto fail;
  g_task_return_boolean (task, TRUE);
  return;

fail:
  g_task_return_error (task, error);
}

static void
issue_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwStore *self = CW_STORE (source);
  g_autoptr(GTask) task = user_data;
  IssueData *data = g_task_get_task_data (task);
  const gchar *const *roles = (const gchar * const *) data->roles;
  CwCertificate *cert;
  GError *error = NULL;

  cw_store_unreserve (self, data->reserved_id != NULL ? data->name : NULL, data->reserved_id);
  if (data->existing != NULL)
    cw_certificate_set_busy (data->existing, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    cw_cert_warning (data->name, "%s: %s failed: %s", data->name,
                     data->request ? "the request" : data->renew ? "renewal" : "issuance", error->message);
    g_task_return_error (task, error);
    return;
  }

  if (data->existing == NULL) {
    cert = cw_store_publish_new (self, data->job, data->name, roles, data->tenant, g_steal_pointer (&data->spec),
                                 g_steal_pointer (&data->acme));
    if (data->scep != NULL) {
      cw_certificate_set_scep (cert, g_steal_pointer (&data->scep));
      cw_certificate_emit_changed (cert);
    }
    if (data->request) {
      cw_cert_message (data->name, "%s: new key and request made; waiting for the CA's certificate", data->name);
    } else {
      cw_cert_message (data->name, "%s: %s certificate made (%s)", data->name, data->job->source,
                       cw_certificate_get_info (cert)->subject);
      cw_store_emit_event (self, cert, CW_EVENT_ADDED);
    }
  } else {
    cert = data->existing;
    if (!data->renew) {
      cw_certificate_set_roles (cert, roles);
      cw_certificate_set_tenant (cert, data->tenant);
      /* the index keeps its own copy of the roles: FindForName follows at
       * once, also while a request waits for its certificate */
      cw_sni_index_update (self->index, cert);
    }
    cw_certificate_set_spec (cert, g_steal_pointer (&data->spec));
    if (data->acme != NULL)
      cw_certificate_set_acme (cert, g_steal_pointer (&data->acme));
    if (data->scep != NULL)
      cw_certificate_set_scep (cert, g_steal_pointer (&data->scep));
    if (data->request) {
      cw_certificate_set_request (cert, data->job->request);
      cw_store_save_settings (self, cert);
      if (cw_certificate_get_acme (cert) != NULL || cw_certificate_get_scep (cert) != NULL)
        cw_cert_info (data->name, "%s: %s and request for a new %s", data->name,
                      data->reuse_key ? "same key" : "new key",
                      cw_certificate_get_acme (cert) != NULL ? "ACME order" : "SCEP enrollment");
      else
        cw_cert_message (data->name, "%s: new key and request made; the current certificate stays in use until Install",
                         data->name);
      cw_certificate_emit_changed (cert);
    } else {
      cw_store_apply_revision (self, cert, data->job);
      cw_store_save_settings (self, cert);
      cw_cert_message (data->name, "%s: %s (revision %u)", data->name,
                       data->renew ? "renewed" : "replaced by a new local certificate", data->job->revision);
      cw_certificate_emit_changed (cert);
      cw_store_emit_event (self, cert, data->renew ? CW_EVENT_RENEWED : CW_EVENT_REPLACED);
    }
  }
  g_task_return_pointer (task, g_object_ref (cert), g_object_unref);
}

/* The local CA @issuer can sign now, or an error says why not. */
static gboolean
check_issuer (CwCertificate *issuer, GError **error)
{
  const CwCertInfo *info = cw_certificate_get_info (issuer);
  const gchar *name = cw_certificate_get_name (issuer);
  gint64 now = cw_clock_now ();

  if (info == NULL || !info->is_ca) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not a CA certificate; create one with ca"), name);
    return FALSE;
  }
  if (info->not_after < now || info->not_before > now) {
    g_set_error (error, CW_ERROR, CW_ERROR_EXPIRED, _("the CA “%s” is not valid now"), name);
    return FALSE;
  }
  if (!cw_certificate_get_key_matches (issuer)) {
    g_set_error (error, CW_ERROR, CW_ERROR_KEY_MISMATCH, _("the CA “%s” has no usable private key"), name);
    return FALSE;
  }
  return TRUE;
}

/* Shared start of create and request: checks, reservation, the write job. */
static GTask *
start (CwStore *self, IssueData *data, GCancellable *cancellable, GAsyncReadyCallback callback,
       gpointer user_data, gpointer tag, gboolean replace, CwCertificate *issuer)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  const gchar *source;
  GError *error = NULL;

  g_task_set_source_tag (task, tag);
  cw_store_track (self, task);
  g_task_set_task_data (task, data, (GDestroyNotify) issue_data_free);

  /* a CA signs; it serves nothing unless asked to */
  if (data->roles == NULL)
    data->roles = g_strsplit (data->spec->ca ? "ca" : "server", ",", -1);
  /* a CA is usually made by name alone: "phones-CA" */
  if (data->spec->common_name == NULL && (data->spec->identities == NULL || data->spec->identities[0] == NULL))
    data->spec->common_name = g_strdup (data->name);
  if (data->spec->ca && !g_strv_contains ((const gchar * const *) data->roles, "ca")) {
    guint n = g_strv_length (data->roles);

    data->roles = g_renew (gchar *, data->roles, n + 2);
    data->roles[n] = g_strdup ("ca");
    data->roles[n + 1] = NULL;
  }
  if (!cw_name_validate (data->name, &error) ||
      !cw_roles_validate ((const gchar * const *) data->roles, &error) ||
      (data->tenant != NULL && *data->tenant != '\0' && !cw_tenant_validate (data->tenant, &error)) ||
      !cw_issue_spec_validate (data->spec, (const gchar * const *) data->roles, &error) ||
      (issuer != NULL && !check_issuer (issuer, &error))) {
    g_task_return_error (task, error);
    return NULL;
  }
  if (issuer != NULL) {
    g_free (data->spec->issuer);
    data->spec->issuer = g_strdup (cw_certificate_get_id (issuer));
    data->issuer_dir = g_strdup (cw_certificate_get_dir (issuer));
  }
  if (data->tenant == NULL)
    data->tenant = g_strdup (cw_store_tenant_for (self, (const gchar * const *) data->spec->identities));
  if (!cw_store_reserve (self, data->name, replace, &data->existing, &data->reserved_id, &error)) {
    g_task_return_error (task, error);
    return NULL;
  }
  if (data->existing != NULL && issuer == data->existing) {
    cw_certificate_set_busy (data->existing, FALSE);
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("a certificate cannot sign its own replacement"));
    return NULL;
  }

  if (data->existing != NULL && (data->scep != NULL) != (cw_certificate_get_scep (data->existing) != NULL)) {
    cw_certificate_set_busy (data->existing, FALSE);
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_EXISTS,
                             data->scep != NULL
                               ? _("“%s” exists and does not come from SCEP; remove it or choose another name")
                               : _("“%s” comes from SCEP; use Request or Renew for it"),
                             data->name);
    return NULL;
  }
  if (data->existing != NULL && (data->acme != NULL) != (cw_certificate_get_acme (data->existing) != NULL)) {
    cw_certificate_set_busy (data->existing, FALSE);
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_EXISTS,
                             data->acme != NULL
                               ? _("“%s” exists and does not come from ACME; remove it or choose another name")
                               : _("“%s” comes from ACME; use Request or Renew for it"),
                             data->name);
    return NULL;
  }

  source = data->acme != NULL ? "acme" : data->scep != NULL ? "scep" : data->request ? "csr" : issuer != NULL ? "local-ca" : "self-signed";
  /* a re-key of an existing certificate keeps its revisions and source */
  data->job = cw_store_new_write_job (self, data->existing,
                                      data->request && data->existing != NULL ? cw_certificate_get_source (data->existing)
                                                                              : source);
  data->job->renewal = data->renew;
  if (data->existing == NULL) {
    data->job->id = g_strdup (data->reserved_id);
    data->job->settings = cw_store_settings_serialize (data->name, (const gchar * const *) data->roles, data->tenant,
                                                       data->spec, data->acme, data->scep, NULL, NULL, CW_CERT_STATE_VALID);
  } else {
    /* what issue_done makes of the model, on disk with the change */
    CwCertificate *e = data->existing;

    data->job->settings =
      cw_store_settings_serialize (data->name,
                                   data->renew ? cw_certificate_get_roles (e) : (const gchar * const *) data->roles,
                                   data->renew ? cw_certificate_get_tenant (e) : data->tenant, data->spec,
                                   data->acme != NULL ? data->acme : cw_certificate_get_acme (e),
                                   data->scep != NULL ? data->scep : cw_certificate_get_scep (e),
                                   cw_certificate_get_renewal (e), cw_certificate_get_delivery (e),
                                   cw_certificate_get_announced (e));
  }
  return g_steal_pointer (&task);
}

static IssueData *
issue_data_new (const gchar *name, CwIssueSpec *spec, const gchar * const *roles, const gchar *tenant)
{
  IssueData *data = g_new0 (IssueData, 1);

  data->name = g_strdup (name);
  data->spec = spec;
  data->roles = g_strdupv ((gchar **) roles);
  data->tenant = g_strdup (tenant);
  return data;
}

void
cw_store_create_async (CwStore *self, const gchar *name, CwIssueSpec *spec, const gchar * const *roles,
                       const gchar *tenant, CwCertificate *issuer, gboolean replace, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  IssueData *data = issue_data_new (name, spec, roles, tenant);
  GTask *task = start (self, data, cancellable, callback, user_data, cw_store_create_async, replace, issuer);

  if (task != NULL)
    cw_store_run_in_thread (self, task, issue_thread, issue_done);
}

CwCertificate *
cw_store_create_finish (CwStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cw_store_request_async (CwStore *self, const gchar *name, CwIssueSpec *spec, const gchar * const *roles,
                        const gchar *tenant, gboolean replace, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  IssueData *data = issue_data_new (name, spec, roles, tenant);
  GTask *task;

  data->request = TRUE;
  spec->ca = FALSE;
  g_clear_pointer (&spec->issuer, g_free);
  task = start (self, data, cancellable, callback, user_data, cw_store_request_async, replace, NULL);
  if (task != NULL)
    cw_store_run_in_thread (self, task, issue_thread, issue_done);
}

void
cw_store_prepare_acme_async (CwStore *self, const gchar *name, CwIssueSpec *spec, CwAcmeSpec *acme,
                             const gchar * const *roles, const gchar *tenant, gboolean reuse_key, gboolean replace,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  IssueData *data = issue_data_new (name, spec, roles, tenant);
  CwCertificate *existing = cw_store_lookup (self, name);
  GTask *task;

  data->request = TRUE;
  data->acme = acme;
  spec->ca = FALSE;
  spec->san_only = TRUE;
  g_clear_pointer (&spec->issuer, g_free);
  /* the key of the certificate in use, when asked to and there is one */
  data->reuse_key = reuse_key && existing != NULL && cw_certificate_get_info (existing) != NULL &&
                    cw_certificate_get_key_matches (existing);
  task = start (self, data, cancellable, callback, user_data, cw_store_prepare_acme_async, replace, NULL);
  if (task != NULL)
    cw_store_run_in_thread (self, task, issue_thread, issue_done);
}

void
cw_store_prepare_scep_async (CwStore *self, const gchar *name, CwIssueSpec *spec, CwScepSpec *scep,
                             const gchar * const *roles, const gchar *tenant, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  IssueData *data = issue_data_new (name, spec, roles, tenant);
  GTask *task;

  data->request = TRUE;
  data->scep = scep;
  spec->ca = FALSE;
  g_clear_pointer (&spec->issuer, g_free);
  task = start (self, data, cancellable, callback, user_data, cw_store_prepare_scep_async, TRUE, NULL);
  if (task != NULL)
    cw_store_run_in_thread (self, task, issue_thread, issue_done);
}

CwCertificate *
cw_store_request_finish (CwStore *self, GAsyncResult *result, gchar **csr_pem, GError **error)
{
  CwCertificate *cert;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  cert = g_task_propagate_pointer (G_TASK (result), error);
  if (cert != NULL && csr_pem != NULL)
    *csr_pem = g_strdup (cw_certificate_get_request (cert));
  return cert;
}

/* ---- renew -------------------------------------------------------------- */

static void
renew_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(CwCertificate) cert = NULL;
  GError *error = NULL;

  cert = g_task_propagate_pointer (G_TASK (result), &error);
  if (cert == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
cw_store_renew_async (CwStore *self, CwCertificate *cert, gboolean force, gboolean reuse_key,
                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) inner = NULL;
  const CwIssueSpec *spec = cw_certificate_get_spec (cert);
  const gchar *source = cw_certificate_get_source (cert);
  const gchar *name = cw_certificate_get_name (cert);
  CwCertificate *issuer = NULL;
  IssueData *data;

  g_task_set_source_tag (task, cw_store_renew_async);
  if (cw_certificate_get_scep (cert) != NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("“%s” comes from a SCEP CA: the SCEP manager renews it"),
                             name);
    return;
  }
  if (g_str_equal (source, "csr") || g_str_equal (source, "imported") || spec == NULL ||
      cw_certificate_get_acme (cert) != NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_SUPPORTED,
                             cw_certificate_get_acme (cert) != NULL
                               ? _("“%s” comes from an ACME CA: the ACME manager renews it")
                               : g_str_equal (source, "csr")
                               ? _("“%s” comes from an outside CA: make a new request (CreateRequest with replace) and Install its answer")
                               : _("“%s” was imported: Install a renewed certificate for it"),
                             name);
    return;
  }
  if (!force && !cw_certificate_is_due (cert, cw_clock_now ())) {
    const CwCertInfo *info = cw_certificate_get_info (cert);
    g_autofree gchar *when = cw_format_date (info->not_after - (info->not_after - info->not_before) / 3);

    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_DUE,
                             _("“%s” is not due for renewal until %s; use force to reissue it now"), name, when);
    return;
  }
  if (spec->issuer != NULL) {
    issuer = cw_store_lookup_id (self, spec->issuer);
    if (issuer == NULL) {
      g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_FOUND,
                               _("the CA that issued “%s” is gone; create a new certificate instead"), name);
      return;
    }
  }
  data = issue_data_new (name, cw_issue_spec_copy (spec), cw_certificate_get_roles (cert),
                         cw_certificate_get_tenant (cert));
  data->renew = TRUE;
  data->reuse_key = reuse_key;
  /* start() claims the certificate through the reservation (Busy if taken);
   * when it fails it has already answered renew_done with the error */
  inner = start (self, data, cancellable, renew_done, g_object_ref (task), cw_store_renew_async, TRUE, issuer);
  if (inner != NULL)
    cw_store_run_in_thread (self, g_steal_pointer (&inner), issue_thread, issue_done);
}

gboolean
cw_store_renew_finish (CwStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the host's first identity ------------------------------------------ */

static void
host_ids_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_task_return_pointer (task, cw_host_identities (), (GDestroyNotify) g_strfreev);
}

static void
identity_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(CwCertificate) cert = NULL;
  GError *error = NULL;

  cert = cw_store_create_finish (CW_STORE (source), result, &error);
  if (cert == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (!cw_store_set_default (CW_STORE (source), cert, &error)) {
    g_task_return_error (task, error);
    return;
  }
  g_message ("first start: made the self-signed certificate “%s” for %s", cw_certificate_get_name (cert),
             cw_certificate_get_info (cert)->identities[0]);
  g_task_return_boolean (task, TRUE);
}

static void
host_ids_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwStore *self = CW_STORE (source);
  g_autoptr(GTask) task = user_data;
  g_auto(GStrv) ids = g_task_propagate_pointer (G_TASK (result), NULL);
  static const gchar *const roles[] = { "server", "sip-tls", NULL };
  CwIssueSpec *spec = cw_issue_spec_new ();
  g_autofree gchar *name = g_strdup ("system");

  for (guint n = 2; cw_store_lookup (self, name) != NULL; n++) {
    g_free (name);
    name = g_strdup_printf ("system-%u", n);
  }
  spec->identities = g_steal_pointer (&ids);
  spec->days = 365;
  cw_store_create_async (self, name, spec, roles, NULL, NULL, FALSE, g_task_get_cancellable (task),
                         identity_created, g_object_ref (task));
}

void
cw_store_ensure_identity_async (CwStore *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GPtrArray) all = cw_store_get_certificates (self);
  CwCertificate *fallback = NULL;

  g_task_set_source_tag (task, cw_store_ensure_identity_async);
  cw_store_track (self, task);
  for (guint i = 0; i < all->len; i++) {
    CwCertificate *cert = g_ptr_array_index (all, i);

    if (cw_certificate_has_role (cert, "server") && cw_certificate_get_info (cert) != NULL &&
        (fallback == NULL || cw_certificate_get_info (cert)->not_after > cw_certificate_get_info (fallback)->not_after))
      fallback = cert;
  }
  if (fallback != NULL) {
    /* a server certificate exists: keep or repair the default, make nothing */
    if (cw_store_get_default (self) == NULL)
      cw_store_set_default (self, fallback, NULL);
    g_task_return_boolean (task, TRUE);
    return;
  }
  /* every installation gets its own key, made here on first start */
  cw_store_run_in_thread (self, g_steal_pointer (&task), host_ids_thread, host_ids_done);
}

gboolean
cw_store_ensure_identity_finish (CwStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
