/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl and polkit: every call may ask for a password, and at a
 * terminal pkttyagent is there to ask it (as systemctl does). */
#include "config.h"

#include "cw-ctl.h"

#include <gio/gio.h>
#include <unistd.h>

/* Every call the CLI makes may wait for an administrator's password,
 * typed into pkttyagent. */
static GDBusMessage *
allow_interaction (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  GDBusMessage *copy;

  if (incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return message;
  /* an outgoing message may not be changed in place */
  copy = g_dbus_message_copy (message, NULL);
  g_object_unref (message);
  if (copy == NULL)
    return NULL;
  g_dbus_message_set_flags (copy, g_dbus_message_get_flags (copy) | G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
  return copy;
}

static GSubprocess *agent;

static void
stop_agent (void)
{
  if (agent != NULL) {
    g_subprocess_send_signal (agent, SIGTERM);
    g_subprocess_wait (agent, NULL, NULL);
    g_clear_object (&agent);
  }
}

/* pkttyagent for this process, when a person is at the terminal and is
 * not root (root needs no authorization); ready before the first call. */
static void
start_agent (void)
{
  g_autofree gchar *pid = g_strdup_printf ("%d", (int) getpid ());
  g_autofree gchar *program = g_find_program_in_path ("pkttyagent");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  int pipe_fds[2];
  gchar ready;

  if (program == NULL || getuid () == 0 || !isatty (STDIN_FILENO) || pipe (pipe_fds) < 0)
    return;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  /* pkttyagent writes to the fd we give it once it is registered */
  g_subprocess_launcher_take_fd (launcher, pipe_fds[1], 3);
  agent = g_subprocess_launcher_spawn (launcher, NULL, program, "--notify-fd", "3", "--fallback", "--process", pid,
                                       NULL);
  if (agent != NULL) {
    (void) !read (pipe_fds[0], &ready, 1);
    atexit (stop_agent);
  }
  close (pipe_fds[0]);
}

void
cw_ctl_allow_authorization (CwCtl *ctl)
{
  if (ctl->bus_type == G_BUS_TYPE_SYSTEM)
    start_agent ();
  /* without an agent nobody could answer: polkit's refusal comes at once */
  if (agent != NULL)
    g_dbus_connection_add_filter (ctl->bus, allow_interaction, NULL, NULL);
}
