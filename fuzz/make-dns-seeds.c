/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * make-dns-seeds.c: seeds for fuzz-dns, written with ldns from zone-file
 * text: whole conversations as dns-01 has them (CNAME chains, SOA in the
 * answer or the authority section, NS with and without glue, TXT values,
 * a truncated answer that sends the client to TCP). Each seed is the
 * harness's flags byte and the answers in the order the questions come,
 * each with its 16-bit length.
 * Usage: make-dns-seeds DIR
 */
#include <glib.h>
#include <ldns/ldns.h>
#include <stdio.h>

#define NAME "_acme-challenge.www.example.test."
#define SOA "example.test. 60 IN SOA ns1.example.test. admin.example.test. 1 60 60 60 60"

/* One answer: the question, then "S rr" lines (S: a = answer, u =
 * authority, d = additional), with @rcode and the TC flag. */
static void
add_answer (GByteArray *out, const gchar *qname, ldns_rr_type qtype, ldns_pkt_rcode rcode, gboolean tc,
            const gchar *const *rrs)
{
  ldns_pkt *pkt = ldns_pkt_new ();
  ldns_rr *question = ldns_rr_new ();
  guint8 *wire = NULL, len[2];
  size_t wire_len = 0;

  ldns_rr_set_owner (question, ldns_dname_new_frm_str (qname));
  ldns_rr_set_type (question, qtype);
  ldns_rr_set_class (question, LDNS_RR_CLASS_IN);
  ldns_rr_set_question (question, TRUE);
  ldns_pkt_push_rr (pkt, LDNS_SECTION_QUESTION, question);
  ldns_pkt_set_qr (pkt, TRUE);
  ldns_pkt_set_aa (pkt, TRUE);
  ldns_pkt_set_rd (pkt, TRUE);
  ldns_pkt_set_ra (pkt, TRUE);
  ldns_pkt_set_tc (pkt, tc);
  ldns_pkt_set_rcode (pkt, rcode);
  for (guint i = 0; rrs != NULL && rrs[i] != NULL; i++) {
    ldns_rr *rr = NULL;
    ldns_pkt_section section = rrs[i][0] == 'a' ? LDNS_SECTION_ANSWER
                               : rrs[i][0] == 'u' ? LDNS_SECTION_AUTHORITY : LDNS_SECTION_ADDITIONAL;

    if (ldns_rr_new_frm_str (&rr, rrs[i] + 2, 60, NULL, NULL) != LDNS_STATUS_OK)
      g_error ("bad record: %s", rrs[i] + 2);
    ldns_pkt_push_rr (pkt, section, rr);
  }
  if (ldns_pkt2wire (&wire, pkt, &wire_len) != LDNS_STATUS_OK)
    g_error ("cannot write a DNS message");
  ldns_write_uint16 (len, wire_len);
  g_byte_array_append (out, len, 2);
  g_byte_array_append (out, wire, wire_len);
  free (wire);
  ldns_pkt_free (pkt);
}

static void
save (const gchar *dir, const gchar *name, GByteArray *seed)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, (const gchar *) seed->data, seed->len, &error))
    g_error ("%s", error->message);
  g_byte_array_unref (seed);
}

static GByteArray *
seed_new (guint8 flags)
{
  GByteArray *seed = g_byte_array_new ();

  g_byte_array_append (seed, &flags, 1);
  return seed;
}

#define RRS(...) ((const gchar *const[]) { __VA_ARGS__, NULL })

int
main (int argc, char **argv)
{
  const gchar *dir = argv[1];
  GByteArray *seed;

  if (argc != 2)
    return 2;

  /* the plain case: no CNAME, the zone from the authority section of an
   * empty answer, NS with glue, then the value */
  seed = seed_new (1 | 2);
  add_answer (seed, NAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, FALSE, RRS ("u " SOA));
  add_answer (seed, NAME, LDNS_RR_TYPE_SOA, LDNS_RCODE_NOERROR, FALSE, RRS ("u " SOA));
  add_answer (seed, "example.test.", LDNS_RR_TYPE_NS, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a example.test. 60 IN NS ns1.example.test.", "a example.test. 60 IN NS ns2.example.test.",
                   "d ns1.example.test. 60 IN A 192.0.2.53", "d ns1.example.test. 60 IN AAAA 2001:db8::53",
                   "d ns2.example.test. 60 IN A 192.0.2.54"));
  add_answer (seed, NAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a " NAME " 60 IN TXT \"Xz3mCdE1vRjBxfZC1pQyXwTqJb8NmkxD7cCgHsd0Tew\"",
                   "a " NAME " 60 IN TXT \"part one\" \"part two\""));
  save (dir, "plain", seed);

  /* a CNAME chain in one answer, into another zone, whose SOA is in the
   * answer section; NS without glue, so their addresses are asked */
  seed = seed_new (1);
  add_answer (seed, NAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a " NAME " 60 IN CNAME www.acme.example.net.",
                   "a www.acme.example.net. 60 IN CNAME delegated.acme.example.net.",
                   "a delegated.acme.example.net. 60 IN TXT \"value\""));
  /* the end of the chain is asked again: no further CNAME */
  add_answer (seed, "delegated.acme.example.net.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a delegated.acme.example.net. 60 IN TXT \"value\""));
  add_answer (seed, "delegated.acme.example.net.", LDNS_RR_TYPE_SOA, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a acme.example.net. 60 IN SOA ns.acme.example.net. root.acme.example.net. 7 60 60 60 60"));
  add_answer (seed, "acme.example.net.", LDNS_RR_TYPE_NS, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a acme.example.net. 60 IN NS ns.acme.example.net."));
  add_answer (seed, "ns.acme.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a ns.acme.example.net. 60 IN A 198.51.100.7"));
  add_answer (seed, "ns.acme.example.net.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a ns.acme.example.net. 60 IN AAAA 2001:db8::7"));
  add_answer (seed, "delegated.acme.example.net.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a delegated.acme.example.net. 60 IN TXT \"value\""));
  save (dir, "cname-chain", seed);

  /* a CNAME per answer, and NXDOMAIN on the way to the zone */
  seed = seed_new (0);
  add_answer (seed, NAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a " NAME " 60 IN CNAME hop.example.test."));
  add_answer (seed, "hop.example.test.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NXDOMAIN, FALSE,
              RRS ("u " SOA));
  add_answer (seed, "hop.example.test.", LDNS_RR_TYPE_SOA, LDNS_RCODE_NXDOMAIN, FALSE, NULL);
  add_answer (seed, "example.test.", LDNS_RR_TYPE_SOA, LDNS_RCODE_NOERROR, FALSE, RRS ("a " SOA));
  add_answer (seed, "hop.example.test.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NXDOMAIN, FALSE, NULL);
  save (dir, "cname-nxdomain", seed);

  /* truncated over UDP: the same question again over TCP */
  seed = seed_new (2);
  add_answer (seed, NAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, TRUE, NULL);
  add_answer (seed, NAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, FALSE,
              RRS ("a " NAME " 60 IN TXT \"from-tcp\"", "u " SOA));
  add_answer (seed, NAME, LDNS_RR_TYPE_SOA, LDNS_RCODE_NOERROR, TRUE, NULL);
  add_answer (seed, NAME, LDNS_RR_TYPE_SOA, LDNS_RCODE_NOERROR, FALSE, RRS ("u " SOA));
  add_answer (seed, NAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_REFUSED, FALSE, NULL);
  save (dir, "truncated", seed);
  return 0;
}
