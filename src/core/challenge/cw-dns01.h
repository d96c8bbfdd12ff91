/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-challenge.h"
#include "cw-config.h"
#include "cw-provider-manager.h"

G_BEGIN_DECLS

/* A solver for DNS-01 (RFC 8555 §8.4) through @provider, configured by
 * [dns-01] in @config: every TXT record of the order is published first
 * (after following CNAMEs on _acme-challenge.<name> into the zone they
 * point to), then the solver waits until the zone's authoritative name
 * servers (or the configured resolvers) all serve every value, and only
 * then is the CA told. Records are journaled in @providers before they
 * are published and removed whatever the outcome. */
CwChallengeSolver *cw_dns01_solver_new (CwProviderManager *providers, CwProvider *provider, CwConfig *config,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* _acme-challenge.<name> for an identifier ("*.example.com" shares the
 * name of "example.com"), and the TXT value for a key authorization:
 * base64url(SHA-256(key authorization)). */
gchar *cw_dns01_record_name (const gchar *identifier) G_GNUC_WARN_UNUSED_RESULT;
gchar *cw_dns01_record_value (const gchar *key_authorization) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
