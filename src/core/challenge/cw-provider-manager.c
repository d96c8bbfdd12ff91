/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DNS providers configured by the administrator (with secrets) and the journal of published records. */
#include "config.h"

#include "cw-provider-manager.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-base64url.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>

#define PROVIDERS_DIR "providers"
#define RECORDS_FILE "records.ini"
#define MAX_NAME 64

struct _CwProviderManager {
  GObject     parent_instance;

  CwProviderUserFunc user_func;
  gpointer    user_data;
  gchar      *dir;
  GStrv       plugin_dirs;
  GHashTable *types;      /* type name → CwProviderType */
  GHashTable *providers;  /* id → CwProvider */
  GKeyFile   *records;    /* the journal */
  guint       removing;   /* journaled records being removed */
  const CwProviderBackend *backend;  /* or NULL: this machine alone */
  gpointer    backend_data;
};

enum { SIGNAL_ADDED, SIGNAL_REMOVED, SIGNAL_CHANGED, SIGNAL_IDLE, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwProviderManager, cw_provider_manager, G_TYPE_OBJECT)

static void
cw_provider_manager_finalize (GObject *object)
{
  CwProviderManager *self = CW_PROVIDER_MANAGER (object);

  g_hash_table_unref (self->providers);
  g_hash_table_unref (self->types);
  g_key_file_unref (self->records);
  g_strfreev (self->plugin_dirs);
  g_free (self->dir);
  G_OBJECT_CLASS (cw_provider_manager_parent_class)->finalize (object);
}

static void
cw_provider_manager_class_init (CwProviderManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_provider_manager_finalize;
  signals[SIGNAL_IDLE] = g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                      G_TYPE_NONE, 0);
  for (guint i = 0; i < SIGNAL_IDLE; i++)
    signals[i] = g_signal_new (i == SIGNAL_ADDED ? "provider-added" : i == SIGNAL_REMOVED ? "provider-removed"
                                                                                          : "provider-changed",
                               G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                               CW_TYPE_PROVIDER);
}

static void
cw_provider_manager_init (CwProviderManager *self)
{
  self->types = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) cw_provider_type_free);
  self->providers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->records = g_key_file_new ();
}

CwProviderManager *
cw_provider_manager_new (const gchar *state_dir, const gchar * const *plugin_dirs)
{
  CwProviderManager *self = g_object_new (CW_TYPE_PROVIDER_MANAGER, NULL);

  self->dir = g_build_filename (state_dir, PROVIDERS_DIR, NULL);
  self->plugin_dirs = g_strdupv ((gchar **) plugin_dirs);
  return self;
}

gchar *
cw_provider_id_from_name (const gchar *name)
{
  return g_dbus_escape_object_path (name);
}

/* ---- files -------------------------------------------------------------- */

static gboolean
write_file (CwProviderManager *self, const gchar *file, const gchar *data, GError **error)
{
  g_auto(CwFd) fd = -1;

  /* secrets inside: the directory is the owner's alone */
  if (g_mkdir_with_parents (self->dir, 0700) < 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot create %s: %s"), self->dir, g_strerror (errno));
    return FALSE;
  }
  fd = cw_fs_open_dir (AT_FDCWD, self->dir, TRUE, error);
  return fd >= 0 && cw_fs_replace_at (fd, file, data, strlen (data), 0600, error);
}

gchar *
cw_provider_manager_dump (CwProvider *provider)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_key_file_set_comment (kf, NULL, NULL, " Written by certwardd; change it over D-Bus. Holds secrets.", NULL);
  g_key_file_set_string (kf, "provider", "name", cw_provider_get_name (provider));
  g_key_file_set_string (kf, "provider", "type", cw_provider_get_provider_type (provider)->plugin->type);
  g_hash_table_iter_init (&iter, cw_provider_get_settings (provider));
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_key_file_set_string (kf, "settings", key, value);
  return g_key_file_to_data (kf, NULL, NULL);
}

/* With a backend, it commits first: the file only ever holds what the
 * backend took (see set_backend). */
