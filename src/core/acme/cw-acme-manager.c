/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ACME orders for the store's certificates: one job per certificate, queued
 * per CA up to [acme] max-concurrent-orders, each running the order engine
 * (cw-acme-order.c) with the certificate's pending request and installing
 * the result. Request, Renew and Revoke are in cw-acme-manager-requests.c. */
#include "config.h"

#include "cw-acme-manager-private.h"
#include "cw-acme-order.h"
#include "cw-certificate-private.h"
#include "cw-chain.h"
#include "cw-clock.h"
#include "cw-dns01.h"
#include "cw-error.h"
#include "cw-json.h"
#include "cw-log.h"
#include "cw-names.h"

#include <glib/gi18n.h>
#include <string.h>

enum { SIGNAL_ORDER_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwAcmeManager, cw_acme_manager, G_TYPE_OBJECT)

/* Orders waiting for and holding a CA's slots. */
typedef struct {
  guint  active;
  GQueue waiting;   /* Job */
} Queue;

typedef struct {
  CwAcmeManager *manager;
  CwCertificate *cert;
  gchar         *directory;
  GCancellable  *cancellable;
  CwAcmeAccount *account;
  CwAcmeClient  *client;
  gchar         *replaces;     /* ARI id of the certificate this one replaces */
  gint64         retry_after;  /* the CA's wait after a failure, -1 none */
  gboolean       running;      /* holds a slot */
  gchar         *account_url;  /* the account URL the order signs with */
  gboolean       recovered;    /* the account was registered again for this job */
} Job;

static void
queue_free (Queue *queue)
{
  g_queue_clear (&queue->waiting);
  g_free (queue);
}

static void
job_free (Job *job)
{
  g_object_unref (job->cert);
  g_free (job->directory);
  g_object_unref (job->cancellable);
  g_clear_object (&job->account);
  g_clear_object (&job->client);
  g_free (job->replaces);
  g_free (job->account_url);
  g_free (job);
}

static void
certificate_removed (CwStore *store, CwCertificate *cert, CwAcmeManager *self)
{
  Job *job = g_hash_table_lookup (self->jobs, cw_certificate_get_id (cert));

  if (job != NULL) {
    g_info ("%s: removed; its ACME order is abandoned", cw_certificate_get_name (cert));
    g_cancellable_cancel (job->cancellable);
  }
}

static void
cw_acme_manager_dispose (GObject *object)
{
  CwAcmeManager *self = CW_ACME_MANAGER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  G_OBJECT_CLASS (cw_acme_manager_parent_class)->dispose (object);
}

static void
cw_acme_manager_finalize (GObject *object)
{
  CwAcmeManager *self = CW_ACME_MANAGER (object);

  g_clear_object (&self->store);
  g_clear_object (&self->config);
  g_clear_object (&self->http01);
  g_clear_object (&self->tls_alpn01);
  if (self->providers != NULL)
    cw_provider_manager_set_user_func (self->providers, NULL, NULL);
  g_clear_object (&self->providers);
  g_clear_pointer (&self->clients, cw_acme_clients_unref);
  g_clear_object (&self->accounts);
  g_hash_table_unref (self->jobs);
  g_hash_table_unref (self->queues);
  g_hash_table_unref (self->revoking);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (cw_acme_manager_parent_class)->finalize (object);
}

static void
cw_acme_manager_class_init (CwAcmeManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_acme_manager_dispose;
  object_class->finalize = cw_acme_manager_finalize;
  signals[SIGNAL_ORDER_FINISHED] = g_signal_new ("order-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 3, CW_TYPE_CERTIFICATE,
                                                 G_TYPE_ERROR, G_TYPE_INT64);
}

static void
cw_acme_manager_init (CwAcmeManager *self)
{
  /* jobs free themselves when they end */
  self->jobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->queues = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) queue_free);
  self->revoking = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
}

