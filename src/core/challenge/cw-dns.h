/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * DNS lookups for dns-01, through ldns: where a challenge name really
 * lives (CNAMEs followed, its zone from the SOA, the zone's name servers)
 * and what TXT values a given server serves. Every function blocks (a
 * few seconds at most per server asked); call them from a GTask thread.
 * Names go in and come out lower case without the trailing dot.
 */

typedef struct {
  gchar  *host;  /* an IP address */
  guint16 port;
} CwDnsServer;

void       cw_dns_server_free (CwDnsServer *server);
/* "host", "host:port", "[v6]:port" or "v6" (port 53) for each entry; host
 * must be an IP address. NULL (the system resolver) for an empty list. */
GPtrArray *cw_dns_servers_parse (const gchar * const *list, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* "127.0.0.1:53" */
gchar     *cw_dns_server_to_string (const CwDnsServer *server) G_GNUC_WARN_UNUSED_RESULT;

typedef struct {
  gchar     *fqdn;         /* after CNAMEs */
  gchar     *zone;         /* the zone @fqdn is in, by its SOA */
  GPtrArray *nameservers;  /* CwDnsServer: the zone's NS addresses, port 53 */
  GStrv      ns_names;     /* parallel to nameservers: the NS name of each */
} CwDnsTarget;

void         cw_dns_target_free (CwDnsTarget *target);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwDnsTarget, cw_dns_target_free)

/* Follows CNAMEs from @name (at most 8), finds the zone of the end of the
 * chain and, with @want_ns, that zone's name servers, asking @resolvers
 * (CwDnsServer; NULL: the system's resolv.conf). */
CwDnsTarget *cw_dns_locate (GPtrArray *resolvers, const gchar *name, gboolean want_ns,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The TXT values @server (NULL: the system resolver) has for @name, asked
 * without recursion when @authoritative; an empty list for NXDOMAIN or no
 * data, NULL and an error when the server does not answer. */
GStrv        cw_dns_query_txt (const CwDnsServer *server, const gchar *name, gboolean authoritative,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
