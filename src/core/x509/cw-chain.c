/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Chain building: the leaf found by its key, ordered, signatures verified, root dropped. */
#include "config.h"

#include "cw-chain.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

#define MIN_RSA_BITS 2048
/* leaf + intermediates; real chains have two or three */
#define MAX_CHAIN 10
/* DER size; real certificates are a few kilobytes */
#define MAX_CERT_SIZE (64 * 1024)

void
cw_bundle_free (CwBundle *bundle)
{
  if (bundle == NULL)
    return;
  if (bundle->key != NULL)
    gnutls_x509_privkey_deinit (bundle->key);
  g_clear_pointer (&bundle->certs, g_ptr_array_unref);
  g_clear_pointer (&bundle->warnings, g_ptr_array_unref);
  g_free (bundle);
}

gchar *
cw_format_date (gint64 unix_seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_seconds);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");
}

static void
crt_free (gpointer crt)
{
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
}

/* Moves the certificate at @index out of @certs. */
static gnutls_x509_crt_t
take_cert (GPtrArray *certs, guint index)
{
  gnutls_x509_crt_t crt = g_ptr_array_index (certs, index);

  certs->pdata[index] = NULL;
  g_ptr_array_remove_index (certs, index);
  return crt;
}

static gnutls_x509_privkey_t
pick_key (CwMaterial *material, const CwChainPolicy *policy, GError **error)
{
  GPtrArray *keys = cw_material_get_keys (material);

  if (policy->key != NULL)
    return cw_x509_privkey_copy (policy->key);
  if (keys->len == 0) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_NO_KEY,
                         _("no private key found in the input: add the key file, or use a PKCS#12 file that contains it"));
    return NULL;
  }
  if (keys->len > 1) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                 _("the input holds %u different private keys; import one certificate with its key at a time"),
                 keys->len);
    return NULL;
  }
  return cw_x509_privkey_copy (g_ptr_array_index (keys, 0));
}

/* Among the certificates for the key, the newest wins (an old and a renewed
 * certificate pasted together). */
static gint
find_leaf (GPtrArray *certs, gnutls_x509_privkey_t key, guint *n_matching)
{
  gint best = -1;
  time_t best_start = 0;

  *n_matching = 0;
  for (guint i = 0; i < certs->len; i++) {
    gnutls_x509_crt_t crt = g_ptr_array_index (certs, i);
    time_t start = gnutls_x509_crt_get_activation_time (crt);

    if (!cw_x509_privkey_matches (key, crt))
      continue;
    (*n_matching)++;
    if (best < 0 || start > best_start) {
      best = i;
      best_start = start;
    }
  }
  return best;
}

/* Whether @candidate bears the name @crt names as its issuer. Only the DN:
 * gnutls_x509_crt_check_issuer() also compares key identifiers, which would
 * hide an intermediate of the right name with the wrong key. */
static gboolean
dn_matches (gnutls_x509_crt_t crt, gnutls_x509_crt_t candidate)
{
  gnutls_datum_t issuer = { NULL, 0 }, subject = { NULL, 0 };

  if (gnutls_x509_crt_get_raw_issuer_dn (crt, &issuer) < 0)
    return FALSE;
  if (gnutls_x509_crt_get_raw_dn (candidate, &subject) < 0) {
    gnutls_free (issuer.data);
    return FALSE;
  }
  {
    gboolean same = issuer.size == subject.size && memcmp (issuer.data, subject.data, issuer.size) == 0;

    gnutls_free (issuer.data);
    gnutls_free (subject.data);
    return same;
  }
}

/* The issuer of @crt among @pool: DN match first, then the signature. With
 * cross-signed intermediates several may match by name; prefer one whose
 * signature verifies and which lives longest. */
static gint
find_issuer (GPtrArray *pool, gnutls_x509_crt_t crt, gboolean *name_only)
{
  gint best = -1;
  time_t best_end = 0;

  *name_only = FALSE;
  for (guint i = 0; i < pool->len; i++) {
    gnutls_x509_crt_t candidate = g_ptr_array_index (pool, i);
    time_t end = gnutls_x509_crt_get_expiration_time (candidate);

    if (!dn_matches (crt, candidate))
      continue;
    if (!cw_x509_crt_signed_by (crt, candidate)) {
      if (best < 0)
        *name_only = TRUE;
      continue;
    }
    if (best < 0 || *name_only || end > best_end) {
      best = i;
      best_end = end;
      *name_only = FALSE;
    }
  }
  if (best < 0 && *name_only) {
    /* report the first name match so the caller can say which one fails */
    for (guint i = 0; i < pool->len; i++)
      if (dn_matches (crt, g_ptr_array_index (pool, i)))
        return i;
  }
  return best;
}

