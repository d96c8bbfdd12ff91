/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-delivery.h"

G_BEGIN_DECLS

/**
 * CwIntegration:
 *
 * A preset for one kind of PBX software, as data: a GKeyFile NAME.conf in
 * $datadir/certward/integrations/ (overridden by the same name in
 * /etc/certward/integrations/) that names the access group, the target
 * files ("%n" stands for the certificate's name) and the reload actions.
 *
 *   [Integration]
 *   Description=Kamailio: TLS module files, reloaded with kamcmd tls.reload
 *   AccessGroup=            (optional)
 *   [Target key]            (one group per target, any word after "Target")
 *   Path=/etc/kamailio/tls/%n.key
 *   Format=key              (cw-delivery.h's formats)
 *   Owner= Group=kamailio Mode=0640 PasswordFile= Legacy=false
 *   [Reload]
 *   Commands=/usr/sbin/kamcmd tls.reload   (a list; run without a shell)
 *   User=kamailio           (who runs the commands; empty: root)
 *   Units=  Hooks=          (systemd units to reload, deploy hooks)
 */
typedef struct {
  gchar      *name;
  gchar      *description;
  gchar      *path;
  gchar      *access_group;
  GPtrArray  *targets;    /* CwTarget, "%n" not yet expanded */
  GPtrArray  *commands;   /* CwCommand */
  gchar     **units;
  gchar     **hooks;
} CwIntegration;

void           cw_integration_free (CwIntegration *integration);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwIntegration, cw_integration_free)

/* One file; the error names the file and what is wrong in it. */
CwIntegration *cw_integration_load (const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* NAME.conf of every directory in @dirs, the first one of a name winning;
 * files that do not load are skipped with a warning. name → CwIntegration */
GHashTable    *cw_integrations_load (const gchar * const *dirs) G_GNUC_WARN_UNUSED_RESULT;

gboolean       cw_integration_has_targets (const CwIntegration *integration);
/* Its targets for the certificate @name: "%n" replaced (new CwTarget). */
GPtrArray     *cw_integration_targets_for (const CwIntegration *integration,
                                           const gchar *name) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
