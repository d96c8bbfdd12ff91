/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Durable file operations relative to directory descriptors: write, stage, replace, fsync, remove. */
#include "config.h"

#include "cw-fs.h"
#include "cw-error.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
cw_fs_fd_clear (CwFd *fd)
{
  if (*fd >= 0) {
    close (*fd);
    *fd = -1;
  }
}

/* Sets "<what happened>: <the system's reason>" from errno @errsv. */
gboolean
cw_fs_error (GError **error, int errsv, const gchar *format, ...)
{
  g_autofree gchar *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CW_ERROR, CW_ERROR_IO, "%s: %s", what, g_strerror (errsv));
  return FALSE;
}

int
cw_fs_open_dir (int dirfd, const gchar *path, gboolean follow, GError **error)
{
  int fd;

  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  fd = openat (dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));

  if (fd < 0)
    cw_fs_error (error, errno, _("cannot open the directory “%s”"), path);
  return fd;
}

gboolean
cw_fs_fsync (int fd, const gchar *what, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (fsync (fd) < 0)
    return cw_fs_error (error, errno, _("cannot flush “%s” to disk"), what);
  return TRUE;
}

static gboolean
write_all (int fd, const void *data, gsize len)
{
  const guint8 *p = data;

  while (len > 0) {
    ssize_t n = write (fd, p, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    p += n;
    len -= n;
  }
  return TRUE;
}

/* Creates, writes and fsyncs @name; on failure nothing is left, *errsv
 * says why and *created whether the file could be made at all. */
static gboolean
write_new (int dirfd, const gchar *name, const void *data, gsize len, mode_t mode, int *errsv,
           gboolean *created)
{
  g_auto(CwFd) fd = openat (dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);

  *created = fd >= 0;
  if (fd < 0) {
    *errsv = errno;
    return FALSE;
  }
  /* the umask must not widen or narrow what the caller asked for */
  if (fchmod (fd, mode) < 0 || !write_all (fd, data, len) || fsync (fd) < 0) {
    *errsv = errno;
    unlinkat (dirfd, name, 0);
    return FALSE;
  }
  if (close (fd) < 0) {
    *errsv = errno;
    fd = -1;
    unlinkat (dirfd, name, 0);
    return FALSE;
  }
  fd = -1;
  return TRUE;
}

gboolean
cw_fs_write_new_at (int dirfd, const gchar *name, const void *data, gsize len, mode_t mode,
                    GError **error)
{
  int errsv = 0;
  gboolean created = FALSE;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!write_new (dirfd, name, data, len, mode, &errsv, &created))
    return cw_fs_error (error, errsv, created ? _("cannot write “%s”") : _("cannot create “%s”"), name);
  return TRUE;
}

static gchar *
temp_name (const gchar *name)
{
  return g_strdup_printf (".%s.tmp-%08x", name, g_random_int ());
}

void
cw_fs_sweep_staged_at (int dirfd, const gchar *name)
{
  g_autofree gchar *prefix = g_strdup_printf (".%s.tmp-", name);
  int copy = dup (dirfd);
  DIR *dir = copy >= 0 ? fdopendir (copy) : NULL;
  struct dirent *de;

  if (dir == NULL) {
    if (copy >= 0)
      close (copy);
    return;
  }
  while ((de = readdir (dir)) != NULL) {
    struct stat st;
    const gchar *rest = de->d_name + strlen (prefix);
    gboolean ours = g_str_has_prefix (de->d_name, prefix) && strlen (rest) == 8;

    for (guint i = 0; ours && i < 8; i++)
      ours = g_ascii_isxdigit (rest[i]);
    if (ours && fstatat (dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode) &&
        st.st_uid == geteuid ())
      unlinkat (dirfd, de->d_name, 0);
  }
  closedir (dir);
}

gchar *
cw_fs_stage_at (int dirfd, const gchar *name, const void *data, gsize len, mode_t mode, GError **error)
{
  g_autofree gchar *tmp = temp_name (name);
  int errsv = 0;
  gboolean created = FALSE;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* the administrator knows the file, not its temporary */
  if (!write_new (dirfd, tmp, data, len, mode, &errsv, &created)) {
    cw_fs_error (error, errsv, _("cannot write “%s”"), name);
    return NULL;
  }
  return g_steal_pointer (&tmp);
}

gboolean
cw_fs_commit_staged_at (int dirfd, const gchar *staged, const gchar *name, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (renameat (dirfd, staged, dirfd, name) < 0) {
    int errsv = errno;

    unlinkat (dirfd, staged, 0);
    return cw_fs_error (error, errsv, _("cannot rename “%s” into place"), name);
  }
  cw_fs_fsync_committed (dirfd, name);
  return TRUE;
}

