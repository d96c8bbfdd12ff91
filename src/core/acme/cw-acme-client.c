/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One ACME server over libsoup: its directory, pooled nonces, signed POSTs, badNonce and Retry-After. */
#include "config.h"

#include "cw-acme-client.h"
#include "cw-acme-budget.h"
#include "cw-json.h"
#include "cw-clock.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

#define PROBLEM_PREFIX "urn:ietf:params:acme:error:"
/* a CA that rejects half the nonces (Pebble's NONCEREJECT=50) still gets
 * through: 2^-30 */
#define MAX_BAD_NONCE 30
/* a 503 is retried when the CA asks for a short pause */
#define MAX_UNAVAILABLE 3
#define MAX_UNAVAILABLE_WAIT 10

/* ---- responses ---------------------------------------------------------- */

void
cw_acme_response_free (CwAcmeResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->json, json_node_unref);
  g_free (response->url);
  g_free (response);
}

const gchar *
cw_acme_response_header (CwAcmeResponse *response, const gchar *name)
{
  return response->headers != NULL ? soup_message_headers_get_one (response->headers, name) : NULL;
}

JsonObject *
cw_acme_response_object (CwAcmeResponse *response)
{
  return response->json != NULL && JSON_NODE_HOLDS_OBJECT (response->json) ? json_node_get_object (response->json)
                                                                             : NULL;
}

gchar **
cw_acme_response_links (CwAcmeResponse *response, const gchar *rel)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  const gchar *header = response->headers != NULL ? soup_message_headers_get_list (response->headers, "Link") : NULL;
  GSList *items = header != NULL ? soup_header_parse_list (header) : NULL;

  for (GSList *l = items; l != NULL; l = l->next) {
    const gchar *item = l->data;
    const gchar *open = strchr (item, '<');
    const gchar *close = open != NULL ? strchr (open, '>') : NULL;
    const gchar *params = close != NULL ? strchr (close, ';') : NULL;
    g_autoptr(GHashTable) table = NULL;

    if (close == NULL || params == NULL)
      continue;
    table = soup_header_parse_semi_param_list (params + 1);
    /* rel is a space-separated list of relation types (RFC 8288 §3.3) */
    if (g_hash_table_lookup (table, "rel") != NULL) {
      g_auto(GStrv) rels = g_strsplit (g_hash_table_lookup (table, "rel"), " ", -1);
      g_autofree gchar *target = g_strndup (open + 1, close - open - 1);
      gchar *resolved = NULL;

      /* a target that does not resolve is left out: a NULL in the list
       * would end it early and leak what follows */
      if (g_strv_contains ((const gchar * const *) rels, rel) && out->len < 16 &&
          (resolved = cw_acme_response_resolve (response, target)) != NULL)
        g_ptr_array_add (out, resolved);
    }
  }
  soup_header_free_list (items);
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_steal (out, NULL);
}

gint64
cw_acme_response_retry_after (CwAcmeResponse *response)
{
  const gchar *value = cw_acme_response_header (response, "Retry-After");
  guint64 seconds = 0;
  g_autoptr(GDateTime) when = NULL;

  if (value == NULL)
    return -1;
  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT32, &seconds, NULL))
    return seconds;
  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return -1;
  return MAX (g_date_time_to_unix (when) - cw_clock_now (), 0);
}

gboolean
cw_acme_response_is_problem (CwAcmeResponse *response)
{
  return response->status >= 400;
}

const gchar *
cw_acme_response_problem_type (CwAcmeResponse *response)
{
  JsonObject *o = cw_acme_response_object (response);

  return cw_json_string (o, "type", "");
}

static const gchar *
short_type (const gchar *type)
{
  return g_str_has_prefix (type, PROBLEM_PREFIX) ? type + strlen (PROBLEM_PREFIX) : type;
}

