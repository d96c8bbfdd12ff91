/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* This host's identities for its first self-signed certificate: its FQDN
 * and host name, then its IP addresses except loopback and link-local,
 * normalised and without duplicates. Blocking (name resolution): call it
 * from a worker thread. */
gchar **cw_host_identities (void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
