/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * make-scep-seeds.c: seeds for fuzz-scep, made with the agent's own SCEP
 * code (cw-scep-message.c, cw-scep-envelope.c) and keys made here: a CA,
 * an RA, and the requester whose key opens the CertRep's envelope. The
 * keys go to KEYS (fuzz-scep loads them from there), the seeds to DIR:
 * CertReps (SUCCESS with AES and 3DES, PENDING, FAILURE), the envelope
 * and the certificates of a SUCCESS alone,
 * GetCACert answers (a lone CA, CA and RA) and GetCACaps text. Each
 * starts with fuzz-scep's flags byte.
 * Usage: make-scep-seeds DIR KEYS
 */
#include "cw-issuer.h"
#include "cw-scep-envelope.h"
#include "cw-scep-message.h"

#include <gnutls/abstract.h>

#define TRANSACTION "fuzz-transaction"
#define NONCE "fuzz-nonce-16byt"

static gnutls_x509_crt_t
make_cert (const gchar *cn, gboolean ca, const gchar *role, gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key,
           gnutls_x509_privkey_t *key_out)
{
  g_autoptr(CwIssueSpec) spec = cw_issue_spec_new ();
  const gchar *roles[] = { role, NULL };
  g_autoptr(GError) error = NULL;
  gnutls_x509_privkey_t key = cw_keygen (CW_KEY_RSA_2048, &error);
  gnutls_x509_crt_t crt = NULL;

  if (key == NULL)
    g_error ("%s", error->message);
  spec->common_name = g_strdup (cn);
  spec->ca = ca;
  spec->key_type = CW_KEY_RSA_2048;
  if (!ca)
    spec->identities = g_strsplit (g_str_equal (role, "ca") ? "ra.example.test" : "www.example.test", ",", -1);
  if (!cw_issue_spec_validate (spec, roles, &error) ||
      (crt = cw_issue_certificate (spec, roles, key, issuer, issuer_key, g_get_real_time () / G_USEC_PER_SEC,
                                   &error)) == NULL)
    g_error ("%s: %s", cn, error->message);
  *key_out = key;
  return crt;
}

static void
save (const gchar *dir, const gchar *name, guint8 flags, const guint8 *data, gsize len)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr(GByteArray) seed = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  g_byte_array_append (seed, &flags, 1);
  g_byte_array_append (seed, data, len);
  if (!g_file_set_contents (path, (const gchar *) seed->data, seed->len, &error))
    g_error ("%s", error->message);
}

static void
save_pem (const gchar *dir, const gchar *name, gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *text = crt != NULL ? cw_x509_crt_export_pem (crt, NULL) : cw_x509_privkey_export_pem (key, NULL, NULL);

  if (text == NULL || !g_file_set_contents (path, text, -1, NULL))
    g_error ("cannot write %s", path);
}

/* A CertRep signed by @ca: @content, when given, sealed to @me. */
static GBytes *
cert_rep (CwScepStatus status, gint fail_info, GBytes *content, CwScepCipher cipher, gnutls_x509_crt_t me,
          gnutls_x509_crt_t ca, gnutls_privkey_t ca_priv)
{
  g_autoptr(CwScepMessage) msg = cw_scep_message_new (CW_SCEP_CERT_REP);
  g_autoptr(GError) error = NULL;
  GBytes *signed_msg;

  msg->transaction_id = g_strdup (TRANSACTION);
  msg->sender_nonce = cw_scep_nonce_new ();
  msg->recipient_nonce = g_bytes_new_static (NONCE, 16);
  msg->status = status;
  msg->fail_info = fail_info;
  if (content != NULL && (msg->content = cw_scep_envelope_seal (content, me, cipher, &error)) == NULL)
    g_error ("%s", error->message);
  /* GnuTLS signs no empty content: PENDING and FAILURE carry a byte string */
  if (msg->content == NULL)
    msg->content = g_bytes_new_static ("\x04\x00", 2);
  signed_msg = cw_scep_message_sign (msg, ca, ca_priv, GNUTLS_DIG_SHA256, &error);
  if (signed_msg == NULL)
    g_error ("%s", error->message);
  return signed_msg;
}

