/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DNS lookups for dns-01 through ldns: CNAME chains, zones by SOA, name servers, TXT values. */
#include "config.h"

#include "cw-dns.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <ldns/ldns.h>
#include <string.h>

#define MAX_CNAMES 8
#define QUERY_TIMEOUT_S 3

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ldns_resolver, ldns_resolver_deep_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ldns_pkt, ldns_pkt_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ldns_rr_list, ldns_rr_list_deep_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ldns_rdf, ldns_rdf_deep_free)

void
cw_dns_server_free (CwDnsServer *server)
{
  if (server == NULL)
    return;
  g_free (server->host);
  g_free (server);
}

static CwDnsServer *
server_new (const gchar *host, guint16 port)
{
  CwDnsServer *server = g_new0 (CwDnsServer, 1);

  server->host = g_strdup (host);
  server->port = port;
  return server;
}

gchar *
cw_dns_server_to_string (const CwDnsServer *server)
{
  if (server == NULL)
    return g_strdup (_("the system resolver"));
  return strchr (server->host, ':') != NULL ? g_strdup_printf ("[%s]:%u", server->host, server->port)
                                             : g_strdup_printf ("%s:%u", server->host, server->port);
}

GPtrArray *
cw_dns_servers_parse (const gchar * const *list, GError **error)
{
  g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_dns_server_free);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint i = 0; list != NULL && list[i] != NULL; i++) {
    g_autofree gchar *host = NULL;
    guint16 port = 53;

    if (*list[i] == '\0')
      continue;
    if (g_hostname_is_ip_address (list[i])) {
      host = g_strdup (list[i]);
    } else {
      g_autoptr(GSocketConnectable) address = g_network_address_parse (list[i], 53, NULL);

      if (address != NULL) {
        host = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (address)));
        port = g_network_address_get_port (G_NETWORK_ADDRESS (address));
      }
    }
    if (host == NULL || !g_hostname_is_ip_address (host) || port == 0) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("“%s” is no DNS server: give an IP address with an optional port (192.0.2.53:53, [2001:db8::53]:53)"),
                   list[i]);
      return NULL;
    }
    g_ptr_array_add (servers, server_new (host, port));
  }
  return servers->len > 0 ? g_steal_pointer (&servers) : NULL;
}

void
cw_dns_target_free (CwDnsTarget *target)
{
  if (target == NULL)
    return;
  g_free (target->fqdn);
  g_free (target->zone);
  g_clear_pointer (&target->nameservers, g_ptr_array_unref);
  g_strfreev (target->ns_names);
  g_free (target);
}

/* ---- asking ------------------------------------------------------------- */

static ldns_resolver *
resolver_for (const CwDnsServer *server, gboolean recursive, GError **error)
{
  ldns_resolver *res = NULL;
  struct timeval timeout = { QUERY_TIMEOUT_S, 0 };

  if (server == NULL) {
    ldns_status status = ldns_resolver_new_frm_file (&res, NULL);

    if (status != LDNS_STATUS_OK) {
      g_set_error (error, CW_ERROR, CW_ERROR_NETWORK, _("cannot read the system's DNS resolvers: %s"),
                   ldns_get_errorstr_by_id (status));
      return NULL;
    }
  } else {
    g_autoptr(ldns_rdf) address = ldns_rdf_new_frm_str (strchr (server->host, ':') != NULL ? LDNS_RDF_TYPE_AAAA
                                                                                            : LDNS_RDF_TYPE_A,
                                                        server->host);

    res = ldns_resolver_new ();
    if (address == NULL || ldns_resolver_push_nameserver (res, address) != LDNS_STATUS_OK) {
      ldns_resolver_deep_free (res);
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is no IP address"), server->host);
      return NULL;
    }
    ldns_resolver_set_port (res, server->port);
  }
  ldns_resolver_set_timeout (res, timeout);
  ldns_resolver_set_retry (res, 1);
  ldns_resolver_set_retrans (res, 1);
  ldns_resolver_set_recursive (res, recursive);
  ldns_resolver_set_dnssec (res, FALSE);
  return res;
}

