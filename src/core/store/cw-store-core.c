/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwStore's model: the certificates by name and id, its signals, the saver
 * thread for settings, revisions published from write jobs, name
 * reservations and the operations in flight. It calls nothing above it:
 * the policy (cw-store-policy.c) follows it through its signals. */
#include "config.h"

#include "cw-store-private.h"
#include "cw-certificate-private.h"
#include "cw-chain.h"
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-id.h"
#include "cw-material.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>

enum { SIGNAL_EVENT, SIGNAL_IDLE, SIGNAL_MANAGER_CHANGED, SIGNAL_ADDED, SIGNAL_REMOVED, SIGNAL_RENEWAL_OPTIONS,
       SIGNAL_DELIVERY, SIGNAL_UPDATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwStore, cw_store, G_TYPE_OBJECT)

/* ---- settings (written by cw-saver.c) ---------------------------------- */

void
cw_store_queue_save (CwStore *self, const gchar *dir, const gchar *file, gchar *data)
{
  cw_saver_queue (self->saver, dir, file, data);
}

void
cw_store_flush (CwStore *self)
{
  cw_saver_flush (self->saver);
}

guint64
cw_store_save_mark (CwStore *self)
{
  return cw_saver_mark (self->saver);
}

void
cw_store_saved_async (CwStore *self, guint64 mark, GAsyncReadyCallback callback, gpointer user_data)
{
  cw_saver_settled_async (self->saver, mark, self, callback, user_data);
}

gboolean
cw_store_saved_finish (CwStore *self, GAsyncResult *result, GError **error)
{
  return cw_saver_settled_finish (result, error);
}

gchar *
cw_store_settings_serialize (const gchar *name, const gchar * const *roles, const gchar *tenant,
                             const CwIssueSpec *spec, const CwAcmeSpec *acme, const CwScepSpec *scep,
                             const CwRenewal *renewal, const CwDelivery *delivery, CwCertState announced)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_key_file_set_string (kf, CW_SETTINGS_GROUP, "name", name);
  g_key_file_set_string_list (kf, CW_SETTINGS_GROUP, "roles", roles, roles != NULL ? g_strv_length ((gchar **) roles) : 0);
  g_key_file_set_string (kf, CW_SETTINGS_GROUP, "tenant", tenant != NULL ? tenant : "");
  if (announced == CW_CERT_STATE_EXPIRING || announced == CW_CERT_STATE_EXPIRED)
    g_key_file_set_string (kf, CW_SETTINGS_GROUP, "announced", cw_cert_state_to_string (announced));
  if (spec != NULL)
    cw_issue_spec_save (spec, kf, CW_ISSUE_GROUP);
  if (acme != NULL)
    cw_acme_spec_save (acme, kf, CW_ACME_GROUP);
  if (scep != NULL)
    cw_scep_spec_save (scep, kf, CW_SCEP_GROUP);
  if (renewal != NULL)
    cw_renewal_save (renewal, kf, CW_RENEWAL_GROUP);
  if (delivery != NULL)
    cw_delivery_save (delivery, kf);
  return g_key_file_to_data (kf, NULL, NULL);
}

void
cw_store_save_settings (CwStore *self, CwCertificate *cert)
{
  cw_store_queue_save (self, cw_certificate_get_dir (cert), CW_SETTINGS_FILE,
              cw_store_settings_serialize (cw_certificate_get_name (cert), cw_certificate_get_roles (cert),
                                           cw_certificate_get_tenant (cert), cw_certificate_get_spec (cert),
                                           cw_certificate_get_acme (cert), cw_certificate_get_scep (cert),
                                           cw_certificate_get_renewal (cert), cw_certificate_get_delivery (cert),
                                           cw_certificate_get_announced (cert)));
}

/* ---- object ------------------------------------------------------------- */

static void
cw_store_finalize (GObject *object)
{
  CwStore *self = CW_STORE (object);

  cw_saver_free (self->saver);
  cw_sni_index_free (self->index);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_name);
  g_hash_table_unref (self->reserved);
  g_clear_object (&self->config);
  if (self->policy_free != NULL)
    self->policy_free (self->policy);
  g_free (self->state_dir);
  g_free (self->certs_dir);
  g_clear_pointer (&self->roots, cw_roots_unref);
  g_mutex_clear (&self->roots_lock);
  G_OBJECT_CLASS (cw_store_parent_class)->finalize (object);
}

