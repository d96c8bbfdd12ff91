/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-pg.h"
#include "cw-cluster-seal.h"

G_BEGIN_DECLS

/* The shared state in the database: certificates with every revision's
 * material, the event log every change appends to, and the nodes. All
 * blocking, for the database thread (cw-cluster.c).
 *
 * The event log is the one way changes travel: a commit writes the
 * revision and appends its event (seq) in one transaction and notifies
 * channel "certward" with the seq; a node reads events after the last one
 * it applied, whether woken by the notification or after a reconnect, so
 * the live path and the catch-up are the same code. Writers take one
 * advisory lock for the transaction, so seqs are gap-free and in commit
 * order: a reader that saw seq N has seen every seq below it. */

#define CW_CLUSTER_CHANNEL "certward"

typedef struct {
  gint64  seq;
  gchar  *certificate;  /* id */
  gchar  *name;
  gchar  *kind;         /* added, renewed, replaced, removed, settings */
  gint64  revision;
  gchar  *node;
  gint64  at;           /* Unix time */
} CwClusterEvent;

void cw_cluster_event_free (CwClusterEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwClusterEvent, cw_cluster_event_free)

typedef struct {
  gchar  *id;
  gchar  *name;
  gint64  revision;
  gchar  *settings;
  gchar  *fingerprint;
  GBytes *fullchain;
  GBytes *key;          /* unsealed */
  gchar  *node;
} CwClusterRevision;

void cw_cluster_revision_free (CwClusterRevision *revision);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwClusterRevision, cw_cluster_revision_free)

typedef struct {
  gchar   *name;
  gint64   seen;        /* Unix time */
  gint64   started;
  gint64   last_event;
  gboolean live;        /* seen within the window asked for */
  guint    leases;      /* live leases it holds */
  gchar   *version;
} CwClusterNode;

void cw_cluster_node_free (CwClusterNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwClusterNode, cw_cluster_node_free)

/* Appends event @kind to the log inside the caller's transaction (its
 * writers serialised) and notifies with its seq, delivered at COMMIT. */
gint64      cw_cluster_shared_append_event (PGconn *conn, const gchar *node, const gchar *id, const gchar *name,
                                            const gchar *kind, gint64 revision, GError **error);

/* Commits revision @rev (its id, name, settings, material, fingerprint)
 * as the newest of its certificate, by @node, with event @kind. With
 * @expected >= 0 the certificate's newest revision must still be
 * @expected (0: it must not exist), else CW_ERROR_BUSY names the node
 * that changed it meanwhile. Sets @rev->revision; returns the event's seq
 * (0 on error). */
gint64      cw_cluster_shared_commit (PGconn *conn, CwClusterSeal *seal, const gchar *node, const gchar *kind,
                                      CwClusterRevision *rev, gint64 expected, GError **error);
/* Settings alone (no new material): event "settings", same revision. */
gint64      cw_cluster_shared_commit_settings (PGconn *conn, const gchar *node, const gchar *id,
                                               const gchar *settings, GError **error);
/* Removes certificate @id with every revision; event "removed". */
gint64      cw_cluster_shared_remove (PGconn *conn, const gchar *node, const gchar *id, GError **error);
/* Revision @revision of @id (0: the newest); NULL with CW_ERROR_NOT_FOUND
 * when gone. The key is unsealed with @seal. */
CwClusterRevision *cw_cluster_shared_fetch (PGconn *conn, CwClusterSeal *seal, const gchar *id, gint64 revision,
                                            GError **error);
/* The newest revision of every certificate, without material: id, name,
 * revision, settings, fingerprint, node. */
GPtrArray  *cw_cluster_shared_list (PGconn *conn, GError **error);
/* Events after @seq, oldest first, at most @limit; CwClusterEvent. */
GPtrArray  *cw_cluster_shared_events_since (PGconn *conn, gint64 seq, guint limit, GError **error);
/* The newest seq (0: none). */
gint64      cw_cluster_shared_last_seq (PGconn *conn, GError **error);

/* This node is alive and has applied events up to @last_event. */
gboolean    cw_cluster_shared_heartbeat (PGconn *conn, const gchar *node, gint64 last_event, const gchar *version,
                                         gboolean starting, GError **error);
/* Every node; live: seen within @window seconds. CwClusterNode. */
GPtrArray  *cw_cluster_shared_nodes (PGconn *conn, guint window, GError **error);

G_END_DECLS
