/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Expiry with the test clock: "expiring" inside the warning window and
 * "expired" after NotAfter, each announced once (across restarts too),
 * again after a renewal, and at once when the window grows; the window of a
 * short-lived certificate the agent renews itself. */
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-store.h"
#include "cw-test-store.h"
#include "cw-test-util.h"

#define DAY (24 * 3600)

typedef struct {
  gchar   *dir;
  CwStore *store;
  GArray  *events;
  gint64   start;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->start = g_get_real_time () / G_USEC_PER_SEC;
  cw_clock_set_fake_time (f->start);
  f->dir = cw_test_mkdtemp ();
  f->events = g_array_new (FALSE, FALSE, sizeof (guint));
  f->store = cw_test_store_open (f->dir, NULL, f->events);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  cw_test_store_close (&f->store, &f->dir);
  g_array_unref (f->events);
}

static CwCertificate *
create (Fixture *f, const gchar *name, guint days)
{
  static const gchar *const roles[] = { "server", NULL };
  CwIssueSpec *spec = cw_issue_spec_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  CwCertificate *cert;

  spec->identities = g_strsplit ("expiry.example.test", ",", -1);
  spec->days = days;
  cw_store_create_async (f->store, name, spec, roles, NULL, NULL, FALSE, NULL, cw_test_async_done, &result);
  cert = cw_store_create_finish (f->store, cw_test_async_wait (&result), &error);
  g_assert_no_error (error);
  return cert;
}

/* Renew (not forced, with a new key) to its end. */
static gboolean
renew (Fixture *f, CwCertificate *cert, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cw_store_renew_async (f->store, cert, FALSE, FALSE, NULL, cw_test_async_done, &result);
  return cw_store_renew_finish (f->store, cw_test_async_wait (&result), error);
}

