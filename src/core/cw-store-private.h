/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the files that make up CwStore; not for other users. */

#include "cw-store.h"
#include "cw-chain.h"

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

  guint        in_flight;       /* operations started and not completed */

  GMutex       roots_lock;
  gnutls_x509_trust_list_t roots;
  gboolean     roots_loaded;
};

/* One revision to write and commit, prepared on the main thread and run in
 * a worker thread (cw_store_write_job_run). */
typedef struct {
  gchar      *certs_dir;
  gchar      *id;
  gboolean    is_new;
  guint       revision;
  guint       keep;
  gchar      *source;
  gchar      *settings;   /* settings.ini, or NULL to keep it */
  CwBundle   *bundle;
  CwCertInfo *info;       /* result */
} CwWriteJob;

void      cw_write_job_free (CwWriteJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwWriteJob, cw_write_job_free)
CwWriteJob *cw_store_new_write_job (CwStore *self, CwCertificate *existing, const gchar *source);
gboolean  cw_write_job_run (CwWriteJob *job, GError **error);

guint     cw_store_keep_revisions (CwStore *self);
guint     cw_store_warning_days (CwStore *self);
gchar    *cw_store_settings_to_data (const gchar *name, const gchar * const *roles, const gchar *tenant);
CwBundle *cw_store_build_bundle (CwStore *self, GPtrArray *inputs, const gchar *password,
                                 gboolean allow_expired, gnutls_x509_privkey_t key, GError **error);
void      cw_store_add_certificate (CwStore *self, CwCertificate *cert);
void      cw_store_emit_event (CwStore *self, CwCertificate *cert, CwEvent event);
/* Publishes a committed revision in the model. */
void      cw_store_apply_revision (CwStore *self, CwCertificate *cert, CwWriteJob *job);
/* Runs @func in a worker thread on @task's data; @done then runs on the
 * main thread with @task (ownership passed) as its user data. */
void      cw_store_run_in_thread (CwStore *self, GTask *task, GTaskThreadFunc func,
                                  GAsyncReadyCallback done);
/* Counts @task as in flight until it has completed (see cw_store_is_idle). */
void      cw_store_track (CwStore *self, GTask *task);
/* Marks @cert busy, or fails with CW_ERROR_BUSY. */
gboolean  cw_store_claim (CwCertificate *cert, GError **error);

G_END_DECLS
