/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-chain.h"

G_BEGIN_DECLS

/*
 * One certificate directory on disk:
 *
 *   <id>/settings.ini        name, roles, tenant … (replaced atomically)
 *   <id>/rev-<N>/cert.pem    leaf
 *               chain.pem    intermediates
 *               fullchain.pem
 *               key.pem      PKCS#8, mode 0600
 *               revision.ini number, source, creation time, warnings
 *   <id>/current -> rev-<N>  swapped with one rename
 *
 * A revision directory is written completely and fsynced before "current"
 * points at it; until then it does not exist as far as readers go, and a
 * crash leaves the previous revision current.
 */

typedef struct {
  guint        number;
  gchar       *source;
  gint64       created;
  gchar      **warnings;
  CwCertInfo  *info;
  gboolean     key_matches;
} CwRevision;

void        cw_revision_free (CwRevision *rev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwRevision, cw_revision_free)

gchar      *cw_revision_dir_name (guint number);

/* Writes rev-<number> below @cert_dirfd from @bundle and fsyncs it; does
 * not make it current. key.pem is 0600, or 0640 root:@key_gid when
 * @key_gid ≥ 0 (the certificate's AccessGroup). On failure nothing of it
 * remains. */
gboolean    cw_revision_write (int cert_dirfd, guint number, const gchar *source,
                               CwBundle *bundle, gint key_gid, GError **error);
/* Gives every revision's key.pem to @gid (0640), or back to root alone
 * (0600) for -1. */
gboolean    cw_revision_set_key_group (int cert_dirfd, gint gid, GError **error);
/* Points "current" at rev-<number>. The commit point of every change. */
gboolean    cw_revision_commit (int cert_dirfd, guint number, GError **error);
/* Reads the revision "current" points at: what its leaf says from the
 * cache in revision.ini, or, with @verify (or no cache), by parsing the
 * certificate and checking the key against it. */
CwRevision *cw_revision_read_current (int cert_dirfd, gboolean verify, GError **error);
/* Removes revisions newer than @current (leftovers of a crash) and all but
 * the @keep newest up to @current; with @temporaries also the temporary
 * files of an interrupted replace, which is only safe while nothing else
 * writes in the directory (at load). Failures are only logged: old files
 * are harmless. */
void        cw_revision_prune (int cert_dirfd, const gchar *what, guint current, guint keep,
                               gboolean temporaries);

/* A descriptor of the revision "current" points to, resolved once: read
 * every file of one revision through it. */
int         cw_revision_open_current (int cert_dirfd, GError **error);
/* The leaf and intermediates (gnutls_x509_crt_t) in the revision @revfd. */
GPtrArray  *cw_revision_load_chain_at (int revfd, GError **error);
/* The key in the directory @revfd (a revision, or "pending"). */
gnutls_x509_privkey_t cw_revision_load_key_at (int revfd, GError **error);
/* The key in @subdir ("current", or "pending" for a request's key). */
gnutls_x509_privkey_t cw_revision_load_key (int cert_dirfd, const gchar *subdir, GError **error);

G_END_DECLS
