/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-http.c: answers parsed from fuzz input, and the loopback server
 * that gives them. */
#include "fuzz-http.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#define MAX_HEADERS 32

void
fuzz_answer_free (FuzzAnswer *answer)
{
  if (answer == NULL)
    return;
  soup_message_headers_unref (answer->headers);
  g_bytes_unref (answer->body);
  g_free (answer);
}

/* RFC 9110 token characters: what libsoup accepts in a header name
 * without a warning (it ignores the others anyway). */
static gboolean
is_token (const gchar *text, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (text[i]) && (text[i] == '\0' || strchr ("!#$%&'*+-.^_`|~", text[i]) == NULL))
      return FALSE;
  return TRUE;
}

FuzzAnswer *
fuzz_answer_parse (GBytes *text, const gchar *base)
{
  FuzzAnswer *answer = g_new0 (FuzzAnswer, 1);
  gsize len = 0;
  const gchar *raw = g_bytes_get_data (text, &len);
  g_autoptr(GString) all = g_string_new_len (raw, len);
  const gchar *p, *end, *nl;
  guint64 status = 200;
  guint headers = 0;

  g_string_replace (all, "$S", base, 0);
  p = all->str;
  end = all->str + all->len;
  answer->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);

  /* the status line: "404"; an input without one is all body */
  nl = memchr (p, '\n', end - p);
  if (nl == NULL || nl == p) {
    answer->status = 200;
    answer->body = g_bytes_new (p, end - p);
    return answer;
  }
  {
    g_autofree gchar *line = g_strndup (p, nl - p);

    if (!g_ascii_string_to_unsigned (line, 10, 100, 599, &status, NULL))
      status = 200;
  }
  answer->status = status;
  p = nl + 1;

  /* header lines up to an empty one */
  while (p < end && *p != '\n') {
    const gchar *colon;
    g_autofree gchar *name = NULL, *value = NULL;

    nl = memchr (p, '\n', end - p);
    if (nl == NULL)
      nl = end;
    colon = memchr (p, ':', nl - p);
    if (colon != NULL && is_token (p, colon - p) && ++headers <= MAX_HEADERS) {
      name = g_strndup (p, colon - p);
      value = g_strstrip (g_strndup (colon + 1, nl - colon - 1));
      /* NUL and CR cannot be in a value (libsoup would not send them) */
      if (memchr (colon + 1, '\0', nl - colon - 1) == NULL && memchr (colon + 1, '\r', nl - colon - 1) == NULL)
        soup_message_headers_append (answer->headers, name, value);
    }
    p = nl < end ? nl + 1 : end;
  }
  if (p < end)
    p++;  /* the empty line */
  answer->body = g_bytes_new (p, end - p);
  return answer;
}

struct _FuzzHttp {
  SoupServer *server;
  gchar      *base;
  GQueue      answers;   /* GBytes */
  gboolean    nonces;
  guint       served;
};

static void
serve (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  FuzzHttp *http = user_data;
  g_autoptr(GBytes) text = g_queue_pop_head (&http->answers);
  g_autoptr(FuzzAnswer) answer = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  http->served++;
  if (text == NULL) {
    soup_server_message_set_status (msg, 500, "no more answers");
    return;
  }
  answer = fuzz_answer_parse (text, http->base);
  soup_server_message_set_status (msg, answer->status, NULL);
  soup_message_headers_iter_init (&iter, answer->headers);
  while (soup_message_headers_iter_next (&iter, &name, &value)) {
    /* the body's framing is the server's business */
    if (g_ascii_strcasecmp (name, "Content-Length") != 0 && g_ascii_strcasecmp (name, "Transfer-Encoding") != 0)
      soup_message_headers_append (headers, name, value);
  }
  if (http->nonces && soup_message_headers_get_one (headers, "Replay-Nonce") == NULL) {
    g_autofree gchar *nonce = g_strdup_printf ("fuzz%u", http->served);

    soup_message_headers_replace (headers, "Replay-Nonce", nonce);
  }
  if (g_bytes_get_size (answer->body) > 0)
    soup_message_body_append_bytes (soup_server_message_get_response_body (msg), answer->body);
}

/* The headers and the body of an answer go out in two writes: with Nagle's
 * algorithm the second waits for the client's delayed ACK, 40 ms a
 * request on loopback. */
static void
request_started (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket != NULL)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

FuzzHttp *
fuzz_http_new (void)
{
  FuzzHttp *http = g_new0 (FuzzHttp, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_queue_init (&http->answers);
  http->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (http->server, NULL, serve, http, NULL);
  g_signal_connect (http->server, "request-started", G_CALLBACK (request_started), NULL);
  if (!soup_server_listen_local (http->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("fuzz: cannot listen on loopback: %s", error->message);
  uris = soup_server_get_uris (http->server);
  http->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return http;
}

const gchar *
fuzz_http_base (FuzzHttp *http)
{
  return http->base;
}

void
fuzz_http_queue (FuzzHttp *http, GPtrArray *answers, guint first)
{
  g_queue_clear_full (&http->answers, (GDestroyNotify) g_bytes_unref);
  for (guint i = first; answers != NULL && i < answers->len; i++)
    g_queue_push_tail (&http->answers, g_bytes_ref (answers->pdata[i]));
}

void
fuzz_http_set_nonces (FuzzHttp *http, gboolean nonces)
{
  http->nonces = nonces;
}
