/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libtasn1.h>

G_BEGIN_DECLS

/* The structures of cw-scep.asn through libtasn1: created, encoded to and
 * decoded from DER, read field by field. Errors are CW_ERROR_INVALID_DATA
 * naming @what and libtasn1's reason. */

/* A new empty structure of @type ("EnvelopedData", "ScepPrintable" …). */
asn1_node cw_scep_asn1_new (const gchar *type, GError **error);
/* Decodes @der (exactly: no trailing bytes) into a new @type. */
asn1_node cw_scep_asn1_decode (const gchar *type, const guint8 *der, gsize len, const gchar *what,
                               GError **error);
GBytes   *cw_scep_asn1_encode (asn1_node node, const gchar *what, GError **error);

/* Writes a field; @len as asn1_write_value takes it (0 for a NUL-ended
 * string such as an OID or "NEW"). */
gboolean  cw_scep_asn1_write (asn1_node node, const gchar *field, const void *value, gsize len,
                              GError **error);
/* The content of a field (for ANY: its DER), or NULL. */
GBytes   *cw_scep_asn1_read (asn1_node node, const gchar *field, GError **error);
/* An OBJECT IDENTIFIER field as dotted text, or NULL. */
gchar    *cw_scep_asn1_read_oid (asn1_node node, const gchar *field, GError **error);
/* The DER of a field as it appears in the encoding (a whole TLV). */
GBytes   *cw_scep_asn1_read_der (asn1_node node, const gchar *field, GError **error);

/* The values of the SCEP signed attributes, as DER. */
GBytes   *cw_scep_asn1_printable (const gchar *text, GError **error);
GBytes   *cw_scep_asn1_octets (const guint8 *data, gsize len, GError **error);
/* Their contents from DER: NULL (and @error) when @der is not one. */
gchar    *cw_scep_asn1_printable_value (const guint8 *der, gsize len, GError **error);
GBytes   *cw_scep_asn1_octets_value (const guint8 *der, gsize len, GError **error);
gchar    *cw_scep_asn1_text_value (const guint8 *der, gsize len, GError **error);

static inline void
cw_scep_asn1_node_free (asn1_node node)
{
  asn1_delete_structure (&node);
}
typedef struct asn1_node_st CwAsn1Node;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwAsn1Node, cw_scep_asn1_node_free)

G_END_DECLS
