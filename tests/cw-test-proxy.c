/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Proxies for the daemon under test, and the fixture most integration tests share (see cw-test-proxy.h). */
#include "cw-test-proxy.h"
#include "cw-test-daemon.h"

#define BUS_NAME "org.certward.Certward1"

CwDBusManager1 *
cw_test_manager (void)
{
  g_autoptr(GError) error = NULL;
  CwDBusManager1 *manager = cw_dbus_manager1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                             BUS_NAME, "/org/certward/Certward1", NULL, &error);

  g_assert_no_error (error);
  return manager;
}

CwDBusCertificate1 *
cw_test_certificate (const gchar *path)
{
  g_autoptr(GError) error = NULL;
  CwDBusCertificate1 *cert = cw_dbus_certificate1_proxy_new_sync (cw_test_bus (), G_DBUS_PROXY_FLAGS_NONE, BUS_NAME,
                                                                  path, NULL, &error);

  g_assert_no_error (error);
  return cert;
}

void
cw_test_certificate_reload (CwDBusCertificate1 **cert)
{
  g_autofree gchar *path = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (*cert)));

  g_clear_object (cert);
  *cert = cw_test_certificate (path);
}

void
cw_test_daemon_connect (CwTestDaemon *daemon, CwDBusManager1 **manager, CwTestEvents **events)
{
  cw_test_daemon_start (daemon);
  if (events != NULL)
    *events = cw_test_events_new ();
  *manager = cw_test_manager ();
}

void
cw_test_daemon_disconnect (CwDBusManager1 **manager, CwTestEvents **events)
{
  if (events != NULL)
    g_clear_pointer (events, cw_test_events_free);
  if (manager != NULL)
    g_clear_object (manager);
}

void
cw_test_daemon_finish (CwTestDaemon **daemon, CwDBusManager1 **manager, CwTestEvents **events)
{
  cw_test_daemon_disconnect (manager, events);
  if (*daemon == NULL)
    return;
  cw_test_daemon_stop (*daemon);
  g_clear_pointer (daemon, cw_test_daemon_free);
}
