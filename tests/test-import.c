/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every import format and every refusal, through the core's parser and
 * chain builder (CwMaterial + cw_bundle_build), against fixtures made by
 * OpenSSL and certtool. */
#include "cw-chain.h"
#include "cw-error.h"
#include "cw-test-util.h"

#define PASS "secret-pass"
#define OK (-1)

typedef struct {
  const gchar *name;
  const gchar *files[5];
  const gchar *password;
  gboolean     allow_expired;
  gint         error;          /* CwError code, or OK */
  const gchar *message;        /* substring of the error or of a warning */
  guint        chain_len;      /* leaf + intermediates */
  const gchar *leaf_id;        /* first identity of the leaf */
  const gchar *key_type;
} Case;

static const Case cases[] = {
  /* 1. one file with the whole chain */
  { "pkcs12-password", { "full.p12" }, PASS, FALSE, OK, NULL, 2, "www.example.test", "ec-p256" },
  { "pkcs12-no-password", { "nopass.p12" }, NULL, FALSE, OK, NULL, 2, "www.example.test", "ec-p256" },
  { "pkcs12-legacy-3des-sha1-mac", { "legacy.p12" }, PASS, FALSE, OK, NULL, 2, "www.example.test", NULL },
  { "pkcs12-without-mac", { "nomac.p12" }, PASS, FALSE, OK, NULL, 2, "www.example.test", NULL },
  { "pem-bundle-any-order", { "bundle-any-order.pem" }, NULL, FALSE, OK, NULL, 2, "www.example.test", NULL },
  /* 2. a key and a certificate, in each key encoding */
  { "key-pkcs8-pem", { "leaf.pem", "key-pkcs8.pem", "inter.pem" }, NULL, FALSE, OK, NULL, 2, "www.example.test", NULL },
  { "key-pkcs8-der", { "leaf.pem", "key.der", "inter.pem" }, NULL, FALSE, OK, NULL, 2, NULL, NULL },
  { "key-sec1-pem", { "leaf.pem", "key-sec1.pem", "inter.pem" }, NULL, FALSE, OK, NULL, 2, NULL, NULL },
  { "key-sec1-der", { "leaf.pem", "key-sec1.der", "inter.pem" }, NULL, FALSE, OK, NULL, 2, NULL, NULL },
  { "key-encrypted-pkcs8-pem", { "leaf.pem", "key-enc.pem", "inter.pem" }, PASS, FALSE, OK, NULL, 2, NULL, NULL },
  { "key-encrypted-pkcs8-der", { "leaf.pem", "key-enc.der", "inter.pem" }, PASS, FALSE, OK, NULL, 2, NULL, NULL },
  { "key-pkcs1-rsa", { "rsa.pem", "rsa-pkcs1.pem", "inter.pem" }, NULL, FALSE, OK, NULL, 2, "rsa.example.test", "rsa-2048" },
  { "key-pkcs1-rsa-encrypted", { "rsa.pem", "rsa-pkcs1-enc.pem", "inter.pem" }, PASS, FALSE, OK, NULL, 2, NULL, "rsa-2048" },
  { "cert-der", { "leaf.der", "key.der", "inter.der" }, NULL, FALSE, OK, NULL, 2, "www.example.test", NULL },
  { "cert-in-pkcs12-key-separate", { "certs-only.p12", "leaf.key" }, NULL, FALSE, OK, NULL, 2, NULL, NULL },
  /* 3. separate key, certificate and intermediates */
  { "crt-and-ca-bundle-pasted", { "crt-and-bundle.pem", "key.der" }, NULL, FALSE, OK, NULL, 2, NULL, NULL },
  { "separate-chain-root-dropped", { "leaf.pem", "leaf.key", "chain.ca-bundle" }, NULL, FALSE, OK, NULL, 2, NULL, NULL },
  { "pkcs7-pem", { "chain.p7b", "leaf.key" }, NULL, FALSE, OK, NULL, 2, NULL, NULL },
  { "pkcs7-der", { "chain-der.p7b", "leaf.key" }, NULL, FALSE, OK, NULL, 2, NULL, NULL },
  { "crlf-line-ends", { "leaf-chain-crlf.pem", "leaf.key" }, NULL, FALSE, OK, NULL, 2, NULL, NULL },
  /* 4. ZIP */
  { "zip-bundle", { "bundle.zip" }, NULL, FALSE, OK, "README.txt: ignored", 2, "www.example.test", NULL },
  { "zip-with-empty-entry", { "empty-entry.zip" }, NULL, FALSE, OK, "empty.txt: ignored", 2, "www.example.test", NULL },
  /* findings that are warnings */
  { "missing-intermediate-warns", { "leaf.pem", "leaf.key" }, NULL, FALSE, OK, "chain may be incomplete", 1, NULL, NULL },
  { "self-signed-alone", { "self.pem", "leaf.key" }, NULL, FALSE, OK, NULL, 1, "self.example.test", NULL },
  { "newest-of-two-for-one-key", { "leaf.pem", "renewed.pem", "leaf.key", "inter.pem" }, NULL, FALSE, OK,
    "2 certificates for this key", 2, "www.example.test", NULL },
  { "unrelated-certificate-ignored", { "leaf.pem", "leaf.key", "inter.pem", "rsa1024.pem" }, NULL, FALSE, OK,
    "not part of the chain", 2, NULL, NULL },
  { "expired-allowed", { "expired.pem", "leaf.key" }, NULL, TRUE, OK, "expired on 2021-01-01", 1, "old.example.test", NULL },
  /* refusals */
  { "no-key", { "leaf.pem", "inter.pem" }, NULL, FALSE, CW_ERROR_NO_KEY, "no private key found", 0, NULL, NULL },
  { "no-certificate", { "leaf.key" }, NULL, FALSE, CW_ERROR_NO_CERTIFICATE, "no certificate found in the input", 0, NULL, NULL },
  { "key-mismatch", { "leaf.pem", "other.key" }, NULL, FALSE, CW_ERROR_KEY_MISMATCH,
    "the private key does not match the certificate", 0, NULL, NULL },
  { "key-mismatch-many", { "leaf.pem", "inter.pem", "other.key" }, NULL, FALSE, CW_ERROR_KEY_MISMATCH,
    "does not match any certificate", 0, NULL, NULL },
  { "two-keys", { "leaf.pem", "leaf.key", "other.key" }, NULL, FALSE, CW_ERROR_INVALID_DATA, "2 different private keys", 0, NULL, NULL },
  { "pkcs12-password-missing", { "full.p12" }, NULL, FALSE, CW_ERROR_PASSWORD_REQUIRED, "protected by a password", 0, NULL, NULL },
  /* issue 10: the KDF cap holds for the shrouded key bag too */
  { "pkcs12-key-bag-kdf-cap", { "kdf-keybag.p12" }, PASS, FALSE, CW_ERROR_INVALID_DATA,
    "asks for 3000000 key-derivation rounds", 0, NULL, NULL },
  { "pkcs12-password-wrong", { "full.p12" }, "nope", FALSE, CW_ERROR_WRONG_PASSWORD, "wrong PKCS#12 password", 0, NULL, NULL },
  { "key-password-missing", { "leaf.pem", "key-enc.pem" }, NULL, FALSE, CW_ERROR_PASSWORD_REQUIRED, "password is required", 0, NULL, NULL },
  { "key-password-wrong", { "leaf.pem", "key-enc.pem" }, "nope", FALSE, CW_ERROR_WRONG_PASSWORD, "wrong password", 0, NULL, NULL },
  { "pkcs1-password-missing", { "rsa.pem", "rsa-pkcs1-enc.pem" }, NULL, FALSE, CW_ERROR_PASSWORD_REQUIRED, "password", 0, NULL, NULL },
  { "sha1-refused", { "sha1.pem", "rsa.key" }, NULL, FALSE, CW_ERROR_WEAK_SIGNATURE, "SHA-1", 0, NULL, NULL },
  { "rsa1024-refused", { "rsa1024.pem", "rsa1024.key" }, NULL, FALSE, CW_ERROR_WEAK_KEY,
    "RSA keys shorter than 2048 bits are refused", 0, NULL, NULL },
  { "expired-refused", { "expired.pem", "leaf.key" }, NULL, FALSE, CW_ERROR_EXPIRED, "expired on 2021-01-01", 0, NULL, NULL },
  { "broken-chain", { "leaf.pem", "leaf.key", "fake-inter.pem" }, NULL, FALSE, CW_ERROR_BAD_CHAIN, "does not verify", 0, NULL, NULL },
  { "garbage-text", { "garbage.txt" }, NULL, FALSE, CW_ERROR_INVALID_DATA, "garbage.txt: not a certificate", 0, NULL, NULL },
  { "random-bytes", { "random.bin" }, NULL, FALSE, CW_ERROR_INVALID_DATA, "random.bin", 0, NULL, NULL },
  { "empty", { "empty.pem", "leaf.key" }, NULL, FALSE, CW_ERROR_INVALID_DATA, "empty", 0, NULL, NULL },
  { "pem-without-end", { "no-end.pem", "leaf.key" }, NULL, FALSE, CW_ERROR_INVALID_DATA, "has no END line", 0, NULL, NULL },
  { "pem-bad-base64", { "bad-base64.pem", "leaf.key" }, NULL, FALSE, CW_ERROR_INVALID_DATA, "not a valid X.509", 0, NULL, NULL },
  { "pem-unknown-block", { "unknown-block.pem" }, NULL, FALSE, CW_ERROR_INVALID_DATA, "unsupported PEM block", 0, NULL, NULL },
  { "zip-too-big", { "big.zip" }, NULL, FALSE, CW_ERROR_INVALID_DATA, "larger than", 0, NULL, NULL },
  { "zip-truncated", { "truncated.zip" }, NULL, FALSE, CW_ERROR_INVALID_DATA, "truncated.zip", 0, NULL, NULL },
  { "zip-entry-unreadable-latin1-name", { "latin1-bad-crc.zip" }, NULL, FALSE, CW_ERROR_INVALID_DATA,
    "cannot read “caf\\xE9.txt” from the ZIP archive", 0, NULL, NULL },
  { "zip-without-key", { "nokey.zip" }, NULL, FALSE, CW_ERROR_NO_KEY, "no private key", 0, NULL, NULL },
};

