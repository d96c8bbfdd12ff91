/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SCEP certificates in the store: Request and Renew, the enrollment jobs
 * (one per certificate), the challenge password file, and installing what
 * the CA issued. The protocol itself is cw-scep-enroll.c. */
#include "config.h"

#include "cw-scep-manager.h"
#include "cw-scep-enroll.h"
#include "cw-certificate-private.h"
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-log.h"
#include "cw-revision.h"

#include <glib/gi18n.h>
#include <string.h>

/* how long a CA may keep a request PENDING before the agent gives up and
 * lets the renewal engine start over */
#define MAX_PENDING (7 * 24 * 3600)
#define MAX_CHALLENGE 255   /* a DirectoryString in the CSR (RFC 2985 §5.4.1) */

struct _CwScepManager {
  GObject       parent_instance;
  CwStore      *store;
  GHashTable   *jobs;          /* id → Job */
  GCancellable *cancellable;   /* every job's, at dispose */
};

enum { SIGNAL_ENROLLMENT_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwScepManager, cw_scep_manager, G_TYPE_OBJECT)

typedef struct {
  CwScepManager *manager;
  CwCertificate *cert;
  GCancellable  *cancellable;
  CwScepClient  *client;
} Job;

static void
job_free (Job *job)
{
  g_object_unref (job->cert);
  g_object_unref (job->cancellable);
  g_clear_object (&job->client);
  g_free (job);
}

/* ---- the job ------------------------------------------------------------ */

static void
job_end (Job *job, GError *error)
{
  CwScepManager *self = job->manager;
  const gchar *name = cw_certificate_get_name (job->cert);
  CwScepSpec *scep = cw_certificate_get_scep (job->cert);
  gboolean abandoned = g_cancellable_is_cancelled (job->cancellable) ||
                       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || scep == NULL ||
                       cw_store_lookup_id (self->store, cw_certificate_get_id (job->cert)) != job->cert;

  g_hash_table_remove (self->jobs, cw_certificate_get_id (job->cert));
  if (scep != NULL && scep->next_poll != 0) {
    scep->next_poll = 0;
    cw_certificate_emit_changed (job->cert);
  }
  if (error != NULL && !abandoned) {
    cw_cert_warning (name, "%s: the SCEP enrollment failed: %s", name, error->message);
    cw_store_set_activity (self->store, job->cert, CW_ACTIVITY_FAILED, error->message);
  } else if (error != NULL) {
    g_debug ("%s: abandoned enrollment ended: %s", name, error->message);
  }
  if (!abandoned)
    g_signal_emit (self, signals[SIGNAL_ENROLLMENT_FINISHED], 0, job->cert, error, (gint64) -1);
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

static void
enrolled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  GError *error = NULL;
  g_autofree gchar *chain = cw_scep_enroll_finish (CW_SCEP_CLIENT (source), result, &error);
  g_autoptr(GBytes) bytes = NULL;
  gsize len;

  if (chain == NULL) {
    job_end (job, error);
    return;
  }
  if (g_cancellable_is_cancelled (job->cancellable) || cw_certificate_get_scep (job->cert) == NULL) {
    job_end (job, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "abandoned"));
    return;
  }
  len = strlen (chain);
  /* the store keeps its own reference to the chain */
  bytes = g_bytes_new_take (g_steal_pointer (&chain), len);
  cw_store_install_async (job->manager->store, job->cert, bytes, NULL, installed, job);
}

static void
polled (gint64 last, gint64 next, gpointer user_data)
{
  Job *job = user_data;
  CwScepSpec *scep = cw_certificate_get_scep (job->cert);
  const gchar *name = cw_certificate_get_name (job->cert);

  if (scep == NULL)
    return;
  scep->last_poll = last;
  scep->next_poll = next;
  if (next != 0)
    cw_cert_info (name, "%s: the SCEP CA has the request pending; asking again in %u s", name, scep->poll_interval);
  cw_certificate_emit_changed (job->cert);
}

/* What a worker thread reads from the certificate's directory. */
typedef struct {
  gchar                *dir;
  gchar                *request;      /* the pending CSR (PEM) */
  gboolean              renewal;      /* sign with the current certificate */
  CwScepEnrollment     *e;
} Load;