/* One question to one server (NULL: the system's); any answer, whatever
 * its rcode, or an error when there is none. */
static ldns_pkt *
ask (const CwDnsServer *server, const gchar *name, ldns_rr_type type, gboolean recursive, GError **error)
{
  g_autoptr(ldns_resolver) res = resolver_for (server, recursive, error);
  g_autofree gchar *absolute = g_strconcat (name, ".", NULL);
  g_autoptr(ldns_rdf) dname = ldns_dname_new_frm_str (absolute);
  ldns_pkt *pkt = NULL;
  ldns_status status;

  if (res == NULL)
    return NULL;
  if (dname == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is no DNS name"), name);
    return NULL;
  }
  status = ldns_resolver_send (&pkt, res, dname, type, LDNS_RR_CLASS_IN, recursive ? LDNS_RD : 0);
  if (status != LDNS_STATUS_OK || pkt == NULL) {
    g_autofree gchar *where = cw_dns_server_to_string (server);

    if (pkt != NULL)
      ldns_pkt_free (pkt);
    g_set_error (error, CW_ERROR, CW_ERROR_NETWORK, _("no answer from %s about %s: %s"), where, name,
                 ldns_get_errorstr_by_id (status));
    return NULL;
  }
  return pkt;
}

/* Asks the servers in turn until one answers usefully. */
static ldns_pkt *
ask_any (GPtrArray *servers, const gchar *name, ldns_rr_type type, GError **error)
{
  g_autoptr(GError) last = NULL;
  guint n = servers != NULL ? servers->len : 1;

  for (guint i = 0; i < n; i++) {
    ldns_pkt *pkt;

    g_clear_error (&last);
    pkt = ask (servers != NULL ? g_ptr_array_index (servers, i) : NULL, name, type, TRUE, &last);

    if (pkt == NULL)
      continue;
    if (ldns_pkt_get_rcode (pkt) == LDNS_RCODE_NOERROR || ldns_pkt_get_rcode (pkt) == LDNS_RCODE_NXDOMAIN)
      return pkt;
    {
      g_autofree gchar *rcode = ldns_pkt_rcode2str (ldns_pkt_get_rcode (pkt));
      g_autofree gchar *where = cw_dns_server_to_string (servers != NULL ? g_ptr_array_index (servers, i) : NULL);

      last = g_error_new (CW_ERROR, CW_ERROR_NETWORK, _("%s answered %s about %s"), where, rcode, name);
      ldns_pkt_free (pkt);
    }
  }
  g_propagate_error (error, g_steal_pointer (&last));
  return NULL;
}

/* A name as text: lower case, no trailing dot (ldns escapes every byte
 * that is not printable ASCII as \DDD). NULL for a missing name (an RR
 * without its data: whoever answers may send one) and for the root,
 * which no challenge can live at. */
static gchar *
name_text (const ldns_rdf *rdf)
{
  g_autofree gchar *text = NULL;
  gsize len;

  if (rdf == NULL || ldns_rdf_get_type (rdf) != LDNS_RDF_TYPE_DNAME)
    return NULL;
  text = ldns_rdf2str (rdf);
  if (text == NULL)
    return NULL;
  len = strlen (text);
  if (len > 0 && text[len - 1] == '.')
    text[--len] = '\0';
  if (len == 0 || !g_str_is_ascii (text))
    return NULL;
  return g_ascii_strdown (text, -1);
}

static gboolean
owner_is (const ldns_rr *rr, const gchar *name)
{
  g_autofree gchar *owner = name_text (ldns_rr_owner (rr));

  return g_strcmp0 (owner, name) == 0;
}

/* ---- where a name lives ------------------------------------------------- */

