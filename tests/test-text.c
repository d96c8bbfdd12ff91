/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cw-text.c: outside bytes become text, and text bound for D-Bus that is
 * not valid is caught. */
#include "cw-error.h"
#include "cw-json.h"
#include "cw-text.h"
#include "cw-test-util.h"

static void
test_escape (void)
{
  static const struct { const gchar *in; gssize len; const gchar *text; const gchar *dn; } cases[] = {
    { "plain text", -1, "plain text", "plain text" },
    { "caf\xc3\xa9", -1, "caf\xc3\xa9", "caf\xc3\xa9" },               /* valid UTF-8 stays */
    { "a\xff\xfe\xc3\x28\xa0z", -1, "a\\xFF\\xFE\\xC3(\\xA0z", "a\\FF\\FE\\C3(\\A0z" },
    { "line\nnext\ttab", -1, "line\nnext\ttab", "line\nnext\ttab" },
    { "esc\x1b[31m", -1, "esc\\x1B[31m", "esc\\1B[31m" },
    { "nul\0after", 9, "nul\\x00after", "nul\\00after" },
    { "\xed\xa0\x80", -1, "\\xED\\xA0\\x80", "\\ED\\A0\\80" },          /* an encoded surrogate */
    { NULL, -1, "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *text = cw_text_escape (cases[i].in, cases[i].len);
    g_autofree gchar *dn = cw_text_escape_dn (cases[i].in, cases[i].len);

    g_assert_cmpstr (text, ==, cases[i].text);
    g_assert_cmpstr (dn, ==, cases[i].dn);
    g_assert_true (g_utf8_validate (text, -1, NULL));
    g_assert_true (cw_text_is_clean (text, -1));
  }
  g_assert_false (cw_text_is_clean ("\xff", -1));
  g_assert_false (cw_text_is_clean ("a\x07", -1));
  g_assert_true (cw_text_is_valid (NULL));
  g_assert_false (cw_text_is_valid ("\xc3"));
}

static void
test_variant (void)
{
  const gchar *strv[] = { "a", "b\xc3\xa9", NULL };
  g_autoptr(GVariant) s = g_variant_ref_sink (cw_text_variant (NULL));
  g_autoptr(GVariant) v = g_variant_ref_sink (cw_text_variant_strv (strv));
  g_autoptr(GVariant) empty = g_variant_ref_sink (cw_text_variant_strv (NULL));

  g_assert_cmpstr (g_variant_get_string (s, NULL), ==, "");
  g_assert_cmpuint (g_variant_n_children (v), ==, 2);
  g_assert_cmpuint (g_variant_n_children (empty), ==, 0);
}

/* Text that is not valid on its way to the bus is a bug: reported, and
 * published escaped rather than crashing GVariant. */
static void
test_variant_invalid (void)
{
  if (g_test_subprocess ()) {
    g_autoptr(GVariant) v = g_variant_ref_sink (cw_text_variant ("x\xff"));

    g_assert_cmpstr (g_variant_get_string (v, NULL), ==, "x\\xFF");
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*not valid UTF-8: x\\xFF*");
}

/* json-glib turns a broken \u escape into bytes that are not UTF-8;
 * cw_json_parse hands out only clean text. */
static void
test_json_strings (void)
{
  static const gchar doc[] = "{\"detail\":\"\\ud8ate\",\"a\":[\"ok\",\"\\u001b[0m\"]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = cw_json_parse (doc, sizeof doc - 1, &error);
  JsonObject *o;
  JsonArray *a;

  g_assert_no_error (error);
  o = json_node_get_object (root);
  a = cw_json_array (o, "a");
  g_assert_true (cw_text_is_clean (cw_json_string (o, "detail", NULL), -1));
  g_assert_cmpstr (cw_json_array_string (a, 0), ==, "ok");
  g_assert_cmpstr (cw_json_array_string (a, 1), ==, "\\x1B[0m");

  g_assert_null (cw_json_parse ("", 0, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/text/escape", test_escape);
  g_test_add_func ("/text/variant", test_variant);
  g_test_add_func ("/text/variant-invalid", test_variant_invalid);
  g_test_add_func ("/text/json-strings", test_json_strings);
  return g_test_run ();
}
