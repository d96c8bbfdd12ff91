/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Revision directories (cw-revision.c) in a temporary certificate
 * directory: a revision is written whole with its modes, is nobody's until
 * committed, reads back from its cache or verified, and pruning keeps the
 * newest and drops a crash's leftovers. */
#include "cw-certificate.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-revision.h"
#include "cw-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  gchar    *dir;
  CwFd      fd;
  CwBundle *bundle;    /* leaf, intermediate and key */
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(CwMaterial) material = cw_material_new (NULL);
  g_autoptr(GBytes) p12 = cw_test_fixture ("nopass.p12");
  g_autoptr(GError) error = NULL;
  CwChainPolicy policy = { 0 };

  f->dir = cw_test_mkdtemp ();
  f->fd = cw_fs_open_dir (AT_FDCWD, f->dir, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (cw_material_add (material, "nopass.p12", g_bytes_get_data (p12, NULL), g_bytes_get_size (p12),
                                  &error));
  policy.now = g_get_real_time () / G_USEC_PER_SEC;
  f->bundle = cw_bundle_build (material, &policy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->bundle->certs->len, ==, 2);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  cw_bundle_free (f->bundle);
  cw_fs_fd_clear (&f->fd);
  cw_test_rmdir (f->dir);
  g_free (f->dir);
}

static struct stat
stat_of (Fixture *f, const gchar *path)
{
  struct stat st;

  g_assert_cmpint (fstatat (f->fd, path, &st, AT_SYMLINK_NOFOLLOW), ==, 0);
  return st;
}

