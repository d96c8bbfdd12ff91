/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Local issuance: keys, self-signed and CA-signed certificates, requests.
 * What GnuTLS builds here is checked by OpenSSL and certtool. */
#include "cw-error.h"
#include "cw-issuer.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>

static gchar *tmp;

static gchar *
save_pem (const gchar *name, const gchar *pem)
{
  gchar *path = g_build_filename (tmp, name, NULL);

  g_assert_true (g_file_set_contents (path, pem, -1, NULL));
  return path;
}

static gchar *
save_crt (const gchar *name, gnutls_x509_crt_t crt)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *pem = cw_x509_crt_export_pem (crt, &error);

  g_assert_no_error (error);
  return save_pem (name, pem);
}

static gchar *
run (const gchar *command)
{
  gchar *out = NULL;

  if (cw_test_run (command, &out) != 0)
    g_error ("“%s” failed:\n%s", command, out);
  return out;
}

static gboolean
contains (const gchar *haystack, const gchar *needle)
{
  if (strstr (haystack, needle) != NULL)
    return TRUE;
  g_printerr ("missing “%s” in:\n%s\n", needle, haystack);
  return FALSE;
}

static CwIssueSpec *
spec_for (const gchar *cn, const gchar *const *ids, gboolean ca, const gchar *const *roles)
{
  g_autoptr(GError) error = NULL;
  CwIssueSpec *spec = cw_issue_spec_new ();

  spec->common_name = g_strdup (cn);
  spec->identities = g_strdupv ((gchar **) ids);
  spec->ca = ca;
  g_assert_true (cw_issue_spec_validate (spec, roles, &error));
  g_assert_no_error (error);
  return spec;
}

/* The seeds' example: a CA "phones-CA", then a SIP-TLS server certificate
 * for the PBX's FQDN signed by it. */
static void
test_phones_ca (void)
{
  static const gchar *const ca_roles[] = { "ca", NULL };
  static const gchar *const leaf_roles[] = { "server", "sip-tls", NULL };
  static const gchar *const ids[] = { "pbx.example.test", "192.0.2.7", NULL };
  g_autoptr(CwIssueSpec) ca_spec = spec_for ("phones-CA", NULL, TRUE, ca_roles);
  g_autoptr(CwIssueSpec) leaf_spec = spec_for (NULL, ids, FALSE, leaf_roles);
  g_autoptr(GError) error = NULL;
  g_auto(gnutls_x509_privkey_t) ca_key = cw_keygen (CW_KEY_EC_P256, &error);
  g_auto(gnutls_x509_privkey_t) leaf_key = cw_keygen (CW_KEY_RSA_2048, &error);
  g_auto(gnutls_x509_crt_t) ca = NULL, leaf = NULL;
  g_autofree gchar *ca_path = NULL, *leaf_path = NULL, *command = NULL;
  g_autofree gchar *ca_text = NULL, *leaf_text = NULL, *out = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_no_error (error);
  g_assert_cmpuint (ca_spec->days, ==, 3650);
  g_assert_cmpuint (leaf_spec->days, ==, 365);
  g_assert_cmpstr (leaf_spec->common_name, ==, "pbx.example.test");

  ca = cw_issue_certificate (ca_spec, ca_roles, ca_key, NULL, NULL, now, &error);
  g_assert_no_error (error);
  leaf = cw_issue_certificate (leaf_spec, leaf_roles, leaf_key, ca, ca_key, now, &error);
  g_assert_no_error (error);
  g_assert_true (cw_x509_privkey_matches (leaf_key, leaf));
  g_assert_true (cw_x509_crt_is_ca (ca));
  g_assert_false (cw_x509_crt_is_ca (leaf));
  g_assert_true (cw_x509_crt_is_self_signed (ca));
  g_assert_true (cw_x509_crt_signed_by (leaf, ca));

  ca_path = save_crt ("phones-CA.pem", ca);
  leaf_path = save_crt ("phones.pem", leaf);

  /* both verifiers accept the chain, with the purpose a SIP-TLS server needs */
  command = g_strdup_printf ("openssl verify -purpose sslserver -CAfile '%s' '%s'", ca_path, leaf_path);
  g_free (run (command));
  g_free (command);
  command = g_strdup_printf ("openssl verify -purpose sslclient -CAfile '%s' '%s'", ca_path, leaf_path);
  g_free (run (command));
  g_free (command);
  command = g_strdup_printf ("certtool --verify --load-ca-certificate '%s' --infile '%s'", ca_path, leaf_path);
  out = run (command);
  g_assert_true (contains (out, "Chain verification output: Verified"));

  g_free (command);
  command = g_strdup_printf ("openssl x509 -in '%s' -noout -text", ca_path);
  ca_text = run (command);
  g_assert_true (contains (ca_text, "CA:TRUE"));
  g_assert_true (contains (ca_text, "Certificate Sign, CRL Sign"));
  g_assert_true (contains (ca_text, "ecdsa-with-SHA256"));
  g_assert_true (contains (ca_text, "Subject: CN = phones-CA"));

  g_free (command);
  command = g_strdup_printf ("openssl x509 -in '%s' -noout -text", leaf_path);
  leaf_text = run (command);
  g_assert_true (contains (leaf_text, "CA:FALSE"));
  g_assert_true (contains (leaf_text, "Digital Signature, Key Encipherment"));
  g_assert_true (contains (leaf_text, "TLS Web Server Authentication, TLS Web Client Authentication"));
  g_assert_true (contains (leaf_text, "DNS:pbx.example.test, IP Address:192.0.2.7"));
  g_assert_true (contains (leaf_text, "X509v3 Subject Key Identifier"));
  g_assert_true (contains (leaf_text, "X509v3 Authority Key Identifier"));
  g_assert_true (contains (leaf_text, "Issuer: CN = phones-CA"));

  /* the leaf's authorityKeyIdentifier is the CA's subjectKeyIdentifier */
  {
    guint8 ski[64], aki[64];
    size_t ski_len = sizeof ski, aki_len = sizeof aki;
    unsigned critical;

    g_assert_cmpint (gnutls_x509_crt_get_subject_key_id (ca, ski, &ski_len, &critical), ==, 0);
    g_assert_cmpint (gnutls_x509_crt_get_authority_key_id (leaf, aki, &aki_len, &critical), ==, 0);
    g_assert_cmpmem (ski, ski_len, aki, aki_len);
  }
}

