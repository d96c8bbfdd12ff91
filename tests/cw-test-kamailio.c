/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A real Kamailio with TLS for the delivery tests and bench/reload-latency
 * (see cw-test-kamailio.h). */
#include "cw-test-kamailio.h"
#include "cw-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#define MODULES "/usr/lib/x86_64-linux-gnu/kamailio/modules"
#define CTL_DIR "/run/kamailio"
#define CTL_SOCKET CTL_DIR "/kamailio_ctl"

gboolean
cw_test_kamailio_available (gchar **why)
{
  g_autofree gchar *version = NULL;

  if (geteuid () != 0) {
    *why = g_strdup ("needs root to run Kamailio as user kamailio");
    return FALSE;
  }
  if (!g_file_test ("/usr/sbin/kamailio", G_FILE_TEST_IS_EXECUTABLE) ||
      !g_file_test (MODULES "/tls.so", G_FILE_TEST_EXISTS) || getpwnam ("kamailio") == NULL) {
    *why = g_strdup ("Kamailio with its TLS module is not installed (apt-get install kamailio kamailio-tls-modules)");
    return FALSE;
  }
  /* its answer captured: it is not TAP */
  if (g_file_test (CTL_SOCKET, G_FILE_TEST_EXISTS) &&
      cw_test_run ("kamcmd -s unix:" CTL_SOCKET " core.version", &version) == 0) {
    *why = g_strdup ("a Kamailio already runs on this machine (" CTL_SOCKET ")");
    return FALSE;
  }
  return TRUE;
}

static gboolean
answers (guint port)
{
  g_autoptr(CwTestSipTls) sip = cw_test_sip_tls_connect (port);
  g_autofree gchar *status = sip != NULL ? cw_test_sip_tls_options (sip) : NULL;

  return status != NULL && g_str_has_prefix (status, "SIP/2.0 200");
}

CwTestKamailio *
cw_test_kamailio_start (guint port, const gchar *cert, const gchar *key)
{
  CwTestKamailio *k = g_new0 (CwTestKamailio, 1);
  g_autofree gchar *cfg = NULL, *tls = NULL, *cfg_path = NULL, *tls_path = NULL, *log = NULL;
  g_autoptr(GError) error = NULL;
  struct passwd *pw = getpwnam ("kamailio");

  k->dir = cw_test_mkdtemp ();
  k->port = port;
  g_assert_cmpint (g_chmod (k->dir, 0755), ==, 0);
  g_mkdir_with_parents (CTL_DIR, 0770);
  g_assert_cmpint (chown (CTL_DIR, pw->pw_uid, pw->pw_gid), ==, 0);
  g_unlink (CTL_SOCKET);
  tls = g_strdup_printf ("[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n"
                         "certificate = %s\nprivate_key = %s\n", cert, key);
  cfg = g_strdup_printf ("#!KAMAILIO\n"
                         "debug=2\nlog_stderror=yes\nchildren=2\ntcp_children=2\ndisable_tcp=no\n"
                         "enable_tls=yes\nlisten=tls:127.0.0.1:%u\nauto_aliases=no\n"
                         "mpath=\"" MODULES "\"\n"
                         "loadmodule \"ctl.so\"\nloadmodule \"sl.so\"\nloadmodule \"tls.so\"\n"
                         "modparam(\"ctl\", \"binrpc\", \"unix:" CTL_SOCKET "\")\n"
                         "modparam(\"tls\", \"config\", \"%s/tls.cfg\")\n"
                         "request_route {\n  if (method==\"OPTIONS\") { sl_send_reply(\"200\", \"OK\"); exit; }\n"
                         "  sl_send_reply(\"404\", \"Not here\");\n}\n", port, k->dir);
  cfg_path = g_build_filename (k->dir, "kamailio.cfg", NULL);
  tls_path = g_build_filename (k->dir, "tls.cfg", NULL);
  g_assert_true (g_file_set_contents (cfg_path, cfg, -1, NULL));
  g_assert_true (g_file_set_contents (tls_path, tls, -1, NULL));
  log = g_build_filename (k->dir, "kamailio.log", NULL);
  {
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

    g_subprocess_launcher_set_stderr_file_path (launcher, log);
    g_subprocess_launcher_set_stdout_file_path (launcher, log);
    /* as its systemd unit runs it: the kamailio user from the start, in
     * the foreground (-DD), logging to stderr (-E) */
    k->process = g_subprocess_launcher_spawn (launcher, &error, "setpriv", "--reuid=kamailio", "--regid=kamailio",
                                              "--init-groups", "/usr/sbin/kamailio", "-DD", "-E", "-f", cfg_path,
                                              "-m", "32", "-M", "4", NULL);
  }
  g_assert_no_error (error);
  for (guint i = 0; i < 100 && !answers (port); i++)
    g_usleep (100 * 1000);
  if (!answers (port)) {
    g_autofree gchar *text = NULL;

    g_file_get_contents (log, &text, NULL, NULL);
    g_error ("Kamailio does not answer on %u; its log:\n%s", port, text != NULL ? text : "");
  }
  return k;
}