/* The end of the CNAME chain at @name, as the servers tell it. */
static gchar *
follow_cnames (GPtrArray *resolvers, const gchar *name, GError **error)
{
  g_autofree gchar *current = g_strdup (name);

  for (guint hop = 0; hop <= MAX_CNAMES; hop++) {
    g_autoptr(ldns_pkt) pkt = ask_any (resolvers, current, LDNS_RR_TYPE_TXT, error);
    ldns_rr_list *answer;
    gboolean moved = FALSE;

    if (pkt == NULL)
      return NULL;
    answer = ldns_pkt_answer (pkt);
    /* the answer may carry the whole chain: walk it as far as it goes */
    for (gboolean again = TRUE; again && hop <= MAX_CNAMES;) {
      again = FALSE;
      for (size_t i = 0; answer != NULL && i < ldns_rr_list_rr_count (answer); i++) {
        ldns_rr *rr = ldns_rr_list_rr (answer, i);

        if (ldns_rr_get_type (rr) == LDNS_RR_TYPE_CNAME && owner_is (rr, current)) {
          g_autofree gchar *target = name_text (ldns_rr_rdf (rr, 0));

          if (target == NULL) {
            g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                         _("the DNS answer for %s is a CNAME without a usable target; fix the record at %s"),
                         current, current);
            return NULL;
          }
          g_free (current);
          current = g_steal_pointer (&target);
          moved = again = TRUE;
          hop++;
          break;
        }
      }
    }
    if (!moved)
      return g_steal_pointer (&current);
  }
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("%s leads through more than %u CNAMEs"), name, MAX_CNAMES);
  return NULL;
}

/* The zone holding @name: the owner of the SOA in the answer, or in the
 * authority section of a negative answer. */
static gchar *
find_zone (GPtrArray *resolvers, const gchar *name, GError **error)
{
  for (const gchar *n = name; n != NULL && *n != '\0';) {
    g_autoptr(ldns_pkt) pkt = ask_any (resolvers, n, LDNS_RR_TYPE_SOA, error);
    g_autoptr(ldns_rr_list) soa = NULL;
    const gchar *dot;

    if (pkt == NULL)
      return NULL;
    soa = ldns_pkt_rr_list_by_type (pkt, LDNS_RR_TYPE_SOA, LDNS_SECTION_ANSWER);
    if (soa == NULL)
      soa = ldns_pkt_rr_list_by_type (pkt, LDNS_RR_TYPE_SOA, LDNS_SECTION_AUTHORITY);
    if (soa != NULL && ldns_rr_list_rr_count (soa) > 0) {
      g_autofree gchar *zone = name_text (ldns_rr_owner (ldns_rr_list_rr (soa, 0)));

      /* a zone can only be the name itself or above it */
      if (zone != NULL && (g_str_equal (zone, name) ||
                           (g_str_has_suffix (name, zone) && name[strlen (name) - strlen (zone) - 1] == '.')))
        return g_steal_pointer (&zone);
    }
    dot = strchr (n, '.');
    n = dot != NULL ? dot + 1 : NULL;
  }
  g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND,
               _("no DNS zone holds %s: none of its parent names has an SOA record"), name);
  return NULL;
}

static void
add_addresses (GPtrArray *servers, GPtrArray *names, const gchar *ns, ldns_rr_list *list)
{
  for (size_t i = 0; list != NULL && i < ldns_rr_list_rr_count (list); i++) {
    ldns_rr *rr = ldns_rr_list_rr (list, i);
    g_autofree gchar *text = NULL;

    if ((ldns_rr_get_type (rr) != LDNS_RR_TYPE_A && ldns_rr_get_type (rr) != LDNS_RR_TYPE_AAAA) || !owner_is (rr, ns))
      continue;
    text = ldns_rdf2str (ldns_rr_rdf (rr, 0));
    if (text == NULL)
      continue;
    g_ptr_array_add (servers, server_new (text, 53));
    g_ptr_array_add (names, g_strdup (ns));
  }
}

