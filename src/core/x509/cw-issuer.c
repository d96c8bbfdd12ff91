/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Local issuance: keys, self-signed and local-CA certificates, CSRs. */
#include "config.h"

#include "cw-issuer.h"
#include "cw-error.h"
#include "cw-names.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <glib/gi18n.h>
#include <string.h>

static const struct {
  const gchar *name;
  CwKeyType    type;
} key_types[] = {
  { "ec-p256", CW_KEY_EC_P256 },
  { "ec-p384", CW_KEY_EC_P384 },
  { "rsa-2048", CW_KEY_RSA_2048 },
  { "rsa-3072", CW_KEY_RSA_3072 },
  { "rsa-4096", CW_KEY_RSA_4096 },
  { "ed25519", CW_KEY_ED25519 },
};

gboolean
cw_key_type_from_string (const gchar *text, CwKeyType *type, GError **error)
{
  g_return_val_if_fail (type != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (key_types); i++) {
    if (g_strcmp0 (text, key_types[i].name) == 0) {
      *type = key_types[i].type;
      return TRUE;
    }
  }
  if (text != NULL && g_str_has_prefix (text, "rsa-")) {
    guint64 bits = 0;

    if (g_ascii_string_to_unsigned (text + 4, 10, 1, 2047, &bits, NULL)) {
      g_set_error (error, CW_ERROR, CW_ERROR_WEAK_KEY, _("RSA keys shorter than 2048 bits are refused (asked for %s)"), text);
      return FALSE;
    }
  }
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
               _("unknown key type “%s”; use ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519"),
               text != NULL ? text : "");
  return FALSE;
}

const gchar *
cw_key_type_to_string (CwKeyType type)
{
  for (guint i = 0; i < G_N_ELEMENTS (key_types); i++)
    if (key_types[i].type == type)
      return key_types[i].name;
  return "ec-p256";
}

gnutls_x509_privkey_t
cw_keygen (CwKeyType type, GError **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  int ret;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  gnutls_x509_privkey_init (&key);
  switch (type) {
  case CW_KEY_EC_P384:
    ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP384R1), 0);
    break;
  case CW_KEY_RSA_2048:
    ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_RSA, 2048, 0);
    break;
  case CW_KEY_RSA_3072:
    ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_RSA, 3072, 0);
    break;
  case CW_KEY_RSA_4096:
    ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_RSA, 4096, 0);
    break;
  case CW_KEY_ED25519:
    ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_EDDSA_ED25519, GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_ED25519), 0);
    break;
  case CW_KEY_EC_P256:
  default:
    ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0);
    break;
  }
  if (ret < 0) {
    cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot generate a key"));
    return NULL;
  }
  return g_steal_pointer (&key);
}

/* ---- spec --------------------------------------------------------------- */

CwIssueSpec *
cw_issue_spec_new (void)
{
  CwIssueSpec *spec = g_new0 (CwIssueSpec, 1);

  spec->key_type = CW_KEY_EC_P256;
  return spec;
}

CwIssueSpec *
cw_issue_spec_copy (const CwIssueSpec *spec)
{
  CwIssueSpec *copy;

  g_return_val_if_fail (spec != NULL, NULL);

  copy = g_new0 (CwIssueSpec, 1);

  *copy = *spec;
  copy->common_name = g_strdup (spec->common_name);
  copy->organization = g_strdup (spec->organization);
  copy->organizational_unit = g_strdup (spec->organizational_unit);
  copy->country = g_strdup (spec->country);
  copy->state = g_strdup (spec->state);
  copy->locality = g_strdup (spec->locality);
  copy->email = g_strdup (spec->email);
  copy->identities = g_strdupv (spec->identities);
  copy->issuer = g_strdup (spec->issuer);
  return copy;
}

void
cw_issue_spec_free (CwIssueSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->common_name);
  g_free (spec->organization);
  g_free (spec->organizational_unit);
  g_free (spec->country);
  g_free (spec->state);
  g_free (spec->locality);
  g_free (spec->email);
  g_strfreev (spec->identities);
  g_free (spec->issuer);
  g_free (spec);
}

static gboolean
field_ok (const gchar *value, const gchar *what, gsize max, GError **error)
{
  if (value == NULL)
    return TRUE;
  if (*value == '\0' || strlen (value) > max || !g_utf8_validate (value, -1, NULL)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("%s must be 1 to %u bytes of UTF-8 text"), what, (guint) max);
    return FALSE;
  }
  for (const gchar *p = value; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p))) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("%s contains a control character"), what);
      return FALSE;
    }
  return TRUE;
}