static void
cw_store_class_init (CwStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_store_finalize;

  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 2, CW_TYPE_CERTIFICATE, G_TYPE_UINT);
  signals[SIGNAL_IDLE] = g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_MANAGER_CHANGED] = g_signal_new ("manager-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ADDED] = g_signal_new ("certificate-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, CW_TYPE_CERTIFICATE);
  signals[SIGNAL_REMOVED] = g_signal_new ("certificate-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, CW_TYPE_CERTIFICATE);
  signals[SIGNAL_RENEWAL_OPTIONS] = g_signal_new ("renewal-options-changed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                  CW_TYPE_CERTIFICATE);
  signals[SIGNAL_DELIVERY] = g_signal_new ("delivery-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 1, CW_TYPE_CERTIFICATE);
  /* private (cw-store-policy.c): a certificate appeared or its revision
   * changed in the model, before anyone else hears of it */
  signals[SIGNAL_UPDATED] = g_signal_new ("certificate-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, CW_TYPE_CERTIFICATE);
}

static void
cw_store_init (CwStore *self)
{
  self->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->reserved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->index = cw_sni_index_new ();
  self->saver = cw_saver_new ();
  g_mutex_init (&self->roots_lock);
}

const gchar *
cw_store_get_state_dir (CwStore *self)
{
  return self->state_dir;
}

CwConfig *
cw_store_get_config (CwStore *self)
{
  return self->config;
}

guint
cw_store_keep_revisions (CwStore *self)
{
  return cw_config_get_int (self->config, "store", "keep-revisions");
}

/* Roots that make a chain complete without being part of it. Loaded on
 * first use, from a worker thread. */
/* The roots a chain may end in without including them: the system bundle
 * of [trust] system-bundle. Loaded once, in whichever worker needs it. */
static CwRoots *
get_roots (CwStore *self)
{
  g_mutex_lock (&self->roots_lock);
  if (!self->roots_loaded) {
    const gchar *bundle = cw_config_get_string (self->config, "trust", "system-bundle");
    g_autoptr(GError) error = NULL;

    self->roots_loaded = TRUE;
    self->roots = cw_roots_new ();
    if (!cw_roots_add_file (self->roots, bundle, &error))
      g_info ("no system CA bundle (%s): missing intermediates cannot be told from roots", error->message);
  }
  g_mutex_unlock (&self->roots_lock);
  return self->roots;
}

static gint
compare_by_name (gconstpointer a, gconstpointer b)
{
  CwCertificate *ca = *(CwCertificate **) a;
  CwCertificate *cb = *(CwCertificate **) b;

  return g_strcmp0 (cw_certificate_get_name (ca), cw_certificate_get_name (cb));
}

GPtrArray *
cw_store_get_certificates (CwStore *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, g_object_ref (value));
  g_ptr_array_sort (out, compare_by_name);
  return out;
}

guint
cw_store_get_count (CwStore *self)
{
  return g_hash_table_size (self->by_name);
}

CwCertificate *
cw_store_lookup (CwStore *self, const gchar *name)
{
  return g_hash_table_lookup (self->by_name, name);
}

CwCertificate *
cw_store_lookup_id (CwStore *self, const gchar *id)
{
  return g_hash_table_lookup (self->by_id, id);
}

void
cw_store_add_certificate (CwStore *self, CwCertificate *cert)
{
  g_hash_table_insert (self->by_name, g_strdup (cw_certificate_get_name (cert)), cert);
  g_hash_table_insert (self->by_id, (gpointer) cw_certificate_get_id (cert), cert);
  cw_sni_index_update (self->index, cert);
}

void
cw_store_forget_certificate (CwStore *self, CwCertificate *cert)
{
  g_autoptr(CwCertificate) keep = g_object_ref (cert);

  cw_sni_index_remove (self->index, cert);
  g_hash_table_remove (self->by_id, cw_certificate_get_id (cert));
  g_hash_table_remove (self->by_name, cw_certificate_get_name (cert));
  g_signal_emit (self, signals[SIGNAL_REMOVED], 0, cert);
}

void
cw_store_emit_delivery_changed (CwStore *self, CwCertificate *cert)
{
  g_signal_emit (self, signals[SIGNAL_DELIVERY], 0, cert);
}

void
cw_store_emit_renewal_options_changed (CwStore *self, CwCertificate *cert)
{
  g_signal_emit (self, signals[SIGNAL_RENEWAL_OPTIONS], 0, cert);
}

void
cw_store_emit_updated (CwStore *self, CwCertificate *cert)
{
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0, cert);
}

void
cw_store_emit_manager_changed (CwStore *self)
{
  g_signal_emit (self, signals[SIGNAL_MANAGER_CHANGED], 0);
}

void
cw_store_emit_event (CwStore *self, CwCertificate *cert, CwEvent event)
{
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, cert, (guint) event);
}

