/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The polkit actions (data/org.certward.Certward1.policy), one per kind
 * of change. */
#define CW_ACTION_MANAGE_CERTIFICATES "org.certward.manage-certificates"
#define CW_ACTION_EXPORT_KEY          "org.certward.export-key"
#define CW_ACTION_MANAGE_TRUST        "org.certward.manage-trust"
#define CW_ACTION_MANAGE_PROVIDERS    "org.certward.manage-providers"
#define CW_ACTION_MANAGE_ACCOUNTS     "org.certward.manage-accounts"
#define CW_ACTION_CONFIGURE           "org.certward.configure"
/* anything that makes the agent write files or run programs as root:
 * never kept, always the administrator's password */
#define CW_ACTION_RUN_PROGRAMS        "org.certward.run-programs"

/* Asks whether the caller of @invocation may do @action: root always may
 * (without polkit); others are asked about through polkit
 * (org.freedesktop.PolicyKit1.Authority.CheckAuthorization with the
 * caller's bus name, interactive when the caller set
 * ALLOW_INTERACTIVE_AUTHORIZATION). On a bus that is not the system bus
 * (the agent with --session serves its own user) everything is allowed.
 * A refusal is CW_ERROR_PERMISSION_DENIED naming the action. */
void     cw_authority_set_bus (GBusType bus_type);
void     cw_authority_check_async (GDBusMethodInvocation *invocation, const gchar *action,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_authority_check_finish (GAsyncResult *result, GError **error);

G_END_DECLS
