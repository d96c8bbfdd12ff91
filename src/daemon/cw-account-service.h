/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-manager.h"
#include "cw-dbus-generated.h"

G_BEGIN_DECLS

#define CW_TYPE_ACCOUNT_SERVICE (cw_account_service_get_type ())
G_DECLARE_FINAL_TYPE (CwAccountService, cw_account_service, CW, ACCOUNT_SERVICE, CwDBusAccount1Skeleton)

/**
 * CwAccountService:
 *
 * org.certward.Account1 for one ACME account: its public facts as
 * properties (never the key), and the account updates as methods.
 */
CwAccountService *cw_account_service_new (CwAcmeManager *manager, CwAcmeAccount *account) G_GNUC_WARN_UNUSED_RESULT;

/* D-Bus object path for an account id, and back (NULL when @path is not an
 * account's). */
gchar         *cw_account_object_path (const gchar *id) G_GNUC_WARN_UNUSED_RESULT;
CwAcmeAccount *cw_account_from_path (CwAcmeManager *manager, const gchar *path);

G_END_DECLS
