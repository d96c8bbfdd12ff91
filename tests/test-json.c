/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cw_json_parse on what an ACME server may send instead of a document:
 * nothing at all, too deep a nesting, broken text (cw-json.c). Run with
 * fatal criticals, so json-glib complaining is a failure too. */
#include "cw-error.h"
#include "cw-json.h"
#include "cw-test-util.h"

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

static gchar *
nested (guint depth)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (text, "{\"a\":[");
  for (guint i = 0; i < depth; i++)
    g_string_append (text, "]}");
  return g_string_free (text, FALSE);
}

/* 64 levels are read; more are refused before json-glib recurses */
static void
test_depth (void)
{
  g_autofree gchar *ok = nested (32);     /* 64 levels: 32 objects, 32 arrays */
  g_autofree gchar *over = nested (33);
  g_autofree gchar *deep = nested (100000);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = cw_json_parse (ok, strlen (ok), &error);
  g_autoptr(JsonNode) refused = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (node);
  refused = cw_json_parse (over, strlen (over), &error);
  g_assert_null (refused);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_null (cw_json_parse (deep, strlen (deep), &error));
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
  g_test_add_func ("/json/depth", test_depth);
  g_test_add_func ("/json/broken", test_broken);
  return g_test_run ();
}
