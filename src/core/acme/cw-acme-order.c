/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One ACME order from newOrder to the certificate: authorizations, challenges, finalize, polling. */
#include "config.h"

#include "cw-acme-order.h"
#include "cw-error.h"
#include "cw-json.h"
#include "cw-names.h"

#include <glib/gi18n.h>
#include <string.h>

#define MAX_WAIT (10 * 60)      /* seconds for validation, and again for issuance */
#define MAX_POLL_INTERVAL 60    /* a Retry-After beyond this is capped */

void
cw_acme_order_spec_free (CwAcmeOrderSpec *spec)
{
  if (spec == NULL)
    return;
  g_strfreev (spec->identifiers);
  g_clear_pointer (&spec->csr, g_bytes_unref);
  g_free (spec->profile);
  g_free (spec->replaces);
  g_free (spec->preferred_chain);
  g_free (spec);
}

typedef struct {
  CwAcmeClient      *client;
  CwAcmeAccount     *account;
  CwChallengeSolver *solver;
  CwAcmeOrderSpec   *spec;

  gchar      *order_url;
  gchar      *finalize_url;
  gchar      *cert_url;
  GPtrArray  *authz_urls;       /* all of the order's */
  GPtrArray  *challenges;       /* CwChallenge, those presented */
  GPtrArray  *challenge_urls;   /* parallel to challenges */
  GPtrArray  *pending;          /* authz URLs of the challenges answered */
  gboolean    presented;
  guint       outstanding;      /* requests of a fan-out in flight */
  GError     *failure;          /* the first failure of a fan-out */
  GError     *order_error;      /* why the order is invalid, while its authorizations are read */
  GPtrArray  *invalid;          /* what went wrong per identifier (gchar*) */
  gint64      retry_after;      /* the CA's last hint for polling, -1 none */
  gint64      problem_wait;     /* Retry-After of the last problem, -1 none */
  guint       problem_status;   /* HTTP status of the last problem */
  gchar      *problem_type;     /* and its type */
  gboolean    account_gone;     /* the CA no longer knows the account (or it is deactivated) */
  gboolean    replaces_dropped; /* newOrder retried without "replaces" */
  gint64      deadline;         /* monotonic, seconds */
  guint       polls;
  gchar      *chain;            /* the result */
  gchar     **alternates;
  guint       next_alternate;
} Order;

static void
order_free (Order *o)
{
  g_object_unref (o->client);
  g_object_unref (o->account);
  g_object_unref (o->solver);
  cw_acme_order_spec_free (o->spec);
  g_free (o->order_url);
  g_free (o->finalize_url);
  g_free (o->cert_url);
  g_ptr_array_unref (o->authz_urls);
  g_ptr_array_unref (o->challenges);
  g_ptr_array_unref (o->challenge_urls);
  g_ptr_array_unref (o->pending);
  g_ptr_array_unref (o->invalid);
  g_clear_error (&o->failure);
  g_clear_error (&o->order_error);
  g_free (o->chain);
  g_strfreev (o->alternates);
  g_free (o->problem_type);
  g_free (o);
}

static Order *
order_of (GTask *task)
{
  return g_task_get_task_data (task);
}

static gint64
now_seconds (void)
{
  return g_get_monotonic_time () / G_USEC_PER_SEC;
}

static void
post (GTask *task, const gchar *url, const gchar *payload, const gchar *accept, GAsyncReadyCallback callback)
{
  Order *o = order_of (task);

  cw_acme_client_post_async (o->client, url, payload, cw_acme_account_get_key (o->account),
                             cw_acme_account_get_url (o->account), accept, g_task_get_cancellable (task),
                             callback, g_object_ref (task));
}

/* RFC 8555 §7.3.6: a deactivated account is refused as "unauthorized";
 * Boulder and Pebble say "deactivated" in the detail. A CA that lost its
 * state says accountDoesNotExist. */
