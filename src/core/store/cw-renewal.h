/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CwRenewal:
 *
 * A certificate's renewal: what the administrator set (auto-renew for
 * local certificates, reload actions) and what the renewal engine
 * remembers across restarts (failures and backoff, the last order, the
 * CA's ARI window). Kept in the certificate's settings.
 */
typedef struct {
  gboolean  auto_renew;      /* self-signed and local-CA: renew like ACME ones */
  gchar   **reload_units;    /* systemd units to reload after a change */
  gchar   **deploy_hooks;    /* programs to run after a change */

  guint     failures;        /* renewals failed in a row */
  gint64    retry_at;        /* no new attempt before (backoff), 0: none */
  gint64    last_order;      /* when the last renewal started, 0: never */
  gint64    ari_start;       /* the CA's suggested window (RFC 9773), 0: none */
  gint64    ari_end;
  gint64    ari_choice;      /* the moment picked inside it */
  gint64    ari_refresh_at;  /* when to ask the CA again */
  gint64    next_renewal;    /* computed by the engine, 0: never */
} CwRenewal;

CwRenewal *cw_renewal_new (void);
CwRenewal *cw_renewal_copy (const CwRenewal *renewal);
void       cw_renewal_free (CwRenewal *renewal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwRenewal, cw_renewal_free)

/* Units must be systemd unit names (asterisk.service); hooks absolute
 * paths to programs. At most 16 of each. */
gboolean   cw_renewal_validate_actions (const gchar * const *units, const gchar * const *hooks, GError **error);

void       cw_renewal_save (const CwRenewal *renewal, GKeyFile *file, const gchar *group);
/* Defaults when @group is absent. Reload actions that do not validate are
 * dropped and said in @error (may be NULL); the rest is still loaded. */
CwRenewal *cw_renewal_load (GKeyFile *file, const gchar *group, GError **error);

G_END_DECLS
