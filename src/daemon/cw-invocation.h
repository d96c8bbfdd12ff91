/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Replies with @error (taken): its message quotes what outsiders sent (a
 * CA's words, a name in a certificate), so it is made valid UTF-8 first;
 * GDBus cannot send anything else. */
void     cw_invocation_take_error (GDBusMethodInvocation *invocation, GError *error);

G_END_DECLS
