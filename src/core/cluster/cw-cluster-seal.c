/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private keys sealed at rest with the cluster's shared key file (AES-256-GCM, GnuTLS). */
#include "config.h"

#include "cw-cluster-seal.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>
#include <sys/stat.h>

#define MAGIC "CWS1"
#define MAGIC_LEN 4
#define NONCE_LEN 12
#define TAG_LEN 16
#define KEY_LEN 32
#define MIN_FILE 32

struct _CwClusterSeal {
  guint8  key[KEY_LEN];
  gchar  *id;
  gboolean on;
};

CwClusterSeal *
cw_cluster_seal_new (const gchar *path, GError **error)
{
  g_autoptr(CwClusterSeal) seal = g_new0 (CwClusterSeal, 1);
  g_autofree gchar *contents = NULL;
  gsize length = 0;
  GStatBuf st;

  if (path == NULL || *path == '\0') {
    seal->id = g_strdup ("");
    return g_steal_pointer (&seal);
  }
  if (g_stat (path, &st) != 0 || !g_file_get_contents (path, &contents, &length, NULL)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("[cluster] key-file %s cannot be read"), path);
    return NULL;
  }
  if ((st.st_mode & 0077) != 0) {
    explicit_bzero (contents, length);
    g_set_error (error, CW_ERROR, CW_ERROR_PERMISSION_DENIED,
                 _("[cluster] key-file %s can be read by others: make it mode 0600"), path);
    return NULL;
  }
  if (length < MIN_FILE) {
    explicit_bzero (contents, length);
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("[cluster] key-file %s is too short: it needs at least %d random bytes"), path, MIN_FILE);
    return NULL;
  }
  gnutls_hash_fast (GNUTLS_DIG_SHA256, contents, length, seal->key);
  /* the id: a hash of the key under a label, so it reveals nothing of it */
  {
    g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

    g_checksum_update (sum, (const guchar *) "certward cluster key id", 23);
    g_checksum_update (sum, seal->key, KEY_LEN);
    seal->id = g_strndup (g_checksum_get_string (sum), 16);
  }
  explicit_bzero (contents, length);
  seal->on = TRUE;
  return g_steal_pointer (&seal);
}

void
cw_cluster_seal_free (CwClusterSeal *seal)
{
  if (seal == NULL)
    return;
  explicit_bzero (seal->key, sizeof seal->key);
  g_free (seal->id);
  g_free (seal);
}

const gchar *
cw_cluster_seal_get_id (CwClusterSeal *seal)
{
  return seal->id;
}

static gnutls_aead_cipher_hd_t
open_cipher (CwClusterSeal *seal, GError **error)
{
  gnutls_aead_cipher_hd_t cipher = NULL;
  gnutls_datum_t key = { seal->key, KEY_LEN };
  int ret = gnutls_aead_cipher_init (&cipher, GNUTLS_CIPHER_AES_256_GCM, &key);

  if (ret < 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_FAILED, "AES-256-GCM: %s", gnutls_strerror (ret));
    return NULL;
  }
  return cipher;
}

GBytes *
cw_cluster_seal (CwClusterSeal *seal, GBytes *plain, const gchar *context, GError **error)
{
  gnutls_aead_cipher_hd_t cipher;
  gsize plain_len = 0;
  const guint8 *data = g_bytes_get_data (plain, &plain_len);
  gsize out_len = plain_len + TAG_LEN;
  g_autofree guint8 *out = g_malloc (MAGIC_LEN + NONCE_LEN + out_len);
  int ret;

  if (!seal->on)
    return g_bytes_ref (plain);
  memcpy (out, MAGIC, MAGIC_LEN);
  ret = gnutls_rnd (GNUTLS_RND_NONCE, out + MAGIC_LEN, NONCE_LEN);
  if (ret < 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_FAILED, "%s", gnutls_strerror (ret));
    return NULL;
  }
  if ((cipher = open_cipher (seal, error)) == NULL)
    return NULL;
  ret = gnutls_aead_cipher_encrypt (cipher, out + MAGIC_LEN, NONCE_LEN, context, strlen (context), TAG_LEN,
                                    data, plain_len, out + MAGIC_LEN + NONCE_LEN, &out_len);
  gnutls_aead_cipher_deinit (cipher);
  if (ret < 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_FAILED, "AES-256-GCM: %s", gnutls_strerror (ret));
    return NULL;
  }
  return g_bytes_new_take (g_steal_pointer (&out), MAGIC_LEN + NONCE_LEN + out_len);
}

GBytes *
cw_cluster_unseal (CwClusterSeal *seal, GBytes *sealed, const gchar *key_id, const gchar *context, GError **error)
{
  gnutls_aead_cipher_hd_t cipher;
  gsize length = 0, out_len;
  const guint8 *data = g_bytes_get_data (sealed, &length);
  g_autofree guint8 *out = NULL;
  int ret;

  if (key_id == NULL || *key_id == '\0') {
    /* a node with a key-file takes only what a node with it wrote: anyone
     * who can write to the database could otherwise hand every node a
     * root CA, a key or a provider */
    if (seal->on) {
      g_set_error_literal (error, CW_ERROR, CW_ERROR_PERMISSION_DENIED,
                           _("This object in the cluster database is not sealed, and this node has a [cluster] "
                             "key-file: refused (it was written by a node without the key-file, or by someone "
                             "else with access to the database)"));
      return NULL;
    }
    return g_bytes_ref (sealed);
  }
  if (!seal->on || !g_str_equal (key_id, seal->id)) {
    if (!seal->on)
      g_set_error (error, CW_ERROR, CW_ERROR_PERMISSION_DENIED,
                   _("This key is sealed with cluster key %s, and this node has no [cluster] key-file"), key_id);
    else
      g_set_error (error, CW_ERROR, CW_ERROR_PERMISSION_DENIED,
                   _("This key is sealed with cluster key %s, but this node's [cluster] key-file is key %s"),
                   key_id, seal->id);
    return NULL;
  }
  if (length < MAGIC_LEN + NONCE_LEN + TAG_LEN || memcmp (data, MAGIC, MAGIC_LEN) != 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("A sealed key in the cluster database is damaged"));
    return NULL;
  }
  out_len = length - MAGIC_LEN - NONCE_LEN;
  out = g_malloc (out_len);
  if ((cipher = open_cipher (seal, error)) == NULL)
    return NULL;
  ret = gnutls_aead_cipher_decrypt (cipher, data + MAGIC_LEN, NONCE_LEN, context, strlen (context), TAG_LEN,
                                    data + MAGIC_LEN + NONCE_LEN, length - MAGIC_LEN - NONCE_LEN, out, &out_len);
  gnutls_aead_cipher_deinit (cipher);
  if (ret < 0) {
    explicit_bzero (out, length - MAGIC_LEN - NONCE_LEN);
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                 _("A sealed key in the cluster database does not open: damaged, or moved from another row"));
    return NULL;
  }
  return g_bytes_new_take (g_steal_pointer (&out), out_len);
}