/* ---- revisions ---------------------------------------------------------- */

void
cw_store_apply_revision (CwStore *self, CwCertificate *cert, CwWriteJob *job)
{
  cw_certificate_set_revision (cert, job->revision, job->source, g_steal_pointer (&job->info), TRUE,
                               (const gchar * const *) job->bundle->warnings->pdata);
  /* a new certificate ends whatever was being tried for it */
  cw_certificate_set_last_error (cert, NULL);
  cw_certificate_set_activity (cert, CW_ACTIVITY_IDLE);
  if (job->consume_pending)
    cw_certificate_set_request (cert, NULL);
  cw_store_emit_updated (self, cert);
}

CwBundle *
cw_store_build_bundle (CwStore *self, GPtrArray *inputs, const gchar *password, gboolean allow_expired,
                       gnutls_x509_privkey_t key, GError **error)
{
  g_autoptr(CwMaterial) material = cw_material_new (password);
  CwChainPolicy policy = { 0 };

  for (guint i = 0; i < inputs->len; i++) {
    CwInput *input = g_ptr_array_index (inputs, i);
    gsize len = 0;
    const guint8 *bytes = g_bytes_get_data (input->data, &len);

    if (!cw_material_add (material, input->label, bytes, len, error))
      return NULL;
  }
  policy.now = cw_clock_now ();
  policy.allow_expired = allow_expired;
  policy.key = key;
  policy.roots = get_roots (self);
  return cw_bundle_build (material, &policy, error);
}

CwWriteJob *
cw_store_new_write_job (CwStore *self, CwCertificate *existing, const gchar *source)
{
  CwWriteJob *job = g_new0 (CwWriteJob, 1);

  job->certs_dir = g_strdup (self->certs_dir);
  job->keep = cw_store_keep_revisions (self);
  job->key_gid = existing != NULL ? cw_delivery_access_gid (cw_certificate_get_delivery (existing)->access_group) : -1;
  job->source = g_strdup (source);
  job->backend = self->backend;
  job->backend_data = self->backend_data;
  if (existing != NULL) {
    job->name = g_strdup (cw_certificate_get_name (existing));
    job->id = g_strdup (cw_certificate_get_id (existing));
    job->revision = cw_certificate_get_revision (existing) + 1;
  } else {
    job->is_new = TRUE;
    job->revision = 1;
  }
  return job;
}

void
cw_store_set_backend (CwStore *self, const CwStoreBackend *backend, gpointer user_data)
{
  self->backend = backend;
  self->backend_data = user_data;
}

/* ---- reservations and publication --------------------------------------- */

gboolean
cw_store_claim (CwCertificate *cert, GError **error)
{
  if (cw_certificate_is_busy (cert)) {
    g_set_error (error, CW_ERROR, CW_ERROR_BUSY,
                 _("another operation on “%s” is in progress; try again when it has finished"),
                 cw_certificate_get_name (cert));
    return FALSE;
  }
  cw_certificate_set_busy (cert, TRUE);
  return TRUE;
}

