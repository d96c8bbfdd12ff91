/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <gnutls/x509.h>

#include "cw-chain.h"
#include "cw-store-backend.h"
#include "cw-x509.h"

G_BEGIN_DECLS

/* A certificate directory (certificates/ID/): */
#define CW_SETTINGS_FILE  "settings.ini"   /* what it is and how it is made */
#define CW_PENDING_DIR    "pending"        /* a request's key and CSR, awaiting an answer */
#define CW_REQUEST_FILE   "request.pem"
/* the store's own (state directory) */
#define CW_MANAGER_FILE   "manager.ini"
/* groups of settings.ini */
#define CW_SETTINGS_GROUP "certificate"
#define CW_ISSUE_GROUP    "issue"
#define CW_ACME_GROUP     "acme"
#define CW_SCEP_GROUP     "scep"
#define CW_RENEWAL_GROUP  "renewal"

/* One change of a certificate directory, prepared on the main thread and run
 * in a worker thread (cw_write_job_run): a new revision from @bundle, a new
 * pending request from @pending_key/@request, or both for a new directory. */
struct _CwWriteJob {
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
  gchar      *name;            /* the certificate's, NULL for a new one */
  gboolean    renewal;         /* the new revision renews the current one (for the backend's event) */
  const CwStoreBackend *backend; /* or NULL: commits first there (cw-store-backend.h) */
  gpointer    backend_data;
};


void        cw_write_job_free (CwWriteJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwWriteJob, cw_write_job_free)
/* Runs in a worker thread: the change is on disk, committed with one
 * rename, or nothing changed and @error says why. Sets @job->info (and
 * @job->id, @job->revision when the disk decided otherwise). */
gboolean    cw_write_job_run (CwWriteJob *job, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
