/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libtasn1 with the definitions of cw-scep.asn (compiled in by asn1Parser):
 * the one place that turns SCEP's CMS structures into DER and back. */
#include "config.h"

#include "cw-scep-asn1.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

extern const asn1_static_node cw_scep_asn1_tab[];

static asn1_node
definitions (void)
{
  static gsize done = 0;
  static asn1_node defs = NULL;

  if (g_once_init_enter (&done)) {
    char message[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
    int ret = asn1_array2tree (cw_scep_asn1_tab, &defs, message);

    /* the table is compiled from our own module: it cannot fail at run time */
    if (ret != ASN1_SUCCESS)
      g_error ("cw-scep.asn: %s: %s", asn1_strerror (ret), message);
    g_once_init_leave (&done, 1);
  }
  return defs;
}

static void
set_error (GError **error, const gchar *what, int ret, const gchar *detail)
{
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: %s%s%s"), what, asn1_strerror (ret),
               detail != NULL && *detail != '\0' ? ": " : "", detail != NULL ? detail : "");
}

asn1_node
cw_scep_asn1_new (const gchar *type, GError **error)
{
  g_autofree gchar *name = g_strconcat ("CertwardSCEP.", type, NULL);
  asn1_node node = NULL;
  int ret = asn1_create_element (definitions (), name, &node);

  if (ret != ASN1_SUCCESS) {
    set_error (error, type, ret, NULL);
    return NULL;
  }
  return node;
}

