/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwStore: the on-disk layout, revisions, reload, crash leftovers, install,
 * remove, export, and what a failed write leaves behind. */
#include "cw-chain.h"
#include "cw-error.h"
#include "cw-store.h"
#include "cw-test-store.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  gchar   *dir;
  CwStore *store;
  GArray  *events;        /* CwEvent */
  gboolean files_present; /* the files existed whenever ::event fired */
} Fixture;

static void
check_files (CwStore *store, CwCertificate *cert, guint event, Fixture *f)
{
  g_autofree gchar *key = cw_certificate_get_path (cert, CW_CERT_FILE_KEY);
  g_autofree gchar *fullchain = cw_certificate_get_path (cert, CW_CERT_FILE_FULLCHAIN);
  gboolean present = g_file_test (key, G_FILE_TEST_EXISTS) && g_file_test (fullchain, G_FILE_TEST_EXISTS);

  if (event != CW_EVENT_REMOVED && !present)
    f->files_present = FALSE;
}

static CwStore *
open_store (Fixture *f, const gchar *config_text)
{
  CwStore *store = cw_test_store_open (f->dir, config_text, f->events);

  g_signal_connect (store, "event", G_CALLBACK (check_files), f);
  return store;
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->dir = cw_test_mkdtemp ();
  f->events = g_array_new (FALSE, FALSE, sizeof (guint));
  f->files_present = TRUE;
  f->store = open_store (f, data);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  cw_test_store_close (&f->store, &f->dir);
  g_array_unref (f->events);
}

/* Runs an import to its end. */
static CwCertificate *
import_request (Fixture *f, CwImportRequest *request, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cw_store_import_async (f->store, request, NULL, cw_test_async_done, &result);
  return cw_store_import_finish (f->store, cw_test_async_wait (&result), error);
}

static CwCertificate *
import_files (Fixture *f, const gchar *name, gboolean replace, GError **error, ...)
{
  CwImportRequest *request = cw_import_request_new ();
  va_list args;
  const gchar *file;

  request->name = g_strdup (name);
  request->replace = replace;
  va_start (args, error);
  while ((file = va_arg (args, const gchar *)) != NULL) {
    g_autoptr(GBytes) bytes = cw_test_fixture (file);

    cw_import_request_add (request, file, bytes);
  }
  va_end (args);
  return import_request (f, request, error);
}

static gboolean
install_bytes (Fixture *f, CwCertificate *cert, GBytes *bytes, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cw_store_install_async (f->store, cert, bytes, NULL, cw_test_async_done, &result);
  return cw_store_install_finish (f->store, cw_test_async_wait (&result), error);
}

static gboolean
install_file (Fixture *f, CwCertificate *cert, const gchar *file, GError **error)
{
  g_autoptr(GBytes) bytes = cw_test_fixture (file);

  return install_bytes (f, cert, bytes, error);
}

static gboolean
remove_cert (Fixture *f, CwCertificate *cert, gboolean force, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cw_store_remove_async (f->store, cert, force, NULL, cw_test_async_done, &result);
  return cw_store_remove_finish (f->store, cw_test_async_wait (&result), error);
}

static GBytes *
export_cert (Fixture *f, CwCertificate *cert, CwExportFormat format, gboolean include_key,
             const gchar *password, gboolean legacy, GError **error)
{
  CwExportOptions options = { format, include_key, (gchar *) password, legacy };
  g_autoptr(GAsyncResult) result = NULL;

  cw_store_export_async (f->store, cert, &options, NULL, cw_test_async_done, &result);
  return cw_store_export_finish (f->store, cw_test_async_wait (&result), error);
}

static gchar *
cert_file (CwCertificate *cert, const gchar *name)
{
  return g_build_filename (cw_certificate_get_dir (cert), "current", name, NULL);
}

