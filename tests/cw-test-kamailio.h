/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A real Kamailio (Debian's kamailio + kamailio-tls-modules) on loopback,
 * run as user kamailio as its systemd unit does, answering SIP OPTIONS
 * over TLS, with its TLS files named in tls.cfg (what tls.reload re-reads)
 * and its control socket where kamcmd looks by default
 * (/run/kamailio/kamailio_ctl). */
typedef struct {
  gchar       *dir;
  guint        port;
  GSubprocess *process;
} CwTestKamailio;

/* NULL and a reason in @why when Kamailio cannot run here (not installed,
 * not root, the socket taken by a running Kamailio). */
gboolean        cw_test_kamailio_available (gchar **why);
/* Starts it on @port with @cert and @key (they must exist) and waits
 * until it answers. */
CwTestKamailio *cw_test_kamailio_start (guint port, const gchar *cert, const gchar *key);
void            cw_test_kamailio_stop (CwTestKamailio *kamailio);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTestKamailio, cw_test_kamailio_stop)
/* The main process's pid (the same before and after a reload). */
gint            cw_test_kamailio_pid (CwTestKamailio *kamailio);

/* A SIP-over-TLS client connection that accepts any certificate and
 * remembers the one presented. */
typedef struct {
  GIOStream *stream;
  gchar     *fingerprint;   /* SHA-256 of the presented certificate, lower-case hex */
  guint      cseq;
} CwTestSipTls;

CwTestSipTls   *cw_test_sip_tls_connect (guint port);
/* Sends OPTIONS and returns the status line of the answer ("SIP/2.0 200 OK"),
 * or NULL when the connection is gone. */
gchar          *cw_test_sip_tls_options (CwTestSipTls *sip);
void            cw_test_sip_tls_close (CwTestSipTls *sip);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTestSipTls, cw_test_sip_tls_close)

G_END_DECLS