static gboolean
account_gone (CwAcmeResponse *response)
{
  const gchar *type = cw_acme_response_problem_type (response);
  const gchar *detail = cw_json_string (cw_acme_response_object (response), "detail", "");

  return g_str_equal (type, "urn:ietf:params:acme:error:accountDoesNotExist") ||
         (g_str_equal (type, "urn:ietf:params:acme:error:unauthorized") && strstr (detail, "deactivated") != NULL);
}

/* A response, or NULL with @error set from the transport or the CA's
 * problem document; the CA's Retry-After is kept for the caller. */
static CwAcmeResponse *
take_response (GTask *task, GAsyncResult *result, const gchar *what, GError **error)
{
  Order *o = order_of (task);
  CwAcmeResponse *response = cw_acme_client_post_finish (o->client, result, error);

  if (response == NULL)
    return NULL;
  o->retry_after = cw_acme_response_retry_after (response);
  if (cw_acme_response_is_problem (response)) {
    o->problem_wait = o->retry_after;
    o->problem_status = response->status;
    g_free (o->problem_type);
    o->problem_type = g_strdup (cw_acme_response_problem_type (response));
    o->account_gone = o->account_gone || account_gone (response);
    g_propagate_error (error, cw_acme_response_to_error (response, what));
    cw_acme_response_free (response);
    return NULL;
  }
  if (cw_acme_response_object (response) == NULL && response->status != 200) {
    g_set_error (error, CW_ERROR, CW_ERROR_ACME, _("%s: the ACME server answered HTTP %u without an object"), what,
                 response->status);
    cw_acme_response_free (response);
    return NULL;
  }
  return response;
}

/* ---- ending ------------------------------------------------------------- */

/* Requests fan out (one per authorization or challenge): the first failure
 * is the order's, later ones are dropped (takes @error, may be NULL). */
static void
keep_failure (Order *o, GError *error)
{
  if (error != NULL && o->failure == NULL)
    o->failure = error;
  else if (error != NULL)
    g_error_free (error);
}

/* The order's result: its first failure, or the certificate chain. */
static void
order_return (GTask *task)
{
  Order *o = order_of (task);

  if (o->failure != NULL)
    g_task_return_error (task, g_steal_pointer (&o->failure));
  else
    g_task_return_pointer (task, g_steal_pointer (&o->chain), g_free);
}

static void
cleaned_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Order *o = order_of (task);
  g_autoptr(GError) error = NULL;

  if (!cw_challenge_solver_cleanup_finish (CW_CHALLENGE_SOLVER (source), result, &error))
    g_warning ("cleaning up challenges failed: %s", error->message);
  o->presented = FALSE;
  order_return (task);
}

/* The end, good or bad: challenges are always taken away again. */
static void
finish (GTask *task, GError *error)
{
  Order *o = order_of (task);

  keep_failure (o, error);
  if (o->presented) {
    cw_challenge_solver_cleanup_async (o->solver, o->challenges, NULL, cleaned_up, task);
    return;
  }
  order_return (task);
  g_object_unref (task);
}

/* ---- certificate -------------------------------------------------------- */

static gboolean
chain_is_preferred (Order *o, const gchar *pem)
{
  g_autofree gchar *cn = cw_x509_chain_top_issuer_cn (pem);

  return cn != NULL && g_ascii_strcasecmp (cn, o->spec->preferred_chain) == 0;
}

static void fetch_alternate (GTask *task);

static void
alternate_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Order *o = order_of (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(CwAcmeResponse) response = take_response (task, result, _("alternate chain"), &error);
  g_autofree gchar *pem = response != NULL ? cw_acme_response_text (response) : NULL;

  if (pem != NULL && chain_is_preferred (o, pem)) {
    g_free (o->chain);
    o->chain = g_steal_pointer (&pem);
    finish (g_steal_pointer (&task), NULL);
    return;
  }
  if (error != NULL)
    g_info ("an alternate chain could not be fetched: %s", error->message);
  fetch_alternate (g_steal_pointer (&task));
}