static gboolean
save_provider (CwProviderManager *self, CwProvider *provider, GError **error)
{
  g_autofree gchar *file = g_strconcat (cw_provider_get_id (provider), ".ini", NULL);
  g_autofree gchar *data = cw_provider_manager_dump (provider);

  if (self->backend != NULL && !self->backend->commit (self->backend_data, provider, data, error))
    return FALSE;
  return write_file (self, file, data, error);
}

static void
save_records (CwProviderManager *self)
{
  g_autofree gchar *data = g_key_file_to_data (self->records, NULL, NULL);
  g_autoptr(GError) error = NULL;

  if (!write_file (self, RECORDS_FILE, data, &error))
    g_warning ("dns-01: cannot save the journal of published records: %s", error->message);
}

static CwProvider *
provider_from_keyfile (CwProviderManager *self, GKeyFile *kf, const gchar *path, GError **error)
{
  g_autofree gchar *name = NULL, *type_name = NULL, *id = NULL;
  g_auto(GStrv) keys = NULL;
  g_autoptr(GHashTable) settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const CwProviderType *type;

  name = g_key_file_get_string (kf, "provider", "name", NULL);
  type_name = g_key_file_get_string (kf, "provider", "type", NULL);
  if (name == NULL || type_name == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s names no provider name or type"), path);
    return NULL;
  }
  type = g_hash_table_lookup (self->types, type_name);
  if (type == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND,
                 _("the DNS provider %s is of type %s, and no plugin of that type is installed"), name, type_name);
    return NULL;
  }
  keys = g_key_file_get_keys (kf, "settings", NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    g_hash_table_insert (settings, g_strdup (keys[i]), g_key_file_get_string (kf, "settings", keys[i], NULL));
  id = cw_provider_id_from_name (name);
  return cw_provider_new (id, name, type, settings, error);
}

static CwProvider *
load_provider (CwProviderManager *self, const gchar *file, GError **error)
{
  g_autofree gchar *path = g_build_filename (self->dir, file, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return NULL;
  return provider_from_keyfile (self, kf, path, error);
}

gboolean
cw_provider_manager_load (CwProviderManager *self, GError **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autofree gchar *records = NULL;
  g_autoptr(GError) local = NULL;
  const gchar *file;

  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  records = g_build_filename (self->dir, RECORDS_FILE, NULL);

  for (guint i = 0; self->plugin_dirs != NULL && self->plugin_dirs[i] != NULL; i++)
    cw_provider_types_load_dir (self->types, self->plugin_dirs[i]);
  g_info ("%u DNS provider plugins loaded", g_hash_table_size (self->types));

  dir = g_dir_open (self->dir, 0, &local);
  if (dir == NULL) {
    if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    g_set_error (error, CW_ERROR, CW_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  while ((file = g_dir_read_name (dir)) != NULL) {
    g_autoptr(CwProvider) provider = NULL;

    if (!g_str_has_suffix (file, ".ini") || g_str_equal (file, RECORDS_FILE))
      continue;
    g_clear_error (&local);
    provider = load_provider (self, file, &local);
    if (provider == NULL) {
      g_warning ("dns-01: provider %s/%s not loaded: %s", self->dir, file, local->message);
      continue;
    }
    g_hash_table_insert (self->providers, g_strdup (cw_provider_get_id (provider)), g_object_ref (provider));
  }
  g_clear_error (&local);
  if (!g_key_file_load_from_file (self->records, records, G_KEY_FILE_NONE, &local) &&
      !g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("dns-01: the journal of published records %s is unreadable: %s", records, local->message);
  return TRUE;
}

/* ---- lookups ------------------------------------------------------------ */

/* g_hash_table_get_values_as_ptr_array is GLib 2.76 */
static GPtrArray *
values_of (GHashTable *table)
{
  GPtrArray *values = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (values, value);
  return values;
}

static gint
compare_types (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(CwProviderType * const *) a)->plugin->type, (*(CwProviderType * const *) b)->plugin->type);
}

GPtrArray *
cw_provider_manager_get_types (CwProviderManager *self)
{
  GPtrArray *types;

  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (self), NULL);

  types = values_of (self->types);

  g_ptr_array_sort (types, compare_types);
  return types;
}

static gint
compare_providers (gconstpointer a, gconstpointer b)
{
  return strcmp (cw_provider_get_name (*(CwProvider * const *) a), cw_provider_get_name (*(CwProvider * const *) b));
}

GPtrArray *
cw_provider_manager_get_providers (CwProviderManager *self)
{
  GPtrArray *providers;

  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (self), NULL);

  providers = values_of (self->providers);

  g_ptr_array_sort (providers, compare_providers);
  return providers;
}

