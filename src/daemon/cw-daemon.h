/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-acme-manager.h"
#include "cw-cluster.h"
#include "cw-deliverer.h"
#include "cw-scep-manager.h"
#include "cw-scheduler.h"
#include "cw-store.h"
#include "cw-trust-store.h"

G_BEGIN_DECLS

#define CW_TYPE_DAEMON (cw_daemon_get_type ())
G_DECLARE_FINAL_TYPE (CwDaemon, cw_daemon, CW, DAEMON, GObject)

/**
 * CwDaemon:
 *
 * Puts a CwStore on the bus: Manager1 and the ObjectManager at
 * /org/certward/Certward1, one Certificate1 object per certificate, the
 * TrustStore1 object, one Account1 object per ACME account, and
 * CertificateChanged for every store event. Owns the bus name only after
 * every object is exported, so a client activated by the name finds them.
 *
 * Signals:
 *   ::name-lost (): the bus name could not be owned or was taken away.
 *   ::ready (): the bus name is owned (once).
 */
CwDaemon *cw_daemon_new (CwStore *store, CwTrustStore *trust, CwAcmeManager *acme, CwScheduler *scheduler,
                         CwDeliverer *deliverer) G_GNUC_WARN_UNUSED_RESULT;
/* SCEP certificates are requested and renewed through @scep; before start. */
void      cw_daemon_set_scep (CwDaemon *self, CwScepManager *scep);
/* A node of a cluster: Manager1's cluster members, read-only while its
 * database is away; before start. */
void      cw_daemon_set_cluster (CwDaemon *self, CwCluster *cluster);
gboolean  cw_daemon_start (CwDaemon *self, GBusType bus_type, GError **error);
/* Gives up the bus name so that no new work arrives (shutdown). */
void      cw_daemon_release_name (CwDaemon *self);

G_END_DECLS
