/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rfc2136 and exec DNS providers, loaded from the build tree with
 * GModule as the agent loads them: rfc2136 against a real BIND9 (from
 * cw-test-dns.c), exec with tests/provider-exec-script.sh.
 */
#include "certward-provider.h"
#include "cw-test-dns.h"
#include "cw-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>

/* Ports 24650-24699 are ours; distinct loopback addresses keep these servers
 * apart from the end-to-end tests' ones on 127.0.55.x:53 (test-dns01). */
#define PRIMARY_ADDRESS   "127.0.54.1"
#define SECONDARY_ADDRESS "127.0.54.2"
#define BIND_PORT         24653

#define VALUE_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define VALUE_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const CwProviderPlugin *
load_plugin (const gchar *type)
{
  const gchar *dir = g_getenv ("CW_PROVIDER_BUILD_DIR");
  g_autofree gchar *file = g_strconcat (type, ".so", NULL);
  g_autofree gchar *path = NULL;
  GModule *module;
  gpointer symbol = NULL;

  g_assert_nonnull (dir);
  path = g_build_filename (dir, file, NULL);
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    g_error ("cannot load %s: %s", path, g_module_error ());
  g_assert_true (g_module_symbol (module, CW_PROVIDER_SYMBOL, &symbol));
  g_assert_nonnull (symbol);
  /* like the agent, keep it loaded */
  g_module_make_resident (module);
  return symbol;
}

static GHashTable *
settings_new (const gchar *first_key, ...)
{
  GHashTable *settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  va_list args;

  va_start (args, first_key);
  for (const gchar *key = first_key; key != NULL; key = va_arg (args, const gchar *))
    g_hash_table_insert (settings, g_strdup (key), g_strdup (va_arg (args, const gchar *)));
  va_end (args);
  return settings;
}

static void
check_field (const CwProviderPlugin *plugin, const gchar *key, gboolean required, gboolean secret)
{
  for (const CwProviderField *field = plugin->fields; field->key != NULL; field++) {
    if (g_str_equal (field->key, key)) {
      g_assert_cmpint (field->required, ==, required);
      g_assert_cmpint (field->secret, ==, secret);
      g_assert_nonnull (field->label);
      g_assert_nonnull (field->description);
      return;
    }
  }
  g_error ("%s has no field %s", plugin->type, key);
}

static guint
count_fields (const CwProviderPlugin *plugin)
{
  guint n = 0;

  for (const CwProviderField *field = plugin->fields; field->key != NULL; field++)
    n++;
  return n;
}

static void
test_abi (void)
{
  const CwProviderPlugin *rfc2136 = load_plugin ("rfc2136");
  const CwProviderPlugin *exec = load_plugin ("exec");

  g_assert_cmpuint (rfc2136->abi_version, ==, CW_PROVIDER_ABI_VERSION);
  g_assert_cmpstr (rfc2136->type, ==, "rfc2136");
  g_assert_cmpuint (count_fields (rfc2136), ==, 5);
  check_field (rfc2136, "nameserver", TRUE, FALSE);
  check_field (rfc2136, "tsig-key", FALSE, FALSE);
  check_field (rfc2136, "tsig-secret", FALSE, TRUE);
  check_field (rfc2136, "tsig-algorithm", FALSE, FALSE);
  check_field (rfc2136, "zone", FALSE, FALSE);

  g_assert_cmpuint (exec->abi_version, ==, CW_PROVIDER_ABI_VERSION);
  g_assert_cmpstr (exec->type, ==, "exec");
  g_assert_cmpuint (count_fields (exec), ==, 2);
  check_field (exec, "program", TRUE, FALSE);
  check_field (exec, "timeout", FALSE, FALSE);

  for (const CwProviderPlugin *p = rfc2136; p != NULL; p = p == rfc2136 ? exec : NULL) {
    g_assert_nonnull (p->display_name);
    g_assert_nonnull (p->create);
    g_assert_nonnull (p->free);
    g_assert_nonnull (p->present_async);
    g_assert_nonnull (p->present_finish);
    g_assert_nonnull (p->cleanup_async);
    g_assert_nonnull (p->cleanup_finish);
  }
}

/* create() fails with INVALID_ARGUMENT and a message naming @field (and
 * never quoting @secret). */
static void
assert_create_fails (const CwProviderPlugin *plugin, GHashTable *settings, const gchar *field, const gchar *secret)
{
  g_autoptr(GError) error = NULL;
  gpointer instance = plugin->create (settings, &error);

  g_assert_null (instance);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, field));
  if (secret != NULL)
    g_assert_null (strstr (error->message, secret));
  g_hash_table_unref (settings);
}

