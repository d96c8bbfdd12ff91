/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwTrustStore: the trusted root store (the system bundle minus removed plus
 * added, cw-trust-state.c), its files and its changes, one at a time. */
#include "config.h"

#include "cw-trust-store.h"
#include "cw-trust-state.h"
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-material.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#define STATE_FILE "trust.ini"
#define ADDED_FILE "added.pem"
#define BUNDLE_FILE "ca-bundle.pem"
#define MAX_BUNDLE (32 * 1024 * 1024)

struct _CwTrustStore {
  GObject    parent_instance;

  gchar     *dir;
  gchar     *system_path;
  gchar     *bundle_path;
  gchar     *default_mode;
  GPtrArray *system;     /* CwTrustEntry from the system bundle */
  CwTrustState     *state;
  GPtrArray *effective;  /* CwTrustEntry, sorted by subject */
  gboolean   busy;
  const CwTrustStoreBackend *backend;  /* or NULL: this machine alone */
  gpointer   backend_data;
};

enum { SIGNAL_CHANGED, SIGNAL_IDLE, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwTrustStore, cw_trust_store, G_TYPE_OBJECT)

/* ---- disk --------------------------------------------------------------- */

static gboolean
write_state (const gchar *dir, GPtrArray *effective, const CwTrustState *state, GError **error)
{
  g_auto(CwFd) fd = cw_fs_open_dir (AT_FDCWD, dir, TRUE, error);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GPtrArray) removed = g_ptr_array_new ();
  g_autofree gchar *ini = NULL, *added = NULL, *bundle = NULL;
  GHashTableIter iter;
  gpointer key;

  if (fd < 0)
    return FALSE;
  g_hash_table_iter_init (&iter, state->removed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (removed, key);
  g_key_file_set_boolean (kf, "trust", "include-system", state->include_system);
  g_key_file_set_string_list (kf, "trust", "removed", (const gchar * const *) removed->pdata, removed->len);
  g_key_file_set_string (kf, "trust", "verification-mode", state->mode);
  ini = g_key_file_to_data (kf, NULL, NULL);
  added = cw_trust_entries_to_pem (state->added);
  bundle = cw_trust_entries_to_pem (effective);
  /* all three must fit before any is replaced (a full disk changes
   * nothing); then state first: a crash before the bundle is renamed is
   * repaired by the next start, which writes the bundle from the state */
  {
    static const gchar *const names[] = { ADDED_FILE, STATE_FILE, BUNDLE_FILE };
    const gchar *const texts[] = { added, ini, bundle };
    gchar *staged[G_N_ELEMENTS (names)] = { NULL };
    gboolean ok = TRUE;

    for (guint i = 0; i < G_N_ELEMENTS (names) && ok; i++)
      ok = (staged[i] = cw_fs_stage_at (fd, names[i], texts[i], strlen (texts[i]), 0644, error)) != NULL;
    for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
      if (ok)
        ok = cw_fs_commit_staged_at (fd, staged[i], names[i], error);
      else
        cw_fs_discard_staged_at (fd, staged[i]);
      g_free (staged[i]);
    }
    return ok;
  }
}

/* ---- object ------------------------------------------------------------- */

static void
cw_trust_store_finalize (GObject *object)
{
  CwTrustStore *self = CW_TRUST_STORE (object);

  g_free (self->dir);
  g_free (self->system_path);
  g_free (self->bundle_path);
  g_free (self->default_mode);
  g_clear_pointer (&self->system, g_ptr_array_unref);
  g_clear_pointer (&self->effective, g_ptr_array_unref);
  cw_trust_state_free (self->state);
  G_OBJECT_CLASS (cw_trust_store_parent_class)->finalize (object);
}

static void
cw_trust_store_class_init (CwTrustStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_trust_store_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_IDLE] = g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cw_trust_store_init (CwTrustStore *self)
{
}

