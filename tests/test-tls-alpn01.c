/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TLS-ALPN-01 responder without a CA: the server names a validator
 * sends (RFC 8738 §6 reverse names for IPv4 and IPv6), the validation
 * certificate as OpenSSL reads it (RFC 8737 §3: the identifier alone in
 * the SAN, the critical acmeIdentifier extension holding the SHA-256 of
 * the key authorization), a key that matches it, the answers gone after
 * cleanup, and the challenge type accepted in a certificate's ACME spec. */
#include "cw-acme-spec.h"
#include "cw-error.h"
#include "cw-tls-alpn01.h"
#include "cw-test-util.h"

static void
test_server_names (void)
{
  static const struct {
    const gchar *identifier, *server_name;
  } cases[] = {
    { "pbx.example.test", "pbx.example.test" },
    { "PBX.Example.Test", "pbx.example.test" },
    { "192.0.2.7", "7.2.0.192.in-addr.arpa" },
    { "2001:db8::1",
      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *name = cw_tls_alpn01_server_name (cases[i].identifier);

    g_assert_cmpstr (name, ==, cases[i].server_name);
  }
}

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *flag = user_data;
  g_autoptr(GError) error = NULL;

  cw_challenge_solver_present_finish (CW_CHALLENGE_SOLVER (source), result, &error);
  g_assert_no_error (error);
  *flag = TRUE;
}

static void
cleaned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *flag = user_data;

  g_assert_true (cw_challenge_solver_cleanup_finish (CW_CHALLENGE_SOLVER (source), result, NULL));
  *flag = TRUE;
}

/* OpenSSL's reading of @pem, and the SHA-256 of its public key next to
 * that of @key_pem's. */
static gchar *
openssl_text (const gchar *dir, const gchar *pem, const gchar *key_pem, gboolean *key_matches)
{
  g_autofree gchar *cert_path = g_build_filename (dir, "cert.pem", NULL);
  g_autofree gchar *key_path = g_build_filename (dir, "key.pem", NULL);
  g_autofree gchar *text_cmd = g_strdup_printf ("openssl x509 -in '%s' -noout -text && openssl asn1parse -in '%s'",
                                                cert_path, cert_path);
  g_autofree gchar *a_cmd = g_strdup_printf ("openssl x509 -in '%s' -noout -pubkey | sha256sum", cert_path);
  g_autofree gchar *b_cmd = g_strdup_printf ("openssl pkey -in '%s' -pubout | sha256sum", key_path);
  g_autofree gchar *a = NULL, *b = NULL;
  gchar *text = NULL;

  g_assert_true (g_file_set_contents (cert_path, pem, -1, NULL));
  g_assert_true (g_file_set_contents (key_path, key_pem, -1, NULL));
  g_assert_cmpint (cw_test_run (text_cmd, &text), ==, 0);
  g_assert_cmpint (cw_test_run (a_cmd, &a), ==, 0);
  g_assert_cmpint (cw_test_run (b_cmd, &b), ==, 0);
  *key_matches = g_str_equal (a, b);
  return text;
}

/* In asn1parse's listing: the extension's OID, its critical flag, and its
 * value, an OCTET STRING (04) of 32 bytes (20) holding the digest. */
static void
assert_extension (const gchar *text, const gchar *key_authorization)
{
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree gchar *digest = NULL, *value = NULL;
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint found = 0;

  g_checksum_update (sha, (const guchar *) key_authorization, -1);
  digest = g_ascii_strup (g_checksum_get_string (sha), -1);
  value = g_strconcat ("[HEX DUMP]:0420", digest, NULL);
  for (guint i = 0; lines[i] != NULL; i++) {
    if (!g_str_has_suffix (lines[i], ":1.3.6.1.5.5.7.1.31"))
      continue;
    g_assert_nonnull (lines[i + 1]);
    g_assert_nonnull (strstr (lines[i + 1], "BOOLEAN"));
    g_assert_true (g_str_has_suffix (lines[i + 1], ":255"));
    g_assert_nonnull (lines[i + 2]);
    g_assert_true (g_str_has_suffix (lines[i + 2], value));
    found++;
  }
  g_assert_cmpuint (found, ==, 1);
}

