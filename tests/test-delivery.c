/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The last mile (issue 17) with the real certwardd: a certificate's key
 * readable by one group (AccessGroup), target files in every format with
 * their owner, group and mode, refused targets (a planted symlink, a
 * directory others can write, the state directory, unknown users), the
 * order of events (targets, then actions, then CertificateChanged), drift
 * repair, hooks and reload commands checked when set and run as the
 * service's user, their output in LastActions across a restart, batches,
 * and integrations. Needs root (ownership, setpriv); skipped otherwise.
 */
#include "cw-dbus-generated.h"
#include "cw-test-daemon.h"
#include "cw-test-proxy.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANAGER_PATH "/org/certward/Certward1"
/* Debian has both on every system */
#define USER "nobody"
#define GROUP "nogroup"

typedef struct {
  CwTestDaemon   *daemon;
  CwDBusManager1 *manager;
  CwTestEvents   *events;
  gchar          *dir;        /* where targets go: root's, 0755 */
  gchar          *integrations;
} Fixture;

static gboolean
need_root (void)
{
  if (geteuid () == 0)
    return TRUE;
  g_test_skip ("needs root: files are given to other users and groups");
  return FALSE;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *config = NULL;

  f->dir = cw_test_mkdtemp ();
  g_assert_cmpint (g_chmod (f->dir, 0755), ==, 0);
  f->integrations = g_build_filename (f->dir, "integrations", NULL);
  g_assert_cmpint (g_mkdir (f->integrations, 0755), ==, 0);
  config = g_strdup_printf ("[actions]\nintegration-dir=%s\ntimeout=10\n", f->integrations);
  f->daemon = cw_test_daemon_new (config);
  /* as systemd makes /var/lib/certward (StateDirectoryMode=0755) */
  g_assert_cmpint (g_chmod (f->daemon->state_dir, 0755), ==, 0);
  f->daemon->log = g_build_filename (f->dir, "daemon.log", NULL);
  cw_test_daemon_connect (f->daemon, &f->manager, &f->events);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  cw_test_daemon_disconnect (&f->manager, &f->events);
  if (f->daemon->process != NULL)
    cw_test_daemon_stop (f->daemon);
  cw_test_daemon_free (f->daemon);
  cw_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->integrations);
}

static void
restart (Fixture *f)
{
  g_clear_object (&f->manager);
  cw_test_daemon_stop (f->daemon);
  cw_test_daemon_start (f->daemon);
  f->manager = cw_test_manager ();
}

static gchar *
path_in (Fixture *f, const gchar *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static GVariant *
target (const gchar *path, const gchar *format, ...)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  va_list ap;

  g_variant_builder_add (&b, "{sv}", "path", g_variant_new_string (path));
  g_variant_builder_add (&b, "{sv}", "format", g_variant_new_string (format));
  va_start (ap, format);
  for (const gchar *key = va_arg (ap, const gchar *); key != NULL; key = va_arg (ap, const gchar *))
    g_variant_builder_add (&b, "{sv}", key, va_arg (ap, GVariant *));
  va_end (ap);
  return g_variant_builder_end (&b);
}

static GVariant *
targets (GVariant *first, ...)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  va_list ap;

  va_start (ap, first);
  for (GVariant *t = first; t != NULL; t = va_arg (ap, GVariant *))
    g_variant_builder_add_value (&b, t);
  va_end (ap);
  return g_variant_builder_end (&b);
}

/* Imports leaf + key + intermediate as @name with @options added. */
static CwDBusCertificate1 *
import (Fixture *f, const gchar *name, GVariant *extra, GError **error)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto(GVariantBuilder) files = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aay"));
  g_autofree gchar *path = NULL;

  g_variant_builder_add_value (&files, cw_test_fixture_ay ("leaf.pem"));
  g_variant_builder_add_value (&files, cw_test_fixture_ay ("leaf.key"));
  g_variant_builder_add_value (&files, cw_test_fixture_ay ("inter.pem"));
  g_variant_builder_add (&b, "{sv}", "name", g_variant_new_string (name));
  g_variant_builder_add (&b, "{sv}", "files", g_variant_builder_end (&files));
  if (extra != NULL) {
    GVariantIter iter;
    const gchar *key;
    GVariant *value;

    g_variant_ref_sink (extra);
    g_variant_iter_init (&iter, extra);
    while (g_variant_iter_next (&iter, "{&sv}", &key, &value)) {
      g_variant_builder_add (&b, "{sv}", key, value);
      g_variant_unref (value);
    }
    g_variant_unref (extra);
  }
  if (!cw_dbus_manager1_call_import_sync (f->manager, g_variant_builder_end (&b), &path, NULL, error))
    return NULL;
  return cw_test_certificate (path);
}

static gboolean
set_property (CwDBusCertificate1 *cert, const gchar *name, GVariant *value, GError **error)
{
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (cw_test_bus (), "org.certward.Certward1",
                                 g_dbus_proxy_get_object_path (G_DBUS_PROXY (cert)), "org.freedesktop.DBus.Properties",
                                 "Set", g_variant_new ("(ssv)", "org.certward.Certificate1", name, value), NULL,
                                 G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);

  return reply != NULL;
}

