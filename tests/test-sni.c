/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* FindForName's rule, table-driven, on the SNI index: exact names,
 * wildcard depth, case, IDNA, IP addresses, roles and their fallbacks,
 * validity, and that a lookup stays a hash lookup among 10,000 certificates. */
#include "cw-certificate-private.h"
#include "cw-sni-index.h"
#include "cw-test-util.h"

#define DAY (24 * 3600)

static gint64 now;

/* A certificate as the index sees it: identities, roles, validity. The
 * index reads nothing else, so no key or signature is needed here. */
static CwCertificate *
fake_cert (const gchar *name, const gchar *ids, const gchar *roles, gint64 start, gint64 end)
{
  CwCertificate *cert = cw_certificate_new (name, name, "/nonexistent");
  CwCertInfo *info = g_new0 (CwCertInfo, 1);
  g_auto(GStrv) role_list = g_strsplit (roles, ",", -1);

  info->identities = g_strsplit (ids, ",", -1);
  info->not_before = now + start;
  info->not_after = now + end;
  info->fingerprint = g_strdup (name);
  cw_certificate_set_revision (cert, 1, "imported", info, TRUE, NULL);
  cw_certificate_set_roles (cert, (const gchar * const *) role_list);
  return cert;
}

typedef struct {
  const gchar *host;
  const gchar *role;
  const gchar *expected;   /* NULL: nothing fits */
} Case;

static const Case cases[] = {
  /* exact beats wildcard; among equals the one that expires last */
  { "www.example.com", "", "exact-later" },
  { "www.example.com", "server", "exact-later" },
  /* case and a trailing dot do not matter */
  { "WWW.Example.COM.", "server", "exact-later" },
  { "mixed.example.org", "", "upper" },
  /* a wildcard covers one label, not the base nor two labels */
  { "a.example.com", "", "wild" },
  { "example.com", "", "default" },
  { "a.b.example.com", "", "default" },
  /* roles filter */
  { "a.example.com", "sip-tls", "wild-sip" },
  { "sip.example.com", "server", "wild" },
  { "sip.example.com", "sip-tls", "sip-only" },
  /* IDNA names by their A-label, either spelling */
  { "bücher.example", "", "idn" },
  { "BÜCHER.example", "", "idn" },
  { "xn--bcher-kva.example", "", "idn" },
  /* IP addresses by value */
  { "192.0.2.1", "", "ip4" },
  { "2001:DB8:0:0::1", "", "ip6" },
  { "192.0.2.2", "", "default" },
  /* only certificates valid now */
  { "old.example.com", "", "wild" },
  { "notyet.example.com", "", "wild" },
  /* STIR/SHAKEN: exact name first, else the one that expires last */
  { "shaken.example.net", "stir-shaken", "shaken1" },
  { "nothing.test", "stir-shaken", "shaken2" },
  /* the default only serves roles it has */
  { "nothing.test", "", "default" },
  { "nothing.test", "sip-tls", NULL },
  { "nothing.test", "client", NULL },
};

static CwSniIndex *
build_index (GPtrArray *keep)
{
  CwSniIndex *index = cw_sni_index_new ();
  CwCertificate *certs[] = {
    fake_cert ("exact", "www.example.com", "server", -DAY, 100 * DAY),
    fake_cert ("exact-later", "www.example.com", "server", -DAY, 200 * DAY),
    fake_cert ("wild", "*.example.com", "server", -DAY, 50 * DAY),
    fake_cert ("wild-sip", "*.example.com", "sip-tls", -DAY, 50 * DAY),
    fake_cert ("sip-only", "sip.example.com", "sip-tls", -DAY, 50 * DAY),
    fake_cert ("upper", "MiXeD.Example.ORG", "server", -DAY, 50 * DAY),
    fake_cert ("idn", "xn--bcher-kva.example", "server", -DAY, 50 * DAY),
    fake_cert ("ip4", "192.0.2.1", "server", -DAY, 50 * DAY),
    fake_cert ("ip6", "2001:db8::1", "server", -DAY, 50 * DAY),
    fake_cert ("expired", "old.example.com", "server", -100 * DAY, -DAY),
    fake_cert ("future", "notyet.example.com", "server", DAY, 100 * DAY),
    fake_cert ("shaken1", "shaken.example.net", "stir-shaken", -DAY, 10 * DAY),
    fake_cert ("shaken2", "other.example.net", "stir-shaken", -DAY, 20 * DAY),
    fake_cert ("default", "pbx.local", "server", -DAY, 300 * DAY),
  };

  for (guint i = 0; i < G_N_ELEMENTS (certs); i++) {
    cw_sni_index_update (index, certs[i]);
    g_ptr_array_add (keep, certs[i]);
  }
  return index;
}

