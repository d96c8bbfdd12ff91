/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "cw-sni-index.h"
#include "cw-names.h"

struct _CwSniIndex {
  GHashTable *exact;      /* identity → GPtrArray of CwCertificate (borrowed) */
  GHashTable *wildcard;   /* base → GPtrArray */
  GPtrArray  *shaken;     /* certificates with the stir-shaken role */
  GHashTable *keys;       /* CwCertificate → GPtrArray of the keys it is under */
  guint       examined;   /* by the last lookup */
};

CwSniIndex *
cw_sni_index_new (void)
{
  CwSniIndex *index = g_new0 (CwSniIndex, 1);

  index->exact = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  index->wildcard = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  index->shaken = g_ptr_array_new ();
  index->keys = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
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
  g_hash_table_unref (index->keys);
  g_free (index);
}

static void
bucket_add (GHashTable *table, const gchar *key, CwCertificate *cert)
{
  GPtrArray *bucket = g_hash_table_lookup (table, key);

  if (bucket == NULL) {
    bucket = g_ptr_array_new ();
    g_hash_table_insert (table, g_strdup (key), bucket);
  }
  if (!g_ptr_array_find (bucket, cert, NULL))
    g_ptr_array_add (bucket, cert);
}

static void
bucket_remove (GHashTable *table, const gchar *key, CwCertificate *cert)
{
  GPtrArray *bucket = g_hash_table_lookup (table, key);

  if (bucket == NULL)
    return;
  g_ptr_array_remove_fast (bucket, cert);
  if (bucket->len == 0)
    g_hash_table_remove (table, key);
}

void
cw_sni_index_remove (CwSniIndex *index, CwCertificate *cert)
{
  GPtrArray *keys = g_hash_table_lookup (index->keys, cert);

  for (guint i = 0; keys != NULL && i < keys->len; i++) {
    const gchar *key = g_ptr_array_index (keys, i);

    /* "w:" and "e:" say which table the key is in */
    bucket_remove (key[0] == 'w' ? index->wildcard : index->exact, key + 2, cert);
  }
  g_hash_table_remove (index->keys, cert);
  g_ptr_array_remove_fast (index->shaken, cert);
}

void
cw_sni_index_update (CwSniIndex *index, CwCertificate *cert)
{
  const CwCertInfo *info = cw_certificate_get_info (cert);
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);

  cw_sni_index_remove (index, cert);
  for (guint i = 0; info != NULL && info->identities[i] != NULL; i++) {
    g_autofree gchar *id = cw_identity_normalize (info->identities[i]);
    const gchar *base = cw_identity_wildcard_base (id);

    if (base != NULL) {
      bucket_add (index->wildcard, base, cert);
      g_ptr_array_add (keys, g_strconcat ("w:", base, NULL));
    } else {
      bucket_add (index->exact, id, cert);
      g_ptr_array_add (keys, g_strconcat ("e:", id, NULL));
    }
  }
  g_hash_table_insert (index->keys, cert, keys);
  if (cw_certificate_has_role (cert, "stir-shaken"))
    g_ptr_array_add (index->shaken, cert);
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
static CwCertificate *
best_of (CwSniIndex *index, GPtrArray *candidates, const gchar *role, gint64 now)
{
  CwCertificate *best = NULL;

  if (candidates != NULL)
    index->examined += candidates->len;
  for (guint i = 0; candidates != NULL && i < candidates->len; i++) {
    CwCertificate *cert = g_ptr_array_index (candidates, i);
    gint64 end, best_end;

    if (!cw_sni_usable (cert, role, now))
      continue;
    if (best == NULL) {
      best = cert;
      continue;
    }
    end = cw_certificate_get_info (cert)->not_after;
    best_end = cw_certificate_get_info (best)->not_after;
    if (end > best_end ||
        (end == best_end && g_strcmp0 (cw_certificate_get_name (cert), cw_certificate_get_name (best)) < 0))
      best = cert;
  }
  return best;
}

CwCertificate *
cw_sni_index_lookup (CwSniIndex *index, const gchar *hostname, const gchar *role, gint64 now,
                     CwCertificate *fallback)
{
  g_autofree gchar *name = cw_identity_normalize (hostname);
  CwCertificate *found;
  const gchar *parent;

  if (role == NULL || *role == '\0')
    role = "server";
  index->examined = 0;
  found = best_of (index, g_hash_table_lookup (index->exact, name), role, now);
  if (found != NULL)
    return found;
  /* a wildcard covers exactly one label: a.example.com, not a.b.example.com */
  parent = cw_identity_is_ip (name) ? NULL : cw_identity_parent (name);
  if (parent != NULL) {
    found = best_of (index, g_hash_table_lookup (index->wildcard, parent), role, now);
    if (found != NULL)
      return found;
  }
  if (g_str_equal (role, "stir-shaken")) {
    found = best_of (index, index->shaken, role, now);
    if (found != NULL)
      return found;
  }
  if (fallback != NULL && cw_sni_usable (fallback, role, now))
    return fallback;
  return NULL;
}

guint
cw_sni_index_get_examined (CwSniIndex *index)
{
  return index->examined;
}
