/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-dbus-generated.h"
#include "cw-trust-store.h"

G_BEGIN_DECLS

#define CW_TYPE_TRUST_STORE_SERVICE (cw_trust_store_service_get_type ())
G_DECLARE_FINAL_TYPE (CwTrustStoreService, cw_trust_store_service, CW, TRUST_STORE_SERVICE,
                      CwDBusTrustStore1Skeleton)

/* org.certward.TrustStore1 at /org/certward/Certward1/TrustStore. */
CwTrustStoreService *cw_trust_store_service_new (CwTrustStore *trust) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
