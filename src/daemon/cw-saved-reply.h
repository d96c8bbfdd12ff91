/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-store.h"

G_BEGIN_DECLS

/*
 * Replies to a change only once what it saved (settings.ini, manager.ini)
 * is on disk: a property write or a setting that could not be saved (a
 * full disk) is reported to its caller, not only logged.
 *
 *   guint64 mark = cw_saved_reply_mark ();
 *   ... change the model (it queues the save) ...
 *   cw_saved_reply (invocation, mark, NULL);
 */
void    cw_saved_reply_set_store (CwStore *store);
guint64 cw_saved_reply_mark (void);
/* Replies @reply (NULL: no values; floating is sunk) or the save's error. */
void    cw_saved_reply (GDBusMethodInvocation *invocation, guint64 mark, GVariant *reply);

G_END_DECLS
