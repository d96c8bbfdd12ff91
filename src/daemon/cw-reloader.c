/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "cw-reloader.h"
#include "cw-log.h"

#include <glib/gi18n.h>

#define COALESCE_MS 1000

struct _CwReloader {
  GObject          parent_instance;

  CwStore         *store;
  CwScheduler     *scheduler;
  GDBusConnection *bus;
  guint            timeout;     /* seconds per action */
  GHashTable      *changed;     /* id → Change: waiting for the next flush */
  guint            flush_source;
};

G_DEFINE_FINAL_TYPE (CwReloader, cw_reloader, G_TYPE_OBJECT)

typedef struct {
  CwCertificate *cert;
  CwEvent        event;
} Change;

static void
change_free (Change *change)
{
  g_object_unref (change->cert);
  g_free (change);
}

/* One flush: the actions to run, and what each certificate's said. */
typedef struct {
  CwReloader *self;
  GHashTable *lines;        /* CwCertificate → GPtrArray of gchar* (result lines) */
  guint       outstanding;
} Flush;

typedef struct {
  Flush     *flush;
  gchar     *what;          /* "reload asterisk.service", "hook /usr/bin/x" */
  GPtrArray *certs;         /* the certificates it serves */
  guint      timer;
  gboolean   timed_out;
} Action;

/* Drops one reference to @flush; the last one publishes every
 * certificate's lines. */
static void
flush_release (Flush *flush)
{
  GHashTableIter iter;
  gpointer key, value;

  if (--flush->outstanding > 0)
    return;
  g_hash_table_iter_init (&iter, flush->lines);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    GPtrArray *lines = value;

    g_ptr_array_add (lines, NULL);
    cw_store_set_last_actions (flush->self->store, key, (const gchar * const *) lines->pdata);
  }
  g_hash_table_unref (flush->lines);
  g_object_unref (flush->self);
  g_free (flush);
}

static void
flush_unref_action (Action *action, const gchar *outcome, gboolean ok)
{
  Flush *flush = action->flush;
  g_autofree gchar *line = g_strdup_printf ("%s: %s", action->what, outcome);

  if (ok)
    g_info ("%s", line);
  else
    g_warning ("%s", line);
  for (guint i = 0; i < action->certs->len; i++) {
    CwCertificate *cert = g_ptr_array_index (action->certs, i);
    GPtrArray *lines = g_hash_table_lookup (flush->lines, cert);

    g_ptr_array_add (lines, g_strdup (line));
  }
  g_clear_handle_id (&action->timer, g_source_remove);
  g_ptr_array_unref (action->certs);
  g_free (action->what);
  g_free (action);
  flush_release (flush);
}

static void
unit_reloaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Action *action = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL) {
    g_dbus_error_strip_remote_error (error);
    flush_unref_action (action, error->message, FALSE);
  } else {
    flush_unref_action (action, _("done"), TRUE);
  }
}

static void
hook_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Action *action = user_data;
  GSubprocess *process = G_SUBPROCESS (source);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *outcome = NULL;
  gboolean ok = FALSE;

  if (!g_subprocess_wait_finish (process, result, &error))
    outcome = g_strdup (error->message);
  else if (action->timed_out)
    outcome = g_strdup_printf (_("stopped after %u s"), action->flush->self->timeout);
  else if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    outcome = g_strdup (_("done")), ok = TRUE;
  else if (g_subprocess_get_if_exited (process))
    outcome = g_strdup_printf (_("exit status %d"), g_subprocess_get_exit_status (process));
  else
    outcome = g_strdup_printf (_("killed by signal %d"), g_subprocess_get_term_sig (process));
  g_object_unref (process);
  flush_unref_action (action, outcome, ok);
}

static gboolean
hook_timed_out (gpointer user_data)
{
  GSubprocess *process = user_data;
  Action *action = g_object_get_data (G_OBJECT (process), "cw-action");

  action->timer = 0;
  action->timed_out = TRUE;
  g_subprocess_force_exit (process);
  return G_SOURCE_REMOVE;
}