CwProvider *
cw_provider_manager_lookup (CwProviderManager *self, const gchar *id)
{
  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (self), NULL);

  return g_hash_table_lookup (self->providers, id);
}

/* ---- changes ------------------------------------------------------------ */

static gboolean
check_name (const gchar *name, GError **error)
{
  gboolean ok = name != NULL && *name != '\0' && strlen (name) <= MAX_NAME;

  for (const gchar *p = name; ok && *p != '\0'; p++)
    ok = g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.';
  if (!ok)
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("“%s” is no usable provider name: use up to %u letters, digits, “-”, “_” and “.”"),
                 name != NULL ? name : "", MAX_NAME);
  return ok;
}

CwProvider *
cw_provider_manager_add (CwProviderManager *self, const gchar *name, const gchar *type_name, GHashTable *settings,
                         GError **error)
{
  const CwProviderType *type;
  g_autofree gchar *id = NULL;
  g_autoptr(CwProvider) provider = NULL;

  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  type = g_hash_table_lookup (self->types, type_name);

  if (!check_name (name, error))
    return NULL;
  if (type == NULL) {
    g_autoptr(GPtrArray) types = cw_provider_manager_get_types (self);
    g_autoptr(GString) known = g_string_new (NULL);

    for (guint i = 0; i < types->len; i++)
      g_string_append_printf (known, "%s%s", i > 0 ? ", " : "",
                              ((CwProviderType *) g_ptr_array_index (types, i))->plugin->type);
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND, _("there is no DNS provider type “%s” (installed: %s)"),
                 type_name, known->len > 0 ? known->str : _("none"));
    return NULL;
  }
  id = cw_provider_id_from_name (name);
  if (g_hash_table_contains (self->providers, id)) {
    g_set_error (error, CW_ERROR, CW_ERROR_EXISTS, _("a DNS provider named “%s” exists already"), name);
    return NULL;
  }
  provider = cw_provider_new (id, name, type, settings, error);
  if (provider == NULL || !save_provider (self, provider, error))
    return NULL;
  g_hash_table_insert (self->providers, g_strdup (id), g_object_ref (provider));
  g_message ("DNS provider %s (%s) added", name, type_name);
  g_signal_emit (self, signals[SIGNAL_ADDED], 0, provider);
  return g_steal_pointer (&provider);
}

gboolean
cw_provider_manager_update (CwProviderManager *self, CwProvider *provider, GHashTable *changes, GError **error)
{
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) undo = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (self), FALSE);
  g_return_val_if_fail (CW_IS_PROVIDER (provider), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  before = g_hash_table_ref (cw_provider_get_settings (provider));

  if (!cw_provider_update (provider, changes, error))
    return FALSE;
  if (!save_provider (self, provider, error)) {
    /* put the old settings back: memory and disk agree */
    g_hash_table_iter_init (&iter, changes);
    while (g_hash_table_iter_next (&iter, &key, &value)) {
      const gchar *old = g_hash_table_lookup (before, key);

      g_hash_table_insert (undo, g_strdup (key), g_strdup (old != NULL ? old : ""));
    }
    cw_provider_update (provider, undo, NULL);
    return FALSE;
  }
  g_message ("DNS provider %s updated", cw_provider_get_name (provider));
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, provider);
  return TRUE;
}

static void forget_records_of (CwProviderManager *self, CwProvider *provider);

void
cw_provider_manager_set_user_func (CwProviderManager *self, CwProviderUserFunc func, gpointer user_data)
{
  g_return_if_fail (CW_IS_PROVIDER_MANAGER (self));

  self->user_func = func;
  self->user_data = user_data;
}

