/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwDaemon: the bus name, the exported objects, and store events turned into signals. */

#include "config.h"

#include "cw-daemon.h"
#include "cw-account-service.h"
#include "cw-certificate-service.h"
#include "cw-certificate-tree.h"
#include "cw-cluster-service.h"
#include "cw-find-filter.h"
#include "cw-memory.h"
#include "cw-manager-service.h"
#include "cw-object-manager.h"
#include "cw-provider-service.h"
#include "cw-reloader.h"
#include "cw-testing-service.h"
#include "cw-trust-store-service.h"
#include "cw-clock.h"
#include "cw-error.h"

#include <glib/gi18n.h>

struct _CwDaemon {
  GObject                   parent_instance;

  CwStore                  *store;
  CwTrustStore             *trust;
  CwAcmeManager            *acme;
  CwScheduler              *scheduler;
  CwScepManager            *scep;
  CwCluster                *cluster;     /* or NULL: alone */
  CwReloader               *reloader;
  CwDeliverer              *deliverer;
  GDBusConnection          *connection;
  CwObjectManager          *objects;
  CwCertificateTree        *certificates;
  CwManagerService         *manager;
  guint                     owner_id;
  guint                     find_filter;
  guint                     trim_filter;
  gboolean                  ready;
};

enum { SIGNAL_NAME_LOST, SIGNAL_READY, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwDaemon, cw_daemon, G_TYPE_OBJECT)

static void
export_account (CwDaemon *self, CwAcmeAccount *account)
{
  g_autofree gchar *path = cw_account_object_path (cw_acme_account_get_id (account));
  g_autoptr(CwDBusObjectSkeleton) object = cw_dbus_object_skeleton_new (path);
  g_autoptr(CwAccountService) service = cw_account_service_new (self->acme, account);
  g_autoptr(GError) error = NULL;

  cw_dbus_object_skeleton_set_account1 (object, CW_DBUS_ACCOUNT1 (service));
  if (!cw_object_manager_export (self->objects, G_DBUS_OBJECT_SKELETON (object), &error))
    g_warning ("cannot export account %s: %s", path, error->message);
}

static void
on_account_added (CwAcmeManager *acme, CwAcmeAccount *account, CwDaemon *self)
{
  export_account (self, account);
}

static void
export_provider (CwDaemon *self, CwProvider *provider)
{
  g_autofree gchar *path = cw_provider_object_path (cw_provider_get_id (provider));
  g_autoptr(CwDBusObjectSkeleton) object = cw_dbus_object_skeleton_new (path);
  g_autoptr(CwProviderService) service = cw_provider_service_new (cw_acme_manager_get_providers (self->acme),
                                                                   provider);
  g_autoptr(GError) error = NULL;

  cw_dbus_object_skeleton_set_provider1 (object, CW_DBUS_PROVIDER1 (service));
  if (!cw_object_manager_export (self->objects, G_DBUS_OBJECT_SKELETON (object), &error))
    g_warning ("cannot export DNS provider %s: %s", path, error->message);
}

static void
on_provider_added (CwProviderManager *providers, CwProvider *provider, CwDaemon *self)
{
  export_provider (self, provider);
}

static void
on_provider_removed (CwProviderManager *providers, CwProvider *provider, CwDaemon *self)
{
  g_autofree gchar *path = cw_provider_object_path (cw_provider_get_id (provider));

  cw_object_manager_unexport (self->objects, path);
}

static void
announce (CwDaemon *self, CwCertificate *cert, CwEvent event, const gchar * const *delivery)
{
  g_autofree gchar *path = cw_certificate_object_path (cw_certificate_get_id (cert));
  GVariant *details = cw_certificate_event_details (cert, event, delivery);

  /* the certificate's PropertiesChanged went out when the model changed,
   * before this: a subscriber reading the object now sees the new revision */
  cw_dbus_manager1_emit_certificate_changed (CW_DBUS_MANAGER1 (self->manager), path, cw_event_to_string (event),
                                             details);
}

