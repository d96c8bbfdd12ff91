/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the files that make up CwStore; not for other users.
 * Each calls only the ones listed before it (tools/check-layers.py):
 *
 *   cw-write-job.c       a change of a certificate directory (worker thread)
 *   cw-import-request.c  what an import brings
 *   cw-saver.c           settings and manager.ini written in order
 *   cw-store-core.c      the model, signals, saver, reservations, tasks
 *   cw-store-policy.c    default certificate, tenants, expiry, SNI lookups
 *                        (follows the model through its signals)
 *   cw-store-delivery.c  delivery settings, the access group
 *   cw-store-import.c    Import
 *   cw-store-issue.c     self-signed, local-CA and CSR issuance, Renew
 *   cw-store-ops.c       Install, Remove, Export
 *   cw-store.c           construction, loading and audit
 */

#include "cw-store.h"
#include "cw-chain.h"
#include "cw-sni-index.h"
#include "cw-saver.h"
#include "cw-write-job.h"

G_BEGIN_DECLS

typedef struct {
  gchar  *label;
  GBytes *data;
} CwInput;

void cw_input_free (CwInput *input);

struct _CwStore {
  GObject      parent_instance;

  gchar       *state_dir;
  gchar       *certs_dir;
  CwConfig    *config;
  GHashTable  *by_name;         /* name → CwCertificate (owned) */
  GHashTable  *by_id;           /* id → CwCertificate (borrowed) */
  GHashTable  *reserved;        /* names and ids of certificates being created */
  CwSniIndex  *index;

  /* cw-store-policy.c's own state, freed with the store */
  gpointer       policy;
  GDestroyNotify policy_free;

  guint        in_flight;       /* operations started and not completed */
  gboolean     auditing;        /* the files behind the loaded revisions are being checked */

  /* settings.ini and manager.ini writes, one at a time in order */
  CwSaver     *saver;

  GMutex       roots_lock;
  CwRoots     *roots;            /* the system bundle, loaded on first use */
  gboolean     roots_loaded;

  /* a shared backend every change is committed to first, or NULL */
  const CwStoreBackend *backend;
  gpointer     backend_data;
};

CwWriteJob *cw_store_new_write_job (CwStore *self, CwCertificate *existing, const gchar *source);

guint     cw_store_keep_revisions (CwStore *self);
CwBundle *cw_store_build_bundle (CwStore *self, GPtrArray *inputs, const gchar *password,
                                 gboolean allow_expired, gnutls_x509_privkey_t key, GError **error);

/* settings.ini of a certificate, from the model */
gchar    *cw_store_settings_serialize (const gchar *name, const gchar * const *roles, const gchar *tenant,
                                       const CwIssueSpec *spec, const CwAcmeSpec *acme, const CwScepSpec *scep,
                                       const CwRenewal *renewal, const CwDelivery *delivery, CwCertState announced);
void      cw_store_save_settings (CwStore *self, CwCertificate *cert);
/* Writes @data (taken) to @dir/@file in the saver thread, in order. */
void      cw_store_queue_save (CwStore *self, const gchar *dir, const gchar *file, gchar *data);

/* Name reservation for a certificate being created: fails with Busy or
 * Exists (unless @replace, which returns the existing one, claimed, in
 * @existing). On success a new certificate's id is in @id. */
gboolean  cw_store_reserve (CwStore *self, const gchar *name, gboolean replace,
                            CwCertificate **existing, gchar **id, GError **error);
void      cw_store_unreserve (CwStore *self, const gchar *name, const gchar *id);

/* A new CwCertificate for a committed new directory, added to the model. */
CwCertificate *cw_store_publish_new (CwStore *self, CwWriteJob *job, const gchar *name,
                                     const gchar * const *roles, const gchar *tenant, CwIssueSpec *spec,
                                     CwAcmeSpec *acme);
void      cw_store_add_certificate (CwStore *self, CwCertificate *cert);
void      cw_store_forget_certificate (CwStore *self, CwCertificate *cert);
void      cw_store_emit_event (CwStore *self, CwCertificate *cert, CwEvent event);
/* ::certificate-updated: @cert appeared or its revision changed (the policy follows) */
void      cw_store_emit_updated (CwStore *self, CwCertificate *cert);
void      cw_store_emit_manager_changed (CwStore *self);
void      cw_store_emit_renewal_options_changed (CwStore *self, CwCertificate *cert);
void      cw_store_emit_delivery_changed (CwStore *self, CwCertificate *cert);
/* Publishes a committed revision in the model (and the index). */
void      cw_store_apply_revision (CwStore *self, CwCertificate *cert, CwWriteJob *job);
/* Runs @func in a worker thread on @task's data; @done then runs on the
 * main thread with @task (ownership passed) as its user data. */
void      cw_store_run_in_thread (CwStore *self, GTask *task, GTaskThreadFunc func,
                                  GAsyncReadyCallback done);
/* Counts @task as in flight until it has completed (see cw_store_is_idle). */
void      cw_store_track (CwStore *self, GTask *task);
/* Marks @cert busy, or fails with CW_ERROR_BUSY. */
gboolean  cw_store_claim (CwCertificate *cert, GError **error);

/* cw-store-policy.c: its state on @self, following the model's signals */
void      cw_store_policy_attach (CwStore *self);
/* manager.ini as read at start */
void      cw_store_policy_load (CwStore *self, GKeyFile *manager);
void      cw_store_save_manager (CwStore *self);
/* The tenant whose domain covers one of @identities, or NULL. */
const gchar *cw_store_tenant_for (CwStore *self, const gchar * const *identities);

G_END_DECLS