gboolean
cw_provider_manager_remove (CwProviderManager *self, CwProvider *provider, GError **error)
{
  g_autofree gchar *file = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr(CwProvider) keep = NULL;
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (self), FALSE);
  g_return_val_if_fail (CW_IS_PROVIDER (provider), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  file = g_strconcat (cw_provider_get_id (provider), ".ini", NULL);
  path = g_build_filename (self->dir, file, NULL);
  keep = g_object_ref (provider);
  user = self->user_func != NULL ? self->user_func (cw_provider_get_id (provider), self->user_data) : NULL;

  if (user != NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_IN_USE,
                 _("the DNS provider %s is used by the certificate %s; change or remove that first"),
                 cw_provider_get_name (provider), user);
    return FALSE;
  }
  if (self->backend != NULL && !self->backend->commit_removal (self->backend_data, provider, error))
    return FALSE;
  if (unlink (path) < 0 && errno != ENOENT) {
    g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot remove %s: %s"), path, g_strerror (errno));
    return FALSE;
  }
  forget_records_of (self, provider);
  g_hash_table_remove (self->providers, cw_provider_get_id (provider));
  g_message ("DNS provider %s removed", cw_provider_get_name (provider));
  g_signal_emit (self, signals[SIGNAL_REMOVED], 0, provider);
  return TRUE;
}

void
cw_provider_manager_set_backend (CwProviderManager *self, const CwProviderBackend *backend, gpointer user_data)
{
  g_return_if_fail (CW_IS_PROVIDER_MANAGER (self));

  self->backend = backend;
  self->backend_data = user_data;
}

static gboolean
same_settings (GHashTable *a, GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;

  if (g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (value, g_hash_table_lookup (b, key)) != 0)
      return FALSE;
  return TRUE;
}

/* Drops @provider here: its file, its journaled records, the object. */
static gboolean
drop (CwProviderManager *self, CwProvider *provider, GError **error)
{
  g_autofree gchar *file = g_strconcat (cw_provider_get_id (provider), ".ini", NULL);
  g_autofree gchar *path = g_build_filename (self->dir, file, NULL);
  g_autoptr(CwProvider) keep = g_object_ref (provider);

  if (unlink (path) < 0 && errno != ENOENT) {
    g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot remove %s: %s"), path, g_strerror (errno));
    return FALSE;
  }
  forget_records_of (self, provider);
  g_hash_table_remove (self->providers, cw_provider_get_id (provider));
  g_signal_emit (self, signals[SIGNAL_REMOVED], 0, provider);
  return TRUE;
}

gboolean
cw_provider_manager_apply (CwProviderManager *self, const gchar *id, const gchar *data, GError **error)
{
  CwProvider *existing;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(CwProvider) provider = NULL;
  g_autofree gchar *file = g_strconcat (id, ".ini", NULL);

  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  existing = g_hash_table_lookup (self->providers, id);
  if (data == NULL)
    return existing == NULL || drop (self, existing, error);
  if (!g_key_file_load_from_data (kf, data, -1, G_KEY_FILE_NONE, error))
    return FALSE;
  provider = provider_from_keyfile (self, kf, id, error);
  if (provider == NULL)
    return FALSE;
  if (g_strcmp0 (cw_provider_get_id (provider), id) != 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s names another provider"), id);
    return FALSE;
  }
  if (existing != NULL && cw_provider_get_provider_type (existing) == cw_provider_get_provider_type (provider)) {
    g_autoptr(GHashTable) changes = NULL;
    GHashTableIter iter;
    gpointer key;

    if (same_settings (cw_provider_get_settings (existing), cw_provider_get_settings (provider)))
      return TRUE;
    /* the object stays (its D-Bus path, its queued calls): its settings
     * become the new ones, a field gone is cleared */
    changes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_iter_init (&iter, cw_provider_get_settings (existing));
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_hash_table_insert (changes, g_strdup (key), g_strdup (""));
    g_hash_table_iter_init (&iter, cw_provider_get_settings (provider));
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_hash_table_insert (changes, g_strdup (key),
                           g_strdup (g_hash_table_lookup (cw_provider_get_settings (provider), key)));
    if (!write_file (self, file, data, error) || !cw_provider_update (existing, changes, error))
      return FALSE;
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, existing);
    return TRUE;
  }
  if (existing != NULL && !drop (self, existing, error))
    return FALSE;
  if (!write_file (self, file, data, error))
    return FALSE;
  g_hash_table_insert (self->providers, g_strdup (id), g_object_ref (provider));
  g_signal_emit (self, signals[SIGNAL_ADDED], 0, provider);
  return TRUE;
}