void
cw_test_kamailio_stop (CwTestKamailio *k)
{
  if (k == NULL)
    return;
  if (k->process != NULL) {
    g_subprocess_send_signal (k->process, SIGTERM);
    g_subprocess_wait (k->process, NULL, NULL);
    g_object_unref (k->process);
  }
  g_unlink (CTL_SOCKET);
  cw_test_rmdir (k->dir);
  g_free (k->dir);
  g_free (k);
}

gint
cw_test_kamailio_pid (CwTestKamailio *k)
{
  /* setpriv execs kamailio in the same process */
  return (gint) g_ascii_strtoll (g_subprocess_get_identifier (k->process), NULL, 10);
}

/* ---- a SIP-over-TLS client ---------------------------------------------- */

static gboolean
accept_any (GTlsConnection *conn, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

CwTestSipTls *
cw_test_sip_tls_connect (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) tcp = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GTlsCertificate) peer = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnectable) server = g_network_address_new ("127.0.0.1", (guint16) port);
  CwTestSipTls *sip;

  g_socket_client_set_timeout (client, 5);
  tcp = g_socket_client_connect (client, server, NULL, &error);
  if (tcp == NULL)
    return NULL;
  tls = g_tls_client_connection_new (G_IO_STREAM (tcp), server, &error);
  if (tls == NULL)
    return NULL;
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any), NULL);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error))
    return NULL;
  peer = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls));
  if (peer == NULL)
    return NULL;
  g_object_ref (peer);
  g_object_get (peer, "certificate", &der, NULL);
  sip = g_new0 (CwTestSipTls, 1);
  sip->stream = g_steal_pointer (&tls);
  sip->fingerprint = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return sip;
}

gchar *
cw_test_sip_tls_options (CwTestSipTls *sip)
{
  g_autoptr(GString) reply = g_string_new (NULL);
  g_autofree gchar *request = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (sip->stream);
  GInputStream *in = g_io_stream_get_input_stream (sip->stream);
  gchar buf[2048];

  sip->cseq++;
  request = g_strdup_printf ("OPTIONS sip:127.0.0.1;transport=tls SIP/2.0\r\n"
                             "Via: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK-cw%08x\r\n"
                             "Max-Forwards: 70\r\nFrom: <sip:test@127.0.0.1>;tag=cw\r\nTo: <sip:127.0.0.1>\r\n"
                             "Call-ID: cw-%08x@127.0.0.1\r\nCSeq: %u OPTIONS\r\nContent-Length: 0\r\n\r\n",
                             g_random_int (), g_random_int (), sip->cseq);
  if (!g_output_stream_write_all (out, request, strlen (request), NULL, NULL, NULL))
    return NULL;
  while (strstr (reply->str, "\r\n\r\n") == NULL) {
    gssize n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL);

    if (n <= 0)
      return NULL;
    g_string_append_len (reply, buf, n);
  }
  return g_strndup (reply->str, strcspn (reply->str, "\r\n"));
}

void
cw_test_sip_tls_close (CwTestSipTls *sip)
{
  if (sip == NULL)
    return;
  g_io_stream_close (sip->stream, NULL, NULL);
  g_object_unref (sip->stream);
  g_free (sip->fingerprint);
  g_free (sip);
}