gboolean
cw_issue_spec_validate (CwIssueSpec *spec, const gchar * const *roles, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!cw_identities_check_count ((const gchar * const *) spec->identities, error))
    return FALSE;
  for (guint i = 0; spec->identities != NULL && spec->identities[i] != NULL; i++) {
    gchar *id = cw_identity_parse (spec->identities[i], TRUE, error);

    if (id == NULL)
      return FALSE;
    if (g_hash_table_add (seen, id))
      g_ptr_array_add (ids, id);
    else
      g_free (id);
  }
  g_ptr_array_add (ids, NULL);
  g_strfreev (spec->identities);
  spec->identities = (gchar **) g_ptr_array_steal (ids, NULL);

  if (spec->san_only) {
    /* public CAs take the names from the SAN; the CN is a courtesy for
     * old clients and may hold neither an IP address nor a long name */
    g_clear_pointer (&spec->common_name, g_free);
    for (guint i = 0; spec->identities[i] != NULL && spec->common_name == NULL; i++)
      if (!cw_identity_is_ip (spec->identities[i]) && strlen (spec->identities[i]) <= 64)
        spec->common_name = g_strdup (spec->identities[i]);
    if (spec->identities[0] == NULL) {
      g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("give at least one identity"));
      return FALSE;
    }
  }
  if (spec->common_name == NULL && spec->identities[0] != NULL && !spec->san_only)
    spec->common_name = g_strdup (spec->identities[0]);
  if (spec->common_name == NULL && !spec->san_only) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("give a common-name or at least one identity"));
    return FALSE;
  }
  /* the X.520 upper bounds */
  if (!field_ok (spec->common_name, "common-name", 64, error) ||
      !field_ok (spec->organization, "organization", 64, error) ||
      !field_ok (spec->organizational_unit, "organizational-unit", 64, error) ||
      !field_ok (spec->state, "state", 128, error) ||
      !field_ok (spec->locality, "locality", 128, error) ||
      !field_ok (spec->email, "email", 128, error))
    return FALSE;
  if (spec->country != NULL &&
      (strlen (spec->country) != 2 || !g_ascii_isalpha (spec->country[0]) || !g_ascii_isalpha (spec->country[1]))) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("country must be a two-letter ISO 3166 code such as IT, not “%s”"), spec->country);
    return FALSE;
  }
  if (spec->country != NULL) {
    gchar *upper = g_ascii_strup (spec->country, -1);

    g_free (spec->country);
    spec->country = upper;
  }
  if (spec->email != NULL && strchr (spec->email, '@') == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not an e-mail address"), spec->email);
    return FALSE;
  }
  if (spec->days == 0)
    spec->days = spec->ca ? 3650 : 365;
  if (spec->days > 36500) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("days must be from 1 to 36500, not %u"), spec->days);
    return FALSE;
  }
  if (roles != NULL && g_strv_contains (roles, "stir-shaken") && spec->key_type != CW_KEY_EC_P256) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("a STIR/SHAKEN certificate needs an ec-p256 key (ES256)"));
    return FALSE;
  }
  return TRUE;
}

#define SET_OPT(file, group, key, value) \
  G_STMT_START { if ((value) != NULL) g_key_file_set_string (file, group, key, value); } G_STMT_END

void
cw_issue_spec_save (const CwIssueSpec *spec, GKeyFile *file, const gchar *group)
{
  g_return_if_fail (spec != NULL);

  SET_OPT (file, group, "common-name", spec->common_name);
  SET_OPT (file, group, "organization", spec->organization);
  SET_OPT (file, group, "organizational-unit", spec->organizational_unit);
  SET_OPT (file, group, "country", spec->country);
  SET_OPT (file, group, "state", spec->state);
  SET_OPT (file, group, "locality", spec->locality);
  SET_OPT (file, group, "email", spec->email);
  SET_OPT (file, group, "issuer", spec->issuer);
  g_key_file_set_string_list (file, group, "identities", (const gchar * const *) spec->identities,
                              spec->identities != NULL ? g_strv_length (spec->identities) : 0);
  g_key_file_set_string (file, group, "key-type", cw_key_type_to_string (spec->key_type));
  g_key_file_set_integer (file, group, "days", spec->days);
  g_key_file_set_boolean (file, group, "ca", spec->ca);
  if (spec->san_only)
    g_key_file_set_boolean (file, group, "san-only", TRUE);
}