static void
load_free (Load *l)
{
  g_free (l->dir);
  g_free (l->request);
  cw_scep_enrollment_free (l->e);
  g_free (l);
}

static gboolean
gnutls_failed (int ret, const gchar *what, GError **error)
{
  if (ret >= 0)
    return FALSE;
  g_set_error (error, CW_ERROR, CW_ERROR_FAILED, "%s: %s", what, gnutls_strerror (ret));
  return TRUE;
}

/* The CSR the CA sees: the stored request with the challenge password
 * added (it is never stored in it: GetRequest and the files would show
 * it), signed again with the new key. */
static gboolean
load_csr (Load *l, int dirfd, GError **error)
{
  gnutls_datum_t pem = { (guint8 *) l->request, strlen (l->request) };
  g_autoptr(GBytes) secret = NULL;
  gnutls_privkey_t key = NULL;
  gboolean ok;

  if (gnutls_failed (gnutls_x509_crq_init (&l->e->csr), "CSR", error) ||
      gnutls_failed (gnutls_x509_crq_import (l->e->csr, &pem, GNUTLS_X509_FMT_PEM), _("the pending request"), error))
    return FALSE;
  secret = cw_fs_read_at (dirfd, CW_SCEP_SECRET_FILE, 4096, NULL);
  if (secret != NULL && g_bytes_get_size (secret) > 0) {
    g_autofree gchar *password = g_strndup (g_bytes_get_data (secret, NULL), g_bytes_get_size (secret));

    ok = !gnutls_failed (gnutls_x509_crq_set_challenge_password (l->e->csr, password), _("the challenge password"),
                         error);
    memset (password, 0, strlen (password));
    if (!ok)
      return FALSE;
  }
  ok = !gnutls_failed (gnutls_privkey_init (&key), "key", error) &&
       !gnutls_failed (gnutls_privkey_import_x509 (key, l->e->key, 0), "key", error) &&
       !gnutls_failed (gnutls_x509_crq_privkey_sign (l->e->csr, key, GNUTLS_DIG_SHA256, 0), _("signing the request"),
                       error);
  if (key != NULL)
    gnutls_privkey_deinit (key);
  return ok;
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Load *l = task_data;
  g_auto(CwFd) dirfd = cw_fs_open_dir (AT_FDCWD, l->dir, FALSE, NULL);
  GError *error = NULL;

  if (dirfd < 0) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_IO, _("cannot open %s"), l->dir);
    return;
  }
  if ((l->e->key = cw_revision_load_key (dirfd, "pending", &error)) == NULL || !load_csr (l, dirfd, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (l->renewal) {
    g_auto(CwFd) revfd = cw_revision_open_current (dirfd, NULL);
    g_autoptr(GPtrArray) chain = revfd >= 0 ? cw_revision_load_chain_at (revfd, NULL) : NULL;

    /* without a current certificate and key, a first request does */
    if (chain != NULL && chain->len > 0 && (l->e->current_key = cw_revision_load_key_at (revfd, NULL)) != NULL)
      l->e->current_cert = g_ptr_array_steal_index (chain, 0);
  }
  g_task_return_boolean (task, TRUE);
}

static void
loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  Load *l = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  CwScepEnrollment *e;

  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    job_end (job, error);
    return;
  }
  e = g_steal_pointer (&l->e);
  e->poll_interval = cw_certificate_get_scep (job->cert)->poll_interval;
  e->max_pending = MAX_PENDING;
  e->polled = polled;
  e->polled_data = job;
  cw_scep_enroll_async (job->client, e, job->cancellable, enrolled, job);
}

/* Starts the enrollment of @cert's pending request. */
static gboolean
start_job (CwScepManager *self, CwCertificate *cert, GError **error)
{
  const CwScepSpec *scep = cw_certificate_get_scep (cert);
  g_autoptr(GTask) task = NULL;
  Job *job;
  Load *l;

  if (g_hash_table_contains (self->jobs, cw_certificate_get_id (cert))) {
    g_set_error (error, CW_ERROR, CW_ERROR_BUSY, _("a SCEP enrollment for “%s” is already running"),
                 cw_certificate_get_name (cert));
    return FALSE;
  }
  job = g_new0 (Job, 1);
  job->manager = g_object_ref (self);
  job->cert = g_object_ref (cert);
  job->cancellable = g_cancellable_new ();
  job->client = cw_scep_client_new (scep->url, scep->ca_identifier);
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel), job->cancellable,
                           G_CONNECT_SWAPPED);
  g_hash_table_insert (self->jobs, g_strdup (cw_certificate_get_id (cert)), job);
  cw_store_set_activity (self->store, cert, CW_ACTIVITY_WORKING, NULL);

  l = g_new0 (Load, 1);
  l->dir = g_strdup (cw_certificate_get_dir (cert));
  l->request = g_strdup (cw_certificate_get_request (cert));
  l->renewal = cw_certificate_get_info (cert) != NULL;
  l->e = g_new0 (CwScepEnrollment, 1);
  task = g_task_new (self, job->cancellable, loaded, job);
  g_task_set_task_data (task, l, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
  return TRUE;
}

