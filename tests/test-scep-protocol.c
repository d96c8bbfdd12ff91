/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SCEP layer below the daemon: CMS envelopes sealed and opened, the
 * RA split of GetCACert, CertRep parsing of hostile bytes, and whole
 * transactions against the real scepserver (Debian's scep package) with
 * the right and a wrong challenge password. Port 24400 belongs to this
 * program. */
#include "config.h"

#include "cw-issuer.h"
#include "cw-scep-client.h"
#include "cw-scep-enroll.h"
#include "cw-scep-envelope.h"
#include "cw-scep-message.h"
#include "cw-error.h"
#include "cw-test-scep.h"
#include "cw-test-util.h"

#include <gnutls/crypto.h>
#include <string.h>

#define PORT 24400

static CwTestScep *server;

/* A certificate for a new key: a CA when @ca, else signed by @issuer. */
static gnutls_x509_crt_t
make_cert (const gchar *cn, gboolean ca, const gchar *role, gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key,
           gnutls_x509_privkey_t *key_out)
{
  g_autoptr(CwIssueSpec) spec = cw_issue_spec_new ();
  const gchar *roles[] = { role, NULL };
  g_autoptr(GError) error = NULL;
  gnutls_x509_privkey_t key = cw_keygen (CW_KEY_RSA_2048, &error);
  gnutls_x509_crt_t crt;

  g_assert_no_error (error);
  spec->common_name = g_strdup (cn);
  spec->ca = ca;
  spec->key_type = CW_KEY_RSA_2048;
  if (!ca)
    spec->identities = g_strsplit ("ra.example.test", ",", -1);
  g_assert_true (cw_issue_spec_validate (spec, roles, &error));
  crt = cw_issue_certificate (spec, roles, key, issuer, issuer_key, g_get_real_time () / G_USEC_PER_SEC, &error);
  g_assert_no_error (error);
  *key_out = key;
  return crt;
}

static gnutls_privkey_t
abstract (gnutls_x509_privkey_t key)
{
  gnutls_privkey_t priv;

  g_assert_cmpint (gnutls_privkey_init (&priv), ==, 0);
  g_assert_cmpint (gnutls_privkey_import_x509 (priv, key, 0), ==, 0);
  return priv;
}

static void
test_envelope (void)
{
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt = make_cert ("recipient", TRUE, "ca", NULL, NULL, &key);
  gnutls_privkey_t priv = abstract (key);
  g_autoptr(GBytes) content = g_bytes_new_static ("a CSR, or anything", 18);

  for (guint c = 0; c < 2; c++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) sealed = cw_scep_envelope_seal (content, crt, c, &error);
    g_autoptr(GBytes) opened = NULL;
    g_autofree guint8 *tampered = NULL;
    gsize len, block;

    g_assert_no_error (error);
    opened = cw_scep_envelope_open (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed), crt, priv, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (opened, content));
    /* the ciphertext ends the envelope; in CBC a change to the block
     * before the last changes the same byte of the last plaintext block:
     * its padding byte (the content leaves 14 bytes of an AES block, 6 of
     * a 3DES one) becomes 0x20, larger than a block, which no padding
     * check may accept (changing the last block itself leaves a 1 in 256
     * chance of valid padding) */
    len = g_bytes_get_size (sealed);
    tampered = g_memdup2 (g_bytes_get_data (sealed, NULL), len);
    block = c == CW_SCEP_CIPHER_AES_128_CBC ? 16 : 8;
    tampered[len - 1 - block] ^= (guint8) ((block - 18 % block) ^ 0x20);
    g_clear_pointer (&opened, g_bytes_unref);
    opened = cw_scep_envelope_open (tampered, len, crt, priv, &error);
    g_assert_null (opened);
    g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  }
  gnutls_privkey_deinit (priv);
  gnutls_x509_privkey_deinit (key);
  gnutls_x509_crt_deinit (crt);
}