static void
test_certificate (void)
{
  g_autoptr(CwTlsAlpn01) responder = cw_tls_alpn01_new ("127.0.0.1", 24330);
  g_autoptr(CwChallengeSolver) solver = cw_tls_alpn01_solver_new (responder, CW_TLS_ALPN01_DBUS);
  g_autoptr(GPtrArray) challenges = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_challenge_free);
  g_autofree gchar *dir = cw_test_mkdtemp ();
  static const gchar *const identifiers[] = { "pbx.example.test", "2001:db8::1" };
  gboolean presented = FALSE, cleaned_up = FALSE;

  g_assert_cmpstr (cw_challenge_solver_get_challenge_type (solver), ==, "tls-alpn-01");
  g_ptr_array_add (challenges, cw_challenge_new (identifiers[0], "tok-A", "tok-A.thumb", FALSE));
  g_ptr_array_add (challenges, cw_challenge_new (identifiers[1], "tok-B", "tok-B.thumb", FALSE));
  cw_challenge_solver_present_async (solver, challenges, NULL, done, &presented);
  cw_test_wait (&presented);
  /* the D-Bus mode never listens */
  g_assert_false (cw_tls_alpn01_is_listening (responder));

  for (guint i = 0; i < G_N_ELEMENTS (identifiers); i++) {
    CwChallenge *c = g_ptr_array_index (challenges, i);
    g_autofree gchar *server_name = cw_tls_alpn01_server_name (c->identifier);
    g_autofree gchar *cert = NULL, *key = NULL, *again = NULL, *again_key = NULL, *text = NULL;
    gboolean key_matches = FALSE;

    /* by the validator's server name, and by the identifier itself */
    g_assert_true (cw_tls_alpn01_lookup (responder, server_name, &cert, &key));
    g_assert_true (cw_tls_alpn01_lookup (responder, c->identifier, &again, &again_key));
    g_assert_cmpstr (cert, ==, again);
    text = openssl_text (dir, cert, key, &key_matches);
    g_test_message ("%s", text);
    g_assert_true (key_matches);
    g_assert_nonnull (strstr (text, "1.3.6.1.5.5.7.1.31: critical"));
    assert_extension (text, c->key_authorization);
    if (i == 0) {
      g_assert_nonnull (strstr (text, "DNS:pbx.example.test\n"));
      g_assert_null (strstr (text, "IP Address"));
    } else {
      g_assert_nonnull (strstr (text, "IP Address:2001:DB8:0:0:0:0:0:1\n"));
      g_assert_null (strstr (text, "DNS:"));
    }
  }
  {
    g_autofree gchar *cert = NULL, *key = NULL;

    g_assert_false (cw_tls_alpn01_lookup (responder, "other.example.test", &cert, &key));
  }

  cw_challenge_solver_cleanup_async (solver, challenges, NULL, cleaned, &cleaned_up);
  cw_test_wait (&cleaned_up);
  for (guint i = 0; i < G_N_ELEMENTS (identifiers); i++) {
    g_autofree gchar *cert = NULL, *key = NULL;

    g_assert_false (cw_tls_alpn01_lookup (responder, identifiers[i], &cert, &key));
  }
  cw_test_rmdir (dir);
}

static void
test_spec (void)
{
  g_autoptr(CwAcmeSpec) spec = cw_acme_spec_new ();
  g_autoptr(GError) error = NULL;

  g_free (spec->challenge);
  spec->challenge = g_strdup ("tls-alpn-01");
  g_assert_true (cw_acme_spec_validate (spec, &error));
  g_free (spec->challenge);
  spec->challenge = g_strdup ("tls-sni-01");
  g_assert_false (cw_acme_spec_validate (spec, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "tls-alpn-01"));
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/tls-alpn01/server-names", test_server_names);
  g_test_add_func ("/tls-alpn01/certificate", test_certificate);
  g_test_add_func ("/tls-alpn01/spec", test_spec);
  return g_test_run ();
}