/* ---- the journal -------------------------------------------------------- */

static gchar *
record_group (CwProvider *provider, const CwProviderRecord *record)
{
  return g_strdup_printf ("%s %s %s", cw_provider_get_id (provider), record->fqdn, record->value);
}

void
cw_provider_manager_note_record (CwProviderManager *self, CwProvider *provider, const CwProviderRecord *record)
{
  g_autofree gchar *group = NULL;

  g_return_if_fail (CW_IS_PROVIDER_MANAGER (self));
  g_return_if_fail (CW_IS_PROVIDER (provider));
  g_return_if_fail (record != NULL);

  group = record_group (provider, record);

  g_key_file_set_string (self->records, group, "provider", cw_provider_get_id (provider));
  g_key_file_set_string (self->records, group, "fqdn", record->fqdn);
  g_key_file_set_string (self->records, group, "value", record->value);
  g_key_file_set_string (self->records, group, "zone", record->zone);
  save_records (self);
}

void
cw_provider_manager_forget_record (CwProviderManager *self, CwProvider *provider, const CwProviderRecord *record)
{
  g_autofree gchar *group = NULL;

  g_return_if_fail (CW_IS_PROVIDER_MANAGER (self));
  g_return_if_fail (CW_IS_PROVIDER (provider));
  g_return_if_fail (record != NULL);

  group = record_group (provider, record);

  if (g_key_file_remove_group (self->records, group, NULL))
    save_records (self);
}

/* Records of a provider that goes can no longer be removed by us. */
static void
forget_records_of (CwProviderManager *self, CwProvider *provider)
{
  g_auto(GStrv) groups = g_key_file_get_groups (self->records, NULL);
  gboolean changed = FALSE;

  for (guint i = 0; groups[i] != NULL; i++) {
    g_autofree gchar *id = g_key_file_get_string (self->records, groups[i], "provider", NULL);

    if (g_strcmp0 (id, cw_provider_get_id (provider)) != 0)
      continue;
    g_warning ("dns-01: %s is removed with a record still out (%s); remove it at the DNS host yourself",
               cw_provider_get_name (provider), groups[i]);
    changed |= g_key_file_remove_group (self->records, groups[i], NULL);
  }
  if (changed)
    save_records (self);
}

typedef struct {
  CwProviderManager *self;
  CwProvider        *provider;
  gchar             *fqdn, *value, *zone;
} Leftover;

static void
leftover_free (Leftover *l)
{
  g_object_unref (l->self);
  g_object_unref (l->provider);
  g_free (l->fqdn);
  g_free (l->value);
  g_free (l->zone);
  g_free (l);
}

static void
leftover_cleaned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Leftover *l = user_data;
  CwProviderRecord record = { l->fqdn, l->value, l->zone, 0 };
  g_autoptr(GError) error = NULL;

  if (cw_provider_cleanup_finish (CW_PROVIDER (source), result, &error)) {
    g_message ("dns-01: removed the record %s a previous run left behind", l->fqdn);
    cw_provider_manager_forget_record (l->self, l->provider, &record);
  } else {
    g_warning ("dns-01: cannot remove the record %s a previous run left behind (tried again at the next start): %s",
               l->fqdn, error->message);
  }
  if (--l->self->removing == 0)
    g_signal_emit (l->self, signals[SIGNAL_IDLE], 0);
  leftover_free (l);
}

gboolean
cw_provider_manager_is_idle (CwProviderManager *self)
{
  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (self), FALSE);

  return self->removing == 0;
}

