/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-x509.h"

G_BEGIN_DECLS

/**
 * CwMaterial:
 *
 * A pool of certificates and private keys gathered from inputs of any of the
 * formats administrators bring: PEM (any number of blocks, in any order),
 * DER, PKCS#12, PKCS#7 and ZIP bundles of those. Duplicates are dropped.
 * Which certificate is the leaf and how the chain is ordered is decided
 * later (cw-chain.h); this layer only recognises and decodes.
 */
typedef struct _CwMaterial CwMaterial;

CwMaterial *cw_material_new (const gchar *password) G_GNUC_WARN_UNUSED_RESULT;
void        cw_material_free (CwMaterial *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwMaterial, cw_material_free)

/* Adds everything found in @data. @label names the input in errors
 * ("certificate", "bundle.zip: server.key"). On error nothing of @data is
 * kept. Unrecognisable data is an error; recognised but irrelevant blocks
 * (a CSR, EC parameters) are skipped, with a warning where it helps. */
gboolean    cw_material_add (CwMaterial *self, const gchar *label,
                             const guint8 *data, gsize len, GError **error);

/* Certificates, gnutls_x509_crt_t owned by the material, in input order. */
GPtrArray  *cw_material_get_certs (CwMaterial *self);
/* Distinct private keys (gnutls_x509_privkey_t), owned by the material. */
GPtrArray  *cw_material_get_keys (CwMaterial *self);
/* Human-readable notes about skipped input (gchar*). */
GPtrArray  *cw_material_get_warnings (CwMaterial *self);

G_END_DECLS
