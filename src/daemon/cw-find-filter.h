/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-store.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Manager1.FindForName answered on GDBus's I/O thread, where the message is
 * read: a TLS server that asks for every handshake gets its answer without
 * a hop through the main loop, which would cost more than the lookup. The
 * store's name index is safe on any thread; other calls pass through
 * untouched. Returns the filter id for g_dbus_connection_remove_filter.
 */
guint cw_find_filter_add (GDBusConnection *connection, CwStore *store);

G_END_DECLS