/* The preferred chain among the alternates, else the default one. */
static void
fetch_alternate (GTask *task)
{
  Order *o = order_of (task);

  if (o->alternates == NULL || o->alternates[o->next_alternate] == NULL) {
    g_info ("no chain issued by “%s”; keeping the default chain", o->spec->preferred_chain);
    finish (task, NULL);
    return;
  }
  post (task, o->alternates[o->next_alternate++], NULL, "application/pem-certificate-chain", alternate_fetched);
  g_object_unref (task);
}

static void
downloaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Order *o = order_of (task);
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = take_response (task, result, _("certificate download"), &error);

  if (response == NULL) {
    finish (g_steal_pointer (&task), error);
    return;
  }
  o->chain = cw_acme_response_text (response);
  if (strstr (o->chain, "-----BEGIN CERTIFICATE-----") == NULL) {
    finish (g_steal_pointer (&task),
            g_error_new_literal (CW_ERROR, CW_ERROR_ACME, _("the ACME server sent no PEM certificate chain")));
    return;
  }
  if (o->spec->preferred_chain != NULL && !chain_is_preferred (o, o->chain)) {
    o->alternates = cw_acme_response_links (response, "alternate");
    fetch_alternate (g_steal_pointer (&task));
    return;
  }
  finish (g_steal_pointer (&task), NULL);
}

static void
download (GTask *task)
{
  Order *o = order_of (task);

  post (task, o->cert_url, NULL, "application/pem-certificate-chain", downloaded);
  g_object_unref (task);
}

/* ---- finalize and its polling ------------------------------------------- */

static void order_polled (GObject *source, GAsyncResult *result, gpointer user_data);

guint
cw_acme_poll_delay (guint polls, gint64 retry_after)
{
  guint delay = CW_ACME_FIRST_POLL_MS;

  /* the CA knows best, within reason */
  if (retry_after >= 0)
    return CLAMP (retry_after * 1000, CW_ACME_FIRST_POLL_MS, MAX_POLL_INTERVAL * 1000);
  /* a validation or an issuance is often done at once (Pebble, a CA next
   * door) and sometimes takes seconds (remote perspectives, a busy CA):
   * look soon, then half as often each time, up to the cap */
  for (guint i = 0; i < polls && delay < CW_ACME_MAX_POLL_MS; i++)
    delay *= 2;
  return MIN (delay, CW_ACME_MAX_POLL_MS);
}

static guint
poll_interval (Order *o)
{
  return cw_acme_poll_delay (o->polls, o->retry_after);
}

/* A timer's end: the order asked again (@task's reference is the timer's),
 * unless the order was cancelled meanwhile (a removed certificate's
 * challenges are taken away now, not after the wait). */
static gboolean
poll_order_url (GTask *task, GAsyncReadyCallback polled)
{
  Order *o = order_of (task);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error)) {
    finish (task, error);
    return G_SOURCE_REMOVE;
  }
  o->polls++;
  post (task, o->order_url, NULL, NULL, polled);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static gboolean
poll_order (gpointer user_data)
{
  return poll_order_url (user_data, order_polled);
}

static void
order_state (GTask *task, JsonObject *order)
{
  Order *o = order_of (task);
  const gchar *status = cw_json_string (order, "status", "");
  const gchar *certificate = cw_json_string (order, "certificate", NULL);

  if (g_str_equal (status, "valid") && certificate != NULL) {
    g_free (o->cert_url);
    o->cert_url = g_strdup (certificate);
    download (task);
  } else if (g_str_equal (status, "processing") || g_str_equal (status, "ready") || g_str_equal (status, "valid")) {
    if (now_seconds () > o->deadline) {
      finish (task, g_error_new (CW_ERROR, CW_ERROR_ACME, _("the ACME server did not issue the certificate within %d minutes"),
                                 MAX_WAIT / 60));
      return;
    }
    /* not g_timeout_add_seconds: it may fire up to a second early, before
     * the CA's Retry-After is over */
    g_timeout_add (poll_interval (o), poll_order, task);
  } else {
    const gchar *detail = cw_json_string (cw_json_object (order, "error"), "detail", NULL);

    finish (task, g_error_new (CW_ERROR, CW_ERROR_ACME, _("the order is %s: %s"), *status != '\0' ? status : "?",
                               detail != NULL ? detail : _("no reason given")));
  }
}

