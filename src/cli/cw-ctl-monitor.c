/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl monitor: one line per CertificateChanged, optionally running a program. */
#include "config.h"

#include "cw-ctl.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>

typedef struct {
  CwCtl     *ctl;
  GMainLoop *loop;
  gchar     *exec;      /* run for each event, or NULL */
} Monitor;

static void
program_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GSubprocess) process = G_SUBPROCESS (source);
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_check_finish (process, result, &error))
    g_printerr ("certwardctl monitor: %s\n", error->message);
}

/* PROGRAM EVENT NAME, with the details in CERTWARD_* variables (as deploy
 * hooks get them). */
static void
run_program (Monitor *m, const gchar *path, const gchar *event, GVariant *details)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  static const struct { const gchar *key, *var; } strings[] = {
    { "name", "CERTWARD_NAME" }, { "certificate-path", "CERTWARD_CERT" }, { "chain-path", "CERTWARD_CHAIN" },
    { "fullchain-path", "CERTWARD_FULLCHAIN" }, { "key-path", "CERTWARD_KEY" }, { "fingerprint", "CERTWARD_FINGERPRINT" },
  };
  const gchar *name = "";
  g_autofree const gchar **ids = NULL;
  g_autofree gchar *joined = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++) {
    const gchar *value = NULL;

    if (g_variant_lookup (details, strings[i].key, "&s", &value))
      g_subprocess_launcher_setenv (launcher, strings[i].var, value, TRUE);
  }
  if (g_variant_lookup (details, "identities", "^a&s", &ids)) {
    joined = g_strjoinv (" ", (gchar **) ids);
    g_subprocess_launcher_setenv (launcher, "CERTWARD_IDENTITIES", joined, TRUE);
  }
  g_variant_lookup (details, "name", "&s", &name);
  g_subprocess_launcher_setenv (launcher, "CERTWARD_EVENT", event, TRUE);
  g_subprocess_launcher_setenv (launcher, "CERTWARD_OBJECT", path, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, m->exec, event, name, NULL);
  if (process == NULL) {
    g_printerr ("certwardctl monitor: %s: %s\n", m->exec, error->message);
    return;
  }
  g_subprocess_wait_check_async (process, NULL, program_exited, NULL);
}

static void
on_changed (CwDBusManager1 *manager, const gchar *path, const gchar *event, GVariant *details, Monitor *m)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *stamp = g_date_time_format_iso8601 (now);

  if (m->ctl->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonGenerator) gen = json_generator_new ();
    g_autoptr(JsonNode) root = NULL;
    g_autofree gchar *line = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "time");
    json_builder_add_string_value (b, stamp);
    json_builder_set_member_name (b, "event");
    json_builder_add_string_value (b, event);
    json_builder_set_member_name (b, "certificate");
    json_builder_add_string_value (b, path);
    json_builder_set_member_name (b, "details");
    json_builder_add_value (b, json_gvariant_serialize (details));
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    json_generator_set_root (gen, root);
    line = json_generator_to_data (gen, NULL);
    g_print ("%s\n", line);
  } else {
    const gchar *name = "?", *fingerprint = "";
    guint64 not_after = 0;
    g_autofree gchar *expiry = NULL;

    g_variant_lookup (details, "name", "&s", &name);
    g_variant_lookup (details, "fingerprint", "&s", &fingerprint);
    g_variant_lookup (details, "not-after", "t", &not_after);
    expiry = cw_ctl_format_expiry (not_after);
    g_print ("%s %-9s %s %s fingerprint=%s expires=%s\n", stamp, event, name, path, fingerprint, expiry);
  }
  fflush (stdout);
  if (m->exec != NULL)
    run_program (m, path, event, details);
}

static void
on_owner (GObject *proxy, GParamSpec *pspec, Monitor *m)
{
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));

  g_printerr (owner != NULL ? _("certwardd is back\n") : _("certwardd went away; waiting for it\n"));
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (((Monitor *) user_data)->loop);
  return G_SOURCE_REMOVE;
}

int
cw_ctl_monitor (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree gchar *exec = NULL;
  const GOptionEntry entries[] = {
    { "exec", 'e', 0, G_OPTION_ARG_FILENAME, &exec,
      N_("Run PROGRAM EVENT NAME for each event, the details in CERTWARD_* variables"), N_("PROGRAM") },
    { NULL }
  };
  Monitor m = { ctl, loop, NULL };

  if (!cw_ctl_parse ("monitor", "", _("Print one line per certificate event as it happens."), entries, &argc, &argv))
    return 1;
  m.exec = exec;
  g_signal_connect (ctl->manager, "certificate-changed", G_CALLBACK (on_changed), &m);
  g_signal_connect (ctl->manager, "notify::g-name-owner", G_CALLBACK (on_owner), &m);
  g_unix_signal_add (SIGINT, on_signal, &m);
  g_unix_signal_add (SIGTERM, on_signal, &m);
  g_main_loop_run (loop);
  g_signal_handlers_disconnect_by_data (ctl->manager, &m);
  return 0;
}