/* Moves the test clock and lets what became due run. */
static void
travel (gint64 to)
{
  cw_clock_set_fake_time (to);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static guint
count (Fixture *f, CwEvent event)
{
  guint n = 0;

  for (guint i = 0; i < f->events->len; i++)
    n += g_array_index (f->events, guint, i) == event;
  return n;
}

static void
test_transitions (Fixture *f, gconstpointer data)
{
  g_autoptr(CwCertificate) cert = create (f, "short", 90);
  gint64 not_after = cw_certificate_get_info (cert)->not_after;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (cw_certificate_get_state (cert), ==, CW_CERT_STATE_VALID);
  g_assert_cmpuint (count (f, CW_EVENT_EXPIRING), ==, 0);

  /* one second before the 60-day window: still valid */
  travel (not_after - 60 * DAY - 1);
  g_assert_cmpint (cw_certificate_get_state (cert), ==, CW_CERT_STATE_VALID);
  g_assert_cmpuint (count (f, CW_EVENT_EXPIRING), ==, 0);

  /* into the window: expiring, announced once */
  travel (not_after - 60 * DAY + 1);
  g_assert_cmpint (cw_certificate_get_state (cert), ==, CW_CERT_STATE_EXPIRING);
  g_assert_cmpuint (count (f, CW_EVENT_EXPIRING), ==, 1);
  travel (not_after - 30 * DAY);
  g_assert_cmpuint (count (f, CW_EVENT_EXPIRING), ==, 1);

  /* a restart does not announce it again */
  cw_store_flush (f->store);
  g_clear_object (&f->store);
  g_clear_object (&cert);
  f->store = cw_test_store_open (f->dir, NULL, f->events);
  cert = g_object_ref (cw_store_lookup (f->store, "short"));
  travel (not_after - 29 * DAY);
  g_assert_cmpint (cw_certificate_get_state (cert), ==, CW_CERT_STATE_EXPIRING);
  g_assert_cmpuint (count (f, CW_EVENT_EXPIRING), ==, 1);

  /* past NotAfter: expired, once (and logged as trouble) */
  cw_test_expect_warning ("short: expired on *");
  travel (not_after + 1);
  cw_test_assert_expected_warnings ();
  g_assert_cmpint (cw_certificate_get_state (cert), ==, CW_CERT_STATE_EXPIRED);
  g_assert_cmpuint (count (f, CW_EVENT_EXPIRED), ==, 1);
  travel (not_after + 10 * DAY);
  g_assert_cmpuint (count (f, CW_EVENT_EXPIRED), ==, 1);

  /* renewed: valid again, and a later expiry is announced anew */
  renew (f, cert, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cw_certificate_get_state (cert), ==, CW_CERT_STATE_VALID);
  g_assert_cmpuint (count (f, CW_EVENT_RENEWED), ==, 1);
  not_after = cw_certificate_get_info (cert)->not_after;
  travel (not_after - 59 * DAY);
  g_assert_cmpuint (count (f, CW_EVENT_EXPIRING), ==, 2);
}

/* A certificate already inside a bigger window is announced at once; the
 * setting is checked and survives a restart. */
static void
test_window (Fixture *f, gconstpointer data)
{
  g_autoptr(CwCertificate) cert = create (f, "year", 365);
  g_autoptr(GError) error = NULL;

  travel (f->start + 200 * DAY);
  g_assert_cmpint (cw_certificate_get_state (cert), ==, CW_CERT_STATE_VALID);
  g_assert_false (cw_store_set_warning_days (f->store, 20, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (cw_store_set_warning_days (f->store, 180, &error));
  g_assert_cmpint (cw_certificate_get_state (cert), ==, CW_CERT_STATE_EXPIRING);
  g_assert_cmpuint (count (f, CW_EVENT_EXPIRING), ==, 1);

  cw_store_flush (f->store);
  g_clear_object (&f->store);
  f->store = cw_test_store_open (f->dir, NULL, f->events);
  g_assert_cmpuint (cw_store_get_warning_days (f->store), ==, 180);
  g_assert_cmpint (cw_certificate_get_state (cw_store_lookup (f->store, "year")), ==, CW_CERT_STATE_EXPIRING);
}

/* Short lifetimes (Let's Encrypt's 45-day certificates): one the agent
 * renews itself is "expiring" only in the last quarter of its life, not
 * from birth under the 60-day default; one only an administrator renews
 * keeps the full window. */
static void
test_short_lifetime (Fixture *f, gconstpointer data)
{
  g_autoptr(CwCertificate) renewing = create (f, "auto45", 45);
  g_autoptr(CwCertificate) manual = create (f, "manual45", 45);
  gint64 not_after = cw_certificate_get_info (renewing)->not_after;
  /* (the issuer backdates NotBefore a little) */
  gint64 window = (not_after - cw_certificate_get_info (renewing)->not_before) / 4;
  g_autoptr(GError) error = NULL;

  g_assert_true (cw_store_set_renewal_options (f->store, renewing, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  travel (f->start + 1);
  g_assert_cmpint (cw_certificate_get_state (manual), ==, CW_CERT_STATE_EXPIRING);
  g_assert_cmpint (cw_certificate_get_state (renewing), ==, CW_CERT_STATE_VALID);
  g_assert_cmpint (cw_store_warning_window (f->store, renewing), ==, window);
  g_assert_cmpint (cw_store_warning_window (f->store, manual), ==, 60 * DAY);

  /* past the renewal point (a third left) it is still valid … */
  travel (not_after - 15 * DAY + 1);
  g_assert_cmpint (cw_certificate_get_state (renewing), ==, CW_CERT_STATE_VALID);
  travel (not_after - window - 1);
  g_assert_cmpint (cw_certificate_get_state (renewing), ==, CW_CERT_STATE_VALID);
  /* … until a quarter is left and the renewal has not happened */
  travel (not_after - window + 1);
  g_assert_cmpint (cw_certificate_get_state (renewing), ==, CW_CERT_STATE_EXPIRING);

  /* a year-long certificate renewing itself keeps the configured 60 days */
  {
    g_autoptr(CwCertificate) year = create (f, "auto365", 365);

    g_assert_true (cw_store_set_renewal_options (f->store, year, 1, NULL, NULL, &error));
    g_assert_cmpint (cw_store_warning_window (f->store, year), ==, 60 * DAY);
  }
}

/* Renew without force waits until a third of the lifetime remains. */
static void
test_renew_when_due (Fixture *f, gconstpointer data)
{
  g_autoptr(CwCertificate) cert = create (f, "due", 90);
  gint64 not_after = cw_certificate_get_info (cert)->not_after;
  g_autoptr(GError) error = NULL;

  renew (f, cert, &error);
  g_assert_error (error, CW_ERROR, CW_ERROR_NOT_DUE);
  g_assert_nonnull (strstr (error->message, "use force"));
  g_clear_error (&error);
  g_assert_cmpuint (cw_certificate_get_revision (cert), ==, 1);

  travel (not_after - 29 * DAY);
  renew (f, cert, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cw_certificate_get_revision (cert), ==, 2);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/expiry/transitions", test_transitions);
  ADD ("/expiry/window", test_window);
  ADD ("/expiry/renew-when-due", test_renew_when_due);
  ADD ("/expiry/short-lifetime", test_short_lifetime);
  return g_test_run ();
}
