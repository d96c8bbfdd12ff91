/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "cw-acme-client.h"
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
    if (g_strcmp0 (g_hash_table_lookup (table, "rel"), rel) == 0)
      g_ptr_array_add (out, g_strndup (open + 1, close - open - 1));
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

  return o != NULL ? json_object_get_string_member_with_default (o, "type", "") : "";
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
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *subproblems;

  if (o == NULL || !json_object_has_member (o, "detail")) {
    return g_error_new (CW_ERROR, CW_ERROR_ACME, _("%s: the ACME server answered %u %s"), what, response->status,
                        soup_status_get_phrase (response->status));
  }
  g_string_append_printf (text, "%s: %s", what, json_object_get_string_member_with_default (o, "detail", ""));
  if (json_object_has_member (o, "type"))
    g_string_append_printf (text, " (%s)", short_type (json_object_get_string_member (o, "type")));
  subproblems = json_object_has_member (o, "subproblems") ? json_object_get_array_member (o, "subproblems") : NULL;
  for (guint i = 0; subproblems != NULL && i < json_array_get_length (subproblems); i++) {
    JsonObject *sub = json_array_get_object_element (subproblems, i);
    JsonObject *id = sub != NULL && json_object_has_member (sub, "identifier")
                       ? json_object_get_object_member (sub, "identifier") : NULL;

    if (sub == NULL)
      continue;
    g_string_append_printf (text, "; %s: %s", id != NULL ? json_object_get_string_member_with_default (id, "value", "?") : "?",
                            json_object_get_string_member_with_default (sub, "detail", ""));
  }
  return g_error_new_literal (CW_ERROR, CW_ERROR_ACME, text->str);
}

/* ---- client ------------------------------------------------------------- */

struct _CwAcmeClient {
  GObject      parent_instance;

  gchar       *directory_url;
  SoupSession *session;
  GTlsDatabase *extra_anchors;
  JsonNode    *directory;
  GPtrArray   *waiting;     /* GTasks waiting for the directory */
  GQueue       nonces;
  guint        requests;
};

G_DEFINE_FINAL_TYPE (CwAcmeClient, cw_acme_client, G_TYPE_OBJECT)

static void
cw_acme_client_finalize (GObject *object)
{
  CwAcmeClient *self = CW_ACME_CLIENT (object);

  g_free (self->directory_url);
  g_clear_object (&self->session);
  g_clear_object (&self->extra_anchors);
  g_clear_pointer (&self->directory, json_node_unref);
  g_ptr_array_unref (self->waiting);
  g_queue_clear_full (&self->nonces, g_free);
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

CwAcmeClient *
cw_acme_client_new (const gchar *directory_url, GTlsDatabase *extra_anchors)
{
  CwAcmeClient *self = g_object_new (CW_TYPE_ACME_CLIENT, NULL);

  self->directory_url = g_strdup (directory_url);
  /* many orders at once share few connections (HTTP/2 where the CA has it) */
  self->session = soup_session_new_with_options ("user-agent", "certward/" PACKAGE_VERSION " (ACME)",
                                                 "max-conns", 64, "max-conns-per-host", 32,
                                                 "timeout", 60, NULL);
  if (extra_anchors != NULL)
    self->extra_anchors = g_object_ref (extra_anchors);
  return self;
}

const gchar *
cw_acme_client_get_directory_url (CwAcmeClient *self)
{
  return self->directory_url;
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
  return json_object_get_string_member_with_default (o, name, NULL);
}

JsonObject *
cw_acme_client_get_meta (CwAcmeClient *self)
{
  JsonObject *o = self->directory != NULL ? json_node_get_object (self->directory) : NULL;

  return o != NULL && json_object_has_member (o, "meta") ? json_object_get_object_member (o, "meta") : NULL;
}

/* ---- one exchange ------------------------------------------------------- */

typedef struct {
  CwAcmeClient *client;
  SoupMessage  *message;
} Exchange;

static void
exchange_free (Exchange *ex)
{
  g_object_unref (ex->client);
  g_object_unref (ex->message);
  g_free (ex);
}

static void
sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *ex = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  CwAcmeResponse *response;
  const gchar *nonce, *type;
  g_autofree gchar *url = g_uri_to_string (soup_message_get_uri (ex->message));

  if (body == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NETWORK, _("cannot reach the ACME server at %s: %s"), url,
                             error->message);
    return;
  }
  response = g_new0 (CwAcmeResponse, 1);
  response->status = soup_message_get_status (ex->message);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (ex->message));
  response->body = g_bytes_ref (body);
  response->url = g_steal_pointer (&url);
  type = soup_message_headers_get_content_type (response->headers, NULL);
  if (type != NULL && (g_str_equal (type, "application/json") || g_str_equal (type, "application/problem+json"))) {
    g_autoptr(JsonParser) parser = json_parser_new ();

    if (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL))
      response->json = json_node_ref (json_parser_get_root (parser));
  }
  nonce = soup_message_headers_get_one (response->headers, "Replay-Nonce");
  if (nonce != NULL)
    g_queue_push_tail (&ex->client->nonces, g_strdup (nonce));
  g_task_return_pointer (task, response, (GDestroyNotify) cw_acme_response_free);
}

/* The system trust refused the server's chain: accept it when the extra
 * anchors vouch for it and the only complaint was the unknown issuer (a
 * wrong host name or an expired certificate stay refused). */
static gboolean
accept_certificate (SoupMessage *message, GTlsCertificate *cert, GTlsCertificateFlags errors, CwAcmeClient *self)
{
  GUri *uri = soup_message_get_uri (message);
  g_autoptr(GSocketConnectable) identity = NULL;
  GTlsCertificateFlags flags;

  if ((errors & ~G_TLS_CERTIFICATE_UNKNOWN_CA) != 0)
    return FALSE;
  identity = g_network_address_new (g_uri_get_host (uri), g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 443);
  flags = g_tls_database_verify_chain (self->extra_anchors, cert, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity,
                                       NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, NULL);

  return flags == 0;
}

static void
exchange (CwAcmeClient *self, const gchar *method, const gchar *url, const gchar *body, const gchar *accept,
          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Exchange *ex = g_new0 (Exchange, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &error);

  g_task_set_task_data (task, ex, (GDestroyNotify) exchange_free);
  ex->client = g_object_ref (self);
  if (uri == NULL) {
    ex->message = soup_message_new (SOUP_METHOD_GET, "http://invalid/");
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_ACME, _("the ACME server gave an invalid URL “%s”"), url);
    g_object_unref (task);
    return;
  }
  ex->message = soup_message_new_from_uri (method, uri);
  if (self->extra_anchors != NULL)
    g_signal_connect_object (ex->message, "accept-certificate", G_CALLBACK (accept_certificate), self, 0);
  if (accept != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (ex->message), "Accept", accept);
  if (body != NULL) {
    g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (ex->message, "application/jose+json", bytes);
  }
  self->requests++;
  soup_session_send_and_read_async (self->session, ex->message, G_PRIORITY_DEFAULT, cancellable, sent, task);
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
  if (response != NULL && cw_acme_response_object (response) == NULL && error == NULL) {
    g_set_error (&error, CW_ERROR, CW_ERROR_ACME,
                 cw_acme_response_is_problem (response) ? _("%s is not an ACME directory (HTTP %u)")
                                                        : _("%s is not an ACME directory (no JSON object, HTTP %u)"),
                 self->directory_url, response->status);
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
    g_timeout_add_seconds (MAX (wait, 1), retry_later, g_steal_pointer (&task));
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
