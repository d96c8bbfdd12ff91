/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-account.h"
#include "cw-acme-client.h"
#include "cw-challenge.h"

G_BEGIN_DECLS

/* What to order. */
typedef struct {
  gchar  **identifiers;      /* normalised DNS names (wildcards too) and IP addresses */
  GBytes  *csr;              /* DER PKCS#10 for those identifiers */
  gchar   *profile;          /* or NULL */
  gchar   *replaces;         /* ARI certificate id of the certificate this renews, or NULL */
  gchar   *preferred_chain;  /* issuer CN of the chain's top certificate to prefer, or NULL */
} CwAcmeOrderSpec;

void cw_acme_order_spec_free (CwAcmeOrderSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwAcmeOrderSpec, cw_acme_order_spec_free)

/**
 * cw_acme_order_run_async:
 *
 * One issuance (RFC 8555 §7.4): newOrder, the authorizations and their
 * challenges through @solver (presented all at once, cleaned up whatever
 * happens), finalize, and the certificate with the preferred alternate
 * chain. Polls honour Retry-After and otherwise start soon and back off
 * (cw_acme_poll_delay); validation is followed on the order, not on each
 * authorization.
 * Takes @spec.
 */
void   cw_acme_order_run_async (CwAcmeClient *client, CwAcmeAccount *account, CwChallengeSolver *solver,
                                CwAcmeOrderSpec *spec, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
/* The PEM chain; on failure the error, and in @retry_after the seconds the
 * CA asked to wait (-1: it did not say). */
gchar *cw_acme_order_run_finish (GAsyncResult *result, gint64 *retry_after, GError **error);
/* After a failure: TRUE when the CA said it does not know the account
 * (accountDoesNotExist: it lost its state) or that the account is
 * deactivated. */
gboolean cw_acme_order_account_gone (GAsyncResult *result);

/* Polling without a Retry-After: the first look this long after the
 * request that started the wait, then twice as long each time up to the
 * cap. */
#define CW_ACME_FIRST_POLL_MS 50
#define CW_ACME_MAX_POLL_MS   10000

/* Milliseconds before the next poll after @polls polls of one wait; the
 * CA's @retry_after (seconds, -1 none) wins, capped at a minute. */
guint  cw_acme_poll_delay (guint polls, gint64 retry_after);

G_END_DECLS
