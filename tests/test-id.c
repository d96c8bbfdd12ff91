/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ids made from names (cw-id.h): the cases, one table. */
#include "cw-id.h"
#include "cw-test-util.h"

static gboolean
taken (const gchar *id, gpointer user_data)
{
  return g_strv_contains (user_data, id);
}

static void
test_from_name (void)
{
  const gchar *used[] = { "www_example_test", "www_example_test_2", "cert", NULL };
  struct {
    const gchar *name;
    const gchar *want;
  } cases[] = {
    { "pbx", "pbx" },
    { "www.example.test", "www_example_test_3" },   /* the first two are taken */
    { "Ünïcode", "__n__code" },                     /* bytes, not characters */
    { "", "cert_2" },                               /* the fallback, taken */
    { "a-b c", "a_b_c" },
    { "123", "123" },
    { "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },   /* 48 at most */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *id = cw_id_from_name (cases[i].name, "cert", taken, (gpointer) used);

    g_assert_cmpstr (id, ==, cases[i].want);
    g_assert_true (cw_id_is_valid (id));
  }
}

static void
test_is_valid (void)
{
  const gchar *good[] = { "a", "A_1", "www_example_test_2", NULL };
  const gchar *bad[] = { "", "a-b", "a.b", "a/b", "..", "é", NULL };

  for (guint i = 0; good[i] != NULL; i++)
    g_assert_true (cw_id_is_valid (good[i]));
  for (guint i = 0; bad[i] != NULL; i++)
    g_assert_false (cw_id_is_valid (bad[i]));
  g_assert_false (cw_id_is_valid (NULL));
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/id/from-name", test_from_name);
  g_test_add_func ("/id/is-valid", test_is_valid);
  return g_test_run ();
}