static void
test_rfc2136_create (void)
{
  const CwProviderPlugin *plugin = load_plugin ("rfc2136");
  const gchar *good = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==";
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) settings = NULL;
  gpointer instance;

  assert_create_fails (plugin, settings_new ("tsig-key", "k", "tsig-secret", good, NULL), "nameserver", good);
  assert_create_fails (plugin, settings_new ("nameserver", "127.0.0.1:99999", NULL), "nameserver", NULL);
  assert_create_fails (plugin, settings_new ("nameserver", "[::1", NULL), "nameserver", NULL);
  assert_create_fails (plugin, settings_new ("nameserver", "127.0.0.1", "tsig-key", "k",
                                             "tsig-secret", "not base64!!", NULL), "tsig-secret", "not base64!!");
  assert_create_fails (plugin, settings_new ("nameserver", "127.0.0.1", "tsig-key", "k",
                                             "tsig-secret", good, "tsig-algorithm", "hmac-md5", NULL),
                       "tsig-algorithm", good);
  assert_create_fails (plugin, settings_new ("nameserver", "127.0.0.1", "tsig-key", "k", NULL), "tsig-secret", NULL);
  assert_create_fails (plugin, settings_new ("nameserver", "127.0.0.1", "tsig-secret", good, NULL), "tsig-key", good);
  assert_create_fails (plugin, settings_new ("nameserver", "127.0.0.1", "zone", "a..b", NULL), "zone", NULL);

  /* the accepted forms */
  {
    const gchar *nameservers[] = { "127.0.0.1", "127.0.0.1:5353", "[::1]:53", "::1", "ns1.example.test",
                                   "ns1.example.test:53" };

    for (guint i = 0; i < G_N_ELEMENTS (nameservers); i++) {
      settings = settings_new ("nameserver", nameservers[i], "tsig-key", "k", "tsig-secret", good,
                               "tsig-algorithm", "hmac-sha512", "zone", "example.test", NULL);
      instance = plugin->create (settings, &error);
      g_assert_no_error (error);
      g_assert_nonnull (instance);
      plugin->free (instance);
      g_clear_pointer (&settings, g_hash_table_unref);
    }
  }
}

static void
test_exec_create (void)
{
  const CwProviderPlugin *plugin = load_plugin ("exec");
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) settings = settings_new ("program", "/bin/true", "timeout", "5", NULL);
  gpointer instance;

  assert_create_fails (plugin, settings_new ("timeout", "5", NULL), "program", NULL);
  assert_create_fails (plugin, settings_new ("program", "bin/hook.sh", NULL), "program", NULL);
  assert_create_fails (plugin, settings_new ("program", "/bin/true", "timeout", "soon", NULL), "timeout", NULL);
  assert_create_fails (plugin, settings_new ("program", "/bin/true", "timeout", "0", NULL), "timeout", NULL);

  instance = plugin->create (settings, &error);
  g_assert_no_error (error);
  plugin->free (instance);
}

/* ---- running present / cleanup ----------------------------------------- */

static gboolean
call (const CwProviderPlugin *plugin, gpointer instance, gboolean present, const gchar *fqdn, const gchar *value,
      const gchar *zone, GError **error)
{
  CwProviderRecord record = { fqdn, value, zone, 60 };
  g_autoptr(GAsyncResult) result = NULL;

  if (present)
    plugin->present_async (instance, &record, NULL, cw_test_async_done, &result);
  else
    plugin->cleanup_async (instance, &record, NULL, cw_test_async_done, &result);
  cw_test_async_wait (&result);
  return present ? plugin->present_finish (instance, result, error) : plugin->cleanup_finish (instance, result, error);
}

static gpointer
rfc2136_new (const gchar *address, const gchar *key, const gchar *secret, const gchar *algorithm,
             const gchar *zone)
{
  const CwProviderPlugin *plugin = load_plugin ("rfc2136");
  g_autofree gchar *nameserver = g_strdup_printf ("%s:%u", address, BIND_PORT);
  g_autoptr(GHashTable) settings = settings_new ("nameserver", nameserver, NULL);
  g_autoptr(GError) error = NULL;
  gpointer instance;

  if (key != NULL) {
    g_hash_table_insert (settings, g_strdup ("tsig-key"), g_strdup (key));
    g_hash_table_insert (settings, g_strdup ("tsig-secret"), g_strdup (secret));
  }
  if (algorithm != NULL)
    g_hash_table_insert (settings, g_strdup ("tsig-algorithm"), g_strdup (algorithm));
  if (zone != NULL)
    g_hash_table_insert (settings, g_strdup ("zone"), g_strdup (zone));
  instance = plugin->create (settings, &error);
  g_assert_no_error (error);
  return instance;
}