CwTrustStore *
cw_trust_store_new (const gchar *dir, const gchar *system_bundle, const gchar *default_mode)
{
  CwTrustStore *self = g_object_new (CW_TYPE_TRUST_STORE, NULL);

  self->dir = g_strdup (dir);
  self->system_path = g_strdup (system_bundle);
  self->bundle_path = g_build_filename (dir, BUNDLE_FILE, NULL);
  self->default_mode = g_strdup (default_mode);
  return self;
}

gboolean
cw_trust_store_load (CwTrustStore *self, GError **error)
{
  g_autofree gchar *system = NULL, *added = NULL, *state_path = NULL, *added_path = NULL, *mode = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) removed = NULL;
  gsize len = 0;

  g_return_val_if_fail (CW_IS_TRUST_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_mkdir_with_parents (self->dir, 0755) < 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot create “%s”: %s"), self->dir, g_strerror (errno));
    return FALSE;
  }
  if (g_file_get_contents (self->system_path, &system, &len, &local))
    self->system = cw_trust_entries_parse (system, len, TRUE, self->system_path);
  else {
    g_warning ("no system CA bundle: %s", local->message);
    self->system = cw_trust_entries_new ();
  }

  state_path = g_build_filename (self->dir, STATE_FILE, NULL);
  added_path = g_build_filename (self->dir, ADDED_FILE, NULL);
  g_clear_error (&local);
  if (!g_key_file_load_from_file (kf, state_path, G_KEY_FILE_NONE, &local)) {
    if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_warning ("%s: %s; starting again from the system bundle", state_path, local->message);
    /* first start: seeded from the system bundle */
    self->state = cw_trust_state_new (TRUE, self->default_mode);
  } else {
    mode = g_key_file_get_string (kf, "trust", "verification-mode", NULL);
    self->state = cw_trust_state_new (!g_key_file_has_key (kf, "trust", "include-system", NULL) ||
                               g_key_file_get_boolean (kf, "trust", "include-system", NULL),
                             cw_trust_store_mode_is_valid (mode, NULL) ? mode : self->default_mode);
    removed = g_key_file_get_string_list (kf, "trust", "removed", NULL, NULL);
    for (guint i = 0; removed != NULL && removed[i] != NULL; i++)
      g_hash_table_add (self->state->removed, g_strdup (removed[i]));
    if (g_file_get_contents (added_path, &added, &len, NULL)) {
      g_ptr_array_unref (self->state->added);
      self->state->added = cw_trust_entries_parse (added, len, FALSE, added_path);
    }
  }
  self->effective = cw_trust_state_effective (self->system, self->state);
  /* the system bundle may have changed since the last start */
  return write_state (self->dir, self->effective, self->state, error);
}

const gchar *
cw_trust_store_get_bundle_path (CwTrustStore *self)
{
  g_return_val_if_fail (CW_IS_TRUST_STORE (self), NULL);

  return self->bundle_path;
}

guint
cw_trust_store_get_count (CwTrustStore *self)
{
  g_return_val_if_fail (CW_IS_TRUST_STORE (self), 0);

  return self->effective->len;
}

GPtrArray *
cw_trust_store_list (CwTrustStore *self)
{
  g_return_val_if_fail (CW_IS_TRUST_STORE (self), NULL);

  return self->effective;
}

GBytes *
cw_trust_store_export (CwTrustStore *self)
{
  gchar *pem;

  g_return_val_if_fail (CW_IS_TRUST_STORE (self), NULL);

  pem = cw_trust_entries_to_pem (self->effective);

  return g_bytes_new_take (pem, strlen (pem));
}

const gchar *
cw_trust_store_get_mode (CwTrustStore *self)
{
  g_return_val_if_fail (CW_IS_TRUST_STORE (self), NULL);

  return self->state->mode;
}

/* ---- changes ------------------------------------------------------------ */

