/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cw-test-dns.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#define READY_TIMEOUT_S 10

static const gchar * const zones[] = { "example.test", "delegated.test" };

/* The servers die with the test program, even when an assertion aborts it. */
static void
die_with_parent (gpointer user_data)
{
  /* SIGKILL: a server a test paused (SIGSTOP) would never act on SIGTERM,
   * and would hold its port after a failed test */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn (const gchar *log, const gchar * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT |
                                                                       G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return process;
}

/* Whether @address:@port (UDP and TCP) can be bound; why not in @why. */
static gboolean
can_bind (const gchar *address, guint port, gchar **why)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) socket_address = NULL;
  const GSocketType types[] = { G_SOCKET_TYPE_DATAGRAM, G_SOCKET_TYPE_STREAM };

  g_assert_nonnull (inet);
  socket_address = g_inet_socket_address_new (inet, port);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocket) socket = g_socket_new (g_inet_address_get_family (inet), types[i], G_SOCKET_PROTOCOL_DEFAULT,
                                              &error);

    /* TCP reuses the address like named does (old connections in TIME_WAIT) */
    if (socket == NULL || !g_socket_bind (socket, socket_address, types[i] == G_SOCKET_TYPE_STREAM, &error)) {
      *why = g_strdup_printf ("cannot bind %s %s:%u (%s): run the DNS tests as root with the port free",
                              types[i] == G_SOCKET_TYPE_STREAM ? "TCP" : "UDP", address, port, error->message);
      return FALSE;
    }
  }
  return TRUE;
}

/* named listens only on addresses that an interface has (it never binds
 * an address of its own choosing), and lo has just 127.0.0.1/8: give lo
 * @address too. It stays (harmless, and other tests may be using it). */
static gboolean
ensure_loopback_address (const gchar *address, gchar **why)
{
  g_autofree gchar *check = g_strdup_printf ("ip -o -4 addr show dev lo | grep -qF 'inet %s/'", address);
  g_autofree gchar *add = g_strdup_printf ("ip addr add %s/32 dev lo 2>&1", address);
  g_autofree gchar *out = NULL;

  if (g_str_equal (address, "127.0.0.1") || cw_test_run (check, NULL) == 0)
    return TRUE;
  /* another test program may add it at the same moment: check again */
  if (cw_test_run (add, &out) == 0 || cw_test_run (check, NULL) == 0)
    return TRUE;
  *why = g_strdup_printf ("named needs %s on an interface, and “ip addr add %s/32 dev lo” failed (%s): "
                          "run the DNS tests as root, or add the address first",
                          address, address, out != NULL ? g_strstrip (out) : "");
  return FALSE;
}

static gboolean
skip_unless_installed (const gchar * const *programs)
{
  for (guint i = 0; programs[i] != NULL; i++) {
    g_autofree gchar *path = g_find_program_in_path (programs[i]);

    if (path == NULL) {
      g_autofree gchar *message = g_strdup_printf ("%s is not installed", programs[i]);

      g_test_skip (message);
      return FALSE;
    }
  }
  return TRUE;
}

static gchar *
random_secret (gsize length)
{
  g_autofree guchar *bytes = g_new (guchar, length);

  for (gsize i = 0; i < length; i++)
    bytes[i] = g_random_int_range (0, 256);
  return g_base64_encode (bytes, length);
}

static gchar *
log_tail (const gchar *dir, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *text = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &text, &length, NULL))
    return g_strdup ("(no log)");
  return g_strdup (length > 2000 ? text + length - 2000 : text);
}

static void
write_file (const gchar *dir, const gchar *name, const gchar *contents)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* Whether every zone answers its SOA at @address:@port with authority. */
static gboolean
zones_answer (const gchar *address, guint port)
{
  for (guint i = 0; i < G_N_ELEMENTS (zones); i++) {
    g_autofree gchar *command = g_strdup_printf ("dig +norecurse +time=1 +tries=1 +noall +answer -p %u @%s %s SOA",
                                                 port, address, zones[i]);
    g_autofree gchar *out = NULL;

    if (cw_test_run (command, &out) != 0 || out == NULL || strstr (out, "SOA") == NULL)
      return FALSE;
  }
  return TRUE;
}

/* Polls until both zones answer, named exits, or READY_TIMEOUT_S passes. */
static gboolean
wait_ready (CwTestBind *bind)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_S * G_USEC_PER_SEC;
  g_autofree gchar *tail = NULL;

  while (g_get_monotonic_time () < deadline) {
    if (g_subprocess_get_identifier (bind->process) == NULL)   /* it exited */
      break;
    if (zones_answer (bind->address, bind->port))
      return TRUE;
    g_usleep (50 * 1000);
  }
  tail = log_tail (bind->dir, "named.log");
  if (strstr (tail, "address in use") != NULL || strstr (tail, "permission denied") != NULL) {
    g_autofree gchar *message = g_strdup_printf ("named cannot listen on %s:%u: run the DNS tests as root with the "
                                                 "port free; its log ends:\n%s", bind->address, bind->port, tail);
    g_test_skip (message);
  } else {
    g_test_fail_printf ("named on %s:%u did not serve %s and %s within %d s; its log ends:\n%s", bind->address,
                        bind->port, zones[0], zones[1], READY_TIMEOUT_S, tail);
  }
  return FALSE;
}