static void
test_serials_are_random (void)
{
  static const gchar *const ids[] = { "a.example.test", NULL };
  g_autoptr(CwIssueSpec) spec = spec_for (NULL, ids, FALSE, NULL);
  g_autoptr(GError) error = NULL;
  g_auto(gnutls_x509_privkey_t) key = cw_keygen (CW_KEY_EC_P256, &error);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < 64; i++) {
    g_auto(gnutls_x509_crt_t) crt = cw_issue_certificate (spec, NULL, key, NULL, NULL, now, &error);
    g_autoptr(CwCertInfo) info = NULL;

    g_assert_no_error (error);
    info = cw_cert_info_new (crt, &error);
    /* 128 bits: 32 hex digits, fewer only when the top bits happen to be 0 */
    g_assert_cmpuint (strlen (info->serial), <=, 32);
    g_assert_cmpuint (strlen (info->serial), >=, 30);
    g_assert_true (g_hash_table_add (seen, g_strdup (info->serial)));
  }
}

static void
test_key_types (void)
{
  static const struct { CwKeyType type; const gchar *name; const gchar *sig; } cases[] = {
    { CW_KEY_EC_P256, "ec-p256", "ecdsa-with-SHA256" },
    { CW_KEY_EC_P384, "ec-p384", "ecdsa-with-SHA384" },
    { CW_KEY_RSA_2048, "rsa-2048", "sha256WithRSAEncryption" },
    { CW_KEY_ED25519, "ed25519", "ED25519" },
  };
  static const gchar *const ids[] = { "k.example.test", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(CwIssueSpec) spec = spec_for (NULL, ids, FALSE, NULL);
    g_autoptr(GError) error = NULL;
    g_auto(gnutls_x509_privkey_t) key = cw_keygen (cases[i].type, &error);
    g_auto(gnutls_x509_crt_t) crt = NULL;
    g_autofree gchar *type = NULL, *path = NULL, *command = NULL, *text = NULL;
    CwKeyType parsed;

    g_assert_no_error (error);
    spec->key_type = cases[i].type;
    crt = cw_issue_certificate (spec, NULL, key, NULL, NULL, g_get_real_time () / G_USEC_PER_SEC, &error);
    g_assert_no_error (error);
    type = cw_x509_crt_get_key_type (crt, NULL);
    g_assert_cmpstr (type, ==, cases[i].name);
    g_assert_true (cw_key_type_from_string (cases[i].name, &parsed, NULL));
    g_assert_cmpint (parsed, ==, cases[i].type);
    path = save_crt ("k.pem", crt);
    command = g_strdup_printf ("openssl x509 -in '%s' -noout -text", path);
    text = run (command);
    g_assert_true (contains (text, cases[i].sig));
  }
}

