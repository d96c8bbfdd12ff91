/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-dbus-generated.h"

G_BEGIN_DECLS

/* Proxies for the daemon under test on the test bus (cw_test_bus); every
 * failure is a test failure. */

/* Manager1, without auto-starting the daemon. */
CwDBusManager1     *cw_test_manager (void);
/* Certificate1 at @path. */
CwDBusCertificate1 *cw_test_certificate (const gchar *path);
/* Replaces *@cert by a fresh proxy for the same path: its properties read
 * anew, not from a cache that follows signals. */
void                cw_test_certificate_reload (CwDBusCertificate1 **cert);

G_END_DECLS
