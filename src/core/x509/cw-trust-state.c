/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trust store's entries (shared, never modified) and its state (what
 * the administrator chose: the system bundle or not, system certificates
 * taken out, certificates added, the verification mode), as text to keep
 * or share, and the effective set it makes with a system bundle. */
#include "config.h"

#include "cw-trust-state.h"
#include "cw-error.h"
#include "cw-material.h"

#include <glib/gi18n.h>
#include <string.h>

/* ---- entries and states ------------------------------------------------- */

static void
entry_clear (CwTrustEntry *entry)
{
  g_free (entry->fingerprint);
  g_free (entry->subject);
  g_free (entry->issuer);
  g_free (entry->serial);
  g_free (entry->pem);
}

CwTrustEntry *
cw_trust_entry_ref (CwTrustEntry *entry)
{
  return g_atomic_rc_box_acquire (entry);
}

void
cw_trust_entry_unref (CwTrustEntry *entry)
{
  g_atomic_rc_box_release_full (entry, (GDestroyNotify) entry_clear);
}

CwTrustEntry *
cw_trust_entry_new (gnutls_x509_crt_t crt, gboolean from_system, GError **error)
{
  g_autoptr(CwCertInfo) info = cw_cert_info_new (crt, error);
  CwTrustEntry *entry;
  gchar *pem;

  if (info == NULL || (pem = cw_x509_crt_export_pem (crt, error)) == NULL)
    return NULL;
  entry = g_atomic_rc_box_new0 (CwTrustEntry);
  entry->fingerprint = g_strdup (info->fingerprint);
  entry->subject = g_strdup (info->subject);
  entry->issuer = g_strdup (info->issuer);
  entry->serial = g_strdup (info->serial);
  entry->not_before = info->not_before;
  entry->not_after = info->not_after;
  entry->from_system = from_system;
  entry->pem = pem;
  return entry;
}

GPtrArray *
cw_trust_entries_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) cw_trust_entry_unref);
}

void
cw_trust_state_free (CwTrustState *state)
{
  if (state == NULL)
    return;
  g_hash_table_unref (state->removed);
  g_ptr_array_unref (state->added);
  g_free (state->mode);
  g_free (state);
}

CwTrustState *
cw_trust_state_new (gboolean include_system, const gchar *mode)
{
  CwTrustState *state = g_new0 (CwTrustState, 1);

  state->include_system = include_system;
  state->removed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  state->added = cw_trust_entries_new ();
  state->mode = g_strdup (mode);
  return state;
}

CwTrustState *
cw_trust_state_copy (const CwTrustState *state)
{
  CwTrustState *copy = cw_trust_state_new (state->include_system, state->mode);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, state->removed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (copy->removed, g_strdup (key));
  for (guint i = 0; i < state->added->len; i++)
    g_ptr_array_add (copy->added, cw_trust_entry_ref (g_ptr_array_index (state->added, i)));
  return copy;
}

static gint
compare_subjects (gconstpointer a, gconstpointer b)
{
  const CwTrustEntry *x = *(CwTrustEntry **) a, *y = *(CwTrustEntry **) b;
  gint c = g_strcmp0 (x->subject, y->subject);

  return c != 0 ? c : g_strcmp0 (x->fingerprint, y->fingerprint);
}

/* (system − removed) ∪ added, without duplicates */
GPtrArray *
cw_trust_state_effective (GPtrArray *system, const CwTrustState *state)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *out = cw_trust_entries_new ();

  for (guint i = 0; state->include_system && i < system->len; i++) {
    CwTrustEntry *entry = g_ptr_array_index (system, i);

    if (!g_hash_table_contains (state->removed, entry->fingerprint) && g_hash_table_add (seen, entry->fingerprint))
      g_ptr_array_add (out, cw_trust_entry_ref (entry));
  }
  for (guint i = 0; i < state->added->len; i++) {
    CwTrustEntry *entry = g_ptr_array_index (state->added, i);

    if (g_hash_table_add (seen, entry->fingerprint))
      g_ptr_array_add (out, cw_trust_entry_ref (entry));
  }
  g_ptr_array_sort (out, compare_subjects);
  return out;
}

