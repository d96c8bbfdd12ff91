/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Delivery checks and target files (see cw-deliverer.h). */
#include "config.h"

#include "cw-deliverer.h"
#include "cw-error.h"
#include "cw-export.h"
#include "cw-fs.h"
#include "cw-log.h"
#include "cw-revision.h"
#include "cw-secure-path.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE_SIZE (16 * 1024 * 1024)

struct _CwDeliverer {
  GObject     parent_instance;

  gchar      *state_dir;
  gchar      *trust_bundle;
  GHashTable *integrations;   /* name → CwIntegration */
};

G_DEFINE_FINAL_TYPE (CwDeliverer, cw_deliverer, G_TYPE_OBJECT)

static void
cw_deliverer_finalize (GObject *object)
{
  CwDeliverer *self = CW_DELIVERER (object);

  g_free (self->state_dir);
  g_free (self->trust_bundle);
  g_hash_table_unref (self->integrations);
  G_OBJECT_CLASS (cw_deliverer_parent_class)->finalize (object);
}

static void
cw_deliverer_class_init (CwDelivererClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_deliverer_finalize;
}

static void
cw_deliverer_init (CwDeliverer *self)
{
}

CwDeliverer *
cw_deliverer_new (const gchar *state_dir, const gchar *trust_bundle, const gchar * const *integration_dirs)
{
  CwDeliverer *self = g_object_new (CW_TYPE_DELIVERER, NULL);

  self->state_dir = g_strdup (state_dir);
  self->trust_bundle = g_strdup (trust_bundle);
  self->integrations = cw_integrations_load (integration_dirs);
  g_info ("%u integrations", g_hash_table_size (self->integrations));
  return self;
}

void
cw_deliverer_reload_integrations (CwDeliverer *self, const gchar * const *integration_dirs)
{
  g_return_if_fail (CW_IS_DELIVERER (self));

  g_hash_table_unref (self->integrations);
  self->integrations = cw_integrations_load (integration_dirs);
  g_info ("%u integrations", g_hash_table_size (self->integrations));
}

static gint
compare_integrations (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(CwIntegration * const *) a)->name, (*(CwIntegration * const *) b)->name);
}

GPtrArray *
cw_deliverer_get_integrations (CwDeliverer *self)
{
  GPtrArray *all;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (CW_IS_DELIVERER (self), NULL);

  all = g_ptr_array_new ();

  g_hash_table_iter_init (&iter, self->integrations);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (all, value);
  g_ptr_array_sort (all, compare_integrations);
  return all;
}

/* ---- users and groups --------------------------------------------------- */

static gboolean
lookup_uid (const gchar *user, uid_t *uid)
{
  struct passwd pw, *found = NULL;
  gchar buf[4096];

  if (user == NULL || *user == '\0') {
    *uid = 0;
    return TRUE;
  }
  if (getpwnam_r (user, &pw, buf, sizeof buf, &found) != 0 || found == NULL)
    return FALSE;
  *uid = pw.pw_uid;
  return TRUE;
}

static gboolean
lookup_gid (const gchar *group, gid_t *gid)
{
  struct group gr, *found = NULL;
  gchar buf[4096];

  if (group == NULL || *group == '\0') {
    *gid = 0;
    return TRUE;
  }
  if (getgrnam_r (group, &gr, buf, sizeof buf, &found) != 0 || found == NULL)
    return FALSE;
  *gid = gr.gr_gid;
  return TRUE;
}

/* ---- checks ------------------------------------------------------------- */

static gboolean
has_key (CwCertificate *cert)
{
  g_autofree gchar *key = NULL;

  /* not made yet, or no revision yet (a request waiting for its CA): the
   * key will come */
  if (cert == NULL || cw_certificate_get_info (cert) == NULL)
    return TRUE;
  key = cw_certificate_get_path (cert, CW_CERT_FILE_KEY);
  return g_file_test (key, G_FILE_TEST_EXISTS);
}

