/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-scep-manager.h"

G_BEGIN_DECLS

/* The options of Manager1.Request with protocol "scep": checked (a typo or
 * wrong type is an error naming the option) and turned into what the SCEP
 * manager takes. @challenge: the challenge-password option, or NULL. */
gboolean cw_scep_request_options (GVariant *options, const gchar * const *identities, CwIssueSpec **spec,
                                  CwScepSpec **scep, gchar **challenge, GError **error);
/* Overwrites a challenge password before it is freed. */
void     cw_scep_request_forget (gchar *challenge);

G_END_DECLS
