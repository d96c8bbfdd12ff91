/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Whether the caller of @invocation may see private keys: root, or the user
 * the agent itself runs as (a session agent serves its own user). Asks the
 * bus for the caller's uid without blocking the main loop. */
void     cw_caller_check_key_access_async (GDBusMethodInvocation *invocation,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_caller_check_key_access_finish (GAsyncResult *result, GError **error);

/* Replies with @error (taken): its message quotes what outsiders sent (a
 * CA's words, a name in a certificate), so it is made valid UTF-8 first;
 * GDBus cannot send anything else. */
void     cw_invocation_take_error (GDBusMethodInvocation *invocation, GError *error);

G_END_DECLS