void
cw_fs_discard_staged_at (int dirfd, const gchar *staged)
{
  if (staged != NULL)
    unlinkat (dirfd, staged, 0);
}

gboolean
cw_fs_replace_at (int dirfd, const gchar *name, const void *data, gsize len, mode_t mode,
                  GError **error)
{
  g_autofree gchar *tmp = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tmp = cw_fs_stage_at (dirfd, name, data, len, mode, error);

  return tmp != NULL && cw_fs_commit_staged_at (dirfd, tmp, name, error);
}

void
cw_fs_fsync_committed (int dirfd, const gchar *what)
{
  /* the rename has happened: failing now would make the caller undo a
   * change that readers may already see */
  if (fsync (dirfd) < 0)
    g_warning ("cannot flush the directory of “%s” to disk: %s", what, g_strerror (errno));
}

gboolean
cw_fs_swap_symlink_at (int dirfd, const gchar *target, const gchar *name, GError **error)
{
  g_autofree gchar *tmp = temp_name (name);

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (symlinkat (target, dirfd, tmp) < 0)
    return cw_fs_error (error, errno, _("cannot create the link “%s”"), tmp);
  /* rename(2) replaces the old link atomically: a reader sees either the
   * old or the new target, never nothing */
  if (renameat (dirfd, tmp, dirfd, name) < 0) {
    int errsv = errno;

    unlinkat (dirfd, tmp, 0);
    return cw_fs_error (error, errsv, _("cannot rename “%s” into place"), name);
  }
  cw_fs_fsync_committed (dirfd, name);
  return TRUE;
}

GBytes *
cw_fs_read_at (int dirfd, const gchar *name, gsize max, GError **error)
{
  g_auto(CwFd) fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (fd < 0) {
    cw_fs_error (error, errno, _("cannot open “%s”"), name);
    return NULL;
  }
  for (;;) {
    guint8 chunk[8192];
    ssize_t n = read (fd, chunk, sizeof chunk);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      cw_fs_error (error, errno, _("cannot read “%s”"), name);
      return NULL;
    }
    if (n == 0)
      break;
    if (buf->len + (gsize) n > max) {
      g_set_error (error, CW_ERROR, CW_ERROR_IO, _("“%s” is larger than %lu bytes"), name, (unsigned long) max);
      return NULL;
    }
    g_byte_array_append (buf, chunk, n);
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

gchar *
cw_fs_readlink_at (int dirfd, const gchar *name)
{
  gchar buf[256];
  ssize_t n = readlinkat (dirfd, name, buf, sizeof buf - 1);

  if (n < 0 || n >= (ssize_t) sizeof buf - 1)
    return NULL;
  buf[n] = '\0';
  return g_strdup (buf);
}

gboolean
cw_fs_remove_tree_at (int parent, const gchar *name, GError **error)
{
  struct stat st;
  g_auto(CwFd) fd = -1;
  DIR *dir;
  struct dirent *de;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (fstatat (parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT)
      return TRUE;
    return cw_fs_error (error, errno, _("cannot inspect “%s”"), name);
  }
  if (!S_ISDIR (st.st_mode)) {
    if (unlinkat (parent, name, 0) < 0 && errno != ENOENT)
      return cw_fs_error (error, errno, _("cannot remove “%s”"), name);
    return TRUE;
  }

  fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return cw_fs_error (error, errno, _("cannot open the directory “%s”"), name);
  dir = fdopendir (fd);
  if (dir == NULL)
    return cw_fs_error (error, errno, _("cannot open the directory “%s”"), name);
  fd = -1; /* owned by dir now */
  while ((de = readdir (dir)) != NULL) {
    if (g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
      continue;
    if (!cw_fs_remove_tree_at (dirfd (dir), de->d_name, error)) {
      closedir (dir);
      return FALSE;
    }
  }
  closedir (dir);
  if (unlinkat (parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return cw_fs_error (error, errno, _("cannot remove “%s”"), name);
  return TRUE;
}

gboolean
cw_fs_mkdir_at (int dirfd, const gchar *name, mode_t mode, GError **error)
{
  if (mkdirat (dirfd, name, mode) < 0)
    return cw_fs_error (error, errno, _("cannot create “%s”"), name);
  return TRUE;
}

gboolean
cw_fs_rename_at (int dirfd, const gchar *from, const gchar *to, GError **error)
{
  if (renameat (dirfd, from, dirfd, to) < 0)
    return cw_fs_error (error, errno, _("cannot rename “%s” into place"), to);
  return TRUE;
}
