/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One configured DNS provider: an instance of a plugin, one call at a time. */
#include "config.h"

#include "cw-provider.h"
#include "cw-error.h"
#include "cw-text.h"

#include <glib/gi18n.h>
#include <string.h>

/* A plugin instance, shared by the calls queued on it: an Update makes a
 * new one while the old one finishes what it started. */
typedef struct {
  gint                    ref;
  const CwProviderPlugin *plugin;
  gpointer                data;
} Instance;

static Instance *
instance_ref (Instance *instance)
{
  g_atomic_int_inc (&instance->ref);
  return instance;
}

static void
instance_unref (Instance *instance)
{
  if (instance == NULL || !g_atomic_int_dec_and_test (&instance->ref))
    return;
  instance->plugin->free (instance->data);
  g_free (instance);
}

struct _CwProvider {
  GObject               parent_instance;

  gchar                *id;
  gchar                *name;
  gchar                *label;   /* what errors start with */
  const CwProviderType *type;
  GHashTable           *settings;
  Instance             *instance;
  GQueue                queue;   /* Call, the head one running */
};

G_DEFINE_FINAL_TYPE (CwProvider, cw_provider, G_TYPE_OBJECT)

static void
cw_provider_finalize (GObject *object)
{
  CwProvider *self = CW_PROVIDER (object);

  g_warn_if_fail (g_queue_is_empty (&self->queue));
  instance_unref (self->instance);
  g_hash_table_unref (self->settings);
  g_free (self->id);
  g_free (self->name);
  g_free (self->label);
  G_OBJECT_CLASS (cw_provider_parent_class)->finalize (object);
}

static void
cw_provider_class_init (CwProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_provider_finalize;
}

static void
cw_provider_init (CwProvider *self)
{
  g_queue_init (&self->queue);
}

static GHashTable *
copy_settings (GHashTable *settings)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  if (settings == NULL)
    return copy;
  g_hash_table_iter_init (&iter, settings);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), g_strdup (value));
  return copy;
}

static Instance *
make_instance (const CwProviderType *type, const gchar *name, GHashTable *settings, GError **error)
{
  g_autoptr(GError) local = NULL;
  gpointer data;
  Instance *instance;

  if (!cw_provider_type_check_settings (type, settings, error))
    return NULL;
  data = type->plugin->create (settings, &local);
  if (data == NULL) {
    g_autofree gchar *why = local != NULL ? cw_text_escape (local->message, -1) : NULL;

    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, "%s: %s", name,
                 why != NULL ? why : _("the plugin refused the settings without saying why"));
    return NULL;
  }
  instance = g_new0 (Instance, 1);
  instance->ref = 1;
  instance->plugin = type->plugin;
  instance->data = data;
  return instance;
}

