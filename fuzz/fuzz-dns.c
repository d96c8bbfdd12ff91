/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-dns.c: DNS answers as dns-01 reads them (cw-dns.c over ldns): the
 * locate path (CNAME chains, the zone from an SOA in either section, the
 * zone's name servers with or without glue) and the TXT path that checks
 * propagation. Whoever answers those lookups (a resolver, a delegated
 * zone, a spoofed reply) chooses every byte.
 *
 * A responder thread on 127.0.0.1 (UDP and TCP on one port the kernel
 * picks) answers each question with the next answer of the input, its ID
 * set to the question's, and with SERVFAIL when none is left, so no lookup
 * waits for a timeout.
 *
 * Input: one flags byte (bit 0: locate also looks up the name servers,
 * bit 1: the TXT query is authoritative), then the answers, each a
 * big-endian 16-bit length and that many bytes of DNS message, as on TCP.
 */
#include "cw-dns.h"
#include "fuzz-common.h"

#include <ldns/ldns.h>

#define MAX_ANSWERS 32

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static struct {
  GSocket  *udp;
  GSocket  *tcp;
  guint16   port;
  GMutex    lock;
  GQueue    answers;   /* GBytes */
} responder;

/* The next answer for @query (wire bytes), its ID the query's. */
static GBytes *
answer_for (const guint8 *query, gsize len)
{
  g_autoptr(GBytes) next = NULL;
  g_autofree guint8 *out = NULL;
  gsize out_len = 0;

  g_mutex_lock (&responder.lock);
  next = g_queue_pop_head (&responder.answers);
  g_mutex_unlock (&responder.lock);

  if (next == NULL) {
    /* no more answers: SERVFAIL, so that the client gives up at once */
    ldns_pkt *pkt = NULL;
    guint8 *wire = NULL;
    size_t wire_len = 0;

    if (ldns_wire2pkt (&pkt, query, len) != LDNS_STATUS_OK)
      return NULL;
    ldns_pkt_set_qr (pkt, TRUE);
    ldns_pkt_set_rcode (pkt, LDNS_RCODE_SERVFAIL);
    if (ldns_pkt2wire (&wire, pkt, &wire_len) != LDNS_STATUS_OK)
      wire = NULL;
    ldns_pkt_free (pkt);
    if (wire == NULL)
      return NULL;
    next = g_bytes_new (wire, wire_len);
    free (wire);
    return g_steal_pointer (&next);
  }
  out = g_bytes_unref_to_data (g_steal_pointer (&next), &out_len);
  if (out_len >= 2 && len >= 2)
    ldns_write_uint16 (out, ldns_read_uint16 (query));
  return g_bytes_new_take (g_steal_pointer (&out), out_len);
}

static void
serve_udp (void)
{
  g_autoptr(GSocketAddress) from = NULL;
  g_autoptr(GBytes) answer = NULL;
  guint8 buf[65536];
  gssize n = g_socket_receive_from (responder.udp, &from, (gchar *) buf, sizeof buf, NULL, NULL);

  if (n <= 0)
    return;
  answer = answer_for (buf, n);
  /* an empty answer is an empty datagram (GBytes has no data pointer then) */
  if (answer != NULL)
    g_socket_send_to (responder.udp, from, g_bytes_get_size (answer) > 0 ? g_bytes_get_data (answer, NULL) : "",
                      g_bytes_get_size (answer), NULL, NULL);
}

static gboolean
read_all (GSocket *socket, guint8 *buf, gsize len)
{
  for (gsize done = 0; done < len;) {
    gssize n = g_socket_receive (socket, (gchar *) buf + done, len - done, NULL, NULL);

    if (n <= 0)
      return FALSE;
    done += n;
  }
  return TRUE;
}

static void
serve_tcp (void)
{
  g_autoptr(GSocket) conn = g_socket_accept (responder.tcp, NULL, NULL);
  g_autoptr(GBytes) answer = NULL;
  guint8 head[2], query[65536], out_head[2];
  gsize len;

  if (conn == NULL)
    return;
  g_socket_set_timeout (conn, 5);
  if (!read_all (conn, head, 2))
    return;
  len = ldns_read_uint16 (head);
  if (!read_all (conn, query, len))
    return;
  answer = answer_for (query, len);
  if (answer == NULL)
    return;
  ldns_write_uint16 (out_head, g_bytes_get_size (answer));
  g_socket_send (conn, (const gchar *) out_head, 2, NULL, NULL);
  if (g_bytes_get_size (answer) > 0)
    g_socket_send (conn, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), NULL, NULL);
}