/* A reloaded configuration: the rest is read where it is used */
static void
config_changed (CwConfig *config, GStrv changed, CwAcmeManager *self)
{
  cw_http01_set_endpoint (self->http01, cw_config_get_string (config, "http-01", "address"),
                          cw_config_get_int (config, "http-01", "port"));
  cw_tls_alpn01_set_endpoint (self->tls_alpn01, cw_config_get_string (config, "tls-alpn-01", "address"),
                              cw_config_get_int (config, "tls-alpn-01", "port"));
}

CwAcmeManager *
cw_acme_manager_new (CwStore *store, GError **error)
{
  g_autoptr(CwAcmeManager) self = g_object_new (CW_TYPE_ACME_MANAGER, NULL);
  self->store = g_object_ref (store);
  self->config = g_object_ref (cw_store_get_config (store));
  self->clients = cw_acme_clients_new (self->config);
  {
    g_autofree gchar *dir = g_build_filename (cw_store_get_state_dir (store), "accounts", NULL);

    self->accounts = cw_acme_accounts_new (self->config, dir, self->clients);
  }
  self->http01 = cw_http01_new (cw_config_get_string (self->config, "http-01", "address"),
                                cw_config_get_int (self->config, "http-01", "port"));
  self->tls_alpn01 = cw_tls_alpn01_new (cw_config_get_string (self->config, "tls-alpn-01", "address"),
                                        cw_config_get_int (self->config, "tls-alpn-01", "port"));
  g_signal_connect_object (self->config, "changed", G_CALLBACK (config_changed), self, 0);
  g_signal_connect (store, "certificate-removed", G_CALLBACK (certificate_removed), self);
  cw_acme_accounts_load (self->accounts);
  return g_steal_pointer (&self);
}

/* The certificate whose ACME options name @provider_id (the provider
 * manager's in-use check). */
static gchar *
provider_user (const gchar *provider_id, gpointer user_data)
{
  CwAcmeManager *self = user_data;
  g_autoptr(GPtrArray) certs = cw_store_get_certificates (self->store);

  for (guint i = 0; i < certs->len; i++) {
    CwCertificate *cert = g_ptr_array_index (certs, i);
    const CwAcmeSpec *acme = cw_certificate_get_acme (cert);

    if (acme != NULL && g_strcmp0 (acme->provider, provider_id) == 0)
      return g_strdup (cw_certificate_get_name (cert));
  }
  return NULL;
}

void
cw_acme_manager_set_providers (CwAcmeManager *self, CwProviderManager *providers)
{
  if (self->providers != NULL)
    cw_provider_manager_set_user_func (self->providers, NULL, NULL);
  g_set_object (&self->providers, providers);
  if (providers != NULL)
    cw_provider_manager_set_user_func (providers, provider_user, self);
}

CwProviderManager *
cw_acme_manager_get_providers (CwAcmeManager *self)
{
  return self->providers;
}

CwHttp01 *
cw_acme_manager_get_http01 (CwAcmeManager *self)
{
  return self->http01;
}

CwTlsAlpn01 *
cw_acme_manager_get_tls_alpn01 (CwAcmeManager *self)
{
  return self->tls_alpn01;
}

CwAcmeAccounts *
cw_acme_manager_get_accounts (CwAcmeManager *self)
{
  return self->accounts;
}

CwAcmeClient *
cw_acme_manager_client (CwAcmeManager *self, const gchar *directory)
{
  return cw_acme_clients_get (self->clients, directory);
}

gboolean
cw_acme_manager_is_working (CwAcmeManager *self, CwCertificate *cert)
{
  return g_hash_table_contains (self->jobs, cw_certificate_get_id (cert));
}

guint
cw_acme_manager_get_order_count (CwAcmeManager *self)
{
  return g_hash_table_size (self->jobs);
}

/* ---- a job's end and the queue ------------------------------------------ */

static void job_run (Job *job);

