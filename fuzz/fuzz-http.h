/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-http.h: HTTP answers from fuzz input, for the harnesses of the ACME
 * client and the DNS provider plugins. An answer is text:
 *
 *   STATUS\n                 (digits; anything else means 200)
 *   Header-Name: value\n     (any number; malformed lines are skipped)
 *   \n
 *   body
 *
 * and "$S" anywhere in it stands for the responder's base URL
 * (http://127.0.0.1:PORT), so that seeds can name URLs on it whatever port
 * the kernel gave.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
} FuzzAnswer;

FuzzAnswer  *fuzz_answer_parse (GBytes *text, const gchar *base);
void         fuzz_answer_free (FuzzAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FuzzAnswer, fuzz_answer_free)

/* A SoupServer on 127.0.0.1 (a port the kernel picks) in the thread-default
 * main context, answering each request with the next queued answer, and
 * with an empty 500 when none is left. */
typedef struct _FuzzHttp FuzzHttp;

FuzzHttp    *fuzz_http_new (void);
const gchar *fuzz_http_base (FuzzHttp *http);
/* Queues @answers from index @first on (GBytes of answer text, see
 * above), dropping any left; NULL just drops them. */
void         fuzz_http_queue (FuzzHttp *http, GPtrArray *answers, guint first);
/* Adds a fresh Replay-Nonce header to answers that have none (ACME). */
void         fuzz_http_set_nonces (FuzzHttp *http, gboolean nonces);

G_END_DECLS
