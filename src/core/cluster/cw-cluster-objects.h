/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-pg.h"
#include "cw-cluster-seal.h"
#include "cw-cluster-shared.h"

G_BEGIN_DECLS

/* The shared objects other than certificates (DNS providers, ...) in
 * table certward_object: one row per (kind, id), its data sealed with
 * [cluster] key-file like a certificate's key, since it holds secrets.
 * Every change appends an event to the same log as certificates, kind
 * "object-set" or "object-removed", with the object's kind in the
 * certificate column and its id in the name column, so one seq orders
 * everything and the catch-up after a reconnect covers objects too. All
 * blocking, for the database thread. */

#define CW_CLUSTER_OBJECT_SET     "object-set"
#define CW_CLUSTER_OBJECT_REMOVED "object-removed"

/* Whether @event is about an object (its kind: event->certificate, its
 * id: event->name). */
gboolean    cw_cluster_event_is_object (const CwClusterEvent *event);

/* Stores @data as object @id of @kind (added or replaced); returns the
 * event's seq, 0 on error. With @expected, the object must still hold it
 * (or not exist yet), else CW_ERROR_BUSY names the node that changed it. */
gint64      cw_cluster_objects_put (PGconn *conn, CwClusterSeal *seal, const gchar *node, const gchar *kind,
                                    const gchar *id, GBytes *data, GBytes *expected, GError **error);
/* Removes it; CW_ERROR_NOT_FOUND when the database has no such object. */
gint64      cw_cluster_objects_remove (PGconn *conn, const gchar *node, const gchar *kind, const gchar *id,
                                       GError **error);
/* Its data, unsealed; CW_ERROR_NOT_FOUND when there is none. */
GBytes     *cw_cluster_objects_get (PGconn *conn, CwClusterSeal *seal, const gchar *kind, const gchar *id,
                                    GError **error);
/* The ids of every object of @kind (gchar *). */
GPtrArray  *cw_cluster_objects_list (PGconn *conn, const gchar *kind, GError **error);

G_END_DECLS