static void
queue_release (CwAcmeManager *self, const gchar *directory)
{
  Queue *queue = g_hash_table_lookup (self->queues, directory);
  Job *next;

  g_assert (queue != NULL && queue->active > 0);
  queue->active--;
  next = g_queue_pop_head (&queue->waiting);
  if (next != NULL) {
    queue->active++;
    job_run (next);
  } else if (queue->active == 0) {
    g_hash_table_remove (self->queues, directory);
  }
}

/* Ends @job; @error: why it failed (NULL: the certificate is installed). */
static void
job_end (Job *job, GError *error)
{
  CwAcmeManager *self = job->manager;
  const gchar *name = cw_certificate_get_name (job->cert);
  /* removed, replaced by an import, or the daemon is going away */
  gboolean abandoned = g_cancellable_is_cancelled (job->cancellable) ||
                       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
                       cw_certificate_get_acme (job->cert) == NULL ||
                       cw_store_lookup_id (self->store, cw_certificate_get_id (job->cert)) != job->cert;

  g_hash_table_remove (self->jobs, cw_certificate_get_id (job->cert));
  if (job->running)
    queue_release (self, job->directory);
  if (error != NULL && !abandoned) {
    cw_cert_warning (name, "%s: the ACME order failed: %s", name, error->message);
    cw_store_set_activity (self->store, job->cert, CW_ACTIVITY_FAILED, error->message);
  } else if (error != NULL) {
    g_debug ("%s: abandoned order ended: %s", name, error->message);
  }
  if (!abandoned)
    g_signal_emit (self, signals[SIGNAL_ORDER_FINISHED], 0, job->cert, error, job->retry_after);
  g_clear_error (&error);
  job_free (job);
  g_object_unref (self);
}

static void
installed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  GError *error = NULL;

  if (!cw_store_install_finish (CW_STORE (source), result, &error)) {
    g_prefix_error (&error, _("the CA's certificate cannot be installed: "));
    job_end (job, error);
    return;
  }
  job_end (job, NULL);
}

static void start_order (Job *job);

static void
account_recovered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  GError *error = NULL;

  if (!cw_acme_accounts_recover_finish (CW_ACME_ACCOUNTS (source), result, &error)) {
    g_prefix_error (&error, _("the CA no longer knows the ACME account “%s” and registering it again failed: "),
                    cw_acme_account_get_id (job->account));
    job_end (job, error);
    return;
  }
  if (g_cancellable_is_cancelled (job->cancellable)) {
    job_end (job, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "abandoned"));
    return;
  }
  /* a new account replaces nothing the old one ordered (RFC 9773 §5) */
  g_clear_pointer (&job->replaces, g_free);
  start_order (job);
}

/* The CA forgot the account or says it is deactivated. The agent's own
 * account is registered again and the order tried once more; one an
 * administrator made (perhaps with EAB credentials only they have) is
 * not replaced behind their back. */
static gboolean
recover_account (Job *job, GError **error)
{
  const gchar *id = cw_acme_account_get_id (job->account);

  if (job->recovered)
    return FALSE;
  job->recovered = TRUE;
  if (!cw_acme_account_get_made_by_agent (job->account)) {
    GError *clear = g_error_new (CW_ERROR, CW_ERROR_ACME,
                                 _("%s. The ACME account “%s” was made with CreateAccount, so the agent does not "
                                   "replace it by itself: create a new account (certwardctl account create, with the "
                                   "CA's External Account Binding key if it asks for one) and request the certificate "
                                   "with it (certwardctl request --account)"),
                                 (*error)->message, id);

    g_clear_error (error);
    g_propagate_error (error, clear);
    return FALSE;
  }
  g_info ("%s: %s", cw_certificate_get_name (job->cert), (*error)->message);
  g_clear_error (error);
  cw_acme_accounts_recover_async (job->manager->accounts, job->account, job->account_url, account_recovered, job);
  return TRUE;
}

