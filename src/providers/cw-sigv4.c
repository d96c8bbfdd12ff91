/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/
 * reference_aws-signing.html), with GnuTLS's HMAC-SHA256 and SHA-256. */
#include "cw-sigv4.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#define SHA256_LEN 32

static gchar *
hex (const guint8 *data, gsize len)
{
  gnutls_datum_t datum = { (unsigned char *) data, len };
  gsize size = len * 2 + 1;
  gchar *out = g_malloc (size);

  if (gnutls_hex_encode (&datum, out, &size) != 0)
    g_clear_pointer (&out, g_free);
  return out;
}

static gchar *
sha256_hex (const void *data, gsize len)
{
  guint8 digest[SHA256_LEN];

  if (gnutls_hash_fast (GNUTLS_DIG_SHA256, len > 0 ? data : "", len, digest) != 0)
    return NULL;
  return hex (digest, sizeof digest);
}

static void
hmac (const guint8 *key, gsize key_len, const gchar *text, guint8 out[SHA256_LEN])
{
  if (gnutls_hmac_fast (GNUTLS_MAC_SHA256, key, key_len, text, strlen (text), out) != 0)
    memset (out, 0, SHA256_LEN);  /* gives a signature AWS rejects, never a crash */
}

/* Each path segment URI-encoded once: the paths this signs (Route 53's)
 * hold only unreserved characters, where single and double encoding agree. */
static gchar *
canonical_path (const gchar *path)
{
  g_auto(GStrv) segments = NULL;
  GString *out = g_string_new (NULL);

  if (path == NULL || *path == '\0')
    path = "/";
  segments = g_strsplit (path, "/", -1);
  for (guint i = 0; segments[i] != NULL; i++) {
    g_autofree gchar *escaped = g_uri_escape_string (segments[i], NULL, FALSE);

    if (i > 0)
      g_string_append_c (out, '/');
    g_string_append (out, escaped);
  }
  return g_string_free (out, FALSE);
}

/* "k=v" by key, then value; an encoded key holds no '=' */
static gint
compare_params (gconstpointer a, gconstpointer b)
{
  const gchar *x = *(const gchar *const *) a;
  const gchar *y = *(const gchar *const *) b;
  gsize x_len = strcspn (x, "=");
  gsize y_len = strcspn (y, "=");
  gint order = strncmp (x, y, MIN (x_len, y_len));

  if (order != 0)
    return order;
  if (x_len != y_len)
    return x_len < y_len ? -1 : 1;
  return strcmp (x + x_len, y + y_len);
}

static gchar *
reencode (const gchar *text, gssize len)
{
  g_autofree gchar *raw = g_strndup (text, len < 0 ? strlen (text) : (gsize) len);
  g_autofree gchar *decoded = g_uri_unescape_string (raw, NULL);

  return g_uri_escape_string (decoded != NULL ? decoded : raw, NULL, FALSE);
}

/* Parameters decoded, re-encoded per RFC 3986 and sorted by key, then value. */
static gchar *
canonical_query (const gchar *query)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = NULL;

  if (query == NULL || *query == '\0')
    return g_strdup ("");
  parts = g_strsplit (query, "&", -1);
  for (guint i = 0; parts[i] != NULL; i++) {
    const gchar *eq = strchr (parts[i], '=');
    g_autofree gchar *key = reencode (parts[i], eq != NULL ? eq - parts[i] : -1);
    g_autofree gchar *value = reencode (eq != NULL ? eq + 1 : "", -1);

    if (*parts[i] != '\0')
      g_ptr_array_add (params, g_strconcat (key, "=", value, NULL));
  }
  g_ptr_array_sort (params, compare_params);
  g_ptr_array_add (params, NULL);
  return g_strjoinv ("&", (gchar **) params->pdata);
}

/* Trimmed, with runs of spaces collapsed to one, as the suite's
 * get-header-value-trim shows. */
static gchar *
canonical_value (const gchar *value)
{
  g_auto(GStrv) words = g_strsplit_set (value, " \t\r\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", words[i]);
  return g_string_free (out, FALSE);
}

