/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ZIP bundles through libarchive, opened with GModule on first use. */
#include "config.h"

#include "cw-archive.h"
#include "cw-error.h"
#include "cw-text.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gi18n.h>
#include <gmodule.h>
#include <string.h>

/* Certificate bundles are a few kilobytes; these bounds are generous. */
#define MAX_ENTRIES     256
#define MAX_ENTRY_SIZE  (1024 * 1024)
#define MAX_TOTAL_SIZE  (8 * 1024 * 1024)

/* libarchive, opened on first use (see meson.build for why) */
static struct {
  struct archive *(*read_new) (void);
  int             (*read_free) (struct archive *);
  int             (*support_format_zip) (struct archive *);
  int             (*open_memory) (struct archive *, const void *, size_t);
  int             (*next_header) (struct archive *, struct archive_entry **);
  la_ssize_t      (*read_data) (struct archive *, void *, size_t);
  const char     *(*error_string) (struct archive *);
  const char     *(*entry_pathname) (struct archive_entry *);
  la_int64_t      (*entry_size) (struct archive_entry *);
  int             (*entry_size_is_set) (struct archive_entry *);
  __LA_MODE_T     (*entry_filetype) (struct archive_entry *);
} la;

static gpointer
load_libarchive (gpointer data)
{
  GModule *module = g_module_open (CW_LIBARCHIVE_SONAME, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  const struct { const gchar *name; gpointer *slot; } symbols[] = {
    { "archive_read_new", (gpointer *) &la.read_new },
    { "archive_read_free", (gpointer *) &la.read_free },
    { "archive_read_support_format_zip", (gpointer *) &la.support_format_zip },
    { "archive_read_open_memory", (gpointer *) &la.open_memory },
    { "archive_read_next_header", (gpointer *) &la.next_header },
    { "archive_read_data", (gpointer *) &la.read_data },
    { "archive_error_string", (gpointer *) &la.error_string },
    { "archive_entry_pathname", (gpointer *) &la.entry_pathname },
    { "archive_entry_size", (gpointer *) &la.entry_size },
    { "archive_entry_size_is_set", (gpointer *) &la.entry_size_is_set },
    { "archive_entry_filetype", (gpointer *) &la.entry_filetype },
  };

  if (module == NULL)
    return g_strdup (g_module_error ());
  for (guint i = 0; i < G_N_ELEMENTS (symbols); i++)
    if (!g_module_symbol (module, symbols[i].name, symbols[i].slot))
      return g_strdup (g_module_error ());
  g_module_make_resident (module);
  return NULL;
}

/* NULL when libarchive is usable, else why not. */
static const gchar *
libarchive_error (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, load_libarchive, NULL);
}

typedef struct archive CwArchive;

static void
cw_archive_close (CwArchive *a)
{
  la.read_free (a);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwArchive, cw_archive_close)

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

/* libarchive's own words, which may quote an entry's name as the archive
 * spells it: escaped like the names themselves */
static gchar *
archive_error (struct archive *a)
{
  return la.error_string (a) != NULL ? cw_text_escape (la.error_string (a), -1) : g_strdup (_("unknown error"));
}

GPtrArray *
cw_archive_read_zip (const guint8 *data, gsize len, GError **error)
{
  g_autoptr(CwArchive) a = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_archive_entry_free);
  struct archive_entry *ae;
  gsize total = 0;
  guint seen = 0;
  int r;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (libarchive_error () != NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED, _("ZIP bundles need libarchive (%s): %s"),
                 CW_LIBARCHIVE_SONAME, libarchive_error ());
    return NULL;
  }
  a = la.read_new ();
  la.support_format_zip (a);
  if (la.open_memory (a, data, len) != ARCHIVE_OK) {
    g_autofree gchar *why = archive_error (a);

    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("not a readable ZIP archive: %s"), why);
    return NULL;
  }

  while ((r = la.next_header (a, &ae)) == ARCHIVE_OK) {
    const gchar *path = la.entry_pathname (ae);
    la_int64_t size = la.entry_size (ae);
    g_autoptr(GByteArray) buf = NULL;
    CwArchiveEntry *entry;

    if (++seen > MAX_ENTRIES) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("the ZIP archive has more than %d entries; a certificate bundle has a few"),
                   MAX_ENTRIES);
      return NULL;
    }
    if (path == NULL || la.entry_filetype (ae) != AE_IFREG || entry_is_noise (path))
      continue;
    if (la.entry_size_is_set (ae) && size > MAX_ENTRY_SIZE) {
      g_autofree gchar *name = cw_text_escape (path, -1);

      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                   _("the ZIP entry “%s” is larger than %d bytes"), name, MAX_ENTRY_SIZE);
      return NULL;
    }

    /* Read in chunks and count: the size in the header may lie. */
    buf = g_byte_array_new ();
    for (;;) {
      guint8 chunk[16384];
      la_ssize_t n = la.read_data (a, chunk, sizeof chunk);

      if (n < 0) {
        g_autofree gchar *name = cw_text_escape (path, -1);
        g_autofree gchar *why = archive_error (a);

        g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("cannot read “%s” from the ZIP archive: %s"), name, why);
        return NULL;
      }
      if (n == 0)
        break;
      total += n;
      if (buf->len + n > MAX_ENTRY_SIZE) {
        g_autofree gchar *name = cw_text_escape (path, -1);

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
    entry->name = cw_text_escape (path, -1);
    entry->data = g_byte_array_free_to_bytes (g_steal_pointer (&buf));
    g_ptr_array_add (entries, entry);
  }
  if (r != ARCHIVE_EOF) {
    g_autofree gchar *why = archive_error (a);

    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("the ZIP archive is damaged: %s"), why);
    return NULL;
  }
  return g_steal_pointer (&entries);
}
