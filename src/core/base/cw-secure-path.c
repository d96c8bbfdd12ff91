/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Trusted paths outside the state directory (see cw-secure-path.h). */
#include "config.h"

#include "cw-secure-path.h"
#include "cw-error.h"
#include "cw-fs.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
owned_by_us (const struct stat *st)
{
  return st->st_uid == 0 || st->st_uid == geteuid ();
}

static gboolean G_GNUC_PRINTF (2, 3)
refuse (GError **error, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (CW_ERROR, CW_ERROR_INVALID_ARGUMENT, format, args));
  va_end (args);
  return FALSE;
}

/* Whether the directory @st (at @what) can be trusted: ours, and
 * writable by nobody else, unless it is crossed on the way (not @last)
 * and sticky, where others cannot touch what is ours. */
static gboolean
directory_ok (const struct stat *st, const gchar *what, gboolean last, GError **error)
{
  if (!owned_by_us (st))
    return refuse (error, _("“%s” belongs to another user: a certificate or program is used from there only when "
                            "every directory on the way belongs to root"), what);
  if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 && (last || (st->st_mode & S_ISVTX) == 0))
    return refuse (error, _("“%s” is writable by other users, who could swap what is in it; remove their write "
                            "permission (chmod go-w) or choose another directory"), what);
  return TRUE;
}

static int open_trusted_dir_at_depth (const gchar *dir, const struct stat *forbidden, guint depth, GError **error);

/* The walk met a link at @sofar (in the trusted directory @fd, as @name)
 * with @rest still to go: a link of root's there is as trustworthy as the
 * directory (merged /usr: /bin -> usr/bin), so the walk starts again at
 * its target; anybody else's is refused. */