static gint
compare_names (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (a, b);
}

static void
add_header (GTree *headers, const gchar *name, const gchar *value)
{
  gchar *key = g_ascii_strdown (name, -1);
  g_autofree gchar *canonical = canonical_value (value);
  const gchar *old = g_tree_lookup (headers, key);

  /* a repeated header is signed as its values joined by commas */
  g_tree_insert (headers, key, old != NULL ? g_strconcat (old, ",", canonical, NULL) : g_strdup (canonical));
}

static gboolean
append_header (gpointer key, gpointer value, gpointer user_data)
{
  GString **out = user_data;

  g_string_append_printf (out[0], "%s:%s\n", (const gchar *) key, (const gchar *) value);
  g_string_append_printf (out[1], "%s%s", out[1]->len > 0 ? ";" : "", (const gchar *) key);
  return FALSE;
}

CwSigV4 *
cw_sigv4_sign (const CwSigV4Request *req)
{
  g_autoptr(GTree) headers = g_tree_new_full (compare_names, NULL, g_free, g_free);
  g_autoptr(GString) canonical_headers = g_string_new (NULL);
  g_autoptr(GString) signed_headers = g_string_new (NULL);
  GString *lists[2] = { canonical_headers, signed_headers };
  g_autofree gchar *path = canonical_path (req->path);
  g_autofree gchar *query = canonical_query (req->query);
  g_autofree gchar *date = g_strndup (req->amz_date, 8);
  g_autofree gchar *scope = g_strdup_printf ("%s/%s/%s/aws4_request", date, req->region, req->service);
  g_autofree gchar *request_hash = NULL;
  g_autofree gchar *secret = g_strconcat ("AWS4", req->secret_access_key, NULL);
  g_autofree gchar *signature = NULL;
  guint8 key[SHA256_LEN];
  guint8 mac[SHA256_LEN];
  CwSigV4 *sig = g_new0 (CwSigV4, 1);

  sig->content_sha256 = sha256_hex (req->payload, req->payload_len);
  add_header (headers, "host", req->host);
  add_header (headers, "x-amz-date", req->amz_date);
  if (req->session_token != NULL)
    add_header (headers, "x-amz-security-token", req->session_token);
  if (req->sign_content_sha256)
    add_header (headers, "x-amz-content-sha256", sig->content_sha256);
  for (guint i = 0; req->headers != NULL && req->headers[i] != NULL && req->headers[i + 1] != NULL; i += 2)
    add_header (headers, req->headers[i], req->headers[i + 1]);
  g_tree_foreach (headers, append_header, lists);

  sig->canonical_request = g_strdup_printf ("%s\n%s\n%s\n%s\n%s\n%s", req->method, path, query,
                                            canonical_headers->str, signed_headers->str, sig->content_sha256);
  request_hash = sha256_hex (sig->canonical_request, strlen (sig->canonical_request));
  sig->string_to_sign = g_strdup_printf ("AWS4-HMAC-SHA256\n%s\n%s\n%s", req->amz_date, scope, request_hash);

  hmac ((const guint8 *) secret, strlen (secret), date, key);
  hmac (key, sizeof key, req->region, mac);
  hmac (mac, sizeof mac, req->service, key);
  hmac (key, sizeof key, "aws4_request", mac);
  hmac (mac, sizeof mac, sig->string_to_sign, key);
  signature = hex (key, sizeof key);
  memset (key, 0, sizeof key);
  memset (mac, 0, sizeof mac);
  memset (secret, 0, strlen (secret));

  sig->authorization = g_strdup_printf ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                                        req->access_key_id, scope, signed_headers->str, signature);
  return sig;
}

void
cw_sigv4_free (CwSigV4 *sig)
{
  if (sig == NULL)
    return;
  g_free (sig->authorization);
  g_free (sig->content_sha256);
  g_free (sig->canonical_request);
  g_free (sig->string_to_sign);
  g_free (sig);
}

gchar *
cw_sigv4_format_date (GDateTime *time)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (time);

  return g_date_time_format (utc, "%Y%m%dT%H%M%SZ");
}
