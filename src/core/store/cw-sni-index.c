/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hash index FindForName answers from: identities, wildcards, roles, tenants. */
#include "config.h"

#include "cw-sni-index.h"
#include "cw-names.h"

/* What a lookup needs of a certificate, copied when it is indexed */
typedef struct {
  gchar     *id;
  gchar     *name;
  gint64     not_before, not_after;
  gboolean   key_matches;
  GStrv      roles;
  GPtrArray *keys;       /* "e:<identity>" or "w:<wildcard base>" it is filed under */
} Entry;

struct _CwSniIndex {
  GMutex      lock;
  GHashTable *exact;      /* identity → GPtrArray of Entry (borrowed) */
  GHashTable *wildcard;   /* base → GPtrArray of Entry */
  GPtrArray  *shaken;     /* entries with the stir-shaken role */
  GHashTable *entries;    /* id → Entry (owned) */
  gchar      *default_id;
};

static void
entry_free (Entry *entry)
{
  g_free (entry->id);
  g_free (entry->name);
  g_strfreev (entry->roles);
  g_ptr_array_unref (entry->keys);
  g_free (entry);
}

CwSniIndex *
cw_sni_index_new (void)
{
  CwSniIndex *index = g_new0 (CwSniIndex, 1);

  g_mutex_init (&index->lock);
  index->exact = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  index->wildcard = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  index->shaken = g_ptr_array_new ();
  index->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
  return index;
}

void
cw_sni_index_free (CwSniIndex *index)
{
  if (index == NULL)
    return;
  g_hash_table_unref (index->exact);
  g_hash_table_unref (index->wildcard);
  g_ptr_array_unref (index->shaken);
  g_hash_table_unref (index->entries);
  g_free (index->default_id);
  g_mutex_clear (&index->lock);
  g_free (index);
}

static void
bucket_add (GHashTable *table, const gchar *key, Entry *entry)
{
  GPtrArray *bucket = g_hash_table_lookup (table, key);

  if (bucket == NULL) {
    bucket = g_ptr_array_new ();
    g_hash_table_insert (table, g_strdup (key), bucket);
  }
  if (!g_ptr_array_find (bucket, entry, NULL))
    g_ptr_array_add (bucket, entry);
}

static void
bucket_remove (GHashTable *table, const gchar *key, Entry *entry)
{
  GPtrArray *bucket = g_hash_table_lookup (table, key);

  if (bucket == NULL)
    return;
  g_ptr_array_remove_fast (bucket, entry);
  if (bucket->len == 0)
    g_hash_table_remove (table, key);
}

/* with the lock held */
static void
remove_entry (CwSniIndex *index, const gchar *id)
{
  Entry *entry = g_hash_table_lookup (index->entries, id);

  if (entry == NULL)
    return;
  for (guint i = 0; i < entry->keys->len; i++) {
    const gchar *key = g_ptr_array_index (entry->keys, i);

    bucket_remove (key[0] == 'w' ? index->wildcard : index->exact, key + 2, entry);
  }
  g_ptr_array_remove_fast (index->shaken, entry);
  g_hash_table_remove (index->entries, id);
}

void
cw_sni_index_remove (CwSniIndex *index, CwCertificate *cert)
{
  g_mutex_lock (&index->lock);
  remove_entry (index, cw_certificate_get_id (cert));
  g_mutex_unlock (&index->lock);
}

