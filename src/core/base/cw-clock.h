/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The one source of "now" for the core, in Unix seconds (wall clock), and
 * alarms at wall-clock times. Real alarms use a CLOCK_REALTIME timerfd with
 * TFD_TIMER_CANCEL_ON_SET: they fire at the right wall time after a suspend
 * or a clock jump, and cost nothing while waiting.
 *
 * Tests can switch to a fake clock that only moves when told to
 * (cw_clock_set_fake_time); alarms then fire as it passes them. Nothing in
 * production enables it: certwardd does so only with its hidden
 * --test-clock option.
 */

typedef void (*CwAlarmFunc) (gpointer user_data);

gint64   cw_clock_now (void);

/* Calls @func on the main context once the wall clock reaches @at (at once,
 * from an idle, when @at has passed). Returns an id for cw_clock_remove_alarm. */
guint    cw_clock_add_alarm (gint64 at, CwAlarmFunc func, gpointer user_data, GDestroyNotify notify);
void     cw_clock_remove_alarm (guint id);

/* Test clock: from now on time is @now (and stays there); alarms due by
 * then fire before this returns. May be called again to move time. */
void     cw_clock_set_fake_time (gint64 now);
gboolean cw_clock_is_fake (void);

G_END_DECLS
