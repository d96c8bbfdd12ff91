/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-challenge.h"

G_BEGIN_DECLS

/* How TLS-ALPN-01 challenges are answered (RFC 8737). */
typedef enum {
  CW_TLS_ALPN01_STANDALONE,  /* the agent's own TLS listener on the configured address and port (443,
                              * or a port a TLS router such as nginx's ssl_preread hands acme-tls/1 to) */
  CW_TLS_ALPN01_DBUS,        /* the PBX's TLS server asks Manager1.GetTlsAlpnChallenge */
} CwTlsAlpn01Mode;

gboolean     cw_tls_alpn01_mode_from_string (const gchar *text, CwTlsAlpn01Mode *mode, GError **error);

#define CW_TYPE_TLS_ALPN01 (cw_tls_alpn01_get_type ())
G_DECLARE_FINAL_TYPE (CwTlsAlpn01, cw_tls_alpn01, CW, TLS_ALPN01, GObject)

/**
 * CwTlsAlpn01:
 *
 * The agent's TLS-ALPN-01 responder: for every pending challenge a
 * throwaway key and the self-signed certificate RFC 8737 §3 asks for (the
 * identifier alone in its subjectAltName, the SHA-256 of the key
 * authorization in the critical acmeIdentifier extension), made when the
 * challenge is presented and forgotten when it is cleaned up, never
 * written anywhere; and a listener on @address:@port (all addresses when
 * @address is empty) that exists only while standalone challenges are
 * pending. It completes handshakes that offer the "acme-tls/1" protocol
 * and name a pending identifier (an IP address by its reverse name, RFC
 * 8738 §6), and nothing else: in four threads of its own, ten seconds at
 * most each, sixteen queued at most.
 */
CwTlsAlpn01 *cw_tls_alpn01_new (const gchar *address, guint port);
/* Where to listen from the next time it starts listening. */
void         cw_tls_alpn01_set_endpoint (CwTlsAlpn01 *self, const gchar *address, guint port);
gboolean     cw_tls_alpn01_is_listening (CwTlsAlpn01 *self);
/* For a TLS server of the PBX's own (the D-Bus mode): the certificate and
 * key (PEM) to present to an "acme-tls/1" handshake for @server_name (the
 * SNI: a DNS name, an IP address's reverse name, or the address itself).
 * FALSE when no such challenge is pending. */
gboolean     cw_tls_alpn01_lookup (CwTlsAlpn01 *self, const gchar *server_name, gchar **cert_pem, gchar **key_pem);

/* A solver answering through @responder in @mode. */
CwChallengeSolver *cw_tls_alpn01_solver_new (CwTlsAlpn01 *responder, CwTlsAlpn01Mode mode);

/* The name a validator sends as SNI for @identifier: the DNS name itself,
 * or "4.3.2.1.in-addr.arpa" / "….ip6.arpa" for an IP address. */
gchar       *cw_tls_alpn01_server_name (const gchar *identifier);

G_END_DECLS