static void
order_polled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = take_response (task, result, _("order"), &error);

  if (response == NULL) {
    finish (g_steal_pointer (&task), error);
    return;
  }
  order_state (g_steal_pointer (&task), cw_acme_response_object (response));
}

static void
finalized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = take_response (task, result, _("finalize"), &error);

  if (response == NULL) {
    finish (g_steal_pointer (&task), error);
    return;
  }
  order_of (task)->polls = 0;
  order_of (task)->deadline = now_seconds () + MAX_WAIT;
  order_state (g_steal_pointer (&task), cw_acme_response_object (response));
}

static void
finalize (GTask *task)
{
  Order *o = order_of (task);
  g_autofree gchar *csr = cw_base64url_encode (g_bytes_get_data (o->spec->csr, NULL), g_bytes_get_size (o->spec->csr));
  g_autofree gchar *payload = g_strdup_printf ("{\"csr\":\"%s\"}", csr);

  post (task, o->finalize_url, payload, NULL, finalized);
  g_object_unref (task);
}

/* ---- authorizations ----------------------------------------------------- */

/* Everything the CA refused, as one error naming each identifier. */
static GError *
invalid_error (Order *o)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < o->invalid->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "; " : "", (const gchar *) g_ptr_array_index (o->invalid, i));
  return g_error_new_literal (CW_ERROR, CW_ERROR_ACME, text->str);
}

/* The identifier an authorization is for, as the order named it. */
static gchar *
authz_identifier (JsonObject *authz)
{
  const gchar *value = cw_json_string (cw_json_object (authz, "identifier"), "value", "?");

  if (cw_json_bool (authz, "wildcard", FALSE))
    return g_strconcat ("*.", value, NULL);
  return g_strdup (value);
}

static void
note_invalid (Order *o, JsonObject *authz)
{
  g_autofree gchar *id = authz_identifier (authz);
  JsonArray *challenges = cw_json_array (authz, "challenges");
  const gchar *detail = NULL;
  const gchar *type = cw_challenge_solver_get_challenge_type (o->solver);

  for (guint i = 0; challenges != NULL && i < json_array_get_length (challenges) && detail == NULL; i++)
    detail = cw_json_string (cw_json_object (cw_json_array_object (challenges, i), "error"), "detail", NULL);
  g_ptr_array_add (o->invalid, g_strdup_printf ("%s for %s: %s", type, id,
                                                detail != NULL ? detail : _("the CA refused it without a reason")));
}

static gboolean
authz_failed (const gchar *status)
{
  return g_str_equal (status, "invalid") || g_str_equal (status, "revoked") || g_str_equal (status, "expired") ||
         g_str_equal (status, "deactivated");
}

/* ---- validation: the order says when its authorizations are done -------- */

static void validation_polled (GObject *source, GAsyncResult *result, gpointer user_data);

/* One request however many names the order has: the order turns "ready"
 * when every authorization is valid and "invalid" when one is not. */
static gboolean
poll_validation (gpointer user_data)
{
  return poll_order_url (user_data, validation_polled);
}

/* The order failed: its authorizations say why, per identifier. */
static void
authz_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Order *o = order_of (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(CwAcmeResponse) response = take_response (task, result, _("authorization"), &error);
  JsonObject *authz = response != NULL ? cw_acme_response_object (response) : NULL;

  if (authz != NULL && authz_failed (cw_json_string (authz, "status", "")))
    note_invalid (o, authz);
  else if (error != NULL)
    g_info ("an authorization could not be read: %s", error->message);
  if (--o->outstanding > 0)
    return;
  /* the authorizations' reasons name the identifiers; the order's is the
   * fallback */
  if (o->invalid->len == 0) {
    finish (g_steal_pointer (&task), g_steal_pointer (&o->order_error));
    return;
  }
  g_clear_error (&o->order_error);
  finish (g_steal_pointer (&task), invalid_error (o));
}