static CwCertificate *
find (GPtrArray *keep, const gchar *name)
{
  for (guint i = 0; i < keep->len; i++)
    if (g_str_equal (cw_certificate_get_name (g_ptr_array_index (keep, i)), name))
      return g_ptr_array_index (keep, i);
  g_assert_not_reached ();
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(CwSniIndex) index = build_index (keep);
  g_autofree gchar *found = NULL;

  cw_sni_index_set_default (index, cw_certificate_get_id (find (keep, "default")));
  found = cw_sni_index_lookup (index, c->host, c->role, now, NULL);
  if (c->expected == NULL)
    g_assert_null (found);
  else if (found == NULL)
    g_error ("%s (%s): nothing found, expected %s", c->host, c->role, c->expected);
  else
    g_assert_cmpstr (found, ==, cw_certificate_get_id (find (keep, c->expected)));
}

/* Re-indexing follows a certificate's changes; removal forgets it. */
static void
test_update_and_remove (void)
{
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(CwSniIndex) index = build_index (keep);
  CwCertificate *exact_later = find (keep, "exact-later");
  static const gchar *const sip[] = { "sip-tls", NULL };
  g_autofree gchar *found = NULL;

  cw_certificate_set_roles (exact_later, sip);
  cw_sni_index_update (index, exact_later);
  found = cw_sni_index_lookup (index, "www.example.com", "", now, NULL);
  g_assert_cmpstr (found, ==, "exact");
  g_free (found);
  cw_sni_index_remove (index, find (keep, "exact"));
  found = cw_sni_index_lookup (index, "www.example.com", "", now, NULL);
  g_assert_cmpstr (found, ==, "wild");
  g_clear_pointer (&found, g_free);
  cw_sni_index_remove (index, find (keep, "wild"));
  g_assert_null (cw_sni_index_lookup (index, "www.example.com", "", now, NULL));
}

/* An expired default is no answer. */
static void
test_expired_default (void)
{
  g_autoptr(CwSniIndex) index = cw_sni_index_new ();
  g_autoptr(CwCertificate) old = fake_cert ("old", "pbx.local", "server", -100 * DAY, -DAY);

  cw_sni_index_update (index, old);
  cw_sni_index_set_default (index, cw_certificate_get_id (old));
  g_assert_null (cw_sni_index_lookup (index, "anything.test", "", now, NULL));
}

/* With 10,000 tenants' certificates, a lookup looks only at the few that
 * carry the name: a hash lookup, not a scan. */
static void
test_scale (void)
{
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(CwSniIndex) index = cw_sni_index_new ();
  g_autofree gchar *found = NULL;
  guint examined = 0;

  for (guint i = 0; i < 10000; i++) {
    g_autofree gchar *name = g_strdup_printf ("tenant%u", i);
    g_autofree gchar *ids = g_strdup_printf ("pbx.tenant%u.example,*.tenant%u.example", i, i);
    CwCertificate *cert = fake_cert (name, ids, "server,sip-tls", -DAY, (30 + i % 60) * DAY);

    cw_sni_index_update (index, cert);
    g_ptr_array_add (keep, cert);
  }
  found = cw_sni_index_lookup (index, "pbx.tenant7777.example", "sip-tls", now, &examined);
  g_assert_cmpstr (found, ==, "tenant7777");
  g_assert_cmpuint (examined, ==, 1);
  g_free (found);
  found = cw_sni_index_lookup (index, "phone3.tenant4242.example", "server", now, &examined);
  g_assert_cmpstr (found, ==, "tenant4242");
  g_assert_cmpuint (examined, ==, 1);   /* no exact entry, one wildcard */
  g_clear_pointer (&found, g_free);
  g_assert_null (cw_sni_index_lookup (index, "unknown.example", "server", now, &examined));
  g_assert_cmpuint (examined, ==, 0);
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  now = g_get_real_time () / G_USEC_PER_SEC;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *path = g_strdup_printf ("/sni/%s/%s", cases[i].host, *cases[i].role ? cases[i].role : "default-role");

    g_test_add_data_func (path, &cases[i], run_case);
  }
  g_test_add_func ("/sni/update-and-remove", test_update_and_remove);
  g_test_add_func ("/sni/expired-default", test_expired_default);
  g_test_add_func ("/sni/scale", test_scale);
  return g_test_run ();
}
