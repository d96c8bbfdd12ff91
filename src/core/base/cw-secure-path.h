/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Paths outside the agent's own state, used as root (delivery targets,
 * reload programs), without being tricked by whoever else can write on
 * the machine. A path is trusted when every directory on it belongs to
 * root (or the agent's own user) and is writable by nobody else, and every
 * symbolic link on it is root's own (followed, and its target walked the
 * same way: merged /usr's /bin); a directory writable by others is crossed
 * only when it has the sticky bit (/tmp) and what lies below it is root's.
 * Errors are CW_ERROR_INVALID_ARGUMENT naming the component and why.
 */

/* Opens the directory @path would be created in, walking down from "/"
 * with O_NOFOLLOW; that directory must not be writable by others at all
 * (sticky or not). With @forbidden (a directory), @path must not lie in
 * it. Returns the directory's descriptor and the last component in
 * @name, or -1. */
int      cw_secure_open_parent (const gchar *path, const gchar *forbidden, gchar **name, GError **error);

/* Whether @path may be run as root: an absolute path to a regular,
 * executable file owned by root (or the agent's user), not writable by
 * group or others, on a trusted path; a symbolic link on a trusted path
 * is followed to a program that must be trusted the same way. */
gboolean cw_secure_check_program (const gchar *path, GError **error);

G_END_DECLS