GError *
cw_acme_response_to_error (CwAcmeResponse *response, const gchar *what)
{
  JsonObject *o = cw_acme_response_object (response);
  const gchar *detail = cw_json_string (o, "detail", NULL);
  const gchar *type = cw_json_string (o, "type", NULL);
  JsonArray *subproblems = cw_json_array (o, "subproblems");
  g_autoptr(GString) text = g_string_new (NULL);

  if (detail == NULL) {
    return g_error_new (CW_ERROR, CW_ERROR_ACME, _("%s: the ACME server answered %u %s"), what, response->status,
                        soup_status_get_phrase (response->status));
  }
  g_string_append_printf (text, "%s: %s", what, detail);
  if (type != NULL)
    g_string_append_printf (text, " (%s)", short_type (type));
  for (guint i = 0; subproblems != NULL && i < json_array_get_length (subproblems) && i < 20; i++) {
    JsonObject *sub = cw_json_array_object (subproblems, i);

    if (sub != NULL)
      g_string_append_printf (text, "; %s: %s", cw_json_string (cw_json_object (sub, "identifier"), "value", "?"),
                              cw_json_string (sub, "detail", ""));
  }
  return g_error_new_literal (CW_ERROR, CW_ERROR_ACME, text->str);
}

gchar *
cw_acme_response_resolve (CwAcmeResponse *response, const gchar *reference)
{
  g_autofree gchar *scheme = NULL;

  if (reference == NULL)
    return NULL;
  /* Location and Link may be relative (RFC 9110 §10.2.2, RFC 8288 §3.1);
   * one with a scheme must be a URL the agent can fetch, with a host
   * ("htnps:/..//x" made GLib's join fail an assertion: fuzz-acme-json) */
  scheme = g_uri_parse_scheme (reference);
  if (scheme != NULL) {
    g_autoptr(GUri) uri = g_uri_parse (reference, G_URI_FLAGS_NONE, NULL);

    if (uri == NULL || (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0) ||
        g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
      return NULL;
  }
  return g_uri_resolve_relative (response->url, reference, G_URI_FLAGS_NONE, NULL);
}

/* ---- client ------------------------------------------------------------- */

struct _CwAcmeClient {
  GObject      parent_instance;

  gchar       *directory_url;
  SoupSession *session;
  JsonNode    *directory;
  GPtrArray   *waiting;     /* GTasks waiting for the directory */
  GQueue       nonces;
  guint        requests;
  CwAcmeBudget *budget;     /* NULL: no limit */
};

G_DEFINE_FINAL_TYPE (CwAcmeClient, cw_acme_client, G_TYPE_OBJECT)

static void
cw_acme_client_finalize (GObject *object)
{
  CwAcmeClient *self = CW_ACME_CLIENT (object);

  g_free (self->directory_url);
  g_clear_object (&self->session);
  g_clear_pointer (&self->directory, json_node_unref);
  g_ptr_array_unref (self->waiting);
  g_queue_clear_full (&self->nonces, g_free);
  cw_acme_budget_free (self->budget);
  G_OBJECT_CLASS (cw_acme_client_parent_class)->finalize (object);
}

static void
cw_acme_client_class_init (CwAcmeClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_acme_client_finalize;
}

static void
cw_acme_client_init (CwAcmeClient *self)
{
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->nonces);
}

/* A system daemon follows https_proxy/no_proxy from its unit, not a
 * desktop's proxy settings: GIO's default resolver would load libproxy
 * (and with it libstdc++) for nothing. */
static GProxyResolver *
proxy_resolver (void)
{
  static GProxyResolver *resolver;
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    const gchar *proxy = g_getenv ("https_proxy") != NULL ? g_getenv ("https_proxy") : g_getenv ("HTTPS_PROXY");
    const gchar *no_proxy = g_getenv ("no_proxy") != NULL ? g_getenv ("no_proxy") : g_getenv ("NO_PROXY");

    if (proxy != NULL && *proxy != '\0') {
      g_auto(GStrv) ignore = no_proxy != NULL ? g_strsplit (no_proxy, ",", -1) : NULL;

      resolver = g_simple_proxy_resolver_new (proxy, ignore);
    }
    g_once_init_leave (&done, 1);
  }
  return resolver;
}

