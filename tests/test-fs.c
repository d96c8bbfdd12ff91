/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The durable file operations (cw-fs.c) in a temporary directory: new
 * files are exclusive and get exactly their mode, replacing leaves no
 * temporary, staged writes become visible only when committed, symlinks
 * swap in one step, reads are bounded, trees go, and errors are
 * CW_ERROR_IO naming the file. */
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  gchar *dir;
  CwFd   fd;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = cw_test_mkdtemp ();
  f->fd = cw_fs_open_dir (AT_FDCWD, f->dir, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (f->fd, >=, 0);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  cw_fs_fd_clear (&f->fd);
  cw_test_rmdir (f->dir);
  g_free (f->dir);
}

static gchar *
read_text (Fixture *f, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (f->dir, name, NULL);
  gchar *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static guint
mode_of (Fixture *f, const gchar *name)
{
  struct stat st;

  g_assert_cmpint (fstatat (f->fd, name, &st, AT_SYMLINK_NOFOLLOW), ==, 0);
  return st.st_mode & 07777;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* The names in the directory, sorted, space-separated. */
static gchar *
listing (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const gchar *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, (gpointer) name);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (gchar **) names->pdata);
}

static void
test_write_new (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  mode_t old = umask (0077);

  /* the umask neither widens nor narrows the mode asked for */
  g_assert_true (cw_fs_write_new_at (f->fd, "a", "one", 3, 0644, &error));
  g_assert_no_error (error);
  umask (0);
  g_assert_true (cw_fs_write_new_at (f->fd, "b", "two", 3, 0600, &error));
  umask (old);
  g_assert_cmpuint (mode_of (f, "a"), ==, 0644);
  g_assert_cmpuint (mode_of (f, "b"), ==, 0600);
  text = read_text (f, "a");
  g_assert_cmpstr (text, ==, "one");

  /* never over an existing file */
  g_assert_false (cw_fs_write_new_at (f->fd, "a", "other", 5, 0644, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "cannot create “a”"));
  g_assert_nonnull (strstr (error->message, g_strerror (EEXIST)));
  g_clear_pointer (&text, g_free);
  text = read_text (f, "a");
  g_assert_cmpstr (text, ==, "one");
}

static void
test_replace (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL, *names = NULL;

  g_assert_true (cw_fs_replace_at (f->fd, "settings.ini", "v1", 2, 0644, &error));
  g_assert_true (cw_fs_replace_at (f->fd, "settings.ini", "version 2", 9, 0600, &error));
  g_assert_no_error (error);
  text = read_text (f, "settings.ini");
  g_assert_cmpstr (text, ==, "version 2");
  g_assert_cmpuint (mode_of (f, "settings.ini"), ==, 0600);
  /* no temporary stays beside it */
  names = listing (f);
  g_assert_cmpstr (names, ==, "settings.ini");

  /* into a directory that is not there: the file is named */
  {
    g_auto(CwFd) here = cw_fs_open_dir (f->fd, ".", FALSE, &error);
    g_autofree gchar *sub = g_build_filename (f->dir, "sub", NULL);
    g_auto(CwFd) subfd = -1;

    g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
    subfd = cw_fs_open_dir (here, "sub", FALSE, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_rmdir (sub), ==, 0);
    g_assert_false (cw_fs_replace_at (subfd, "state.ini", "x", 1, 0644, &error));
    g_assert_error (error, CW_ERROR, CW_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "“state.ini”"));
  }
}

static void
test_stage (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *staged = NULL, *discarded = NULL, *text = NULL, *names = NULL;

  g_assert_true (cw_fs_replace_at (f->fd, "a.ini", "old", 3, 0644, &error));
  staged = cw_fs_stage_at (f->fd, "a.ini", "new", 3, 0644, &error);
  g_assert_no_error (error);
  g_assert_nonnull (staged);
  /* a hidden temporary beside it; the file itself unchanged until commit */
  g_assert_true (g_str_has_prefix (staged, ".a.ini.tmp-"));
  text = read_text (f, "a.ini");
  g_assert_cmpstr (text, ==, "old");
  g_assert_true (cw_fs_commit_staged_at (f->fd, staged, "a.ini", &error));
  g_assert_no_error (error);
  g_clear_pointer (&text, g_free);
  text = read_text (f, "a.ini");
  g_assert_cmpstr (text, ==, "new");

  /* discarded: gone, and the file stays as it was */
  discarded = cw_fs_stage_at (f->fd, "a.ini", "never", 5, 0644, &error);
  g_assert_nonnull (discarded);
  cw_fs_discard_staged_at (f->fd, discarded);
  cw_fs_discard_staged_at (f->fd, NULL);
  names = listing (f);
  g_assert_cmpstr (names, ==, "a.ini");
  g_clear_pointer (&text, g_free);
  text = read_text (f, "a.ini");
  g_assert_cmpstr (text, ==, "new");
}