static void
on_store_event (CwStore *store, CwCertificate *cert, guint event, CwDaemon *self)
{
  /* a new revision is announced once it is delivered (on_delivered) */
  if (event != CW_EVENT_ADDED && event != CW_EVENT_RENEWED && event != CW_EVENT_REPLACED)
    announce (self, cert, event, NULL);
}

static void
on_delivered (CwReloader *reloader, CwCertificate *cert, guint event, GStrv lines, CwDaemon *self)
{
  announce (self, cert, event, (const gchar * const *) lines);
}

static void
on_name_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  CwDaemon *self = CW_DAEMON (user_data);

  g_message ("ready: %s is on the bus", name);
  if (!self->ready) {
    self->ready = TRUE;
    /* target files someone removed or changed while the agent was away */
    cw_reloader_repair (self->reloader);
    g_signal_emit (self, signals[SIGNAL_READY], 0);
  }
}

static void
on_name_lost (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  CwDaemon *self = CW_DAEMON (user_data);

  if (connection == NULL)
    g_warning ("lost the connection to the bus");
  else
    g_warning ("cannot own %s: another certwardd runs, or the bus policy does not allow this user", name);
  g_signal_emit (self, signals[SIGNAL_NAME_LOST], 0);
}

gboolean
cw_daemon_start (CwDaemon *self, GBusType bus_type, GError **error)
{
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) providers = NULL;
  CwProviderManager *provider_manager;

  g_return_val_if_fail (CW_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  provider_manager = cw_acme_manager_get_providers (self->acme);

  self->connection = g_bus_get_sync (bus_type, NULL, error);
  if (self->connection == NULL)
    return FALSE;
  g_dbus_connection_set_exit_on_close (self->connection, FALSE);
  self->find_filter = cw_find_filter_add (self->connection, self->store);
  self->trim_filter = cw_memory_trim_filter_add (self->connection);

  self->manager = cw_manager_service_new (self->store, self->acme, self->scheduler, self->deliverer);
  if (self->scep != NULL)
    cw_manager_service_set_scep (self->manager, self->scep);
  cw_cluster_service_attach (CW_DBUS_MANAGER1 (self->manager), self->cluster);
  /* units are reloaded over the agent's own bus: the system bus, or the
   * tests' bus with --session */
  self->reloader = cw_reloader_new (self->store, self->scheduler, self->acme, self->deliverer, self->connection);
  g_signal_connect (self->reloader, "delivered", G_CALLBACK (on_delivered), self);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->manager), self->connection,
                                         CW_OBJECT_PATH, error))
    return FALSE;

  self->objects = cw_object_manager_new (self->connection, CW_OBJECT_PATH, error);
  if (self->objects == NULL)
    return FALSE;
  self->certificates = cw_certificate_tree_new (self->connection, self->store, self->acme, self->deliverer,
                                                 self->objects, error);
  if (self->certificates == NULL)
    return FALSE;
  if (self->scep != NULL)
    cw_certificate_tree_set_scep (self->certificates, self->scep);
  accounts = cw_acme_accounts_get_all (cw_acme_manager_get_accounts (self->acme));
  for (guint i = 0; i < accounts->len; i++)
    export_account (self, g_ptr_array_index (accounts, i));
  providers = cw_provider_manager_get_providers (provider_manager);
  for (guint i = 0; i < providers->len; i++)
    export_provider (self, g_ptr_array_index (providers, i));
  g_signal_connect (provider_manager, "provider-added", G_CALLBACK (on_provider_added), self);
  g_signal_connect (provider_manager, "provider-removed", G_CALLBACK (on_provider_removed), self);
  {
    g_autoptr(CwDBusObjectSkeleton) object = cw_dbus_object_skeleton_new (CW_OBJECT_PATH "/TrustStore");
    g_autoptr(CwTrustStoreService) service = cw_trust_store_service_new (self->trust);

    cw_dbus_object_skeleton_set_trust_store1 (object, CW_DBUS_TRUST_STORE1 (service));
    if (!cw_object_manager_export (self->objects, G_DBUS_OBJECT_SKELETON (object), error))
      return FALSE;
  }
  g_signal_connect (self->store, "event", G_CALLBACK (on_store_event), self);
  g_signal_connect (cw_acme_manager_get_accounts (self->acme), "account-added", G_CALLBACK (on_account_added), self);
  if (cw_clock_is_fake () && cw_testing_service_export (self->connection, error) == 0)
    return FALSE;

  self->owner_id = g_bus_own_name_on_connection (self->connection, CW_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                                 on_name_acquired, on_name_lost, self, NULL);
  return TRUE;
}