static void
ordered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  gint64 retry_after = -1;
  GError *error = NULL;
  g_autofree gchar *chain = cw_acme_order_run_finish (result, &retry_after, &error);
  g_autoptr(GBytes) bytes = NULL;
  gsize len;

  if (chain == NULL && cw_acme_order_account_gone (result) && !g_cancellable_is_cancelled (job->cancellable) &&
      recover_account (job, &error))
    return;
  if (chain == NULL) {
    job->retry_after = retry_after;
    if (retry_after > 0) {
      g_autofree gchar *seconds = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);
      GError *hinted = g_error_new (error->domain, error->code, _("%s; the CA asks to wait %s s"), error->message,
                                    seconds);

      g_error_free (error);
      error = hinted;
    }
    job_end (job, error);
    return;
  }
  /* removed, or turned into something else, while the CA worked */
  if (g_cancellable_is_cancelled (job->cancellable) || cw_certificate_get_acme (job->cert) == NULL) {
    job_end (job, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "abandoned"));
    return;
  }
  len = strlen (chain);
  bytes = g_bytes_new_take (g_steal_pointer (&chain), len);
  cw_store_install_async (job->manager->store, job->cert, bytes, NULL, installed, job);
}

/* ---- running an order --------------------------------------------------- */

static GBytes *
csr_to_der (const gchar *pem, GError **error)
{
  g_auto(gnutls_x509_crq_t) crq = NULL;
  g_auto(CwDatum) der = { 0 };
  gnutls_datum_t datum = { (guint8 *) pem, pem != NULL ? strlen (pem) : 0 };
  int ret;

  gnutls_x509_crq_init (&crq);
  if (pem == NULL || (ret = gnutls_x509_crq_import (crq, &datum, GNUTLS_X509_FMT_PEM)) < 0 ||
      (ret = gnutls_x509_crq_export2 (crq, GNUTLS_X509_FMT_DER, &der)) < 0) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                         _("the certificate's pending request is unreadable; request the certificate again"));
    return NULL;
  }
  return g_bytes_new (der.data, der.size);
}

static CwChallengeSolver *
make_solver (CwAcmeManager *self, const CwAcmeSpec *acme, GError **error)
{
  const gchar *mode_name = acme->http01_mode != NULL ? acme->http01_mode
                                                     : cw_config_get_string (self->config, "http-01", "mode");
  const gchar *webroot = acme->webroot != NULL ? acme->webroot : cw_config_get_string (self->config, "http-01", "webroot");
  CwHttp01Mode mode;

  if (g_strcmp0 (acme->challenge, "dns-01") == 0) {
    CwProvider *provider = self->providers != NULL && acme->provider != NULL
                             ? cw_provider_manager_lookup (self->providers, acme->provider) : NULL;

    if (provider == NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND,
                   _("the DNS provider “%s” this certificate publishes its dns-01 records through is gone; "
                     "add it again or change the certificate's provider"), acme->provider != NULL ? acme->provider : "");
      return NULL;
    }
    return cw_dns01_solver_new (self->providers, provider, self->config, error);
  }
  if (g_strcmp0 (acme->challenge, "tls-alpn-01") == 0) {
    CwTlsAlpn01Mode tls_mode;

    if (!cw_tls_alpn01_mode_from_string (cw_config_get_string (self->config, "tls-alpn-01", "mode"), &tls_mode, error))
      return NULL;
    return cw_tls_alpn01_solver_new (self->tls_alpn01, tls_mode);
  }
  if (g_strcmp0 (acme->challenge, "http-01") != 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("the %s challenge is not available"), acme->challenge);
    return NULL;
  }
  if (!cw_http01_mode_from_string (mode_name, &mode, error))
    return NULL;
  if (mode == CW_HTTP01_WEBROOT && *webroot == '\0') {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("HTTP-01 in webroot mode needs a webroot directory (the webroot option or [http-01] webroot)"));
    return NULL;
  }
  return cw_http01_solver_new (self->http01, mode, webroot);
}

