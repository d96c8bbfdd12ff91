/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's TLS trust (CwRoots, CwTlsDatabase): chains from the test PKI
 * verified against its root, by name and by IP address; refused for an
 * unknown root, a wrong name, a forged intermediate, an expired
 * certificate. */
#include "cw-roots.h"
#include "cw-tls-database.h"
#include "cw-test-util.h"

static GTlsDatabase *
database (void)
{
  g_autofree gchar *root = cw_test_fixture_path ("root.pem");
  g_autoptr(CwRoots) roots = cw_roots_new ();

  g_assert_true (cw_roots_add_file (roots, root, NULL));
  return G_TLS_DATABASE (cw_tls_database_new (roots));
}

/* leaf.pem with the intermediate, as a server sends it */
static GTlsCertificate *
chain (const gchar *leaf_name, const gchar *inter_name)
{
  g_autoptr(GBytes) leaf = cw_test_fixture (leaf_name);
  g_autoptr(GBytes) inter = cw_test_fixture (inter_name);
  g_autofree gchar *pem = g_strdup_printf ("%.*s\n%.*s", (int) g_bytes_get_size (leaf),
                                           (const gchar *) g_bytes_get_data (leaf, NULL), (int) g_bytes_get_size (inter),
                                           (const gchar *) g_bytes_get_data (inter, NULL));
  g_autoptr(GError) error = NULL;
  GTlsCertificate *cert = g_tls_certificate_new_from_pem (pem, -1, &error);

  g_assert_no_error (error);
  return cert;
}

static GTlsCertificateFlags
verify (GTlsDatabase *db, GTlsCertificate *cert, const gchar *host)
{
  g_autoptr(GSocketConnectable) identity = g_network_address_new (host, 443);
  g_autoptr(GError) error = NULL;
  GTlsCertificateFlags flags = g_tls_database_verify_chain (db, cert, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                                            identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);

  g_assert_no_error (error);
  return flags;
}

static void
test_roots (void)
{
  g_autoptr(CwRoots) roots = cw_roots_new ();
  g_autofree gchar *bundle = cw_test_fixture_path ("chain.ca-bundle");
  g_autoptr(GError) error = NULL;

  g_assert_true (cw_roots_add_file (roots, bundle, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cw_roots_get_count (roots), ==, 2);
  g_assert_false (cw_roots_add_file (roots, "/nonexistent/bundle.pem", &error));
  g_assert_nonnull (error);
}

static void
test_verify (void)
{
  g_autoptr(GTlsDatabase) db = database ();
  g_autoptr(GTlsCertificate) good = chain ("leaf.pem", "inter.pem");
  g_autoptr(GTlsCertificate) forged = chain ("leaf.pem", "fake-inter.pem");
  g_autoptr(GTlsCertificate) self = NULL;
  g_autoptr(CwRoots) empty = cw_roots_new ();
  g_autoptr(GTlsDatabase) nothing = G_TLS_DATABASE (cw_tls_database_new (empty));
  g_autofree gchar *expired = cw_test_fixture_path ("expired.pem");

  g_assert_cmpint (verify (db, good, "www.example.test"), ==, 0);
  g_assert_cmpint (verify (db, good, "example.test"), ==, 0);
  /* an IP address is matched against the SAN's IP addresses */
  g_assert_cmpint (verify (db, good, "192.0.2.10"), ==, 0);
  g_assert_cmpint (verify (db, good, "192.0.2.11"), ==, G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_cmpint (verify (db, good, "evil.example.test"), ==, G_TLS_CERTIFICATE_BAD_IDENTITY);
  /* an intermediate with the right name and another key */
  g_assert_true (verify (db, forged, "www.example.test") & G_TLS_CERTIFICATE_UNKNOWN_CA);
  /* no anchors: nothing is trusted */
  g_assert_true (verify (nothing, good, "www.example.test") & G_TLS_CERTIFICATE_UNKNOWN_CA);
  self = g_tls_certificate_new_from_file (expired, NULL);
  g_assert_nonnull (self);
  g_assert_true (verify (db, self, "expired.example.test") & G_TLS_CERTIFICATE_UNKNOWN_CA);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/tls/roots", test_roots);
  g_test_add_func ("/tls/verify", test_verify);
  return g_test_run ();
}
