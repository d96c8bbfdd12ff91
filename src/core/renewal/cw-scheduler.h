/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-manager.h"
#include "cw-scep-manager.h"
#include "cw-store.h"

G_BEGIN_DECLS

/* The engine's settings ([renewal] in the configuration). */
typedef struct {
  gint64 check_interval;   /* seconds between full checks */
  guint  max_concurrent;   /* renewals in flight at once */
  gint64 jitter;           /* each start is delayed by up to this many seconds */
  gint64 retry_min;        /* backoff after the first failure … */
  gint64 retry_max;        /* … doubling up to this */
  gint64 guard;            /* never two orders for one certificate closer than this */
} CwSchedulerPolicy;

/* When @cert should be renewed next (Unix seconds; a time in the past means
 * now), or 0 when the agent does not renew it (imported, CSR, local without
 * auto-renew, an ACME order running). ACME and auto-renewed local
 * certificates are due when a third of their lifetime remains (half under
 * ten days), or at the moment picked inside the CA's ARI window; a failed
 * one at its retry time; never sooner than the guard after the last order. */
gint64 cw_scheduler_due (CwCertificate *cert, gint64 now, const CwSchedulerPolicy *policy);

#define CW_TYPE_SCHEDULER (cw_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (CwScheduler, cw_scheduler, CW, SCHEDULER, GObject)

/**
 * CwScheduler:
 *
 * The renewal engine. A check looks at every certificate, refreshes the
 * CA's ARI windows that are stale, and starts the due renewals — most
 * urgent first, at most max_concurrent at a time, each after a random
 * jitter. A check runs every check_interval (counted on the wall clock from
 * the last one, which is kept in STATE/scheduler.ini, so a missed check
 * runs right after start) and whenever a certificate's own NextRenewal or
 * ARI refresh comes; between them the agent sleeps. A failed renewal is
 * retried with exponential backoff (retry_min doubling to retry_max, or the
 * CA's Retry-After when longer), remembered across restarts.
 *
 * Signals: ::check-finished (GPtrArray *renewed, GPtrArray *failed): the
 * certificates renewed and failed by the check that just ended (every
 * renewal it started has finished); ::changed (): LastCheck or NextCheck.
 */
CwScheduler *cw_scheduler_new (CwStore *store, CwAcmeManager *acme) G_GNUC_WARN_UNUSED_RESULT;
/* Renews SCEP certificates through @scep (without it they are not renewed). */
void         cw_scheduler_set_scep (CwScheduler *self, CwScepManager *scep);
/* Reads the last check and arms the timers. */
void         cw_scheduler_start (CwScheduler *self);
/* Runs a check now (joins the running one). */
void         cw_scheduler_check_now (CwScheduler *self);
gboolean     cw_scheduler_is_checking (CwScheduler *self);

gint64       cw_scheduler_get_last_check (CwScheduler *self);
gint64       cw_scheduler_get_next_check (CwScheduler *self);
gint64       cw_scheduler_get_interval (CwScheduler *self);

G_END_DECLS
