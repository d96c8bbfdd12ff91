/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Revision directories on disk: written whole, committed by one symlink rename, read, pruned. */
#include "config.h"

#include "cw-revision.h"
#include "cw-certificate.h"
#include "cw-error.h"
#include "cw-fs.h"

#include <dirent.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE_SIZE (1024 * 1024)

void
cw_revision_free (CwRevision *rev)
{
  if (rev == NULL)
    return;
  g_free (rev->source);
  g_strfreev (rev->warnings);
  cw_cert_info_free (rev->info);
  g_free (rev);
}

gchar *
cw_revision_dir_name (guint number)
{
  return g_strdup_printf ("rev-%u", number);
}

static gboolean
parse_dir_name (const gchar *name, guint *number)
{
  guint64 n = 0;

  if (!g_str_has_prefix (name, "rev-"))
    return FALSE;
  if (!g_ascii_string_to_unsigned (name + 4, 10, 1, G_MAXUINT, &n, NULL))
    return FALSE;
  *number = n;
  return TRUE;
}

static gboolean
write_text (int dirfd, CwCertFile file, const gchar *text, GError **error)
{
  mode_t mode = file == CW_CERT_FILE_KEY ? 0600 : 0644;

  return cw_fs_write_new_at (dirfd, cw_cert_file_name (file), text, strlen (text), mode, error);
}

/* key.pem readable by @gid too (0640 root:gid), or by root only (-1). */
static gboolean
key_access (int revfd, const gchar *what, gint gid, GError **error)
{
  const gchar *key = cw_cert_file_name (CW_CERT_FILE_KEY);

  if (fchownat (revfd, key, (uid_t) -1, gid >= 0 ? (gid_t) gid : getegid (), AT_SYMLINK_NOFOLLOW) < 0 ||
      fchmodat (revfd, key, gid >= 0 ? 0640 : 0600, 0) < 0) {
    return cw_fs_error (error, errno, _("cannot give the group access to %s/%s"), what, key);
  }
  return TRUE;
}

gboolean
cw_revision_write (int cert_dirfd, guint number, const gchar *source, CwBundle *bundle, gint key_gid,
                   GError **error)
{
  g_autofree gchar *name = cw_revision_dir_name (number);
  g_autofree gchar *cert = NULL, *chain = NULL, *key = NULL, *fullchain = NULL, *meta = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(CwFd) revfd = -1;

  cert = cw_bundle_get_cert_pem (bundle, error);
  if (cert == NULL)
    return FALSE;
  chain = cw_bundle_get_chain_pem (bundle, error);
  if (chain == NULL)
    return FALSE;
  key = cw_bundle_get_key_pem (bundle, error);
  if (key == NULL)
    return FALSE;
  fullchain = g_strconcat (cert, chain, NULL);

  g_key_file_set_uint64 (kf, "revision", "number", number);
  g_key_file_set_string (kf, "revision", "source", source);
  g_key_file_set_int64 (kf, "revision", "created", g_get_real_time () / G_USEC_PER_SEC);
  g_key_file_set_string_list (kf, "revision", "warnings",
                              (const gchar * const *) bundle->warnings->pdata, bundle->warnings->len);
  /* what the leaf says, so that a start need not parse ten thousand
   * certificates (the store audits the files in the background) */
  {
    g_autoptr(CwCertInfo) info = cw_cert_info_new (g_ptr_array_index (bundle->certs, 0), NULL);

    if (info != NULL) {
      cw_cert_info_save (info, kf, "info");
      g_key_file_set_boolean (kf, "info", "key-matches", TRUE);
    }
  }
  meta = g_key_file_to_data (kf, NULL, NULL);

  /* a directory of that name can only be a leftover of a crash */
  if (!cw_fs_remove_tree_at (cert_dirfd, name, error))
    return FALSE;
  if (!cw_fs_mkdir_at (cert_dirfd, name, 0755, error))
    return FALSE;
  revfd = cw_fs_open_dir (cert_dirfd, name, FALSE, error);
  if (revfd < 0 ||
      !write_text (revfd, CW_CERT_FILE_KEY, key, error) ||
      (key_gid >= 0 && !key_access (revfd, name, key_gid, error)) ||
      !write_text (revfd, CW_CERT_FILE_CERT, cert, error) ||
      !write_text (revfd, CW_CERT_FILE_CHAIN, chain, error) ||
      !write_text (revfd, CW_CERT_FILE_FULLCHAIN, fullchain, error) ||
      !cw_fs_write_new_at (revfd, "revision.ini", meta, strlen (meta), 0644, error) ||
      !cw_fs_fsync (revfd, name, error) ||
      !cw_fs_fsync (cert_dirfd, name, error)) {
    cw_fs_remove_tree_at (cert_dirfd, name, NULL);
    explicit_bzero (key, strlen (key));
    return FALSE;
  }
  explicit_bzero (key, strlen (key));
  return TRUE;
}

