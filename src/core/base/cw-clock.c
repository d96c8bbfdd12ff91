/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's time: the wall clock, or a test clock; alarms at wall-clock moments. */
#include "config.h"

#include "cw-clock.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

typedef struct {
  guint          id;
  gint64         at;
  CwAlarmFunc    func;
  gpointer       user_data;
  GDestroyNotify notify;
  GSequenceIter *iter;
} Alarm;

/* now() may be asked from worker threads; alarms live on the main thread */
static GMutex fake_lock;
static gboolean fake;
static gint64 fake_now;

static GSequence *alarms;     /* Alarm*, by (at, id) */
static GHashTable *by_id;     /* id → Alarm* */
static guint next_id = 1;
static int timer_fd = -1;
static guint timer_source;
static guint idle_source;

static void rearm (void);

gint64
cw_clock_now (void)
{
  gint64 now;

  g_mutex_lock (&fake_lock);
  now = fake ? fake_now : g_get_real_time () / G_USEC_PER_SEC;
  g_mutex_unlock (&fake_lock);
  return now;
}

gboolean
cw_clock_is_fake (void)
{
  gboolean result;

  g_mutex_lock (&fake_lock);
  result = fake;
  g_mutex_unlock (&fake_lock);
  return result;
}

static gint
compare_alarms (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const Alarm *x = a, *y = b;

  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  return x->id < y->id ? -1 : (x->id > y->id);
}

static void
alarm_free (Alarm *alarm)
{
  if (alarm->notify != NULL)
    alarm->notify (alarm->user_data);
  g_free (alarm);
}

/* Fires every alarm that is due, earliest first; an alarm may add or remove
 * others while this runs. */
static void
dispatch (void)
{
  gint64 now = cw_clock_now ();

  for (;;) {
    GSequenceIter *first;
    Alarm *alarm;

    if (alarms == NULL)
      return;
    first = g_sequence_get_begin_iter (alarms);
    if (g_sequence_iter_is_end (first))
      break;
    alarm = g_sequence_get (first);
    if (alarm->at > now)
      break;
    g_sequence_remove (first);
    g_hash_table_remove (by_id, GUINT_TO_POINTER (alarm->id));
    alarm->func (alarm->user_data);
    alarm_free (alarm);
  }
  rearm ();
}

static gboolean
on_timer (gint fd, GIOCondition condition, gpointer user_data)
{
  guint64 expirations;

  /* ECANCELED: the wall clock was set; either way, look at what is due */
  if (read (fd, &expirations, sizeof expirations) < 0 && errno != ECANCELED && errno != EAGAIN)
    g_warning ("reading the wall-clock timer failed: %s", g_strerror (errno));
  dispatch ();
  return G_SOURCE_CONTINUE;
}

static gboolean
on_idle (gpointer user_data)
{
  idle_source = 0;
  dispatch ();
  return G_SOURCE_REMOVE;
}

static void
rearm (void)
{
  GSequenceIter *first;
  gint64 at;
  struct itimerspec spec = { { 0, 0 }, { 0, 0 } };

  if (alarms == NULL)
    return;
  first = g_sequence_get_begin_iter (alarms);
  if (g_sequence_iter_is_end (first)) {
    if (timer_fd >= 0)
      timerfd_settime (timer_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, NULL);
    return;
  }
  at = ((Alarm *) g_sequence_get (first))->at;
  if (at <= cw_clock_now ()) {
    if (idle_source == 0)
      idle_source = g_idle_add (on_idle, NULL);
    return;
  }
  if (cw_clock_is_fake ())
    return; /* the test moves time; cw_clock_set_fake_time dispatches */
  if (timer_fd < 0) {
    timer_fd = timerfd_create (CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd < 0) {
      g_warning ("cannot create a wall-clock timer: %s", g_strerror (errno));
      return;
    }
    timer_source = g_unix_fd_add (timer_fd, G_IO_IN, on_timer, NULL);
  }
  spec.it_value.tv_sec = at;
  if (timerfd_settime (timer_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, NULL) < 0) {
    if (errno == ECANCELED) {
      /* the clock changed between our reading and the setting: look again */
      if (idle_source == 0)
        idle_source = g_idle_add (on_idle, NULL);
    } else {
      g_warning ("cannot arm the wall-clock timer: %s", g_strerror (errno));
    }
  }
}

guint
cw_clock_add_alarm (gint64 at, CwAlarmFunc func, gpointer user_data, GDestroyNotify notify)
{
  Alarm *alarm = g_new0 (Alarm, 1);

  if (alarms == NULL) {
    alarms = g_sequence_new (NULL);
    by_id = g_hash_table_new (NULL, NULL);
  }
  alarm->id = next_id++;
  alarm->at = at;
  alarm->func = func;
  alarm->user_data = user_data;
  alarm->notify = notify;
  alarm->iter = g_sequence_insert_sorted (alarms, alarm, compare_alarms, NULL);
  g_hash_table_insert (by_id, GUINT_TO_POINTER (alarm->id), alarm);
  rearm ();
  return alarm->id;
}

void
cw_clock_remove_alarm (guint id)
{
  Alarm *alarm;

  if (id == 0 || by_id == NULL)
    return;
  alarm = g_hash_table_lookup (by_id, GUINT_TO_POINTER (id));
  if (alarm == NULL)
    return;
  g_hash_table_remove (by_id, GUINT_TO_POINTER (id));
  g_sequence_remove (alarm->iter);
  alarm_free (alarm);
  rearm ();
}

void
cw_clock_set_fake_time (gint64 now)
{
  g_mutex_lock (&fake_lock);
  fake = TRUE;
  fake_now = now;
  g_mutex_unlock (&fake_lock);
  if (timer_fd >= 0) {
    g_source_remove (timer_source);
    close (timer_fd);
    timer_fd = -1;
  }
  dispatch ();
}
