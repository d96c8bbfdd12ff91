/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CwWriteJob CwWriteJob;

/* A shared backend behind the store (the cluster layer's PostgreSQL
 * database, src/core/cluster/): the store hands it every change before
 * committing the change on its own disk, so a node's files only ever hold
 * what the backend committed. Both run in the store's worker thread and
 * may block; FALSE (with an error, e.g. CW_ERROR_UNAVAILABLE) means the
 * backend did not take it, and nothing changes here either. Without a
 * backend (the default) the store is alone and keeps every guarantee it
 * has. */
typedef struct {
  /* @job is about to be written: a revision (@job->bundle) of the
   * certificate @job->name (NULL for a new one: the name is in
   * @job->settings), its settings in @job->settings when they change */
  gboolean (*commit_revision) (gpointer user_data, CwWriteJob *job, GError **error);
  /* certificate @name is about to be removed */
  gboolean (*commit_removal) (gpointer user_data, const gchar *name, GError **error);
} CwStoreBackend;

G_END_DECLS
