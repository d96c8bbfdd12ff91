/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The delivery of a changed certificate, in order: targets, reload
 * actions, then the announcement (see cw-reloader.h). */
#include "config.h"

#include "cw-reloader.h"
#include "cw-log.h"
#include "cw-runner.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

/* a delivery setting changed: deliver, but there is nothing to announce */
#define NO_EVENT G_MAXUINT
/* lines of a program's output kept in LastActions (all of it is logged) */
#define OUTPUT_LINES 3

struct _CwReloader {
  GObject          parent_instance;

  CwStore         *store;
  CwScheduler     *scheduler;
  CwAcmeManager   *acme;
  CwDeliverer     *deliverer;
  GDBusConnection *bus;
  GHashTable      *pending;     /* id → Change: waiting for the next batch */
  GHashTable      *newest;      /* id → the newest batch serving it (its number) */
  guint64          batches;     /* batches started so far */
  guint            flush_idle;
};

enum { SIGNAL_DELIVERED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwReloader, cw_reloader, G_TYPE_OBJECT)

/* [actions] timeout, read at each action (a reload may change it) */
static guint
action_timeout (CwReloader *self)
{
  return (guint) cw_config_get_int (cw_store_get_config (self->store), "actions", "timeout");
}

typedef struct {
  CwCertificate *cert;
  guint          event;
} Change;

static void
change_free (Change *change)
{
  g_object_unref (change->cert);
  g_free (change);
}

/* One batch: its changes, what was done for each, and how much is still
 * running (one reference held while a phase starts its work). */
typedef struct {
  CwReloader *self;
  GPtrArray  *changes;      /* Change */
  GHashTable *lines;        /* CwCertificate → GPtrArray of gchar* */
  guint       outstanding;
  gboolean    acting;       /* the targets are written: actions run */
  guint64     number;
} Batch;

typedef struct {
  Batch       *batch;
  gchar       *what;        /* "reload asterisk.service", "hook /usr/bin/x", "command kamailio: …" */
  GPtrArray   *certs;       /* the certificates it serves */
  gchar       *batch_file;  /* a hook's list of certificates, removed afterwards */
  guint        timer;
} Action;

static void batch_release (Batch *batch);

static void
add_line (Batch *batch, CwCertificate *cert, const gchar *line)
{
  GPtrArray *lines = g_hash_table_lookup (batch->lines, cert);

  if (lines != NULL)
    g_ptr_array_add (lines, g_strdup (line));
}

/* ---- actions ------------------------------------------------------------ */

static void
action_done (Action *action, const gchar *outcome, gboolean ok, const gchar *output)
{
  Batch *batch = action->batch;
  g_autofree gchar *line = g_strdup_printf ("%s: %s", action->what, outcome);
  g_auto(GStrv) first = cw_run_first_lines (output, OUTPUT_LINES);

  for (guint i = 0; i < action->certs->len; i++) {
    CwCertificate *cert = g_ptr_array_index (action->certs, i);
    const gchar *name = cw_certificate_get_name (cert);

    if (ok)
      cw_cert_info (name, "%s: %s", name, line);
    else
      cw_cert_warning (name, "%s: %s", name, line);
    if (output != NULL && *output != '\0')
      cw_cert_info (name, "%s: %s said: %s", name, action->what, output);
    add_line (batch, cert, line);
    for (guint j = 0; first[j] != NULL; j++) {
      g_autofree gchar *said = g_strdup_printf ("  %s", first[j]);

      add_line (batch, cert, said);
    }
  }
  g_clear_handle_id (&action->timer, g_source_remove);
  if (action->batch_file != NULL)
    g_unlink (action->batch_file);
  g_free (action->batch_file);
  g_ptr_array_unref (action->certs);
  g_free (action->what);
  g_free (action);
  batch_release (batch);
}

static Action *
action_new (Batch *batch, gchar *what, GPtrArray *certs)
{
  Action *action = g_new0 (Action, 1);

  action->batch = batch;
  action->what = what;
  action->certs = g_ptr_array_ref (certs);
  batch->outstanding++;
  return action;
}

static void
unit_reloaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Action *action = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL) {
    g_dbus_error_strip_remote_error (error);
    action_done (action, error->message, FALSE, NULL);
  } else {
    action_done (action, _("done"), TRUE, NULL);
  }
}

