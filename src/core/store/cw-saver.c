/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwSaver: the store's small files written in order in one thread, and
 * who asked told whether they reached the disk (see cw-saver.h). */
#include "config.h"

#include "cw-saver.h"
#include "cw-error.h"
#include "cw-fs.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>

/* failures remembered for cw_saver_settled_async: the newest few */
#define MAX_FAILURES 16

struct _CwSaver {
  GThreadPool *pool;
  GMutex       lock;
  GCond        cond;
  guint        pending;
  guint64      queued;                   /* saves queued so far */
  guint64      failed_seq[MAX_FAILURES]; /* a ring of failures: sequence */
  gchar       *failed_why[MAX_FAILURES]; /* and message */
  guint        failed_next;
};

typedef struct {
  guint64  seq;
  gchar   *dir;
  gchar   *file;
  gchar   *data;
  GTask   *settled;   /* a barrier: no file, answers @settled */
  guint64  mark;
} Job;

static void
job_free (Job *job)
{
  g_free (job->dir);
  g_free (job->file);
  g_free (job->data);
  g_clear_object (&job->settled);
  g_free (job);
}

static void
remember_failure (CwSaver *saver, guint64 seq, const gchar *why)
{
  guint slot = saver->failed_next++ % MAX_FAILURES;

  g_free (saver->failed_why[slot]);
  saver->failed_seq[slot] = seq;
  saver->failed_why[slot] = g_strdup (why);
}

/* The first failure of a save numbered @mark or later, or NULL. */
static gchar *
failure_since (CwSaver *saver, guint64 mark)
{
  const gchar *first = NULL;
  guint64 first_seq = G_MAXUINT64;

  for (guint i = 0; i < MAX_FAILURES; i++)
    if (saver->failed_why[i] != NULL && saver->failed_seq[i] >= mark && saver->failed_seq[i] < first_seq) {
      first = saver->failed_why[i];
      first_seq = saver->failed_seq[i];
    }
  return g_strdup (first);
}

static void
write_one (CwSaver *saver, Job *job)
{
  g_autoptr(GError) error = NULL;
  g_auto(CwFd) fd = open (job->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_autofree gchar *why = NULL;

  /* a certificate removed since the write was queued (or while it ran)
   * has nothing to save */
  if (fd < 0 && errno != ENOENT)
    why = g_strdup_printf ("%s/%s: %s", job->dir, job->file, g_strerror (errno));
  else if (fd >= 0 && !cw_fs_replace_at (fd, job->file, job->data, strlen (job->data), 0644, &error) &&
           g_file_test (job->dir, G_FILE_TEST_IS_DIR))
    why = g_strdup_printf ("%s/%s: %s", job->dir, job->file, error->message);
  if (why != NULL) {
    g_warning ("cannot save %s", why);
    g_mutex_lock (&saver->lock);
    remember_failure (saver, job->seq, why);
    g_mutex_unlock (&saver->lock);
  }
}

/* Runs in the one saver thread, so writes land in the order they were
 * queued and a barrier answers after everything before it. */
static void
run (gpointer data, gpointer user_data)
{
  Job *job = data;
  CwSaver *saver = user_data;

  if (job->settled != NULL) {
    g_autofree gchar *why = NULL;

    g_mutex_lock (&saver->lock);
    why = failure_since (saver, job->mark);
    g_mutex_unlock (&saver->lock);
    if (why != NULL)
      g_task_return_new_error (job->settled, CW_ERROR, CW_ERROR_IO,
                               _("the change is in effect but could not be saved (%s); it is lost at the next "
                                 "start unless made again once the disk has room"), why);
    else
      g_task_return_boolean (job->settled, TRUE);
  } else {
    write_one (saver, job);
  }
  job_free (job);
  g_mutex_lock (&saver->lock);
  if (--saver->pending == 0)
    g_cond_broadcast (&saver->cond);
  g_mutex_unlock (&saver->lock);
}

CwSaver *
cw_saver_new (void)
{
  CwSaver *saver = g_new0 (CwSaver, 1);

  g_mutex_init (&saver->lock);
  g_cond_init (&saver->cond);
  saver->pool = g_thread_pool_new (run, saver, 1, FALSE, NULL);
  return saver;
}

void
cw_saver_free (CwSaver *saver)
{
  if (saver == NULL)
    return;
  /* queued files reach the disk before the store goes */
  g_thread_pool_free (saver->pool, FALSE, TRUE);
  for (guint i = 0; i < MAX_FAILURES; i++)
    g_free (saver->failed_why[i]);
  g_mutex_clear (&saver->lock);
  g_cond_clear (&saver->cond);
  g_free (saver);
}

static void
push (CwSaver *saver, Job *job)
{
  g_mutex_lock (&saver->lock);
  saver->pending++;
  if (job->settled == NULL)
    job->seq = saver->queued++;
  g_mutex_unlock (&saver->lock);
  g_thread_pool_push (saver->pool, job, NULL);
}

void
cw_saver_queue (CwSaver *saver, const gchar *dir, const gchar *file, gchar *data)
{
  Job *job = g_new0 (Job, 1);

  job->dir = g_strdup (dir);
  job->file = g_strdup (file);
  job->data = data;
  push (saver, job);
}

void
cw_saver_flush (CwSaver *saver)
{
  g_mutex_lock (&saver->lock);
  while (saver->pending > 0)
    g_cond_wait (&saver->cond, &saver->lock);
  g_mutex_unlock (&saver->lock);
}

guint64
cw_saver_mark (CwSaver *saver)
{
  guint64 mark;

  g_mutex_lock (&saver->lock);
  mark = saver->queued;
  g_mutex_unlock (&saver->lock);
  return mark;
}

void
cw_saver_settled_async (CwSaver *saver, guint64 mark, gpointer source_object, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  Job *job = g_new0 (Job, 1);

  job->settled = g_task_new (source_object, NULL, callback, user_data);
  job->mark = mark;
  push (saver, job);
}

gboolean
cw_saver_settled_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