gboolean
cw_revision_commit (int cert_dirfd, guint number, GError **error)
{
  g_autofree gchar *name = cw_revision_dir_name (number);

  return cw_fs_swap_symlink_at (cert_dirfd, name, "current", error);
}

static GPtrArray *
load_pem_certs (int dirfd, const gchar *name, gboolean required, GError **error)
{
  g_autoptr(GBytes) bytes = cw_fs_read_at (dirfd, name, MAX_FILE_SIZE, error);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) gnutls_x509_crt_deinit);
  gnutls_x509_crt_t *list = NULL;
  unsigned n = 0;
  gnutls_datum_t datum;
  int ret;

  if (bytes == NULL)
    return NULL;
  if (g_bytes_get_size (bytes) == 0) {
    if (required) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("“%s” is empty"), name);
      return NULL;
    }
    return g_steal_pointer (&out);
  }
  datum.data = (guint8 *) g_bytes_get_data (bytes, NULL);
  datum.size = g_bytes_get_size (bytes);
  ret = gnutls_x509_crt_list_import2 (&list, &n, &datum, GNUTLS_X509_FMT_PEM, 0);
  if (ret < 0) {
    g_autofree gchar *what = g_strdup_printf (_("“%s” is damaged"), name);

    cw_gnutls_fail (error, CW_ERROR_INVALID_DATA, ret, what);
    return NULL;
  }
  for (unsigned i = 0; i < n; i++)
    g_ptr_array_add (out, list[i]);
  gnutls_free (list);
  return g_steal_pointer (&out);
}

int
cw_revision_open_current (int cert_dirfd, GError **error)
{
  return cw_fs_open_dir (cert_dirfd, "current", TRUE, error);
}

GPtrArray *
cw_revision_load_chain_at (int revfd, GError **error)
{
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(GPtrArray) certs = NULL;

  certs = load_pem_certs (revfd, cw_cert_file_name (CW_CERT_FILE_CERT), TRUE, error);
  if (certs == NULL)
    return NULL;
  chain = load_pem_certs (revfd, cw_cert_file_name (CW_CERT_FILE_CHAIN), FALSE, error);
  if (chain == NULL)
    return NULL;
  g_ptr_array_set_size (certs, 1); /* cert.pem holds the leaf only */
  for (guint i = 0; i < chain->len; i++)
    g_ptr_array_add (certs, g_steal_pointer (&chain->pdata[i]));
  g_ptr_array_set_free_func (chain, NULL);
  return g_steal_pointer (&certs);
}

gnutls_x509_privkey_t
cw_revision_load_key_at (int revfd, GError **error)
{
  g_autoptr(GBytes) bytes = cw_fs_read_at (revfd, cw_cert_file_name (CW_CERT_FILE_KEY), MAX_FILE_SIZE, error);
  gsize len = 0;
  const guint8 *data;
  gnutls_x509_privkey_t key;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  key = cw_x509_privkey_import (data, len, GNUTLS_X509_FMT_PEM, NULL, error);
  explicit_bzero ((gpointer) data, len);
  return key;
}

gnutls_x509_privkey_t
cw_revision_load_key (int cert_dirfd, const gchar *subdir, GError **error)
{
  g_auto(CwFd) revfd = cw_fs_open_dir (cert_dirfd, subdir, TRUE, error);

  if (revfd < 0)
    return NULL;
  return cw_revision_load_key_at (revfd, error);
}