/* Runs @command as nobody with group @group (none: nobody's own alone). */
static gint
run_as_nobody (const gchar *group, const gchar *command, gchar **out)
{
  g_autofree gchar *line = g_strdup_printf ("setpriv --reuid=" USER " --regid=%s --clear-groups sh -c '%s' 2>&1",
                                            group != NULL ? group : USER, command);

  return cw_test_run (line, out);
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* A file a shell script writes (not atomically): there, with a whole line. */
static gboolean
file_has_line (gpointer data)
{
  g_autofree gchar *text = NULL;

  return g_file_get_contents (data, &text, NULL, NULL) && g_str_has_suffix (text, "\n");
}

/* ---- AccessGroup -------------------------------------------------------- */

/* The group reads exactly that certificate's key; nobody else reads any. */
static void
test_access_group (Fixture *f, gconstpointer data)
{
  g_autoptr(CwDBusCertificate1) shared = NULL, other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *key = NULL, *other_key = NULL, *cmd = NULL, *out = NULL;
  struct stat st;

  if (!need_root ())
    return;
  shared = import (f, "shared", cw_test_options ("access-group", g_variant_new_string (GROUP), NULL), &error);
  g_assert_no_error (error);
  other = import (f, "other", NULL, &error);
  g_assert_no_error (error);
  cw_test_certificate_reload (&shared);
  g_assert_cmpstr (cw_dbus_certificate1_get_access_group (shared), ==, GROUP);
  key = g_strdup (cw_dbus_certificate1_get_key_path (shared));
  other_key = g_strdup (cw_dbus_certificate1_get_key_path (other));
  g_assert_cmpint (stat (key, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0640);
  g_assert_cmpuint (st.st_gid, ==, getgrnam (GROUP)->gr_gid);

  /* a member of the group reads it, and only it */
  cmd = g_strdup_printf ("head -c 27 %s", key);
  g_assert_cmpint (run_as_nobody (GROUP, cmd, &out), ==, 0);
  g_assert_cmpstr (out, ==, "-----BEGIN PRIVATE KEY-----");
  g_clear_pointer (&cmd, g_free);
  g_clear_pointer (&out, g_free);
  cmd = g_strdup_printf ("cat %s", other_key);
  g_assert_cmpint (run_as_nobody (GROUP, cmd, &out), !=, 0);
  g_assert_nonnull (strstr (out, "Permission denied"));
  g_clear_pointer (&cmd, g_free);
  g_clear_pointer (&out, g_free);
  /* outside the group: nothing */
  cmd = g_strdup_printf ("cat %s", key);
  g_assert_cmpint (run_as_nobody (NULL, cmd, &out), !=, 0);
  g_clear_pointer (&out, g_free);

  /* a renewal keeps it: the next revision's key is the group's too */
  {
    g_autoptr(CwDBusCertificate1) again = import (f, "shared", cw_test_options ("replace", g_variant_new_boolean (TRUE),
                                                                                NULL), &error);
    g_autofree gchar *rev2 = NULL;

    g_assert_no_error (error);
    rev2 = g_strdup (cw_dbus_certificate1_get_key_path (again));
    g_assert_cmpint (run_as_nobody (GROUP, cmd, &out), ==, 0);
    g_clear_pointer (&out, g_free);
    /* back to root alone: every revision at once */
    g_assert_true (set_property (again, "AccessGroup", g_variant_new_string (""), &error));
    g_assert_no_error (error);
    g_assert_cmpint (run_as_nobody (GROUP, cmd, &out), !=, 0);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (stat (key, &st), ==, 0);
    g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
    /* an unknown group is refused by name */
    g_assert_false (set_property (again, "AccessGroup", g_variant_new_string ("no-such-group-x"), &error));
    cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "no-such-group-x");
  }
}

/* ---- targets ------------------------------------------------------------ */

static gchar *
openssl (const gchar *command)
{
  gchar *out = NULL;
  gint status = cw_test_run (command, &out);

  if (status != 0)
    g_error ("%s: exit %d: %s", command, status, out);
  return out;
}

static guint
count_blocks (const gchar *path, const gchar *what)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *marker = g_strdup_printf ("-----BEGIN %s-----", what);
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  for (const gchar *p = text; (p = strstr (p, marker)) != NULL; p++)
    n++;
  return n;
}

static void
assert_owned (const gchar *path, const gchar *user, const gchar *group, guint mode)
{
  struct stat st;

  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpuint (st.st_uid, ==, user != NULL ? getpwnam (user)->pw_uid : 0);
  g_assert_cmpuint (st.st_gid, ==, group != NULL ? getgrnam (group)->gr_gid : 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, mode);
}