CwIssueSpec *
cw_issue_spec_load (GKeyFile *file, const gchar *group)
{
  g_autoptr(CwIssueSpec) spec = NULL;
  g_autofree gchar *key_type = NULL;

  if (!g_key_file_has_group (file, group))
    return NULL;
  spec = cw_issue_spec_new ();
  spec->common_name = g_key_file_get_string (file, group, "common-name", NULL);
  spec->organization = g_key_file_get_string (file, group, "organization", NULL);
  spec->organizational_unit = g_key_file_get_string (file, group, "organizational-unit", NULL);
  spec->country = g_key_file_get_string (file, group, "country", NULL);
  spec->state = g_key_file_get_string (file, group, "state", NULL);
  spec->locality = g_key_file_get_string (file, group, "locality", NULL);
  spec->email = g_key_file_get_string (file, group, "email", NULL);
  spec->issuer = g_key_file_get_string (file, group, "issuer", NULL);
  spec->identities = g_key_file_get_string_list (file, group, "identities", NULL, NULL);
  if (spec->identities == NULL)
    spec->identities = g_new0 (gchar *, 1);
  key_type = g_key_file_get_string (file, group, "key-type", NULL);
  if (!cw_key_type_from_string (key_type, &spec->key_type, NULL))
    spec->key_type = CW_KEY_EC_P256;
  spec->days = g_key_file_get_integer (file, group, "days", NULL);
  spec->ca = g_key_file_get_boolean (file, group, "ca", NULL);
  spec->san_only = g_key_file_get_boolean (file, group, "san-only", NULL);
  return g_steal_pointer (&spec);
}

/* ---- building ----------------------------------------------------------- */

typedef int (*SetDnFunc) (gpointer obj, const char *oid, unsigned raw, const void *name, unsigned size);

/* The subject in the usual order, for a certificate or a request. */
static gboolean
set_subject (gpointer obj, SetDnFunc set_dn, const CwIssueSpec *spec, GError **error)
{
  const struct { const gchar *oid; const gchar *value; } parts[] = {
    { GNUTLS_OID_X520_COUNTRY_NAME, spec->country },
    { GNUTLS_OID_X520_STATE_OR_PROVINCE_NAME, spec->state },
    { GNUTLS_OID_X520_LOCALITY_NAME, spec->locality },
    { GNUTLS_OID_X520_ORGANIZATION_NAME, spec->organization },
    { GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME, spec->organizational_unit },
    { GNUTLS_OID_X520_COMMON_NAME, spec->common_name },
    { GNUTLS_OID_PKCS9_EMAIL, spec->email },
  };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++) {
    int ret;

    if (parts[i].value == NULL)
      continue;
    ret = set_dn (obj, parts[i].oid, 0, parts[i].value, strlen (parts[i].value));
    if (ret < 0)
      return cw_gnutls_fail (error, CW_ERROR_INVALID_ARGUMENT, ret, _("cannot set the subject"));
  }
  return TRUE;
}

typedef int (*SetSanFunc) (gpointer obj, gnutls_x509_subject_alt_name_t type, const void *data,
                           unsigned size, unsigned flags);

static gboolean
set_identities (gpointer obj, SetSanFunc set_san, const CwIssueSpec *spec, GError **error)
{
  for (guint i = 0; spec->identities != NULL && spec->identities[i] != NULL; i++) {
    const gchar *id = spec->identities[i];
    int ret;

    if (cw_identity_is_ip (id)) {
      guint8 raw[16];
      gboolean v6 = strchr (id, ':') != NULL;

      if (inet_pton (v6 ? AF_INET6 : AF_INET, id, raw) != 1) {
        g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not an IP address"), id);
        return FALSE;
      }
      ret = set_san (obj, GNUTLS_SAN_IPADDRESS, raw, v6 ? 16 : 4, GNUTLS_FSAN_APPEND);
    } else {
      ret = set_san (obj, GNUTLS_SAN_DNSNAME, id, strlen (id), GNUTLS_FSAN_APPEND);
    }
    if (ret < 0)
      return cw_gnutls_fail (error, CW_ERROR_INVALID_ARGUMENT, ret, id);
  }
  if (spec->email != NULL) {
    int ret = set_san (obj, GNUTLS_SAN_RFC822NAME, spec->email, strlen (spec->email), GNUTLS_FSAN_APPEND);

    if (ret < 0)
      return cw_gnutls_fail (error, CW_ERROR_INVALID_ARGUMENT, ret, spec->email);
  }
  return TRUE;
}