static void
program_ran (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Action *action = user_data;
  g_autoptr(CwRunResult) run = cw_run_finish (result);

  action_done (action, run->outcome, run->ok, run->output);
}

/* The batch's certificates for a hook: one line each, tab-separated:
 * name, event, certificate, chain, full chain and key paths. */
static gchar *
write_batch_file (GPtrArray *certs, GHashTable *events, GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree gchar *path = NULL;
  int fd = g_file_open_tmp ("certward-batch-XXXXXX", &path, error);

  if (fd < 0)
    return NULL;
  close (fd);
  for (guint i = 0; i < certs->len; i++) {
    CwCertificate *cert = g_ptr_array_index (certs, i);
    guint event = GPOINTER_TO_UINT (g_hash_table_lookup (events, cert));
    g_autofree gchar *crt = cw_certificate_get_path (cert, CW_CERT_FILE_CERT);
    g_autofree gchar *chain = cw_certificate_get_path (cert, CW_CERT_FILE_CHAIN);
    g_autofree gchar *full = cw_certificate_get_path (cert, CW_CERT_FILE_FULLCHAIN);
    g_autofree gchar *key = cw_certificate_get_path (cert, CW_CERT_FILE_KEY);

    g_string_append_printf (text, "%s\t%s\t%s\t%s\t%s\t%s\n", cw_certificate_get_name (cert),
                            event == NO_EVENT ? "delivered" : cw_event_to_string (event), crt, chain, full, key);
  }
  if (!g_file_set_contents_full (path, text->str, (gssize) text->len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error)) {
    g_unlink (path);
    return NULL;
  }
  return g_steal_pointer (&path);
}

static void
builder_take (GStrvBuilder *builder, gchar *text)
{
  g_strv_builder_add (builder, text);
  g_free (text);
}

static GStrv
program_env (GPtrArray *certs, GHashTable *events, const gchar *batch_file)
{
  g_autoptr(GStrvBuilder) env = g_strv_builder_new ();
  g_autoptr(GString) names = g_string_new (NULL);
  CwCertificate *first = g_ptr_array_index (certs, 0);
  guint event = GPOINTER_TO_UINT (g_hash_table_lookup (events, first));

  for (guint i = 0; i < certs->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? "\n" : "", cw_certificate_get_name (g_ptr_array_index (certs, i)));
  builder_take (env, g_strdup_printf ("CERTWARD_NAMES=%s", names->str));
  builder_take (env, g_strdup_printf ("CERTWARD_COUNT=%u", certs->len));
  if (batch_file != NULL)
    builder_take (env, g_strdup_printf ("CERTWARD_BATCH=%s", batch_file));
  /* the single-certificate variables only where they name the whole batch */
  if (certs->len == 1) {
    static const struct { const gchar *var; CwCertFile file; } files[] = {
      { "CERTWARD_CERT", CW_CERT_FILE_CERT }, { "CERTWARD_CHAIN", CW_CERT_FILE_CHAIN },
      { "CERTWARD_FULLCHAIN", CW_CERT_FILE_FULLCHAIN }, { "CERTWARD_KEY", CW_CERT_FILE_KEY },
    };
    const CwCertInfo *info = cw_certificate_get_info (first);
    g_autofree gchar *ids = info != NULL ? g_strjoinv (" ", info->identities) : g_strdup ("");

    builder_take (env, g_strdup_printf ("CERTWARD_NAME=%s", cw_certificate_get_name (first)));
    builder_take (env, g_strdup_printf ("CERTWARD_IDENTITIES=%s", ids));
    builder_take (env, g_strdup_printf ("CERTWARD_EVENT=%s",
                                               event == NO_EVENT ? "delivered" : cw_event_to_string (event)));
    for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
      g_autofree gchar *path = cw_certificate_get_path (first, files[i].file);

      builder_take (env, g_strdup_printf ("%s=%s", files[i].var, path));
    }
  } else {
    builder_take (env, g_strdup ("CERTWARD_EVENT=batch"));
  }
  return g_strv_builder_end (env);
}