/* Every format, each checked by OpenSSL; owner, group and mode as asked. */
static void
test_targets (Fixture *f, gconstpointer data)
{
  g_autofree gchar *full = path_in (f, "full.pem"), *crt = path_in (f, "cert.pem"), *chain = path_in (f, "chain.pem");
  g_autofree gchar *key = path_in (f, "key.pem"), *combined = path_in (f, "combined.pem"), *p12 = path_in (f, "c.p12");
  g_autofree gchar *legacy = path_in (f, "legacy.p12"), *der = path_in (f, "cert.der"), *bundle = path_in (f, "ca.pem");
  g_autofree gchar *nopass = path_in (f, "nopass.p12"), *password = path_in (f, "password");
  g_autofree gchar *out = NULL, *cmd = NULL, *fp = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *const *lines;

  if (!need_root ())
    return;
  g_assert_true (g_file_set_contents (password, "s3cret\nsecond line ignored\n", -1, NULL));
  cert = import (f, "www",
                 cw_test_options ("targets",
                                  targets (target (full, "fullchain", "owner", g_variant_new_string (USER), NULL),
                                           target (crt, "cert", NULL), target (chain, "chain", NULL),
                                           target (key, "key", "group", g_variant_new_string (GROUP),
                                                   "mode", g_variant_new_uint32 (0640), NULL),
                                           target (combined, "combined", NULL),
                                           target (p12, "pkcs12", "password-file", g_variant_new_string (password), NULL),
                                           target (legacy, "pkcs12", "legacy", g_variant_new_boolean (TRUE),
                                                   "password-file", g_variant_new_string (password), NULL),
                                           target (nopass, "pkcs12", NULL),
                                           target (der, "der", NULL), target (bundle, "trust-bundle", NULL), NULL),
                                  NULL),
                 &error);
  g_assert_no_error (error);
  /* written with the import, before it is announced */
  g_assert_true (cw_test_wait_until (file_exists, bundle, 10));
  cw_test_certificate_reload (&cert);
  fp = g_strdup (cw_dbus_certificate1_get_fingerprint (cert));

  assert_owned (full, USER, NULL, 0644);
  g_assert_cmpuint (count_blocks (full, "CERTIFICATE"), ==, 2);
  out = cw_test_openssl_fingerprint (full);
  g_assert_cmpstr (out, ==, fp);
  g_clear_pointer (&out, g_free);
  assert_owned (crt, NULL, NULL, 0644);
  g_assert_cmpuint (count_blocks (crt, "CERTIFICATE"), ==, 1);
  g_assert_cmpuint (count_blocks (chain, "CERTIFICATE"), ==, 1);
  assert_owned (key, NULL, GROUP, 0640);
  /* the key in each form belongs to the certificate */
  cmd = g_strdup_printf ("openssl pkey -in %s -pubout | openssl sha256 -r; openssl x509 -in %s -pubkey -noout | "
                         "openssl sha256 -r", key, crt);
  out = openssl (cmd);
  {
    g_auto(GStrv) two = g_strsplit (out, "\n", -1);

    g_assert_cmpstr (two[0], ==, two[1]);
  }
  g_clear_pointer (&cmd, g_free);
  g_clear_pointer (&out, g_free);
  assert_owned (combined, NULL, NULL, 0600);
  g_assert_cmpuint (count_blocks (combined, "PRIVATE KEY"), ==, 1);
  g_assert_cmpuint (count_blocks (combined, "CERTIFICATE"), ==, 2);
  assert_owned (p12, NULL, NULL, 0600);
  cmd = g_strdup_printf ("openssl pkcs12 -in %s -passin pass:s3cret -nodes 2>/dev/null | grep -c 'BEGIN'", p12);
  out = openssl (cmd);
  g_assert_cmpint (atoi (out), ==, 3);   /* key, leaf, intermediate */
  g_clear_pointer (&cmd, g_free);
  g_clear_pointer (&out, g_free);
  cmd = g_strdup_printf ("openssl pkcs12 -legacy -in %s -passin pass:s3cret -nodes -info 2>&1 | grep -ci 'tripledes\\|3des'", legacy);
  out = openssl (cmd);
  g_assert_cmpint (atoi (out), >=, 1);
  g_clear_pointer (&cmd, g_free);
  g_clear_pointer (&out, g_free);
  cmd = g_strdup_printf ("openssl pkcs12 -in %s -passin pass: -nodes 2>/dev/null | grep -c 'BEGIN'", nopass);
  out = openssl (cmd);
  g_assert_cmpint (atoi (out), ==, 3);
  g_clear_pointer (&cmd, g_free);
  g_clear_pointer (&out, g_free);
  cmd = g_strdup_printf ("openssl x509 -inform der -in %s -noout -fingerprint -sha256 | tr -d ':' | tr A-F a-f", der);
  out = openssl (cmd);
  g_assert_nonnull (strstr (out, fp));
  g_clear_pointer (&cmd, g_free);
  g_clear_pointer (&out, g_free);
  g_assert_cmpuint (count_blocks (bundle, "CERTIFICATE"), >, 10);

  /* each outcome in LastActions */
  lines = cw_dbus_certificate1_get_last_actions (cert);
  g_assert_cmpuint (g_strv_length ((gchar **) lines), ==, 10);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_true (g_str_has_suffix (lines[i], ": written"));
  g_assert_cmpuint (g_variant_n_children (cw_dbus_certificate1_get_targets (cert)), ==, 10);
}

