/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-manager.h"
#include "cw-cluster.h"

G_BEGIN_DECLS

#define CW_TYPE_CLUSTER_RENEWAL (cw_cluster_renewal_get_type ())
G_DECLARE_FINAL_TYPE (CwClusterRenewal, cw_cluster_renewal, CW, CLUSTER_RENEWAL, GObject)

/**
 * CwClusterRenewal:
 *
 * One node at a time renews a shared certificate: the ACME manager's gate
 * (cw-acme-gate.h) takes the lease `renew:NAME` (cw-cluster-lease.h)
 * before a renewal's key and request are made, whoever asked (the
 * scheduler, an administrator's Renew on any node). Another node holding
 * it makes the renewal Busy here (the scheduler counts no failure); a
 * database away makes it Unavailable, so a node cut off never renews on
 * its own. The holder extends its leases every heartbeat while its order
 * runs and gives them back when the order finishes.
 *
 * A lease that expires without being given back means its holder died
 * (or lost the database) mid-order: every heartbeat each node looks for
 * such leases on certificates it has, and the first to take one over
 * renews the certificate itself. It places an order of its own (ACME
 * accounts are per node, so the first holder's order cannot be resumed
 * from here); that order was never finalized, so the renewal still yields
 * one certificate.
 */
CwClusterRenewal *cw_cluster_renewal_new (CwCluster *cluster, CwStore *store, CwAcmeManager *acme);

G_END_DECLS
