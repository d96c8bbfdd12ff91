/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A real BIND9 (Debian's bind9 package, named -g, as root) for tests of the
 * dns-01 providers and of the agent's propagation check. Its state lives in
 * a fresh temp dir (dir), removed on stop; it dies with the test program.
 *
 * The propagation check asks the zone's NS addresses on port 53, so
 * end-to-end tests run named on distinct loopback addresses (127.0.55.1,
 * 127.0.55.2) at port 53: that needs root. When the address cannot be bound
 * (not root, port taken) or named is not installed, the start functions
 * call g_test_skip() and return NULL: test with
 *
 *   g_autoptr(CwTestBind) bind = cw_test_bind_start ("127.0.55.1", 53, NULL);
 *   if (bind == NULL)
 *     return;
 *
 * When named starts but does not answer within 10 s they mark the test
 * failed (g_test_fail_printf, with the tail of named's log) and return NULL. */
typedef struct {
  gchar       *dir;
  gchar       *address;      /* "127.0.55.1" */
  guint        port;         /* 53 */
  gchar       *tsig_name;    /* "certward-key" (hmac-sha256) */
  gchar       *tsig_secret;  /* base64 */
  gchar       *tsig512_name; /* "certward-key512" (hmac-sha512) */
  gchar       *tsig512_secret;
  GSubprocess *process;
} CwTestBind;

/* The primary for the zones example.test and delegated.test on
 * @address:@port. Both zones accept dynamic updates signed by either key,
 * have NS ns1.<zone> (A @address) and, when @secondary_address is not NULL,
 * NS ns2.<zone> (A @secondary_address), which also gets NOTIFYs (at @port)
 * and may transfer the zones. example.test holds
 *   www                   A     127.0.0.1
 *   _acme-challenge.cname CNAME _acme-challenge.cname.delegated.test.
 * SOA timers and negative TTL are 1 s. Returns when both zones answer. */
CwTestBind *cw_test_bind_start (const gchar *address, guint port, const gchar *secondary_address);
/* A second named on @address:@port, secondary of @primary for both zones
 * (start @primary with @address as its @secondary_address, so NOTIFY
 * reaches it: an update shows here within about a second). Shares the
 * primary's keys. Returns when both zones have been transferred. */
CwTestBind *cw_test_bind_start_secondary (CwTestBind *primary, const gchar *address, guint port);
/* Stops named (SIGTERM, SIGKILL after 5 s) and removes its dir. NULL is ok. */
void        cw_test_bind_stop (CwTestBind *bind);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTestBind, cw_test_bind_stop)
/* SIGSTOP (@paused) or SIGCONT: a name server that lags. stop() resumes it. */
void        cw_test_bind_pause (CwTestBind *bind, gboolean paused);

/* The TXT values at @name asked of @address:@port without recursion
 * (dig +short, quotes removed, the strings of one record joined), sorted,
 * NULL-terminated; empty (not NULL) when there are none or the server does
 * not answer within 2 s. */
gchar     **cw_test_dns_txt (const gchar *address, guint port, const gchar *name);

/* PowerDNS Authoritative (sqlite3 backend, pdns-server package) with DNS on
 * 127.0.0.1:@dns_port and its HTTP API on 127.0.0.1:@api_port (use ports
 * 24650-24699), zone example.test. (Native) made through the API with
 * NS ns1.example.test. and ns1.example.test. A 127.0.0.1. Skips the test
 * (NULL) when pdns_server is missing or a port is taken; state in a fresh
 * temp dir, removed on stop. */
typedef struct {
  gchar       *dir;
  guint        dns_port;
  guint        api_port;
  gchar       *api_url;   /* http://127.0.0.1:<api_port> */
  gchar       *api_key;
  GSubprocess *process;
} CwTestPdns;

CwTestPdns *cw_test_pdns_start (guint dns_port, guint api_port);
void        cw_test_pdns_stop (CwTestPdns *pdns);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTestPdns, cw_test_pdns_stop)

G_END_DECLS