static void
run_hook (Action *action, const gchar *program, GHashTable *events)
{
  CwReloader *self = action->batch->self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  const gchar *argv[] = { program, NULL };

  /* checked when it was set; checked again: files change */
  if (!cw_deliverer_check_hooks (argv, &error)) {
    g_autofree gchar *outcome = g_strdup_printf (_("refused: %s"), error->message);

    action_done (action, outcome, FALSE, NULL);
    return;
  }
  action->batch_file = write_batch_file (action->certs, events, &error);
  env = program_env (action->certs, events, action->batch_file);
  cw_run_async (argv, NULL, (const gchar * const *) env, action_timeout (self), program_ran, action);
}

static void
run_command (Action *action, const CwCommand *command, GHashTable *events)
{
  CwReloader *self = action->batch->self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = program_env (action->certs, events, NULL);
  const gchar *program[] = { command->argv[0], NULL };

  if (!cw_deliverer_check_hooks (program, &error)) {
    g_autofree gchar *outcome = g_strdup_printf (_("refused: %s"), error->message);

    action_done (action, outcome, FALSE, NULL);
    return;
  }
  cw_run_async ((const gchar * const *) command->argv, command->user, (const gchar * const *) env, action_timeout (self),
                program_ran, action);
}

static void
collect (GHashTable *table, const gchar *key, CwCertificate *cert)
{
  GPtrArray *certs = g_hash_table_lookup (table, key);

  if (certs == NULL) {
    certs = g_ptr_array_new_with_free_func (g_object_unref);
    g_hash_table_insert (table, g_strdup (key), certs);
  }
  if (!g_ptr_array_find (certs, cert, NULL))
    g_ptr_array_add (certs, g_object_ref (cert));
}

/* Every unit, hook and command of the batch's certificates, once each. */
static void
run_actions (Batch *batch)
{
  CwReloader *self = batch->self;
  g_autoptr(GHashTable) units = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GHashTable) hooks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GHashTable) commands = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GHashTable) command_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) cw_command_free);
  g_autoptr(GHashTable) events = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;

  batch->acting = TRUE;
  batch->outstanding++;
  for (guint i = 0; i < batch->changes->len; i++) {
    Change *change = g_ptr_array_index (batch->changes, i);
    g_autoptr(CwActions) actions = cw_deliverer_actions_for (self->deliverer, change->cert);

    g_hash_table_insert (events, change->cert, GUINT_TO_POINTER (change->event));
    for (guint j = 0; actions->units[j] != NULL; j++)
      collect (units, actions->units[j], change->cert);
    for (guint j = 0; actions->hooks[j] != NULL; j++)
      collect (hooks, actions->hooks[j], change->cert);
    for (guint j = 0; j < actions->commands->len; j++) {
      CwCommand *command = g_ptr_array_index (actions->commands, j);
      g_autofree gchar *text = cw_command_to_string (command);

      collect (commands, text, change->cert);
      if (!g_hash_table_contains (command_of, text))
        g_hash_table_insert (command_of, g_strdup (text), cw_command_copy (command));
    }
  }
  g_hash_table_iter_init (&iter, units);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    Action *action = action_new (batch, g_strdup_printf (_("reload %s"), (const gchar *) key), value);

    g_dbus_connection_call (self->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                            "org.freedesktop.systemd1.Manager", "ReloadOrRestartUnit",
                            g_variant_new ("(ss)", (const gchar *) key, "replace"), G_VARIANT_TYPE ("(o)"),
                            G_DBUS_CALL_FLAGS_NONE, (gint) action_timeout (self) * 1000, NULL, unit_reloaded, action);
  }
  g_hash_table_iter_init (&iter, hooks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    run_hook (action_new (batch, g_strdup_printf (_("hook %s"), (const gchar *) key), value), key, events);
  g_hash_table_iter_init (&iter, commands);
  while (g_hash_table_iter_next (&iter, &key, &value))
    run_command (action_new (batch, g_strdup_printf (_("command %s"), (const gchar *) key), value),
                 g_hash_table_lookup (command_of, key), events);
  /* the reference held while starting them: an action that ends at once
   * must not end the batch under the others */
  batch_release (batch);
}

/* ---- a batch ------------------------------------------------------------ */

