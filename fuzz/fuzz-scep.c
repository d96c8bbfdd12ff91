/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-scep.c: what an SCEP server sends (src/core/scep/): a CertRep
 * (RFC 8894 §3.3.2: the CMS SignedData, its attributes, the EnvelopedData
 * it carries, opened with the requester's key, and the certificates in
 * it), a GetCACert answer (one certificate, or a certs-only SignedData
 * with the RA split) and GetCACaps text. The CA, the requester's key and
 * certificate are the ones make-scep-seeds made, loaded from the build
 * directory, so the seeds' SUCCESS answers decrypt.
 *
 * The server holds the CA's key, so whatever it signs reaches the inner
 * parsers too: modes 4 and 5 feed them directly, past the signature a
 * mutated CertRep rarely keeps.
 *
 * Input: one flags byte (bits 0-2: 0 CertRep, 1 GetCACert as
 * x-x509-ca-ra-cert, 2 as x-x509-ca-cert, 3 GetCACaps, 4 a CertRep's
 * EnvelopedData, 5 the certs-only SignedData inside it, 6-7 CertRep),
 * then the body.
 */
#include "cw-scep-client.h"
#include "cw-scep-envelope.h"
#include "cw-scep-message.h"
#include "cw-x509.h"
#include "fuzz-common.h"

#include <gnutls/abstract.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static GPtrArray *signers;    /* the CA */
static gnutls_x509_crt_t me;
static gnutls_privkey_t me_key;
static GBytes *nonce;

static gchar *
key_file (const gchar *name)
{
  g_autofree gchar *path = g_build_filename (FUZZ_SCEP_KEYS, name, NULL);
  g_autoptr(GError) error = NULL;
  gchar *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("fuzz: %s (make-scep-seeds writes it at build time)", error->message);
  return text;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autofree gchar *ca_pem = NULL, *me_pem = NULL, *key_pem = NULL;
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t ca;

  fuzz_init ();
  gnutls_global_init ();
  ca_pem = key_file ("ca.pem");
  me_pem = key_file ("me.pem");
  key_pem = key_file ("me.key");
  ca = cw_x509_crt_import ((const guint8 *) ca_pem, strlen (ca_pem), GNUTLS_X509_FMT_PEM, NULL);
  me = cw_x509_crt_import ((const guint8 *) me_pem, strlen (me_pem), GNUTLS_X509_FMT_PEM, NULL);
  key = cw_x509_privkey_import ((const guint8 *) key_pem, strlen (key_pem), GNUTLS_X509_FMT_PEM, NULL, NULL);
  if (ca == NULL || me == NULL || key == NULL)
    g_error ("fuzz: the SCEP keys in %s do not load", FUZZ_SCEP_KEYS);
  signers = g_ptr_array_new ();
  g_ptr_array_add (signers, ca);
  gnutls_privkey_init (&me_key);
  gnutls_privkey_import_x509 (me_key, key, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE);
  nonce = g_bytes_new_static ("fuzz-nonce-16byt", 16);
  return 0;
}

/* What the agent publishes of an issued certificate */
static void
check_certs (GPtrArray *certs)
{
  for (guint i = 0; certs != NULL && i < certs->len; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(CwCertInfo) info = cw_cert_info_new (certs->pdata[i], &error);

    if (info == NULL) {
      fuzz_assert_utf8 ("cw_cert_info_new's error", error->message);
      continue;
    }
    fuzz_assert_utf8 ("CwCertInfo.subject", info->subject);
    fuzz_assert_utf8 ("CwCertInfo.issuer", info->issuer);
    fuzz_assert_utf8_strv ("CwCertInfo.identities", (const gchar * const *) info->identities);
  }
}

static void
cert_rep (const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(CwScepMessage) msg = cw_scep_cert_rep_open (data, len, signers, "fuzz-transaction", nonce, me, me_key,
                                                        &certs, &error);

  if (msg == NULL) {
    /* the Request's LastError */
    fuzz_assert_utf8 ("cw_scep_cert_rep_open's error", error->message);
    fuzz_report ("CertRep: %s", error->message);
    return;
  }
  /* a FAILURE's words go into LastError too */
  fuzz_assert_utf8 ("a CertRep's failInfoText", msg->fail_info_text);
  fuzz_assert_utf8 ("a CertRep's transactionID", msg->transaction_id);
  check_certs (certs);
  fuzz_report ("CertRep: status %d, %u certificates", msg->status, certs != NULL ? certs->len : 0);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GError) error = NULL;

  if (size < 1)
    return 0;
  switch (data[0] & 7) {
  case 4: {
    g_autoptr(GBytes) plain = cw_scep_envelope_open (data + 1, size - 1, me, me_key, &error);
    g_autoptr(GPtrArray) certs = NULL;

    if (plain != NULL)
      certs = cw_scep_certs_only_parse (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), &error);
    if (certs == NULL)
      fuzz_assert_utf8 ("the envelope's error", error->message);
    check_certs (certs);
    fuzz_report ("EnvelopedData: %s", certs != NULL ? "opened" : error->message);
    break;
  }
  case 5: {
    g_autoptr(GPtrArray) certs = cw_scep_certs_only_parse (data + 1, size - 1, &error);

    if (certs == NULL)
      fuzz_assert_utf8 ("cw_scep_certs_only_parse's error", error->message);
    check_certs (certs);
    fuzz_report ("certs-only: %u certificates", certs != NULL ? certs->len : 0);
    break;
  }
  case 0:
  case 6:
  case 7:
    cert_rep (data + 1, size - 1);
    break;
  case 1:
  case 2: {
    g_autoptr(CwScepCaCerts) ca = cw_scep_ca_certs_parse ((data[0] & 7) == 1 ? "application/x-x509-ca-ra-cert"
                                                                              : "application/x-x509-ca-cert",
                                                          data + 1, size - 1, &error);

    if (ca == NULL)
      fuzz_assert_utf8 ("cw_scep_ca_certs_parse's error", error->message);
    else
      check_certs (ca->certs);
    fuzz_report ("GetCACert: %s", ca != NULL ? "read" : error->message);
    break;
  }
  case 3: {
    g_autoptr(CwScepCaps) caps = cw_scep_caps_parse ((const gchar *) data + 1, size - 1);

    /* shown by certwardctl and kept in the certificate's state */
    fuzz_assert_utf8 ("GetCACaps' keywords", caps->text);
    fuzz_report ("GetCACaps: %s", caps->text);
    break;
  }
  }
  return 0;
}