void
cw_sni_index_update (CwSniIndex *index, CwCertificate *cert)
{
  const CwCertInfo *info = cw_certificate_get_info (cert);
  Entry *entry = g_new0 (Entry, 1);

  /* everything a lookup reads is copied here, outside the lock */
  entry->id = g_strdup (cw_certificate_get_id (cert));
  entry->name = g_strdup (cw_certificate_get_name (cert));
  entry->not_before = info != NULL ? info->not_before : G_MAXINT64;
  entry->not_after = info != NULL ? info->not_after : G_MININT64;
  entry->key_matches = cw_certificate_get_key_matches (cert);
  entry->roles = g_strdupv ((gchar **) cw_certificate_get_roles (cert));
  entry->keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; info != NULL && info->identities[i] != NULL; i++) {
    g_autofree gchar *id = cw_identity_normalize (info->identities[i]);
    const gchar *base = cw_identity_wildcard_base (id);

    g_ptr_array_add (entry->keys, base != NULL ? g_strconcat ("w:", base, NULL) : g_strconcat ("e:", id, NULL));
  }

  g_mutex_lock (&index->lock);
  remove_entry (index, entry->id);
  g_hash_table_insert (index->entries, entry->id, entry);
  for (guint i = 0; i < entry->keys->len; i++) {
    const gchar *key = g_ptr_array_index (entry->keys, i);

    bucket_add (key[0] == 'w' ? index->wildcard : index->exact, key + 2, entry);
  }
  if (entry->roles != NULL && g_strv_contains ((const gchar * const *) entry->roles, "stir-shaken"))
    g_ptr_array_add (index->shaken, entry);
  g_mutex_unlock (&index->lock);
}

void
cw_sni_index_set_default (CwSniIndex *index, const gchar *id)
{
  g_mutex_lock (&index->lock);
  g_free (index->default_id);
  index->default_id = g_strdup (id);
  g_mutex_unlock (&index->lock);
}

static gboolean
usable (const Entry *entry, const gchar *role, gint64 now)
{
  return entry->not_before <= now && now <= entry->not_after && entry->key_matches && entry->roles != NULL &&
         g_strv_contains ((const gchar * const *) entry->roles, role);
}

gboolean
cw_sni_usable (CwCertificate *cert, const gchar *role, gint64 now)
{
  const CwCertInfo *info = cw_certificate_get_info (cert);

  return info != NULL && info->not_before <= now && now <= info->not_after &&
         cw_certificate_get_key_matches (cert) && cw_certificate_has_role (cert, role);
}

/* Among equals, the one that expires last; ties by name, so the answer does
 * not depend on hash order. */
static Entry *
best_of (GPtrArray *candidates, const gchar *role, gint64 now, guint *examined)
{
  Entry *best = NULL;

  if (candidates != NULL)
    *examined += candidates->len;
  for (guint i = 0; candidates != NULL && i < candidates->len; i++) {
    Entry *entry = g_ptr_array_index (candidates, i);

    if (!usable (entry, role, now))
      continue;
    if (best == NULL || entry->not_after > best->not_after ||
        (entry->not_after == best->not_after && g_strcmp0 (entry->name, best->name) < 0))
      best = entry;
  }
  return best;
}

/* with the lock held */
static Entry *
lookup (CwSniIndex *index, const gchar *name, const gchar *role, gint64 now, guint *examined)
{
  Entry *found;
  const gchar *parent;

  found = best_of (g_hash_table_lookup (index->exact, name), role, now, examined);
  if (found != NULL)
    return found;
  /* a wildcard covers exactly one label: a.example.com, not a.b.example.com */
  parent = cw_identity_is_ip (name) ? NULL : cw_identity_parent (name);
  if (parent != NULL) {
    found = best_of (g_hash_table_lookup (index->wildcard, parent), role, now, examined);
    if (found != NULL)
      return found;
  }
  if (g_str_equal (role, "stir-shaken")) {
    found = best_of (index->shaken, role, now, examined);
    if (found != NULL)
      return found;
  }
  found = index->default_id != NULL ? g_hash_table_lookup (index->entries, index->default_id) : NULL;
  return found != NULL && usable (found, role, now) ? found : NULL;
}

gchar *
cw_sni_index_lookup (CwSniIndex *index, const gchar *hostname, const gchar *role, gint64 now, guint *examined)
{
  g_autofree gchar *name = cw_identity_normalize (hostname);
  guint count = 0;
  Entry *found;
  gchar *id;

  if (role == NULL || *role == '\0')
    role = "server";
  g_mutex_lock (&index->lock);
  found = lookup (index, name, role, now, &count);
  id = found != NULL ? g_strdup (found->id) : NULL;
  g_mutex_unlock (&index->lock);
  if (examined != NULL)
    *examined = count;
  return id;
}