CwAcmeClient *
cw_acme_client_new (const gchar *directory_url)
{
  CwAcmeClient *self = g_object_new (CW_TYPE_ACME_CLIENT, NULL);

  self->directory_url = g_strdup (directory_url);
  /* many orders at once share few connections (HTTP/2 where the CA has it) */
  self->session = soup_session_new_with_options ("user-agent", "certward/" PACKAGE_VERSION " (ACME)",
                                                 "max-conns", 64, "max-conns-per-host", 32,
                                                 "timeout", 60, "proxy-resolver", proxy_resolver (), NULL);
  return self;
}

const gchar *
cw_acme_client_get_directory_url (CwAcmeClient *self)
{
  return self->directory_url;
}

void
cw_acme_client_set_budget (CwAcmeClient *self, gdouble rate, guint burst)
{
  cw_acme_budget_free (self->budget);
  self->budget = rate > 0 ? cw_acme_budget_new (rate, burst) : NULL;
}

guint
cw_acme_client_get_request_count (CwAcmeClient *self)
{
  return self->requests;
}

const gchar *
cw_acme_client_endpoint (CwAcmeClient *self, const gchar *name)
{
  JsonObject *o = self->directory != NULL ? json_node_get_object (self->directory) : NULL;

  if (o == NULL || !json_object_has_member (o, name))
    return NULL;
  return cw_json_string (o, name, NULL);
}

JsonObject *
cw_acme_client_get_meta (CwAcmeClient *self)
{
  JsonObject *o = self->directory != NULL ? json_node_get_object (self->directory) : NULL;

  return cw_json_object (o, "meta");
}

/* ---- one exchange ------------------------------------------------------- */

#define MAX_BODY (1024 * 1024)   /* a certificate chain, a JSON object: far less */
#define MAX_NONCES 16

typedef struct {
  CwAcmeClient *client;
  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *body;
} Exchange;

static void
exchange_free (Exchange *ex)
{
  g_object_unref (ex->client);
  g_clear_object (&ex->message);
  g_clear_object (&ex->stream);
  if (ex->body != NULL)
    g_byte_array_unref (ex->body);
  g_free (ex);
}

/* RFC 8555 §6.5.1: a nonce is base64url; anything else is not kept. */
static gboolean
nonce_ok (const gchar *nonce)
{
  if (*nonce == '\0' || strlen (nonce) > 256)
    return FALSE;
  for (const gchar *p = nonce; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static void
keep_nonce (CwAcmeClient *self, const gchar *nonce)
{
  if (nonce == NULL || !nonce_ok (nonce))
    return;
  /* the newest first: older ones are the likeliest to have gone stale */
  g_queue_push_head (&self->nonces, g_strdup (nonce));
  while (g_queue_get_length (&self->nonces) > MAX_NONCES)
    g_free (g_queue_pop_tail (&self->nonces));
}

static void
complete (GTask *task)
{
  Exchange *ex = g_task_get_task_data (task);
  CwAcmeResponse *response = g_new0 (CwAcmeResponse, 1);
  const gchar *type;

  response->status = soup_message_get_status (ex->message);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (ex->message));
  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&ex->body));
  response->url = g_uri_to_string (soup_message_get_uri (ex->message));
  type = soup_message_headers_get_content_type (response->headers, NULL);
  if (type != NULL && (g_str_equal (type, "application/json") || g_str_equal (type, "application/problem+json")))
    response->json = cw_json_parse (g_bytes_get_data (response->body, NULL), g_bytes_get_size (response->body), NULL);
  keep_nonce (ex->client, soup_message_headers_get_one (response->headers, "Replay-Nonce"));
  g_task_return_pointer (task, response, (GDestroyNotify) cw_acme_response_free);
  g_object_unref (task);
}

