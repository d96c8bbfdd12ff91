/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cw-test-scep.h"
#include "cw-test-util.h"

#include <signal.h>
#include <sys/prctl.h>

/* The server dies with the test program, even when an assertion aborts it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
answers (CwTestScep *scep)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_socket_client_set_timeout (client, 1);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", scep->port, NULL, NULL);
  return connection != NULL;
}

CwTestScep *
cw_test_scep_start (guint port, const gchar *challenge, const gchar * const *extra)
{
  CwTestScep *scep = g_new0 (CwTestScep, 1);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *init = NULL, *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;

  scep->dir = cw_test_mkdtemp ();
  scep->depot = g_build_filename (scep->dir, "depot", NULL);
  scep->ca_file = g_build_filename (scep->depot, "ca.pem", NULL);
  scep->key_file = g_build_filename (scep->dir, "ca-plain.key", NULL);
  scep->log = g_build_filename (scep->dir, "scepserver.log", NULL);
  scep->url = g_strdup_printf ("http://127.0.0.1:%u/scep", port);
  scep->port = port;
  /* 2048 bits: the default 4096 takes seconds to make */
  /* the depot's key is PEM-encrypted with an empty password: a plain copy
   * for the tests that sign as the CA */
  init = g_strdup_printf ("cd '%s' && scepserver ca -init -depot depot -keySize 2048 -organization 'certward test' "
                          ">/dev/null 2>&1 && openssl rsa -in depot/ca.key -passin pass: -out ca-plain.key 2>/dev/null",
                          scep->dir);
  g_assert_cmpint (cw_test_run (init, NULL), ==, 0);

  g_ptr_array_add (argv, g_strdup ("scepserver"));
  g_ptr_array_add (argv, g_strdup ("-depot"));
  g_ptr_array_add (argv, g_strdup (scep->depot));
  g_ptr_array_add (argv, g_strdup ("-port"));
  g_ptr_array_add (argv, g_strdup (port_text));
  g_ptr_array_add (argv, g_strdup ("-allowrenew"));
  g_ptr_array_add (argv, g_strdup ("0"));
  g_ptr_array_add (argv, g_strdup ("-debug"));
  if (challenge != NULL) {
    g_ptr_array_add (argv, g_strdup ("-challenge"));
    g_ptr_array_add (argv, g_strdup (challenge));
  }
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, scep->log);
  scep->server = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 200 && !answers (scep); i++) {
    if (g_subprocess_get_identifier (scep->server) == NULL)
      break;
    g_usleep (50 * 1000);
  }
  if (!answers (scep)) {
    g_autofree gchar *text = NULL;

    g_file_get_contents (scep->log, &text, NULL, NULL);
    g_error ("scepserver did not start on port %u:\n%s", port, text != NULL ? text : "");
  }
  return scep;
}

void
cw_test_scep_stop (CwTestScep *scep)
{
  if (scep == NULL)
    return;
  if (scep->server != NULL) {
    g_subprocess_send_signal (scep->server, SIGTERM);
    g_subprocess_wait (scep->server, NULL, NULL);
    g_object_unref (scep->server);
  }
  cw_test_rmdir (scep->dir);
  g_free (scep->dir);
  g_free (scep->depot);
  g_free (scep->ca_file);
  g_free (scep->key_file);
  g_free (scep->log);
  g_free (scep->url);
  g_free (scep);
}