static gboolean
check_target (CwDeliverer *self, const gchar *cert_name, CwCertificate *cert, const CwTarget *target,
              GError **error)
{
  g_autofree gchar *name = NULL;
  g_autoptr(GError) local = NULL;
  g_auto(CwFd) fd = -1;
  uid_t uid;
  gid_t gid;

#define FAIL(...) G_STMT_START { \
    g_autofree gchar *why = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("target %s: %s"), target->path, why); \
    return FALSE; \
  } G_STMT_END

  fd = cw_secure_open_parent (target->path, self->state_dir, &name, &local);
  if (fd < 0)
    FAIL ("%s", local->message);
  if (!lookup_uid (target->owner, &uid))
    FAIL (_("there is no user “%s”"), target->owner);
  if (!lookup_gid (target->group, &gid))
    FAIL (_("there is no group “%s”"), target->group);
  if (target->mode > 0777)
    FAIL (_("the mode %o is not a file mode (0644, 0640, …)"), target->mode);
  if (cw_target_format_has_key (target->format)) {
    if (!has_key (cert))
      FAIL (_("the format %s holds the private key, and “%s” has none"), cw_target_format_to_string (target->format),
            cert_name);
    if ((target->mode & 0007) != 0)
      FAIL (_("a file with the private key must not be readable by every user (mode %04o); use 0600 or 0640 with "
              "a group"), target->mode);
  }
  if (*target->password_file != '\0' && target->format != CW_TARGET_PKCS12)
    FAIL (_("password-file is for the pkcs12 format only"));
  if (*target->password_file != '\0' &&
      (!g_path_is_absolute (target->password_file) || !g_file_test (target->password_file, G_FILE_TEST_IS_REGULAR)))
    FAIL (_("the password file “%s” does not exist"), target->password_file);
#undef FAIL
  return TRUE;
}

static gboolean
check_command (const CwCommand *command, GError **error)
{
  g_autofree gchar *text = cw_command_to_string (command);
  g_autoptr(GError) local = NULL;
  uid_t uid;

  if (command->argv == NULL || command->argv[0] == NULL || !g_path_is_absolute (command->argv[0])) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("reload command “%s”: it must start with the absolute path of a program"), text);
    return FALSE;
  }
  if (!lookup_uid (command->user, &uid)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("reload command “%s”: there is no user “%s”"), text,
                 command->user);
    return FALSE;
  }
  if (!cw_secure_check_program (command->argv[0], &local)) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("reload command “%s”: %s"), text, local->message);
    return FALSE;
  }
  return TRUE;
}

gboolean
cw_deliverer_check_hooks (const gchar * const *hooks, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; hooks != NULL && hooks[i] != NULL; i++) {
    g_autoptr(GError) local = NULL;

    if (!cw_secure_check_program (hooks[i], &local)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("deploy hook %s: %s"), hooks[i], local->message);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
cw_deliverer_check (CwDeliverer *self, const gchar *name, CwCertificate *cert, const CwDelivery *delivery,
                    GError **error)
{
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (CW_IS_DELIVERER (self), FALSE);
  g_return_val_if_fail (cert == NULL || CW_IS_CERTIFICATE (cert), FALSE);
  g_return_val_if_fail (delivery != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; delivery->integrations[i] != NULL; i++)
    if (!g_hash_table_contains (self->integrations, delivery->integrations[i])) {
      g_autoptr(GPtrArray) all = cw_deliverer_get_integrations (self);
      g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
      g_auto(GStrv) list = NULL;
      g_autofree gchar *known = NULL;

      for (guint j = 0; j < all->len; j++)
        g_strv_builder_add (names, ((CwIntegration *) g_ptr_array_index (all, j))->name);
      list = g_strv_builder_end (names);
      known = g_strjoinv (", ", list);
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("there is no integration “%s” (known: %s)"),
                   delivery->integrations[i], *known != '\0' ? known : _("none"));
      return FALSE;
    }
  for (guint i = 0; i < delivery->targets->len; i++) {
    const CwTarget *target = g_ptr_array_index (delivery->targets, i);

    if (!g_hash_table_add (paths, target->path)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("target %s: named twice"), target->path);
      return FALSE;
    }
    if (!check_target (self, name, cert, target, error))
      return FALSE;
  }
  /* an integration's files must be writable too, now rather than at the
   * first renewal */
  for (guint i = 0; delivery->integrations[i] != NULL; i++) {
    const CwIntegration *integration = g_hash_table_lookup (self->integrations, delivery->integrations[i]);
    g_autoptr(GPtrArray) targets = cw_integration_targets_for (integration, name);

    for (guint j = 0; j < targets->len; j++)
      if (!check_target (self, name, cert, g_ptr_array_index (targets, j), error)) {
        g_prefix_error (error, _("integration %s: "), integration->name);
        return FALSE;
      }
    for (guint j = 0; j < integration->commands->len; j++)
      if (!check_command (g_ptr_array_index (integration->commands, j), error)) {
        g_prefix_error (error, _("integration %s: "), integration->name);
        return FALSE;
      }
    if (!cw_deliverer_check_hooks ((const gchar * const *) integration->hooks, error))
      return FALSE;
  }
  for (guint i = 0; i < delivery->commands->len; i++)
    if (!check_command (g_ptr_array_index (delivery->commands, i), error))
      return FALSE;
  return TRUE;
}

