/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What protects a CA from the agent, and what keeps an order quick: the
 * poll schedule (soon, then backing off; Retry-After wins, capped), the
 * token bucket every request draws from (never faster than its rate once
 * the burst is spent, first come first served), and the ACME client's
 * requests going through it (against a local HTTP server on 127.0.0.1:24310).
 * The times asserted are lower bounds only: a slow machine cannot fail
 * them, a bucket that lets requests through too early does. */
#include "cw-acme-budget.h"
#include "cw-acme-client.h"
#include "cw-acme-order.h"
#include "cw-test-util.h"

#define PORT 24310
#define SLACK_US 2000   /* timer and clock granularity */

static void
test_schedule (void)
{
  /* no hint: 50 ms, then twice as long each time, up to 10 s */
  g_assert_cmpuint (cw_acme_poll_delay (0, -1), ==, 50);
  g_assert_cmpuint (cw_acme_poll_delay (1, -1), ==, 100);
  g_assert_cmpuint (cw_acme_poll_delay (2, -1), ==, 200);
  g_assert_cmpuint (cw_acme_poll_delay (7, -1), ==, 6400);
  g_assert_cmpuint (cw_acme_poll_delay (8, -1), ==, 10000);
  g_assert_cmpuint (cw_acme_poll_delay (100, -1), ==, 10000);
  g_assert_cmpuint (cw_acme_poll_delay (G_MAXUINT, -1), ==, 10000);
  /* the CA's Retry-After wins, longer or shorter than the schedule */
  g_assert_cmpuint (cw_acme_poll_delay (0, 3), ==, 3000);
  g_assert_cmpuint (cw_acme_poll_delay (9, 2), ==, 2000);
  /* within reason: not a busy loop, not longer than a minute */
  g_assert_cmpuint (cw_acme_poll_delay (0, 0), ==, 50);
  g_assert_cmpuint (cw_acme_poll_delay (0, 86400), ==, 60000);
}

typedef struct {
  GArray *order;   /* guint: which request ran */
  GArray *times;   /* gint64: when, monotonic µs */
} Ran;

typedef struct {
  Ran  *ran;
  guint index;
} Call;

static void
record (gpointer data)
{
  Call *call = data;
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (call->ran->order, call->index);
  g_array_append_val (call->ran->times, now);
}

static void
test_bucket (void)
{
  g_autoptr(CwAcmeBudget) budget = cw_acme_budget_new (20, 5);
  Call calls[25];
  Ran ran = { g_array_new (FALSE, FALSE, sizeof (guint)), g_array_new (FALSE, FALSE, sizeof (gint64)) };
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++) {
    calls[i].ran = &ran;
    calls[i].index = i;
    cw_acme_budget_run (budget, record, &calls[i]);
  }
  /* the burst went out at once; the rest waits */
  g_assert_cmpuint (ran.order->len, ==, 5);
  g_assert_cmpuint (cw_acme_budget_get_waiting (budget), ==, 20);
  while (ran.order->len < G_N_ELEMENTS (calls))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (cw_acme_budget_get_waiting (budget), ==, 0);
  for (guint i = 0; i < ran.order->len; i++) {
    /* in the order asked */
    g_assert_cmpuint (g_array_index (ran.order, guint, i), ==, i);
    /* the k-th beyond the burst no earlier than k tokens' time */
    if (i >= 5)
      g_assert_cmpint (g_array_index (ran.times, gint64, i) - start, >=,
                       (gint64) (i - 4) * G_USEC_PER_SEC / 20 - SLACK_US);
  }
  g_array_unref (ran.order);
  g_array_unref (ran.times);
}

/* ---- the client draws from its budget ----------------------------------- */

static GArray *arrivals;   /* gint64, monotonic µs */

static void
serve (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (arrivals, now);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
}

static void
got (GObject *source, GAsyncResult *result, gpointer user_data)
{
  guint *done = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CwAcmeResponse) response = cw_acme_client_get_finish (CW_ACME_CLIENT (source), result, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (response->status, ==, 200);
  (*done)++;
}

static void
test_client (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", PORT);
  g_autoptr(CwAcmeClient) client = cw_acme_client_new ("http://127.0.0.1:24310/dir");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u/renewal-info/x", PORT);
  guint done = 0;
  gint64 start;

  arrivals = g_array_new (FALSE, FALSE, sizeof (gint64));
  soup_server_add_handler (server, NULL, serve, NULL, NULL);
  soup_server_listen (server, address, 0, &error);
  g_assert_no_error (error);

  /* 10 a second, 2 at once: the 8 requests need 0.6 s at least */
  cw_acme_client_set_budget (client, 10, 2);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 8; i++)
    cw_acme_client_get_async (client, url, NULL, got, &done);
  while (done < 8)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (arrivals->len, ==, 8);
  g_assert_cmpuint (cw_acme_client_get_request_count (client), ==, 8);
  for (guint i = 2; i < arrivals->len; i++)
    g_assert_cmpint (g_array_index (arrivals, gint64, i) - start, >=, (gint64) (i - 1) * G_USEC_PER_SEC / 10 - SLACK_US);

  soup_server_disconnect (server);
  g_array_unref (arrivals);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/acme-budget/schedule", test_schedule);
  g_test_add_func ("/acme-budget/bucket", test_bucket);
  g_test_add_func ("/acme-budget/client", test_client);
  return g_test_run ();
}
