/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-pg.h"

G_BEGIN_DECLS

/* The shared database's tables, created and migrated by the agent: the
 * table certward_schema holds the version, and every migration after it
 * runs in one transaction under an advisory lock, so nodes starting
 * together migrate once. A database newer than this agent knows is
 * refused (CW_ERROR_NOT_SUPPORTED): an old node must not write into a
 * layout it does not understand. docs/architecture.md lists the tables. */

#define CW_CLUSTER_SCHEMA_VERSION 1

/* Brings the database to CW_CLUSTER_SCHEMA_VERSION; @from (may be NULL)
 * receives the version found (0: empty database). */
gboolean cw_cluster_schema_migrate (PGconn *conn, gint *from, GError **error);

/* The advisory lock keys of the cluster (pg_advisory_xact_lock): one for
 * migrations, one that orders the event log's writers. */
#define CW_CLUSTER_LOCK_SCHEMA "7260310001"
#define CW_CLUSTER_LOCK_EVENTS "7260310002"

G_END_DECLS
