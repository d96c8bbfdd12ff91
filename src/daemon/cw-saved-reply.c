/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replies to changes once their settings are on disk (see cw-saved-reply.h). */
#include "config.h"

#include "cw-saved-reply.h"
#include "cw-invocation.h"

static CwStore *store;

void
cw_saved_reply_set_store (CwStore *s)
{
  store = s;
}

guint64
cw_saved_reply_mark (void)
{
  return store != NULL ? cw_store_save_mark (store) : 0;
}

typedef struct {
  GDBusMethodInvocation *invocation;
  GVariant              *reply;
} Pending;

static void
saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *p = user_data;
  GError *error = NULL;

  if (cw_store_saved_finish (CW_STORE (source), result, &error))
    g_dbus_method_invocation_return_value (p->invocation, p->reply);
  else
    cw_invocation_take_error (p->invocation, error);
  if (p->reply != NULL)
    g_variant_unref (p->reply);
  g_free (p);
}

void
cw_saved_reply (GDBusMethodInvocation *invocation, guint64 mark, GVariant *reply)
{
  Pending *p;

  if (store == NULL) {
    g_dbus_method_invocation_return_value (invocation, reply);
    return;
  }
  p = g_new0 (Pending, 1);
  p->invocation = invocation;
  p->reply = reply != NULL ? g_variant_ref_sink (reply) : NULL;
  cw_store_saved_async (store, mark, saved, p);
}