/* The test PKI's root plays the part of the system trust store. */
static CwRoots *
test_roots (void)
{
  static CwRoots *roots = NULL;

  if (roots == NULL) {
    g_autofree gchar *path = cw_test_fixture_path ("root.pem");

    roots = cw_roots_new ();
    g_assert_true (cw_roots_add_file (roots, path, NULL));
    g_assert_cmpuint (cw_roots_get_count (roots), ==, 1);
  }
  return roots;
}

static gboolean
strv_has_substring (GPtrArray *strings, const gchar *needle)
{
  for (guint i = 0; i < strings->len; i++)
    if (strstr (g_ptr_array_index (strings, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(CwMaterial) material = cw_material_new (c->password);
  g_autoptr(CwBundle) bundle = NULL;
  g_autoptr(GError) error = NULL;
  CwChainPolicy policy = { 0 };
  gboolean ok = TRUE;

  for (guint i = 0; c->files[i] != NULL && ok; i++) {
    g_autoptr(GBytes) bytes = cw_test_fixture (c->files[i]);
    gsize len = 0;
    const guint8 *raw = g_bytes_get_data (bytes, &len);

    ok = cw_material_add (material, c->files[i], raw, len, &error);
  }
  if (ok) {
    policy.now = g_get_real_time () / G_USEC_PER_SEC;
    policy.allow_expired = c->allow_expired;
    policy.roots = test_roots ();
    bundle = cw_bundle_build (material, &policy, &error);
  }

  if (c->error != OK) {
    g_assert_null (bundle);
    g_assert_error (error, CW_ERROR, c->error);
    /* an Import's D-Bus error: whatever the input, valid UTF-8 */
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
    if (strstr (error->message, c->message) == NULL)
      g_error ("error “%s” does not mention “%s”", error->message, c->message);
    return;
  }

  g_assert_no_error (error);
  g_assert_nonnull (bundle);
  g_assert_cmpuint (bundle->certs->len, ==, c->chain_len);
  g_assert_true (cw_x509_privkey_matches (bundle->key, g_ptr_array_index (bundle->certs, 0)));
  for (guint i = 1; i < bundle->certs->len; i++)
    g_assert_true (cw_x509_crt_signed_by (g_ptr_array_index (bundle->certs, i - 1), g_ptr_array_index (bundle->certs, i)));
  if (c->message != NULL && !strv_has_substring (bundle->warnings, c->message))
    g_error ("no warning mentions “%s”", c->message);
  if (c->message == NULL && bundle->warnings->len > 0)
    g_error ("unexpected warning: %s", (const gchar *) g_ptr_array_index (bundle->warnings, 0));
  if (c->leaf_id != NULL || c->key_type != NULL) {
    g_autoptr(CwCertInfo) info = cw_cert_info_new (g_ptr_array_index (bundle->certs, 0), &error);

    g_assert_no_error (error);
    if (c->leaf_id != NULL)
      g_assert_cmpstr (info->identities[0], ==, c->leaf_id);
    if (c->key_type != NULL)
      g_assert_cmpstr (info->key_type, ==, c->key_type);
  }
}

/* The published facts about a certificate agree with an independent
 * computation: SHA-256 over the DER from OpenSSL, and the SAN list. */
static void
test_cert_info (void)
{
  g_autoptr(GBytes) der = cw_test_fixture ("leaf.der");
  g_autofree gchar *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, der);
  g_autoptr(GError) error = NULL;
  g_auto(gnutls_x509_crt_t) crt = cw_x509_crt_import (g_bytes_get_data (der, NULL), g_bytes_get_size (der),
                                                      GNUTLS_X509_FMT_DER, &error);
  g_autoptr(CwCertInfo) info = NULL;
  g_autofree gchar *serial = NULL;
  g_autofree gchar *command = NULL;
  g_autofree gchar *path = cw_test_fixture_path ("leaf.pem");

  g_assert_no_error (error);
  info = cw_cert_info_new (crt, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->fingerprint, ==, expected);
  g_assert_cmpuint (g_strv_length (info->identities), ==, 3);
  g_assert_cmpstr (info->identities[0], ==, "www.example.test");
  g_assert_cmpstr (info->identities[1], ==, "example.test");
  g_assert_cmpstr (info->identities[2], ==, "192.0.2.10");
  g_assert_cmpstr (info->subject, ==, "CN=www.example.test");
  g_assert_cmpstr (info->issuer, ==, "CN=Certward Test Intermediate");
  g_assert_cmpstr (info->key_type, ==, "ec-p256");
  g_assert_false (info->is_ca);
  g_assert_false (info->self_signed);
  g_assert_cmpint (info->not_after - info->not_before, ==, 365 * 86400);

  /* OpenSSL prints the integer's bytes: "01…" when the first is below 0x10 */
  command = g_strdup_printf ("openssl x509 -in '%s' -noout -serial | cut -d= -f2 | tr A-F a-f", path);
  g_assert_cmpint (cw_test_run (command, &serial), ==, 0);
  g_strstrip (serial);
  g_assert_cmpstr (info->serial, ==, serial);
}

/* A certificate without SAN is known by its CN. */
static void
test_identities_from_cn (void)
{
  g_autoptr(GBytes) pem = cw_test_fixture ("rsa1024.pem");
  g_autoptr(GError) error = NULL;
  g_auto(gnutls_x509_crt_t) crt = cw_x509_crt_import (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem),
                                                      GNUTLS_X509_FMT_PEM, &error);
  g_autoptr(CwCertInfo) info = cw_cert_info_new (crt, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (info->identities), ==, 1);
  g_assert_cmpstr (info->identities[0], ==, "weak.example.test");
  g_assert_true (info->self_signed);
}

/* A failing input leaves nothing of itself in the material. */
static void
test_failed_input_adds_nothing (void)
{
  g_autoptr(CwMaterial) material = cw_material_new (NULL);
  g_autoptr(GBytes) good = cw_test_fixture ("leaf.pem");
  g_autoptr(GBytes) bad = cw_test_fixture ("bundle-any-order.pem");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *broken = NULL;
  gsize len = 0;
  const gchar *text = g_bytes_get_data (bad, &len);

  /* the bundle's blocks are fine except the last, which loses its END */
  broken = g_strndup (text, len - 30);
  g_assert_false (cw_material_add (material, "broken", (const guint8 *) broken, strlen (broken), &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_assert_cmpuint (cw_material_get_certs (material)->len, ==, 0);
  g_assert_cmpuint (cw_material_get_keys (material)->len, ==, 0);
  g_clear_error (&error);
  g_assert_true (cw_material_add (material, "good", g_bytes_get_data (good, NULL), g_bytes_get_size (good), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cw_material_get_certs (material)->len, ==, 1);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  cw_test_fixtures ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *path = g_strdup_printf ("/import/%s", cases[i].name);

    g_test_add_data_func (path, &cases[i], run_case);
  }
  g_test_add_func ("/import/cert-info", test_cert_info);
  g_test_add_func ("/import/identities-from-cn", test_identities_from_cn);
  g_test_add_func ("/import/failed-input-adds-nothing", test_failed_input_adds_nothing);
  return g_test_run ();
}