static gboolean
has_role (const gchar * const *roles, const gchar *role)
{
  return roles != NULL && g_strv_contains (roles, role);
}

/* From the key being certified, which may differ from spec->key_type when
 * a key is reused. */
static unsigned
key_usage_for (const CwIssueSpec *spec, gnutls_x509_privkey_t key)
{
  if (spec->ca)
    return GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN | GNUTLS_KEY_DIGITAL_SIGNATURE;
  /* RSA key exchange needs keyEncipherment; (EC)DHE only signs */
  if (gnutls_x509_privkey_get_pk_algorithm (key) == GNUTLS_PK_RSA)
    return GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT;
  return GNUTLS_KEY_DIGITAL_SIGNATURE;
}

/* Which extended key usages a leaf gets: serverAuth for server and sip-tls,
 * clientAuth for client and sip-tls (a PBX is the client towards its
 * trunks). A STIR/SHAKEN-only certificate carries none. */
static void
purposes_for (const gchar * const *roles, gboolean *server, gboolean *client)
{
  *server = has_role (roles, "server") || has_role (roles, "sip-tls");
  *client = has_role (roles, "client") || has_role (roles, "sip-tls");
  if (!*server && !*client && !has_role (roles, "stir-shaken"))
    *server = TRUE;
}

static gnutls_digest_algorithm_t
digest_for (gnutls_x509_privkey_t signer)
{
  unsigned bits = 0;
  int algo = gnutls_x509_privkey_get_pk_algorithm2 (signer, &bits);

  if (algo == GNUTLS_PK_EDDSA_ED25519 || algo == GNUTLS_PK_EDDSA_ED448)
    return GNUTLS_DIG_UNKNOWN; /* EdDSA hashes internally */
  if (algo == GNUTLS_PK_ECDSA && bits >= 384)
    return bits >= 521 ? GNUTLS_DIG_SHA512 : GNUTLS_DIG_SHA384;
  return GNUTLS_DIG_SHA256;
}

/* 128 random bits, encoded as a positive DER integer (a leading zero byte
 * only when the top bit is set, never a non-minimal one). */
static void
random_serial (guint8 serial[17], size_t *len)
{
  guint8 *bits = serial + 1;

  do
    gnutls_rnd (GNUTLS_RND_NONCE, bits, 16);
  while (bits[0] == 0);
  if (bits[0] & 0x80) {
    serial[0] = 0;
    *len = 17;
  } else {
    memmove (serial, bits, 16);
    *len = 16;
  }
}

static gboolean
sign_fail (GError **error, int ret)
{
  return cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot build the certificate"));
}