static gboolean
check_key_strength (gnutls_x509_crt_t crt, GError **error)
{
  guint bits = 0;
  g_autofree gchar *type = cw_x509_crt_get_key_type (crt, &bits);
  g_autofree gchar *who = cw_x509_crt_describe (crt);

  if (bits > 0 && bits < MIN_RSA_BITS) {
    g_set_error (error, CW_ERROR, CW_ERROR_WEAK_KEY,
                 _("RSA keys shorter than %d bits are refused (“%s” has %u bits)"), MIN_RSA_BITS, who, bits);
    return FALSE;
  }
  if (g_str_has_prefix (type, "dsa") || g_str_equal (type, "unknown")) {
    g_set_error (error, CW_ERROR, CW_ERROR_WEAK_KEY,
                 _("the key type of “%s” (%s) is not supported; use RSA (2048 bits or more), ECDSA or Ed25519"),
                 who, type);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_size (gnutls_x509_crt_t crt, GError **error)
{
  g_auto(CwDatum) der = { 0 };

  if (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &der) < 0 || der.size > MAX_CERT_SIZE) {
    g_autofree gchar *who = cw_x509_crt_describe (crt);

    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                 _("“%s” is larger than %d bytes; that is not a real-world certificate"), who, MAX_CERT_SIZE);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_signature (gnutls_x509_crt_t crt, GError **error)
{
  g_autofree gchar *algorithm = NULL;

  if (cw_x509_crt_has_weak_signature (crt, &algorithm)) {
    g_autofree gchar *who = cw_x509_crt_describe (crt);

    g_set_error (error, CW_ERROR, CW_ERROR_WEAK_SIGNATURE,
                 _("“%s” is signed with %s; SHA-1 and MD5 signatures are refused, ask the CA for a SHA-256 certificate"),
                 who, algorithm);
    return FALSE;
  }
  return TRUE;
}

static gboolean
issuer_is_known_root (const CwChainPolicy *policy, gnutls_x509_crt_t crt)
{
  return policy->roots != NULL && cw_roots_knows_issuer_of (policy->roots, crt);
}

CwBundle *
cw_bundle_build (CwMaterial *material, const CwChainPolicy *policy, GError **error)
{
  g_autoptr(CwBundle) bundle = g_new0 (CwBundle, 1);
  g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (crt_free);
  GPtrArray *certs;
  gnutls_x509_crt_t leaf, current;
  gboolean root_dropped = FALSE;
  guint n_matching = 0;
  gint leaf_index;

  g_return_val_if_fail (material != NULL, NULL);

  certs = cw_material_get_certs (material);

  bundle->certs = g_ptr_array_new_with_free_func (crt_free);
  bundle->warnings = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  for (guint i = 0; i < cw_material_get_warnings (material)->len; i++)
    g_ptr_array_add (bundle->warnings, g_strdup (g_ptr_array_index (cw_material_get_warnings (material), i)));

  if (certs->len == 0) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_NO_CERTIFICATE, _("no certificate found in the input"));
    return NULL;
  }

  bundle->key = pick_key (material, policy, error);
  if (bundle->key == NULL) {
    if (error != NULL && *error == NULL)
      g_set_error_literal (error, CW_ERROR, CW_ERROR_FAILED, _("cannot copy the private key"));
    return NULL;
  }
  if (policy->key != NULL) {
    GPtrArray *keys = cw_material_get_keys (material);

    for (guint i = 0; i < keys->len; i++) {
      /* a key in the input is welcome only when it is the one we hold */
      if (!cw_x509_privkey_equal (g_ptr_array_index (keys, i), bundle->key)) {
        g_set_error_literal (error, CW_ERROR, CW_ERROR_KEY_MISMATCH,
                             _("the input contains a different private key; send only the certificate and its chain"));
        return NULL;
      }
    }
  }

  for (guint i = 0; i < certs->len; i++) {
    gnutls_x509_crt_t copy = cw_x509_crt_copy (g_ptr_array_index (certs, i));

    if (copy == NULL) {
      g_set_error_literal (error, CW_ERROR, CW_ERROR_FAILED, _("cannot copy a certificate"));
      return NULL;
    }
    g_ptr_array_add (pool, copy);
  }

  leaf_index = find_leaf (pool, bundle->key, &n_matching);
  if (leaf_index < 0) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_KEY_MISMATCH,
                         pool->len == 1 ? _("the private key does not match the certificate")
                                        : _("the private key does not match any certificate in the input"));
    return NULL;
  }
  if (n_matching > 1)
    g_ptr_array_add (bundle->warnings,
                     g_strdup_printf (_("%u certificates for this key were found; the newest one was used"), n_matching));
  leaf = take_cert (pool, leaf_index);
  g_ptr_array_add (bundle->certs, leaf);

  /* order: leaf → intermediates, stopping at a self-signed root */
  current = leaf;
  while (!cw_x509_crt_is_self_signed (current)) {
    gboolean name_only = FALSE;
    gint issuer_index = find_issuer (pool, current, &name_only);
    gnutls_x509_crt_t issuer;

    if (issuer_index < 0)
      break;
    if (name_only) {
      g_autofree gchar *who = cw_x509_crt_describe (current);
      g_autofree gchar *by = cw_x509_crt_describe (g_ptr_array_index (pool, issuer_index));

      g_set_error (error, CW_ERROR, CW_ERROR_BAD_CHAIN,
                   _("the chain is broken: the signature of “%s” does not verify with the key of “%s”"), who, by);
      return NULL;
    }
    issuer = take_cert (pool, issuer_index);
    if (bundle->certs->len >= MAX_CHAIN && !cw_x509_crt_is_self_signed (issuer)) {
      gnutls_x509_crt_deinit (issuer);
      g_set_error (error, CW_ERROR, CW_ERROR_BAD_CHAIN,
                   _("the chain is longer than %d certificates; that is not a real-world chain"), MAX_CHAIN);
      return NULL;
    }
    if (cw_x509_crt_is_self_signed (issuer)) {
      gnutls_x509_crt_deinit (issuer);
      root_dropped = TRUE;
      break;
    }
    g_ptr_array_add (bundle->certs, issuer);
    current = issuer;
  }

  if (!root_dropped && !cw_x509_crt_is_self_signed (current) && !issuer_is_known_root (policy, current)) {
    g_autofree gchar *who = cw_x509_crt_describe (current);
    g_autofree gchar *issuer_dn = cw_x509_crt_get_issuer (current);

    g_ptr_array_add (bundle->warnings,
                     g_strdup_printf (_("the chain may be incomplete: the issuer “%s” of “%s” is neither in the input "
                                        "nor a known root; if it is an intermediate, add it (Android clients fail without it)"),
                                      issuer_dn, who));
  }
  if (pool->len > 0)
    g_ptr_array_add (bundle->warnings,
                     g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "%u certificate that is not part of the chain was ignored",
                                                   "%u certificates that are not part of the chain were ignored",
                                                   pool->len),
                                      pool->len));

  for (guint i = 0; i < bundle->certs->len; i++) {
    gnutls_x509_crt_t crt = g_ptr_array_index (bundle->certs, i);

    if (!check_size (crt, error) || !check_key_strength (crt, error) || !check_signature (crt, error))
      return NULL;
  }

  {
    time_t not_after = gnutls_x509_crt_get_expiration_time (leaf);
    time_t not_before = gnutls_x509_crt_get_activation_time (leaf);
    g_autofree gchar *end = cw_format_date (not_after);

    if (not_after < policy->now && !policy->allow_expired) {
      g_set_error (error, CW_ERROR, CW_ERROR_EXPIRED,
                   _("the certificate expired on %s; import it with allow-expired if you really want it"), end);
      return NULL;
    }
    if (not_after < policy->now)
      g_ptr_array_add (bundle->warnings, g_strdup_printf (_("the certificate expired on %s"), end));
    if (not_before > policy->now) {
      g_autofree gchar *start = cw_format_date (not_before);

      g_ptr_array_add (bundle->warnings, g_strdup_printf (_("the certificate is not valid before %s"), start));
    }
    for (guint i = 1; i < bundle->certs->len; i++) {
      gnutls_x509_crt_t crt = g_ptr_array_index (bundle->certs, i);

      if (gnutls_x509_crt_get_expiration_time (crt) < policy->now) {
        g_autofree gchar *who = cw_x509_crt_describe (crt);

        g_ptr_array_add (bundle->warnings, g_strdup_printf (_("the intermediate “%s” has expired"), who));
      }
    }
  }
  return g_steal_pointer (&bundle);
}

static gchar *
certs_to_pem (GPtrArray *certs, guint from, GError **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = from; i < certs->len; i++) {
    g_autofree gchar *pem = cw_x509_crt_export_pem (g_ptr_array_index (certs, i), error);

    if (pem == NULL)
      return NULL;
    g_string_append (out, pem);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gchar *
cw_bundle_get_cert_pem (CwBundle *bundle, GError **error)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return cw_x509_crt_export_pem (g_ptr_array_index (bundle->certs, 0), error);
}

gchar *
cw_bundle_get_chain_pem (CwBundle *bundle, GError **error)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return certs_to_pem (bundle->certs, 1, error);
}

gchar *
cw_bundle_get_key_pem (CwBundle *bundle, GError **error)
{
  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return cw_x509_privkey_export_pem (bundle->key, NULL, error);
}