static CwTestBind *
bind_new (const gchar *address, guint port)
{
  CwTestBind *bind;
  g_autofree gchar *why = NULL;
  const gchar *programs[] = { "named", "dig", NULL };

  if (!skip_unless_installed (programs))
    return NULL;
  if (!can_bind (address, port, &why) || !ensure_loopback_address (address, &why)) {
    g_test_skip (why);
    return NULL;
  }
  bind = g_new0 (CwTestBind, 1);
  bind->dir = cw_test_mkdtemp ();
  bind->address = g_strdup (address);
  bind->port = port;
  return bind;
}

/* The parts of named.conf both servers share. */
static gchar *
common_conf (CwTestBind *bind)
{
  return g_strdup_printf (
    "key \"%s\" { algorithm hmac-sha256; secret \"%s\"; };\n"
    "key \"%s\" { algorithm hmac-sha512; secret \"%s\"; };\n"
    "options {\n"
    "  directory \"%s\";\n"                 /* the journals go here */
    "  pid-file \"%s/named.pid\";\n"
    "  session-keyfile \"%s/session.key\";\n"
    "  managed-keys-directory \"%s\";\n"
    "  listen-on port %u { %s; };\n"
    "  listen-on-v6 { none; };\n"
    /* like the recursive resolver a CA's validator asks: a CNAME into the
     * other zone is answered with the target's records (nothing outside
     * the two zones is ever looked up) */
    "  recursion yes;\n"
    "  allow-recursion { any; };\n"
    "  allow-query { any; };\n"
    "  dnssec-validation no;\n"
    "  notify yes;\n"
    "  notify-delay 0;\n"
    /* from our own address: a secondary takes NOTIFY only from its primary */
    "  notify-source %s;\n"
    "  transfer-source %s;\n"
    "  query-source address %s;\n"
    "  min-refresh-time 5;\n"
    "  min-retry-time 1;\n"
    "};\n"
    "controls { };\n",                       /* no rndc channel on :953 */
    bind->tsig_name, bind->tsig_secret, bind->tsig512_name, bind->tsig512_secret,
    bind->dir, bind->dir, bind->dir, bind->dir, bind->port, bind->address,
    bind->address, bind->address, bind->address);
}

static CwTestBind *
bind_launch (CwTestBind *bind, const gchar *conf)
{
  g_autofree gchar *conf_path = g_build_filename (bind->dir, "named.conf", NULL);
  g_autofree gchar *log = g_build_filename (bind->dir, "named.log", NULL);
  const gchar *argv[] = { "named", "-g", "-c", conf_path, NULL };

  write_file (bind->dir, "named.conf", conf);
  bind->process = spawn (log, argv);
  if (!wait_ready (bind)) {
    cw_test_bind_stop (bind);
    return NULL;
  }
  return bind;
}

CwTestBind *
cw_test_bind_start (const gchar *address, guint port, const gchar *secondary_address)
{
  CwTestBind *bind = bind_new (address, port);
  g_autofree gchar *common = NULL;
  g_autoptr(GString) conf = NULL;

  if (bind == NULL)
    return NULL;
  bind->tsig_name = g_strdup ("certward-key");
  bind->tsig_secret = random_secret (32);
  bind->tsig512_name = g_strdup ("certward-key512");
  bind->tsig512_secret = random_secret (64);

  common = common_conf (bind);
  conf = g_string_new (common);
  for (guint i = 0; i < G_N_ELEMENTS (zones); i++) {
    g_autofree gchar *file = g_strdup_printf ("%s.zone", zones[i]);
    g_autoptr(GString) zone = g_string_new (NULL);

    /* SOA: refresh 60, retry 5, expire 3600, negative TTL 1 */
    g_string_append_printf (zone,
                            "$TTL 60\n"
                            "@   IN SOA ns1.%s. hostmaster.%s. ( 1 60 5 3600 1 )\n"
                            "    IN NS  ns1.%s.\n"
                            "ns1 IN A   %s\n",
                            zones[i], zones[i], zones[i], address);
    if (secondary_address != NULL)
      g_string_append_printf (zone, "@   IN NS  ns2.%s.\nns2 IN A   %s\n", zones[i], secondary_address);
    if (i == 0)
      g_string_append (zone,
                       "www IN A   127.0.0.1\n"
                       "_acme-challenge.cname IN CNAME _acme-challenge.cname.delegated.test.\n");
    write_file (bind->dir, file, zone->str);

    g_string_append_printf (conf,
                            "zone \"%s\" {\n"
                            "  type primary;\n"
                            "  file \"%s/%s\";\n"
                            "  allow-update { key \"%s\"; key \"%s\"; };\n",
                            zones[i], bind->dir, file, bind->tsig_name, bind->tsig512_name);
    if (secondary_address != NULL)
      g_string_append_printf (conf,
                              "  also-notify { %s port %u; };\n"
                              "  allow-transfer { %s; };\n",
                              secondary_address, port, secondary_address);
    g_string_append (conf, "};\n");
  }
  return bind_launch (bind, conf->str);
}