gnutls_x509_crt_t
cw_issue_certificate (const CwIssueSpec *spec, const gchar * const *roles, gnutls_x509_privkey_t key,
                      gnutls_x509_crt_t issuer_crt, gnutls_x509_privkey_t issuer_key, gint64 now,
                      GError **error)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_privkey_t) signer = NULL;
  guint8 serial[17], ski[64], aki[64];
  size_t serial_len = 0, ski_len = sizeof ski, aki_len = sizeof aki;
  gboolean server = FALSE, client = FALSE;
  int ret;

  g_return_val_if_fail ((issuer_crt == NULL) == (issuer_key == NULL), NULL);

  gnutls_x509_crt_init (&crt);
  random_serial (serial, &serial_len);
  if ((ret = gnutls_x509_crt_set_version (crt, 3)) < 0 ||
      (ret = gnutls_x509_crt_set_serial (crt, serial, serial_len)) < 0 ||
      (ret = gnutls_x509_crt_set_activation_time (crt, now - 300)) < 0 ||
      (ret = gnutls_x509_crt_set_expiration_time (crt, now + (gint64) spec->days * 86400)) < 0 ||
      (ret = gnutls_x509_crt_set_key (crt, key)) < 0)
    return sign_fail (error, ret), NULL;
  if (!set_subject (crt, (SetDnFunc) gnutls_x509_crt_set_dn_by_oid, spec, error) ||
      !set_identities (crt, (SetSanFunc) gnutls_x509_crt_set_subject_alt_name, spec, error))
    return NULL;

  if ((ret = gnutls_x509_crt_set_basic_constraints (crt, spec->ca, -1)) < 0 ||
      (ret = gnutls_x509_crt_set_key_usage (crt, key_usage_for (spec, key))) < 0)
    return sign_fail (error, ret), NULL;
  if (!spec->ca) {
    purposes_for (roles, &server, &client);
    if (server && (ret = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0)
      return sign_fail (error, ret), NULL;
    if (client && (ret = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0)
      return sign_fail (error, ret), NULL;
  }

  /* subjectKeyIdentifier from our key; authorityKeyIdentifier from the
   * signer's, so verifiers find the issuer even among same-named CAs */
  if ((ret = gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA1, ski, &ski_len)) < 0 ||
      (ret = gnutls_x509_crt_set_subject_key_id (crt, ski, ski_len)) < 0)
    return sign_fail (error, ret), NULL;
  if (issuer_crt != NULL) {
    unsigned critical = 0;

    if (gnutls_x509_crt_get_subject_key_id (issuer_crt, aki, &aki_len, &critical) < 0 &&
        (ret = gnutls_x509_crt_get_key_id (issuer_crt, GNUTLS_KEYID_USE_SHA1, aki, &aki_len)) < 0)
      return sign_fail (error, ret), NULL;
  } else {
    memcpy (aki, ski, ski_len);
    aki_len = ski_len;
  }
  if ((ret = gnutls_x509_crt_set_authority_key_id (crt, aki, aki_len)) < 0)
    return sign_fail (error, ret), NULL;

  gnutls_privkey_init (&signer);
  if ((ret = gnutls_privkey_import_x509 (signer, issuer_key != NULL ? issuer_key : key, 0)) < 0 ||
      (ret = gnutls_x509_crt_privkey_sign (crt, issuer_crt != NULL ? issuer_crt : crt, signer,
                                           digest_for (issuer_key != NULL ? issuer_key : key), 0)) < 0)
    return sign_fail (error, ret), NULL;
  /* GnuTLS fills some caches (the SAN list) only when parsing: hand out the
   * certificate as every reader will see it */
  {
    gnutls_x509_crt_t parsed = cw_x509_crt_copy (crt);

    if (parsed == NULL)
      g_set_error_literal (error, CW_ERROR, CW_ERROR_FAILED, _("cannot re-read the new certificate"));
    return parsed;
  }
}

gchar *
cw_issue_request (const CwIssueSpec *spec, const gchar * const *roles, gnutls_x509_privkey_t key, GError **error)
{
  g_auto(gnutls_x509_crq_t) crq = NULL;
  g_auto(gnutls_privkey_t) signer = NULL;
  g_auto(CwDatum) pem = { 0 };
  gboolean server = FALSE, client = FALSE;
  int ret;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  gnutls_x509_crq_init (&crq);
  if ((ret = gnutls_x509_crq_set_version (crq, 1)) < 0 || (ret = gnutls_x509_crq_set_key (crq, key)) < 0)
    return sign_fail (error, ret), NULL;
  if (!set_subject (crq, (SetDnFunc) gnutls_x509_crq_set_dn_by_oid, spec, error) ||
      !set_identities (crq, (SetSanFunc) gnutls_x509_crq_set_subject_alt_name, spec, error))
    return NULL;
  if ((ret = gnutls_x509_crq_set_key_usage (crq, key_usage_for (spec, key))) < 0)
    return sign_fail (error, ret), NULL;
  purposes_for (roles, &server, &client);
  if (server && (ret = gnutls_x509_crq_set_key_purpose_oid (crq, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0)
    return sign_fail (error, ret), NULL;
  if (client && (ret = gnutls_x509_crq_set_key_purpose_oid (crq, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0)
    return sign_fail (error, ret), NULL;

  gnutls_privkey_init (&signer);
  if ((ret = gnutls_privkey_import_x509 (signer, key, 0)) < 0 ||
      (ret = gnutls_x509_crq_privkey_sign (crq, signer, digest_for (key), 0)) < 0 ||
      (ret = gnutls_x509_crq_export2 (crq, GNUTLS_X509_FMT_PEM, &pem)) < 0)
    return sign_fail (error, ret), NULL;
  return g_strndup ((const gchar *) pem.data, pem.size);
}
