/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Error replies whose text is always valid UTF-8 (see cw-invocation.h). */
#include "config.h"

#include "cw-invocation.h"
#include "cw-text.h"

void
cw_invocation_take_error (GDBusMethodInvocation *invocation, GError *error)
{
  if (!cw_text_is_valid (error->message)) {
    gchar *text = cw_text_escape (error->message, -1);

    g_critical ("an error message is not valid UTF-8: %s", text);
    g_free (error->message);
    error->message = text;
  }
  g_dbus_method_invocation_take_error (invocation, error);
}