static void
test_subject_fields (void)
{
  static const gchar *const ids[] = { "Ünïcode.Example.TEST", "*.wild.example.test", "2001:DB8::1", NULL };
  g_autoptr(CwIssueSpec) spec = cw_issue_spec_new ();
  g_autoptr(GError) error = NULL;
  g_auto(gnutls_x509_privkey_t) key = cw_keygen (CW_KEY_EC_P256, &error);
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_autoptr(CwCertInfo) info = NULL;

  spec->identities = g_strdupv ((gchar **) ids);
  spec->organization = g_strdup ("Acme Telecom S.p.A.");
  spec->organizational_unit = g_strdup ("Voice");
  spec->country = g_strdup ("it");
  spec->state = g_strdup ("Lombardia");
  spec->locality = g_strdup ("Milano");
  spec->email = g_strdup ("noc@example.test");
  spec->days = 30;
  g_assert_true (cw_issue_spec_validate (spec, NULL, &error));
  g_assert_no_error (error);
  /* IDNA names become A-labels, in lower case; IPv6 is canonical */
  g_assert_cmpstr (spec->identities[0], ==, "xn--ncode-cta3g.example.test");
  g_assert_cmpstr (spec->identities[1], ==, "*.wild.example.test");
  g_assert_cmpstr (spec->identities[2], ==, "2001:db8::1");
  g_assert_cmpstr (spec->country, ==, "IT");

  crt = cw_issue_certificate (spec, NULL, key, NULL, NULL, g_get_real_time () / G_USEC_PER_SEC, &error);
  g_assert_no_error (error);
  info = cw_cert_info_new (crt, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->subject, ==,
                   "EMAIL=noc@example.test,CN=xn--ncode-cta3g.example.test,OU=Voice,O=Acme Telecom S.p.A.,L=Milano,ST=Lombardia,C=IT");
  g_assert_cmpstrv (info->identities, spec->identities);
  g_assert_cmpint (info->not_after - info->not_before, ==, 30 * 86400 + 300);
}