/* ---- what is delivered -------------------------------------------------- */

GPtrArray *
cw_deliverer_targets_for (CwDeliverer *self, CwCertificate *cert)
{
  const CwDelivery *delivery;
  GPtrArray *targets;

  g_return_val_if_fail (CW_IS_DELIVERER (self), NULL);
  g_return_val_if_fail (CW_IS_CERTIFICATE (cert), NULL);

  delivery = cw_certificate_get_delivery (cert);
  targets = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_target_free);

  for (guint i = 0; i < delivery->targets->len; i++)
    g_ptr_array_add (targets, cw_target_copy (g_ptr_array_index (delivery->targets, i)));
  for (guint i = 0; delivery->integrations[i] != NULL; i++) {
    const CwIntegration *integration = g_hash_table_lookup (self->integrations, delivery->integrations[i]);
    g_autoptr(GPtrArray) more = NULL;

    if (integration == NULL)
      continue;
    more = cw_integration_targets_for (integration, cw_certificate_get_name (cert));
    for (guint j = 0; j < more->len; j++)
      g_ptr_array_add (targets, g_steal_pointer (&more->pdata[j]));
    g_ptr_array_set_free_func (more, NULL);
  }
  return targets;
}

gboolean
cw_deliverer_has_targets (CwDeliverer *self, CwCertificate *cert)
{
  const CwDelivery *delivery;

  g_return_val_if_fail (CW_IS_DELIVERER (self), FALSE);
  g_return_val_if_fail (CW_IS_CERTIFICATE (cert), FALSE);

  delivery = cw_certificate_get_delivery (cert);
  if (delivery->targets->len > 0)
    return TRUE;
  for (guint i = 0; delivery->integrations[i] != NULL; i++) {
    const CwIntegration *integration = g_hash_table_lookup (self->integrations, delivery->integrations[i]);

    if (integration != NULL && cw_integration_has_targets (integration))
      return TRUE;
  }
  return FALSE;
}

void
cw_actions_free (CwActions *actions)
{
  if (actions == NULL)
    return;
  g_strfreev (actions->units);
  g_strfreev (actions->hooks);
  g_ptr_array_unref (actions->commands);
  g_free (actions);
}

static void
add_unique (GStrvBuilder *builder, GHashTable *seen, const gchar * const *list)
{
  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    if (g_hash_table_add (seen, (gpointer) list[i]))
      g_strv_builder_add (builder, list[i]);
}