static void
assert_txt (const gchar *address, const gchar *name, const gchar * const *expected)
{
  g_auto(GStrv) values = cw_test_dns_txt (address, BIND_PORT, name);

  g_assert_cmpstrv (values, expected);
}

static void
test_rfc2136_bind (void)
{
  const CwProviderPlugin *plugin = load_plugin ("rfc2136");
  g_autoptr(CwTestBind) bind = cw_test_bind_start (PRIMARY_ADDRESS, BIND_PORT, NULL);
  g_autoptr(GError) error = NULL;
  const gchar *name = "_acme-challenge.www.example.test";
  const gchar *none[] = { NULL };
  const gchar *both[] = { VALUE_A, VALUE_B, NULL };
  const gchar *only_b[] = { VALUE_B, NULL };
  g_autofree gchar *wrong = NULL;
  gpointer instance, instance512, wrong_instance, unsigned_instance, notzone_instance;
  gint64 started;

  if (bind == NULL)
    return;
  instance = rfc2136_new (PRIMARY_ADDRESS, bind->tsig_name, bind->tsig_secret, NULL, NULL);

  /* two values at one name coexist */
  g_assert_true (call (plugin, instance, TRUE, name, VALUE_A, "example.test", &error));
  g_assert_no_error (error);
  g_assert_true (call (plugin, instance, TRUE, name, VALUE_B, "example.test", &error));
  g_assert_no_error (error);
  assert_txt (bind->address, name, both);

  /* cleanup removes only its value, and succeeds when it is gone */
  g_assert_true (call (plugin, instance, FALSE, name, VALUE_A, "example.test", &error));
  g_assert_no_error (error);
  assert_txt (bind->address, name, only_b);
  g_assert_true (call (plugin, instance, FALSE, name, VALUE_A, "example.test", &error));
  g_assert_no_error (error);
  assert_txt (bind->address, name, only_b);
  g_assert_true (call (plugin, instance, FALSE, name, VALUE_B, "example.test", &error));
  g_assert_no_error (error);
  assert_txt (bind->address, name, none);

  /* the hmac-sha512 key, on the other zone (the CNAME's target) */
  instance512 = rfc2136_new (PRIMARY_ADDRESS, bind->tsig512_name, bind->tsig512_secret, "hmac-sha512", NULL);
  {
    const gchar *target = "_acme-challenge.cname.delegated.test";
    const gchar *only_a[] = { VALUE_A, NULL };

    g_assert_true (call (plugin, instance512, TRUE, target, VALUE_A, "delegated.test", &error));
    g_assert_no_error (error);
    assert_txt (bind->address, target, only_a);
    /* the harness's CNAME leads there (the agent follows it) */
    {
      g_autofree gchar *command = g_strdup_printf ("dig +short +norecurse -p %u @%s "
                                                   "_acme-challenge.cname.example.test CNAME", BIND_PORT,
                                                   bind->address);
      g_autofree gchar *out = NULL;

      g_assert_cmpint (cw_test_run (command, &out), ==, 0);
      g_assert_cmpstr (g_strstrip (out), ==, "_acme-challenge.cname.delegated.test.");
    }
    g_assert_true (call (plugin, instance512, FALSE, target, VALUE_A, "delegated.test", &error));
    g_assert_no_error (error);
    assert_txt (bind->address, target, none);
  }

  /* a wrong secret: refused, said plainly, no secret in the message */
  wrong = g_base64_encode ((const guchar *) "0123456789abcdef0123456789abcdef", 32);
  wrong_instance = rfc2136_new (PRIMARY_ADDRESS, bind->tsig_name, wrong, NULL, NULL);
  g_assert_false (call (plugin, wrong_instance, TRUE, name, VALUE_A, "example.test", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_test_message ("wrong secret: %s", error->message);
  g_assert_nonnull (strstr (error->message, "example.test"));
  g_assert_nonnull (strstr (error->message, "NOTAUTH"));
  g_assert_nonnull (strstr (error->message, "BADSIG"));
  g_assert_null (strstr (error->message, wrong));
  g_assert_null (strstr (error->message, bind->tsig_secret));
  g_clear_error (&error);
  assert_txt (bind->address, name, none);

  /* unsigned: REFUSED */
  unsigned_instance = rfc2136_new (PRIMARY_ADDRESS, NULL, NULL, NULL, NULL);
  g_assert_false (call (plugin, unsigned_instance, TRUE, name, VALUE_A, "example.test", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_test_message ("unsigned: %s", error->message);
  g_assert_nonnull (strstr (error->message, "REFUSED"));
  g_clear_error (&error);

  /* the zone setting wins over the record's zone: a name outside it is NOTZONE */
  notzone_instance = rfc2136_new (PRIMARY_ADDRESS, bind->tsig_name, bind->tsig_secret, NULL, "delegated.test");
  g_assert_false (call (plugin, notzone_instance, TRUE, name, VALUE_A, "example.test", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_test_message ("notzone: %s", error->message);
  g_assert_nonnull (strstr (error->message, "NOTZONE"));
  g_assert_nonnull (strstr (error->message, "delegated.test"));
  g_clear_error (&error);
  assert_txt (bind->address, name, none);

  /* a server that does not answer: TIMED_OUT after a few seconds */
  cw_test_bind_pause (bind, TRUE);
  started = g_get_monotonic_time ();
  g_assert_false (call (plugin, instance, TRUE, name, VALUE_A, "example.test", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_test_message ("paused: %s", error->message);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 15 * G_USEC_PER_SEC);
  g_clear_error (&error);
  cw_test_bind_pause (bind, FALSE);

  plugin->free (instance);
  plugin->free (instance512);
  plugin->free (wrong_instance);
  plugin->free (unsigned_instance);
  plugin->free (notzone_instance);
}

/* The harness's secondary follows the primary through NOTIFY. */
static void
test_rfc2136_secondary (void)
{
  const CwProviderPlugin *plugin = load_plugin ("rfc2136");
  g_autoptr(CwTestBind) primary = cw_test_bind_start (PRIMARY_ADDRESS, BIND_PORT, SECONDARY_ADDRESS);
  g_autoptr(CwTestBind) secondary = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *name = "_acme-challenge.example.test";
  const gchar *only_a[] = { VALUE_A, NULL };
  const gchar *none[] = { NULL };
  gpointer instance;
  gint64 deadline;

  if (primary == NULL)
    return;
  secondary = cw_test_bind_start_secondary (primary, SECONDARY_ADDRESS, BIND_PORT);
  if (secondary == NULL)
    return;
  assert_txt (secondary->address, name, none);

  instance = rfc2136_new (PRIMARY_ADDRESS, primary->tsig_name, primary->tsig_secret, NULL, NULL);
  g_assert_true (call (plugin, instance, TRUE, name, VALUE_A, "example.test", &error));
  g_assert_no_error (error);
  assert_txt (primary->address, name, only_a);
  /* SOA refresh is 60 s: only NOTIFY brings it over this fast */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  for (;;) {
    g_auto(GStrv) values = cw_test_dns_txt (secondary->address, BIND_PORT, name);

    if (g_strv_equal ((const gchar * const *) values, only_a))
      break;
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (100 * 1000);
  }
  plugin->free (instance);
}

/* The PowerDNS harness: the zone answers, and a record PATCHed in through
 * the API is served. */
static void
test_pdns_harness (void)
{
  g_autoptr(CwTestPdns) pdns = cw_test_pdns_start (24660, 24661);
  g_autofree gchar *command = NULL;
  g_autofree gchar *out = NULL;
  g_auto(GStrv) values = NULL;
  const gchar *only_a[] = { VALUE_A, NULL };

  if (pdns == NULL)
    return;
  command = g_strdup_printf ("dig +short +norecurse -p %u @127.0.0.1 example.test SOA", pdns->dns_port);
  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  g_assert_true (g_str_has_prefix (out, "ns1.example.test. hostmaster.example.test. "));
  g_clear_pointer (&command, g_free);
  g_clear_pointer (&out, g_free);

  command = g_strdup_printf ("curl -fsS -H 'X-API-Key: %s' -X PATCH %s/api/v1/servers/localhost/zones/example.test. "
                             "-d '{\"rrsets\":[{\"name\":\"_acme-challenge.example.test.\",\"type\":\"TXT\","
                             "\"ttl\":60,\"changetype\":\"REPLACE\",\"records\":[{\"content\":\"\\\"%s\\\"\","
                             "\"disabled\":false}]}]}'", pdns->api_key, pdns->api_url, VALUE_A);
  g_assert_cmpint (cw_test_run (command, NULL), ==, 0);
  values = cw_test_dns_txt ("127.0.0.1", pdns->dns_port, "_acme-challenge.example.test");
  g_assert_cmpstrv (values, only_a);
}

/* ---- exec ---------------------------------------------------------------- */

static gchar *exec_dir;
static gchar *exec_script;
static gchar *exec_log;

static gpointer
exec_new (const gchar *timeout)
{
  const CwProviderPlugin *plugin = load_plugin ("exec");
  g_autoptr(GHashTable) settings = settings_new ("program", exec_script, "timeout", timeout, NULL);
  g_autoptr(GError) error = NULL;
  gpointer instance = plugin->create (settings, &error);

  g_assert_no_error (error);
  return instance;
}

static gchar *
read_log (void)
{
  gchar *text = NULL;

  if (!g_file_get_contents (exec_log, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static void
test_exec_run (void)
{
  const CwProviderPlugin *plugin = load_plugin ("exec");
  gpointer instance = exec_new ("10");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *log = NULL;

  g_remove (exec_log);
  g_assert_true (call (plugin, instance, TRUE, "_acme-challenge.x.example.test", VALUE_A, "example.test", &error));
  g_assert_no_error (error);
  g_assert_true (call (plugin, instance, FALSE, "_acme-challenge.x.example.test", VALUE_A, "example.test", &error));
  g_assert_no_error (error);
  log = read_log ();
  g_assert_cmpstr (log, ==,
                   "present _acme-challenge.x.example.test. " VALUE_A " zone=example.test\n"
                   "cleanup _acme-challenge.x.example.test. " VALUE_A " zone=example.test\n");
  plugin->free (instance);
}

static void
test_exec_fail (void)
{
  const CwProviderPlugin *plugin = load_plugin ("exec");
  gpointer instance = exec_new ("10");
  g_autoptr(GError) error = NULL;

  g_assert_false (call (plugin, instance, TRUE, "_acme-challenge.x.example.test", "fail", "example.test", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, exec_script));
  g_assert_nonnull (strstr (error->message, "status 3"));
  g_assert_true (g_str_has_suffix (error->message, ": zone not found: example.test"));
  g_assert_null (strstr (error->message, "not the last one"));
  plugin->free (instance);
}

static void
test_exec_timeout (void)
{
  const CwProviderPlugin *plugin = load_plugin ("exec");
  gpointer instance = exec_new ("1");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *child_file = g_strconcat (exec_log, ".child", NULL);
  g_autofree gchar *child = NULL;
  gint64 started = g_get_monotonic_time ();
  GPid pid;

  g_assert_false (call (plugin, instance, TRUE, "_acme-challenge.x.example.test", "hang", "example.test", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "timeout of 1 s"));
  g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);

  /* what the program started was killed with it */
  g_assert_true (g_file_get_contents (child_file, &child, NULL, NULL));
  pid = atoi (child);
  g_assert_cmpint (pid, >, 0);
  for (guint i = 0; i < 100 && kill (pid, 0) == 0; i++)
    g_usleep (20 * 1000);
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  plugin->free (instance);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *source = NULL;
  g_autofree gchar *text = NULL;
  gsize length = 0;
  int status;

  cw_test_init (&argc, &argv);

  /* a private copy of the script, executable whatever the checkout did */
  exec_dir = cw_test_mkdtemp ();
  source = g_build_filename (g_getenv ("CW_SOURCE_DIR") != NULL ? g_getenv ("CW_SOURCE_DIR") : ".", "tests",
                             "provider-exec-script.sh", NULL);
  g_assert_true (g_file_get_contents (source, &text, &length, NULL));
  exec_script = g_build_filename (exec_dir, "hook.sh", NULL);
  g_assert_true (g_file_set_contents (exec_script, text, length, NULL));
  g_assert_cmpint (g_chmod (exec_script, 0755), ==, 0);
  exec_log = g_build_filename (exec_dir, "hook.log", NULL);
  g_setenv ("CW_EXEC_LOG", exec_log, TRUE);

  g_test_add_func ("/providers/abi", test_abi);
  g_test_add_func ("/providers/rfc2136/create", test_rfc2136_create);
  g_test_add_func ("/providers/rfc2136/bind", test_rfc2136_bind);
  g_test_add_func ("/providers/rfc2136/secondary", test_rfc2136_secondary);
  g_test_add_func ("/providers/harness/pdns", test_pdns_harness);
  g_test_add_func ("/providers/exec/create", test_exec_create);
  g_test_add_func ("/providers/exec/run", test_exec_run);
  g_test_add_func ("/providers/exec/fail", test_exec_fail);
  g_test_add_func ("/providers/exec/timeout", test_exec_timeout);
  status = g_test_run ();

  cw_test_rmdir (exec_dir);
  g_free (exec_dir);
  g_free (exec_script);
  g_free (exec_log);
  return status;
}