static void
read_more (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Exchange *ex = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (chunk == NULL) {
    g_autofree gchar *url = g_uri_to_string (soup_message_get_uri (ex->message));

    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NETWORK, _("the answer of the ACME server at %s broke off: %s"),
                             url, error->message);
    g_error_free (error);
    g_object_unref (task);
    return;
  }
  if (g_bytes_get_size (chunk) == 0) {
    complete (task);
    return;
  }
  if (ex->body->len + g_bytes_get_size (chunk) > MAX_BODY) {
    g_autofree gchar *url = g_uri_to_string (soup_message_get_uri (ex->message));

    g_task_return_new_error (task, CW_ERROR, CW_ERROR_ACME, _("the ACME server at %s sent more than %d KiB"), url,
                             MAX_BODY / 1024);
    g_object_unref (task);
    return;
  }
  g_byte_array_append (ex->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  g_input_stream_read_bytes_async (ex->stream, 64 * 1024, G_PRIORITY_DEFAULT, g_task_get_cancellable (task), read_more,
                                   task);
}

static void
sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Exchange *ex = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  ex->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (ex->stream == NULL) {
    g_autofree gchar *url = g_uri_to_string (soup_message_get_uri (ex->message));

    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NETWORK, _("cannot reach the ACME server at %s: %s"), url,
                             error->message);
    g_object_unref (task);
    return;
  }
  /* refused up front when the server says it is too big */
  if (soup_message_headers_get_content_length (soup_message_get_response_headers (ex->message)) > MAX_BODY) {
    g_autofree gchar *url = g_uri_to_string (soup_message_get_uri (ex->message));

    g_task_return_new_error (task, CW_ERROR, CW_ERROR_ACME, _("the ACME server at %s sent more than %d KiB"), url,
                             MAX_BODY / 1024);
    g_object_unref (task);
    return;
  }
  ex->body = g_byte_array_new ();
  g_input_stream_read_bytes_async (ex->stream, 64 * 1024, G_PRIORITY_DEFAULT, g_task_get_cancellable (task), read_more,
                                   task);
}

/* The request leaves now: it had its token. */
static void
send_now (GTask *task)
{
  Exchange *ex = g_task_get_task_data (task);

  ex->client->requests++;
  soup_session_send_async (ex->client->session, ex->message, G_PRIORITY_DEFAULT, g_task_get_cancellable (task), sent,
                           task);
}

static void
exchange (CwAcmeClient *self, const gchar *method, const gchar *url, const gchar *body, const gchar *accept,
          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Exchange *ex = g_new0 (Exchange, 1);
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  const gchar *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

  g_task_set_task_data (task, ex, (GDestroyNotify) exchange_free);
  ex->client = g_object_ref (self);
  if (uri != NULL && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0' &&
      (g_strcmp0 (scheme, "https") == 0 || g_strcmp0 (scheme, "http") == 0))
    ex->message = soup_message_new_from_uri (method, uri);
  if (ex->message == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_ACME, _("the ACME server gave an unusable URL “%s”"),
                             url != NULL ? url : "");
    g_object_unref (task);
    return;
  }
  /* POSTs may use the open connection (one HTTP/2 connection carries every
   * order): libsoup opens a new TLS connection for each non-idempotent
   * request otherwise. A POST lost with a dropped connection is safe to
   * send again: its nonce is spent, and badNonce is retried. */
  soup_message_add_flags (ex->message, SOUP_MESSAGE_IDEMPOTENT);
  if (accept != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (ex->message), "Accept", accept);
  if (body != NULL) {
    g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (ex->message, "application/jose+json", bytes);
  }
  if (self->budget != NULL)
    cw_acme_budget_run (self->budget, (CwAcmeBudgetFunc) send_now, task);
  else
    send_now (task);
}

static CwAcmeResponse *
exchange_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- directory ---------------------------------------------------------- */

