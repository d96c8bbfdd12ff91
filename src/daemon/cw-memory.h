/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Gives memory freed by the handling of calls back to the system a
 * second after a burst of calls ends. A call with a million strings
 * leaves a hundred megabytes of small free blocks that glibc keeps for
 * later; an agent that idles for weeks should not. Returns the filter id
 * (g_dbus_connection_remove_filter). */
guint cw_memory_trim_filter_add (GDBusConnection *connection);

G_END_DECLS
