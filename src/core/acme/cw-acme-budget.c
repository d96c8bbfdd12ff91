/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-CA request budget: a token bucket every request to one CA draws
 * from, whichever order, account change or renewal check sends it. */
#include "config.h"

#include "cw-acme-budget.h"

typedef struct {
  CwAcmeBudgetFunc func;
  gpointer         data;
} Waiting;

struct _CwAcmeBudget {
  gdouble rate;      /* tokens a second */
  gdouble burst;     /* the most the bucket holds */
  gdouble tokens;
  gint64  refilled;  /* monotonic µs of the last refill */
  GQueue  waiting;   /* Waiting, first come first served */
  guint   timer;
};

CwAcmeBudget *
cw_acme_budget_new (gdouble rate, guint burst)
{
  CwAcmeBudget *self = g_new0 (CwAcmeBudget, 1);

  self->rate = MAX (rate, 0.001);
  self->burst = MAX (burst, 1);
  self->tokens = self->burst;
  self->refilled = g_get_monotonic_time ();
  g_queue_init (&self->waiting);
  return self;
}

void
cw_acme_budget_free (CwAcmeBudget *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->timer, g_source_remove);
  g_queue_clear_full (&self->waiting, g_free);
  g_free (self);
}

static void
refill (CwAcmeBudget *self)
{
  gint64 now = g_get_monotonic_time ();

  self->tokens = MIN (self->burst, self->tokens + (now - self->refilled) * self->rate / G_USEC_PER_SEC);
  self->refilled = now;
}

static gboolean drain (gpointer user_data);

/* Wakes up when the next token is there. */
static void
schedule (CwAcmeBudget *self)
{
  gdouble missing = 1.0 - self->tokens;
  guint ms = missing > 0 ? (guint) (missing / self->rate * 1000.0) + 1 : 0;

  if (self->timer == 0)
    self->timer = g_timeout_add (ms, drain, self);
}

static gboolean
drain (gpointer user_data)
{
  CwAcmeBudget *self = user_data;

  self->timer = 0;
  refill (self);
  while (!g_queue_is_empty (&self->waiting) && self->tokens >= 1.0) {
    g_autofree Waiting *w = g_queue_pop_head (&self->waiting);

    self->tokens -= 1.0;
    w->func (w->data);
  }
  if (!g_queue_is_empty (&self->waiting))
    schedule (self);
  return G_SOURCE_REMOVE;
}

void
cw_acme_budget_run (CwAcmeBudget *self, CwAcmeBudgetFunc func, gpointer data)
{
  Waiting *w;

  refill (self);
  /* nobody may overtake a request that waits */
  if (g_queue_is_empty (&self->waiting) && self->tokens >= 1.0) {
    self->tokens -= 1.0;
    func (data);
    return;
  }
  w = g_new0 (Waiting, 1);
  w->func = func;
  w->data = data;
  g_queue_push_tail (&self->waiting, w);
  schedule (self);
}

guint
cw_acme_budget_get_waiting (CwAcmeBudget *self)
{
  return g_queue_get_length (&self->waiting);
}
