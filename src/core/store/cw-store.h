/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-certificate.h"
#include "cw-config.h"
#include "cw-export.h"
#include "cw-store-backend.h"

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
  gboolean    renewal;        /* a replacement that renews (a cluster node applying another's renewal):
                               * announced as renewed rather than replaced */
  /* with both: how the node that obtained it renews it (a cluster node's
   * copy renews the same way); NULL: an import, renewed by nobody */
  CwIssueSpec *spec;
  CwAcmeSpec *acme;
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
 *   ::manager-changed (): the default certificate, the tenants or the
 *   expiry warning window changed.
 *   ::certificate-added (CwCertificate *cert): a certificate entered the
 *   store after loading (before its ::event, if any: a pending request has
 *   no files to announce yet).
 *   ::certificate-removed (CwCertificate *cert): it left (after its
 *   CW_EVENT_REMOVED).
 *   ::renewal-options-changed (CwCertificate *cert): AutoRenew or the
 *   reload actions were set.
 *   ::delivery-changed (CwCertificate *cert): its delivery (access group,
 *   targets, integrations, reload commands or units or hooks) was set:
 *   what the delivery layer should act on at once.
 */

/* ---- construction and loading (cw-store.c) ------------------------------- */

CwStore       *cw_store_new (const gchar *state_dir, CwConfig *config);

/* Reads every certificate directory, cleaning up what a crash left behind.
 * Broken directories are skipped with a warning, never deleted. */
gboolean       cw_store_load (CwStore *self, GError **error);

/* TRUE until the check of the loaded revisions' files (started by
 * cw_store_load in a worker thread) has ended. */
gboolean       cw_store_is_auditing (CwStore *self);

/* ---- the model (cw-store-core.c) ----------------------------------------- */

const gchar   *cw_store_get_state_dir (CwStore *self);

CwConfig      *cw_store_get_config (CwStore *self);

/* Sorted by name; new array of new references. */
GPtrArray     *cw_store_get_certificates (CwStore *self);
guint          cw_store_get_count (CwStore *self);
CwCertificate *cw_store_lookup (CwStore *self, const gchar *name);
CwCertificate *cw_store_lookup_id (CwStore *self, const gchar *id);

/* Commits every revision and removal to @backend first (worker threads);
 * NULL: alone (the default). Before any change. */
void           cw_store_set_backend (CwStore *self, const CwStoreBackend *backend, gpointer user_data);
/* The manager settings (default, tenants, expiry warning) shared with
 * other nodes: SetDefault, SetTenantDomains and SetWarningDays give
 * @commit what the settings become (cw_store_dump_manager's form: the
 * default by name) before they change anything; FALSE refuses the call.
 * Main thread; it may block. */
typedef gboolean (*CwStoreManagerCommit) (gpointer user_data, const gchar *settings, GError **error);
void           cw_store_set_manager_backend (CwStore *self, CwStoreManagerCommit commit, gpointer user_data);
gchar         *cw_store_dump_manager (CwStore *self) G_GNUC_WARN_UNUSED_RESULT;
/* Makes this store's manager settings @settings (another node's), saved
 * and announced (::manager-changed) as a change made here, nothing
 * committed back; nothing at all when they are the same already. */
gboolean       cw_store_apply_manager (CwStore *self, const gchar *settings, GError **error);

/* TRUE when no operation is in flight; ::idle fires when the last one
 * completes, so a shutdown can let writes finish. */
gboolean       cw_store_is_idle (CwStore *self);
/* Waits until queued settings writes are on disk. */
void           cw_store_flush (CwStore *self);
/* Settings (settings.ini, manager.ini) are saved in a worker thread after
 * the model changed. To tell a client whether its change reached the disk:
 * take a mark before the change, then wait for the saves queued since;
 * the finish fails with CW_ERROR_IO naming the file when one failed. */
guint64        cw_store_save_mark (CwStore *self);
void           cw_store_saved_async (CwStore *self, guint64 mark, GAsyncReadyCallback callback, gpointer user_data);
gboolean       cw_store_saved_finish (CwStore *self, GAsyncResult *result, GError **error);

