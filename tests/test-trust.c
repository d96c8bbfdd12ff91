/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trust store: seeded from the system bundle, add/remove/replace/reset
 * round trips, what is refused, persistence, the published bundle file, and
 * a changing system bundle, and a shared backend. */
#include "cw-error.h"
#include "cw-trust-store.h"
#include "cw-test-util.h"
#include "cw-x509.h"

typedef struct {
  gchar        *dir;
  gchar        *system;
  CwTrustStore *trust;
  guint         changed;
} Fixture;

static gchar *
fingerprint_of (const gchar *fixture)
{
  g_autoptr(GBytes) pem = cw_test_fixture (fixture);
  g_auto(gnutls_x509_crt_t) crt = cw_x509_crt_import (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem),
                                                      GNUTLS_X509_FMT_PEM, NULL);

  g_assert_nonnull (crt);
  return cw_x509_crt_get_fingerprint (crt);
}

static void
on_changed (CwTrustStore *trust, Fixture *f)
{
  f->changed++;
}

static CwTrustStore *
open_trust (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = g_build_filename (f->dir, "trust", NULL);
  CwTrustStore *trust = cw_trust_store_new (dir, f->system, "outgoing");

  g_assert_true (cw_trust_store_load (trust, &error));
  g_assert_no_error (error);
  g_signal_connect (trust, "changed", G_CALLBACK (on_changed), f);
  return trust;
}

static void
write_system (Fixture *f, const gchar *const *fixtures)
{
  g_autoptr(GString) pem = g_string_new (NULL);

  for (guint i = 0; fixtures[i] != NULL; i++) {
    g_autoptr(GBytes) bytes = cw_test_fixture (fixtures[i]);

    g_string_append_len (pem, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  }
  g_assert_true (g_file_set_contents (f->system, pem->str, pem->len, NULL));
}

static void
setup (Fixture *f, gconstpointer data)
{
  static const gchar *const system[] = { "root.pem", "inter.pem", NULL };

  f->dir = cw_test_mkdtemp ();
  f->system = g_build_filename (f->dir, "system-bundle.crt", NULL);
  write_system (f, system);
  f->trust = open_trust (f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->trust);
  cw_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->system);
}

/* The end of a change of the trust store (remove, replace, reset, mode). */
static gboolean
change_finish (Fixture *f, GAsyncResult **result, GError **error)
{
  return cw_trust_store_change_finish (f->trust, cw_test_async_wait (result), error);
}

static gboolean
add (Fixture *f, const gchar *fixture, gchar ***fps, GError **error)
{
  g_autoptr(GBytes) data = cw_test_fixture (fixture);
  g_autoptr(GAsyncResult) result = NULL;
  gchar **added;

  cw_trust_store_add_async (f->trust, data, NULL, cw_test_async_done, &result);
  added = cw_trust_store_add_finish (f->trust, cw_test_async_wait (&result), error);
  if (fps != NULL)
    *fps = added;
  else
    g_strfreev (added);
  return added != NULL;
}

static CwTrustEntry *
entry (Fixture *f, const gchar *fingerprint)
{
  GPtrArray *list = cw_trust_store_list (f->trust);

  for (guint i = 0; i < list->len; i++)
    if (g_str_equal (((CwTrustEntry *) g_ptr_array_index (list, i))->fingerprint, fingerprint))
      return g_ptr_array_index (list, i);
  return NULL;
}

/* What a TLS client pointed at BundlePath would load. */
static guint
bundle_count (Fixture *f)
{
  g_autofree gchar *text = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (cw_trust_store_get_bundle_path (f->trust), &text, NULL, NULL));
  for (const gchar *p = text; (p = strstr (p, "-----BEGIN CERTIFICATE-----")) != NULL; p++)
    n++;
  return n;
}

static void
test_seeded (Fixture *f, gconstpointer data)
{
  g_autofree gchar *root = fingerprint_of ("root.pem");
  g_autofree gchar *command = NULL, *out = NULL;
  CwTrustEntry *e;

  g_assert_cmpuint (cw_trust_store_get_count (f->trust), ==, 2);
  g_assert_cmpuint (bundle_count (f), ==, 2);
  e = entry (f, root);
  g_assert_nonnull (e);
  g_assert_true (e->from_system);
  g_assert_cmpstr (e->subject, ==, "CN=Certward Test Root");
  g_assert_cmpstr (cw_trust_store_get_mode (f->trust), ==, "outgoing");

  /* the published bundle is what OpenSSL clients use: it verifies the chain */
  command = g_strdup_printf ("openssl verify -CAfile '%s' '%s/leaf.pem'", cw_trust_store_get_bundle_path (f->trust),
                             cw_test_fixtures ());
  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
}

