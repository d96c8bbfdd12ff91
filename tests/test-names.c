/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Identities (cw-names.c) and the id a name becomes: what an administrator
 * may give, what it is normalised to, and what is refused with which
 * words. */
#include "cw-error.h"
#include "cw-names.h"
#include "cw-provider-manager.h"
#include "cw-test-util.h"

#include <gio/gio.h>
#include <string.h>

/* Accepted, and normalised to @normal. */
static const struct { const gchar *text; gboolean wildcard; const gchar *normal; } good[] = {
  { "www.example.com", FALSE, "www.example.com" },
  { "WWW.Example.COM", FALSE, "www.example.com" },
  { "www.example.com.", FALSE, "www.example.com" },
  { "bücher.example", FALSE, "xn--bcher-kva.example" },
  { "localhost", FALSE, "localhost" },
  { "a-b.c-d.example", FALSE, "a-b.c-d.example" },
  { "*.example.com", TRUE, "*.example.com" },
  { "*.Bücher.example", TRUE, "*.xn--bcher-kva.example" },
  { "192.0.2.1", FALSE, "192.0.2.1" },
  { "2001:DB8:0:0::1", FALSE, "2001:db8::1" },
};

/* Refused with InvalidArgument and a message holding @words. */
static const struct { const gchar *text; gboolean wildcard; const gchar *words; } bad[] = {
  { "", TRUE, "empty" },
  { "*.example.com", FALSE, "wildcard is not allowed" },
  { "www.*.example.com", TRUE, "whole leftmost label" },
  { "w*w.example.com", TRUE, "whole leftmost label" },
  { "*.com", TRUE, "at least two labels" },
  { "-www.example.com", FALSE, "labels are 1–63" },
  { "www-.example.com", FALSE, "labels are 1–63" },
  { "www..example.com", FALSE, "labels are 1–63" },
  { "under_score.example.com", FALSE, "labels are 1–63" },
  { "a.b c.example", FALSE, "not a valid DNS name" },
};

static void
test_parse (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *normal = cw_identity_parse (good[i].text, good[i].wildcard, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (normal, ==, good[i].normal);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *normal = cw_identity_parse (bad[i].text, bad[i].wildcard, &error);

    g_assert_null (normal);
    g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
    if (strstr (error->message, bad[i].words) == NULL)
      g_error ("“%s”: “%s” does not say “%s”", bad[i].text, error->message, bad[i].words);
  }
}

/* A label of 63 characters is the most; a name of 253 the most. */
static void
test_lengths (void)
{
  g_autofree gchar *label63 = g_strnfill (63, 'a'), *label64 = g_strnfill (64, 'a');
  g_autofree gchar *ok = g_strconcat (label63, ".example", NULL);
  g_autofree gchar *long_label = g_strconcat (label64, ".example", NULL);
  g_autoptr(GString) name = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *parsed = cw_identity_parse (ok, FALSE, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (parsed, ==, ok);
  g_assert_null (cw_identity_parse (long_label, FALSE, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  for (guint i = 0; i < 126; i++)
    g_string_append (name, "a.");
  g_string_append (name, "b");   /* 253 */
  g_assert_cmpuint (name->len, ==, 253);
  g_clear_pointer (&parsed, g_free);
  parsed = cw_identity_parse (name->str, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (parsed, ==, name->str);
  g_string_prepend (name, "c");  /* 254 */
  g_assert_null (cw_identity_parse (name->str, FALSE, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
}

/* What comes from certificates and clients is only ever normalised. */
static void
test_normalize (void)
{
  static const struct { const gchar *text; const gchar *normal; } cases[] = {
    { "Mail.Example.ORG.", "mail.example.org" },
    { "*.Example.ORG", "*.example.org" },
    { "bücher.example", "xn--bcher-kva.example" },
    { "::FFFF:192.0.2.1", "::ffff:192.0.2.1" },
    { "2001:db8:0::1", "2001:db8::1" },
    { "under_score.Example", "under_score.example" },
    { ".", "." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *normal = cw_identity_normalize (cases[i].text);

    g_assert_cmpstr (normal, ==, cases[i].normal);
  }
}

static void
test_parts (void)
{
  g_assert_true (cw_identity_is_ip ("192.0.2.1"));
  g_assert_true (cw_identity_is_ip ("2001:db8::1"));
  g_assert_false (cw_identity_is_ip ("www.example.com"));
  g_assert_false (cw_identity_is_ip (NULL));
  g_assert_cmpstr (cw_identity_wildcard_base ("*.example.com"), ==, "example.com");
  g_assert_null (cw_identity_wildcard_base ("www.example.com"));
  g_assert_cmpstr (cw_identity_parent ("a.b.example"), ==, "b.example");
  g_assert_null (cw_identity_parent ("localhost"));
  g_assert_null (cw_identity_parent ("trailing."));
}

static void
test_count (void)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_assert_true (cw_identities_check_count (NULL, &error));
  for (guint i = 0; i < CW_MAX_IDENTITIES; i++)
    g_ptr_array_add (names, g_strdup_printf ("n%u.example", i));
  g_ptr_array_add (names, NULL);
  g_assert_true (cw_identities_check_count ((const gchar * const *) names->pdata, &error));
  g_assert_no_error (error);
  names->pdata[names->len - 1] = g_strdup ("one-too-many.example");
  g_ptr_array_add (names, NULL);
  g_assert_false (cw_identities_check_count ((const gchar * const *) names->pdata, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "at most 100 identities (101 given)"));
}

/* A DNS provider's id is its object path element: reversible, never two
 * names alike. */
static void
test_provider_ids (void)
{
  static const struct { const gchar *name; const gchar *id; } cases[] = {
    { "cloudflare", "cloudflare" },
    { "my-dns", "my_2ddns" },
    { "my_dns", "my_5fdns" },
    { "dns.example", "dns_2eexample" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *id = cw_provider_id_from_name (cases[i].name);

    g_autofree gchar *path = g_strconcat ("/", id, NULL);
    g_autofree guint8 *back = NULL;

    g_assert_cmpstr (id, ==, cases[i].id);
    g_assert_true (g_variant_is_object_path (path));
    back = g_dbus_unescape_object_path (id);
    g_assert_cmpstr ((const gchar *) back, ==, cases[i].name);
  }
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/names/parse", test_parse);
  g_test_add_func ("/names/lengths", test_lengths);
  g_test_add_func ("/names/normalize", test_normalize);
  g_test_add_func ("/names/parts", test_parts);
  g_test_add_func ("/names/count", test_count);
  g_test_add_func ("/names/provider-ids", test_provider_ids);
  return g_test_run ();
}