void
cw_daemon_release_name (CwDaemon *self)
{
  g_return_if_fail (CW_IS_DAEMON (self));

  if (self->owner_id != 0) {
    g_bus_unown_name (self->owner_id);
    self->owner_id = 0;
  }
}

static void
cw_daemon_dispose (GObject *object)
{
  CwDaemon *self = CW_DAEMON (object);

  cw_daemon_release_name (self);
  if (self->find_filter != 0) {
    g_dbus_connection_remove_filter (self->connection, self->find_filter);
    g_dbus_connection_remove_filter (self->connection, self->trim_filter);
    self->find_filter = 0;
  }
  if (self->manager != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->manager));
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->acme != NULL) {
    g_signal_handlers_disconnect_by_data (self->acme, self);
    g_signal_handlers_disconnect_by_data (cw_acme_manager_get_accounts (self->acme), self);
    g_signal_handlers_disconnect_by_data (cw_acme_manager_get_providers (self->acme), self);
  }
  g_clear_object (&self->manager);
  g_clear_object (&self->reloader);
  g_clear_object (&self->deliverer);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->certificates);
  g_clear_object (&self->objects);
  g_clear_object (&self->connection);
  g_clear_object (&self->store);
  g_clear_object (&self->trust);
  g_clear_object (&self->acme);
  g_clear_object (&self->scep);
  g_clear_object (&self->cluster);
  G_OBJECT_CLASS (cw_daemon_parent_class)->dispose (object);
}

static void
cw_daemon_class_init (CwDaemonClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_daemon_dispose;

  signals[SIGNAL_NAME_LOST] = g_signal_new ("name-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_READY] = g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cw_daemon_init (CwDaemon *self)
{
  /* registers the org.certward.Error.* names (cw-error.c) */
  cw_error_quark ();
}

void
cw_daemon_set_scep (CwDaemon *self, CwScepManager *scep)
{
  g_return_if_fail (CW_IS_DAEMON (self));
  g_return_if_fail (CW_IS_SCEP_MANAGER (scep));

  g_set_object (&self->scep, scep);
}

void
cw_daemon_set_cluster (CwDaemon *self, CwCluster *cluster)
{
  g_set_object (&self->cluster, cluster);
}

CwDaemon *
cw_daemon_new (CwStore *store, CwTrustStore *trust, CwAcmeManager *acme, CwScheduler *scheduler,
               CwDeliverer *deliverer)
{
  CwDaemon *self;

  g_return_val_if_fail (CW_IS_STORE (store), NULL);
  g_return_val_if_fail (CW_IS_TRUST_STORE (trust), NULL);
  g_return_val_if_fail (CW_IS_ACME_MANAGER (acme), NULL);
  g_return_val_if_fail (CW_IS_SCHEDULER (scheduler), NULL);
  g_return_val_if_fail (CW_IS_DELIVERER (deliverer), NULL);

  self = g_object_new (CW_TYPE_DAEMON, NULL);

  self->deliverer = g_object_ref (deliverer);
  self->scheduler = g_object_ref (scheduler);
  self->acme = g_object_ref (acme);
  self->store = g_object_ref (store);
  self->trust = g_object_ref (trust);
  return self;
}