static gboolean
newest_for (CwReloader *self, CwCertificate *cert, Batch *batch)
{
  const gchar *id = cw_certificate_get_id (cert);
  guint64 *newest = g_hash_table_lookup (self->newest, id);

  /* gone: a newer batch for it has ended already */
  if (newest == NULL || *newest != batch->number)
    return FALSE;
  g_hash_table_remove (self->newest, id);
  return TRUE;
}

static void
batch_finish (Batch *batch)
{
  CwReloader *self = batch->self;

  for (guint i = 0; i < batch->changes->len; i++) {
    Change *change = g_ptr_array_index (batch->changes, i);
    GPtrArray *lines = g_hash_table_lookup (batch->lines, change->cert);

    g_ptr_array_add (lines, NULL);
    /* batches can end out of order (a slow hook in an older one): only
     * the newest batch serving a certificate says what was done last */
    if (newest_for (self, change->cert, batch) && lines->len > 1)
      cw_store_set_last_actions (self->store, change->cert, (const gchar * const *) lines->pdata);
    if (change->event != NO_EVENT)
      g_signal_emit (self, signals[SIGNAL_DELIVERED], 0, change->cert, change->event, lines->pdata);
  }
  g_hash_table_unref (batch->lines);
  g_ptr_array_unref (batch->changes);
  g_object_unref (batch->self);
  g_free (batch);
}

static void
batch_release (Batch *batch)
{
  if (--batch->outstanding > 0)
    return;
  if (!batch->acting)
    run_actions (batch);
  else
    batch_finish (batch);
}

typedef struct {
  Batch         *batch;
  CwCertificate *cert;
} Written;

static void
targets_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Written *w = user_data;
  g_auto(GStrv) lines = cw_deliverer_write_finish (CW_DELIVERER (source), result);

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    add_line (w->batch, w->cert, lines[i]);
  batch_release (w->batch);
  g_free (w);
}

static gboolean
flush (gpointer user_data)
{
  CwReloader *self = user_data;
  g_autoptr(GHashTable) pending = g_steal_pointer (&self->pending);
  Batch *batch = g_new0 (Batch, 1);
  GHashTableIter iter;
  gpointer key, value;

  self->flush_idle = 0;
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) change_free);
  batch->self = g_object_ref (self);
  batch->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  batch->lines = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  batch->outstanding = 1;
  batch->number = ++self->batches;
  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    Change *change = value;
    Written *w;

    /* gone meanwhile: nothing to deliver */
    if (cw_store_lookup_id (self->store, cw_certificate_get_id (change->cert)) != change->cert)
      continue;
    /* the change moves to the batch; stealing frees neither key nor value */
    g_hash_table_iter_steal (&iter);
    g_free (key);
    g_ptr_array_add (batch->changes, change);
    g_hash_table_insert (batch->lines, change->cert, g_ptr_array_new_with_free_func (g_free));
    g_hash_table_replace (self->newest, g_strdup (cw_certificate_get_id (change->cert)),
                          g_memdup2 (&batch->number, sizeof batch->number));
    w = g_new0 (Written, 1);
    w->batch = batch;
    w->cert = change->cert;
    batch->outstanding++;
    cw_deliverer_write_async (self->deliverer, change->cert, FALSE, targets_written, w);
  }
  batch_release (batch);
  return G_SOURCE_REMOVE;
}

/* Whether work that makes more changes is running: they go in one batch. */
static gboolean
in_flight (CwReloader *self)
{
  return cw_scheduler_is_checking (self->scheduler) || cw_acme_manager_get_order_count (self->acme) > 0;
}

static void
maybe_flush (CwReloader *self)
{
  if (self->flush_idle != 0 || g_hash_table_size (self->pending) == 0 || in_flight (self))
    return;
  self->flush_idle = g_idle_add (flush, self);
}

static void
add_change (CwReloader *self, CwCertificate *cert, guint event)
{
  Change *old = g_hash_table_lookup (self->pending, cw_certificate_get_id (cert));
  Change *change;

  /* an event already waiting stays what is announced */
  if (old != NULL && event == NO_EVENT)
    return;
  change = g_new0 (Change, 1);
  change->cert = g_object_ref (cert);
  change->event = event;
  g_hash_table_replace (self->pending, g_strdup (cw_certificate_get_id (cert)), change);
  maybe_flush (self);
}

