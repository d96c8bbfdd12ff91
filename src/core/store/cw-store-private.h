/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the files that make up CwStore; not for other users.
 *
 *   cw-store.c         the object, loading, revision and settings writes
 *   cw-store-import.c  Import
 *   cw-store-issue.c   self-signed, local-CA and CSR issuance, Renew
 *   cw-store-ops.c     Install, Remove, Export
 *   cw-store-policy.c  default certificate, tenants, expiry, SNI lookups
 */

#include "cw-store.h"
#include "cw-chain.h"
#include "cw-sni-index.h"

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

  /* manager.ini */
  gchar       *default_id;
  GHashTable  *tenants;         /* tenant → GStrv of normalised domains */
  gint         warning_days;    /* set over D-Bus, or -1: the configuration's */

  guint        in_flight;       /* operations started and not completed */
  gboolean     auditing;        /* the files behind the loaded revisions are being checked */
  guint        expiry_alarm;
  gint64       expiry_at;
  gboolean     hold_announcements;  /* until the daemon owns its name */

  /* settings.ini and manager.ini writes, one at a time in order */
  GThreadPool *saver;
  GMutex       save_lock;
  GCond        save_cond;
  guint        saves_pending;

  GMutex       roots_lock;
  CwRoots     *roots;            /* the system bundle, loaded on first use */
  gboolean     roots_loaded;
};

/* One change of a certificate directory, prepared on the main thread and run
 * in a worker thread (cw_write_job_run): a new revision from @bundle, a new
 * pending request from @pending_key/@request, or both for a new directory. */
typedef struct {
  gchar      *certs_dir;
  gchar      *id;
  gboolean    is_new;
  guint       revision;
  guint       keep;
  gchar      *source;
  gchar      *settings;        /* settings.ini of a new directory */
  CwBundle   *bundle;          /* a revision to commit, or NULL */
  gnutls_x509_privkey_t pending_key;
  gchar      *request;         /* with pending_key: the CSR to keep */
  gboolean    consume_pending; /* the revision answers the pending request */
  gint        key_gid;         /* key.pem's group (AccessGroup), -1: root only */
  CwCertInfo *info;            /* result: the new revision's leaf */
} CwWriteJob;

/* The gid of an AccessGroup ("": -1, root only; also -1 for a group that
 * no longer exists, which is warned about). */
gint        cw_store_access_gid (const gchar *group);

void        cw_write_job_free (CwWriteJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwWriteJob, cw_write_job_free)
CwWriteJob *cw_store_new_write_job (CwStore *self, CwCertificate *existing, const gchar *source);
gboolean    cw_write_job_run (CwWriteJob *job, GError **error);

guint     cw_store_keep_revisions (CwStore *self);
CwBundle *cw_store_build_bundle (CwStore *self, GPtrArray *inputs, const gchar *password,
                                 gboolean allow_expired, gnutls_x509_privkey_t key, GError **error);

/* settings.ini of a certificate, from the model */
gchar    *cw_store_settings_serialize (const gchar *name, const gchar * const *roles, const gchar *tenant,
                                       const CwIssueSpec *spec, const CwAcmeSpec *acme, const CwScepSpec *scep,
                                       const CwRenewal *renewal, const CwDelivery *delivery, CwCertState announced);
void      cw_store_save_settings (CwStore *self, CwCertificate *cert);
void      cw_store_save_manager (CwStore *self);

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

/* cw-store-policy.c */
void      cw_store_policy_load (CwStore *self, GKeyFile *manager);
/* The tenant whose domain covers one of @identities, or NULL. */
const gchar *cw_store_tenant_for (CwStore *self, const gchar * const *identities);
/* After a certificate appeared, changed or left: the index, expiry state,
 * the default. */
void      cw_store_policy_changed (CwStore *self, CwCertificate *cert);
void      cw_store_policy_removed (CwStore *self, CwCertificate *cert);

G_END_DECLS
