/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Private keys at rest in the shared database, sealed with a key every
 * node has ([cluster] key-file): AES-256-GCM through GnuTLS, the key the
 * SHA-256 of the file's contents, a fresh nonce for each seal, the row's
 * identity (certificate id and revision) as associated data so a sealed
 * key cannot be moved to another row. A key id (a hash of the key, never
 * the key) is stored beside it, so a node with another key-file says so
 * instead of failing to decrypt. */
typedef struct _CwClusterSeal CwClusterSeal;

/* @path NULL or "": no sealing (keys stored as they are). The file must
 * hold at least 32 bytes and be readable by the agent alone. */
CwClusterSeal *cw_cluster_seal_new (const gchar *path, GError **error);
void           cw_cluster_seal_free (CwClusterSeal *seal);
/* "" when sealing is off. */
const gchar   *cw_cluster_seal_get_id (CwClusterSeal *seal);
/* Seals @plain for the row @context; plain copy when sealing is off. */
GBytes        *cw_cluster_seal (CwClusterSeal *seal, GBytes *plain, const gchar *context, GError **error);
/* Opens what @key_id sealed; CW_ERROR_PERMISSION_DENIED naming both key
 * ids when this node's key is another one (or none). */
GBytes        *cw_cluster_unseal (CwClusterSeal *seal, GBytes *sealed, const gchar *key_id,
                                  const gchar *context, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwClusterSeal, cw_cluster_seal_free)

G_END_DECLS