CwProvider *
cw_provider_new (const gchar *id, const gchar *name, const CwProviderType *type, GHashTable *settings, GError **error)
{
  g_autoptr(GHashTable) copy = copy_settings (settings);
  Instance *instance;
  CwProvider *self;

  g_return_val_if_fail (type != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  instance = make_instance (type, name, copy, error);

  if (instance == NULL)
    return NULL;
  self = g_object_new (CW_TYPE_PROVIDER, NULL);
  self->id = g_strdup (id);
  self->name = g_strdup (name);
  self->type = type;
  self->label = g_str_equal (name, type->plugin->type) ? g_strdup (name)
                                                       : g_strdup_printf ("%s (%s)", name, type->plugin->type);
  self->settings = g_steal_pointer (&copy);
  self->instance = instance;
  return self;
}

const gchar *
cw_provider_get_id (CwProvider *self)
{
  g_return_val_if_fail (CW_IS_PROVIDER (self), NULL);

  return self->id;
}

const gchar *
cw_provider_get_name (CwProvider *self)
{
  g_return_val_if_fail (CW_IS_PROVIDER (self), NULL);

  return self->name;
}

const CwProviderType *
cw_provider_get_provider_type (CwProvider *self)
{
  g_return_val_if_fail (CW_IS_PROVIDER (self), NULL);

  return self->type;
}

GHashTable *
cw_provider_get_settings (CwProvider *self)
{
  g_return_val_if_fail (CW_IS_PROVIDER (self), NULL);

  return self->settings;
}

GHashTable *
cw_provider_dup_public_settings (CwProvider *self)
{
  GHashTable *public;

  g_return_val_if_fail (CW_IS_PROVIDER (self), NULL);

  public = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (const CwProviderField *f = self->type->plugin->fields; f->key != NULL; f++) {
    const gchar *value = g_hash_table_lookup (self->settings, f->key);

    if (!f->secret && value != NULL)
      g_hash_table_insert (public, g_strdup (f->key), g_strdup (value));
  }
  return public;
}

GStrv
cw_provider_dup_secrets_set (CwProvider *self)
{
  g_autoptr(GStrvBuilder) set = g_strv_builder_new ();

  g_return_val_if_fail (CW_IS_PROVIDER (self), NULL);

  for (const CwProviderField *f = self->type->plugin->fields; f->key != NULL; f++) {
    const gchar *value = g_hash_table_lookup (self->settings, f->key);

    if (f->secret && value != NULL && *value != '\0')
      g_strv_builder_add (set, f->key);
  }
  return g_strv_builder_end (set);
}

gboolean
cw_provider_update (CwProvider *self, GHashTable *changes, GError **error)
{
  g_autoptr(GHashTable) merged = NULL;
  GHashTableIter iter;
  gpointer key, value;
  Instance *instance;

  g_return_val_if_fail (CW_IS_PROVIDER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  merged = copy_settings (self->settings);

  g_hash_table_iter_init (&iter, changes);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    if (*(const gchar *) value == '\0')
      g_hash_table_remove (merged, key);
    else
      g_hash_table_insert (merged, g_strdup (key), g_strdup (value));
  }
  instance = make_instance (self->type, self->name, merged, error);
  if (instance == NULL)
    return FALSE;
  instance_unref (self->instance);
  self->instance = instance;
  g_hash_table_unref (self->settings);
  self->settings = g_steal_pointer (&merged);
  return TRUE;
}

/* ---- calls, one at a time ----------------------------------------------- */

typedef struct {
  Instance        *instance;
  gboolean         present;
  gboolean         running;
  gchar           *fqdn;
  gchar           *value;
  gchar           *zone;
  CwProviderRecord record;  /* points into the strings above */
} Call;

static void
call_free (Call *call)
{
  instance_unref (call->instance);
  g_free (call->fqdn);
  g_free (call->value);
  g_free (call->zone);
  g_free (call);
}

static void run_next (CwProvider *self);

static gint
error_code (const GError *error)
{
  if (error->domain == G_IO_ERROR) {
    switch (error->code) {
    case G_IO_ERROR_PERMISSION_DENIED:
      return CW_ERROR_PERMISSION_DENIED;
    case G_IO_ERROR_NOT_FOUND:
      return CW_ERROR_NOT_FOUND;
    case G_IO_ERROR_TIMED_OUT:
    case G_IO_ERROR_CONNECTION_REFUSED:
    case G_IO_ERROR_HOST_UNREACHABLE:
    case G_IO_ERROR_NETWORK_UNREACHABLE:
    case G_IO_ERROR_CONNECTION_CLOSED:
      return CW_ERROR_NETWORK;
    default:
      return CW_ERROR_FAILED;
    }
  }
  return error->domain == G_RESOLVER_ERROR || error->domain == G_TLS_ERROR ? CW_ERROR_NETWORK : CW_ERROR_FAILED;
}

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwProvider *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  const CwProviderPlugin *plugin = call->instance->plugin;
  g_autoptr(GError) error = NULL;
  gboolean ok = call->present ? plugin->present_finish (call->instance->data, result, &error)
                              : plugin->cleanup_finish (call->instance->data, result, &error);

  g_queue_remove (&self->queue, task);
  if (ok) {
    g_task_return_boolean (task, TRUE);
  } else if (error == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_FAILED, _("%s: cannot %s %s in %s (the plugin gave no reason)"),
                             self->label, call->present ? "publish" : "remove", call->fqdn, call->zone);
  } else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_task_return_error (task, g_steal_pointer (&error));
  } else {
    /* the agent's words in front of the service's own, which quote what
     * a remote API answered: bytes, until made text */
    g_autofree gchar *why = cw_text_escape (error->message, -1);

    g_task_return_new_error (task, CW_ERROR, error_code (error), "%s: %s", self->label, why);
  }
  run_next (self);
}

static void
run_next (CwProvider *self)
{
  GTask *task = g_queue_peek_head (&self->queue);
  Call *call;

  if (task == NULL)
    return;
  call = g_task_get_task_data (task);
  if (call->running)
    return;
  call->running = TRUE;
  /* the queue's reference goes with the call and comes back to call_done */
  if (call->present)
    call->instance->plugin->present_async (call->instance->data, &call->record, g_task_get_cancellable (task),
                                           call_done, task);
  else
    call->instance->plugin->cleanup_async (call->instance->data, &call->record, g_task_get_cancellable (task),
                                           call_done, task);
}

static void
queue_call (CwProvider *self, gboolean present, const CwProviderRecord *record, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  call->instance = instance_ref (self->instance);
  call->present = present;
  call->fqdn = g_strdup (record->fqdn);
  call->value = g_strdup (record->value);
  call->zone = g_strdup (record->zone);
  call->record.fqdn = call->fqdn;
  call->record.value = call->value;
  call->record.zone = call->zone;
  call->record.ttl = record->ttl;
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  /* the queue holds the reference the caller's callback gets */
  g_queue_push_tail (&self->queue, task);
  run_next (self);
}

void
cw_provider_present_async (CwProvider *self, const CwProviderRecord *record, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (CW_IS_PROVIDER (self));
  g_return_if_fail (record != NULL);

  queue_call (self, TRUE, record, cancellable, callback, user_data);
}

gboolean
cw_provider_present_finish (CwProvider *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CW_IS_PROVIDER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cw_provider_cleanup_async (CwProvider *self, const CwProviderRecord *record, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (CW_IS_PROVIDER (self));
  g_return_if_fail (record != NULL);

  queue_call (self, FALSE, record, cancellable, callback, user_data);
}

gboolean
cw_provider_cleanup_finish (CwProvider *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CW_IS_PROVIDER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