gchar *
cw_trust_entries_to_pem (GPtrArray *entries)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < entries->len; i++) {
    CwTrustEntry *entry = g_ptr_array_index (entries, i);

    g_string_append_printf (out, "# %s\n%s", entry->subject, entry->pem);
  }
  return g_string_free (out, FALSE);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* The state as text, the same for the same state (removed sorted, added
 * in order): what a backend shares, and how a shared state is compared. */
gchar *
cw_trust_state_to_text (const CwTrustState *state)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GPtrArray) removed = g_ptr_array_new ();
  g_autofree gchar *added = cw_trust_entries_to_pem (state->added);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, state->removed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (removed, key);
  g_ptr_array_sort (removed, compare_strings);
  g_key_file_set_boolean (kf, "trust", "include-system", state->include_system);
  g_key_file_set_string_list (kf, "trust", "removed", (const gchar * const *) removed->pdata, removed->len);
  g_key_file_set_string (kf, "trust", "verification-mode", state->mode);
  g_key_file_set_string (kf, "trust", "added", added);
  return g_key_file_to_data (kf, NULL, NULL);
}

/* one of the modes (declared in cw-trust-store.h): kept with the state,
 * which checks what it reads */
gboolean
cw_trust_store_mode_is_valid (const gchar *mode, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_strcmp0 (mode, "none") == 0 || g_strcmp0 (mode, "outgoing") == 0 || g_strcmp0 (mode, "all") == 0)
    return TRUE;
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
               _("unknown verification mode “%s”; use none, outgoing or all"), mode != NULL ? mode : "");
  return FALSE;
}

CwTrustState *
cw_trust_state_from_text (const gchar *text, gsize len, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *mode = NULL, *added = NULL;
  g_auto(GStrv) removed = NULL;
  CwTrustState *state;

  if (!g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, error))
    return NULL;
  mode = g_key_file_get_string (kf, "trust", "verification-mode", NULL);
  if (!cw_trust_store_mode_is_valid (mode, error))
    return NULL;
  state = cw_trust_state_new (g_key_file_get_boolean (kf, "trust", "include-system", NULL), mode);
  removed = g_key_file_get_string_list (kf, "trust", "removed", NULL, NULL);
  for (guint i = 0; removed != NULL && removed[i] != NULL; i++)
    g_hash_table_add (state->removed, g_strdup (removed[i]));
  added = g_key_file_get_string (kf, "trust", "added", NULL);
  if (added != NULL) {
    g_ptr_array_unref (state->added);
    state->added = cw_trust_entries_parse (added, strlen (added), FALSE, _("the shared trust store"));
  }
  return state;
}

/* ---- entries from PEM -------------------------------------------------- */

typedef struct {
  GPtrArray   *out;
  gboolean     from_system;
  const gchar *what;
} Parse;

static void
parse_one (const guint8 *der, gsize len, guint index, gpointer user_data)
{
  Parse *parse = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(gnutls_x509_crt_t) crt = der != NULL ? cw_x509_crt_import (der, len, GNUTLS_X509_FMT_DER, &error) : NULL;
  CwTrustEntry *entry = crt != NULL ? cw_trust_entry_new (crt, parse->from_system, &error) : NULL;

  if (entry != NULL)
    g_ptr_array_add (parse->out, entry);
  else
    g_warning ("%s: certificate %u skipped: %s", parse->what, index,
               error != NULL ? error->message : _("not valid base64"));
}

/* Entries from PEM text; what does not parse is skipped with a warning,
 * so one damaged certificate in the system bundle costs only itself. */
GPtrArray *
cw_trust_entries_parse (const gchar *data, gsize len, gboolean from_system, const gchar *what)
{
  Parse parse = { cw_trust_entries_new (), from_system, what };

  cw_pem_foreach_certificate (data, len, parse_one, &parse);
  return parse.out;
}