static void
on_store_event (CwStore *store, CwCertificate *cert, guint event, CwReloader *self)
{
  if (event == CW_EVENT_ADDED || event == CW_EVENT_RENEWED || event == CW_EVENT_REPLACED)
    add_change (self, cert, event);
}

static void
on_delivery_changed (CwStore *store, CwCertificate *cert, CwReloader *self)
{
  /* nothing to deliver before there is a certificate */
  if (cw_certificate_get_info (cert) != NULL)
    add_change (self, cert, NO_EVENT);
}

static void
on_work_ended (CwReloader *self)
{
  maybe_flush (self);
}

/* ---- repair ------------------------------------------------------------- */

static void
repaired (GObject *source, GAsyncResult *result, gpointer user_data)
{
  /* each repair is logged where it happens */
  g_auto(GStrv) lines = cw_deliverer_write_finish (CW_DELIVERER (source), result);
}

void
cw_reloader_repair (CwReloader *self)
{
  g_autoptr(GPtrArray) certs = NULL;

  g_return_if_fail (CW_IS_RELOADER (self));

  certs = cw_store_get_certificates (self->store);

  /* after every check: most certificates of a large store deliver no file,
   * and a write job each would cost a check three times its work */
  for (guint i = 0; i < certs->len; i++)
    if (cw_deliverer_has_targets (self->deliverer, g_ptr_array_index (certs, i)))
      cw_deliverer_write_async (self->deliverer, g_ptr_array_index (certs, i), TRUE, repaired, NULL);
}

static void
on_check_finished (CwScheduler *scheduler, GPtrArray *renewed, GPtrArray *failed, CwReloader *self)
{
  maybe_flush (self);
  cw_reloader_repair (self);
}

/* ---- object ------------------------------------------------------------- */

static void
cw_reloader_dispose (GObject *object)
{
  CwReloader *self = CW_RELOADER (object);

  g_clear_handle_id (&self->flush_idle, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->scheduler != NULL)
    g_signal_handlers_disconnect_by_data (self->scheduler, self);
  if (self->acme != NULL)
    g_signal_handlers_disconnect_by_data (self->acme, self);
  g_clear_object (&self->store);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->acme);
  g_clear_object (&self->deliverer);
  g_clear_object (&self->bus);
  G_OBJECT_CLASS (cw_reloader_parent_class)->dispose (object);
}

static void
cw_reloader_finalize (GObject *object)
{
  g_hash_table_unref (CW_RELOADER (object)->pending);
  g_hash_table_unref (CW_RELOADER (object)->newest);
  G_OBJECT_CLASS (cw_reloader_parent_class)->finalize (object);
}

static void
cw_reloader_class_init (CwReloaderClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_reloader_dispose;
  G_OBJECT_CLASS (klass)->finalize = cw_reloader_finalize;
  signals[SIGNAL_DELIVERED] = g_signal_new ("delivered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                            NULL, G_TYPE_NONE, 3, CW_TYPE_CERTIFICATE, G_TYPE_UINT, G_TYPE_STRV);
}

static void
cw_reloader_init (CwReloader *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) change_free);
  self->newest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

CwReloader *
cw_reloader_new (CwStore *store, CwScheduler *scheduler, CwAcmeManager *acme, CwDeliverer *deliverer,
                 GDBusConnection *bus)
{
  CwReloader *self;

  g_return_val_if_fail (CW_IS_STORE (store), NULL);
  g_return_val_if_fail (CW_IS_SCHEDULER (scheduler), NULL);
  g_return_val_if_fail (CW_IS_ACME_MANAGER (acme), NULL);
  g_return_val_if_fail (CW_IS_DELIVERER (deliverer), NULL);

  self = g_object_new (CW_TYPE_RELOADER, NULL);

  self->store = g_object_ref (store);
  self->scheduler = g_object_ref (scheduler);
  self->acme = g_object_ref (acme);
  self->deliverer = g_object_ref (deliverer);
  self->bus = g_object_ref (bus);
  g_signal_connect (store, "event", G_CALLBACK (on_store_event), self);
  g_signal_connect (store, "delivery-changed", G_CALLBACK (on_delivery_changed), self);
  g_signal_connect (scheduler, "check-finished", G_CALLBACK (on_check_finished), self);
  g_signal_connect_swapped (acme, "order-finished", G_CALLBACK (on_work_ended), self);
  return self;
}
