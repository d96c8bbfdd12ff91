/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-certificate.h"

G_BEGIN_DECLS

/* Who may renew a certificate here, now: a hook a higher layer fills (the
 * cluster's renewal lease, src/core/cluster/cw-cluster-renewal.c) so that
 * among nodes sharing a certificate one at a time orders its renewal.
 * Without a gate (the default, an agent alone) every renewal starts at
 * once. The gate is asked before a renewal's key and request are made;
 * what it grants is its own to give back, when the order finishes
 * (CwAcmeManager::order-finished) or, through @release, when the renewal
 * did not get as far as an order. */
typedef struct {
  /* grants @cert's renewal; the result through @acquire_finish: FALSE with
   * an error (Busy: another node renews it; Unavailable: nobody can say) */
  void     (*acquire_async)  (gpointer gate_data, CwCertificate *cert, GAsyncReadyCallback callback,
                              gpointer user_data);
  gboolean (*acquire_finish) (gpointer gate_data, GAsyncResult *result, GError **error);
  void     (*release)        (gpointer gate_data, CwCertificate *cert);
} CwAcmeGate;

G_END_DECLS