static gchar *
joined_identities (CwCertificate *cert)
{
  const CwCertInfo *info = cw_certificate_get_info (cert);

  return info != NULL ? g_strjoinv (" ", info->identities) : g_strdup ("");
}

static void
run_hook (Action *action, const gchar *program, CwEvent event)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  CwCertificate *first = g_ptr_array_index (action->certs, 0);
  static const struct { const gchar *var; CwCertFile file; } files[] = {
    { "CERTWARD_CERT", CW_CERT_FILE_CERT }, { "CERTWARD_CHAIN", CW_CERT_FILE_CHAIN },
    { "CERTWARD_FULLCHAIN", CW_CERT_FILE_FULLCHAIN }, { "CERTWARD_KEY", CW_CERT_FILE_KEY },
  };
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree gchar *identities = joined_identities (first);
  const gchar *argv[] = { program, NULL };
  GSubprocess *process;
  GError *error = NULL;

  /* one run for the batch: the first certificate's files, every name */
  for (guint i = 0; i < action->certs->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? "\n" : "",
                            cw_certificate_get_name (g_ptr_array_index (action->certs, i)));
  g_subprocess_launcher_setenv (launcher, "CERTWARD_NAME", cw_certificate_get_name (first), TRUE);
  g_subprocess_launcher_setenv (launcher, "CERTWARD_NAMES", names->str, TRUE);
  g_subprocess_launcher_setenv (launcher, "CERTWARD_IDENTITIES", identities, TRUE);
  g_subprocess_launcher_setenv (launcher, "CERTWARD_EVENT", cw_event_to_string (event), TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree gchar *path = cw_certificate_get_path (first, files[i].file);

    g_subprocess_launcher_setenv (launcher, files[i].var, path, TRUE);
  }
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL) {
    flush_unref_action (action, error->message, FALSE);
    g_error_free (error);
    return;
  }
  g_object_set_data (G_OBJECT (process), "cw-action", action);
  action->timer = g_timeout_add_seconds (action->flush->self->timeout, hook_timed_out, process);
  g_subprocess_wait_async (process, NULL, hook_exited, action);
}

/* Adds @cert to the action list for @key in @table. */
static void
collect (GHashTable *table, const gchar *key, CwCertificate *cert)
{
  GPtrArray *certs = g_hash_table_lookup (table, key);

  if (certs == NULL) {
    certs = g_ptr_array_new_with_free_func (g_object_unref);
    g_hash_table_insert (table, g_strdup (key), certs);
  }
  g_ptr_array_add (certs, g_object_ref (cert));
}

