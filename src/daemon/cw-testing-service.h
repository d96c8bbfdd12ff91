/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* org.certward.Testing1 on /org/certward/Certward1, only when certwardd runs
 * with its hidden --test-clock option: SetTime(t) moves the fake clock (and
 * fires what became due before it returns), GetTime() reads it. Not part of
 * the public contract in dbus/, never exported in production. */
guint cw_testing_service_export (GDBusConnection *connection, GError **error);

G_END_DECLS
