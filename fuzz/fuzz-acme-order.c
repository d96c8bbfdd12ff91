/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-acme-order.c: a whole issuance (cw-acme-order.c over CwAcmeClient)
 * against a CA whose every answer is fuzz input: the directory, nonces,
 * the order, its authorizations and challenges, problem documents, polls,
 * the certificate chain and its alternates. A loopback SoupServer gives
 * the answers in the order the requests come.
 *
 * Input: one flags byte (bit 0: a preferred chain, bit 1: "replaces",
 * bit 2: a profile, bit 3: the solver does dns-01 instead of http-01,
 * bit 4: presenting fails), then the answers (fuzz-http.h) separated by
 * FUZZ_SEPARATOR. Every answer without a Replay-Nonce gets one.
 *
 * Time is not under test: the harness is linked with --wrap=g_timeout_add,
 * so the order's polls and Retry-After waits run at once.
 */
#include "cw-acme-order.h"
#include "fuzz-common.h"
#include "fuzz-http.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);
guint __wrap_g_timeout_add (guint interval, GSourceFunc function, gpointer data);

guint
__wrap_g_timeout_add (guint interval, GSourceFunc function, gpointer data)
{
  return g_idle_add (function, data);
}

/* ---- a solver that answers at once -------------------------------------- */

#define FUZZ_TYPE_SOLVER (fuzz_solver_get_type ())
G_DECLARE_FINAL_TYPE (FuzzSolver, fuzz_solver, FUZZ, SOLVER, GObject)

struct _FuzzSolver {
  GObject  parent_instance;
  gboolean dns;
  gboolean fail;
};

static void fuzz_solver_iface_init (CwChallengeSolverInterface *iface);
G_DEFINE_TYPE_WITH_CODE (FuzzSolver, fuzz_solver, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (CW_TYPE_CHALLENGE_SOLVER, fuzz_solver_iface_init))

static const gchar *
solver_type (CwChallengeSolver *solver)
{
  return FUZZ_SOLVER (solver)->dns ? "dns-01" : "http-01";
}

static void
solver_present (CwChallengeSolver *solver, GPtrArray *challenges, GCancellable *cancellable,
                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (solver, cancellable, callback, user_data);

  /* what the real solvers publish: the identifier, token and key authorization */
  for (guint i = 0; i < challenges->len; i++) {
    CwChallenge *challenge = challenges->pdata[i];

    fuzz_assert_utf8 ("a challenge's identifier", challenge->identifier);
    fuzz_assert_utf8 ("a challenge's key authorization", challenge->key_authorization);
  }
  if (FUZZ_SOLVER (solver)->fail)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "presenting failed");
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
solver_finish (CwChallengeSolver *solver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
solver_cleanup (CwChallengeSolver *solver, GPtrArray *challenges, GCancellable *cancellable,
                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (solver, cancellable, callback, user_data);

  g_task_return_boolean (task, TRUE);
}

static void
fuzz_solver_iface_init (CwChallengeSolverInterface *iface)
{
  iface->get_challenge_type = solver_type;
  iface->present_async = solver_present;
  iface->present_finish = solver_finish;
  iface->cleanup_async = solver_cleanup;
  iface->cleanup_finish = solver_finish;
}

static void
fuzz_solver_class_init (FuzzSolverClass *klass)
{
}

static void
fuzz_solver_init (FuzzSolver *self)
{
}

/* ---- the harness -------------------------------------------------------- */

static FuzzHttp *ca;
static CwAcmeAccount *account;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *directory = NULL, *kid = NULL;
  gnutls_x509_privkey_t key = NULL;

  fuzz_init ();
  gnutls_global_init ();
  ca = fuzz_http_new ();
  directory = g_strconcat (fuzz_http_base (ca), "/dir", NULL);
  kid = g_strconcat (fuzz_http_base (ca), "/acct/1", NULL);
  gnutls_x509_privkey_init (&key);
  if (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0) < 0)
    g_error ("fuzz: cannot make a key");
  /* the account is never saved: its directory need not exist */
  account = cw_acme_account_new ("fuzz", "/nonexistent/certward-fuzz", directory, key, &error);
  if (account == NULL)
    g_error ("fuzz: %s", error->message);
  cw_acme_account_set_url (account, kid);
  fuzz_http_set_nonces (ca, TRUE);
  return 0;
}

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
order_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GPtrArray) answers = NULL;
  g_autofree gchar *directory = NULL;
  g_autoptr(CwAcmeClient) client = NULL;
  g_autoptr(FuzzSolver) solver = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *chain = NULL;
  static const gchar *const identifiers[] = { "www.example.test", "*.example.test", "192.0.2.1", NULL };
  CwAcmeOrderSpec *spec;
  Wait wait = { FALSE, NULL };
  gint64 retry_after = 0;

  if (size < 1)
    return 0;
  answers = fuzz_split (data + 1, size - 1, 64);
  fuzz_http_queue (ca, answers, 0);
  directory = g_strconcat (fuzz_http_base (ca), "/dir", NULL);
  client = cw_acme_client_new (directory);
  solver = g_object_new (FUZZ_TYPE_SOLVER, NULL);
  solver->dns = (data[0] & 8) != 0;
  solver->fail = (data[0] & 16) != 0;

  spec = g_new0 (CwAcmeOrderSpec, 1);
  spec->identifiers = g_strdupv ((gchar **) identifiers);
  spec->csr = g_bytes_new_static ("\x30\x03\x02\x01\x00", 5);
  spec->preferred_chain = (data[0] & 1) ? g_strdup ("Fuzz Root X1") : NULL;
  spec->replaces = (data[0] & 2) ? g_strdup ("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE") : NULL;
  spec->profile = (data[0] & 4) ? g_strdup ("shortlived") : NULL;

  cw_acme_order_run_async (client, account, CW_CHALLENGE_SOLVER (solver), spec, NULL, order_done, &wait);
  fuzz_wait (&wait.done);
  chain = cw_acme_order_run_finish (wait.result, &retry_after, &error);
  g_object_unref (wait.result);
  /* a failed order's message is the certificate's LastError on D-Bus */
  if (chain == NULL)
    fuzz_assert_utf8 ("the order's error", error->message);
  fuzz_report ("order: %s", chain != NULL ? "issued" : error->message);
  fuzz_http_queue (ca, NULL, 0);
  return 0;
}