/* What must never be written, refused when it is set, naming the target. */
static void
test_target_refusals (Fixture *f, gconstpointer data)
{
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autofree gchar *trap = path_in (f, "trap"), *link = path_in (f, "trap/link"), *open_dir = path_in (f, "open");
  g_autofree gchar *through_link = NULL, *in_open = NULL, *in_state = NULL, *missing = path_in (f, "missing/x.pem");
  g_autofree gchar *ok = path_in (f, "ok.pem"), *victim = path_in (f, "victim");
  struct {
    GVariant    *target;
    const gchar *why;
  } cases[8];
  guint n = 0;

  if (!need_root ())
    return;
  cert = import (f, "www", NULL, NULL);
  /* an unprivileged user plants a symlink in a directory of its own */
  g_assert_cmpint (g_mkdir (trap, 0755), ==, 0);
  g_assert_cmpint (chown (trap, getpwnam (USER)->pw_uid, 0), ==, 0);
  g_assert_cmpint (g_mkdir (victim, 0755), ==, 0);
  g_assert_cmpint (symlink (victim, link), ==, 0);
  g_assert_cmpint (lchown (link, getpwnam (USER)->pw_uid, 0), ==, 0);
  through_link = g_build_filename (link, "x.pem", NULL);
  g_assert_cmpint (g_mkdir (open_dir, 0777), ==, 0);
  g_assert_cmpint (g_chmod (open_dir, 0777), ==, 0);
  in_open = g_build_filename (open_dir, "x.pem", NULL);
  in_state = g_build_filename (f->daemon->state_dir, "x.pem", NULL);

  cases[n].target = target (through_link, "fullchain", NULL), cases[n++].why = "belongs to another user";
  cases[n].target = target (in_open, "fullchain", NULL), cases[n++].why = "writable by other users";
  cases[n].target = target (in_state, "fullchain", NULL), cases[n++].why = "state directory";
  cases[n].target = target (missing, "fullchain", NULL), cases[n++].why = "does not exist";
  cases[n].target = target (ok, "fullchain", "owner", g_variant_new_string ("no-such-user-x"), NULL),
    cases[n++].why = "no-such-user-x";
  cases[n].target = target (ok, "key", "mode", g_variant_new_uint32 (0644), NULL), cases[n++].why = "readable by every user";
  cases[n].target = target ("relative.pem", "fullchain", NULL), cases[n++].why = "absolute";
  cases[n].target = target (ok, "jpeg", NULL), cases[n++].why = "unknown format";
  for (guint i = 0; i < n; i++) {
    g_autoptr(GError) error = NULL;

    g_assert_false (set_property (cert, "Targets", targets (cases[i].target, NULL), &error));
    g_test_message ("%s", error->message);
    cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", cases[i].why);
  }
  /* the user's symlink, now in a directory of root's: still the user's
   * link (the owner check no longer refuses the directory) */
  g_assert_cmpint (chown (trap, 0, 0), ==, 0);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (set_property (cert, "Targets", targets (target (through_link, "fullchain", NULL), NULL), &error));
    cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "symbolic link");
  }
  /* nothing was written anywhere */
  g_assert_false (g_file_test (in_open, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (in_state, G_FILE_TEST_EXISTS));
  {
    g_autoptr(GDir) dir = g_dir_open (victim, 0, NULL);

    g_assert_null (g_dir_read_name (dir));
  }
  cw_test_certificate_reload (&cert);
  g_assert_cmpuint (g_variant_n_children (cw_dbus_certificate1_get_targets (cert)), ==, 0);
  /* a link of root's in a directory of root's is root's choice (merged
   * /usr's /bin): followed, and the file lands where it points */
  g_assert_cmpint (lchown (link, 0, 0), ==, 0);
  {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *landed = g_build_filename (victim, "x.pem", NULL);

    g_assert_true (set_property (cert, "Targets", targets (target (through_link, "fullchain", NULL), NULL), &error));
    g_assert_no_error (error);
    g_assert_true (cw_test_wait_until (file_exists, landed, 10));
  }
}

/* ---- hooks and commands ------------------------------------------------- */

static gchar *
write_script (Fixture *f, const gchar *name, const gchar *body)
{
  gchar *path = path_in (f, name);
  g_autofree gchar *text = g_strdup_printf ("#!/bin/sh\n%s\n", body);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return path;
}

/* A program that runs as root must be root's and nobody else's to change. */
static void
test_hooks_checked (Fixture *f, gconstpointer data)
{
  g_autofree gchar *theirs = write_script (f, "theirs.sh", "true");
  g_autofree gchar *writable = write_script (f, "writable.sh", "true");
  g_autofree gchar *open_dir = path_in (f, "open"), *in_open = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  const gchar *bad[][2] = { { theirs, "belongs to another user" }, { writable, "writable by other users" },
                            { NULL, "writable by other users" }, { "/no/such/hook", "does not exist" } };

  if (!need_root ())
    return;
  g_assert_cmpint (chown (theirs, getpwnam (USER)->pw_uid, 0), ==, 0);
  g_assert_cmpint (g_chmod (writable, 0775), ==, 0);
  g_assert_cmpint (g_mkdir (open_dir, 0777), ==, 0);
  g_assert_cmpint (g_chmod (open_dir, 0777), ==, 0);
  in_open = g_build_filename (open_dir, "hook.sh", NULL);
  g_assert_true (g_file_set_contents (in_open, "#!/bin/sh\ntrue\n", -1, NULL));
  g_assert_cmpint (g_chmod (in_open, 0755), ==, 0);
  bad[2][0] = in_open;
  cert = import (f, "www", NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    const gchar *hooks[] = { bad[i][0], NULL };
    g_autoptr(GError) error = NULL;
    const gchar *argv[] = { bad[i][0], "x", NULL };
    g_auto(GVariantBuilder) commands = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(sas)"));

    g_assert_false (set_property (cert, "DeployHooks", g_variant_new_strv (hooks, -1), &error));
    cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", bad[i][1]);
    g_clear_error (&error);
    g_variant_builder_add (&commands, "(s^as)", "", argv);
    g_assert_false (set_property (cert, "ReloadCommands", g_variant_builder_end (&commands), &error));
    cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", bad[i][1]);
  }
  /* the same at Import */
  {
    const gchar *hooks[] = { theirs, NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(CwDBusCertificate1) refused = import (f, "refused", cw_test_options ("deploy-hooks",
                                                                                   g_variant_new_strv (hooks, -1), NULL),
                                                    &error);

    g_assert_null (refused);
    cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "belongs to another user");
  }
}

