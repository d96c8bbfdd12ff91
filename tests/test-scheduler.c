/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cw_scheduler_due, the renewal engine's one decision, as a table: which
 * certificates the agent renews, when (a third of the lifetime left, half
 * under ten days, the CA's ARI window when it makes sense), and how a
 * failure's backoff and the guard after an order move that moment. */
#include "cw-certificate-private.h"
#include "cw-scheduler.h"
#include "cw-test-util.h"

#define DAY (24 * 3600)
#define NOW ((gint64) 1700000000)
#define GUARD 300

typedef enum { PLAIN, ACME, SCEP } Kind;

typedef struct {
  const gchar *name;
  Kind         kind;
  const gchar *source;       /* the current revision's, NULL: no revision yet */
  gboolean     auto_renew;
  gboolean     working;      /* an order runs */
  gboolean     request;      /* a request waits for the CA */
  gint64       not_before;   /* relative to NOW */
  gint64       not_after;    /* relative to NOW */
  gint64       ari_start, ari_end, ari_choice;  /* relative to NOW; all 0: no window */
  guint        failures;
  gint64       retry_at;     /* relative to NOW, 0: none */
  gint64       last_order;   /* relative to NOW, 0: never */
  gint64       due;          /* expected, relative to NOW … */
  gboolean     absolute;     /* … or the answer itself (0: not renewed) */
} Row;

static const Row rows[] = {
  /* what the agent does not renew */
  { "imported", PLAIN, "imported", .not_before = -10 * DAY, .not_after = 80 * DAY, .due = 0, .absolute = TRUE },
  { "self-signed", PLAIN, "self-signed", .not_before = -10 * DAY, .not_after = 80 * DAY, .due = 0, .absolute = TRUE },
  { "csr", PLAIN, NULL, .request = TRUE, .due = 0, .absolute = TRUE },
  { "acme-order-running", ACME, "acme", .working = TRUE, .not_before = -80 * DAY, .not_after = 10 * DAY,
    .due = 0, .absolute = TRUE },
  { "acme-never-ordered", ACME, NULL, .due = 0, .absolute = TRUE },

  /* a third of the lifetime left; half under ten days */
  { "auto-renew-self-signed", PLAIN, "self-signed", .auto_renew = TRUE, .not_before = -10 * DAY,
    .not_after = 80 * DAY, .due = 50 * DAY },
  { "auto-renew-local-ca", PLAIN, "local-ca", .auto_renew = TRUE, .not_before = -10 * DAY, .not_after = 80 * DAY,
    .due = 50 * DAY },
  { "auto-renew-imported", PLAIN, "imported", .auto_renew = TRUE, .not_before = -10 * DAY, .not_after = 80 * DAY,
    .due = 0, .absolute = TRUE },
  { "acme-90-days", ACME, "acme", .not_before = -10 * DAY, .not_after = 80 * DAY, .due = 50 * DAY },
  { "acme-6-days", ACME, "acme", .not_before = -1 * DAY, .not_after = 5 * DAY, .due = 2 * DAY },
  { "acme-overdue", ACME, "acme", .not_before = -85 * DAY, .not_after = 5 * DAY, .due = -25 * DAY },
  { "scep", SCEP, "scep", .not_before = -10 * DAY, .not_after = 80 * DAY, .due = 50 * DAY },
  { "no-lifetime", ACME, "acme", .not_before = -NOW, .not_after = -NOW, .due = 1, .absolute = TRUE },

  /* the first order failed: now, once a request is there */
  { "acme-first-order-failed", ACME, NULL, .request = TRUE, .due = 0 },
  { "scep-first-enrollment-failed", SCEP, NULL, .request = TRUE, .due = 0 },

  /* the CA's ARI window, when it makes sense for this certificate */
  { "ari", ACME, "acme", .not_before = -10 * DAY, .not_after = 80 * DAY, .ari_start = 40 * DAY,
    .ari_end = 42 * DAY, .ari_choice = 41 * DAY, .due = 41 * DAY },
  { "ari-after-expiry", ACME, "acme", .not_before = -10 * DAY, .not_after = 80 * DAY, .ari_start = 80 * DAY,
    .ari_end = 82 * DAY, .ari_choice = 81 * DAY, .due = 50 * DAY },
  { "ari-ending-before-it-begins", ACME, "acme", .not_before = -10 * DAY, .not_after = 80 * DAY,
    .ari_start = 42 * DAY, .ari_end = 40 * DAY, .ari_choice = 41 * DAY, .due = 50 * DAY },
  { "ari-choice-outside", ACME, "acme", .not_before = -10 * DAY, .not_after = 80 * DAY, .ari_start = 40 * DAY,
    .ari_end = 42 * DAY, .ari_choice = 43 * DAY, .due = 50 * DAY },
  { "ari-not-acme", PLAIN, "self-signed", .auto_renew = TRUE, .not_before = -10 * DAY, .not_after = 80 * DAY,
    .ari_start = 40 * DAY, .ari_end = 42 * DAY, .ari_choice = 41 * DAY, .due = 50 * DAY },

  /* after a failure the backoff decides; never two orders within the guard */
  { "backoff", ACME, "acme", .not_before = -80 * DAY, .not_after = 10 * DAY, .failures = 2, .retry_at = 3600,
    .due = 3600 },
  { "backoff-without-retry-time", ACME, "acme", .not_before = -80 * DAY, .not_after = 10 * DAY, .failures = 1,
    .due = -20 * DAY },
  { "retry-time-without-failure", ACME, "acme", .not_before = -80 * DAY, .not_after = 10 * DAY, .retry_at = 3600,
    .due = -20 * DAY },
  { "guard", ACME, "acme", .not_before = -80 * DAY, .not_after = 10 * DAY, .last_order = -60,
    .due = GUARD - 60 },
  { "guard-long-past", ACME, "acme", .not_before = -80 * DAY, .not_after = 10 * DAY, .last_order = -30 * DAY,
    .due = -20 * DAY },
  { "guard-after-due", ACME, "acme", .not_before = -80 * DAY, .not_after = 10 * DAY, .last_order = -DAY,
    .due = GUARD - DAY },
  { "guard-after-backoff", ACME, "acme", .not_before = -80 * DAY, .not_after = 10 * DAY, .failures = 1,
    .retry_at = 10, .last_order = -10, .due = GUARD - 10 },
};

static CwCertificate *
certificate_for (const Row *row)
{
  CwCertificate *cert = cw_certificate_new (row->name, row->name, "/nonexistent");
  CwRenewal *renewal = cw_renewal_new ();

  if (row->source != NULL) {
    CwCertInfo *info = g_new0 (CwCertInfo, 1);

    info->not_before = NOW + row->not_before;
    info->not_after = NOW + row->not_after;
    cw_certificate_set_revision (cert, 1, row->source, info, TRUE, NULL);
  }
  if (row->kind == ACME)
    cw_certificate_set_acme (cert, cw_acme_spec_new ());
  else if (row->kind == SCEP)
    cw_certificate_set_scep (cert, cw_scep_spec_new ());
  if (row->request)
    cw_certificate_set_request (cert, "-----BEGIN CERTIFICATE REQUEST-----\n");
  if (row->working)
    cw_certificate_set_activity (cert, CW_ACTIVITY_WORKING);
  renewal->auto_renew = row->auto_renew;
  if (row->ari_start != 0 || row->ari_end != 0) {
    renewal->ari_start = NOW + row->ari_start;
    renewal->ari_end = NOW + row->ari_end;
    renewal->ari_choice = NOW + row->ari_choice;
  }
  renewal->failures = row->failures;
  renewal->retry_at = row->retry_at != 0 ? NOW + row->retry_at : 0;
  renewal->last_order = row->last_order != 0 ? NOW + row->last_order : 0;
  cw_certificate_set_renewal (cert, renewal);
  return cert;
}

static void
test_due (gconstpointer data)
{
  const Row *row = data;
  const CwSchedulerPolicy policy = { .check_interval = DAY, .max_concurrent = 10, .retry_min = 600,
                                     .retry_max = 43200, .guard = GUARD };
  g_autoptr(CwCertificate) cert = certificate_for (row);
  gint64 expected = row->absolute ? row->due : NOW + row->due;

  g_assert_cmpint (cw_scheduler_due (cert, NOW, &policy), ==, expected);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autofree gchar *path = g_strdup_printf ("/scheduler/due/%s", rows[i].name);

    g_test_add_data_func (path, &rows[i], test_due);
  }
  return g_test_run ();
}