CwActions *
cw_deliverer_actions_for (CwDeliverer *self, CwCertificate *cert)
{
  const CwDelivery *delivery;
  const CwRenewal *renewal;
  CwActions *actions;
  g_autoptr(GStrvBuilder) units = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) hooks = g_strv_builder_new ();
  g_autoptr(GHashTable) seen_units = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) seen_hooks = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (CW_IS_DELIVERER (self), NULL);
  g_return_val_if_fail (CW_IS_CERTIFICATE (cert), NULL);

  delivery = cw_certificate_get_delivery (cert);
  renewal = cw_certificate_get_renewal (cert);
  actions = g_new0 (CwActions, 1);

  actions->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_command_free);
  add_unique (units, seen_units, (const gchar * const *) renewal->reload_units);
  add_unique (hooks, seen_hooks, (const gchar * const *) renewal->deploy_hooks);
  for (guint i = 0; i < delivery->commands->len; i++)
    g_ptr_array_add (actions->commands, cw_command_copy (g_ptr_array_index (delivery->commands, i)));
  for (guint i = 0; delivery->integrations[i] != NULL; i++) {
    const CwIntegration *integration = g_hash_table_lookup (self->integrations, delivery->integrations[i]);

    if (integration == NULL)
      continue;
    add_unique (units, seen_units, (const gchar * const *) integration->units);
    add_unique (hooks, seen_hooks, (const gchar * const *) integration->hooks);
    for (guint j = 0; j < integration->commands->len; j++)
      g_ptr_array_add (actions->commands, cw_command_copy (g_ptr_array_index (integration->commands, j)));
  }
  actions->units = g_strv_builder_end (units);
  actions->hooks = g_strv_builder_end (hooks);
  return actions;
}

/* ---- writing (worker thread) -------------------------------------------- */

typedef struct {
  gchar     *name;
  gchar     *dir;
  gchar     *state_dir;
  gchar     *trust_bundle;
  GPtrArray *targets;
  gboolean   repair;
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  g_free (job->name);
  g_free (job->dir);
  g_free (job->state_dir);
  g_free (job->trust_bundle);
  g_ptr_array_unref (job->targets);
  g_free (job);
}

/* What the current revision holds, read once for all targets. */
typedef struct {
  GBytes                *cert, *chain, *fullchain, *key;
  GPtrArray             *certs;   /* parsed, for der and pkcs12 */
  gnutls_x509_privkey_t  parsed_key;
  GBytes                *bundle;
} Material;

static void
material_clear (Material *m)
{
  g_clear_pointer (&m->cert, g_bytes_unref);
  g_clear_pointer (&m->chain, g_bytes_unref);
  g_clear_pointer (&m->fullchain, g_bytes_unref);
  if (m->key != NULL) {
    gsize len = 0;
    gconstpointer data = g_bytes_get_data (m->key, &len);

    explicit_bzero ((gpointer) data, len);
    g_bytes_unref (m->key);
  }
  g_clear_pointer (&m->certs, g_ptr_array_unref);
  if (m->parsed_key != NULL)
    gnutls_x509_privkey_deinit (m->parsed_key);
  g_clear_pointer (&m->bundle, g_bytes_unref);
}

static GBytes *
concat (GBytes *a, GBytes *b)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize la = 0, lb = 0;
  const guint8 *da = g_bytes_get_data (a, &la), *db = g_bytes_get_data (b, &lb);

  g_byte_array_append (out, da, (guint) la);
  g_byte_array_append (out, db, (guint) lb);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static gchar *
read_password (const gchar *path, GError **error)
{
  g_autofree gchar *text = NULL;

  if (*path == '\0')
    return NULL;
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  /* the first line, as for every password the agent reads from a file */
  text[strcspn (text, "\r\n")] = '\0';
  return g_steal_pointer (&text);
}