static void
start_order (Job *job)
{
  CwAcmeManager *self = job->manager;
  const CwIssueSpec *spec = cw_certificate_get_spec (job->cert);
  const CwAcmeSpec *acme = cw_certificate_get_acme (job->cert);
  g_autoptr(CwAcmeOrderSpec) order = g_new0 (CwAcmeOrderSpec, 1);
  g_autoptr(CwChallengeSolver) solver = NULL;
  GError *error = NULL;

  if (spec == NULL || acme == NULL) {
    job_end (job, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "abandoned"));
    return;
  }
  order->csr = csr_to_der (cw_certificate_get_request (job->cert), &error);
  solver = order->csr != NULL ? make_solver (self, acme, &error) : NULL;
  if (solver == NULL) {
    job_end (job, error);
    return;
  }
  order->identifiers = g_strdupv (spec->identities);
  order->profile = g_strdup (acme->profile);
  order->preferred_chain = g_strdup (acme->preferred_chain);
  order->replaces = g_strdup (job->replaces);
  g_free (job->account_url);
  job->account_url = g_strdup (cw_acme_account_get_url (job->account));
  g_debug ("%s: ordering from %s", cw_certificate_get_name (job->cert), job->directory);
  cw_acme_order_run_async (job->client, job->account, solver, g_steal_pointer (&order), job->cancellable, ordered, job);
}

/* RFC 9773 §5: a renewal names the certificate it replaces, when the CA
 * knows it (its renewalInfo answered). */
static void
renewal_info_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;

  if (cw_acme_manager_fetch_renewal_info_finish (CW_ACME_MANAGER (source), result, &error))
    job->replaces = g_strdup (cw_certificate_get_info (job->cert)->ari_id);
  else
    g_info ("%s: no renewal information from the CA (%s)", cw_certificate_get_name (job->cert), error->message);
  if (g_cancellable_is_cancelled (job->cancellable)) {
    job_end (job, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "abandoned"));
    return;
  }
  start_order (job);
}

static gboolean
check_profile (Job *job, GError **error)
{
  const CwAcmeSpec *acme = cw_certificate_get_acme (job->cert);
  JsonObject *meta = cw_acme_client_get_meta (job->client);
  JsonObject *profiles = cw_json_object (meta, "profiles");
  g_autoptr(GList) names = NULL;
  g_autoptr(GString) list = g_string_new (NULL);

  if (acme == NULL || acme->profile == NULL)
    return TRUE;
  if (profiles == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("the CA at %s offers no profiles; drop the profile option"),
                 job->directory);
    return FALSE;
  }
  if (json_object_has_member (profiles, acme->profile))
    return TRUE;
  names = json_object_get_members (profiles);
  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (list, "%s%s", list->len > 0 ? ", " : "", (const gchar *) l->data);
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("the CA at %s has no profile “%s” (it offers %s)"),
               job->directory, acme->profile, list->str);
  return FALSE;
}

static void
directory_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  const CwCertInfo *info = cw_certificate_get_info (job->cert);
  GError *error = NULL;

  if (cw_acme_client_load_directory_finish (job->client, result, &error) == NULL || !check_profile (job, &error)) {
    job_end (job, error);
    return;
  }
  /* a renewal asks the CA about the certificate it replaces (ARI) */
  if (info != NULL && info->ari_id != NULL && cw_acme_client_endpoint (job->client, "renewalInfo") != NULL) {
    cw_acme_manager_fetch_renewal_info_async (job->manager, job->cert, job->cancellable, renewal_info_fetched, job);
    return;
  }
  start_order (job);
}

static void
account_ready (Job *job, CwAcmeAccount *account)
{
  GError *error = cw_acme_account_check_usable (account);

  if (error != NULL) {
    job_end (job, error);
    return;
  }
  job->account = g_object_ref (account);
  job->client = g_object_ref (cw_acme_manager_client (job->manager, job->directory));
  cw_acme_client_load_directory_async (job->client, job->cancellable, directory_loaded, job);
}

static void
default_account_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  GError *error = NULL;
  g_autoptr(CwAcmeAccount) account = cw_acme_accounts_default_finish (CW_ACME_ACCOUNTS (source), result, &error);

  if (account == NULL)
    job_end (job, error);
  else
    account_ready (job, account);
}

