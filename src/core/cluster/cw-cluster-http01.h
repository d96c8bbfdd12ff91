/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-cluster.h"
#include "cw-http01.h"

G_BEGIN_DECLS

/* HTTP-01 tokens shared through the cluster database: the CwHttp01Shared
 * a node's responder is given (user data: the CwCluster). Tokens live an
 * hour at most; an order that died leaves nothing behind for longer. */
const CwHttp01Shared *cw_cluster_http01 (void);

G_END_DECLS