static void
test_symlink (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *first = NULL, *second = NULL, *names = NULL;

  g_assert_cmpint (mkdirat (f->fd, "rev-1", 0755), ==, 0);
  g_assert_cmpint (mkdirat (f->fd, "rev-2", 0755), ==, 0);
  g_assert_null (cw_fs_readlink_at (f->fd, "current"));
  g_assert_true (cw_fs_swap_symlink_at (f->fd, "rev-1", "current", &error));
  first = cw_fs_readlink_at (f->fd, "current");
  g_assert_cmpstr (first, ==, "rev-1");
  g_assert_true (cw_fs_swap_symlink_at (f->fd, "rev-2", "current", &error));
  g_assert_no_error (error);
  second = cw_fs_readlink_at (f->fd, "current");
  g_assert_cmpstr (second, ==, "rev-2");
  names = listing (f);
  g_assert_cmpstr (names, ==, "current rev-1 rev-2");
  /* a plain file is no link */
  g_assert_true (cw_fs_write_new_at (f->fd, "plain", "x", 1, 0644, &error));
  g_assert_null (cw_fs_readlink_at (f->fd, "plain"));
}

static void
test_read (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *big = g_strnfill (20000, 'x');
  g_autoptr(GBytes) bytes = NULL;

  g_assert_true (cw_fs_write_new_at (f->fd, "big", big, 20000, 0644, &error));
  bytes = cw_fs_read_at (f->fd, "big", 20000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 20000);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* one byte more than allowed */
  bytes = cw_fs_read_at (f->fd, "big", 19999, &error);
  g_assert_null (bytes);
  g_assert_error (error, CW_ERROR, CW_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "“big” is larger than 19999 bytes"));
  g_clear_error (&error);

  bytes = cw_fs_read_at (f->fd, "missing", 100, &error);
  g_assert_null (bytes);
  g_assert_error (error, CW_ERROR, CW_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "cannot open “missing”"));
  g_clear_error (&error);

  /* a symlink is not followed */
  g_assert_cmpint (symlinkat ("big", f->fd, "link"), ==, 0);
  bytes = cw_fs_read_at (f->fd, "link", 20000, &error);
  g_assert_null (bytes);
  g_assert_error (error, CW_ERROR, CW_ERROR_IO);
}

static void
test_open_dir (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  int fd;

  g_assert_cmpint (mkdirat (f->fd, "real", 0755), ==, 0);
  g_assert_cmpint (symlinkat ("real", f->fd, "link"), ==, 0);
  fd = cw_fs_open_dir (f->fd, "link", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  /* without @follow a link is refused, as an attacker's link would be */
  fd = cw_fs_open_dir (f->fd, "link", FALSE, &error);
  g_assert_cmpint (fd, <, 0);
  g_assert_error (error, CW_ERROR, CW_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "cannot open the directory “link”"));
}

static void
test_remove_tree (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *deep = g_build_filename (f->dir, "t", "a", "b", "c", NULL);
  g_autofree gchar *file = g_build_filename (deep, "f", NULL);
  g_autofree gchar *names = NULL;

  g_assert_cmpint (g_mkdir_with_parents (deep, 0755), ==, 0);
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_cmpint (symlinkat ("/", f->fd, "t/a/root"), ==, 0);
  g_assert_true (cw_fs_write_new_at (f->fd, "keep", "x", 1, 0644, &error));
  g_assert_true (cw_fs_remove_tree_at (f->fd, "t", &error));
  g_assert_no_error (error);
  /* the link went, not what it pointed to */
  g_assert_true (g_file_test ("/", G_FILE_TEST_IS_DIR));
  names = listing (f);
  g_assert_cmpstr (names, ==, "keep");
  /* missing is fine; a file is removed as well */
  g_assert_true (cw_fs_remove_tree_at (f->fd, "t", &error));
  g_assert_true (cw_fs_remove_tree_at (f->fd, "keep", &error));
  g_assert_no_error (error);
  g_clear_pointer (&names, g_free);
  names = listing (f);
  g_assert_cmpstr (names, ==, "");
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/fs/write-new", test_write_new);
  ADD ("/fs/replace", test_replace);
  ADD ("/fs/stage", test_stage);
  ADD ("/fs/symlink", test_symlink);
  ADD ("/fs/read", test_read);
  ADD ("/fs/open-dir", test_open_dir);
  ADD ("/fs/remove-tree", test_remove_tree);
  return g_test_run ();
}