static gboolean
exists (Fixture *f, const gchar *path)
{
  struct stat st;

  return fstatat (f->fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static gchar *
read_text (Fixture *f, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = cw_fs_read_at (f->fd, name, 1024 * 1024, &error);

  g_assert_no_error (error);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
write_revision (Fixture *f, guint number, const gchar *source)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cw_revision_write (f->fd, number, source, f->bundle, -1, &error));
  g_assert_no_error (error);
}

static gchar *
fingerprint (gnutls_x509_crt_t crt)
{
  return cw_x509_crt_get_fingerprint (crt);
}

static void
test_write (Fixture *f, gconstpointer data)
{
  static const struct { const gchar *file; guint mode; } files[] = {
    { "rev-1/cert.pem", 0644 }, { "rev-1/chain.pem", 0644 }, { "rev-1/fullchain.pem", 0644 },
    { "rev-1/key.pem", 0600 }, { "rev-1/revision.ini", 0644 },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CwRevision) rev = NULL;
  g_autofree gchar *cert = NULL, *chain = NULL, *fullchain = NULL;

  write_revision (f, 1, "imported");
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_assert_cmpuint (stat_of (f, files[i].file).st_mode & 07777, ==, files[i].mode);
  /* fullchain is the leaf and then the chain */
  cert = read_text (f, "rev-1/cert.pem");
  chain = read_text (f, "rev-1/chain.pem");
  fullchain = read_text (f, "rev-1/fullchain.pem");
  g_assert_true (g_str_has_prefix (fullchain, cert));
  g_assert_cmpstr (fullchain + strlen (cert), ==, chain);

  /* written is not current: nobody reads it before the commit */
  g_assert_null (cw_fs_readlink_at (f->fd, "current"));
  rev = cw_revision_read_current (f->fd, FALSE, &error);
  g_assert_null (rev);
  g_assert_error (error, CW_ERROR, CW_ERROR_NOT_FOUND);
}

static void
test_read (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *leaf = fingerprint (g_ptr_array_index (f->bundle->certs, 0));
  g_autoptr(GPtrArray) chain = NULL;
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(CwFd) revfd = -1;

  write_revision (f, 1, "acme");
  g_assert_true (cw_revision_commit (f->fd, 1, &error));
  g_assert_no_error (error);
  /* from the cache in revision.ini, and parsed and checked */
  for (guint verify = 0; verify < 2; verify++) {
    g_autoptr(CwRevision) rev = cw_revision_read_current (f->fd, verify, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (rev->number, ==, 1);
    g_assert_cmpstr (rev->source, ==, "acme");
    g_assert_cmpstr (rev->info->fingerprint, ==, leaf);
    g_assert_true (rev->key_matches);
    g_assert_nonnull (rev->warnings);
  }

  revfd = cw_revision_open_current (f->fd, &error);
  g_assert_no_error (error);
  chain = cw_revision_load_chain_at (revfd, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chain->len, ==, 2);
  for (guint i = 0; i < chain->len; i++) {
    g_autofree gchar *a = fingerprint (g_ptr_array_index (chain, i));
    g_autofree gchar *b = fingerprint (g_ptr_array_index (f->bundle->certs, i));

    g_assert_cmpstr (a, ==, b);
  }
  key = cw_revision_load_key (f->fd, "current", &error);
  g_assert_no_error (error);
  g_assert_true (cw_x509_privkey_matches (key, g_ptr_array_index (chain, 0)));
}

/* The cache can lie (a file changed behind the agent's back): verifying
 * reads the files themselves. */
static void
test_verify (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwRevision) cached = NULL, verified = NULL;

  write_revision (f, 1, "imported");
  g_assert_true (cw_revision_commit (f->fd, 1, &error));
  g_assert_cmpint (unlinkat (f->fd, "rev-1/key.pem", 0), ==, 0);
  cached = cw_revision_read_current (f->fd, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (cached->key_matches);
  verified = cw_revision_read_current (f->fd, TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (verified->key_matches);
}

static void
test_commit (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CwRevision) rev = NULL;
  g_autofree gchar *target = NULL;

  write_revision (f, 1, "imported");
  write_revision (f, 2, "renewed");
  g_assert_true (cw_revision_commit (f->fd, 1, &error));
  g_assert_true (cw_revision_commit (f->fd, 2, &error));
  g_assert_no_error (error);
  target = cw_fs_readlink_at (f->fd, "current");
  g_assert_cmpstr (target, ==, "rev-2");
  rev = cw_revision_read_current (f->fd, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rev->number, ==, 2);
  g_assert_cmpstr (rev->source, ==, "renewed");
}

/* A directory of the new revision's name is a crash's leftover: replaced. */
static void
test_leftover (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (mkdirat (f->fd, "rev-1", 0755), ==, 0);
  g_assert_true (cw_fs_write_new_at (f->fd, "rev-1/key.pem", "half", 4, 0600, &error));
  write_revision (f, 1, "imported");
  g_assert_cmpint (stat_of (f, "rev-1/key.pem").st_size, >, 4);
  g_assert_true (exists (f, "rev-1/revision.ini"));
}

static void
test_prune (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 1; i <= 5; i++)
    write_revision (f, i, "imported");
  g_assert_true (cw_revision_commit (f->fd, 4, &error));
  g_assert_true (cw_fs_write_new_at (f->fd, ".settings.ini.tmp-0000abcd", "x", 1, 0644, &error));
  g_assert_true (cw_fs_write_new_at (f->fd, "settings.ini", "x", 1, 0644, &error));

  /* keep 2 up to current 4: rev-3 and rev-4; rev-5 was never committed */
  cw_revision_prune (f->fd, "test", 4, 2, FALSE);
  g_assert_false (exists (f, "rev-1"));
  g_assert_false (exists (f, "rev-2"));
  g_assert_true (exists (f, "rev-3"));
  g_assert_true (exists (f, "rev-4"));
  g_assert_false (exists (f, "rev-5"));
  g_assert_true (exists (f, "current"));
  g_assert_true (exists (f, "settings.ini"));
  /* temporaries only when asked (nothing else may be writing then) */
  g_assert_true (exists (f, ".settings.ini.tmp-0000abcd"));
  cw_revision_prune (f->fd, "test", 4, 2, TRUE);
  g_assert_false (exists (f, ".settings.ini.tmp-0000abcd"));
  g_assert_true (exists (f, "rev-3"));
  g_assert_true (exists (f, "settings.ini"));
}

/* An AccessGroup gives every revision's key to the group, 0640; without one
 * it is root's alone again. */
static void
test_key_group (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gid_t group = getegid () == 0 ? 1 : getegid ();

  if (getegid () != 0 && geteuid () != 0) {
    g_test_skip ("needs root: the key is given to another group");
    return;
  }
  g_assert_true (cw_revision_write (f->fd, 1, "imported", f->bundle, (gint) group, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stat_of (f, "rev-1/key.pem").st_mode & 07777, ==, 0640);
  g_assert_cmpuint (stat_of (f, "rev-1/key.pem").st_gid, ==, group);
  write_revision (f, 2, "imported");
  g_assert_true (cw_revision_set_key_group (f->fd, (gint) group, &error));
  g_assert_cmpuint (stat_of (f, "rev-2/key.pem").st_mode & 07777, ==, 0640);
  g_assert_cmpuint (stat_of (f, "rev-2/key.pem").st_gid, ==, group);
  g_assert_true (cw_revision_set_key_group (f->fd, -1, &error));
  g_assert_no_error (error);
  for (guint i = 1; i <= 2; i++) {
    g_autofree gchar *key = g_strdup_printf ("rev-%u/key.pem", i);

    g_assert_cmpuint (stat_of (f, key).st_mode & 07777, ==, 0600);
    g_assert_cmpuint (stat_of (f, key).st_gid, ==, getegid ());
  }
}

int
main (int argc, char **argv)
{
  cw_test_init (&argc, &argv);
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/revision/write", test_write);
  ADD ("/revision/read", test_read);
  ADD ("/revision/verify", test_verify);
  ADD ("/revision/commit", test_commit);
  ADD ("/revision/leftover", test_leftover);
  ADD ("/revision/prune", test_prune);
  ADD ("/revision/key-group", test_key_group);
  return g_test_run ();
}