int
main (int argc, char **argv)
{
  const gchar *dir = argv[1], *keys = argv[2];
  gnutls_x509_privkey_t ca_key, ra_key, me_key, leaf_key;
  gnutls_x509_crt_t ca, ra, me, leaf;
  gnutls_privkey_t ca_priv;
  g_autoptr(GPtrArray) issued = g_ptr_array_new ();
  g_autoptr(GPtrArray) ca_ra = g_ptr_array_new ();
  g_autoptr(GBytes) certs_only = NULL, ca_ra_der = NULL;
  g_autoptr(GError) error = NULL;
  gnutls_datum_t raw = { NULL, 0 };

  if (argc != 3)
    return 2;
  g_mkdir_with_parents (dir, 0755);
  g_mkdir_with_parents (keys, 0700);
  ca = make_cert ("Fuzz SCEP CA", TRUE, "ca", NULL, NULL, &ca_key);
  ra = make_cert ("Fuzz SCEP RA", FALSE, "ca", ca, ca_key, &ra_key);
  me = make_cert ("fuzz requester", TRUE, "ca", NULL, NULL, &me_key);
  leaf = make_cert ("www.example.test", FALSE, "server", ca, ca_key, &leaf_key);
  save_pem (keys, "ca.pem", ca, NULL);
  save_pem (keys, "me.pem", me, NULL);
  save_pem (keys, "me.key", NULL, me_key);
  gnutls_privkey_init (&ca_priv);
  gnutls_privkey_import_x509 (ca_priv, ca_key, 0);

  /* flags 0: CertRep */
  g_ptr_array_add (issued, leaf);
  g_ptr_array_add (issued, ca);
  if ((certs_only = cw_scep_certs_only_build (issued, &error)) == NULL)
    g_error ("%s", error->message);
  {
    g_autoptr(GBytes) aes = cert_rep (CW_SCEP_SUCCESS, -1, certs_only, CW_SCEP_CIPHER_AES_128_CBC, me, ca, ca_priv);
    g_autoptr(GBytes) des3 = cert_rep (CW_SCEP_SUCCESS, -1, certs_only, CW_SCEP_CIPHER_3DES_CBC, me, ca, ca_priv);
    g_autoptr(GBytes) pending = cert_rep (CW_SCEP_PENDING, -1, NULL, 0, me, ca, ca_priv);
    g_autoptr(GBytes) failure = cert_rep (CW_SCEP_FAILURE, 2, NULL, 0, me, ca, ca_priv);

    save (dir, "certrep-success-aes", 0, g_bytes_get_data (aes, NULL), g_bytes_get_size (aes));
    save (dir, "certrep-success-3des", 0, g_bytes_get_data (des3, NULL), g_bytes_get_size (des3));
    save (dir, "certrep-pending", 0, g_bytes_get_data (pending, NULL), g_bytes_get_size (pending));
    save (dir, "certrep-failure", 0, g_bytes_get_data (failure, NULL), g_bytes_get_size (failure));
  }
  /* flags 4: the EnvelopedData of a SUCCESS; 5: the certificates in it */
  {
    g_autoptr(GBytes) sealed = cw_scep_envelope_seal (certs_only, me, CW_SCEP_CIPHER_AES_128_CBC, &error);

    if (sealed == NULL)
      g_error ("%s", error->message);
    save (dir, "envelope-aes", 4, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
    save (dir, "certs-only", 5, g_bytes_get_data (certs_only, NULL), g_bytes_get_size (certs_only));
  }
  /* flags 1: GetCACert as CA and RA; 2: a lone CA certificate */
  g_ptr_array_add (ca_ra, ca);
  g_ptr_array_add (ca_ra, ra);
  if ((ca_ra_der = cw_scep_certs_only_build (ca_ra, &error)) == NULL)
    g_error ("%s", error->message);
  save (dir, "cacert-ra", 1, g_bytes_get_data (ca_ra_der, NULL), g_bytes_get_size (ca_ra_der));
  gnutls_x509_crt_export2 (ca, GNUTLS_X509_FMT_DER, &raw);
  save (dir, "cacert-single", 2, raw.data, raw.size);
  gnutls_free (raw.data);
  /* flags 3: GetCACaps */
  {
    static const gchar caps[] = "POSTPKIOperation\r\nAES\nSHA-256\nRenewal\nSCEPStandard\nDES3\n";

    save (dir, "caps", 3, (const guint8 *) caps, sizeof caps - 1);
  }

  gnutls_privkey_deinit (ca_priv);
  gnutls_x509_crt_deinit (ca);
  gnutls_x509_crt_deinit (ra);
  gnutls_x509_crt_deinit (me);
  gnutls_x509_crt_deinit (leaf);
  gnutls_x509_privkey_deinit (ca_key);
  gnutls_x509_privkey_deinit (ra_key);
  gnutls_x509_privkey_deinit (me_key);
  gnutls_x509_privkey_deinit (leaf_key);
  return 0;
}