CwRevision *
cw_revision_read_current (int cert_dirfd, gboolean verify, GError **error)
{
  g_autoptr(CwRevision) rev = g_new0 (CwRevision, 1);
  g_autofree gchar *target = cw_fs_readlink_at (cert_dirfd, "current");
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GBytes) meta = NULL;
  g_autoptr(GPtrArray) chain = NULL;
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(CwFd) revfd = -1;
  g_autoptr(GError) key_error = NULL;
  guint number = 0;

  if (target == NULL || !parse_dir_name (target, &number)) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_NOT_FOUND, _("no current revision"));
    return NULL;
  }
  revfd = cw_fs_open_dir (cert_dirfd, target, FALSE, error);
  if (revfd < 0)
    return NULL;
  meta = cw_fs_read_at (revfd, "revision.ini", MAX_FILE_SIZE, error);
  if (meta == NULL)
    return NULL;
  if (!g_key_file_load_from_bytes (kf, meta, G_KEY_FILE_NONE, error))
    return NULL;

  rev->number = number;
  rev->source = g_key_file_get_string (kf, "revision", "source", NULL);
  if (rev->source == NULL)
    rev->source = g_strdup ("imported");
  rev->created = g_key_file_get_int64 (kf, "revision", "created", NULL);
  rev->warnings = g_key_file_get_string_list (kf, "revision", "warnings", NULL, NULL);
  if (rev->warnings == NULL)
    rev->warnings = g_new0 (gchar *, 1);

  if (!verify) {
    rev->info = cw_cert_info_load (kf, "info");
    if (rev->info != NULL) {
      rev->key_matches = g_key_file_get_boolean (kf, "info", "key-matches", NULL);
      return g_steal_pointer (&rev);
    }
  }
  chain = load_pem_certs (revfd, cw_cert_file_name (CW_CERT_FILE_CERT), TRUE, error);
  if (chain == NULL)
    return NULL;
  rev->info = cw_cert_info_new (g_ptr_array_index (chain, 0), error);
  if (rev->info == NULL)
    return NULL;
  /* a missing or unreadable key is reported through KeyMatches, not hidden */
  key = cw_revision_load_key_at (revfd, &key_error);
  rev->key_matches = key != NULL && cw_x509_privkey_matches (key, g_ptr_array_index (chain, 0));
  return g_steal_pointer (&rev);
}

gboolean
cw_revision_set_key_group (int cert_dirfd, gint gid, GError **error)
{
  g_auto(CwFd) fd = cw_fs_open_dir (cert_dirfd, ".", FALSE, error);
  g_autoptr(GPtrArray) revisions = g_ptr_array_new_with_free_func (g_free);
  DIR *dir;
  struct dirent *de;

  if (fd < 0)
    return FALSE;
  dir = fdopendir (g_steal_fd (&fd));
  if (dir == NULL) {
    cw_fs_error (error, errno, _("cannot read a certificate directory"));
    return FALSE;
  }
  while ((de = readdir (dir)) != NULL) {
    guint number;

    if (parse_dir_name (de->d_name, &number))
      g_ptr_array_add (revisions, g_strdup (de->d_name));
  }
  closedir (dir);
  for (guint i = 0; i < revisions->len; i++) {
    const gchar *name = g_ptr_array_index (revisions, i);
    g_auto(CwFd) revfd = cw_fs_open_dir (cert_dirfd, name, FALSE, error);

    if (revfd < 0 || !key_access (revfd, name, gid, error))
      return FALSE;
  }
  return TRUE;
}

void
cw_revision_prune (int cert_dirfd, const gchar *what, guint current, guint keep,
                   gboolean temporaries)
{
  g_auto(CwFd) fd = cw_fs_open_dir (cert_dirfd, ".", FALSE, NULL);
  DIR *dir;
  struct dirent *de;
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_free);

  if (fd < 0)
    return;
  dir = fdopendir (fd);
  if (dir == NULL)
    return;
  fd = -1;
  while ((de = readdir (dir)) != NULL) {
    guint number;

    if (g_str_has_prefix (de->d_name, ".") && strstr (de->d_name, ".tmp-") != NULL) {
      /* an interrupted replace, or (after a write) the settings saver's
       * file in flight, which must not vanish under its rename */
      if (temporaries)
        g_ptr_array_add (doomed, g_strdup (de->d_name));
      continue;
    }
    if (!parse_dir_name (de->d_name, &number))
      continue;
    if (number > current || number + keep <= current)
      g_ptr_array_add (doomed, g_strdup (de->d_name));
  }
  closedir (dir);

  for (guint i = 0; i < doomed->len; i++) {
    g_autoptr(GError) error = NULL;

    if (!cw_fs_remove_tree_at (cert_dirfd, g_ptr_array_index (doomed, i), &error))
      g_warning ("%s: cannot remove an old revision: %s", what, error->message);
  }
}