static void
order_invalid (GTask *task, JsonObject *order)
{
  Order *o = order_of (task);
  const gchar *status = cw_json_string (order, "status", "");
  const gchar *detail = cw_json_string (cw_json_object (order, "error"), "detail", NULL);

  o->order_error = g_error_new (CW_ERROR, CW_ERROR_ACME, _("the order is %s: %s"), *status != '\0' ? status : "?",
                                detail != NULL ? detail : _("no reason given"));
  o->outstanding = o->pending->len;
  if (o->outstanding == 0) {
    finish (task, g_steal_pointer (&o->order_error));
    return;
  }
  for (guint i = 0; i < o->pending->len; i++)
    post (task, g_ptr_array_index (o->pending, i), NULL, NULL, authz_checked);
  g_object_unref (task);
}

static void
validation_polled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Order *o = order_of (task);
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = take_response (task, result, _("order"), &error);
  JsonObject *order = response != NULL ? cw_acme_response_object (response) : NULL;
  const gchar *status = cw_json_string (order, "status", "");

  if (response == NULL) {
    finish (g_steal_pointer (&task), error);
  } else if (g_str_equal (status, "pending")) {
    if (now_seconds () > o->deadline) {
      finish (g_steal_pointer (&task), g_error_new (CW_ERROR, CW_ERROR_ACME,
                                                    _("the ACME server did not validate within %d minutes"),
                                                    MAX_WAIT / 60));
      return;
    }
    g_timeout_add (poll_interval (o), poll_validation, g_steal_pointer (&task));
  } else if (g_str_equal (status, "ready")) {
    finalize (g_steal_pointer (&task));
  } else if (g_str_equal (status, "processing") || g_str_equal (status, "valid")) {
    /* finalized already (a resumed order): on to the certificate */
    o->polls = 0;
    o->deadline = now_seconds () + MAX_WAIT;
    order_state (g_steal_pointer (&task), order);
  } else {
    order_invalid (g_steal_pointer (&task), order);
  }
}

static void
responded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Order *o = order_of (task);
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = take_response (task, result, _("challenge"), &error);

  keep_failure (o, error);
  if (--o->outstanding > 0)
    return;
  if (o->failure != NULL) {
    finish (g_steal_pointer (&task), NULL);
    return;
  }
  /* the CA validates now; look again soon (or as it says) */
  o->polls = 0;
  o->deadline = now_seconds () + MAX_WAIT;
  g_timeout_add (poll_interval (o), poll_validation, g_steal_pointer (&task));
}

static void
presented (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Order *o = order_of (task);
  GError *error = NULL;

  if (!cw_challenge_solver_present_finish (o->solver, result, &error)) {
    finish (g_steal_pointer (&task), error);
    return;
  }
  o->outstanding = o->challenge_urls->len;
  for (guint i = 0; i < o->challenge_urls->len; i++)
    post (task, g_ptr_array_index (o->challenge_urls, i), "{}", NULL, responded);
}