/* ---- policy (cw-store-policy.c) ------------------------------------------ */

/* The certificate used when no other matches a name, or NULL. */
CwCertificate *cw_store_get_default (CwStore *self);
/* @cert must have the server role. */
gboolean       cw_store_set_default (CwStore *self, CwCertificate *cert, GError **error);

/* tenant → GStrv of normalised domains (borrowed). */
GHashTable    *cw_store_get_tenants (CwStore *self);
/* Sets a tenant's domains; none removes the tenant. */
gboolean       cw_store_set_tenant_domains (CwStore *self, const gchar *tenant,
                                            const gchar * const *domains, GError **error);
gboolean       cw_store_set_roles (CwStore *self, CwCertificate *cert, const gchar * const *roles,
                                   GError **error);
gboolean       cw_store_set_tenant (CwStore *self, CwCertificate *cert, const gchar *tenant, GError **error);

/* Renewal options: @auto_renew (-1: unchanged; only for self-signed and
 * local-CA certificates), @units and @hooks (NULL: unchanged), checked by
 * cw_renewal_validate_actions. */
gboolean       cw_store_set_renewal_options (CwStore *self, CwCertificate *cert, gint auto_renew,
                                             const gchar * const *units, const gchar * const *hooks,
                                             GError **error);
/* The renewal engine's memory of @cert, replaced and saved (takes
 * @renewal); emits ::changed. */
void           cw_store_update_renewal (CwStore *self, CwCertificate *cert, CwRenewal *renewal);

/* Publishes what the reload actions after @cert's last change did. */
void           cw_store_set_last_actions (CwStore *self, CwCertificate *cert, const gchar * const *lines);

/* When the engine will renew @cert next (0: never): published, not saved
 * (it is computed again at start). */
void           cw_store_set_next_renewal (CwStore *self, CwCertificate *cert, gint64 at);

/* ExpiryWarningDays: from the configuration unless set here (30–180). */
guint          cw_store_get_warning_days (CwStore *self);
/* Seconds before NotAfter that @cert turns "expiring": the warning days,
 * but at most a quarter of the lifetime of a certificate the agent renews
 * itself. */
gint64         cw_store_warning_window (CwStore *self, CwCertificate *cert);
gboolean       cw_store_set_warning_days (CwStore *self, guint days, GError **error);
/* Recomputes every State from the clock and announces each certificate's
 * entry into "expiring" and "expired" once (CW_EVENT_EXPIRING/EXPIRED).
 * Runs at load, daily and when the next transition is due. */
void           cw_store_check_expiry (CwStore *self);
/* While held, the check updates State but announces nothing: a daemon
 * holds them until it owns its bus name, so a transition that happened
 * while it was stopped reaches its subscribers (and is remembered as
 * announced only then). Releasing runs the check. */
void           cw_store_hold_announcements (CwStore *self, gboolean hold);

/* FindForName: see org.certward.Manager1.xml. NotFound when nothing fits. */
CwCertificate *cw_store_find_for_name (CwStore *self, const gchar *hostname, const gchar *role,
                                       GError **error);
/* The same, answering the certificate's id: safe on any thread, so the
 * daemon can answer without a trip through the main loop. */
gchar         *cw_store_find_id_for_name (CwStore *self, const gchar *hostname, const gchar *role,
                                          GError **error);

/* Marks the work on @cert: CW_ACTIVITY_WORKING while an order runs,
 * CW_ACTIVITY_FAILED with @message (LastError) and a CW_EVENT_FAILED
 * event when it failed, CW_ACTIVITY_IDLE when given up. Installing a
 * certificate clears it. */
void           cw_store_set_activity (CwStore *self, CwCertificate *cert, CwActivity activity,
                                      const gchar *message);

/* ---- delivery (cw-store-delivery.c) -------------------------------------- */

/* Takes @delivery (checked against the system by the delivery layer
 * before): an unknown access group is InvalidArgument naming it; a new
 * access group is applied to every revision's key at once. Saves the
 * settings and emits ::delivery-changed. */