static void
directory_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CwAcmeClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CwAcmeResponse) response = exchange_finish (result, &error);
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  /* only a real directory is kept: a maintenance page is tried again next time */
  if (response != NULL && error == NULL) {
    JsonObject *o = cw_acme_response_object (response);

    if (response->status != 200 || cw_json_string (o, "newNonce", NULL) == NULL ||
        cw_json_string (o, "newAccount", NULL) == NULL || cw_json_string (o, "newOrder", NULL) == NULL)
      g_set_error (&error, CW_ERROR, CW_ERROR_ACME, _("%s is not an ACME directory (HTTP %u)"), self->directory_url,
                   response->status);
  }
  if (error == NULL) {
    self->directory = json_node_ref (response->json);
    g_debug ("ACME directory %s loaded", self->directory_url);
  }
  for (guint i = 0; i < waiting->len; i++) {
    GTask *task = g_ptr_array_index (waiting, i);

    if (error != NULL)
      g_task_return_error (task, g_error_copy (error));
    else
      g_task_return_pointer (task, json_node_get_object (self->directory), NULL);
  }
}

void
cw_acme_client_load_directory_async (CwAcmeClient *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  if (self->directory != NULL) {
    g_task_return_pointer (task, json_node_get_object (self->directory), NULL);
    g_object_unref (task);
    return;
  }
  /* one load for everybody who asks meanwhile */
  g_ptr_array_add (self->waiting, task);
  if (self->waiting->len == 1)
    exchange (self, SOUP_METHOD_GET, self->directory_url, NULL, NULL, NULL, directory_loaded, g_object_ref (self));
}

JsonObject *
cw_acme_client_load_directory_finish (CwAcmeClient *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- POST --------------------------------------------------------------- */

typedef struct {
  gchar           *url;
  gchar           *payload;
  gnutls_privkey_t key;       /* borrowed: the caller keeps it alive */
  gchar           *kid;
  gchar           *accept;
  guint            bad_nonces;
  guint            unavailable;
  gboolean         get;       /* a plain GET, no JWS */
} Post;

static void
post_free (Post *post)
{
  g_free (post->url);
  g_free (post->payload);
  g_free (post->kid);
  g_free (post->accept);
  g_free (post);
}

static void post_step (GTask *task);

static void
nonce_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CwAcmeResponse) response = exchange_finish (result, &error);
  CwAcmeClient *self = g_task_get_source_object (task);

  if (response == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (g_queue_is_empty (&self->nonces)) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_ACME, _("the ACME server gave no nonce (HTTP %u from newNonce)"),
                             response->status);
    return;
  }
  post_step (g_steal_pointer (&task));
}

static void
directory_for_post (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (cw_acme_client_load_directory_finish (CW_ACME_CLIENT (source), result, &error) == NULL) {
    g_task_return_error (task, error);
    return;
  }
  post_step (g_steal_pointer (&task));
}

static gboolean
retry_later (gpointer user_data)
{
  post_step (user_data);
  return G_SOURCE_REMOVE;
}

static void
posted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Post *post = g_task_get_task_data (task);
  GError *error = NULL;
  CwAcmeResponse *response = exchange_finish (result, &error);
  gint64 wait;

  if (response == NULL) {
    g_task_return_error (task, error);
    return;
  }
  /* the rejected request brought a fresh nonce: try again at once */
  if (response->status == 400 && g_str_equal (cw_acme_response_problem_type (response), PROBLEM_PREFIX "badNonce") &&
      ++post->bad_nonces <= MAX_BAD_NONCE) {
    g_debug ("%s: badNonce, retrying (%u)", post->url, post->bad_nonces);
    cw_acme_response_free (response);
    post_step (g_steal_pointer (&task));
    return;
  }
  wait = cw_acme_response_retry_after (response);
  if (response->status == 503 && ++post->unavailable <= MAX_UNAVAILABLE && wait <= MAX_UNAVAILABLE_WAIT) {
    g_debug ("%s: 503, retrying in %" G_GINT64_FORMAT " s", post->url, MAX (wait, 1));
    cw_acme_response_free (response);
    g_timeout_add (MAX (wait, 1) * 1000, retry_later, g_steal_pointer (&task));
    return;
  }
  g_task_return_pointer (task, response, (GDestroyNotify) cw_acme_response_free);
}

