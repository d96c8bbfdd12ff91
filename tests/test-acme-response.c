/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What CwAcmeClient reads from a CA's answer beyond its JSON
 * (cw-acme-client.c): Link headers, Retry-After, Location. */
#include "cw-acme-client.h"
#include "cw-test-util.h"

static CwAcmeResponse *
response_with (const gchar *name, const gchar *value)
{
  CwAcmeResponse *response = g_new0 (CwAcmeResponse, 1);

  response->status = 200;
  response->url = g_strdup ("https://ca.example/acme/cert/1");
  response->body = g_bytes_new_static ("", 0);
  response->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  soup_message_headers_append (response->headers, name, value);
  return response;
}

/* Found by fuzz/fuzz-acme-json: two alternates that do not resolve left a
 * NULL inside the list, which ended it there and leaked the rest. */
static void
test_links_unresolvable (void)
{
  g_autoptr(CwAcmeResponse) response =
    response_with ("Link", "<http://[::1>;rel=\"alternate\", <https://[zz>;rel=\"alternate\", "
                           "</acme/cert/1/alt>;rel=\"alternate\", <https://ca.example/dir>;rel=\"index\"");
  g_auto(GStrv) links = cw_acme_response_links (response, "alternate");

  g_assert_cmpstrv (links, ((const gchar *[]) { "https://ca.example/acme/cert/1/alt", NULL }));
}

static void
test_links_relations (void)
{
  g_autoptr(CwAcmeResponse) response =
    response_with ("Link", "<alt/1>; rel=\"alternate up\", <https://ca.example/alt/2>;rel=alternate, "
                           "<https://ca.example/dir>;rel=\"index\", <no-params>");
  g_auto(GStrv) alternates = cw_acme_response_links (response, "alternate");
  g_auto(GStrv) up = cw_acme_response_links (response, "up");

  g_assert_cmpstrv (alternates, ((const gchar *[]) { "https://ca.example/acme/cert/alt/1", "https://ca.example/alt/2",
                                                     NULL }));
  g_assert_cmpstrv (up, ((const gchar *[]) { "https://ca.example/acme/cert/alt/1", NULL }));
}

/* Found by fuzz/fuzz-acme-json: a reference with a scheme but no host
 * ("htnps:/..//x") made GLib's join fail an assertion. Only http and https
 * URLs with a host, or relative references, resolve. */
static void
test_resolve (void)
{
  g_autoptr(CwAcmeResponse) response = response_with ("X-Nothing", "");
  static const struct { const gchar *reference, *resolved; } cases[] = {
    { "htnps:/..//ca.example/x", NULL },
    { "https:/..//ca.example/x", NULL },
    { "https:///x", NULL },
    { "file:///etc/passwd", NULL },
    { "/acme/cert/2", "https://ca.example/acme/cert/2" },
    { "../order/3", "https://ca.example/acme/order/3" },
    { "/..//ca.example/x", "https://ca.example//ca.example/x" },
    { "https://other.example/y", "https://other.example/y" },
    { "HTTP://other.example/z", "http://other.example/z" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *resolved = cw_acme_response_resolve (response, cases[i].reference);

    g_test_message ("%s -> %s", cases[i].reference, resolved != NULL ? resolved : "(none)");
    g_assert_cmpstr (resolved, ==, cases[i].resolved);
  }
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/acme-response/links-unresolvable", test_links_unresolvable);
  g_test_add_func ("/acme-response/links-relations", test_links_relations);
  g_test_add_func ("/acme-response/resolve", test_resolve);
  return g_test_run ();
}
