/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's own names and addresses, for its first self-signed certificate. */
#include "config.h"

#include "cw-host.h"
#include "cw-names.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

static void
add_identity (GPtrArray *ids, const gchar *text)
{
  gchar *id = cw_identity_parse (text, FALSE, NULL);

  if (id == NULL)
    return; /* e.g. a host name with an underscore: not a DNS name */
  if (g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL))
    g_free (id);
  else
    g_ptr_array_add (ids, id);
}

static gboolean
address_is_public_enough (const struct sockaddr *sa)
{
  if (sa->sa_family == AF_INET) {
    guint32 a = ntohl (((const struct sockaddr_in *) sa)->sin_addr.s_addr);

    return (a >> 24) != 127 && (a >> 16) != 0xa9fe;          /* 127/8, 169.254/16 */
  }
  if (sa->sa_family == AF_INET6) {
    const struct in6_addr *a = &((const struct sockaddr_in6 *) sa)->sin6_addr;

    return !IN6_IS_ADDR_LOOPBACK (a) && !IN6_IS_ADDR_LINKLOCAL (a) && !IN6_IS_ADDR_UNSPECIFIED (a);
  }
  return FALSE;
}

gchar **
cw_host_identities (void)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  const gchar *host = g_get_host_name ();
  struct addrinfo hints = { 0 }, *res = NULL;
  struct ifaddrs *ifs = NULL;

  hints.ai_flags = AI_CANONNAME;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo (host, NULL, &hints, &res) == 0 && res != NULL && res->ai_canonname != NULL &&
      strchr (res->ai_canonname, '.') != NULL)
    add_identity (ids, res->ai_canonname);
  if (res != NULL)
    freeaddrinfo (res);
  add_identity (ids, host);

  if (getifaddrs (&ifs) == 0) {
    for (struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
      gchar text[INET6_ADDRSTRLEN];
      const void *addr;

      if (i->ifa_addr == NULL || !address_is_public_enough (i->ifa_addr))
        continue;
      addr = i->ifa_addr->sa_family == AF_INET ? (const void *) &((struct sockaddr_in *) i->ifa_addr)->sin_addr
                                               : (const void *) &((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr;
      if (inet_ntop (i->ifa_addr->sa_family, addr, text, sizeof text) != NULL)
        add_identity (ids, text);
    }
    freeifaddrs (ifs);
  }
  if (ids->len == 0)
    add_identity (ids, "localhost");
  g_ptr_array_add (ids, NULL);
  return (gchar **) g_ptr_array_steal (ids, NULL);
}
