/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gchar  *name;   /* path inside the archive */
  GBytes *data;
} CwArchiveEntry;

void cw_archive_entry_free (CwArchiveEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwArchiveEntry, cw_archive_entry_free)

/* TRUE when @data starts like a ZIP archive. */
gboolean   cw_archive_is_zip (const guint8 *data, gsize len);

/* The regular files of a ZIP archive (CwArchiveEntry), skipping directories,
 * macOS resource forks and hidden files. Refuses archives with too many or
 * too large entries, so a ZIP bomb cannot exhaust memory. */
GPtrArray *cw_archive_read_zip (const guint8 *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
