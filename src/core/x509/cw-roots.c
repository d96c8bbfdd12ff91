/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Trusted roots kept as compact DER, looked up by subject. */
#include "config.h"

#include "cw-roots.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

struct _CwRoots {
  GHashTable *by_subject;   /* GBytes raw DN → GPtrArray of GBytes DER */
  guint       count;
};

CwRoots *
cw_roots_new (void)
{
  CwRoots *roots = g_atomic_rc_box_new0 (CwRoots);

  roots->by_subject = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref,
                                             (GDestroyNotify) g_ptr_array_unref);
  return roots;
}

CwRoots *
cw_roots_ref (CwRoots *roots)
{
  g_return_val_if_fail (roots != NULL, NULL);

  return g_atomic_rc_box_acquire (roots);
}

static void
roots_clear (CwRoots *roots)
{
  g_hash_table_unref (roots->by_subject);
}

void
cw_roots_unref (CwRoots *roots)
{
  g_atomic_rc_box_release_full (roots, (GDestroyNotify) roots_clear);
}

static void
add_der (CwRoots *roots, const guint8 *der, gsize len)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(CwDatum) dn = { 0 };
  gnutls_datum_t datum = { (guint8 *) der, (guint) len };
  g_autoptr(GBytes) key = NULL;
  GPtrArray *list;

  gnutls_x509_crt_init (&crt);
  if (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_DER) < 0 || gnutls_x509_crt_get_raw_dn (crt, &dn) < 0)
    return;
  key = g_bytes_new (dn.data, dn.size);
  list = g_hash_table_lookup (roots->by_subject, key);
  if (list == NULL) {
    list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_hash_table_insert (roots->by_subject, g_bytes_ref (key), list);
  }
  g_ptr_array_add (list, g_bytes_new (der, len));
  roots->count++;
}

static void
add_one (const guint8 *der, gsize len, guint index, gpointer user_data)
{
  if (der != NULL)
    add_der (user_data, der, len);
}

gboolean
cw_roots_add_file (CwRoots *roots, const gchar *path, GError **error)
{
  g_autofree gchar *text = NULL;
  gsize len = 0;

  g_return_val_if_fail (roots != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_file_get_contents (path, &text, &len, error))
    return FALSE;
  cw_pem_foreach_certificate (text, len, add_one, roots);
  return TRUE;
}

guint
cw_roots_get_count (CwRoots *roots)
{
  g_return_val_if_fail (roots != NULL, 0);

  return roots->count;
}

static GPtrArray *
issuers_of (CwRoots *roots, gnutls_x509_crt_t crt)
{
  g_auto(CwDatum) dn = { 0 };
  g_autoptr(GBytes) key = NULL;

  if (gnutls_x509_crt_get_raw_issuer_dn (crt, &dn) < 0)
    return NULL;
  key = g_bytes_new (dn.data, dn.size);
  return g_hash_table_lookup (roots->by_subject, key);
}

gboolean
cw_roots_knows_issuer_of (CwRoots *roots, gnutls_x509_crt_t crt)
{
  g_return_val_if_fail (roots != NULL, FALSE);

  return issuers_of (roots, crt) != NULL;
}

void
cw_roots_add_issuers_to (CwRoots *roots, gnutls_x509_crt_t crt, gnutls_x509_trust_list_t list)
{
  GPtrArray *ders;

  g_return_if_fail (roots != NULL);

  ders = issuers_of (roots, crt);

  for (guint i = 0; ders != NULL && i < ders->len; i++) {
    gsize len = 0;
    const guint8 *der = g_bytes_get_data (g_ptr_array_index (ders, i), &len);
    gnutls_datum_t datum = { (guint8 *) der, (guint) len };
    gnutls_x509_crt_t ca;

    gnutls_x509_crt_init (&ca);
    if (gnutls_x509_crt_import (ca, &datum, GNUTLS_X509_FMT_DER) < 0 ||
        gnutls_x509_trust_list_add_cas (list, &ca, 1, 0) != 1)   /* the list owns it now */
      gnutls_x509_crt_deinit (ca);
  }
}
