/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-manager.h"
#include "cw-deliverer.h"
#include "cw-scep-manager.h"
#include "cw-store.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define CW_TYPE_CREATION (cw_creation_get_type ())
G_DECLARE_FINAL_TYPE (CwCreation, cw_creation, CW, CREATION, GObject)

/**
 * CwCreation:
 *
 * The Manager1 methods that make a certificate, for CwManagerService. Each
 * takes the call's arguments, answers @invocation itself (the new object's
 * path, with the call's renewal and delivery options applied, or an
 * org.certward.Error) and returns G_DBUS_METHOD_INVOCATION_HANDLED.
 */
CwCreation *cw_creation_new (CwStore *store, CwAcmeManager *acme, CwDeliverer *deliverer) G_GNUC_WARN_UNUSED_RESULT;
/* Request with protocol "scep" goes to @scep (refused without one). */
void        cw_creation_set_scep (CwCreation *self, CwScepManager *scep);

gboolean    cw_creation_import (CwCreation *self, GDBusMethodInvocation *invocation, GVariant *options);
gboolean    cw_creation_self_signed (CwCreation *self, GDBusMethodInvocation *invocation, const gchar *name,
                                     GVariant *options);
/* CreateRequest: a key and a CSR, the certificate to come from elsewhere */
gboolean    cw_creation_csr (CwCreation *self, GDBusMethodInvocation *invocation, const gchar *name,
                             GVariant *options);
/* Request: ACME, or SCEP with the option protocol "scep" */
gboolean    cw_creation_request (CwCreation *self, GDBusMethodInvocation *invocation, const gchar *name,
                                 const gchar * const *identities, GVariant *options);

G_END_DECLS