static gboolean
find_nameservers (GPtrArray *resolvers, CwDnsTarget *target, GError **error)
{
  g_autoptr(ldns_pkt) pkt = ask_any (resolvers, target->zone, LDNS_RR_TYPE_NS, error);
  g_autoptr(ldns_rr_list) ns = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (pkt == NULL)
    return FALSE;
  ns = ldns_pkt_rr_list_by_type (pkt, LDNS_RR_TYPE_NS, LDNS_SECTION_ANSWER);
  target->nameservers = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_dns_server_free);
  for (size_t i = 0; ns != NULL && i < ldns_rr_list_rr_count (ns); i++) {
    g_autofree gchar *host = name_text (ldns_rr_rdf (ldns_rr_list_rr (ns, i), 0));
    guint before = target->nameservers->len;

    if (host == NULL)
      continue;
    /* glue first, else ask */
    add_addresses (target->nameservers, names, host, ldns_pkt_additional (pkt));
    if (target->nameservers->len == before) {
      static const ldns_rr_type types[] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA };

      for (guint t = 0; t < G_N_ELEMENTS (types); t++) {
        g_autoptr(ldns_pkt) a = ask_any (resolvers, host, types[t], NULL);

        if (a != NULL)
          add_addresses (target->nameservers, names, host, ldns_pkt_answer (a));
      }
    }
    if (target->nameservers->len == before)
      g_info ("dns-01: the name server %s of %s has no address; not asked", host, target->zone);
  }
  if (target->nameservers->len == 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND,
                 _("the DNS zone %s has no name server with an address (NS records)"), target->zone);
    return FALSE;
  }
  g_ptr_array_add (names, NULL);
  target->ns_names = (GStrv) g_ptr_array_steal (names, NULL);
  return TRUE;
}

CwDnsTarget *
cw_dns_locate (GPtrArray *resolvers, const gchar *name, gboolean want_ns, GError **error)
{
  g_autoptr(CwDnsTarget) target = g_new0 (CwDnsTarget, 1);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  target->fqdn = follow_cnames (resolvers, name, error);
  if (target->fqdn == NULL)
    return NULL;
  target->zone = find_zone (resolvers, target->fqdn, error);
  if (target->zone == NULL)
    return NULL;
  if (want_ns && !find_nameservers (resolvers, target, error))
    return NULL;
  return g_steal_pointer (&target);
}

GStrv
cw_dns_query_txt (const CwDnsServer *server, const gchar *name, gboolean authoritative, GError **error)
{
  g_autoptr(ldns_pkt) pkt = NULL;
  g_autoptr(GStrvBuilder) values = g_strv_builder_new ();
  ldns_rr_list *answer;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  pkt = ask (server, name, LDNS_RR_TYPE_TXT, !authoritative, error);

  if (pkt == NULL)
    return NULL;
  if (ldns_pkt_get_rcode (pkt) != LDNS_RCODE_NOERROR && ldns_pkt_get_rcode (pkt) != LDNS_RCODE_NXDOMAIN) {
    g_autofree gchar *rcode = ldns_pkt_rcode2str (ldns_pkt_get_rcode (pkt));
    g_autofree gchar *where = cw_dns_server_to_string (server);

    g_set_error (error, CW_ERROR, CW_ERROR_NETWORK, _("%s answered %s about %s"), where, rcode, name);
    return NULL;
  }
  answer = ldns_pkt_answer (pkt);
  for (size_t i = 0; answer != NULL && i < ldns_rr_list_rr_count (answer); i++) {
    ldns_rr *rr = ldns_rr_list_rr (answer, i);
    g_autoptr(GString) value = g_string_new (NULL);

    if (ldns_rr_get_type (rr) != LDNS_RR_TYPE_TXT || !owner_is (rr, name))
      continue;
    /* a TXT record is one or more character strings, read as one */
    for (size_t j = 0; j < ldns_rr_rd_count (rr); j++) {
      g_autofree gchar *text = ldns_rdf2str (ldns_rr_rdf (rr, j));
      gsize len = text != NULL ? strlen (text) : 0;

      if (len >= 2 && text[0] == '"' && text[len - 1] == '"')
        g_string_append_len (value, text + 1, len - 2);
      else if (text != NULL)
        g_string_append (value, text);
    }
    g_strv_builder_add (values, value->str);
  }
  return g_strv_builder_end (values);
}