/* A directory name for a new certificate (cw-id.h): also what its D-Bus
 * object path ends in. */
static gboolean
id_taken (const gchar *id, gpointer user_data)
{
  CwStore *self = user_data;

  return g_hash_table_contains (self->by_id, id) || g_hash_table_contains (self->reserved, id);
}

gboolean
cw_store_reserve (CwStore *self, const gchar *name, gboolean replace, CwCertificate **existing, gchar **id,
                  GError **error)
{
  CwCertificate *cert = cw_store_lookup (self, name);

  *existing = NULL;
  *id = NULL;
  if (g_hash_table_contains (self->reserved, name) || (cert != NULL && cw_certificate_is_busy (cert))) {
    g_set_error (error, CW_ERROR, CW_ERROR_BUSY,
                 _("another operation on “%s” is in progress; try again when it has finished"), name);
    return FALSE;
  }
  if (cert != NULL && !replace) {
    g_set_error (error, CW_ERROR, CW_ERROR_EXISTS,
                 _("a certificate named “%s” exists; use replace to overwrite it"), name);
    return FALSE;
  }
  if (cert != NULL) {
    cw_certificate_set_busy (cert, TRUE);
    *existing = g_object_ref (cert);
    return TRUE;
  }
  *id = cw_id_from_name (name, "cert", id_taken, self);
  g_hash_table_add (self->reserved, g_strdup (name));
  g_hash_table_add (self->reserved, g_strdup (*id));
  return TRUE;
}

void
cw_store_unreserve (CwStore *self, const gchar *name, const gchar *id)
{
  if (name != NULL)
    g_hash_table_remove (self->reserved, name);
  if (id != NULL)
    g_hash_table_remove (self->reserved, id);
}

CwCertificate *
cw_store_publish_new (CwStore *self, CwWriteJob *job, const gchar *name, const gchar * const *roles,
                      const gchar *tenant, CwIssueSpec *spec, CwAcmeSpec *acme)
{
  g_autofree gchar *dir = g_build_filename (self->certs_dir, job->id, NULL);
  CwCertificate *cert = cw_certificate_new (job->id, name, dir);

  cw_certificate_set_roles (cert, roles);
  cw_certificate_set_tenant (cert, tenant);
  cw_certificate_set_spec (cert, spec);
  cw_certificate_set_acme (cert, acme);
  cw_certificate_set_request (cert, job->request);
  if (job->bundle != NULL) {
    cw_certificate_set_revision (cert, job->revision, job->source, g_steal_pointer (&job->info), TRUE,
                                 (const gchar * const *) job->bundle->warnings->pdata);
  } else {
    cw_certificate_set_revision (cert, 0, job->source, NULL, FALSE, NULL);
  }
  cw_store_add_certificate (self, cert);
  /* its state first: listeners of ::certificate-added publish it at once */
  cw_store_emit_updated (self, cert);
  g_signal_emit (self, signals[SIGNAL_ADDED], 0, cert);
  return cert;
}

/* ---- tasks -------------------------------------------------------------- */

static void
task_completed (GTask *task, GParamSpec *pspec, CwStore *self)
{
  g_signal_handlers_disconnect_by_func (task, task_completed, self);
  g_assert (self->in_flight > 0);
  if (--self->in_flight == 0)
    g_signal_emit (self, signals[SIGNAL_IDLE], 0);
  g_object_unref (self);
}

void
cw_store_track (CwStore *self, GTask *task)
{
  self->in_flight++;
  g_signal_connect (task, "notify::completed", G_CALLBACK (task_completed), g_object_ref (self));
}

gboolean
cw_store_is_idle (CwStore *self)
{
  return self->in_flight == 0;
}

void
cw_store_run_in_thread (CwStore *self, GTask *task, GTaskThreadFunc func, GAsyncReadyCallback done)
{
  g_autoptr(GTask) work = g_task_new (self, g_task_get_cancellable (task), done, task);

  /* the worker commits changes: its result must arrive even when the caller
   * cancelled meanwhile, or the model would fall behind the disk */
  g_task_set_check_cancellable (work, FALSE);
  g_task_set_task_data (work, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (work, func);
}