/* LastActions mentions both the hook and the command */
static gboolean
both_reported (gpointer data)
{
  CwDBusCertificate1 **cert = data;
  g_autofree gchar *all = NULL;

  cw_test_certificate_reload (cert);
  all = g_strjoinv ("\n", (gchar **) cw_dbus_certificate1_get_last_actions (*cert));
  return strstr (all, "hook ") != NULL && strstr (all, "command ") != NULL;
}

/* Set, actions run at once; output kept in LastActions, also after a
 * restart; a command runs as its user. */
static void
test_actions (Fixture *f, gconstpointer data)
{
  g_autofree gchar *hook = write_script (f, "hook.sh", "echo \"first line\"; echo \"second line\" >&2; exit 3");
  g_autofree gchar *cmd = write_script (f, "cmd.sh", "echo \"as $(id -un)\"");
  g_autofree gchar *text = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *hooks[] = { hook, NULL };
  const gchar *argv[] = { cmd, NULL };
  g_auto(GVariantBuilder) commands = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(sas)"));
  const gchar *const *lines;

  if (!need_root ())
    return;
  cert = import (f, "www", NULL, NULL);
  g_assert_true (set_property (cert, "DeployHooks", g_variant_new_strv (hooks, -1), &error));
  g_assert_no_error (error);
  g_variant_builder_add (&commands, "(s^as)", USER, argv);
  g_assert_true (set_property (cert, "ReloadCommands", g_variant_builder_end (&commands), &error));
  g_assert_no_error (error);
  g_assert_true (cw_test_wait_until (both_reported, &cert, 10));
  /* both ran when set: hook (failed, its two lines), command (done, as nobody) */
  lines = cw_dbus_certificate1_get_last_actions (cert);
  {
    g_autofree gchar *all = g_strjoinv ("\n", (gchar **) lines);

    g_test_message ("%s", all);
    g_assert_nonnull (strstr (all, "exit status 3"));
    g_assert_nonnull (strstr (all, "  first line"));
    g_assert_nonnull (strstr (all, "  second line"));
    g_assert_nonnull (strstr (all, "command " USER ": "));
    g_assert_nonnull (strstr (all, "  as " USER));
  }
  /* LastActions survives a restart */
  {
    g_auto(GStrv) before = g_strdupv ((gchar **) lines);

    restart (f);
    cw_test_certificate_reload (&cert);
    g_assert_true (g_strv_equal (cw_dbus_certificate1_get_last_actions (cert), (const gchar * const *) before));
  }
  /* logged with the certificate's name */
  text = cw_test_daemon_log (f->daemon);
  g_assert_nonnull (strstr (text, "www: hook "));
}

static gboolean
file_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

typedef struct {
  CwDBusCertificate1 **cert;
  CwTestDaemon        *daemon;
  const gchar         *text;
} Waiting;

static gboolean
actions_say (gpointer data)
{
  Waiting *w = data;
  g_autofree gchar *all = NULL;

  cw_test_certificate_reload (w->cert);
  all = g_strjoinv ("\n", (gchar **) cw_dbus_certificate1_get_last_actions (*w->cert));
  return strstr (all, w->text) != NULL;
}

static gboolean
log_says (gpointer data)
{
  Waiting *w = data;
  g_autofree gchar *text = cw_test_daemon_log (w->daemon);

  return strstr (text, w->text) != NULL;
}

/* Two runs of the actions overlapping, the older ending last: LastActions
 * says what the newer run did, not what the older one ended with. */
static void
test_actions_newest (Fixture *f, gconstpointer data)
{
  g_autofree gchar *once = path_in (f, "slow-once");
  g_autofree gchar *go = path_in (f, "go");
  g_autofree gchar *body = g_strdup_printf ("if [ -e %s ]; then rm %s; while [ ! -e %s ]; do sleep 0.05; done; "
                                            "echo \"older run\"; exit 4; else echo \"newer run\"; fi",
                                            once, once, go);
  g_autofree gchar *hook = write_script (f, "hook.sh", body);
  g_autofree gchar *cmd = write_script (f, "cmd.sh", "true");
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *hooks[] = { hook, NULL };
  const gchar *argv[] = { cmd, NULL };
  g_auto(GVariantBuilder) commands = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(sas)"));
  Waiting w = { &cert, f->daemon, NULL };
  g_autofree gchar *all = NULL;

  if (!need_root ())
    return;
  cert = import (f, "www", NULL, NULL);
  g_assert_true (g_file_set_contents (once, "", 0, NULL));
  /* the first run's hook starts and waits */
  g_assert_true (set_property (cert, "DeployHooks", g_variant_new_strv (hooks, -1), &error));
  g_assert_no_error (error);
  g_assert_true (cw_test_wait_until (file_gone, once, 10));
  /* a second run, which ends at once */
  g_variant_builder_add (&commands, "(s^as)", USER, argv);
  g_assert_true (set_property (cert, "ReloadCommands", g_variant_builder_end (&commands), &error));
  g_assert_no_error (error);
  w.text = "newer run";
  g_assert_true (cw_test_wait_until (actions_say, &w, 10));
  /* now the first one ends, failing: a warning in the log says when */
  g_assert_true (g_file_set_contents (go, "", 0, NULL));
  w.text = "exit status 4";
  g_assert_true (cw_test_wait_until (log_says, &w, 10));
  cw_test_certificate_reload (&cert);
  all = g_strjoinv ("\n", (gchar **) cw_dbus_certificate1_get_last_actions (cert));
  g_test_message ("%s", all);
  g_assert_nonnull (strstr (all, "newer run"));
  g_assert_null (strstr (all, "older run"));
}

