/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CwAcmeBudget:
 *
 * A token bucket: what protects a CA from the agent ([acme]
 * requests-per-second). It holds up to @burst tokens and gains @rate a
 * second; every request to the CA takes one. A request that finds the
 * bucket empty waits its turn (first come, first served) on the main loop.
 */
typedef struct _CwAcmeBudget CwAcmeBudget;

typedef void (*CwAcmeBudgetFunc) (gpointer data);

/* Starts full. */
CwAcmeBudget *cw_acme_budget_new (gdouble rate, guint burst);
/* Requests still waiting are dropped (their @data is not freed: the
 * owner of the budget outlives its requests). */
void          cw_acme_budget_free (CwAcmeBudget *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwAcmeBudget, cw_acme_budget_free)

/* Calls @func (@data) now when a token is there and nobody waits, else
 * when its turn comes. */
void          cw_acme_budget_run (CwAcmeBudget *self, CwAcmeBudgetFunc func, gpointer data);
/* Requests waiting for a token. */
guint         cw_acme_budget_get_waiting (CwAcmeBudget *self);

G_END_DECLS