void
cw_provider_manager_cleanup_leftovers (CwProviderManager *self)
{
  g_auto(GStrv) groups = NULL;

  g_return_if_fail (CW_IS_PROVIDER_MANAGER (self));

  groups = g_key_file_get_groups (self->records, NULL);

  for (guint i = 0; groups[i] != NULL; i++) {
    g_autofree gchar *id = g_key_file_get_string (self->records, groups[i], "provider", NULL);
    CwProvider *provider = id != NULL ? cw_provider_manager_lookup (self, id) : NULL;
    Leftover *l;
    CwProviderRecord record = { 0 };

    if (provider == NULL) {
      g_warning ("dns-01: a record in the journal (%s) belongs to no configured provider; forgotten", groups[i]);
      g_key_file_remove_group (self->records, groups[i], NULL);
      save_records (self);
      continue;
    }
    l = g_new0 (Leftover, 1);
    l->self = g_object_ref (self);
    l->provider = g_object_ref (provider);
    l->fqdn = g_key_file_get_string (self->records, groups[i], "fqdn", NULL);
    l->value = g_key_file_get_string (self->records, groups[i], "value", NULL);
    l->zone = g_key_file_get_string (self->records, groups[i], "zone", NULL);
    if (l->fqdn == NULL || l->value == NULL || l->zone == NULL) {
      g_key_file_remove_group (self->records, groups[i], NULL);
      save_records (self);
      leftover_free (l);
      continue;
    }
    record = (CwProviderRecord) { l->fqdn, l->value, l->zone, 0 };
    self->removing++;
    cw_provider_cleanup_async (provider, &record, NULL, leftover_cleaned, l);
  }
}

/* ---- Test --------------------------------------------------------------- */

typedef struct {
  CwProviderRecord record;
  gchar           *fqdn, *value, *zone;
  GError          *present_error;
} TestData;

static void
test_data_free (TestData *t)
{
  g_free (t->fqdn);
  g_free (t->value);
  g_free (t->zone);
  g_clear_error (&t->present_error);
  g_free (t);
}

static void
test_cleaned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwProviderManager *self = g_task_get_source_object (task);
  TestData *t = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* removed, or refused like the publishing was: nothing is left */
  if (cw_provider_cleanup_finish (CW_PROVIDER (source), result, &error) || t->present_error != NULL)
    cw_provider_manager_forget_record (self, CW_PROVIDER (source), &t->record);
  if (t->present_error != NULL)
    g_task_return_new_error (task, t->present_error->domain, t->present_error->code,
                             _("publishing a test record at %s failed: %s"), t->fqdn, t->present_error->message);
  else if (error != NULL)
    g_task_return_new_error (task, error->domain, error->code,
                             _("the test record at %s was published, but removing it failed: %s"), t->fqdn,
                             error->message);
  else
    g_task_return_boolean (task, TRUE);
}

static void
test_presented (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  TestData *t = g_task_get_task_data (task);

  cw_provider_present_finish (CW_PROVIDER (source), result, &t->present_error);
  /* removed whatever happened: a half-published record must not stay */
  cw_provider_cleanup_async (CW_PROVIDER (source), &t->record, NULL, test_cleaned, task);
}

void
cw_provider_manager_test_async (CwProviderManager *self, CwProvider *provider, const gchar *zone,
                                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  TestData *t;
  guint8 random[32];

  g_return_if_fail (CW_IS_PROVIDER_MANAGER (self));
  g_return_if_fail (CW_IS_PROVIDER (provider));

  task = g_task_new (self, cancellable, callback, user_data);
  t = g_new0 (TestData, 1);

  g_task_set_source_tag (task, cw_provider_manager_test_async);
  g_task_set_task_data (task, t, (GDestroyNotify) test_data_free);
  for (guint i = 0; i < sizeof random; i++)
    random[i] = g_random_int_range (0, 256);
  t->zone = g_ascii_strdown (zone, -1);
  if (g_str_has_suffix (t->zone, "."))
    t->zone[strlen (t->zone) - 1] = '\0';
  t->fqdn = g_strconcat ("_certward-test.", t->zone, NULL);
  t->value = cw_base64url_encode (random, sizeof random);
  t->record = (CwProviderRecord) { t->fqdn, t->value, t->zone, 60 };
  cw_provider_manager_note_record (self, provider, &t->record);
  cw_provider_present_async (provider, &t->record, cancellable, test_presented, task);
}

gboolean
cw_provider_manager_test_finish (CwProviderManager *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