static GBytes *
contents (const CwTarget *target, Material *m, int revfd, const WriteJob *job, GError **error)
{
  switch (target->format) {
  case CW_TARGET_FULLCHAIN:
    return g_bytes_ref (m->fullchain);
  case CW_TARGET_CERT:
    return g_bytes_ref (m->cert);
  case CW_TARGET_CHAIN:
    return g_bytes_ref (m->chain);
  case CW_TARGET_KEY:
    return g_bytes_ref (m->key);
  case CW_TARGET_COMBINED:
    return concat (m->key, m->fullchain);
  case CW_TARGET_TRUST_BUNDLE:
    if (m->bundle == NULL &&
        (job->trust_bundle == NULL ||
         (m->bundle = cw_fs_read_at (AT_FDCWD, job->trust_bundle, 64 * 1024 * 1024, error)) == NULL))
      return NULL;
    return g_bytes_ref (m->bundle);
  case CW_TARGET_DER:
  case CW_TARGET_PKCS12:
  default:
    break;
  }
  if (m->certs == NULL && (m->certs = cw_revision_load_chain_at (revfd, error)) == NULL)
    return NULL;
  if (target->format == CW_TARGET_DER) {
    CwExportOptions options = { CW_EXPORT_DER, FALSE, NULL, FALSE, FALSE };

    return cw_export (m->certs, NULL, job->name, &options, error);
  }
  {
    g_autofree gchar *password = NULL;
    g_autoptr(GError) local = NULL;
    CwExportOptions options = { CW_EXPORT_PKCS12, TRUE, NULL, target->legacy, TRUE };
    GBytes *out;

    if (m->parsed_key == NULL && (m->parsed_key = cw_revision_load_key_at (revfd, error)) == NULL)
      return NULL;
    password = read_password (target->password_file, &local);
    if (password == NULL && local != NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_IO, _("cannot read the password file: %s"), local->message);
      return NULL;
    }
    options.password = password != NULL ? password : g_strdup ("");
    out = cw_export (m->certs, m->parsed_key, job->name, &options, error);
    if (password == NULL)
      g_free (options.password);
    return out;
  }
}

/* Whether the file @name in @dirfd already is what it should be. */
static const gchar *
differs (int dirfd, const gchar *name, GBytes *data, uid_t uid, gid_t gid, guint mode)
{
  struct stat st;
  g_autoptr(GBytes) current = NULL;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return "missing";
  if (!S_ISREG (st.st_mode))
    return "not a file";
  if (st.st_uid != uid || st.st_gid != gid)
    return "owner";
  if ((st.st_mode & 07777) != mode)
    return "mode";
  current = cw_fs_read_at (dirfd, name, MAX_FILE_SIZE, NULL);
  if (current == NULL || !g_bytes_equal (current, data))
    return "content";
  return NULL;
}

