/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-certificate.h"
#include "cw-config.h"
#include "cw-export.h"

G_BEGIN_DECLS

/* What an import brings: any number of labelled inputs of any format. */
typedef struct {
  gchar      *name;           /* NULL: the leaf's first identity */
  GPtrArray  *inputs;         /* CwInput */
  gchar      *password;
  gchar     **roles;          /* NULL: { "server" } */
  gchar      *tenant;         /* NULL: "" */
  gboolean    allow_expired;
  gboolean    replace;
} CwImportRequest;

CwImportRequest *cw_import_request_new (void);
void             cw_import_request_add (CwImportRequest *request, const gchar *label, GBytes *data);
void             cw_import_request_free (CwImportRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwImportRequest, cw_import_request_free)

#define CW_TYPE_STORE (cw_store_get_type ())
G_DECLARE_FINAL_TYPE (CwStore, cw_store, CW, STORE, GObject)

/**
 * CwStore:
 *
 * The certificates under STATE_DIR/certificates, one directory each (see
 * cw-revision.h for the layout). Every change is written in a worker thread
 * and committed with one atomic rename; only then does the in-memory model
 * change and ::event fire, so a listener never announces files that are not
 * there. Operations on one certificate are serialised: a second one while
 * the first runs fails with CW_ERROR_BUSY.
 *
 * Signals:
 *   ::event (CwCertificate *cert, guint CwEvent event): after the change is
 *   on disk. For CW_EVENT_ADDED the certificate is new in the store, for
 *   CW_EVENT_REMOVED it has just left it.
 *   ::idle (): the last operation in flight has completed.
 */

CwStore       *cw_store_new (const gchar *state_dir, CwConfig *config);
/* Reads every certificate directory, cleaning up what a crash left behind.
 * Broken directories are skipped with a warning, never deleted. */
gboolean       cw_store_load (CwStore *self, GError **error);
const gchar   *cw_store_get_state_dir (CwStore *self);
CwConfig      *cw_store_get_config (CwStore *self);

/* Sorted by name; new array of new references. */
GPtrArray     *cw_store_get_certificates (CwStore *self);
guint          cw_store_get_count (CwStore *self);
CwCertificate *cw_store_lookup (CwStore *self, const gchar *name);
CwCertificate *cw_store_lookup_id (CwStore *self, const gchar *id);

/* TRUE when no operation is in flight; ::idle fires when the last one
 * completes, so a shutdown can let writes finish. */
gboolean       cw_store_is_idle (CwStore *self);

/* Recomputes every certificate's State from the clock (valid, expiring,
 * expired). */
void           cw_store_refresh_states (CwStore *self);

void           cw_store_import_async (CwStore *self, CwImportRequest *request,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
/* The new or replaced certificate. */
CwCertificate *cw_store_import_finish (CwStore *self, GAsyncResult *result, GError **error);

/* A new certificate (and chain) for the key @cert already holds. */
void           cw_store_install_async (CwStore *self, CwCertificate *cert, GBytes *chain,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gboolean       cw_store_install_finish (CwStore *self, GAsyncResult *result, GError **error);

void           cw_store_remove_async (CwStore *self, CwCertificate *cert,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean       cw_store_remove_finish (CwStore *self, GAsyncResult *result, GError **error);

void           cw_store_export_async (CwStore *self, CwCertificate *cert,
                                      const CwExportOptions *options,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
GBytes        *cw_store_export_finish (CwStore *self, GAsyncResult *result, GError **error);

G_END_DECLS