asn1_node
cw_scep_asn1_decode (const gchar *type, const guint8 *der, gsize len, const gchar *what, GError **error)
{
  char message[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
  asn1_node node = cw_scep_asn1_new (type, error);
  int ret;

  if (node == NULL)
    return NULL;
  if (len > G_MAXINT) {
    set_error (error, what, ASN1_DER_OVERFLOW, NULL);
    asn1_delete_structure (&node);
    return NULL;
  }
  /* strict: one structure and nothing after it */
  ret = asn1_der_decoding2 (&node, der, (int[]) { (int) len }, ASN1_DECODE_FLAG_STRICT_DER, message);
  if (ret != ASN1_SUCCESS) {
    /* BER (indefinite lengths, constructed strings) is what some CAs send */
    asn1_delete_structure (&node);
    node = cw_scep_asn1_new (type, error);
    if (node == NULL)
      return NULL;
    ret = asn1_der_decoding2 (&node, der, (int[]) { (int) len }, 0, message);
  }
  if (ret != ASN1_SUCCESS) {
    set_error (error, what, ret, message);
    asn1_delete_structure (&node);
    return NULL;
  }
  return node;
}

GBytes *
cw_scep_asn1_encode (asn1_node node, const gchar *what, GError **error)
{
  char message[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
  int len = 0;
  guint8 *buffer;
  int ret = asn1_der_coding (node, "", NULL, &len, message);

  if (ret != ASN1_MEM_ERROR) {
    set_error (error, what, ret, message);
    return NULL;
  }
  buffer = g_malloc (len);
  ret = asn1_der_coding (node, "", buffer, &len, message);
  if (ret != ASN1_SUCCESS) {
    g_free (buffer);
    set_error (error, what, ret, message);
    return NULL;
  }
  return g_bytes_new_take (buffer, len);
}

gboolean
cw_scep_asn1_write (asn1_node node, const gchar *field, const void *value, gsize len, GError **error)
{
  int ret = asn1_write_value (node, field, value, (int) len);

  if (ret != ASN1_SUCCESS) {
    set_error (error, field, ret, NULL);
    return FALSE;
  }
  return TRUE;
}

GBytes *
cw_scep_asn1_read (asn1_node node, const gchar *field, GError **error)
{
  int len = 0;
  guint8 *buffer;
  int ret = asn1_read_value (node, field, NULL, &len);

  if (ret == ASN1_SUCCESS && len == 0)
    return g_bytes_new (NULL, 0);
  if (ret != ASN1_MEM_ERROR) {
    set_error (error, field, ret, NULL);
    return NULL;
  }
  buffer = g_malloc (len);
  ret = asn1_read_value (node, field, buffer, &len);
  if (ret != ASN1_SUCCESS) {
    g_free (buffer);
    set_error (error, field, ret, NULL);
    return NULL;
  }
  return g_bytes_new_take (buffer, len);
}

gchar *
cw_scep_asn1_read_oid (asn1_node node, const gchar *field, GError **error)
{
  /* ASN1_MAX_NAME_SIZE is too short for an OID; 128 digits is plenty */
  gchar buffer[128];
  int len = sizeof buffer;
  int ret = asn1_read_value (node, field, buffer, &len);

  if (ret != ASN1_SUCCESS) {
    set_error (error, field, ret, NULL);
    return NULL;
  }
  return g_strndup (buffer, len);
}

GBytes *
cw_scep_asn1_read_der (asn1_node node, const gchar *field, GError **error)
{
  int len = 0;
  guint8 *buffer;
  int ret = asn1_der_coding (node, field, NULL, &len, NULL);

  if (ret != ASN1_MEM_ERROR) {
    set_error (error, field, ret, NULL);
    return NULL;
  }
  buffer = g_malloc (len);
  ret = asn1_der_coding (node, field, buffer, &len, NULL);
  if (ret != ASN1_SUCCESS) {
    g_free (buffer);
    set_error (error, field, ret, NULL);
    return NULL;
  }
  return g_bytes_new_take (buffer, len);
}

static GBytes *
encode_value (const gchar *type, const void *value, gsize len, GError **error)
{
  g_autoptr(CwAsn1Node) node = cw_scep_asn1_new (type, error);

  if (node == NULL || !cw_scep_asn1_write (node, "", value, len, error))
    return NULL;
  return cw_scep_asn1_encode (node, type, error);
}

GBytes *
cw_scep_asn1_printable (const gchar *text, GError **error)
{
  return encode_value ("ScepPrintable", text, strlen (text), error);
}

GBytes *
cw_scep_asn1_octets (const guint8 *data, gsize len, GError **error)
{
  return encode_value ("ScepOctets", data, len, error);
}

static GBytes *
decode_value (const gchar *type, const guint8 *der, gsize len, GError **error)
{
  g_autoptr(CwAsn1Node) node = cw_scep_asn1_decode (type, der, len, type, error);

  return node != NULL ? cw_scep_asn1_read (node, "", error) : NULL;
}

/* Text fit for a message: valid UTF-8 without control characters. */
static gchar *
to_text (GBytes *bytes, const gchar *what, GError **error)
{
  gsize len = 0;
  const gchar *data = g_bytes_get_data (bytes, &len);

  if (!g_utf8_validate_len (data, len, NULL) || memchr (data, '\0', len) != NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: not text"), what);
    return NULL;
  }
  for (gsize i = 0; i < len; i++)
    if ((guchar) data[i] < 0x20 || data[i] == 0x7f) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s: not text"), what);
      return NULL;
    }
  return g_strndup (data, len);
}

gchar *
cw_scep_asn1_printable_value (const guint8 *der, gsize len, GError **error)
{
  g_autoptr(GBytes) bytes = decode_value ("ScepPrintable", der, len, error);

  return bytes != NULL ? to_text (bytes, "PrintableString", error) : NULL;
}

GBytes *
cw_scep_asn1_octets_value (const guint8 *der, gsize len, GError **error)
{
  return decode_value ("ScepOctets", der, len, error);
}

gchar *
cw_scep_asn1_text_value (const guint8 *der, gsize len, GError **error)
{
  g_autoptr(GBytes) bytes = decode_value ("ScepText", der, len, error);

  return bytes != NULL ? to_text (bytes, "UTF8String", error) : NULL;
}
