/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-common.c: logging, the UTF-8 check and input splitting of fuzz/. */
#include "fuzz-common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Messages about bad input are the point of fuzzing and would only slow it
 * down; criticals and errors abort as with G_DEBUG=fatal-criticals, which
 * the test suite runs with too. */
static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if ((level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) == 0)
    return G_LOG_WRITER_HANDLED;
  g_log_writer_standard_streams (level, fields, n_fields, user_data);
  abort ();
}

/* the same for code that logs without G_LOG_USE_STRUCTURED */
static void
handler (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer user_data)
{
  if ((level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) == 0)
    return;
  fprintf (stderr, "%s-CRITICAL: %s\n", domain != NULL ? domain : "?", message);
  abort ();
}

void
fuzz_init (void)
{
  g_log_set_writer_func (writer, NULL, NULL);
  g_log_set_default_handler (handler, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
}

void
fuzz_assert_utf8 (const gchar *what, const gchar *text)
{
  const gchar *end = NULL;

  if (text == NULL || g_utf8_validate (text, -1, &end))
    return;
  fprintf (stderr, "fuzz: %s is not valid UTF-8 (bad byte 0x%02x at offset %zu) and would go to D-Bus\n",
           what, (guint8) *end, (gsize) (end - text));
  abort ();
}

void
fuzz_assert_utf8_strv (const gchar *what, const gchar * const *texts)
{
  for (guint i = 0; texts != NULL && texts[i] != NULL; i++)
    fuzz_assert_utf8 (what, texts[i]);
}

GPtrArray *
fuzz_split (const guint8 *data, gsize len, guint max)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const gsize sep_len = strlen (FUZZ_SEPARATOR);
  gsize start = 0;

  while (parts->len + 1 < max) {
    const guint8 *hit = len - start >= sep_len ? memmem (data + start, len - start, FUZZ_SEPARATOR, sep_len) : NULL;

    if (hit == NULL)
      break;
    g_ptr_array_add (parts, g_bytes_new_static (data + start, hit - (data + start)));
    start = hit - data + sep_len;
  }
  g_ptr_array_add (parts, g_bytes_new_static (data + start, len - start));
  return parts;
}

void
fuzz_report (const gchar *format, ...)
{
  static gint verbose = -1;
  va_list args;

  if (verbose < 0)
    verbose = g_getenv ("FUZZ_VERBOSE") != NULL;
  if (!verbose)
    return;
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
}

void
fuzz_wait (gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
}
