/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cw-dns.c against answers no honest name server sends: a loopback UDP
 * responder in a thread answers each question with what the test chose
 * (built with ldns), and cw_dns_locate must turn every oddity into an
 * error, never a crash.
 */
#include "cw-dns.h"
#include "cw-error.h"
#include "cw-test-util.h"

#include <ldns/ldns.h>

/* What the responder answers to a TXT question at the challenge name. */
typedef enum {
  ANSWER_CNAME_EMPTY,   /* a CNAME with no target at all (RDLENGTH 0) */
  ANSWER_CNAME_ROOT,    /* a CNAME to "." */
  ANSWER_CNAME_LOOP,    /* a CNAME to itself */
  ANSWER_CNAME_GOOD,    /* a CNAME to target.example.test, which has an SOA */
} Answer;

typedef struct {
  GSocket *socket;
  Answer   answer;
  GThread *thread;
  guint16  port;
} Responder;

static ldns_rr *
rr_new (const gchar *owner, ldns_rr_type type)
{
  ldns_rr *rr = ldns_rr_new ();

  ldns_rr_set_owner (rr, ldns_dname_new_frm_str (owner));
  ldns_rr_set_type (rr, type);
  ldns_rr_set_class (rr, LDNS_RR_CLASS_IN);
  ldns_rr_set_ttl (rr, 60);
  return rr;
}

static ldns_pkt *
answer_for (Responder *r, const ldns_pkt *query)
{
  ldns_rr *question = ldns_rr_list_rr (ldns_pkt_question (query), 0);
  g_autofree gchar *qname = ldns_rdf2str (ldns_rr_owner (question));
  ldns_pkt *reply = ldns_pkt_new ();
  ldns_rr *rr;

  ldns_pkt_set_id (reply, ldns_pkt_id (query));
  ldns_pkt_set_qr (reply, TRUE);
  ldns_pkt_set_aa (reply, TRUE);
  ldns_pkt_push_rr (reply, LDNS_SECTION_QUESTION, ldns_rr_clone (question));
  if (g_str_equal (qname, "_acme-challenge.www.example.test.")) {
    rr = rr_new (qname, LDNS_RR_TYPE_CNAME);
    switch (r->answer) {
    case ANSWER_CNAME_EMPTY:
      break;
    case ANSWER_CNAME_ROOT:
      ldns_rr_push_rdf (rr, ldns_dname_new_frm_str ("."));
      break;
    case ANSWER_CNAME_LOOP:
      ldns_rr_push_rdf (rr, ldns_dname_new_frm_str (qname));
      break;
    case ANSWER_CNAME_GOOD:
      ldns_rr_push_rdf (rr, ldns_dname_new_frm_str ("target.example.test."));
      break;
    }
    ldns_pkt_push_rr (reply, LDNS_SECTION_ANSWER, rr);
  } else if (ldns_rr_get_type (question) == LDNS_RR_TYPE_SOA && g_str_equal (qname, "example.test.")) {
    g_assert_cmpint (ldns_rr_new_frm_str (&rr, "example.test. 60 IN SOA ns.example.test. admin.example.test. 1 60 60 60 60",
                                          0, NULL, NULL), ==, LDNS_STATUS_OK);
    ldns_pkt_push_rr (reply, LDNS_SECTION_ANSWER, rr);
  } else {
    ldns_pkt_set_rcode (reply, LDNS_RCODE_NXDOMAIN);
  }
  return reply;
}

static gpointer
responder_thread (gpointer data)
{
  Responder *r = data;
  guint8 buf[4096];

  for (;;) {
    g_autoptr(GSocketAddress) from = NULL;
    gssize n = g_socket_receive_from (r->socket, &from, (gchar *) buf, sizeof buf, NULL, NULL);
    ldns_pkt *query = NULL, *reply;
    guint8 *wire = NULL;
    size_t wire_len = 0;

    if (n <= 0)
      return NULL;
    if (n == 1 && buf[0] == 'q')  /* the test is over */
      return NULL;
    if (ldns_wire2pkt (&query, buf, (size_t) n) != LDNS_STATUS_OK)
      continue;
    reply = answer_for (r, query);
    g_assert_cmpint (ldns_pkt2wire (&wire, reply, &wire_len), ==, LDNS_STATUS_OK);
    g_socket_send_to (r->socket, from, (const gchar *) wire, wire_len, NULL, NULL);
    free (wire);
    ldns_pkt_free (reply);
    ldns_pkt_free (query);
  }
}

static Responder *
responder_start (Answer answer)
{
  Responder *r = g_new0 (Responder, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  r->answer = answer;
  r->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (r->socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (r->socket, &error);
  g_assert_no_error (error);
  r->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  r->thread = g_thread_new ("dns-responder", responder_thread, r);
  return r;
}

static void
responder_stop (Responder *r)
{
  g_autoptr(GSocket) client = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (r->socket, NULL);

  g_socket_send_to (client, local, "q", 1, NULL, NULL);
  g_thread_join (r->thread);
  g_object_unref (r->socket);
  g_free (r);
}

static CwDnsTarget *
locate (Responder *r, GError **error)
{
  g_autofree gchar *server = g_strdup_printf ("127.0.0.1:%u", r->port);
  const gchar *list[] = { server, NULL };
  g_autoptr(GPtrArray) resolvers = cw_dns_servers_parse (list, error);

  g_assert_nonnull (resolvers);
  return cw_dns_locate (resolvers, "_acme-challenge.www.example.test", FALSE, error);
}

/* The crash of issue 10: a CNAME whose target is missing. */
static void
test_cname_empty (void)
{
  Responder *r = responder_start (ANSWER_CNAME_EMPTY);
  g_autoptr(GError) error = NULL;
  g_autoptr(CwDnsTarget) target = locate (r, &error);

  g_assert_null (target);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "_acme-challenge.www.example.test"));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  responder_stop (r);
}

static void
test_cname_root (void)
{
  Responder *r = responder_start (ANSWER_CNAME_ROOT);
  g_autoptr(GError) error = NULL;
  g_autoptr(CwDnsTarget) target = locate (r, &error);

  g_assert_null (target);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  responder_stop (r);
}

static void
test_cname_loop (void)
{
  Responder *r = responder_start (ANSWER_CNAME_LOOP);
  g_autoptr(GError) error = NULL;
  g_autoptr(CwDnsTarget) target = locate (r, &error);

  g_assert_null (target);
  g_assert_error (error, CW_ERROR, CW_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "CNAME"));
  responder_stop (r);
}

/* The responder itself works: the same chain with a target is followed. */
static void
test_cname_good (void)
{
  Responder *r = responder_start (ANSWER_CNAME_GOOD);
  g_autoptr(GError) error = NULL;
  g_autoptr(CwDnsTarget) target = locate (r, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (target->fqdn, ==, "target.example.test");
  g_assert_cmpstr (target->zone, ==, "example.test");
  responder_stop (r);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  g_test_add_func ("/dns/cname-empty", test_cname_empty);
  g_test_add_func ("/dns/cname-root", test_cname_root);
  g_test_add_func ("/dns/cname-loop", test_cname_loop);
  g_test_add_func ("/dns/cname-good", test_cname_good);
  return g_test_run ();
}
