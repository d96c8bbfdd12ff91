/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-pg.h"

G_BEGIN_DECLS

/* Leases: who may do one thing (renew one certificate) for a while. A row
 * in certward_lease with its holder and an expiry in the database's own
 * clock (so the nodes' clocks do not matter): taken when free or expired,
 * extended by the holder while it works, released when done. The holder
 * records what a successor needs to finish its work (the ACME order URL)
 * in `resume`; a node that takes over an expired lease gets it back.
 * docs/architecture.md explains why rows and not advisory locks. */

typedef struct {
  gchar   *name;
  gchar   *holder;
  gint64   expires;    /* Unix time, the database's clock */
  gboolean live;       /* not yet expired */
  gchar   *resume;
} CwClusterLease;

void     cw_cluster_lease_free (CwClusterLease *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwClusterLease, cw_cluster_lease_free)

/* Takes @name for @holder for @seconds (or extends it when @holder has it).
 * TRUE: held; @resume (may be NULL) receives what the previous holder
 * recorded ("" when nothing). FALSE without an error: another node holds
 * it; @other (may be NULL) names it. */
gboolean   cw_cluster_lease_acquire (PGconn *conn, const gchar *name, const gchar *holder, guint seconds,
                                     gchar **resume, gchar **other, GError **error);
/* Extends a lease @holder holds; FALSE without an error when it has lost
 * it (expired and taken by another). */
gboolean   cw_cluster_lease_extend (PGconn *conn, const gchar *name, const gchar *holder, guint seconds,
                                    GError **error);
/* Records @resume in a lease @holder holds (FALSE when it lost it). */
gboolean   cw_cluster_lease_set_resume (PGconn *conn, const gchar *name, const gchar *holder,
                                        const gchar *resume, GError **error);
/* Gives it up (nothing when @holder no longer holds it). */
gboolean   cw_cluster_lease_release (PGconn *conn, const gchar *name, const gchar *holder, GError **error);
/* Every lease, expired ones included; CwClusterLease. */
GPtrArray *cw_cluster_lease_list (PGconn *conn, GError **error);

G_END_DECLS