typedef enum { OP_ADD, OP_REPLACE, OP_REMOVE, OP_RESET, OP_MODE, OP_SHARED } Op;

typedef struct {
  Op          op;
  gchar      *dir;
  GPtrArray  *system;
  CwTrustState      *state;       /* the next state, made in the worker */
  GBytes     *data;
  gchar      *argument;    /* fingerprint or mode */
  GPtrArray  *effective;   /* result */
  gchar     **fingerprints;
  const CwTrustStoreBackend *backend;
  gpointer    backend_data;
  gboolean    unchanged;   /* OP_SHARED: the state here already */
} Change;

static void
change_free (Change *change)
{
  g_free (change->dir);
  g_ptr_array_unref (change->system);
  cw_trust_state_free (change->state);
  g_clear_pointer (&change->data, g_bytes_unref);
  g_free (change->argument);
  g_clear_pointer (&change->effective, g_ptr_array_unref);
  g_strfreev (change->fingerprints);
  g_free (change);
}

/* Certificates to trust from an upload: CA certificates, valid now, and no
 * private key (the trust store takes public certificates only). */
static GPtrArray *
parse_upload (GBytes *data, GError **error)
{
  g_autoptr(CwMaterial) material = cw_material_new (NULL);
  g_autoptr(GPtrArray) out = cw_trust_entries_new ();
  GPtrArray *certs;
  gint64 now = cw_clock_now ();

  if (!cw_material_add (material, _("upload"), g_bytes_get_data (data, NULL), g_bytes_get_size (data), error))
    return NULL;
  if (cw_material_get_keys (material)->len > 0) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                         _("the upload contains a private key; the trust store takes CA certificates only"));
    return NULL;
  }
  certs = cw_material_get_certs (material);
  if (certs->len == 0) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_NO_CERTIFICATE, _("no certificate found in the upload"));
    return NULL;
  }
  for (guint i = 0; i < certs->len; i++) {
    gnutls_x509_crt_t crt = g_ptr_array_index (certs, i);
    g_autofree gchar *who = cw_x509_crt_describe (crt);
    CwTrustEntry *entry;

    if (!cw_x509_crt_is_ca (crt)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("“%s” is not a CA certificate (basicConstraints CA:TRUE is missing); only CAs can be trusted"), who);
      return NULL;
    }
    if (gnutls_x509_crt_get_expiration_time (crt) < now) {
      g_autofree gchar *end = NULL;
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (gnutls_x509_crt_get_expiration_time (crt));

      end = dt != NULL ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");
      g_set_error (error, CW_ERROR, CW_ERROR_EXPIRED, _("“%s” expired on %s; an expired CA cannot be trusted"), who, end);
      return NULL;
    }
    entry = cw_trust_entry_new (crt, FALSE, error);
    if (entry == NULL)
      return NULL;
    g_ptr_array_add (out, entry);
  }
  return g_steal_pointer (&out);
}

static gboolean
in_system (GPtrArray *system, const gchar *fingerprint)
{
  for (guint i = 0; i < system->len; i++)
    if (g_str_equal (((CwTrustEntry *) g_ptr_array_index (system, i))->fingerprint, fingerprint))
      return TRUE;
  return FALSE;
}

static gchar *
normalize_fingerprint (const gchar *text)
{
  GString *out = g_string_new (NULL);

  for (const gchar *p = text; *p != '\0'; p++)
    if (*p != ':' && *p != ' ')
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (out, FALSE);
}

