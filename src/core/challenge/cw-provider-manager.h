/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-provider.h"

G_BEGIN_DECLS

#define CW_TYPE_PROVIDER_MANAGER (cw_provider_manager_get_type ())
G_DECLARE_FINAL_TYPE (CwProviderManager, cw_provider_manager, CW, PROVIDER_MANAGER, GObject)

/**
 * CwProviderManager:
 *
 * The DNS provider plugins found on this machine and the providers an
 * administrator configured with them, each kept with its secrets in
 * STATE/providers/<id>.ini (0600, directory 0700). It also keeps the
 * journal of TXT records published for dns-01 (STATE/providers/records.ini)
 * so that a record a crash left behind is removed at the next start.
 *
 * Signals: "provider-added" (CwProvider), "provider-removed" (CwProvider),
 * "provider-changed" (CwProvider), "idle" (see cleanup_leftovers).
 */
CwProviderManager *cw_provider_manager_new (const gchar *state_dir,
                                            const gchar * const *plugin_dirs) G_GNUC_WARN_UNUSED_RESULT;

/* Who uses a provider: the name of a certificate that obtains its
 * certificates through @provider_id (newly allocated), or NULL. Set by
 * the layer that knows certificates (the ACME manager); without it no
 * provider is in use. */
typedef gchar *(*CwProviderUserFunc) (const gchar *provider_id, gpointer user_data);
void         cw_provider_manager_set_user_func (CwProviderManager *self, CwProviderUserFunc func,
                                                gpointer user_data);
/* Loads the plugins, then the configured providers (one that cannot be
 * loaded is skipped with a warning; its file stays). */
gboolean     cw_provider_manager_load (CwProviderManager *self, GError **error);

/* CwProviderType, sorted by type name */
GPtrArray   *cw_provider_manager_get_types (CwProviderManager *self) G_GNUC_WARN_UNUSED_RESULT;
/* CwProvider, sorted by name */
GPtrArray   *cw_provider_manager_get_providers (CwProviderManager *self) G_GNUC_WARN_UNUSED_RESULT;
CwProvider  *cw_provider_manager_lookup (CwProviderManager *self, const gchar *id);
/* The id of a provider name: its D-Bus path element. */
gchar       *cw_provider_id_from_name (const gchar *name) G_GNUC_WARN_UNUSED_RESULT;

CwProvider  *cw_provider_manager_add (CwProviderManager *self, const gchar *name, const gchar *type,
                                      GHashTable *settings, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean     cw_provider_manager_update (CwProviderManager *self, CwProvider *provider, GHashTable *changes,
                                         GError **error);
/* Fails with CW_ERROR_IN_USE while a certificate names the provider. */
gboolean     cw_provider_manager_remove (CwProviderManager *self, CwProvider *provider, GError **error);

/* A shared backend (a cluster's database): commit() takes a provider's
 * file (cw_provider_manager_dump) before an add or update writes it here,
 * commit_removal() a removal before the file goes; FALSE fails the call
 * and nothing changes here. Called on the main thread; they may block. */
typedef struct {
  gboolean (*commit)         (gpointer user_data, CwProvider *provider, const gchar *data, GError **error);
  gboolean (*commit_removal) (gpointer user_data, CwProvider *provider, GError **error);
} CwProviderBackend;

void         cw_provider_manager_set_backend (CwProviderManager *self, const CwProviderBackend *backend,
                                              gpointer user_data);
/* A provider's file: its name, type and settings, secrets included. */
gchar       *cw_provider_manager_dump (CwProvider *provider) G_GNUC_WARN_UNUSED_RESULT;
/* What the backend says provider @id now is: @data its file (added, or
 * replacing the one here), NULL: removed. Nothing is committed back; the
 * signals are those of a change made here. */
gboolean     cw_provider_manager_apply (CwProviderManager *self, const gchar *id, const gchar *data,
                                        GError **error);

/* Publishes a throwaway TXT record _certward-test.<zone> through @provider
 * and removes it again; the error says which step failed. */
void         cw_provider_manager_test_async (CwProviderManager *self, CwProvider *provider, const gchar *zone,
                                             GCancellable *cancellable, GAsyncReadyCallback callback,
                                             gpointer user_data);
gboolean     cw_provider_manager_test_finish (CwProviderManager *self, GAsyncResult *result, GError **error);

/* The record journal: noted before a record is published, forgotten once
 * it has been removed. */
void         cw_provider_manager_note_record (CwProviderManager *self, CwProvider *provider,
                                              const CwProviderRecord *record);
void         cw_provider_manager_forget_record (CwProviderManager *self, CwProvider *provider,
                                                const CwProviderRecord *record);
/* Removes every record in the journal: at start those a previous run left
 * (a crash), at shutdown those of orders still running. Those that cannot
 * be removed stay for the next start. "idle" is emitted when the last
 * removal has ended. */
void         cw_provider_manager_cleanup_leftovers (CwProviderManager *self);
gboolean     cw_provider_manager_is_idle (CwProviderManager *self);

G_END_DECLS