static void
authz_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Order *o = order_of (task);
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = take_response (task, result, _("authorization"), &error);
  JsonObject *authz = response != NULL ? cw_acme_response_object (response) : NULL;

  if (authz != NULL) {
    const gchar *status = cw_json_string (authz, "status", "");
    const gchar *type = cw_challenge_solver_get_challenge_type (o->solver);
    JsonArray *list = cw_json_array (authz, "challenges");
    g_autoptr(GPtrArray) offered = g_ptr_array_new ();
    JsonObject *challenge = NULL;

    if (g_str_equal (status, "pending")) {
      for (guint i = 0; list != NULL && i < json_array_get_length (list); i++) {
        JsonObject *c = cw_json_array_object (list, i);
        const gchar *ctype = cw_json_string (c, "type", "");

        g_ptr_array_add (offered, (gpointer) ctype);
        if (g_str_equal (ctype, type))
          challenge = c;
      }
      if (challenge == NULL) {
        g_autofree gchar *id = authz_identifier (authz);
        g_autofree gchar *types = NULL;

        g_ptr_array_add (offered, NULL);
        types = g_strjoinv (", ", (gchar **) offered->pdata);
        error = g_error_new (CW_ERROR, CW_ERROR_ACME, _("the CA offers no %s challenge for %s (it offers %s)"),
                             type, id, *types != '\0' ? types : _("none"));
      } else {
        const gchar *token = cw_json_string (challenge, "token", NULL);
        const gchar *url = cw_json_string (challenge, "url", NULL);
        const gchar *value = cw_json_string (cw_json_object (authz, "identifier"), "value", NULL);

        if (token == NULL || url == NULL || value == NULL) {
          error = g_error_new (CW_ERROR, CW_ERROR_ACME, _("the ACME server sent a %s challenge without %s"), type,
                               token == NULL ? "token" : url == NULL ? "url" : "identifier");
        } else {
          g_autofree gchar *key_authorization = g_strconcat (token, ".", cw_acme_account_get_thumbprint (o->account),
                                                             NULL);

          g_ptr_array_add (o->challenges, cw_challenge_new (value, token, key_authorization,
                                                            cw_json_bool (authz, "wildcard", FALSE)));
          g_ptr_array_add (o->challenge_urls, g_strdup (url));
          g_ptr_array_add (o->pending, g_strdup (response->url));
        }
      }
    } else if (!g_str_equal (status, "valid")) {
      note_invalid (o, authz);
    }
  }
  keep_failure (o, error);
  if (--o->outstanding > 0)
    return;

  if (o->failure != NULL) {
    finish (g_steal_pointer (&task), NULL);
  } else if (o->invalid->len > 0) {
    finish (g_steal_pointer (&task), invalid_error (o));
  } else if (o->challenges->len == 0) {
    finalize (g_steal_pointer (&task));   /* every authorization was valid already */
  } else {
    GCancellable *cancellable = g_task_get_cancellable (task);

    /* cleaned up whatever happens, a half-done present included */
    o->presented = TRUE;
    cw_challenge_solver_present_async (o->solver, o->challenges, cancellable, presented, g_steal_pointer (&task));
  }
}

/* ---- the order ---------------------------------------------------------- */

static gchar *new_order_payload (const CwAcmeOrderSpec *spec);

static void
order_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Order *o = order_of (task);
  GError *error = NULL;
  g_autoptr(CwAcmeResponse) response = take_response (task, result, _("new order"), &error);
  JsonObject *order;
  JsonArray *authzs;
  const gchar *location;

  /* RFC 9773 §5: the certificate is already being replaced (an earlier
   * attempt, another account): order again without claiming it */
  if (response == NULL && o->spec->replaces != NULL && !o->replaces_dropped &&
      (o->problem_status == 409 || g_strcmp0 (o->problem_type, "urn:ietf:params:acme:error:alreadyReplaced") == 0)) {
    g_autofree gchar *payload = NULL;

    g_info ("newOrder refused “replaces” (%s); ordering without it", error->message);
    g_clear_error (&error);
    g_clear_pointer (&o->spec->replaces, g_free);
    o->replaces_dropped = TRUE;
    payload = new_order_payload (o->spec);
    post (task, cw_acme_client_endpoint (o->client, "newOrder"), payload, NULL, order_created);
    return;
  }
  if (response == NULL) {
    finish (g_steal_pointer (&task), error);
    return;
  }
  order = cw_acme_response_object (response);
  location = cw_acme_response_header (response, "Location");
  authzs = cw_json_array (order, "authorizations");
  if (location == NULL || authzs == NULL || cw_json_string (order, "finalize", NULL) == NULL ||
      json_array_get_length (authzs) > 100) {
    finish (g_steal_pointer (&task),
            g_error_new_literal (CW_ERROR, CW_ERROR_ACME, _("the ACME server answered newOrder without an order")));
    return;
  }
  o->order_url = cw_acme_response_resolve (response, location);
  o->finalize_url = g_strdup (cw_json_string (order, "finalize", NULL));
  for (guint i = 0; i < json_array_get_length (authzs); i++) {
    const gchar *url = cw_json_array_string (authzs, i);

    if (url != NULL)
      g_ptr_array_add (o->authz_urls, g_strdup (url));
  }
  g_debug ("order %s: %u authorizations", o->order_url, o->authz_urls->len);

  if (o->authz_urls->len == 0) {
    finalize (g_steal_pointer (&task));
    return;
  }
  o->outstanding = o->authz_urls->len;
  for (guint i = 0; i < o->authz_urls->len; i++)
    post (task, g_ptr_array_index (o->authz_urls, i), NULL, NULL, authz_fetched);
}