static gpointer
responder_thread (gpointer data)
{
  for (;;) {
    GPollFD fds[2] = {
      { g_socket_get_fd (responder.udp), G_IO_IN, 0 },
      { g_socket_get_fd (responder.tcp), G_IO_IN, 0 },
    };

    if (g_poll (fds, 2, -1) < 0)
      continue;
    if (fds[0].revents & G_IO_IN)
      serve_udp ();
    if (fds[1].revents & G_IO_IN)
      serve_tcp ();
  }
  return NULL;
}

/* UDP on a port the kernel picks, and TCP on the same number: that number
 * may be taken for TCP already (another harness's connection), so a few
 * tries */
static void
responder_start (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;

  for (guint attempt = 0; attempt < 100 && responder.tcp == NULL; attempt++) {
    g_autoptr(GSocketAddress) bound = NULL, same = NULL;
    g_autoptr(GSocket) udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
    g_autoptr(GSocket) tcp = NULL;

    if (udp == NULL || !g_socket_bind (udp, any, FALSE, &error))
      g_error ("fuzz: cannot bind UDP on loopback: %s", error->message);
    bound = g_socket_get_local_address (udp, NULL);
    same = g_inet_socket_address_new (loopback, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
    tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
    if (tcp == NULL)
      g_error ("fuzz: cannot make a TCP socket: %s", error->message);
    if (!g_socket_bind (tcp, same, TRUE, &error) || !g_socket_listen (tcp, &error)) {
      g_clear_error (&error);
      continue;
    }
    responder.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    responder.udp = g_steal_pointer (&udp);
    responder.tcp = g_steal_pointer (&tcp);
  }
  if (responder.tcp == NULL)
    g_error ("fuzz: cannot listen on UDP and TCP on one loopback port");
  g_mutex_init (&responder.lock);
  g_queue_init (&responder.answers);
  g_thread_unref (g_thread_new ("fuzz-dns-responder", responder_thread, NULL));
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  responder_start ();
  return 0;
}

static void
check_target (const CwDnsTarget *target)
{
  fuzz_assert_utf8 ("CwDnsTarget.fqdn", target->fqdn);
  fuzz_assert_utf8 ("CwDnsTarget.zone", target->zone);
  fuzz_assert_utf8_strv ("CwDnsTarget.ns_names", (const gchar * const *) target->ns_names);
  for (guint i = 0; target->nameservers != NULL && i < target->nameservers->len; i++) {
    g_autofree gchar *server = cw_dns_server_to_string (target->nameservers->pdata[i]);

    fuzz_assert_utf8 ("a name server's address", server);
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree gchar *address = g_strdup_printf ("127.0.0.1:%u", responder.port);
  const gchar *list[] = { address, NULL };
  g_autoptr(GPtrArray) resolvers = cw_dns_servers_parse (list, NULL);
  g_autoptr(CwDnsTarget) target = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) values = NULL;
  gsize pos = 1;

  if (size < 1)
    return 0;
  g_mutex_lock (&responder.lock);
  g_queue_clear_full (&responder.answers, (GDestroyNotify) g_bytes_unref);
  while (pos + 2 <= size && g_queue_get_length (&responder.answers) < MAX_ANSWERS) {
    gsize len = MIN (ldns_read_uint16 (data + pos), size - pos - 2);

    g_queue_push_tail (&responder.answers, g_bytes_new (data + pos + 2, len));
    pos += 2 + len;
  }
  g_mutex_unlock (&responder.lock);

  /* dns-01's two uses: where the challenge name lives, then what a server
   * has there */
  target = cw_dns_locate (resolvers, "_acme-challenge.www.example.test", (data[0] & 1) != 0, &error);
  if (target != NULL)
    check_target (target);
  else
    fuzz_assert_utf8 ("cw_dns_locate's error", error->message);
  fuzz_report ("locate: %s in %s (%u name servers)", target != NULL ? target->fqdn : error->message,
               target != NULL ? target->zone : "-",
               target != NULL && target->nameservers != NULL ? target->nameservers->len : 0);
  g_clear_error (&error);

  values = cw_dns_query_txt (resolvers->pdata[0], target != NULL ? target->fqdn : "_acme-challenge.www.example.test",
                             (data[0] & 2) != 0, &error);
  if (values != NULL)
    fuzz_assert_utf8_strv ("a TXT value", (const gchar * const *) values);
  else
    fuzz_assert_utf8 ("cw_dns_query_txt's error", error->message);
  fuzz_report ("TXT: %u values%s%s", values != NULL ? g_strv_length (values) : 0, values == NULL ? ", " : "",
               values == NULL ? error->message : "");
  return 0;
}
