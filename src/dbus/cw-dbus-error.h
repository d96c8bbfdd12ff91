/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Registers org.certward.Error.<Name> for every CwError code, so errors
 * cross the bus with their code intact in both directions. Idempotent. */
void cw_dbus_error_register (void);

G_END_DECLS