static void
test_request (void)
{
  static const gchar *const ids[] = { "sip.example.test", "198.51.100.3", NULL };
  static const gchar *const roles[] = { "sip-tls", NULL };
  g_autoptr(CwIssueSpec) spec = spec_for (NULL, ids, FALSE, roles);
  g_autoptr(GError) error = NULL;
  g_auto(gnutls_x509_privkey_t) key = cw_keygen (CW_KEY_EC_P256, &error);
  g_autofree gchar *pem = NULL, *path = NULL, *command = NULL, *text = NULL;
  g_auto(gnutls_x509_crq_t) crq = NULL;
  gnutls_datum_t datum;
  g_auto(CwDatum) dn = { 0 };

  spec->organization = g_strdup ("Acme");
  pem = cw_issue_request (spec, roles, key, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (pem, "-----BEGIN NEW CERTIFICATE REQUEST-----") ||
                 g_str_has_prefix (pem, "-----BEGIN CERTIFICATE REQUEST-----"));

  /* parsed back: signature, subject, key */
  gnutls_x509_crq_init (&crq);
  datum.data = (guint8 *) pem;
  datum.size = strlen (pem);
  g_assert_cmpint (gnutls_x509_crq_import (crq, &datum, GNUTLS_X509_FMT_PEM), ==, 0);
  g_assert_cmpint (gnutls_x509_crq_verify (crq, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crq_get_dn3 (crq, &dn, 0), ==, 0);
  g_assert_cmpstr ((const gchar *) dn.data, ==, "CN=sip.example.test,O=Acme");
  {
    guint8 a[64], b[64];
    size_t a_len = sizeof a, b_len = sizeof b;

    g_assert_cmpint (gnutls_x509_crq_get_key_id (crq, GNUTLS_KEYID_USE_SHA256, a, &a_len), ==, 0);
    g_assert_cmpint (gnutls_x509_privkey_get_key_id (key, GNUTLS_KEYID_USE_SHA256, b, &b_len), ==, 0);
    g_assert_cmpmem (a, a_len, b, b_len);
  }

  /* and by OpenSSL */
  path = save_pem ("req.csr", pem);
  command = g_strdup_printf ("openssl req -in '%s' -verify -noout -text 2>&1", path);
  text = run (command);
  g_assert_true (contains (text, "verify OK"));
  g_assert_true (contains (text, "DNS:sip.example.test, IP Address:198.51.100.3"));
  g_assert_true (contains (text, "TLS Web Server Authentication, TLS Web Client Authentication"));
}

static void
test_validation (void)
{
  static const struct {
    const gchar *id;
    const gchar *country;
    guint days;
    const gchar *role;
    CwKeyType key;
    const gchar *message;
  } cases[] = {
    { "a..example.test", NULL, 0, NULL, CW_KEY_EC_P256, "not a valid DNS name" },
    { "*.test", NULL, 0, NULL, CW_KEY_EC_P256, "at least two labels" },
    { "a.*.example.test", NULL, 0, NULL, CW_KEY_EC_P256, "whole leftmost label" },
    { "under_score.example", NULL, 0, NULL, CW_KEY_EC_P256, "not a valid DNS name" },
    { "ok.example.test", "Italy", 0, NULL, CW_KEY_EC_P256, "two-letter" },
    { "ok.example.test", NULL, 40000, NULL, CW_KEY_EC_P256, "days must be from 1 to 36500" },
    { "ok.example.test", NULL, 0, "stir-shaken", CW_KEY_RSA_2048, "ec-p256" },
    { NULL, NULL, 0, NULL, CW_KEY_EC_P256, "common-name or at least one identity" },
  };
  g_autoptr(GError) error = NULL;
  CwKeyType type;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(CwIssueSpec) spec = cw_issue_spec_new ();
    const gchar *roles[] = { cases[i].role, NULL };

    if (cases[i].id != NULL) {
      spec->identities = g_new0 (gchar *, 2);
      spec->identities[0] = g_strdup (cases[i].id);
    }
    spec->country = g_strdup (cases[i].country);
    spec->days = cases[i].days;
    spec->key_type = cases[i].key;
    g_assert_false (cw_issue_spec_validate (spec, roles, &error));
    g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
    if (strstr (error->message, cases[i].message) == NULL)
      g_error ("“%s” does not mention “%s”", error->message, cases[i].message);
    g_clear_error (&error);
  }

  g_assert_false (cw_key_type_from_string ("rsa-1024", &type, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_WEAK_KEY);
  g_assert_nonnull (strstr (error->message, "RSA keys shorter than 2048 bits are refused"));
  g_clear_error (&error);
  g_assert_false (cw_key_type_from_string ("dsa-2048", &type, &error));
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT);
}

static void
test_spec_round_trip (void)
{
  static const gchar *const ids[] = { "a.example.test", "192.0.2.1", NULL };
  g_autoptr(CwIssueSpec) spec = spec_for ("A", ids, TRUE, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(CwIssueSpec) loaded = NULL;

  spec->organization = g_strdup ("Org");
  spec->issuer = g_strdup ("root_CA");
  spec->key_type = CW_KEY_RSA_3072;
  cw_issue_spec_save (spec, kf, "issue");
  loaded = cw_issue_spec_load (kf, "issue");
  g_assert_nonnull (loaded);
  g_assert_cmpstr (loaded->common_name, ==, "A");
  g_assert_cmpstr (loaded->organization, ==, "Org");
  g_assert_cmpstr (loaded->issuer, ==, "root_CA");
  g_assert_cmpstrv (loaded->identities, spec->identities);
  g_assert_cmpint (loaded->key_type, ==, CW_KEY_RSA_3072);
  g_assert_cmpuint (loaded->days, ==, 3650);
  g_assert_true (loaded->ca);
  g_assert_null (cw_issue_spec_load (kf, "nothing"));
}

int
main (int argc, char **argv)
{
  int status;

  cw_test_init (&argc, &argv);
  tmp = cw_test_mkdtemp ();
  g_test_add_func ("/issuer/phones-ca", test_phones_ca);
  g_test_add_func ("/issuer/serials-are-random", test_serials_are_random);
  g_test_add_func ("/issuer/key-types", test_key_types);
  g_test_add_func ("/issuer/subject-fields", test_subject_fields);
  g_test_add_func ("/issuer/request", test_request);
  g_test_add_func ("/issuer/validation", test_validation);
  g_test_add_func ("/issuer/spec-round-trip", test_spec_round_trip);
  status = g_test_run ();
  cw_test_rmdir (tmp);
  return status;
}