CwTestBind *
cw_test_bind_start_secondary (CwTestBind *primary, const gchar *address, guint port)
{
  CwTestBind *bind;
  g_autofree gchar *common = NULL;
  g_autoptr(GString) conf = NULL;

  g_return_val_if_fail (primary != NULL, NULL);
  bind = bind_new (address, port);
  if (bind == NULL)
    return NULL;
  bind->tsig_name = g_strdup (primary->tsig_name);
  bind->tsig_secret = g_strdup (primary->tsig_secret);
  bind->tsig512_name = g_strdup (primary->tsig512_name);
  bind->tsig512_secret = g_strdup (primary->tsig512_secret);

  common = common_conf (bind);
  conf = g_string_new (common);
  for (guint i = 0; i < G_N_ELEMENTS (zones); i++)
    g_string_append_printf (conf,
                            "zone \"%s\" {\n"
                            "  type secondary;\n"
                            "  primaries { %s port %u; };\n"
                            "  file \"%s/%s.db\";\n"
                            "};\n",
                            zones[i], primary->address, primary->port, bind->dir, zones[i]);
  return bind_launch (bind, conf->str);
}

/* SIGTERM, then SIGKILL when it has not exited after @seconds. */
static void
terminate (GSubprocess *process, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  g_subprocess_send_signal (process, SIGTERM);
  while (g_subprocess_get_identifier (process) != NULL && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
}

void
cw_test_bind_stop (CwTestBind *bind)
{
  if (bind == NULL)
    return;
  if (bind->process != NULL) {
    g_subprocess_send_signal (bind->process, SIGCONT);
    terminate (bind->process, 5);
    g_object_unref (bind->process);
  }
  cw_test_rmdir (bind->dir);
  g_free (bind->dir);
  g_free (bind->address);
  g_free (bind->tsig_name);
  g_free (bind->tsig_secret);
  g_free (bind->tsig512_name);
  g_free (bind->tsig512_secret);
  g_free (bind);
}

void
cw_test_bind_pause (CwTestBind *bind, gboolean paused)
{
  g_subprocess_send_signal (bind->process, paused ? SIGSTOP : SIGCONT);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

gchar **
cw_test_dns_txt (const gchar *address, guint port, const gchar *name)
{
  g_autofree gchar *quoted = g_shell_quote (name);
  /* the answer section, not +short: that would list a CNAME's target too */
  g_autofree gchar *command = g_strdup_printf ("dig +noall +answer +norecurse +time=2 +tries=1 -p %u @%s %s TXT",
                                               port, address, quoted);
  g_autofree gchar *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) values = g_ptr_array_new ();

  /* no answer (a paused server) counts as no values */
  if (cw_test_run (command, &out) != 0)
    g_clear_pointer (&out, g_free);
  lines = g_strsplit (out != NULL ? out : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) fields = NULL;
    gint n = 0;

    /* name. 60 IN TXT "abc" "def": the strings of one record, quoted */
    if (lines[i][0] == ';' || *g_strstrip (lines[i]) == '\0')
      continue;
    if (!g_shell_parse_argv (lines[i], &n, &fields, NULL))
      g_error ("cannot parse dig's TXT output “%s”", lines[i]);
    if (n >= 5 && g_str_equal (fields[3], "TXT"))
      g_ptr_array_add (values, g_strjoinv ("", fields + 4));
  }
  g_ptr_array_sort (values, compare_strings);
  g_ptr_array_add (values, NULL);
  return (gchar **) g_ptr_array_free (g_steal_pointer (&values), FALSE);
}

/* ---- PowerDNS ------------------------------------------------------------ */

/* An HTTP request to the API; its status code (0 when it did not answer). */
static gint
pdns_api (CwTestPdns *pdns, const gchar *method, const gchar *path, const gchar *body)
{
  g_autofree gchar *quoted = g_shell_quote (body != NULL ? body : "");
  g_autofree gchar *command = g_strdup_printf ("curl -sS -o /dev/null -w '%%{http_code}' -H 'X-API-Key: %s' "
                                               "-H 'Content-Type: application/json' -X %s %s%s "
                                               "'%s/api/v1/servers/localhost%s' 2>/dev/null",
                                               pdns->api_key, method, body != NULL ? "-d " : "",
                                               body != NULL ? quoted : "", pdns->api_url, path);
  g_autofree gchar *out = NULL;

  if (cw_test_run (command, &out) != 0 || out == NULL)
    return 0;
  return atoi (out);
}

