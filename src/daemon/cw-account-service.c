/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.certward.Account1: one skeleton per ACME account. */

#include "config.h"

#include "cw-account-service.h"
#include "cw-invocation.h"
#include "cw-guard.h"

#include <string.h>

struct _CwAccountService {
  CwDBusAccount1Skeleton parent_instance;

  CwAcmeManager *manager;
  CwAcmeAccount *account;
  gulong         changed_id;
};

static void account_iface_init (CwDBusAccount1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CwAccountService, cw_account_service, CW_DBUS_TYPE_ACCOUNT1_SKELETON,
                               G_IMPLEMENT_INTERFACE (CW_DBUS_TYPE_ACCOUNT1, account_iface_init))

gchar *
cw_account_object_path (const gchar *id)
{
  return g_strconcat (CW_OBJECT_PATH "/account/", id, NULL);
}

CwAcmeAccount *
cw_account_from_path (CwAcmeManager *manager, const gchar *path)
{
  static const gchar prefix[] = CW_OBJECT_PATH "/account/";

  g_return_val_if_fail (CW_IS_ACME_MANAGER (manager), NULL);

  if (path == NULL || !g_str_has_prefix (path, prefix))
    return NULL;
  return cw_acme_accounts_lookup (cw_acme_manager_get_accounts (manager), path + strlen (prefix));
}

static void
sync_properties (CwAccountService *self)
{
  CwDBusAccount1 *iface = CW_DBUS_ACCOUNT1 (self);
  CwAcmeAccount *account = self->account;
  const gchar *url = cw_acme_account_get_url (account);

  cw_dbus_account1_set_directory (iface, cw_acme_account_get_directory (account));
  cw_dbus_account1_set_url (iface, url != NULL ? url : "");
  cw_dbus_account1_set_contact (iface, cw_acme_account_get_contact (account));
  cw_dbus_account1_set_status (iface, cw_acme_account_get_status (account));
  cw_dbus_account1_set_key_type (iface, cw_acme_account_get_key_type (account));
  cw_dbus_account1_set_thumbprint (iface, cw_acme_account_get_thumbprint (account));
  cw_dbus_account1_set_terms_of_service (iface, cw_acme_account_get_terms_of_service (account));
  /* before the reply of the call that made the change (see the certificate's) */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
}

static void
op_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GError *error = NULL;

  if (!cw_acme_accounts_op_finish (CW_ACME_ACCOUNTS (source), result, &error))
    cw_invocation_take_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_update_contact (CwDBusAccount1 *iface, GDBusMethodInvocation *invocation, const gchar * const *contact)
{
  CwAccountService *self = CW_ACCOUNT_SERVICE (iface);

  cw_acme_accounts_update_contact_async (cw_acme_manager_get_accounts (self->manager), self->account, contact, NULL, op_done,
                                        g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_rollover_key (CwDBusAccount1 *iface, GDBusMethodInvocation *invocation)
{
  CwAccountService *self = CW_ACCOUNT_SERVICE (iface);

  cw_acme_accounts_rollover_async (cw_acme_manager_get_accounts (self->manager), self->account, NULL, op_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_deactivate (CwDBusAccount1 *iface, GDBusMethodInvocation *invocation)
{
  CwAccountService *self = CW_ACCOUNT_SERVICE (iface);

  cw_acme_accounts_deactivate_async (cw_acme_manager_get_accounts (self->manager), self->account, NULL, op_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
account_iface_init (CwDBusAccount1Iface *iface)
{
  iface->handle_update_contact = handle_update_contact;
  iface->handle_rollover_key = handle_rollover_key;
  iface->handle_deactivate = handle_deactivate;
}

static void
cw_account_service_dispose (GObject *object)
{
  CwAccountService *self = CW_ACCOUNT_SERVICE (object);

  g_clear_signal_handler (&self->changed_id, self->account);
  g_clear_object (&self->account);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (cw_account_service_parent_class)->dispose (object);
}

static const CwGuardRule rules[] = {
  { "UpdateContact", CW_ACTION_MANAGE_ACCOUNTS, NULL },
  { "RolloverKey", CW_ACTION_MANAGE_ACCOUNTS, NULL },
  { "Deactivate", CW_ACTION_MANAGE_ACCOUNTS, NULL },
  { NULL, NULL, NULL },
};

CW_DEFINE_GUARDED_VTABLE (get_vtable, cw_account_service_parent_class, rules, NULL)

static void
cw_account_service_class_init (CwAccountServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_account_service_dispose;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = get_vtable;
}

static void
cw_account_service_init (CwAccountService *self)
{
}

CwAccountService *
cw_account_service_new (CwAcmeManager *manager, CwAcmeAccount *account)
{
  CwAccountService *self;

  g_return_val_if_fail (CW_IS_ACME_MANAGER (manager), NULL);
  g_return_val_if_fail (CW_IS_ACME_ACCOUNT (account), NULL);

  self = g_object_new (CW_TYPE_ACCOUNT_SERVICE, NULL);

  self->manager = g_object_ref (manager);
  self->account = g_object_ref (account);
  sync_properties (self);
  self->changed_id = g_signal_connect_swapped (account, "changed", G_CALLBACK (sync_properties), self);
  return self;
}