/* One target; NULL when @repair and it needed nothing, else the line. */
static gchar *
write_target (const CwTarget *target, Material *m, int revfd, const WriteJob *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autofree gchar *name = NULL, *staged = NULL;
  g_auto(CwFd) fd = -1;
  const gchar *why = NULL;
  uid_t uid = 0;
  gid_t gid = 0;
  gsize len = 0;
  gconstpointer bytes;

  if (!lookup_uid (target->owner, &uid) || !lookup_gid (target->group, &gid)) {
    error = g_error_new (CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("there is no user “%s” or no group “%s”"),
                         target->owner, target->group);
    goto fail;
  }
  fd = cw_secure_open_parent (target->path, job->state_dir, &name, &error);
  if (fd < 0 || (data = contents (target, m, revfd, job, &error)) == NULL)
    goto fail;
  /* a write a crash cut short left its temporary beside the target */
  cw_fs_sweep_staged_at (fd, name);
  why = differs (fd, name, data, uid, gid, target->mode);
  if (job->repair && why == NULL)
    return NULL;
  bytes = g_bytes_get_data (data, &len);
  /* owner and mode before the rename: never readable by whom it is not for */
  staged = cw_fs_stage_at (fd, name, bytes, len, target->mode & 0700, &error);
  if (staged == NULL)
    goto fail;
  if (fchownat (fd, staged, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat (fd, staged, target->mode, 0) < 0) {
    error = g_error_new (CW_ERROR, CW_ERROR_IO, _("cannot give it to %s:%s: %s"),
                         *target->owner != '\0' ? target->owner : "root",
                         *target->group != '\0' ? target->group : "root", g_strerror (errno));
    cw_fs_discard_staged_at (fd, staged);
    goto fail;
  }
  if (!cw_fs_commit_staged_at (fd, staged, name, &error))
    goto fail;
  if (job->repair) {
    cw_cert_message (job->name, "%s: target %s repaired (%s)", job->name, target->path, why);
    return g_strdup_printf (_("target %s: repaired (%s)"), target->path, why);
  }
  cw_cert_info (job->name, "%s: target %s written", job->name, target->path);
  return g_strdup_printf (_("target %s: written"), target->path);

fail:
  /* under the shipped unit /etc is read-only but for the directories it
   * grants, and only those that existed when the agent started */
  cw_cert_warning (job->name, "%s: target %s: %s", job->name, target->path, error->message);
  if (strstr (error->message, g_strerror (EROFS)) != NULL)
    return g_strdup_printf (_("target %s: failed: %s (the service's sandbox: allow the directory with "
                              "“systemctl edit certwardd” (ReadWritePaths=), or restart certwardd if the "
                              "directory is new)"),
                            target->path, error->message);
  return g_strdup_printf (_("target %s: failed: %s"), target->path, error->message);
}

static void
write_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  WriteJob *job = task_data;
  g_autoptr(GStrvBuilder) lines = g_strv_builder_new ();
  g_autoptr(GError) error = NULL;
  Material m = { 0 };
  g_auto(CwFd) dirfd = -1, revfd = -1;

  dirfd = cw_fs_open_dir (AT_FDCWD, job->dir, FALSE, &error);
  if (dirfd >= 0)
    revfd = cw_revision_open_current (dirfd, &error);
  if (revfd >= 0 &&
      ((m.cert = cw_fs_read_at (revfd, cw_cert_file_name (CW_CERT_FILE_CERT), MAX_FILE_SIZE, &error)) == NULL ||
       (m.chain = cw_fs_read_at (revfd, cw_cert_file_name (CW_CERT_FILE_CHAIN), MAX_FILE_SIZE, &error)) == NULL ||
       (m.fullchain = cw_fs_read_at (revfd, cw_cert_file_name (CW_CERT_FILE_FULLCHAIN), MAX_FILE_SIZE, &error)) == NULL))
    revfd = (close (revfd), -1);
  if (revfd >= 0)
    m.key = cw_fs_read_at (revfd, cw_cert_file_name (CW_CERT_FILE_KEY), MAX_FILE_SIZE, NULL);
  for (guint i = 0; i < job->targets->len; i++) {
    const CwTarget *target = g_ptr_array_index (job->targets, i);
    gchar *line;

    if (revfd < 0) {
      line = g_strdup_printf (_("target %s: failed: %s"), target->path, error->message);
    } else if (cw_target_format_has_key (target->format) && m.key == NULL) {
      line = g_strdup_printf (_("target %s: failed: the certificate has no key"), target->path);
    } else {
      line = write_target (target, &m, revfd, job);
    }
    if (line != NULL)
      g_strv_builder_add (lines, line);
    g_free (line);
  }
  material_clear (&m);
  g_task_return_pointer (task, g_strv_builder_end (lines), (GDestroyNotify) g_strfreev);
}

void
cw_deliverer_write_async (CwDeliverer *self, CwCertificate *cert, gboolean repair, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  WriteJob *job;

  g_return_if_fail (CW_IS_DELIVERER (self));
  g_return_if_fail (CW_IS_CERTIFICATE (cert));

  task = g_task_new (self, NULL, callback, user_data);
  job = g_new0 (WriteJob, 1);

  g_task_set_source_tag (task, cw_deliverer_write_async);
  job->name = g_strdup (cw_certificate_get_name (cert));
  job->dir = g_strdup (cw_certificate_get_dir (cert));
  job->state_dir = g_strdup (self->state_dir);
  job->trust_bundle = g_strdup (self->trust_bundle);
  job->targets = cw_deliverer_targets_for (self, cert);
  job->repair = repair;
  g_task_set_task_data (task, job, (GDestroyNotify) write_job_free);
  if (job->targets->len == 0 || cw_certificate_get_info (cert) == NULL) {
    g_task_return_pointer (task, g_new0 (gchar *, 1), (GDestroyNotify) g_strfreev);
    return;
  }
  g_task_run_in_thread (task, write_thread);
}

GStrv
cw_deliverer_write_finish (CwDeliverer *self, GAsyncResult *result)
{
  g_return_val_if_fail (CW_IS_DELIVERER (self), NULL);

  return g_task_propagate_pointer (G_TASK (result), NULL);
}