static gboolean
flush_now (gpointer user_data)
{
  CwReloader *self = user_data;
  g_autoptr(GHashTable) changed = g_steal_pointer (&self->changed);
  g_autoptr(GHashTable) units = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GHashTable) hooks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  GHashTableIter iter;
  gpointer key, value;
  CwEvent event = CW_EVENT_RENEWED;
  Flush *flush;

  self->flush_source = 0;
  self->changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) change_free);
  flush = g_new0 (Flush, 1);
  flush->self = g_object_ref (self);
  flush->lines = g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) g_ptr_array_unref);
  g_hash_table_iter_init (&iter, changed);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Change *change = value;
    const CwRenewal *r = cw_certificate_get_renewal (change->cert);

    /* gone meanwhile: nothing to deploy */
    if (cw_store_lookup_id (self->store, cw_certificate_get_id (change->cert)) != change->cert)
      continue;
    for (guint i = 0; r->reload_units[i] != NULL; i++)
      collect (units, r->reload_units[i], change->cert);
    for (guint i = 0; r->deploy_hooks[i] != NULL; i++)
      collect (hooks, r->deploy_hooks[i], change->cert);
    g_hash_table_insert (flush->lines, g_object_ref (change->cert), g_ptr_array_new_with_free_func (g_free));
    event = change->event;
  }
  flush->outstanding = g_hash_table_size (units) + g_hash_table_size (hooks) + 1;

  g_hash_table_iter_init (&iter, units);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    Action *action = g_new0 (Action, 1);

    action->flush = flush;
    action->what = g_strdup_printf (_("reload %s"), (const gchar *) key);
    action->certs = g_ptr_array_ref (value);
    g_dbus_connection_call (self->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                            "org.freedesktop.systemd1.Manager", "ReloadOrRestartUnit",
                            g_variant_new ("(ss)", (const gchar *) key, "replace"), G_VARIANT_TYPE ("(o)"),
                            G_DBUS_CALL_FLAGS_NONE, (gint) self->timeout * 1000, NULL, unit_reloaded, action);
  }
  g_hash_table_iter_init (&iter, hooks);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    Action *action = g_new0 (Action, 1);

    action->flush = flush;
    action->what = g_strdup_printf (_("hook %s"), (const gchar *) key);
    action->certs = g_ptr_array_ref (value);
    /* with one certificate, its own event; a batch of renewals says renewed */
    run_hook (action, key, action->certs->len == 1 ? event : CW_EVENT_RENEWED);
  }
  /* the reference held while starting them: an action that fails at once
   * must not end the flush under the others */
  flush_release (flush);
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (CwReloader *self)
{
  /* a check in progress flushes when it ends */
  if (cw_scheduler_is_checking (self->scheduler) || self->flush_source != 0 || g_hash_table_size (self->changed) == 0)
    return;
  self->flush_source = g_timeout_add (COALESCE_MS, flush_now, self);
}

static void
on_store_event (CwStore *store, CwCertificate *cert, guint event, CwReloader *self)
{
  const CwRenewal *r = cw_certificate_get_renewal (cert);
  Change *change;

  if (event != CW_EVENT_ADDED && event != CW_EVENT_RENEWED && event != CW_EVENT_REPLACED)
    return;
  if (r->reload_units[0] == NULL && r->deploy_hooks[0] == NULL)
    return;
  change = g_new0 (Change, 1);
  change->cert = g_object_ref (cert);
  change->event = event;
  g_hash_table_replace (self->changed, g_strdup (cw_certificate_get_id (cert)), change);
  schedule_flush (self);
}

static void
on_check_finished (CwScheduler *scheduler, GPtrArray *renewed, GPtrArray *failed, CwReloader *self)
{
  if (g_hash_table_size (self->changed) == 0)
    return;
  g_clear_handle_id (&self->flush_source, g_source_remove);
  flush_now (self);
}

static void
cw_reloader_dispose (GObject *object)
{
  CwReloader *self = CW_RELOADER (object);

  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->scheduler != NULL)
    g_signal_handlers_disconnect_by_data (self->scheduler, self);
  g_clear_object (&self->store);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->bus);
  G_OBJECT_CLASS (cw_reloader_parent_class)->dispose (object);
}

static void
cw_reloader_finalize (GObject *object)
{
  g_hash_table_unref (CW_RELOADER (object)->changed);
  G_OBJECT_CLASS (cw_reloader_parent_class)->finalize (object);
}

static void
cw_reloader_class_init (CwReloaderClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_reloader_dispose;
  G_OBJECT_CLASS (klass)->finalize = cw_reloader_finalize;
}

static void
cw_reloader_init (CwReloader *self)
{
  self->changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) change_free);
}

CwReloader *
cw_reloader_new (CwStore *store, CwScheduler *scheduler, GDBusConnection *bus)
{
  CwReloader *self = g_object_new (CW_TYPE_RELOADER, NULL);

  self->store = g_object_ref (store);
  self->scheduler = g_object_ref (scheduler);
  self->bus = g_object_ref (bus);
  self->timeout = cw_config_get_int (cw_store_get_config (store), "actions", "timeout");
  g_signal_connect (store, "event", G_CALLBACK (on_store_event), self);
  g_signal_connect (scheduler, "check-finished", G_CALLBACK (on_check_finished), self);
  return self;
}
