/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include <fcntl.h>

G_BEGIN_DECLS

/* Durable file operations relative to directory descriptors. Every write is
 * fsynced before it counts, so "renamed into place" implies "on disk".
 * Errors are CW_ERROR_IO and name the file and the system's reason. */

/* Sets @error (CW_ERROR_IO): "WHAT: the system's reason for @errsv";
 * returns FALSE. */
gboolean cw_fs_error (GError **error, int errsv, const gchar *format, ...) G_GNUC_PRINTF (3, 4);
/* mkdirat and renameat (within @dirfd) with errors in those words. */
gboolean cw_fs_mkdir_at (int dirfd, const gchar *name, mode_t mode, GError **error);
gboolean cw_fs_rename_at (int dirfd, const gchar *from, const gchar *to, GError **error);

/* A file descriptor closed automatically: g_auto(CwFd) fd = -1; */
typedef int CwFd;
void     cw_fs_fd_clear (CwFd *fd);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CwFd, cw_fs_fd_clear)

/* Opens a directory (no symlink following for the last component unless
 * @follow) relative to @dirfd (AT_FDCWD for the working directory). */
int      cw_fs_open_dir (int dirfd, const gchar *path, gboolean follow, GError **error);

/* Creates @name (which must not exist) with @mode, writes, fsyncs. */
gboolean cw_fs_write_new_at (int dirfd, const gchar *name, const void *data, gsize len,
                             mode_t mode, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Replaces @name atomically (temporary file, fsync, rename, fsync dir).
 * Once the rename succeeded it returns TRUE (see cw_fs_fsync_committed). */
gboolean cw_fs_replace_at (int dirfd, const gchar *name, const void *data, gsize len,
                           mode_t mode, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The two halves of cw_fs_replace_at, for a change of several files that
 * must all fit on the disk before any of them is replaced: stage writes
 * the next contents beside @name (a hidden temporary, fsynced; errors
 * name @name) and returns the temporary's name; commit renames it into
 * place; discard removes it (NULL is fine). Temporaries a crash left are
 * swept when the store loads. */
gchar   *cw_fs_stage_at (int dirfd, const gchar *name, const void *data, gsize len,
                         mode_t mode, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean cw_fs_commit_staged_at (int dirfd, const gchar *staged, const gchar *name,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
void     cw_fs_discard_staged_at (int dirfd, const gchar *staged);
/* Removes the temporaries of @name a crash left in @dirfd (regular files
 * of the agent's own user named as cw_fs_stage_at names them): for
 * directories the store does not sweep, where services look (targets). */
void     cw_fs_sweep_staged_at (int dirfd, const gchar *name);
/* Points the symlink @name at @target with one rename, then fsyncs @dirfd.
 * Once the rename succeeded it returns TRUE. */
gboolean cw_fs_swap_symlink_at (int dirfd, const gchar *target, const gchar *name,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean cw_fs_fsync (int fd, const gchar *what, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* fsync of a directory after a rename that already took effect: a failure
 * is logged, never returned, so nobody undoes a committed change. */
void     cw_fs_fsync_committed (int dirfd, const gchar *what);
/* Reads a whole file of at most @max bytes. */
GBytes  *cw_fs_read_at (int dirfd, const gchar *name, gsize max, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The target of the symlink @name, or NULL. */
gchar   *cw_fs_readlink_at (int dirfd, const gchar *name) G_GNUC_WARN_UNUSED_RESULT;
/* Removes @name below @dirfd and everything in it; missing is fine. */
gboolean cw_fs_remove_tree_at (int dirfd, const gchar *name, GError **error);

G_END_DECLS