/* GetCACert with an RA: requests go to the RA, not to the CA. */
static void
test_ra_split (void)
{
  gnutls_x509_privkey_t ca_key, ra_key;
  gnutls_x509_crt_t ca = make_cert ("SCEP root", TRUE, "ca", NULL, NULL, &ca_key);
  gnutls_x509_crt_t ra = make_cert ("SCEP RA", FALSE, "server", ca, ca_key, &ra_key);
  g_autoptr(GPtrArray) certs = g_ptr_array_new ();
  g_autoptr(GBytes) der = NULL;
  g_autoptr(CwScepCaCerts) parsed = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (certs, ca);
  g_ptr_array_add (certs, ra);
  der = cw_scep_certs_only_build (certs, &error);
  g_assert_no_error (error);
  parsed = cw_scep_ca_certs_parse ("application/x-x509-ca-ra-cert", g_bytes_get_data (der, NULL),
                                   g_bytes_get_size (der), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->certs->len, ==, 2);
  g_assert_true (gnutls_x509_crt_equals (parsed->recipient, ra));
  /* a lone CA certificate (x-x509-ca-cert) is the recipient itself */
  {
    gnutls_datum_t raw = { NULL, 0 };
    g_autoptr(CwScepCaCerts) single = NULL;

    g_assert_cmpint (gnutls_x509_crt_export2 (ca, GNUTLS_X509_FMT_DER, &raw), ==, 0);
    single = cw_scep_ca_certs_parse ("application/x-x509-ca-cert", raw.data, raw.size, &error);
    gnutls_free (raw.data);
    g_assert_no_error (error);
    g_assert_true (gnutls_x509_crt_equals (single->recipient, ca));
  }
  /* anything else is an error that says what came */
  g_assert_null (cw_scep_ca_certs_parse ("text/html", (const guint8 *) "<html>", 6, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "text/html"));
  g_clear_error (&error);
  g_assert_null (cw_scep_ca_certs_parse ("application/x-x509-ca-ra-cert", (const guint8 *) "\x30\x03\x02\x01" "\x01", 5,
                                         &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  gnutls_x509_crt_deinit (ca);
  gnutls_x509_crt_deinit (ra);
  gnutls_x509_privkey_deinit (ca_key);
  gnutls_x509_privkey_deinit (ra_key);
}

/* Bytes that are no CertRep: refused with an error, never a crash. */
static void
test_certrep_garbage (void)
{
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt = make_cert ("me", TRUE, "ca", NULL, NULL, &key);
  gnutls_privkey_t priv = abstract (key);
  g_autoptr(GPtrArray) signers = g_ptr_array_new ();
  g_autoptr(GBytes) nonce = cw_scep_nonce_new ();
  g_autoptr(GBytes) envelope = NULL, signed_msg = NULL;
  g_autoptr(CwScepMessage) msg = cw_scep_message_new (CW_SCEP_CERT_REP);
  g_autoptr(GError) error = NULL;
  guint8 noise[512];
  GPtrArray *certs = NULL;

  g_ptr_array_add (signers, crt);
  gnutls_rnd (GNUTLS_RND_NONCE, noise, sizeof noise);
  for (gsize len = 0; len <= sizeof noise; len += 37) {
    g_assert_null (cw_scep_cert_rep_open (noise, len, signers, "t", nonce, crt, priv, &certs, &error));
    g_assert_nonnull (error);
    g_assert_null (certs);
    g_clear_error (&error);
  }
  /* a well-signed SUCCESS whose content is no EnvelopedData */
  msg->transaction_id = g_strdup ("t");
  msg->status = CW_SCEP_SUCCESS;
  msg->recipient_nonce = g_bytes_ref (nonce);
  msg->content = g_bytes_new_static ("\x04\x03" "abc", 5);
  signed_msg = cw_scep_message_sign (msg, crt, priv, GNUTLS_DIG_SHA256, &error);
  g_assert_no_error (error);
  g_assert_null (cw_scep_cert_rep_open (g_bytes_get_data (signed_msg, NULL), g_bytes_get_size (signed_msg), signers,
                                        "t", nonce, crt, priv, &certs, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_clear_error (&error);
  /* the same for another transaction */
  g_assert_null (cw_scep_cert_rep_open (g_bytes_get_data (signed_msg, NULL), g_bytes_get_size (signed_msg), signers,
                                        "other", nonce, crt, priv, &certs, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "not for this request"));
  gnutls_privkey_deinit (priv);
  gnutls_x509_privkey_deinit (key);
  gnutls_x509_crt_deinit (crt);
}

/* ---- against scepserver ------------------------------------------------- */

static gchar *
enroll (const gchar *cn, const gchar *challenge, gnutls_x509_privkey_t *key_out, GError **error)
{
  g_autoptr(CwScepClient) client = cw_scep_client_new (server->url, NULL);
  CwScepEnrollment *e = g_new0 (CwScepEnrollment, 1);
  g_autoptr(GError) local = NULL;
  g_autofree gchar *dn = g_strdup_printf ("CN=%s", cn);
  gnutls_privkey_t priv;
  g_autoptr(GAsyncResult) result = NULL;

  e->key = cw_keygen (CW_KEY_RSA_2048, &local);
  g_assert_no_error (local);
  priv = abstract (e->key);
  g_assert_cmpint (gnutls_x509_crq_init (&e->csr), ==, 0);
  g_assert_cmpint (gnutls_x509_crq_set_dn (e->csr, dn, NULL), ==, 0);
  g_assert_cmpint (gnutls_x509_crq_set_key (e->csr, e->key), ==, 0);
  if (challenge != NULL)
    g_assert_cmpint (gnutls_x509_crq_set_challenge_password (e->csr, challenge), ==, 0);
  g_assert_cmpint (gnutls_x509_crq_privkey_sign (e->csr, priv, GNUTLS_DIG_SHA256, 0), ==, 0);
  gnutls_privkey_deinit (priv);
  e->poll_interval = 5;
  e->max_pending = 60;
  g_assert_cmpint (gnutls_x509_privkey_init (key_out), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_cpy (*key_out, e->key), ==, 0);
  cw_scep_enroll_async (client, e, NULL, cw_test_async_done, &result);
  return cw_scep_enroll_finish (client, cw_test_async_wait (&result), error);
}

static void
test_enroll (void)
{
  g_autoptr(GError) error = NULL;
  gnutls_x509_privkey_t key;
  g_autofree gchar *pem = enroll ("phone-1.example.test", "s3cret", &key, &error);
  g_autofree gchar *dir = cw_test_mkdtemp ();
  g_autofree gchar *path = g_build_filename (dir, "cert.pem", NULL);
  g_autofree gchar *command = NULL, *out = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (pem, "-----BEGIN CERTIFICATE-----"));
  g_assert_true (g_file_set_contents (path, pem, -1, NULL));
  /* OpenSSL, not us, says it chains to the SCEP CA */
  command = g_strdup_printf ("openssl verify -CAfile '%s' '%s' && openssl x509 -noout -subject -in '%s'",
                             server->ca_file, path, path);
  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  g_assert_nonnull (strstr (out, ": OK"));
  g_assert_nonnull (strstr (out, "phone-1.example.test"));
  gnutls_x509_privkey_deinit (key);
  cw_test_rmdir (dir);
}

static void
test_wrong_password (void)
{
  g_autoptr(GError) error = NULL;
  gnutls_x509_privkey_t key;
  g_autofree gchar *pem = enroll ("phone-2.example.test", "wrong", &key, &error);

  g_assert_null (pem);
  g_assert_error (error, CW_ERROR, CW_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "badRequest"));
  gnutls_x509_privkey_deinit (key);
}

static void
test_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  gnutls_x509_privkey_t key;
  g_autofree gchar *saved = g_strdup (server->url);
  g_autofree gchar *pem = NULL;

  g_free (server->url);
  server->url = g_strdup_printf ("http://127.0.0.1:%u/scep", PORT + 1);
  pem = enroll ("phone-3.example.test", "s3cret", &key, &error);
  g_free (server->url);
  server->url = g_steal_pointer (&saved);
  g_assert_null (pem);
  g_assert_error (error, CW_ERROR, CW_ERROR_NETWORK);
  gnutls_x509_privkey_deinit (key);
}

int
main (int argc, char **argv)
{
  int ret;

  cw_test_init (&argc, &argv);
  g_test_add_func ("/scep/envelope", test_envelope);
  g_test_add_func ("/scep/ra-split", test_ra_split);
  g_test_add_func ("/scep/certrep-garbage", test_certrep_garbage);
  g_test_add_func ("/scep/enroll", test_enroll);
  g_test_add_func ("/scep/wrong-password", test_wrong_password);
  g_test_add_func ("/scep/unreachable", test_unreachable);
  server = cw_test_scep_start (PORT, "s3cret", NULL);
  ret = g_test_run ();
  cw_test_scep_stop (server);
  return ret;
}