static gchar *
read_text (const gchar *path)
{
  gchar *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static gchar *
fixture_text (const gchar *name)
{
  g_autoptr(GBytes) bytes = cw_test_fixture (name);

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static guint
file_mode (const gchar *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

/* Parses exported bytes back with the import code. */
static CwBundle *
reparse (GBytes *bytes, const gchar *password, gboolean want_key, GError **error)
{
  g_autoptr(CwMaterial) material = cw_material_new (password);
  CwChainPolicy policy = { g_get_real_time () / G_USEC_PER_SEC, FALSE, NULL, NULL };

  if (!cw_material_add (material, "export", g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error))
    return NULL;
  if (!want_key) {
    g_assert_cmpuint (cw_material_get_keys (material)->len, ==, 0);
    return NULL;
  }
  return cw_bundle_build (material, &policy, error);
}

/* ---- tests -------------------------------------------------------------- */

static void
test_layout (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = import_files (f, "www", FALSE, &error, "leaf.pem", "leaf.key", "chain.ca-bundle", NULL);
  g_autofree gchar *target = NULL, *key = NULL, *crt = NULL, *chain = NULL, *full = NULL, *settings = NULL;
  g_autofree gchar *leaf_pem = fixture_text ("leaf.pem"), *inter_pem = fixture_text ("inter.pem");
  g_autofree gchar *crt_text = NULL, *chain_text = NULL, *full_text = NULL, *link = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (cert);
  g_assert_cmpstr (cw_certificate_get_name (cert), ==, "www");
  g_assert_cmpstr (cw_certificate_get_id (cert), ==, "www");
  g_assert_cmpuint (cw_certificate_get_revision (cert), ==, 1);
  g_assert_cmpstr (cw_certificate_get_source (cert), ==, "imported");
  g_assert_true (cw_certificate_get_key_matches (cert));
  g_assert_cmpstrv (cw_certificate_get_roles (cert), ((const gchar *[]) { "server", NULL }));
  g_assert_cmpint (cw_certificate_get_state (cert), ==, CW_CERT_STATE_VALID);

  link = g_build_filename (cw_certificate_get_dir (cert), "current", NULL);
  target = g_file_read_link (link, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (target, ==, "rev-1");

  key = cert_file (cert, "key.pem");
  crt = cert_file (cert, "cert.pem");
  chain = cert_file (cert, "chain.pem");
  full = cert_file (cert, "fullchain.pem");
  g_assert_cmpuint (file_mode (key), ==, 0600);
  g_assert_cmpuint (file_mode (crt), ==, 0644);
  g_assert_cmpuint (file_mode (full), ==, 0644);
  crt_text = read_text (crt);
  chain_text = read_text (chain);
  full_text = read_text (full);
  g_assert_cmpstr (crt_text, ==, leaf_pem);
  g_assert_cmpstr (chain_text, ==, inter_pem);          /* the root was dropped */
  g_assert_true (g_str_has_prefix (full_text, leaf_pem));
  g_assert_true (g_str_has_suffix (full_text, inter_pem));

  settings = g_build_filename (cw_certificate_get_dir (cert), "settings.ini", NULL);
  g_assert_true (g_file_test (settings, G_FILE_TEST_IS_REGULAR));

  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_cmpuint (g_array_index (f->events, guint, 0), ==, CW_EVENT_ADDED);
  g_assert_true (f->files_present);
}

static void
test_replace (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) first = import_files (f, "www", FALSE, &error, "leaf.pem", "leaf.key", NULL);
  g_autoptr(CwCertificate) again = NULL;
  g_autoptr(CwCertificate) replaced = NULL;
  g_autofree gchar *old_fp = NULL;

  g_assert_no_error (error);
  old_fp = g_strdup (cw_certificate_get_info (first)->fingerprint);

  again = import_files (f, "www", FALSE, &error, "rsa.pem", "rsa.key", NULL);
  g_assert_null (again);
  g_assert_error (error, CW_ERROR, CW_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "replace"));
  g_clear_error (&error);
  g_assert_cmpuint (cw_certificate_get_revision (first), ==, 1);

  replaced = import_files (f, "www", TRUE, &error, "rsa.pem", "rsa.key", "inter.pem", NULL);
  g_assert_no_error (error);
  g_assert_true (replaced == first);
  g_assert_cmpuint (cw_certificate_get_revision (first), ==, 2);
  g_assert_cmpstr (cw_certificate_get_previous_fingerprint (first), ==, old_fp);
  g_assert_cmpstr (cw_certificate_get_info (first)->key_type, ==, "rsa-2048");
  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_cmpuint (g_array_index (f->events, guint, 1), ==, CW_EVENT_REPLACED);
  g_assert_true (f->files_present);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar **) a, *(const gchar **) b);
}

