/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "cw-archive.h"
#include "cw-error.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gi18n.h>
#include <string.h>

/* Certificate bundles are a few kilobytes; these bounds are generous. */
#define MAX_ENTRIES     256
#define MAX_ENTRY_SIZE  (1024 * 1024)
#define MAX_TOTAL_SIZE  (8 * 1024 * 1024)

typedef struct archive CwArchive;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwArchive, archive_read_free)

void
cw_archive_entry_free (CwArchiveEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_bytes_unref (entry->data);
  g_free (entry);
}

gboolean
cw_archive_is_zip (const guint8 *data, gsize len)
{
  return len >= 4 && data[0] == 'P' && data[1] == 'K' &&
         ((data[2] == 3 && data[3] == 4) || (data[2] == 5 && data[3] == 6));
}

static gboolean
entry_is_noise (const gchar *path)
{
  g_autofree gchar *base = g_path_get_basename (path);

  return g_str_has_prefix (path, "__MACOSX/") || strstr (path, "/__MACOSX/") != NULL ||
         base[0] == '.';
}

GPtrArray *
cw_archive_read_zip (const guint8 *data, gsize len, GError **error)
{
  g_autoptr(CwArchive) a = archive_read_new ();
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_archive_entry_free);
  struct archive_entry *ae;
  gsize total = 0;
  guint seen = 0;
  int r;

  archive_read_support_format_zip (a);
  if (archive_read_open_memory (a, data, len) != ARCHIVE_OK) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("not a readable ZIP archive: %s"),
                 archive_error_string (a) ? archive_error_string (a) : _("unknown error"));
    return NULL;
  }

  while ((r = archive_read_next_header (a, &ae)) == ARCHIVE_OK) {
    const gchar *path = archive_entry_pathname (ae);
    la_int64_t size = archive_entry_size (ae);
    g_autoptr(GByteArray) buf = NULL;
    CwArchiveEntry *entry;

    if (++seen > MAX_ENTRIES) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("the ZIP archive has more than %d entries; a certificate bundle has a few"),
                   MAX_ENTRIES);
      return NULL;
    }
    if (path == NULL || archive_entry_filetype (ae) != AE_IFREG || entry_is_noise (path))
      continue;
    if (archive_entry_size_is_set (ae) && size > MAX_ENTRY_SIZE) {
      g_autofree gchar *name = g_utf8_make_valid (path, -1);

      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("the ZIP entry “%s” is larger than %d bytes"), name, MAX_ENTRY_SIZE);
      return NULL;
    }

    /* Read in chunks and count: the size in the header may lie. */
    buf = g_byte_array_new ();
    for (;;) {
      guint8 chunk[16384];
      la_ssize_t n = archive_read_data (a, chunk, sizeof chunk);

      if (n < 0) {
        g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                     _("cannot read “%s” from the ZIP archive: %s"), path,
                     archive_error_string (a) ? archive_error_string (a) : _("unknown error"));
        return NULL;
      }
      if (n == 0)
        break;
      total += n;
      if (buf->len + n > MAX_ENTRY_SIZE) {
        g_autofree gchar *name = g_utf8_make_valid (path, -1);

        g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                     _("the ZIP entry “%s” is larger than %d bytes"), name, MAX_ENTRY_SIZE);
        return NULL;
      }
      if (total > MAX_TOTAL_SIZE) {
        g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                     _("the ZIP archive unpacks to more than %d bytes; refused"), MAX_TOTAL_SIZE);
        return NULL;
      }
      g_byte_array_append (buf, chunk, n);
    }

    entry = g_new0 (CwArchiveEntry, 1);
    /* names end up in messages and on D-Bus, which want UTF-8 */
    entry->name = g_utf8_make_valid (path, -1);
    entry->data = g_byte_array_free_to_bytes (g_steal_pointer (&buf));
    g_ptr_array_add (entries, entry);
  }
  if (r != ARCHIVE_EOF) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the ZIP archive is damaged: %s"),
                 archive_error_string (a) ? archive_error_string (a) : _("unknown error"));
    return NULL;
  }
  return g_steal_pointer (&entries);
}
