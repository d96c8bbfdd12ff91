/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-material.c: what Import and the trust store read from a caller —
 * certificates and keys in every encoding (PEM, DER, PKCS#1, PKCS#8,
 * encrypted PKCS#8, SEC1, PKCS#7, PKCS#12, ZIP bundles of those) with a
 * password — then the chain built from them and the facts published about
 * the leaf.
 *
 * Input: one flags byte (bits 0-1: the password NULL, "" or "secret-pass",
 * the one the seeds use; bit 2: allow expired), then up to four files
 * separated by FUZZ_SEPARATOR.
 */
#include "cw-chain.h"
#include "fuzz-common.h"

static const gchar *const passwords[] = { NULL, "", "secret-pass", "secret-pass" };

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  gnutls_global_init ();
  return 0;
}

/* Everything the daemon publishes about a certificate (Certificate1
 * properties, the trust store's list). */
static void
check_info (gnutls_x509_crt_t crt)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertInfo) info = cw_cert_info_new (crt, &error);
  g_autofree gchar *subject = cw_x509_crt_get_subject (crt);
  g_autofree gchar *description = cw_x509_crt_describe (crt);

  fuzz_assert_utf8 ("cw_x509_crt_get_subject", subject);
  fuzz_assert_utf8 ("cw_x509_crt_describe", description);
  if (info == NULL) {
    fuzz_assert_utf8 ("cw_cert_info_new's error", error->message);
    return;
  }
  fuzz_assert_utf8 ("CwCertInfo.subject", info->subject);
  fuzz_assert_utf8 ("CwCertInfo.issuer", info->issuer);
  fuzz_assert_utf8 ("CwCertInfo.serial", info->serial);
  fuzz_assert_utf8 ("CwCertInfo.fingerprint", info->fingerprint);
  fuzz_assert_utf8 ("CwCertInfo.key_type", info->key_type);
  fuzz_assert_utf8 ("CwCertInfo.ari_id", info->ari_id);
  fuzz_assert_utf8_strv ("CwCertInfo.identities", (const gchar * const *) info->identities);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(CwMaterial) material = NULL;
  g_autoptr(CwBundle) bundle = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) error = NULL;
  CwChainPolicy policy = { 0 };
  GPtrArray *certs, *warnings;

  if (size < 1)
    return 0;
  material = cw_material_new (passwords[data[0] & 3]);
  files = fuzz_split (data + 1, size - 1, 4);
  for (guint i = 0; i < files->len; i++) {
    g_autofree gchar *label = g_strdup_printf ("file%u", i);
    gsize len = 0;
    const guint8 *bytes = g_bytes_get_data (files->pdata[i], &len);

    /* an error is an Import's D-Bus error reply */
    if (!cw_material_add (material, label, bytes, len, &error)) {
      fuzz_assert_utf8 ("cw_material_add's error", error->message);
      fuzz_report ("%s", error->message);
      g_clear_error (&error);
    }
  }
  warnings = cw_material_get_warnings (material);
  for (guint i = 0; i < warnings->len; i++)
    fuzz_assert_utf8 ("a material warning", warnings->pdata[i]);
  certs = cw_material_get_certs (material);
  for (guint i = 0; i < certs->len; i++)
    check_info (certs->pdata[i]);

  /* a fixed "now" keeps runs reproducible: 2026-01-01 */
  policy.now = 1767225600;
  policy.allow_expired = (data[0] & 4) != 0;
  bundle = cw_bundle_build (material, &policy, &error);
  if (bundle == NULL) {
    fuzz_assert_utf8 ("cw_bundle_build's error", error->message);
    fuzz_report ("bundle: %s", error->message);
    return 0;
  }
  fuzz_report ("bundle: a chain of %u", bundle->certs->len);
  check_info (bundle->certs->pdata[0]);
  for (guint i = 0; i < bundle->warnings->len && bundle->warnings->pdata[i] != NULL; i++)
    fuzz_assert_utf8 ("a bundle warning (Certificate1.Warnings)", bundle->warnings->pdata[i]);
  /* what a revision stores and Export hands out */
  g_free (cw_bundle_get_cert_pem (bundle, NULL));
  g_free (cw_bundle_get_chain_pem (bundle, NULL));
  g_free (cw_bundle_get_key_pem (bundle, NULL));
  return 0;
}
