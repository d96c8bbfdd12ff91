/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON depth guard (cw-json.c): json-glib recurses once per level, so
 * cw_json_parse refuses more than 64 levels before parsing, counting only
 * brackets outside strings. And what an ACME server may send instead of a
 * document: nothing at all, broken text. */
#include "cw-error.h"
#include "cw-json.h"
#include "cw-test-util.h"

#include <string.h>

/* @depth arrays in one another, with @inside in the innermost. */
static gchar *
nested (guint depth, const gchar *inside)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, '[');
  g_string_append (text, inside);
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, ']');
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
assert_parses (const gchar *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = cw_json_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
}

static void
assert_too_deep (const gchar *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = cw_json_parse (text, strlen (text), &error);

  g_assert_null (root);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "nested more than 64 levels"));
}

/* @depth levels, arrays and objects in turn, with 1 innermost. */
static gchar *
mixed (guint depth)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (text, i % 2 ? "{\"a\":" : "[");
  g_string_append_c (text, '1');
  for (guint i = depth; i > 0; i--)
    g_string_append_c (text, (i - 1) % 2 ? '}' : ']');
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_limit (void)
{
  g_autofree gchar *at_limit = nested (64, "1");
  g_autofree gchar *over = nested (65, "1");
  g_autofree gchar *mixed_at_limit = mixed (64);
  g_autofree gchar *mixed_over = mixed (65);

  assert_parses (at_limit);
  assert_too_deep (over);
  /* objects count as arrays do */
  assert_parses (mixed_at_limit);
  assert_too_deep (mixed_over);
}

/* A hostile server's megabyte of '[' is refused, not parsed. */
static void
test_hostile (void)
{
  g_autofree gchar *deep = g_strnfill (1000000, '[');

  assert_too_deep (deep);
}

/* Depth is nesting, not the number of brackets: siblings close theirs. */
static void
test_siblings (void)
{
  g_autoptr(GString) text = g_string_new ("[");

  for (guint i = 0; i < 1000; i++)
    g_string_append (text, i > 0 ? ",[[]]" : "[[]]");
  g_string_append_c (text, ']');
  assert_parses (text->str);
}

/* Brackets in strings, escaped quotes included, are text. */
static void
test_strings (void)
{
  g_autofree gchar *brackets = g_strnfill (100, '[');
  g_autofree gchar *in_string = g_strdup_printf ("{\"detail\":\"%s\"}", brackets);
  g_autofree gchar *escaped = g_strdup_printf ("{\"detail\":\"\\\"%s\\\\\"}", brackets);
  g_autofree gchar *after = NULL, *inner = NULL;

  assert_parses (in_string);
  assert_parses (escaped);
  /* a string that ends does not hide what follows */
  inner = nested (65, "\"x\"");
  after = g_strdup_printf ("[\"]\",%s]", inner);
  assert_too_deep (after);
}

/* Found by fuzz/fuzz-acme-json: a 200 with a JSON type and an empty body
 * reached json-glib as NULL data, a critical. */
static void
test_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) none = cw_json_parse (NULL, 0, &error);
  g_autoptr(JsonNode) blank = NULL;

  g_assert_null (none);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_clear_error (&error);
  blank = cw_json_parse ("", 0, &error);
  g_assert_null (blank);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
}

static void
test_broken (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (cw_json_parse ("{\"a\":", 5, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/json/empty", test_empty);
  g_test_add_func ("/json/broken", test_broken);
  g_test_add_func ("/json/depth-limit", test_limit);
  g_test_add_func ("/json/depth-hostile", test_hostile);
  g_test_add_func ("/json/depth-siblings", test_siblings);
  g_test_add_func ("/json/depth-strings", test_strings);
  return g_test_run ();
}
