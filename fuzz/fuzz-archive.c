/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-archive.c: ZIP bundles as CAs mail them (cw-archive.c over
 * libarchive): the entries' names end up in messages and on D-Bus, their
 * sizes are checked against what the archive claims.
 * Input: the ZIP file.
 */
#include "cw-archive.h"
#include "fuzz-common.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  /* the import asks this first; the archive reader must cope either way */
  (void) cw_archive_is_zip (data, size);
  entries = cw_archive_read_zip (data, size, &error);
  if (entries == NULL) {
    fuzz_assert_utf8 ("cw_archive_read_zip's error", error->message);
    return 0;
  }
  for (guint i = 0; i < entries->len; i++) {
    CwArchiveEntry *entry = entries->pdata[i];

    fuzz_assert_utf8 ("a ZIP entry's name", entry->name);
    g_assert (entry->data != NULL);
  }
  return 0;
}
