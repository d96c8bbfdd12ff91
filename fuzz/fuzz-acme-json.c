/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-acme-json.c: one answer of an ACME server as CwAcmeClient hands it
 * on (cw-acme-client.c, cw-json.c): the body parsed with the nesting
 * limit, problem documents (RFC 7807) turned into the error a Request
 * reports on D-Bus, Link headers (alternate chains), Retry-After, Location
 * resolved against the URL that was asked.
 * Input: one answer in fuzz-http.h's text form.
 */
#include "cw-acme-client.h"
#include "cw-json.h"
#include "fuzz-common.h"
#include "fuzz-http.h"

#define ASKED "https://ca.example/acme/order/1"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GBytes) text = g_bytes_new_static (data, size);
  g_autoptr(FuzzAnswer) answer = fuzz_answer_parse (text, "https://ca.example");
  g_autoptr(CwAcmeResponse) response = g_new0 (CwAcmeResponse, 1);
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GError) problem = NULL;
  g_auto(GStrv) alternates = NULL, up = NULL;
  g_autofree gchar *location = NULL;
  JsonNode *json;
  gsize len = 0;
  const gchar *body = g_bytes_get_data (answer->body, &len);

  /* as complete() in cw-acme-client.c builds it; parsed whatever the
   * content type says, so that every body reaches the parser */
  response->status = answer->status;
  response->headers = soup_message_headers_ref (answer->headers);
  response->body = g_bytes_ref (answer->body);
  response->url = g_strdup (ASKED);
  json = cw_json_parse (body, len, &parse_error);
  if (json == NULL)
    fuzz_assert_utf8 ("cw_json_parse's error", parse_error->message);
  response->json = json;

  (void) cw_acme_response_object (response);
  (void) cw_acme_response_retry_after (response);
  (void) cw_acme_response_problem_type (response);
  alternates = cw_acme_response_links (response, "alternate");
  up = cw_acme_response_links (response, "up");
  location = cw_acme_response_resolve (response, cw_acme_response_header (response, "Location"));
  /* a failed order's LastError, and the Request's D-Bus error */
  problem = cw_acme_response_to_error (response, "new order");
  fuzz_assert_utf8 ("cw_acme_response_to_error", problem->message);
  return 0;
}
