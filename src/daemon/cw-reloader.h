/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-scheduler.h"
#include "cw-store.h"

G_BEGIN_DECLS

#define CW_TYPE_RELOADER (cw_reloader_get_type ())
G_DECLARE_FINAL_TYPE (CwReloader, cw_reloader, CW, RELOADER, GObject)

/**
 * CwReloader:
 *
 * Runs a certificate's reload actions after it changed (added, renewed,
 * replaced): its systemd units are reloaded through
 * org.freedesktop.systemd1.Manager.ReloadOrRestartUnit on @bus, its deploy
 * hooks run with the certificate's paths in their environment, each with
 * [actions] timeout. Changes are gathered while a renewal check runs (and
 * for a second otherwise), and each unit and hook then runs once for all
 * of them. A failing action is logged and published in LastActions; it
 * never stops the others.
 */
CwReloader *cw_reloader_new (CwStore *store, CwScheduler *scheduler, GDBusConnection *bus);

G_END_DECLS