static int
follow_link (int fd, const gchar *name, const gchar *sofar, const gchar * const *rest, const struct stat *forbidden,
             guint depth, GError **error)
{
  g_autofree gchar *parent = g_path_get_dirname (sofar), *target = NULL, *tail = NULL, *next = NULL;
  struct stat lst;
  gchar buf[4096];
  ssize_t n;

  if (fstatat (fd, name, &lst, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK (lst.st_mode)) {
    refuse (error, _("“%s” is not a directory"), sofar);
    return -1;
  }
  n = owned_by_us (&lst) && depth < 8 ? readlinkat (fd, name, buf, sizeof buf - 1) : -1;
  if (n <= 0) {
    refuse (error, _("“%s” is a symbolic link: files are written and programs run only through real "
                     "directories"), sofar);
    return -1;
  }
  buf[n] = '\0';
  target = buf[0] == '/' ? g_strdup (buf) : g_build_filename (parent, buf, NULL);
  tail = g_strjoinv ("/", (gchar **) rest);
  next = g_build_filename (target, tail, NULL);
  return open_trusted_dir_at_depth (next, forbidden, depth + 1, error);
}

/* Opens @dir (absolute, normalised components) from "/" one component at
 * a time without following links (but root's, see follow_link), checking
 * each directory; with @forbidden set, fails when one of them is that
 * directory. */
static int
open_trusted_dir (const gchar *dir, const struct stat *forbidden, GError **error)
{
  return open_trusted_dir_at_depth (dir, forbidden, 0, error);
}

static int
open_trusted_dir_at_depth (const gchar *dir, const struct stat *forbidden, guint depth, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (dir, "/", -1);
  g_autoptr(GString) sofar = g_string_new ("");
  g_auto(CwFd) fd = open ("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  guint n = 0, seen = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      n++;
  for (guint i = 0;; i++) {
    struct stat st;

    if (fd < 0 || fstat (fd, &st) < 0) {
      g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot open the directory “%s”: %s"),
                   sofar->len > 0 ? sofar->str : "/", g_strerror (errno));
      return -1;
    }
    if (!directory_ok (&st, sofar->len > 0 ? sofar->str : "/", seen == n, error))
      return -1;
    if (forbidden != NULL && st.st_dev == forbidden->st_dev && st.st_ino == forbidden->st_ino) {
      refuse (error, _("“%s” is the agent's own state directory: files for services go elsewhere"),
              sofar->len > 0 ? sofar->str : "/");
      return -1;
    }
    while (parts[i] != NULL && *parts[i] == '\0')
      i++;
    if (parts[i] == NULL)
      return g_steal_fd (&fd);
    if (g_str_equal (parts[i], "..") || g_str_equal (parts[i], ".")) {
      refuse (error, _("“%s” has “.” or “..” in it: give the path plainly"), dir);
      return -1;
    }
    g_string_append_printf (sofar, "/%s", parts[i]);
    seen++;
    {
      int next = openat (fd, parts[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

      if (next < 0) {
        int errsv = errno;

        if (errsv == ELOOP || errsv == ENOTDIR) {
          return follow_link (fd, parts[i], sofar->str, (const gchar * const *) parts + i + 1, forbidden, depth,
                              error);
        } else if (errsv == ENOENT) {
          refuse (error, _("the directory “%s” does not exist"), sofar->str);
        } else {
          g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot open the directory “%s”: %s"), sofar->str,
                       g_strerror (errsv));
        }
        return -1;
      }
      close (fd);
      fd = next;
    }
  }
}

static gboolean
split (const gchar *path, gchar **dir, gchar **name, GError **error)
{
  if (path == NULL || !g_path_is_absolute (path) || g_str_has_suffix (path, "/"))
    return refuse (error, _("“%s” is not an absolute path to a file"), path != NULL ? path : "");
  *dir = g_path_get_dirname (path);
  *name = g_path_get_basename (path);
  if (g_str_equal (*name, ".") || g_str_equal (*name, ".."))
    return refuse (error, _("“%s” has “.” or “..” in it: give the path plainly"), path);
  return TRUE;
}

int
cw_secure_open_parent (const gchar *path, const gchar *forbidden, gchar **name, GError **error)
{
  g_autofree gchar *dir = NULL, *base = NULL;
  struct stat forbidden_st;
  int fd;

  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!split (path, &dir, &base, error))
    return -1;
  if (forbidden != NULL && stat (forbidden, &forbidden_st) < 0)
    forbidden = NULL;
  fd = open_trusted_dir (dir, forbidden != NULL ? &forbidden_st : NULL, error);
  if (fd >= 0)
    *name = g_steal_pointer (&base);
  return fd;
}

static gboolean
check_program (const gchar *path, guint depth, GError **error)
{
  g_autofree gchar *dir = NULL, *base = NULL;
  g_auto(CwFd) fd = -1;
  struct stat st;

  if (!split (path, &dir, &base, error))
    return FALSE;
  fd = open_trusted_dir (dir, NULL, error);
  if (fd < 0)
    return FALSE;
  if (fstatat (fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return refuse (error, _("“%s” does not exist"), path);
  /* a link in a trusted directory is as safe as a file there (pkill is a
   * link to pgrep): what it points to must be trusted too */
  if (S_ISLNK (st.st_mode)) {
    g_autofree gchar *target = NULL, *resolved = NULL;
    gchar buf[4096];
    ssize_t n = readlinkat (fd, base, buf, sizeof buf - 1);

    if (n <= 0 || depth >= 8)
      return refuse (error, _("“%s” is a symbolic link that leads nowhere: name the program itself"), path);
    buf[n] = '\0';
    target = g_path_is_absolute (buf) ? g_strdup (buf) : g_build_filename (dir, buf, NULL);
    resolved = g_canonicalize_filename (target, NULL);
    return check_program (resolved, depth + 1, error);
  }
  if (!S_ISREG (st.st_mode) || (st.st_mode & S_IXUSR) == 0)
    return refuse (error, _("“%s” is not an executable file"), path);
  if (!owned_by_us (&st))
    return refuse (error, _("“%s” belongs to another user: the agent runs only programs that belong to root "
                            "(chown root)"), path);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return refuse (error, _("“%s” is writable by other users: the agent runs only programs nobody else can "
                            "change (chmod go-w)"), path);
  return TRUE;
}

gboolean
cw_secure_check_program (const gchar *path, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return check_program (path, 0, error);
}