static void
post_step (GTask *task)
{
  CwAcmeClient *self = g_task_get_source_object (task);
  Post *post = g_task_get_task_data (task);
  g_autofree gchar *nonce = NULL, *jws = NULL;
  GError *error = NULL;

  if (post->get) {
    exchange (self, SOUP_METHOD_GET, post->url, NULL, post->accept, g_task_get_cancellable (task), posted, task);
    return;
  }
  if (self->directory == NULL) {
    cw_acme_client_load_directory_async (self, g_task_get_cancellable (task), directory_for_post, task);
    return;
  }
  nonce = g_queue_pop_head (&self->nonces);
  if (nonce == NULL) {
    const gchar *url = cw_acme_client_endpoint (self, "newNonce");

    if (url == NULL) {
      g_task_return_new_error (task, CW_ERROR, CW_ERROR_ACME, _("the ACME directory names no newNonce"));
      g_object_unref (task);
      return;
    }
    exchange (self, SOUP_METHOD_HEAD, url, NULL, NULL, g_task_get_cancellable (task), nonce_fetched, task);
    return;
  }
  jws = cw_jws_sign (post->key, post->kid, nonce, post->url, post->payload, &error);
  if (jws == NULL) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  exchange (self, SOUP_METHOD_POST, post->url, jws, post->accept, g_task_get_cancellable (task), posted, task);
}

void
cw_acme_client_post_async (CwAcmeClient *self, const gchar *url, const gchar *payload, gnutls_privkey_t key,
                           const gchar *kid, const gchar *accept, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Post *post = g_new0 (Post, 1);

  post->url = g_strdup (url);
  post->payload = g_strdup (payload);
  post->key = key;
  post->kid = g_strdup (kid);
  post->accept = g_strdup (accept);
  g_task_set_task_data (task, post, (GDestroyNotify) post_free);
  post_step (task);
}

CwAcmeResponse *
cw_acme_client_post_finish (CwAcmeClient *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cw_acme_client_get_async (CwAcmeClient *self, const gchar *url, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Post *post = g_new0 (Post, 1);

  post->url = g_strdup (url);
  post->get = TRUE;
  g_task_set_task_data (task, post, (GDestroyNotify) post_free);
  post_step (task);
}

CwAcmeResponse *
cw_acme_client_get_finish (CwAcmeClient *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

gchar *
cw_acme_response_text (CwAcmeResponse *response)
{
  gsize len = 0;
  const gchar *data = g_bytes_get_data (response->body, &len);

  /* an empty body has no data, and g_strndup (NULL, 0) is NULL */
  return len > 0 ? g_strndup (data, len) : g_strdup ("");
}

/* ---- loading the directory, then going on ------------------------------ */

typedef struct {
  GTask *task;
  void (*next) (GTask *task);
} LoadThen;

static void
load_then_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoadThen *lt = user_data;
  GTask *task = lt->task;
  void (*next) (GTask *) = lt->next;
  GError *error = NULL;

  g_free (lt);
  if (cw_acme_client_load_directory_finish (CW_ACME_CLIENT (source), result, &error) == NULL)
  {
    g_task_return_error (task, error);
    g_object_unref (task);
  }
  else
    next (task);
}

void
cw_acme_client_load_then (CwAcmeClient *client, GTask *task, void (*next) (GTask *task))
{
  LoadThen *lt = g_new0 (LoadThen, 1);

  lt->task = task;
  lt->next = next;
  cw_acme_client_load_directory_async (client, g_task_get_cancellable (task), load_then_done, lt);
}