static void
test_add_remove (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) fps = NULL;
  g_autofree gchar *fake = fingerprint_of ("fake-inter.pem");
  g_autofree gchar *root = fingerprint_of ("root.pem");
  g_autoptr(GBytes) exported = NULL;
  g_autoptr(GString) colons = g_string_new (NULL);
  g_autoptr(GAsyncResult) r = NULL, again = NULL;

  g_assert_true (add (f, "fake-inter.pem", &fps, &error));
  g_assert_no_error (error);
  g_assert_cmpstrv (fps, ((const gchar *[]) { fake, NULL }));
  g_assert_cmpuint (cw_trust_store_get_count (f->trust), ==, 3);
  g_assert_false (entry (f, fake)->from_system);
  g_assert_cmpuint (bundle_count (f), ==, 3);
  g_assert_cmpuint (f->changed, ==, 1);
  exported = cw_trust_store_export (f->trust);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (exported, NULL), g_bytes_get_size (exported), "Certward Test Intermediate"));

  /* removing a system root is remembered; uploading it again brings it back */
  cw_trust_store_remove_async (f->trust, root, NULL, cw_test_async_done, &r);
  g_assert_true (change_finish (f, &r, &error));
  g_assert_no_error (error);
  g_assert_null (entry (f, root));
  g_assert_cmpuint (bundle_count (f), ==, 2);
  g_clear_object (&f->trust);
  f->trust = open_trust (f);
  g_assert_null (entry (f, root));
  g_assert_nonnull (entry (f, fake));
  g_assert_true (add (f, "root.pem", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (entry (f, root)->from_system);

  /* a fingerprint as other tools print it: upper case, colons */
  for (guint i = 0; fake[i] != '\0'; i += 2)
    g_string_append_printf (colons, "%s%c%c", i ? ":" : "", g_ascii_toupper (fake[i]), g_ascii_toupper (fake[i + 1]));
  cw_trust_store_remove_async (f->trust, colons->str, NULL, cw_test_async_done, &again);
  g_assert_true (change_finish (f, &again, &error));
  g_assert_no_error (error);
  g_assert_null (entry (f, fake));
}

static void
test_refused (Fixture *f, gconstpointer data)
{
  static const struct { const gchar *fixture; gint code; const gchar *message; } cases[] = {
    { "leaf.pem", CW_ERROR_INVALID_DATA, "is not a CA certificate" },
    { "expired-ca.pem", CW_ERROR_EXPIRED, "expired on 2020-01-01" },
    { "bundle-any-order.pem", CW_ERROR_INVALID_DATA, "private key" },
    { "garbage.txt", CW_ERROR_INVALID_DATA, "not a certificate" },
    { "leaf.key", CW_ERROR_INVALID_DATA, "private key" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_assert_false (add (f, cases[i].fixture, NULL, &error));
    g_assert_error (error, CW_ERROR, cases[i].code);
    if (strstr (error->message, cases[i].message) == NULL)
      g_error ("%s: “%s” does not mention “%s”", cases[i].fixture, error->message, cases[i].message);
    g_clear_error (&error);
  }
  cw_trust_store_remove_async (f->trust, "00ff", NULL, cw_test_async_done, &r);
  g_assert_false (change_finish (f, &r, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_NOT_FOUND);
  /* nothing changed, nothing announced */
  g_assert_cmpuint (cw_trust_store_get_count (f->trust), ==, 2);
  g_assert_cmpuint (bundle_count (f), ==, 2);
  g_assert_cmpuint (f->changed, ==, 0);
}

static void
test_replace_reset (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) upload = cw_test_fixture ("fake-inter.pem");
  g_autofree gchar *fake = fingerprint_of ("fake-inter.pem");
  g_autoptr(GAsyncResult) replaced = NULL, reset = NULL;

  cw_trust_store_replace_async (f->trust, upload, NULL, cw_test_async_done, &replaced);
  g_assert_true (change_finish (f, &replaced, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cw_trust_store_get_count (f->trust), ==, 1);
  g_assert_nonnull (entry (f, fake));
  g_assert_cmpuint (bundle_count (f), ==, 1);
  g_clear_object (&f->trust);
  f->trust = open_trust (f);
  g_assert_cmpuint (cw_trust_store_get_count (f->trust), ==, 1);

  cw_trust_store_reset_async (f->trust, NULL, cw_test_async_done, &reset);
  g_assert_true (change_finish (f, &reset, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cw_trust_store_get_count (f->trust), ==, 2);
  g_assert_null (entry (f, fake));
  g_assert_cmpuint (bundle_count (f), ==, 2);
}

/* An updated system bundle flows through; the administrator's removals stay. */
static void
test_system_update (Fixture *f, gconstpointer data)
{
  static const gchar *const updated[] = { "root.pem", "inter.pem", "fake-inter.pem", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *inter = fingerprint_of ("inter.pem");
  g_autofree gchar *fake = fingerprint_of ("fake-inter.pem");
  g_autoptr(GAsyncResult) r = NULL;

  cw_trust_store_remove_async (f->trust, inter, NULL, cw_test_async_done, &r);
  g_assert_true (change_finish (f, &r, &error));
  g_assert_no_error (error);
  write_system (f, updated);
  g_clear_object (&f->trust);
  f->trust = open_trust (f);
  g_assert_cmpuint (cw_trust_store_get_count (f->trust), ==, 2);
  g_assert_null (entry (f, inter));
  g_assert_true (entry (f, fake)->from_system);
  g_assert_cmpuint (bundle_count (f), ==, 2);
}

static void
test_mode_and_busy (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) upload = cw_test_fixture ("fake-inter.pem");
  g_autoptr(GAsyncResult) mode = NULL, first = NULL, second = NULL, bad = NULL;
  g_auto(GStrv) added = NULL;

  cw_trust_store_set_mode_async (f->trust, "all", NULL, cw_test_async_done, &mode);
  g_assert_true (change_finish (f, &mode, &error));
  g_assert_cmpstr (cw_trust_store_get_mode (f->trust), ==, "all");
  cw_trust_store_set_mode_async (f->trust, "strict", NULL, cw_test_async_done, &bad);
  g_assert_false (change_finish (f, &bad, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_object (&f->trust);
  f->trust = open_trust (f);
  g_assert_cmpstr (cw_trust_store_get_mode (f->trust), ==, "all");

  cw_trust_store_add_async (f->trust, upload, NULL, cw_test_async_done, &first);
  cw_trust_store_reset_async (f->trust, NULL, cw_test_async_done, &second);
  added = cw_trust_store_add_finish (f->trust, cw_test_async_wait (&first), &error);
  g_assert_true (added != NULL);
  g_assert_false (change_finish (f, &second, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_BUSY);
}

/* A backend that keeps the last state it took, or refuses. */
typedef struct {
  gchar   *after;
  gboolean refuse;
} Backend;

static gboolean
backend_commit (gpointer user_data, const gchar *before, const gchar *after, GError **error)
{
  Backend *b = user_data;

  if (b->refuse) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_UNAVAILABLE, "refused");
    return FALSE;
  }
  g_free (b->after);
  b->after = g_strdup (after);
  return TRUE;
}

static const CwTrustStoreBackend backend = { backend_commit };

/* A shared backend sees every change first; what it refuses changes
 * nothing; a shared state applied elsewhere is the same store there, and
 * applied again it changes nothing (no ::changed). */
static void
test_shared (Fixture *f, gconstpointer data)
{
  Backend b = { NULL, FALSE };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *fake = fingerprint_of ("fake-inter.pem");
  g_autoptr(GAsyncResult) result = NULL, again = NULL;
  g_autoptr(GBytes) shared = NULL;
  g_autofree gchar *other_dir = g_build_filename (f->dir, "other", NULL);
  g_autoptr(CwTrustStore) other = cw_trust_store_new (other_dir, f->system, "outgoing");
  guint before;

  cw_trust_store_set_backend (f->trust, &backend, &b);
  b.refuse = TRUE;
  g_assert_false (add (f, "fake-inter.pem", NULL, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_null (entry (f, fake));
  g_assert_cmpuint (f->changed, ==, 0);
  b.refuse = FALSE;
  g_assert_true (add (f, "fake-inter.pem", NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (b.after);
  g_assert_cmpuint (f->changed, ==, 1);

  /* another node: the same certificates from the shared state */
  g_assert_true (cw_trust_store_load (other, &error));
  shared = g_bytes_new (b.after, strlen (b.after));
  cw_trust_store_apply_shared_async (other, shared, NULL, cw_test_async_done, &result);
  g_assert_true (cw_trust_store_change_finish (other, cw_test_async_wait (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cw_trust_store_get_count (other), ==, cw_trust_store_get_count (f->trust));
  /* this node's own state coming back: nothing happens */
  before = f->changed;
  cw_trust_store_apply_shared_async (f->trust, shared, NULL, cw_test_async_done, &again);
  g_assert_true (change_finish (f, &again, &error));
  g_assert_cmpuint (f->changed, ==, before);
  cw_trust_store_set_backend (f->trust, NULL, NULL);
  g_free (b.after);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  cw_test_fixtures ();
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/trust/seeded-from-system", test_seeded);
  ADD ("/trust/add-remove", test_add_remove);
  ADD ("/trust/refused", test_refused);
  ADD ("/trust/replace-reset", test_replace_reset);
  ADD ("/trust/system-update", test_system_update);
  ADD ("/trust/mode-and-busy", test_mode_and_busy);
  ADD ("/trust/shared", test_shared);
  return g_test_run ();
}