/* ---- order, batches, repair --------------------------------------------- */

typedef struct {
  gchar    *target;
  gchar    *hook_log;
  gchar    *fingerprint;
  gboolean  target_ready;   /* at the moment CertificateChanged arrived */
  gboolean  hook_ran;
  gboolean  seen;
} Order;

static void
on_changed (GDBusConnection *c, const gchar *sender, const gchar *path, const gchar *iface, const gchar *member,
            GVariant *params, gpointer user_data)
{
  Order *o = user_data;
  const gchar *event = NULL;
  g_autoptr(GVariant) details = NULL;
  g_autofree gchar *on_disk = NULL;

  g_variant_get (params, "(&o&s@a{sv})", NULL, &event, &details);
  if (!g_str_equal (event, "replaced"))
    return;
  on_disk = cw_test_openssl_fingerprint (o->target);
  g_variant_lookup (details, "fingerprint", "s", &o->fingerprint);
  o->target_ready = g_strcmp0 (on_disk, o->fingerprint) == 0;
  o->hook_ran = g_file_test (o->hook_log, G_FILE_TEST_EXISTS);
  o->seen = TRUE;
}

/* The revision is current, then the targets are written, then the hooks
 * run, then CertificateChanged: a service reloading on the signal finds
 * its files and every reload done. */
