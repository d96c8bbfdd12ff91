/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-acme-manager.h"
#include "cw-deliverer.h"
#include "cw-scheduler.h"
#include "cw-store.h"

G_BEGIN_DECLS

#define CW_TYPE_RELOADER (cw_reloader_get_type ())
G_DECLARE_FINAL_TYPE (CwReloader, cw_reloader, CW, RELOADER, GObject)

/**
 * CwReloader:
 *
 * The order of events for every new revision (added, renewed, replaced):
 * the revision is current (the store) → every target file is written
 * (CwDeliverer) → the reload actions run: systemd units through
 * org.freedesktop.systemd1.Manager.ReloadOrRestartUnit on @bus, deploy
 * hooks and reload commands with cw-runner.h, each with [actions] timeout
 * → ::delivered, on which the daemon emits CertificateChanged. Each
 * target's and action's outcome goes to LastActions; none stops another.
 *
 * Changes are gathered while work that makes more of them is in flight
 * (a renewal check, ACME orders) and delivered together when it ends, so
 * each unit, hook and command runs once per batch; a lone change is
 * delivered at once. Setting a certificate's delivery (targets, actions,
 * integrations, access group) delivers it at once, without an event.
 *
 * Signals: ::delivered (CwCertificate *cert, guint CwEvent event,
 * GStrv lines): lines are what was done for it (targets and actions).
 */
CwReloader *cw_reloader_new (CwStore *store, CwScheduler *scheduler, CwAcmeManager *acme, CwDeliverer *deliverer,
                             GDBusConnection *bus) G_GNUC_WARN_UNUSED_RESULT;

/* Repairs every certificate's target files that differ from its current
 * revision (at start and after each daily check). */
void        cw_reloader_repair (CwReloader *self);

G_END_DECLS