static gchar *
new_order_payload (const CwAcmeOrderSpec *spec)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "identifiers");
  json_builder_begin_array (b);
  for (guint i = 0; spec->identifiers[i] != NULL; i++) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, cw_identity_is_ip (spec->identifiers[i]) ? "ip" : "dns");
    json_builder_set_member_name (b, "value");
    json_builder_add_string_value (b, spec->identifiers[i]);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  if (spec->profile != NULL) {
    json_builder_set_member_name (b, "profile");
    json_builder_add_string_value (b, spec->profile);
  }
  if (spec->replaces != NULL) {
    json_builder_set_member_name (b, "replaces");
    json_builder_add_string_value (b, spec->replaces);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static void
directory_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Order *o = order_of (task);
  GError *error = NULL;
  g_autofree gchar *payload = NULL;
  const gchar *new_order;

  if (cw_acme_client_load_directory_finish (o->client, result, &error) == NULL) {
    finish (g_steal_pointer (&task), error);
    return;
  }
  new_order = cw_acme_client_endpoint (o->client, "newOrder");
  if (new_order == NULL) {
    finish (g_steal_pointer (&task), g_error_new_literal (CW_ERROR, CW_ERROR_ACME, _("the ACME directory names no newOrder")));
    return;
  }
  payload = new_order_payload (o->spec);
  post (task, new_order, payload, NULL, order_created);
}

void
cw_acme_order_run_async (CwAcmeClient *client, CwAcmeAccount *account, CwChallengeSolver *solver,
                         CwAcmeOrderSpec *spec, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Order *o = g_new0 (Order, 1);

  o->client = g_object_ref (client);
  o->account = g_object_ref (account);
  o->solver = g_object_ref (solver);
  o->spec = spec;
  o->authz_urls = g_ptr_array_new_with_free_func (g_free);
  o->challenges = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_challenge_free);
  o->challenge_urls = g_ptr_array_new_with_free_func (g_free);
  o->pending = g_ptr_array_new_with_free_func (g_free);
  o->invalid = g_ptr_array_new_with_free_func (g_free);
  o->retry_after = -1;
  o->problem_wait = -1;
  g_task_set_task_data (task, o, (GDestroyNotify) order_free);
  cw_acme_client_load_directory_async (client, cancellable, directory_ready, task);
}

gboolean
cw_acme_order_account_gone (GAsyncResult *result)
{
  return order_of (G_TASK (result))->account_gone;
}

gchar *
cw_acme_order_run_finish (GAsyncResult *result, gint64 *retry_after, GError **error)
{
  Order *o = order_of (G_TASK (result));

  if (retry_after != NULL)
    *retry_after = o->problem_wait;
  return g_task_propagate_pointer (G_TASK (result), error);
}