gboolean
cw_scep_manager_is_working (CwScepManager *self, CwCertificate *cert)
{
  return g_hash_table_contains (self->jobs, cw_certificate_get_id (cert));
}

void
cw_scep_manager_resume (CwScepManager *self)
{
  g_autoptr(GPtrArray) certs = cw_store_get_certificates (self->store);

  for (guint i = 0; i < certs->len; i++) {
    CwCertificate *cert = g_ptr_array_index (certs, i);
    g_autoptr(GError) error = NULL;

    if (cw_certificate_get_scep (cert) == NULL || cw_certificate_get_request (cert) == NULL)
      continue;
    cw_cert_message (cw_certificate_get_name (cert), "%s: resuming the SCEP enrollment", cw_certificate_get_name (cert));
    if (!start_job (self, cert, &error))
      g_warning ("%s: %s", cw_certificate_get_name (cert), error->message);
  }
}

/* ---- Request and Renew -------------------------------------------------- */

static gboolean
check_challenge (const gchar *challenge, GError **error)
{
  if (challenge == NULL)
    return TRUE;
  if (*challenge == '\0' || strlen (challenge) > MAX_CHALLENGE || !g_utf8_validate (challenge, -1, NULL)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("the challenge password must be text of 1 to %u bytes"), MAX_CHALLENGE);
    return FALSE;
  }
  for (const gchar *p = challenge; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f) {
      g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                           _("the challenge password must not contain control characters (a trailing newline?)"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_key_type (CwKeyType type, GError **error)
{
  if (type == CW_KEY_RSA_2048 || type == CW_KEY_RSA_3072 || type == CW_KEY_RSA_4096)
    return TRUE;
  /* the CA encrypts its answer to the requester's key with RSA key
   * transport (RFC 8894 §3.5.2), and no GetCACaps keyword announces
   * anything else */
  g_set_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED,
               _("SCEP needs an RSA key (rsa-2048, rsa-3072 or rsa-4096): the CA encrypts its answer to it, and "
                 "SCEP CAs announce no other key transport; %s cannot be used"), cw_key_type_to_string (type));
  return FALSE;
}

typedef struct {
  gchar *challenge;
} RequestData;

static void
request_data_free (RequestData *r)
{
  if (r->challenge != NULL)
    memset (r->challenge, 0, strlen (r->challenge));
  g_free (r->challenge);
  g_free (r);
}

static void
prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwScepManager *self = g_task_get_source_object (task);
  RequestData *r = g_task_get_task_data (task);
  g_autoptr(CwCertificate) cert = NULL;
  GError *error = NULL;

  cert = cw_store_request_finish (CW_STORE (source), result, NULL, &error);
  if (cert != NULL && r != NULL && r->challenge != NULL) {
    g_auto(CwFd) dirfd = cw_fs_open_dir (AT_FDCWD, cw_certificate_get_dir (cert), FALSE, &error);

    if (dirfd < 0 || !cw_fs_replace_at (dirfd, CW_SCEP_SECRET_FILE, r->challenge, strlen (r->challenge), 0600, &error))
      g_clear_object (&cert);
  }
  if (cert == NULL || !start_job (self, cert, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (g_task_get_source_tag (task) == cw_scep_manager_renew_async)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_pointer (task, g_steal_pointer (&cert), g_object_unref);
}

void
cw_scep_manager_request_async (CwScepManager *self, const gchar *name, CwIssueSpec *spec, CwScepSpec *scep,
                               const gchar *challenge, const gchar * const *roles, const gchar *tenant,
                               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(CwIssueSpec) owned_spec = spec;
  g_autoptr(CwScepSpec) owned_scep = scep;
  CwCertificate *existing = cw_store_lookup (self->store, name);
  RequestData *r = g_new0 (RequestData, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, cw_scep_manager_request_async);
  r->challenge = g_strdup (challenge);
  g_task_set_task_data (task, r, (GDestroyNotify) request_data_free);
  if (!cw_scep_spec_validate (scep, &error) || !check_challenge (challenge, &error) ||
      !check_key_type (spec->key_type, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (existing != NULL && cw_scep_manager_is_working (self, existing)) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_BUSY,
                             _("a SCEP enrollment for “%s” is already running; try again when it has finished"), name);
    return;
  }
  /* an update keeps what it does not change */
  if (existing != NULL && roles == NULL)
    roles = cw_certificate_get_roles (existing);
  if (existing != NULL && tenant == NULL)
    tenant = cw_certificate_get_tenant (existing);
  cw_store_prepare_scep_async (self->store, name, g_steal_pointer (&owned_spec), g_steal_pointer (&owned_scep), roles,
                               tenant, cancellable, prepared, g_steal_pointer (&task));
}

CwCertificate *
cw_scep_manager_request_finish (CwScepManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cw_scep_manager_renew_async (CwScepManager *self, CwCertificate *cert, gboolean force, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  const CwCertInfo *info = cw_certificate_get_info (cert);
  GError *error = NULL;

  g_task_set_source_tag (task, cw_scep_manager_renew_async);
  if (cw_certificate_get_scep (cert) == NULL || cw_certificate_get_spec (cert) == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("“%s” does not come from a SCEP CA"),
                             cw_certificate_get_name (cert));
    return;
  }
  if (cw_scep_manager_is_working (self, cert)) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_BUSY,
                             _("a SCEP enrollment for “%s” is already running; try again when it has finished"),
                             cw_certificate_get_name (cert));
    return;
  }
  if (info != NULL && !force && !cw_certificate_is_due (cert, cw_clock_now ())) {
    g_autofree gchar *when = cw_format_date (info->not_after - (info->not_after - info->not_before) / 3);

    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_DUE,
                             _("“%s” is not due for renewal until %s; use force to renew it now"),
                             cw_certificate_get_name (cert), when);
    return;
  }
  /* never issued yet (a failed first enrollment): the same request again */
  if (info == NULL && cw_certificate_get_request (cert) != NULL) {
    if (!start_job (self, cert, &error))
      g_task_return_error (task, error);
    else
      g_task_return_boolean (task, TRUE);
    return;
  }
  /* a new key and request; the challenge password file stays */
  cw_store_prepare_scep_async (self->store, cw_certificate_get_name (cert),
                               cw_issue_spec_copy (cw_certificate_get_spec (cert)),
                               cw_scep_spec_copy (cw_certificate_get_scep (cert)), cw_certificate_get_roles (cert),
                               cw_certificate_get_tenant (cert), cancellable, prepared, g_steal_pointer (&task));
}

gboolean
cw_scep_manager_renew_finish (CwScepManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the object --------------------------------------------------------- */

static void
cw_scep_manager_dispose (GObject *object)
{
  CwScepManager *self = CW_SCEP_MANAGER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (cw_scep_manager_parent_class)->dispose (object);
}

static void
cw_scep_manager_finalize (GObject *object)
{
  CwScepManager *self = CW_SCEP_MANAGER (object);

  g_hash_table_unref (self->jobs);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (cw_scep_manager_parent_class)->finalize (object);
}

static void
cw_scep_manager_class_init (CwScepManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_scep_manager_dispose;
  object_class->finalize = cw_scep_manager_finalize;
  signals[SIGNAL_ENROLLMENT_FINISHED] =
    g_signal_new ("enrollment-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, CW_TYPE_CERTIFICATE, G_TYPE_ERROR, G_TYPE_INT64);
}

static void
cw_scep_manager_init (CwScepManager *self)
{
  /* jobs free themselves at their end: the table only finds them */
  self->jobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
}

CwScepManager *
cw_scep_manager_new (CwStore *store)
{
  CwScepManager *self = g_object_new (CW_TYPE_SCEP_MANAGER, NULL);

  self->store = g_object_ref (store);
  return self;
}
