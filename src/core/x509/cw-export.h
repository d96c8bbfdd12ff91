/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-x509.h"

G_BEGIN_DECLS

typedef enum {
  CW_EXPORT_PEM,     /* leaf and intermediates; the key appended when asked */
  CW_EXPORT_DER,     /* the leaf only */
  CW_EXPORT_PKCS12,  /* leaf, intermediates and, when asked, the key */
} CwExportFormat;

typedef struct {
  CwExportFormat format;
  gboolean       include_key;
  gchar         *password;   /* encrypts the key; required for PKCS#12 with a key */
  gboolean       legacy;     /* PKCS#12 with 3DES and a SHA-1 MAC, for old devices */
  gboolean       file_protected; /* the file's mode guards the key (a delivery
                                  * target): PKCS#12 may have an empty password */
} CwExportOptions;

gboolean cw_export_format_from_string (const gchar *text, CwExportFormat *format, GError **error);
/* Checks the combination before any file is read. */
gboolean cw_export_options_validate (const CwExportOptions *options, GError **error);

/* @certs: leaf first (gnutls_x509_crt_t); @key may be NULL unless
 * include_key; @friendly_name labels PKCS#12 entries. */
GBytes  *cw_export (GPtrArray *certs, gnutls_x509_privkey_t key, const gchar *friendly_name,
                    const CwExportOptions *options, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
