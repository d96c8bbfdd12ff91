/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-certificate.h"
#include "cw-integration.h"

G_BEGIN_DECLS

#define CW_TYPE_DELIVERER (cw_deliverer_get_type ())
G_DECLARE_FINAL_TYPE (CwDeliverer, cw_deliverer, CW, DELIVERER, GObject)

/**
 * CwDeliverer:
 *
 * Gets a certificate to the services that use it: checks delivery
 * settings against the system when they are set (users, groups, trusted
 * directories and programs), knows the integrations, and writes target
 * files: each atomically (a temporary in the target's directory, owner,
 * group and mode set, fsync, rename), only through directories nobody
 * but root can change (cw-secure-path.h), never in the agent's own state
 * directory. Reload actions are run by the daemon (systemd units over the
 * bus) with cw-runner.h (hooks and commands).
 */
CwDeliverer *cw_deliverer_new (const gchar *state_dir, const gchar *trust_bundle,
                               const gchar * const *integration_dirs) G_GNUC_WARN_UNUSED_RESULT;
/* Reads the integrations again (SIGHUP), on the main thread; what was
 * looked up before is gone. */
void         cw_deliverer_reload_integrations (CwDeliverer *self, const gchar * const *integration_dirs);

/* CwIntegration, sorted by name (new array, borrowed elements). */
GPtrArray   *cw_deliverer_get_integrations (CwDeliverer *self) G_GNUC_WARN_UNUSED_RESULT;

/* Whether @delivery can be used for @cert now: every target (an absolute
 * path in a trusted, existing directory outside the state directory;
 * known owner and group; a key format only for a certificate with a key;
 * a key not readable by others), integration (known; the error lists the
 * known ones) and reload command (a trusted program, a known user). The
 * error is InvalidArgument naming the target or command. @cert is NULL
 * for a certificate about to be made, called @name. */
gboolean     cw_deliverer_check (CwDeliverer *self, const gchar *name, CwCertificate *cert,
                                 const CwDelivery *delivery, GError **error);
/* Deploy hooks run as root: each must be a trusted program. */
gboolean     cw_deliverer_check_hooks (const gchar * const *hooks, GError **error);

/* What is delivered for @cert: its own targets and actions, then those of
 * its integrations (targets new; actions: units, hooks, commands). */
GPtrArray   *cw_deliverer_targets_for (CwDeliverer *self, CwCertificate *cert) G_GNUC_WARN_UNUSED_RESULT;
/* Whether @cert has any target file, its own or an integration's. */
gboolean     cw_deliverer_has_targets (CwDeliverer *self, CwCertificate *cert);
typedef struct {
  gchar     **units;
  gchar     **hooks;
  GPtrArray  *commands;   /* CwCommand */
} CwActions;
void         cw_actions_free (CwActions *actions);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwActions, cw_actions_free)
CwActions   *cw_deliverer_actions_for (CwDeliverer *self, CwCertificate *cert) G_GNUC_WARN_UNUSED_RESULT;

/* Writes every target of @cert from its current revision in a worker
 * thread; with @repair, only those that differ from it (missing, other
 * content, owner or mode). One line per target written or failed
 * ("target PATH: written", "target PATH: failed: WHY"), also logged.
 * Targets that fail do not stop the others. */
void         cw_deliverer_write_async (CwDeliverer *self, CwCertificate *cert, gboolean repair,
                                       GAsyncReadyCallback callback, gpointer user_data);
GStrv        cw_deliverer_write_finish (CwDeliverer *self, GAsyncResult *result) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