CwTestPdns *
cw_test_pdns_start (guint dns_port, guint api_port)
{
  const gchar *programs[] = { "pdns_server", "sqlite3", "curl", NULL };
  const gchar *schema = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql";
  g_autofree gchar *why = NULL, *conf = NULL, *command = NULL, *log = NULL, *zone = NULL, *ns = NULL;
  g_autoptr(CwTestPdns) pdns = NULL;
  gint64 deadline;
  gint code = 0;

  if (!skip_unless_installed (programs))
    return NULL;
  if (!g_file_test (schema, G_FILE_TEST_EXISTS)) {
    g_test_skip ("pdns-backend-sqlite3 is not installed");
    return NULL;
  }
  if (!can_bind ("127.0.0.1", dns_port, &why) || !can_bind ("127.0.0.1", api_port, &why)) {
    g_test_skip (why);
    return NULL;
  }
  pdns = g_new0 (CwTestPdns, 1);
  pdns->dir = cw_test_mkdtemp ();
  pdns->dns_port = dns_port;
  pdns->api_port = api_port;
  pdns->api_url = g_strdup_printf ("http://127.0.0.1:%u", api_port);
  pdns->api_key = g_strdup_printf ("%08x%08x%08x%08x", g_random_int (), g_random_int (), g_random_int (),
                                   g_random_int ());

  command = g_strdup_printf ("sqlite3 '%s/pdns.sqlite3' < '%s'", pdns->dir, schema);
  g_assert_cmpint (cw_test_run (command, NULL), ==, 0);
  conf = g_strdup_printf ("launch=gsqlite3\n"
                          "gsqlite3-database=%s/pdns.sqlite3\n"
                          "local-address=127.0.0.1\n"
                          "local-port=%u\n"
                          "socket-dir=%s\n"
                          "daemon=no\n"
                          "guardian=no\n"
                          "disable-syslog=yes\n"
                          "loglevel=4\n"
                          "security-poll-suffix=\n"
                          "default-soa-content=ns1.@ hostmaster.@ 0 60 60 3600 1\n"
                          "api=yes\n"
                          "api-key=%s\n"
                          "webserver=yes\n"
                          "webserver-address=127.0.0.1\n"
                          "webserver-port=%u\n"
                          "webserver-allow-from=127.0.0.1\n",
                          pdns->dir, dns_port, pdns->dir, pdns->api_key, api_port);
  write_file (pdns->dir, "pdns.conf", conf);
  log = g_build_filename (pdns->dir, "pdns.log", NULL);
  {
    g_autofree gchar *config_dir = g_strdup_printf ("--config-dir=%s", pdns->dir);
    const gchar *argv[] = { "pdns_server", config_dir, NULL };

    pdns->process = spawn (log, argv);
  }

  deadline = g_get_monotonic_time () + READY_TIMEOUT_S * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && g_subprocess_get_identifier (pdns->process) != NULL &&
         (code = pdns_api (pdns, "GET", "", NULL)) != 200)
    g_usleep (50 * 1000);
  if (code != 200) {
    g_autofree gchar *tail = log_tail (pdns->dir, "pdns.log");

    g_test_fail_printf ("pdns_server's API on %s did not answer within %d s; its log ends:\n%s", pdns->api_url,
                        READY_TIMEOUT_S, tail);
    return NULL;
  }

  zone = g_strdup ("{\"name\":\"example.test.\",\"kind\":\"Native\",\"nameservers\":[\"ns1.example.test.\"]}");
  g_assert_cmpint (pdns_api (pdns, "POST", "/zones", zone), ==, 201);
  ns = g_strdup ("{\"rrsets\":[{\"name\":\"ns1.example.test.\",\"type\":\"A\",\"ttl\":60,\"changetype\":\"REPLACE\","
                 "\"records\":[{\"content\":\"127.0.0.1\",\"disabled\":false}]}]}");
  g_assert_cmpint (pdns_api (pdns, "PATCH", "/zones/example.test.", ns), ==, 204);
  return g_steal_pointer (&pdns);
}

void
cw_test_pdns_stop (CwTestPdns *pdns)
{
  if (pdns == NULL)
    return;
  if (pdns->process != NULL) {
    terminate (pdns->process, 5);
    g_object_unref (pdns->process);
  }
  cw_test_rmdir (pdns->dir);
  g_free (pdns->dir);
  g_free (pdns->api_url);
  g_free (pdns->api_key);
  g_free (pdns);
}
