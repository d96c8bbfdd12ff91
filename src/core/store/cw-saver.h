/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * CwSaver: small files (settings.ini, manager.ini) written in one worker
 * thread, in the order they were queued, each with cw_fs_replace_at (the
 * newest snapshot wins; a failed write leaves the previous file whole).
 * A caller that must tell its client whether its change reached the disk
 * takes a mark before the change and waits for the saves queued since.
 */
typedef struct _CwSaver CwSaver;

CwSaver  *cw_saver_new (void);
/* Writes what is queued, then frees. */
void      cw_saver_free (CwSaver *saver);
/* Writes @data (taken) to @dir/@file. A directory that no longer exists
 * (its certificate was removed meanwhile) is no failure. */
void      cw_saver_queue (CwSaver *saver, const gchar *dir, const gchar *file, gchar *data);
/* Waits until everything queued is written. */
void      cw_saver_flush (CwSaver *saver);

/* How many saves were queued so far. */
guint64   cw_saver_mark (CwSaver *saver);
/* Once every save queued before this call is done: @callback, whose
 * finish fails (CW_ERROR_IO, naming the file and why) when one queued
 * since @mark failed. */
void      cw_saver_settled_async (CwSaver *saver, guint64 mark, gpointer source_object,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean  cw_saver_settled_finish (GAsyncResult *result, GError **error);

G_END_DECLS