static void
test_prune (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = import_files (f, "www", FALSE, &error, "leaf.pem", "leaf.key", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++) {
    g_autoptr(CwCertificate) again = import_files (f, "www", TRUE, &error, i % 2 ? "leaf.pem" : "rsa.pem",
                                                   i % 2 ? "leaf.key" : "rsa.key", NULL);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (cw_certificate_get_revision (cert), ==, 5);
  dir = g_dir_open (cw_certificate_get_dir (cert), 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "rev-"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  /* keep-revisions=2 in this fixture's configuration */
  g_assert_cmpuint (names->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "rev-4");
  g_assert_cmpstr (g_ptr_array_index (names, 1), ==, "rev-5");
}

static void
test_reload (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  CwImportRequest *request = cw_import_request_new ();
  g_autoptr(GBytes) p12 = cw_test_fixture ("full.p12");
  g_autoptr(CwStore) again = NULL;
  CwCertificate *before, *after;

  request->name = g_strdup ("Tenant A — SIP");
  request->password = g_strdup ("secret-pass");
  request->roles = g_strsplit ("sip-tls,server", ",", -1);
  request->tenant = g_strdup ("tenant-a");
  cw_import_request_add (request, "full.p12", p12);
  before = import_request (f, request, &error);
  g_assert_no_error (error);

  again = open_store (f, NULL);
  g_assert_cmpuint (cw_store_get_count (again), ==, 1);
  after = cw_store_lookup (again, "Tenant A — SIP");
  g_assert_nonnull (after);
  g_assert_cmpstr (cw_certificate_get_id (after), ==, cw_certificate_get_id (before));
  g_assert_cmpstr (cw_certificate_get_id (after), ==, "Tenant_A_____SIP");
  g_assert_cmpstrv (cw_certificate_get_roles (after), ((const gchar *[]) { "sip-tls", "server", NULL }));
  g_assert_cmpstr (cw_certificate_get_tenant (after), ==, "tenant-a");
  g_assert_cmpuint (cw_certificate_get_revision (after), ==, 1);
  g_assert_cmpstr (cw_certificate_get_source (after), ==, "imported");
  g_assert_cmpstr (cw_certificate_get_info (after)->fingerprint, ==, cw_certificate_get_info (before)->fingerprint);
  g_assert_cmpstrv (cw_certificate_get_info (after)->identities, cw_certificate_get_info (before)->identities);
  g_assert_true (cw_certificate_get_key_matches (after));
  g_assert_true (cw_store_lookup_id (again, cw_certificate_get_id (before)) == after);
  g_object_unref (before);
}

static void
test_crash_leftovers (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = import_files (f, "www", FALSE, &error, "leaf.pem", "leaf.key", NULL);
  g_autofree gchar *certs = g_build_filename (f->dir, "certificates", NULL);
  g_autofree gchar *new_dir = g_build_filename (certs, ".new-www-1234", NULL);
  g_autofree gchar *trash = g_build_filename (certs, ".trash-old-1234", NULL);
  g_autofree gchar *future = g_build_filename (cw_certificate_get_dir (cert), "rev-7", NULL);
  g_autofree gchar *tmp_link = g_build_filename (cw_certificate_get_dir (cert), ".current.tmp-00000001", NULL);
  g_autofree gchar *broken = g_build_filename (certs, "broken", NULL);
  g_autoptr(CwStore) again = NULL;
  CwCertificate *loaded;

  g_assert_no_error (error);
  /* what a crash at various points leaves: a half-built certificate, a
   * half-removed one, a revision never made current, a link never renamed */
  g_assert_cmpint (g_mkdir_with_parents (new_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (trash, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (future, 0755), ==, 0);
  g_assert_cmpint (symlink ("rev-7", tmp_link), ==, 0);
  /* and a directory that is not ours to judge */
  g_assert_cmpint (g_mkdir_with_parents (broken, 0755), ==, 0);

  cw_test_expect_warning ("*ignoring*broken*settings.ini*");
  again = open_store (f, NULL);
  cw_test_assert_expected_warnings ();
  loaded = cw_store_lookup (again, "www");
  g_assert_nonnull (loaded);
  g_assert_cmpuint (cw_certificate_get_revision (loaded), ==, 1);
  g_assert_true (cw_certificate_get_key_matches (loaded));
  g_assert_false (g_file_test (new_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (trash, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (future, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (tmp_link, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (broken, G_FILE_TEST_IS_DIR));      /* skipped, kept for the admin */
  g_assert_cmpuint (cw_store_get_count (again), ==, 1);
}

static void
test_key_mismatch_on_disk (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = import_files (f, "www", FALSE, &error, "leaf.pem", "leaf.key", NULL);
  g_autofree gchar *key = cert_file (cert, "key.pem");
  g_autofree gchar *other = fixture_text ("other.key");
  g_autoptr(CwStore) again = NULL;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (key, other, -1, NULL));
  cw_test_expect_warning ("*www*does not match the certificate*");
  again = open_store (f, NULL);
  /* the start trusts the revision's cache; the audit behind it finds out */
  while (cw_store_is_auditing (again))
    g_main_context_iteration (NULL, TRUE);
  cw_test_assert_expected_warnings ();
  g_assert_false (cw_certificate_get_key_matches (cw_store_lookup (again, "www")));
}

static void
test_install (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = import_files (f, "www", FALSE, &error, "leaf.pem", "leaf.key", "inter.pem", NULL);
  g_autofree gchar *old_fp = NULL;
  g_autofree gchar *renewed = fixture_text ("renewed.pem");
  g_autofree gchar *crt_text = NULL, *crt = NULL;

  g_assert_no_error (error);
  old_fp = g_strdup (cw_certificate_get_info (cert)->fingerprint);

  /* a certificate for another key is refused and changes nothing */
  g_assert_false (install_file (f, cert, "rsa.pem", &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_KEY_MISMATCH);
  g_clear_error (&error);
  g_assert_false (install_file (f, cert, "garbage.txt", &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_cmpuint (cw_certificate_get_revision (cert), ==, 1);
  g_assert_cmpuint (f->events->len, ==, 1);

  g_assert_true (install_file (f, cert, "renewed.pem", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cw_certificate_get_revision (cert), ==, 2);
  g_assert_cmpstr (cw_certificate_get_previous_fingerprint (cert), ==, old_fp);
  g_assert_cmpstr (cw_certificate_get_info (cert)->fingerprint, !=, old_fp);
  g_assert_cmpuint (g_array_index (f->events, guint, f->events->len - 1), ==, CW_EVENT_RENEWED);
  crt = cert_file (cert, "cert.pem");
  crt_text = read_text (crt);
  g_assert_cmpstr (crt_text, ==, renewed);
  g_assert_true (f->files_present);
}

static void
test_install_foreign_key (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = import_files (f, "www", FALSE, &error, "self.pem", "leaf.key", NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree gchar *pem = NULL, *renewed = fixture_text ("renewed.pem"), *other = fixture_text ("other.key");

  g_assert_no_error (error);
  pem = g_strconcat (renewed, other, NULL);
  bytes = g_bytes_new_take (pem, strlen (pem));
  pem = NULL;
  install_bytes (f, cert, bytes, &error);
  g_assert_error (error, CW_ERROR, CW_ERROR_KEY_MISMATCH);
  g_clear_error (&error);
  g_assert_cmpuint (cw_certificate_get_revision (cert), ==, 1);
}

static void
on_added (CwStore *store, CwCertificate *cert, gpointer user_data)
{
  *(CwCertificate **) user_data = cert;
}

static void
test_remove (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = import_files (f, "www", FALSE, &error, "leaf.pem", "leaf.key", NULL);
  g_autoptr(CwCertificate) other = import_files (f, "other", FALSE, &error, "rsa.pem", "rsa.key", NULL);
  g_autofree gchar *dir = g_strdup (cw_certificate_get_dir (other));
  g_autoptr(CwStore) again = NULL;
  CwCertificate *made = NULL;

  g_assert_no_error (error);
  g_assert_true (cw_store_get_default (f->store) == cert);   /* the first server certificate */
  g_assert_true (remove_cert (f, other, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_null (cw_store_lookup (f->store, "other"));
  g_assert_cmpuint (g_array_index (f->events, guint, f->events->len - 1), ==, CW_EVENT_REMOVED);

  /* the default is protected */
  g_assert_false (remove_cert (f, cert, FALSE, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "default"));
  g_clear_error (&error);
  g_assert_nonnull (cw_store_lookup (f->store, "www"));

  /* forced: no server certificate is left, so no default (the daemon then
   * asks for a new identity: tests/test-local.c) */
  g_signal_connect (f->store, "certificate-added", G_CALLBACK (on_added), &made);
  g_assert_true (remove_cert (f, cert, TRUE, &error));
  g_assert_no_error (error);
  g_assert_null (cw_store_get_default (f->store));
  g_assert_cmpuint (cw_store_get_count (f->store), ==, 0);
  /* what the daemon does then: a new self-signed identity takes over */
  cw_store_ensure_identity_async (f->store, NULL, NULL, NULL);
  while (made == NULL || cw_store_get_default (f->store) != made)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (cw_certificate_get_name (made), ==, "system");
  g_assert_cmpstr (cw_certificate_get_source (made), ==, "self-signed");
  cw_store_flush (f->store);
  again = open_store (f, NULL);
  g_assert_cmpuint (cw_store_get_count (again), ==, 1);
  g_assert_cmpstr (cw_certificate_get_name (cw_store_get_default (again)), ==, "system");
}

static void
test_busy (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = import_files (f, "www", FALSE, &error, "leaf.pem", "leaf.key", NULL);
  g_autoptr(GBytes) renewed = cw_test_fixture ("renewed.pem");
  g_autoptr(GAsyncResult) install = NULL, removal = NULL;

  g_assert_no_error (error);
  cw_store_install_async (f->store, cert, renewed, NULL, cw_test_async_done, &install);
  cw_store_remove_async (f->store, cert, TRUE, NULL, cw_test_async_done, &removal);
  g_assert_false (cw_store_is_idle (f->store));
  cw_test_async_wait (&install);
  cw_test_async_wait (&removal);
  cw_store_install_finish (f->store, install, &error);
  g_assert_no_error (error);
  cw_store_remove_finish (f->store, removal, &error);
  g_assert_error (error, CW_ERROR, CW_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_nonnull (cw_store_lookup (f->store, "www"));
  while (!cw_store_is_idle (f->store))
    g_main_context_iteration (NULL, TRUE);
}

static void
test_validation (Fixture *f, gconstpointer data)
{
  static const struct { const gchar *name; const gchar *role; const gchar *message; } bad[] = {
    { "a/b", NULL, "slash" },
    { "tab\there", NULL, "control character" },
    { "", NULL, "invalid name: it must be 1 to 255" },
    { "ok", "superuser", "unknown role" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    CwImportRequest *request = cw_import_request_new ();
    g_autoptr(GBytes) p12 = cw_test_fixture ("nopass.p12");
    g_autoptr(GError) error = NULL;

    request->name = g_strdup (bad[i].name);
    if (bad[i].role != NULL)
      request->roles = g_strsplit (bad[i].role, ",", -1);
    cw_import_request_add (request, "nopass.p12", p12);
    g_assert_null (import_request (f, request, &error));
    g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, bad[i].message));
    g_clear_error (&error);
  }
  g_assert_cmpuint (cw_store_get_count (f->store), ==, 0);
  g_assert_cmpuint (f->events->len, ==, 0);
}

static void
test_default_name_and_ids (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) a = import_files (f, NULL, FALSE, &error, "nopass.p12", NULL);
  g_autoptr(CwCertificate) b = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (cw_certificate_get_name (a), ==, "www.example.test");
  g_assert_cmpstr (cw_certificate_get_id (a), ==, "www_example_test");
  b = import_files (f, "www-example-test", FALSE, &error, "nopass.p12", NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_certificate_get_id (b), ==, "www_example_test_2");
}

static void
test_states (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) valid = import_files (f, "valid", FALSE, &error, "leaf.pem", "leaf.key", NULL);
  g_autoptr(CwCertificate) expired = NULL;
  CwImportRequest *request = cw_import_request_new ();
  g_autoptr(GBytes) a = cw_test_fixture ("expired.pem"), b = cw_test_fixture ("leaf.key");

  g_assert_no_error (error);
  g_assert_cmpint (cw_certificate_get_state (valid), ==, CW_CERT_STATE_VALID);
  request->name = g_strdup ("old");
  request->allow_expired = TRUE;
  cw_import_request_add (request, "a", a);
  cw_import_request_add (request, "b", b);
  expired = import_request (f, request, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cw_certificate_get_state (expired), ==, CW_CERT_STATE_EXPIRED);
}

static void
assert_openssl_reads (GBytes *p12, const gchar *password)
{
  g_autofree gchar *path = g_build_filename (g_get_tmp_dir (), "certward-test-export.p12", NULL);
  g_autofree gchar *command = NULL;
  g_autofree gchar *out = NULL;

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (p12, NULL), g_bytes_get_size (p12), NULL));
  command = g_strdup_printf ("openssl pkcs12 -in '%s' -passin pass:%s -nodes 2>&1 | grep -c -- '-----BEGIN'", path, password);
  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  /* leaf, intermediate and the key */
  g_assert_cmpint (atoi (out), ==, 3);
  g_unlink (path);
}

static void
test_export (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = import_files (f, "www", FALSE, &error, "nopass.p12", NULL);
  g_autoptr(GBytes) pem = NULL, pem_key = NULL, pem_enc = NULL, der = NULL, p12 = NULL, legacy = NULL, bad = NULL;
  g_autoptr(CwBundle) bundle = NULL;
  g_autoptr(GBytes) leaf_der = cw_test_fixture ("leaf.der");
  const gchar *fp;

  g_assert_no_error (error);
  fp = cw_certificate_get_info (cert)->fingerprint;

  pem = export_cert (f, cert, CW_EXPORT_PEM, FALSE, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (reparse (pem, NULL, FALSE, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (g_bytes_get_data (pem, NULL), "BEGIN CERTIFICATE"));
  g_assert_null (strstr (g_bytes_get_data (pem, NULL), "PRIVATE KEY"));

  pem_key = export_cert (f, cert, CW_EXPORT_PEM, TRUE, NULL, FALSE, &error);
  g_assert_no_error (error);
  bundle = reparse (pem_key, NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bundle->certs->len, ==, 2);
  g_clear_pointer (&bundle, cw_bundle_free);

  pem_enc = export_cert (f, cert, CW_EXPORT_PEM, TRUE, "pw", FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (g_bytes_get_data (pem_enc, NULL), "ENCRYPTED PRIVATE KEY"));
  bundle = reparse (pem_enc, "pw", TRUE, &error);
  g_assert_no_error (error);
  g_clear_pointer (&bundle, cw_bundle_free);

  der = export_cert (f, cert, CW_EXPORT_DER, FALSE, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (der, leaf_der));

  p12 = export_cert (f, cert, CW_EXPORT_PKCS12, TRUE, "pw", FALSE, &error);
  g_assert_no_error (error);
  bundle = reparse (p12, "pw", TRUE, &error);
  g_assert_no_error (error);
  {
    g_autofree gchar *fp2 = cw_x509_crt_get_fingerprint (g_ptr_array_index (bundle->certs, 0));
    g_assert_cmpstr (fp2, ==, fp);
  }
  g_clear_pointer (&bundle, cw_bundle_free);
  assert_openssl_reads (p12, "pw");

  legacy = export_cert (f, cert, CW_EXPORT_PKCS12, TRUE, "pw", TRUE, &error);
  g_assert_no_error (error);
  assert_openssl_reads (legacy, "pw");

  bad = export_cert (f, cert, CW_EXPORT_PKCS12, TRUE, NULL, FALSE, &error);
  g_assert_null (bad);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "needs a password"));
  g_clear_error (&error);
  bad = export_cert (f, cert, CW_EXPORT_DER, TRUE, NULL, FALSE, &error);
  g_assert_null (bad);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
}

/* A write that fails half-way (here: the file size limit, which binds root
 * too, standing in for a full disk) leaves the previous revision current and
 * nothing else behind. */
static void
test_failed_write (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = import_files (f, "www", FALSE, &error, "leaf.pem", "leaf.key", NULL);
  g_autoptr(CwCertificate) again = NULL;
  g_autoptr(CwStore) reloaded = NULL;
  g_autoptr(GDir) dir = NULL;
  struct rlimit old, tiny;
  const gchar *name;
  guint revisions = 0;
  g_autofree gchar *fp = NULL;

  g_assert_no_error (error);
  fp = g_strdup (cw_certificate_get_info (cert)->fingerprint);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old), ==, 0);
  tiny.rlim_cur = 200;         /* the soft limit only: it can be raised again */
  tiny.rlim_max = old.rlim_max;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &tiny), ==, 0);
  cw_test_expect_warning ("*www: import failed*File too large*");
  again = import_files (f, "www", TRUE, &error, "rsa.pem", "rsa.key", "inter.pem", NULL);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old), ==, 0);
  cw_test_assert_expected_warnings ();

  g_assert_null (again);
  g_assert_error (error, CW_ERROR, CW_ERROR_IO);
  g_assert_cmpuint (cw_certificate_get_revision (cert), ==, 1);
  g_assert_cmpstr (cw_certificate_get_info (cert)->fingerprint, ==, fp);
  g_assert_cmpuint (f->events->len, ==, 1);
  dir = g_dir_open (cw_certificate_get_dir (cert), 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "rev-"))
      revisions++;
  g_assert_cmpuint (revisions, ==, 1);

  reloaded = open_store (f, NULL);
  g_assert_cmpstr (cw_certificate_get_info (cw_store_lookup (reloaded, "www"))->fingerprint, ==, fp);
  g_assert_true (cw_certificate_get_key_matches (cw_store_lookup (reloaded, "www")));
}

typedef struct {
  gchar   *settings;
  gboolean refuse;
  guint    changed;
} Shared;

static gboolean
manager_commit (gpointer user_data, const gchar *settings, GError **error)
{
  Shared *shared = user_data;

  if (shared->refuse) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_UNAVAILABLE, "refused");
    return FALSE;
  }
  g_free (shared->settings);
  shared->settings = g_strdup (settings);
  return TRUE;
}

static void
on_manager_changed (CwStore *store, Shared *shared)
{
  shared->changed++;
}

/* The manager settings a shared backend takes first (refused: nothing
 * changes), and another node's applied by certificate name, announced
 * once, the same again announced never. */
static void
test_shared_manager (Fixture *f, gconstpointer data)
{
  Shared shared = { NULL, FALSE, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) a = import_files (f, NULL, FALSE, &error, "nopass.p12", NULL);
  const gchar *domains[] = { "example.test", NULL };
  guint days = cw_store_get_warning_days (f->store);
  g_autofree gchar *text = NULL;

  g_assert_no_error (error);
  cw_store_set_manager_backend (f->store, manager_commit, &shared);
  g_signal_connect (f->store, "manager-changed", G_CALLBACK (on_manager_changed), &shared);
  shared.refuse = TRUE;
  g_assert_false (cw_store_set_warning_days (f->store, 45, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_cmpuint (cw_store_get_warning_days (f->store), ==, days);
  g_assert_false (cw_store_set_tenant_domains (f->store, "acme", domains, &error));
  g_clear_error (&error);
  g_assert_null (g_hash_table_lookup (cw_store_get_tenants (f->store), "acme"));
  shared.refuse = FALSE;
  g_assert_true (cw_store_set_tenant_domains (f->store, "acme", domains, &error));
  g_assert_nonnull (strstr (shared.settings, "acme=example.test"));
  g_assert_true (cw_store_set_warning_days (f->store, 45, &error));
  g_assert_nonnull (strstr (shared.settings, "expiry-warning-days=45"));

  /* another node made www.example.test the default and the warning 90 */
  text = g_strdup_printf ("[manager]\ndefault=%s\nexpiry-warning-days=90\n[tenants]\nacme=example.test;\n",
                          cw_certificate_get_name (a));
  shared.changed = 0;
  g_assert_true (cw_store_apply_manager (f->store, text, &error));
  g_assert_no_error (error);
  g_assert_true (cw_store_get_default (f->store) == a);
  g_assert_cmpuint (cw_store_get_warning_days (f->store), ==, 90);
  g_assert_cmpuint (shared.changed, ==, 1);
  g_assert_true (cw_store_apply_manager (f->store, text, &error));
  g_assert_cmpuint (shared.changed, ==, 1);

  /* a default this node has not received yet, and a tenant no node could
   * have set: the tenant is dropped; the default is taken when it comes,
   * not replaced by another certificate that comes first */
  g_free (text);
  text = g_strdup ("[manager]\ndefault=later\nexpiry-warning-days=90\n[tenants]\nacme=example.test;\n"
                   "bad=not a domain!;\n");
  cw_test_expect_warning ("*tenant bad ignored*");
  g_assert_true (cw_store_apply_manager (f->store, text, &error));
  cw_test_assert_expected_warnings ();
  g_assert_no_error (error);
  g_assert_null (cw_store_get_default (f->store));
  g_assert_null (g_hash_table_lookup (cw_store_get_tenants (f->store), "bad"));
  g_assert_nonnull (g_hash_table_lookup (cw_store_get_tenants (f->store), "acme"));
  {
    g_autoptr(CwCertificate) first = import_files (f, "first", FALSE, &error, "leaf.pem", "leaf.key", "inter.pem", NULL);
    g_autoptr(CwCertificate) later = NULL;

    g_assert_no_error (error);
    g_assert_null (cw_store_get_default (f->store));
    later = import_files (f, "later", FALSE, &error, "rsa.pem", "rsa.key", "inter.pem", NULL);
    g_assert_no_error (error);
    g_assert_true (cw_store_get_default (f->store) == later);
  }
  cw_store_set_manager_backend (f->store, NULL, NULL);
  g_free (shared.settings);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  cw_test_fixtures ();
#define ADD(path, func, config) g_test_add (path, Fixture, config, setup, func, teardown)
  ADD ("/store/layout", test_layout, NULL);
  ADD ("/store/replace", test_replace, NULL);
  ADD ("/store/prune", test_prune, "[store]\nkeep-revisions=2\n");
  ADD ("/store/reload", test_reload, NULL);
  ADD ("/store/crash-leftovers", test_crash_leftovers, NULL);
  ADD ("/store/key-mismatch-on-disk", test_key_mismatch_on_disk, NULL);
  ADD ("/store/install", test_install, NULL);
  ADD ("/store/install-foreign-key", test_install_foreign_key, NULL);
  ADD ("/store/remove", test_remove, NULL);
  ADD ("/store/busy", test_busy, NULL);
  ADD ("/store/validation", test_validation, NULL);
  ADD ("/store/default-name-and-ids", test_default_name_and_ids, NULL);
  ADD ("/store/states", test_states, NULL);
  ADD ("/store/export", test_export, NULL);
  ADD ("/store/failed-write", test_failed_write, NULL);
  ADD ("/store/shared-manager", test_shared_manager, NULL);
  return g_test_run ();
}