gboolean       cw_store_set_delivery (CwStore *self, CwCertificate *cert, CwDelivery *delivery, GError **error);

/* ---- import (cw-store-import.c) ------------------------------------------ */

void           cw_store_import_async (CwStore *self, CwImportRequest *request,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
/* The new or replaced certificate. */
CwCertificate *cw_store_import_finish (CwStore *self, GAsyncResult *result, GError **error);

/* ---- install, remove, export (cw-store-ops.c) ---------------------------- */

/* A new certificate (and chain) for the key @cert already holds. */
void           cw_store_install_async (CwStore *self, CwCertificate *cert, GBytes *chain,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gboolean       cw_store_install_finish (CwStore *self, GAsyncResult *result, GError **error);

/* Refused (CW_ERROR_IN_USE) for the default certificate, a CA that issued
 * certificates that are still valid, and the last valid sip-tls or
 * stir-shaken certificate, unless @force. */
void           cw_store_remove_async (CwStore *self, CwCertificate *cert, gboolean force,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean       cw_store_remove_finish (CwStore *self, GAsyncResult *result, GError **error);

void           cw_store_export_async (CwStore *self, CwCertificate *cert,
                                      const CwExportOptions *options,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
GBytes        *cw_store_export_finish (CwStore *self, GAsyncResult *result, GError **error);

/* ---- issuance (cw-store-issue.c) ----------------------------------------- */

/* A self-signed certificate, or one signed by the local CA @issuer. Takes
 * @spec. */
void           cw_store_create_async (CwStore *self, const gchar *name, CwIssueSpec *spec,
                                      const gchar * const *roles, const gchar *tenant,
                                      CwCertificate *issuer, gboolean replace,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
CwCertificate *cw_store_create_finish (CwStore *self, GAsyncResult *result, GError **error);

/* A new key and a PKCS#10 request for an outside CA. The certificate is
 * pending until Install; with @replace an existing one is re-keyed. Takes
 * @spec. */
void           cw_store_request_async (CwStore *self, const gchar *name, CwIssueSpec *spec,
                                       const gchar * const *roles, const gchar *tenant, gboolean replace,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
CwCertificate *cw_store_request_finish (CwStore *self, GAsyncResult *result, gchar **csr_pem,
                                        GError **error);

/* A new key (or the current one, with @reuse_key) and the request an
 * ACME order finalizes with, kept as the pending request of certificate
 * @name (Source "acme"), which is created or, with @replace, updated.
 * The order's certificate is then installed with cw_store_install_async.
 * Takes @spec and @acme. Finish with cw_store_request_finish. */
void           cw_store_prepare_acme_async (CwStore *self, const gchar *name, CwIssueSpec *spec,
                                            CwAcmeSpec *acme, const gchar * const *roles,
                                            const gchar *tenant, gboolean reuse_key, gboolean replace,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);

/* The same for a SCEP CA (Source "scep"): always a new key, the current
 * certificate (if any) staying in place until the CA's answer is
 * installed. Takes @spec and @scep. */
void           cw_store_prepare_scep_async (CwStore *self, const gchar *name, CwIssueSpec *spec,
                                            CwScepSpec *scep, const gchar * const *roles,
                                            const gchar *tenant, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);

/* Reissues a self-signed or local-CA certificate; CW_ERROR_NOT_DUE unless
 * due or @force. */
void           cw_store_renew_async (CwStore *self, CwCertificate *cert, gboolean force,
                                     gboolean reuse_key, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean       cw_store_renew_finish (CwStore *self, GAsyncResult *result, GError **error);

/* On a store without a server certificate, creates "system": self-signed
 * for this host's names and addresses, and makes it the default. Also
 * repairs a default that points nowhere. */
void           cw_store_ensure_identity_async (CwStore *self, GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
gboolean       cw_store_ensure_identity_finish (CwStore *self, GAsyncResult *result, GError **error);

G_END_DECLS
