/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cw-roots.h"

G_BEGIN_DECLS

#define CW_TYPE_TLS_DATABASE (cw_tls_database_get_type ())
G_DECLARE_FINAL_TYPE (CwTlsDatabase, cw_tls_database, CW, TLS_DATABASE, GTlsDatabase)

/**
 * CwTlsDatabase:
 *
 * The trust the agent's own HTTPS (the ACME CAs) is verified against: a
 * CwRoots set (the system bundle and [acme] ca-file), checked with GnuTLS:
 * the chain, the server's name or IP address and the serverAuth purpose.
 *
 * Why not glib-networking's database: it keeps the system bundle parsed in
 * memory twice (the database and every open connection), some 8 MiB for
 * an agent that otherwise needs less than 20. Installed as the default
 * database, this one makes glib-networking load nothing.
 */
CwTlsDatabase *cw_tls_database_new (CwRoots *roots) G_GNUC_WARN_UNUSED_RESULT;

/* A database from @system_bundle and, when not empty, @extra_file (PEM),
 * made the default of the TLS backend. */
gboolean       cw_tls_database_install (const gchar *system_bundle, const gchar *extra_file, GError **error);

G_END_DECLS