static gboolean
apply (Change *change, GError **error)
{
  CwTrustState *state = change->state;
  g_autoptr(GPtrArray) upload = NULL;
  g_autofree gchar *before = cw_trust_state_to_text (state), *after = NULL;

  if (change->op == OP_ADD || change->op == OP_REPLACE) {
    upload = parse_upload (change->data, error);
    if (upload == NULL)
      return FALSE;
  }
  switch (change->op) {
  case OP_REPLACE:
    state->include_system = FALSE;
    g_hash_table_remove_all (state->removed);
    g_ptr_array_set_size (state->added, 0);
    G_GNUC_FALLTHROUGH;
  case OP_ADD: {
    g_autoptr(GPtrArray) fps = g_ptr_array_new ();

    for (guint i = 0; i < upload->len; i++) {
      CwTrustEntry *entry = g_ptr_array_index (upload, i);
      gboolean present = FALSE;

      g_ptr_array_add (fps, g_strdup (entry->fingerprint));
      /* a system root taken out and uploaded again is simply back */
      if (state->include_system && g_hash_table_remove (state->removed, entry->fingerprint) &&
          in_system (change->system, entry->fingerprint))
        continue;
      for (guint j = 0; j < state->added->len && !present; j++)
        present = g_str_equal (((CwTrustEntry *) g_ptr_array_index (state->added, j))->fingerprint, entry->fingerprint);
      if (!present && !(state->include_system && in_system (change->system, entry->fingerprint)))
        g_ptr_array_add (state->added, cw_trust_entry_ref (entry));
    }
    g_ptr_array_add (fps, NULL);
    change->fingerprints = (gchar **) g_ptr_array_steal (fps, NULL);
    break;
  }
  case OP_REMOVE: {
    g_autofree gchar *fp = normalize_fingerprint (change->argument);
    gboolean found = FALSE;

    for (guint i = 0; i < state->added->len && !found; i++)
      if (g_str_equal (((CwTrustEntry *) g_ptr_array_index (state->added, i))->fingerprint, fp)) {
        g_ptr_array_remove_index (state->added, i);
        found = TRUE;
      }
    if (!found && state->include_system && in_system (change->system, fp) &&
        !g_hash_table_contains (state->removed, fp)) {
      g_hash_table_add (state->removed, g_strdup (fp));
      found = TRUE;
    }
    if (!found) {
      g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND, _("no trusted certificate has the fingerprint %s"),
                   change->argument);
      return FALSE;
    }
    break;
  }
  case OP_RESET:
    state->include_system = TRUE;
    g_hash_table_remove_all (state->removed);
    g_ptr_array_set_size (state->added, 0);
    break;
  case OP_MODE:
    g_free (state->mode);
    state->mode = g_strdup (change->argument);
    break;
  case OP_SHARED:
    state = cw_trust_state_from_text (g_bytes_get_data (change->data, NULL), g_bytes_get_size (change->data), error);
    if (state == NULL)
      return FALSE;
    cw_trust_state_free (change->state);
    change->state = state;
    break;
  }
  after = cw_trust_state_to_text (state);
  if (change->op == OP_SHARED && g_str_equal (before, after)) {
    /* this node's own change coming back, or one seen already */
    change->unchanged = TRUE;
    return TRUE;
  }
  /* shared first: the files only ever hold what the backend took */
  if (change->op != OP_SHARED && change->backend != NULL &&
      !change->backend->commit (change->backend_data, before, after, error))
    return FALSE;
  change->effective = cw_trust_state_effective (change->system, state);
  return write_state (change->dir, change->effective, state, error);
}

static void
change_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (!apply (task_data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
change_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwTrustStore *self = CW_TRUST_STORE (source);
  g_autoptr(GTask) task = user_data;
  Change *change = g_task_get_task_data (task);
  GError *error = NULL;

  self->busy = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    g_task_return_error (task, error);
    g_signal_emit (self, signals[SIGNAL_IDLE], 0);
    return;
  }
  if (change->unchanged) {
    g_task_return_boolean (task, TRUE);
    g_signal_emit (self, signals[SIGNAL_IDLE], 0);
    return;
  }
  cw_trust_state_free (self->state);
  self->state = g_steal_pointer (&change->state);
  g_ptr_array_unref (self->effective);
  self->effective = g_steal_pointer (&change->effective);
  g_message ("trust store changed: %u certificates, verification %s", self->effective->len, self->state->mode);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  g_task_return_boolean (task, TRUE);
  g_signal_emit (self, signals[SIGNAL_IDLE], 0);
}