static void
test_order (Fixture *f, gconstpointer data)
{
  Order o = { 0 };
  g_autofree gchar *body = NULL, *hook = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL, again = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *hooks[2] = { NULL, NULL };
  guint id;

  if (!need_root ())
    return;
  o.target = path_in (f, "www.pem");
  o.hook_log = path_in (f, "hook.log");
  body = g_strdup_printf ("sleep 0.3; echo \"$CERTWARD_NAME $CERTWARD_FULLCHAIN\" > %s", o.hook_log);
  hook = write_script (f, "hook.sh", body);
  hooks[0] = hook;
  cert = import (f, "www", cw_test_options ("targets", targets (target (o.target, "fullchain", NULL), NULL), NULL),
                 &error);
  g_assert_no_error (error);
  g_assert_true (cw_test_wait_until (file_exists, o.target, 10));
  g_assert_true (set_property (cert, "DeployHooks", g_variant_new_strv (hooks, -1), &error));
  g_assert_true (cw_test_wait_until (file_has_line, o.hook_log, 10));
  g_unlink (o.hook_log);
  id = g_dbus_connection_signal_subscribe (cw_test_bus (), "org.certward.Certward1", "org.certward.Manager1",
                                           "CertificateChanged", MANAGER_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                           on_changed, &o, NULL);
  {
    g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
    g_auto(GVariantBuilder) files = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aay"));
    g_autofree gchar *path = NULL;

    g_variant_builder_add_value (&files, cw_test_fixture_ay ("rsa.pem"));
    g_variant_builder_add_value (&files, cw_test_fixture_ay ("rsa.key"));
    g_variant_builder_add_value (&files, cw_test_fixture_ay ("inter.pem"));
    g_variant_builder_add (&b, "{sv}", "name", g_variant_new_string ("www"));
    g_variant_builder_add (&b, "{sv}", "replace", g_variant_new_boolean (TRUE));
    g_variant_builder_add (&b, "{sv}", "files", g_variant_builder_end (&files));
    cw_dbus_manager1_call_import_sync (f->manager, g_variant_builder_end (&b), &path, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_true (cw_test_wait_timeout (&o.seen, 10));
  g_dbus_connection_signal_unsubscribe (cw_test_bus (), id);
  g_assert_true (o.target_ready);
  g_assert_true (o.hook_ran);
  g_free (o.target);
  g_free (o.hook_log);
  g_free (o.fingerprint);
}

/* A target removed or changed while the agent was away is repaired at
 * start; one removed from the list keeps its file. */
static void
test_repair (Fixture *f, gconstpointer data)
{
  g_autofree gchar *full = path_in (f, "full.pem"), *key = path_in (f, "key.pem"), *log = NULL, *stale = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GError) error = NULL;

  if (!need_root ())
    return;
  cert = import (f, "www", cw_test_options ("targets", targets (target (full, "fullchain", NULL),
                                                                target (key, "key", "group", g_variant_new_string (GROUP),
                                                                        "mode", g_variant_new_uint32 (0640), NULL),
                                                                NULL), NULL), &error);
  g_assert_no_error (error);
  g_assert_true (cw_test_wait_until (file_exists, key, 10));
  g_clear_object (&f->manager);
  cw_test_daemon_stop (f->daemon);
  g_unlink (full);
  g_assert_cmpint (g_chmod (key, 0644), ==, 0);
  /* a write that a crash cut short left its temporary beside the target */
  stale = path_in (f, ".key.pem.tmp-0badcafe");
  g_assert_true (g_file_set_contents (stale, "half a key", -1, NULL));
  cw_test_daemon_start (f->daemon);
  f->manager = cw_test_manager ();
  g_assert_true (cw_test_wait_until (file_exists, full, 10));
  for (guint i = 0; i < 100; i++) {
    struct stat st;

    if (stat (key, &st) == 0 && (st.st_mode & 07777) == 0640)
      break;
    g_usleep (50 * 1000);
  }
  assert_owned (key, NULL, GROUP, 0640);
  g_assert_true (cw_test_daemon_wait_log (f->daemon, "repaired (missing)", 10));
  g_assert_true (cw_test_daemon_wait_log (f->daemon, "repaired (mode)", 10));
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  /* taken off the list: the file stays */
  cw_test_certificate_reload (&cert);
  g_assert_true (set_property (cert, "Targets", g_variant_new ("aa{sv}", NULL), &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (full, G_FILE_TEST_EXISTS));
}

/* ---- integrations ------------------------------------------------------- */

static void
test_integrations (Fixture *f, gconstpointer data)
{
  g_autofree gchar *conf = NULL, *text = NULL, *out = path_in (f, "out"), *who = NULL, *script = NULL;
  g_autofree gchar *body = NULL;
  g_autoptr(CwDBusCertificate1) cert = NULL;
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *names[] = { "testpbx", NULL };
  const gchar *unknown[] = { "no-such-pbx", NULL };
  gboolean found = FALSE;

  if (!need_root ())
    return;
  /* where the command, as nobody, may write what it is */
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  g_assert_cmpint (chown (out, getpwnam (USER)->pw_uid, 0), ==, 0);
  who = g_build_filename (out, "who", NULL);
  body = g_strdup_printf ("id -un > %s", who);
  script = write_script (f, "reload.sh", body);
  conf = g_build_filename (f->integrations, "testpbx.conf", NULL);
  text = g_strdup_printf ("[Integration]\nDescription=A test PBX\n"
                          "[Target cert]\nPath=%s/%%n.crt\nFormat=fullchain\n"
                          "[Target key]\nPath=%s/%%n.key\nFormat=key\nGroup=" GROUP "\nMode=0640\n"
                          "[Reload]\nUser=" USER "\nCommands=%s\n", f->dir, f->dir, script);
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  {
    /* a misspelt group would deliver nothing: the file is refused */
    g_autofree gchar *typo = g_build_filename (f->integrations, "typo.conf", NULL);

    g_assert_true (g_file_set_contents (typo, "[Integration]\nDescription=x\n[Targett cert]\nPath=/x\n", -1, NULL));
  }
  restart (f);

  cw_dbus_manager1_call_get_integrations_sync (f->manager, &list, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < g_variant_n_children (list); i++) {
    const gchar *name = NULL, *description = NULL;
    g_autoptr(GVariant) what = NULL;

    g_variant_get_child (list, i, "(&s&s@a{sv})", &name, &description, &what);
    g_assert_cmpstr (name, !=, "typo");
    if (g_str_equal (name, "testpbx")) {
      g_autoptr(GVariant) t = g_variant_lookup_value (what, "targets", G_VARIANT_TYPE ("aa{sv}"));

      g_assert_cmpstr (description, ==, "A test PBX");
      g_assert_cmpuint (g_variant_n_children (t), ==, 2);
      found = TRUE;
    }
  }
  g_assert_true (found);

  cert = import (f, "pbx", NULL, NULL);
  g_assert_false (set_property (cert, "Integrations", g_variant_new_strv (unknown, -1), &error));
  cw_test_assert_remote_error (error, "org.certward.Error.InvalidArgument", "testpbx");
  g_clear_error (&error);
  g_assert_true (set_property (cert, "Integrations", g_variant_new_strv (names, -1), &error));
  g_assert_no_error (error);
  g_assert_true (cw_test_wait_until (file_has_line, who, 10));
  {
    g_autofree gchar *crt = path_in (f, "pbx.crt"), *key = path_in (f, "pbx.key"), *user = NULL;

    assert_owned (crt, NULL, NULL, 0644);
    assert_owned (key, NULL, GROUP, 0640);
    g_assert_true (g_file_get_contents (who, &user, NULL, NULL));
    g_assert_cmpstr (g_strstrip (user), ==, USER);
  }
}

static gboolean
fs_restarted (gpointer data)
{
  g_autofree gchar *text = NULL;

  return g_file_get_contents (data, &text, NULL, NULL) && strstr (text, "external restart\n") != NULL &&
         strstr (text, "internal restart\n") != NULL;
}

/* The shipped integration @name with its directory, users and programs
 * replaced by the test's (Asterisk and FreeSWITCH are not in Debian 12):
 * the formats, modes and commands stay what a PBX gets. */
static void
stand_in_integration (Fixture *f, const gchar *name, const gchar *const *from_to)
{
  g_autofree gchar *source = g_strdup_printf ("%s/data/integrations/%s.conf", g_getenv ("CW_SOURCE_DIR"), name);
  g_autofree gchar *text = NULL, *target = NULL;

  g_assert_true (g_file_get_contents (source, &text, NULL, NULL));
  for (guint i = 0; from_to[i] != NULL; i += 2) {
    g_auto(GStrv) parts = g_strsplit (text, from_to[i], -1);

    g_assert_cmpuint (g_strv_length (parts), >, 1);   /* it is there */
    g_free (text);
    text = g_strjoinv (from_to[i + 1], parts);
  }
  target = g_strdup_printf ("%s/%s.conf", f->integrations, name);
  g_assert_true (g_file_set_contents (target, text, -1, NULL));
}

/* A stand-in for a PBX's own command: records its arguments and user. */
static gchar *
recorder (Fixture *f, const gchar *name, const gchar *log)
{
  g_autofree gchar *body = g_strdup_printf ("echo \"$(id -un) $*\" >> %s", log);

  return write_script (f, name, body);
}

static gboolean
lines_in (gpointer data)
{
  g_autofree gchar *text = NULL;

  return g_file_get_contents (data, &text, NULL, NULL) && strchr (text, '\n') != NULL;
}

/* Asterisk and FreeSWITCH: their files as the integrations write them and
 * their reload commands as run (stand-ins record argv). */
static void
test_asterisk_freeswitch (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = path_in (f, "out"), *log = NULL, *asterisk = NULL, *fs_cli = NULL;
  g_autofree gchar *keys = path_in (f, "keys"), *fs_tls = path_in (f, "fstls"), *text = NULL, *cmd = NULL, *res = NULL;
  g_autoptr(CwDBusCertificate1) pbx = NULL, fs = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *names_a[] = { "asterisk", NULL }, *names_f[] = { "freeswitch", NULL };

  if (!need_root ())
    return;
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  g_assert_cmpint (chown (out, getpwnam (USER)->pw_uid, 0), ==, 0);
  log = g_build_filename (out, "argv.log", NULL);
  asterisk = recorder (f, "asterisk", log);
  fs_cli = recorder (f, "fs_cli", log);
  g_assert_cmpint (g_mkdir (keys, 0750), ==, 0);
  g_assert_cmpint (g_mkdir (fs_tls, 0750), ==, 0);
  {
    const gchar *a[] = { "/etc/asterisk/keys", keys, "/usr/sbin/asterisk", asterisk, "Group=asterisk", "Group=" GROUP,
                         "User=asterisk", "User=" USER, NULL };
    const gchar *fsw[] = { "/etc/freeswitch/tls", fs_tls, "/usr/bin/fs_cli", fs_cli, "Group=freeswitch",
                           "Group=" GROUP, "User=freeswitch", "User=" USER, NULL };

    stand_in_integration (f, "asterisk", a);
    stand_in_integration (f, "freeswitch", fsw);
  }
  restart (f);
  pbx = import (f, "pbx", cw_test_options ("integrations", g_variant_new_strv (names_a, -1), NULL), &error);
  g_assert_no_error (error);
  g_assert_true (cw_test_wait_until (lines_in, log, 10));
  fs = import (f, "fs", cw_test_options ("integrations", g_variant_new_strv (names_f, -1), NULL), &error);
  g_assert_no_error (error);
  /* FreeSWITCH's two profile restarts run side by side */
  g_assert_true (cw_test_wait_until (fs_restarted, log, 30));
  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  g_test_message ("%s", text);
  /* the commands, with their arguments as one word each, as the user */
  g_assert_nonnull (strstr (text, USER " -rx module reload res_pjsip.so\n"));
  g_assert_nonnull (strstr (text, USER " -x sofia profile internal restart\n"));
  g_assert_nonnull (strstr (text, USER " -x sofia profile external restart\n"));

  /* Asterisk's files */
  {
    g_autofree gchar *crt = g_build_filename (keys, "pbx.pem", NULL), *key = g_build_filename (keys, "pbx.key", NULL);

    assert_owned (crt, NULL, NULL, 0644);
    assert_owned (key, NULL, GROUP, 0640);
    g_assert_cmpuint (count_blocks (crt, "CERTIFICATE"), ==, 2);
    cmd = g_strdup_printf ("openssl pkey -in %s -noout", key);
    res = openssl (cmd);
    g_clear_pointer (&cmd, g_free);
    g_clear_pointer (&res, g_free);
  }
  /* FreeSWITCH's: key and the whole chain in each combined file, the
   * trusted CAs in cafile.pem */
  {
    static const gchar *const combined[] = { "agent.pem", "wss.pem", "dtls-srtp.pem" };
    g_autofree gchar *ca = g_build_filename (fs_tls, "cafile.pem", NULL);

    for (guint i = 0; i < G_N_ELEMENTS (combined); i++) {
      g_autofree gchar *file = g_build_filename (fs_tls, combined[i], NULL);

      assert_owned (file, NULL, GROUP, 0640);
      g_assert_cmpuint (count_blocks (file, "PRIVATE KEY"), ==, 1);
      g_assert_cmpuint (count_blocks (file, "CERTIFICATE"), ==, 2);
      cmd = g_strdup_printf ("openssl x509 -in %s -noout && openssl pkey -in %s -noout", file, file);
      res = openssl (cmd);
      g_clear_pointer (&cmd, g_free);
      g_clear_pointer (&res, g_free);
    }
    assert_owned (ca, NULL, NULL, 0644);
    g_assert_cmpuint (count_blocks (ca, "CERTIFICATE"), >, 10);
  }
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
  cw_test_fixtures ();
  cw_test_bus_up ();
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/delivery/access-group", test_access_group);
  ADD ("/delivery/targets", test_targets);
  ADD ("/delivery/target-refusals", test_target_refusals);
  ADD ("/delivery/hooks-checked", test_hooks_checked);
  ADD ("/delivery/actions", test_actions);
  ADD ("/delivery/actions-newest", test_actions_newest);
  ADD ("/delivery/order", test_order);
  ADD ("/delivery/repair", test_repair);
  ADD ("/delivery/integrations", test_integrations);
  ADD ("/delivery/asterisk-freeswitch", test_asterisk_freeswitch);
  {
    int status = g_test_run ();

    cw_test_bus_down ();
    return status;
  }
}