/* @job holds a slot now. */
static void
job_run (Job *job)
{
  const CwAcmeSpec *acme = cw_certificate_get_acme (job->cert);
  CwAcmeAccount *account;

  job->running = TRUE;
  if (acme == NULL || g_cancellable_is_cancelled (job->cancellable)) {
    job_end (job, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "abandoned"));
    return;
  }
  if (acme->account == NULL) {
    cw_acme_accounts_default_async (job->manager->accounts, job->directory, default_account_found, job);
    return;
  }
  account = cw_acme_accounts_lookup (job->manager->accounts, acme->account);
  if (account == NULL) {
    job_end (job, g_error_new (CW_ERROR, CW_ERROR_NOT_FOUND,
                               _("the ACME account “%s” is gone; request the certificate with another account"),
                               acme->account));
    return;
  }
  account_ready (job, account);
}

const gchar *
cw_acme_manager_directory_of (CwAcmeManager *self, const CwAcmeSpec *acme)
{
  CwAcmeAccount *account = acme->account != NULL ? cw_acme_accounts_lookup (self->accounts, acme->account) : NULL;

  if (account != NULL)
    return cw_acme_account_get_directory (account);
  return acme->directory != NULL ? acme->directory : cw_config_get_string (self->config, "acme", "directory");
}

gboolean
cw_acme_manager_start_job (CwAcmeManager *self, CwCertificate *cert, GError **error)
{
  Job *job;
  Queue *queue;
  guint cap = cw_config_get_int (self->config, "acme", "max-concurrent-orders");

  if (cw_acme_manager_is_working (self, cert)) {
    g_set_error (error, CW_ERROR, CW_ERROR_BUSY, _("an ACME order for “%s” is already running"),
                 cw_certificate_get_name (cert));
    return FALSE;
  }
  job = g_new0 (Job, 1);
  job->manager = g_object_ref (self);
  job->cert = g_object_ref (cert);
  job->directory = g_strdup (cw_acme_manager_directory_of (self, cw_certificate_get_acme (cert)));
  job->cancellable = g_cancellable_new ();
  job->retry_after = -1;
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel), job->cancellable,
                           G_CONNECT_SWAPPED);
  g_hash_table_insert (self->jobs, g_strdup (cw_certificate_get_id (cert)), job);
  cw_store_set_activity (self->store, cert, CW_ACTIVITY_WORKING, NULL);

  queue = g_hash_table_lookup (self->queues, job->directory);
  if (queue == NULL) {
    queue = g_new0 (Queue, 1);
    g_queue_init (&queue->waiting);
    g_hash_table_insert (self->queues, g_strdup (job->directory), queue);
  }
  if (queue->active < cap) {
    queue->active++;
    job_run (job);
  } else {
    g_debug ("%s: waiting for one of %u orders at %s to finish", cw_certificate_get_name (cert), cap, job->directory);
    g_queue_push_tail (&queue->waiting, job);
  }
  return TRUE;
}

void
cw_acme_manager_resume (CwAcmeManager *self)
{
  g_autoptr(GPtrArray) all = cw_store_get_certificates (self->store);

  for (guint i = 0; i < all->len; i++) {
    CwCertificate *cert = g_ptr_array_index (all, i);

    /* behind a gate (a cluster) a renewal's order is not resumed: its lease
     * expired while this node was away, and whichever node sees that
     * first renews (cw-cluster-renewal.c), or already has */
    if (self->gate != NULL && cw_certificate_get_info (cert) != NULL)
      continue;
    if (cw_certificate_get_acme (cert) != NULL && cw_certificate_get_request (cert) != NULL &&
        !cw_acme_manager_is_working (self, cert)) {
      g_info ("%s: resuming its ACME order", cw_certificate_get_name (cert));
      cw_acme_manager_start_job (self, cert, NULL);
    }
  }
}


/* ---- ARI ---------------------------------------------------------------- */

typedef struct {
  CwCertificate *cert;
  CwAcmeClient  *client;
  gchar         *url;
} Ari;

