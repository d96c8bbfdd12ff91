/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Memory freed after calls goes back to the system (see cw-memory.h). */
#include "config.h"

#include "cw-memory.h"

#include <malloc.h>

#define TRIM_DELAY_MS 1000

static gint trim_pending;

static gboolean
trim (gpointer data)
{
  g_atomic_int_set (&trim_pending, 0);
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

/* Runs on GDBus's worker thread: only schedules, on the main context. */
static GDBusMessage *
on_message (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL &&
      g_atomic_int_compare_and_exchange (&trim_pending, 0, 1)) {
    GSource *source = g_timeout_source_new (TRIM_DELAY_MS);

    g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
    g_source_set_callback (source, trim, NULL, NULL);
    g_source_attach (source, NULL);
    g_source_unref (source);
  }
  return message;
}

guint
cw_memory_trim_filter_add (GDBusConnection *connection)
{
  return g_dbus_connection_add_filter (connection, on_message, NULL, NULL);
}