gboolean
cw_trust_store_is_idle (CwTrustStore *self)
{
  return !self->busy;
}

static void
start_change (CwTrustStore *self, Op op, GBytes *data, const gchar *argument, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) work = NULL;
  Change *change;

  g_task_set_source_tag (task, tag);
  if (self->busy) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_BUSY,
                             _("another change of the trust store is in progress; try again when it has finished"));
    return;
  }
  if (data != NULL && g_bytes_get_size (data) > MAX_BUNDLE) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_DATA, _("the upload is larger than %d bytes"), MAX_BUNDLE);
    return;
  }
  change = g_new0 (Change, 1);
  change->op = op;
  change->dir = g_strdup (self->dir);
  change->system = g_ptr_array_ref (self->system);
  change->state = cw_trust_state_copy (self->state);
  change->data = data != NULL ? g_bytes_ref (data) : NULL;
  change->argument = g_strdup (argument);
  change->backend = self->backend;
  change->backend_data = self->backend_data;
  g_task_set_task_data (task, change, (GDestroyNotify) change_free);
  self->busy = TRUE;

  work = g_task_new (self, NULL, change_done, g_steal_pointer (&task));
  g_task_set_task_data (work, change, NULL);
  g_task_run_in_thread (work, change_thread);
}

void
cw_trust_store_add_async (CwTrustStore *self, GBytes *data, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (CW_IS_TRUST_STORE (self));

  start_change (self, OP_ADD, data, NULL, cancellable, callback, user_data, cw_trust_store_add_async);
}

gchar **
cw_trust_store_add_finish (CwTrustStore *self, GAsyncResult *result, GError **error)
{
  Change *change;

  g_return_val_if_fail (CW_IS_TRUST_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  change = g_task_get_task_data (G_TASK (result));
  return g_strdupv (change->fingerprints);
}

void
cw_trust_store_replace_async (CwTrustStore *self, GBytes *data, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (CW_IS_TRUST_STORE (self));

  start_change (self, OP_REPLACE, data, NULL, cancellable, callback, user_data, cw_trust_store_replace_async);
}

void
cw_trust_store_remove_async (CwTrustStore *self, const gchar *fingerprint, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (CW_IS_TRUST_STORE (self));

  start_change (self, OP_REMOVE, NULL, fingerprint, cancellable, callback, user_data, cw_trust_store_remove_async);
}

void
cw_trust_store_reset_async (CwTrustStore *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_return_if_fail (CW_IS_TRUST_STORE (self));

  start_change (self, OP_RESET, NULL, NULL, cancellable, callback, user_data, cw_trust_store_reset_async);
}

void
cw_trust_store_set_mode_async (CwTrustStore *self, const gchar *mode, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CW_IS_TRUST_STORE (self));

  if (!cw_trust_store_mode_is_valid (mode, &error)) {
    g_task_report_error (self, callback, user_data, cw_trust_store_set_mode_async, g_steal_pointer (&error));
    return;
  }
  start_change (self, OP_MODE, NULL, mode, cancellable, callback, user_data, cw_trust_store_set_mode_async);
}

gboolean
cw_trust_store_change_finish (CwTrustStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CW_IS_TRUST_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cw_trust_store_set_backend (CwTrustStore *self, const CwTrustStoreBackend *backend, gpointer user_data)
{
  g_return_if_fail (CW_IS_TRUST_STORE (self));

  self->backend = backend;
  self->backend_data = user_data;
}

void
cw_trust_store_apply_shared_async (CwTrustStore *self, GBytes *state, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (CW_IS_TRUST_STORE (self));

  start_change (self, OP_SHARED, state, NULL, cancellable, callback, user_data, cw_trust_store_apply_shared_async);
}