static void
ari_free (Ari *a)
{
  g_object_unref (a->cert);
  g_clear_object (&a->client);
  g_free (a->url);
  g_free (a);
}

static gint64
parse_time (JsonObject *object, const gchar *member)
{
  const gchar *text = cw_json_string (object, member, NULL);
  g_autoptr(GDateTime) time = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return time != NULL ? g_date_time_to_unix (time) : -1;
}

static void
ari_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwAcmeManager *self = g_task_get_source_object (task);
  Ari *a = g_task_get_task_data (task);
  const gchar *name = cw_certificate_get_name (a->cert);
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = cw_acme_client_get_finish (a->client, result, &error);
  JsonObject *window = cw_json_object (response != NULL ? cw_acme_response_object (response) : NULL, "suggestedWindow");
  gint64 start = parse_time (window, "start"), end = parse_time (window, "end");
  gint64 wait = response != NULL ? cw_acme_response_retry_after (response) : -1;
  g_autoptr(CwRenewal) renewal = NULL;

  if (response == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (response->status != 200 || start < 0 || end < start) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_ACME, _("the CA has no renewal window for “%s” (HTTP %u)"), name,
                             response->status);
    return;
  }
  /* asked again as the CA says, and at least twice a day (RFC 9773 §4.3) */
  renewal = cw_renewal_copy (cw_certificate_get_renewal (a->cert));
  if (renewal->ari_start != start || renewal->ari_end != end)
    renewal->ari_choice = 0;   /* a new window: a new moment is picked in it */
  renewal->ari_start = start;
  renewal->ari_end = end;
  renewal->ari_refresh_at = cw_clock_now () + CLAMP (wait > 0 ? wait : 12 * 3600, 60, 12 * 3600);
  cw_store_update_renewal (self->store, a->cert, g_steal_pointer (&renewal));
  {
    g_autofree gchar *from = cw_format_date (start), *until = cw_format_date (end);

    g_info ("%s: the CA suggests renewing between %s and %s", name, from, until);
  }
  g_task_return_boolean (task, TRUE);
}

static void
ari_directory_ready (GTask *task)
{
  Ari *a = g_task_get_task_data (task);
  const gchar *base = cw_acme_client_endpoint (a->client, "renewalInfo");
  const CwCertInfo *info = cw_certificate_get_info (a->cert);

  if (base == NULL || info == NULL || info->ari_id == NULL) {
    cw_task_fail (task, g_error_new (CW_ERROR, CW_ERROR_NOT_SUPPORTED,
                                     base == NULL ? _("the CA offers no renewal information (ARI)")
                                                  : _("“%s” has no certificate the CA could identify"),
                                     cw_certificate_get_name (a->cert)));
    return;
  }
  a->url = g_strconcat (base, g_str_has_suffix (base, "/") ? "" : "/", info->ari_id, NULL);
  cw_acme_client_get_async (a->client, a->url, g_task_get_cancellable (task), ari_fetched, task);
}

void
cw_acme_manager_fetch_renewal_info_async (CwAcmeManager *self, CwCertificate *cert, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Ari *a = g_new0 (Ari, 1);
  const CwAcmeSpec *acme = cw_certificate_get_acme (cert);

  g_task_set_source_tag (task, cw_acme_manager_fetch_renewal_info_async);
  a->cert = g_object_ref (cert);
  g_task_set_task_data (task, a, (GDestroyNotify) ari_free);
  if (acme == NULL) {
    cw_task_fail (task, g_error_new (CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("“%s” does not come from an ACME CA"),
                                     cw_certificate_get_name (cert)));
    return;
  }
  a->client = g_object_ref (cw_acme_manager_client (self, cw_acme_manager_directory_of (self, acme)));
  cw_acme_client_load_then (a->client, task, ari_directory_ready);
}

gboolean
cw_acme_manager_fetch_renewal_info_finish (CwAcmeManager *self, GAsyncResult *result,
                                           GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
