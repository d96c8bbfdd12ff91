/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Mutators of CwCertificate, for the store only. */

#include "cw-certificate.h"

G_BEGIN_DECLS

CwCertificate *cw_certificate_new (const gchar *id, const gchar *name, const gchar *dir);

void cw_certificate_set_roles (CwCertificate *self, const gchar * const *roles);
void cw_certificate_set_tenant (CwCertificate *self, const gchar *tenant);
/* The current revision: takes @info. */
void cw_certificate_set_revision (CwCertificate *self, guint revision, const gchar *source,
                                  CwCertInfo *info, gboolean key_matches,
                                  const gchar * const *warnings);
void cw_certificate_set_last_error (CwCertificate *self, const gchar *message);
void cw_certificate_set_busy (CwCertificate *self, gboolean busy);
/* Takes @spec. */
void cw_certificate_set_spec (CwCertificate *self, CwIssueSpec *spec);
void cw_certificate_set_request (CwCertificate *self, const gchar *pem);
void cw_certificate_set_last_actions (CwCertificate *self, const gchar * const *lines);
/* Takes @delivery; keeps the last actions when @delivery has none. */
void cw_certificate_set_delivery (CwCertificate *self, CwDelivery *delivery);
/* Takes @renewal. */
void cw_certificate_set_renewal (CwCertificate *self, CwRenewal *renewal);
/* Takes @spec. */
void cw_certificate_set_acme (CwCertificate *self, CwAcmeSpec *spec);
/* Takes @spec. */
void cw_certificate_set_scep (CwCertificate *self, CwScepSpec *spec);
/* Call update_state afterwards. */
void cw_certificate_set_activity (CwCertificate *self, CwActivity activity);
void cw_certificate_set_announced (CwCertificate *self, CwCertState state);
/* Recomputes State from the time; TRUE when it changed. */
/* @window: seconds before NotAfter at which it turns "expiring". */
gboolean cw_certificate_update_state (CwCertificate *self, gint64 now, gint64 window);
/* Emits ::changed (after a batch of setters). */
void cw_certificate_emit_changed (CwCertificate *self);

G_END_DECLS
