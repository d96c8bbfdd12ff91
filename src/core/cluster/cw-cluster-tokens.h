/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-pg.h"

G_BEGIN_DECLS

/* Pending HTTP-01 challenge tokens shared by the nodes: the CA may fetch
 * /.well-known/acme-challenge/<token> from any node behind the name, so
 * the node that orders puts the token here and every node's responder
 * answers from it. Rows expire (an order that died leaves nothing that
 * lives on). */

gboolean cw_cluster_tokens_put (PGconn *conn, const gchar *token, const gchar *key_authorization,
                                const gchar *node, guint seconds, GError **error);
/* The key authorization of a live token; NULL without an error when
 * unknown or expired. */
gchar   *cw_cluster_tokens_lookup (PGconn *conn, const gchar *token, GError **error);
gboolean cw_cluster_tokens_remove (PGconn *conn, const gchar *token, GError **error);

G_END_DECLS
