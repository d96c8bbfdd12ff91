/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"

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

/* The agent as an integration test holds it: the daemon, a Manager1 proxy
 * and the CertificateChanged events. */

/* Starts @daemon, follows its events in *@events (NULL: not wanted) and
 * makes the proxy *@manager. */
void                cw_test_daemon_connect (CwTestDaemon *daemon, CwDBusManager1 **manager, CwTestEvents **events);
/* Lets go of the proxy and the events (either may be NULL); the daemon
 * runs on. */
void                cw_test_daemon_disconnect (CwDBusManager1 **manager, CwTestEvents **events);
/* Disconnects, stops *@daemon (its clean exit asserted) and frees it;
 * nothing of the daemon when *@daemon is NULL. */
void                cw_test_daemon_finish (CwTestDaemon **daemon, CwDBusManager1 **manager, CwTestEvents **events);

G_END_DECLS
