/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-manager.h"
#include "cw-scep-manager.h"
#include "cw-dbus-generated.h"
#include "cw-scheduler.h"
#include "cw-deliverer.h"
#include "cw-store.h"

G_BEGIN_DECLS

#define CW_TYPE_MANAGER_SERVICE (cw_manager_service_get_type ())
G_DECLARE_FINAL_TYPE (CwManagerService, cw_manager_service, CW, MANAGER_SERVICE, CwDBusManager1Skeleton)

/**
 * CwManagerService:
 *
 * org.certward.Manager1 at /org/certward/Certward1: imports into the store,
 * makes certificates locally and through ACME, and lists what it holds. CertificateChanged is emitted by CwDaemon, which
 * sees every store event.
 */
CwManagerService *cw_manager_service_new (CwStore *store, CwAcmeManager *acme, CwScheduler *scheduler,
                                          CwDeliverer *deliverer) G_GNUC_WARN_UNUSED_RESULT;
/* Request with protocol "scep" goes to @scep (refused without one). */
void              cw_manager_service_set_scep (CwManagerService *self, CwScepManager *scep);

G_END_DECLS
