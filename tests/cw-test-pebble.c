/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cw-test-pebble.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>

/* The servers die with the test program, even when an assertion aborts it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

void
cw_test_make_tls_ca (const gchar *dir)
{
  g_autofree gchar *script = g_strdup_printf (
    "set -e; cd '%s'\n"
    "openssl ecparam -name prime256v1 -genkey -noout -out ca.key\n"
    "openssl req -x509 -new -key ca.key -sha256 -days 30 -subj '/CN=certward test TLS CA' "
    "  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' -out ca.pem\n"
    "openssl ecparam -name prime256v1 -genkey -noout -out localhost.key\n"
    "openssl req -new -key localhost.key -subj '/CN=localhost' -out localhost.csr\n"
    "printf 'basicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\nsubjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext\n"
    "openssl x509 -req -in localhost.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 "
    "  -extfile ext -out localhost.pem 2>/dev/null\n", dir);

  g_assert_cmpint (cw_test_run (script, NULL), ==, 0);
}

static GSubprocess *
spawn (const gchar *log, const gchar * const *env, const gchar * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_take_stderr_fd (launcher, -1);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDERR_MERGE);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return process;
}

static gboolean
port_open (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_socket_client_set_timeout (client, 1);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return connection != NULL;
}

static void
wait_for_port (guint port, GSubprocess *process, const gchar *log)
{
  for (guint i = 0; i < 200; i++) {
    if (port_open (port))
      return;
    if (g_subprocess_get_identifier (process) == NULL)   /* it exited */
      break;
    g_usleep (50 * 1000);
  }
  {
    g_autofree gchar *text = NULL;

    g_file_get_contents (log, &text, NULL, NULL);
    g_error ("port %u did not open; log:\n%s", port, text != NULL ? text : "");
  }
}

CwTestPebble *
cw_test_pebble_start (guint base, const CwTestPebbleOptions *options)
{
  CwTestPebble *p = g_new0 (CwTestPebble, 1);
  g_autofree gchar *config = NULL, *config_path = NULL, *dns = NULL, *cts_mgmt = NULL, *pebble_log = NULL,
                   *cts_log = NULL, *nonce_reject = NULL, *eab = NULL;

  for (guint port = base; port < base + 6; port++)
    if (port_open (port))
      g_error ("port %u is in use: stop what listens there (a Pebble left over?)", port);
  p->dir = cw_test_mkdtemp ();
  p->base = base;
  p->http_port = base + 2;
  cw_test_make_tls_ca (p->dir);
  p->ca_file = g_build_filename (p->dir, "ca.pem", NULL);
  p->cert_file = g_build_filename (p->dir, "localhost.pem", NULL);
  p->key_file = g_build_filename (p->dir, "localhost.key", NULL);
  p->directory = g_strdup_printf ("https://127.0.0.1:%u/dir", base);

  if (options != NULL && options->eab_kid != NULL)
    eab = g_strdup_printf (", \"externalAccountBindingRequired\": true, \"externalAccountMACKeys\": {\"%s\": \"%s\"}",
                           options->eab_kid, options->eab_hmac_key);
  config = g_strdup_printf ("{\"pebble\": {\"listenAddress\": \"127.0.0.1:%u\", \"managementListenAddress\": \"127.0.0.1:%u\","
                            " \"certificate\": \"%s\", \"privateKey\": \"%s\", \"httpPort\": %u, \"tlsPort\": %u,"
                            " \"ocspResponderURL\": \"\"%s}}",
                            base, base + 1, p->cert_file, p->key_file, base + 2, base + 3,
                            eab != NULL ? eab : ", \"externalAccountBindingRequired\": false");
  config_path = g_build_filename (p->dir, "pebble.json", NULL);
  g_assert_true (g_file_set_contents (config_path, config, -1, NULL));

  if (options != NULL && options->dns_server != NULL) {
    /* dns-01 against a real name server: no challtestsrv */
    dns = g_strdup (options->dns_server);
  } else {
    dns = g_strdup_printf ("127.0.0.1:%u", base + 4);
    cts_mgmt = g_strdup_printf ("127.0.0.1:%u", base + 5);
    cts_log = g_build_filename (p->dir, "challtestsrv.log", NULL);
    {
      /* (Debian's challtestsrv has no -doh option to turn off) */
      const gchar *argv[] = { "pebble-challtestsrv", "-http01", "", "-https01", "", "-tlsalpn01", "",
                              "-dns01", dns, "-management", cts_mgmt, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                              NULL };

      p->challtestsrv = spawn (cts_log, NULL, argv);
    }
    wait_for_port (base + 5, p->challtestsrv, cts_log);
  }

  pebble_log = g_build_filename (p->dir, "pebble.log", NULL);
  nonce_reject = g_strdup_printf ("%u", options != NULL ? options->nonce_reject : 0);
  {
    const gchar *env[] = { "PEBBLE_VA_NOSLEEP", "1", "PEBBLE_WFE_NONCEREJECT", nonce_reject,
                           "PEBBLE_AUTHZREUSE", "0", NULL };
    const gchar *argv[] = { "pebble", "-config", config_path, "-dnsserver", dns, NULL };

    p->pebble_argv = g_strdupv ((gchar **) argv);
    p->pebble_env = g_strdupv ((gchar **) env);
    p->pebble_log = g_strdup (pebble_log);
    p->pebble = spawn (pebble_log, env, argv);
  }
  wait_for_port (base, p->pebble, pebble_log);
  return p;
}

void
cw_test_pebble_restart (CwTestPebble *p)
{
  g_subprocess_send_signal (p->pebble, SIGTERM);
  g_subprocess_wait (p->pebble, NULL, NULL);
  g_clear_object (&p->pebble);
  p->pebble = spawn (p->pebble_log, (const gchar * const *) p->pebble_env, (const gchar * const *) p->pebble_argv);
  wait_for_port (p->base, p->pebble, p->pebble_log);
}

void
cw_test_pebble_stop (CwTestPebble *p)
{
  GSubprocess *all[] = { p->pebble, p->challtestsrv };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++) {
    if (all[i] == NULL)
      continue;
    g_subprocess_send_signal (all[i], SIGTERM);
    g_subprocess_wait (all[i], NULL, NULL);
    g_object_unref (all[i]);
  }
  cw_test_rmdir (p->dir);
  g_strfreev (p->pebble_argv);
  g_strfreev (p->pebble_env);
  g_free (p->pebble_log);
  g_free (p->dir);
  g_free (p->ca_file);
  g_free (p->cert_file);
  g_free (p->key_file);
  g_free (p->directory);
  g_free (p);
}

gchar *
cw_test_pebble_management (CwTestPebble *p, const gchar *path)
{
  g_autofree gchar *command = g_strdup_printf ("curl -fsS --cacert '%s' 'https://127.0.0.1:%u%s'", p->ca_file,
                                               p->base + 1, path);
  gchar *out = NULL;

  g_assert_cmpint (cw_test_run (command, &out), ==, 0);
  return out;
}

gchar *
cw_test_pebble_root_file (CwTestPebble *p)
{
  g_autofree gchar *pem = cw_test_pebble_management (p, "/roots/0");
  gchar *path = g_build_filename (p->dir, "root.pem", NULL);

  g_assert_true (g_file_set_contents (path, pem, -1, NULL));
  return path;
}
