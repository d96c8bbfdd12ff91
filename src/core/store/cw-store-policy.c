/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the store decides about its certificates as a whole: which one is the
 * default, which tenant a certificate belongs to, when one turns expiring or
 * expired, and which one answers for a name. */
#include "config.h"

#include "cw-store-private.h"
#include "cw-certificate-private.h"
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-log.h"
#include "cw-names.h"
#include "cw-text.h"

#include <glib/gi18n.h>
#include <string.h>

#define DAY (24 * 3600)

/* The policy's own state (manager.ini and the expiry clock), hung on the
 * store by cw_store_policy_attach. */
typedef struct {
  gchar      *default_id;
  gchar      *shared_default;  /* the cluster's default, by name, not here yet */
  GHashTable *tenants;             /* tenant → GStrv of normalised domains */
  gint        warning_days;        /* set over D-Bus, or -1: the configuration's */
  guint       expiry_alarm;
  gint64      expiry_at;
  gboolean    hold_announcements;  /* until the daemon owns its name */
  CwStoreManagerCommit commit;     /* a shared backend, or NULL */
  gpointer    commit_data;
} Policy;

static Policy *
P (CwStore *self)
{
  return self->policy;
}

static void
policy_free (gpointer data)
{
  Policy *policy = data;

  cw_clock_remove_alarm (policy->expiry_alarm);
  g_free (policy->default_id);
  g_free (policy->shared_default);
  g_hash_table_unref (policy->tenants);
  g_free (policy);
}

static void policy_changed (CwStore *self, CwCertificate *cert);
static void policy_removed (CwStore *self, CwCertificate *cert);

void
cw_store_policy_attach (CwStore *self)
{
  Policy *policy = g_new0 (Policy, 1);

  g_return_if_fail (self->policy == NULL);
  policy->tenants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  policy->warning_days = -1;
  self->policy = policy;
  self->policy_free = policy_free;
  /* connected first, so the model's other listeners see the policy's
   * decisions (state, default) already made */
  g_signal_connect (self, "certificate-updated", G_CALLBACK (policy_changed), NULL);
  g_signal_connect (self, "certificate-removed", G_CALLBACK (policy_removed), NULL);
}

void
cw_store_save_manager (CwStore *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_key_file_set_comment (kf, NULL, NULL, " Written by certwardd; change it over D-Bus.", NULL);
  if (P (self)->default_id != NULL)
    g_key_file_set_string (kf, "manager", "default", P (self)->default_id);
  if (P (self)->warning_days > 0)
    g_key_file_set_integer (kf, "manager", "expiry-warning-days", P (self)->warning_days);
  g_hash_table_iter_init (&iter, P (self)->tenants);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_key_file_set_string_list (kf, "tenants", key, value, g_strv_length (value));
  cw_store_queue_save (self, self->state_dir, CW_MANAGER_FILE, g_key_file_to_data (kf, NULL, NULL));
  cw_store_emit_manager_changed (self);
}


void
cw_store_policy_load (CwStore *self, GKeyFile *manager)
{
  g_auto(GStrv) tenants = g_key_file_get_keys (manager, "tenants", NULL, NULL);
  gint days;

  g_free (P (self)->default_id);
  P (self)->default_id = g_key_file_get_string (manager, "manager", "default", NULL);
  cw_sni_index_set_default (self->index, P (self)->default_id);
  days = g_key_file_get_integer (manager, "manager", "expiry-warning-days", NULL);
  P (self)->warning_days = days >= 30 && days <= 180 ? days : -1;
  g_hash_table_remove_all (P (self)->tenants);
  for (guint i = 0; tenants != NULL && tenants[i] != NULL; i++) {
    gchar **domains = g_key_file_get_string_list (manager, "tenants", tenants[i], NULL, NULL);

    if (domains != NULL)
      g_hash_table_insert (P (self)->tenants, g_strdup (tenants[i]), domains);
  }
}

/* ---- shared with other nodes -------------------------------------------- */

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* The manager settings as other nodes read them: the default by name (ids
 * are each node's), tenants sorted, so equal settings are equal text. */
static GKeyFile *
shared_keyfile (CwStore *self)
{
  GKeyFile *kf = g_key_file_new ();
  CwCertificate *def = cw_store_get_default (self);
  g_autoptr(GPtrArray) tenants = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_key_file_set_string (kf, "manager", "default", def != NULL ? cw_certificate_get_name (def) : "");
  g_key_file_set_integer (kf, "manager", "expiry-warning-days", MAX (P (self)->warning_days, 0));
  g_hash_table_iter_init (&iter, P (self)->tenants);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (tenants, key);
  g_ptr_array_sort (tenants, compare_strings);
  for (guint i = 0; i < tenants->len; i++) {
    const gchar * const *domains = g_hash_table_lookup (P (self)->tenants, tenants->pdata[i]);

    g_key_file_set_string_list (kf, "tenants", tenants->pdata[i], domains, g_strv_length ((gchar **) domains));
  }
  return kf;
}

void
cw_store_set_manager_backend (CwStore *self, CwStoreManagerCommit commit, gpointer user_data)
{
  P (self)->commit = commit;
  P (self)->commit_data = user_data;
}

gchar *
cw_store_dump_manager (CwStore *self)
{
  g_autoptr(GKeyFile) kf = shared_keyfile (self);

  return g_key_file_to_data (kf, NULL, NULL);
}

/* What a setter is about to make of the settings (@kf), to the backend
 * first: refused there, the setter changes nothing. */
static gboolean
commit_shared (CwStore *self, GKeyFile *kf, GError **error)
{
  g_autofree gchar *text = NULL;

  if (P (self)->commit == NULL)
    return TRUE;
  text = g_key_file_to_data (kf, NULL, NULL);
  return P (self)->commit (P (self)->commit_data, text, error);
}

gboolean
cw_store_apply_manager (CwStore *self, const gchar *settings, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GKeyFile) local = g_key_file_new ();
  g_autofree gchar *before = cw_store_dump_manager (self), *name = NULL;
  CwCertificate *def;

  if (!g_key_file_load_from_data (kf, settings, -1, G_KEY_FILE_NONE, error))
    return FALSE;
  name = g_key_file_get_string (kf, "manager", "default", NULL);
  def = name != NULL && *name != '\0' ? cw_store_lookup (self, name) : NULL;
  /* manager.ini as this node keeps it: the default by its id here */
  g_key_file_set_string (local, "manager", "default", def != NULL ? cw_certificate_get_id (def) : "");
  g_key_file_set_integer (local, "manager", "expiry-warning-days",
                          g_key_file_get_integer (kf, "manager", "expiry-warning-days", NULL));
  {
    g_auto(GStrv) tenants = g_key_file_get_keys (kf, "tenants", NULL, NULL);

    /* checked as SetTenant checks them: the database is outside input */
    for (guint i = 0; tenants != NULL && tenants[i] != NULL; i++) {
      g_auto(GStrv) domains = g_key_file_get_string_list (kf, "tenants", tenants[i], NULL, NULL);
      g_autoptr(GError) bad = NULL;
      gboolean ok = cw_tenant_validate (tenants[i], &bad);

      for (guint j = 0; ok && domains != NULL && domains[j] != NULL; j++) {
        g_autofree gchar *domain = cw_identity_parse (domains[j], FALSE, &bad);

        ok = domain != NULL;
      }
      if (!ok) {
        g_autofree gchar *shown = cw_text_escape (tenants[i], -1);

        g_warning ("shared manager settings: tenant %s ignored: %s", shown, bad->message);
        continue;
      }
      if (domains != NULL)
        g_key_file_set_string_list (local, "tenants", tenants[i], (const gchar * const *) domains,
                                    g_strv_length (domains));
    }
  }
  cw_store_policy_load (self, local);
  /* a default not here yet (a node whose certificates are still coming
   * in) is taken when it arrives, not replaced by the first one that does */
  g_free (P (self)->shared_default);
  P (self)->shared_default = def == NULL && name != NULL && *name != '\0' ? g_strdup (name) : NULL;
  if (def == NULL) {
    g_clear_pointer (&P (self)->default_id, g_free);
    cw_sni_index_set_default (self->index, NULL);
  }
  {
    g_autofree gchar *after = cw_store_dump_manager (self);

    /* this node's own change coming back, or one seen already */
    if (g_str_equal (before, after))
      return TRUE;
  }
  cw_store_save_manager (self);
  cw_store_check_expiry (self);
  return TRUE;
}

/* ---- default ------------------------------------------------------------ */

CwCertificate *
cw_store_get_default (CwStore *self)
{
  return P (self)->default_id != NULL ? cw_store_lookup_id (self, P (self)->default_id) : NULL;
}

static void
set_default_id (CwStore *self, const gchar *id)
{
  if (g_strcmp0 (P (self)->default_id, id) == 0)
    return;
  g_free (P (self)->default_id);
  P (self)->default_id = g_strdup (id);
  cw_sni_index_set_default (self->index, id);
  cw_store_save_manager (self);
}

gboolean
cw_store_set_default (CwStore *self, CwCertificate *cert, GError **error)
{
  if (!cw_certificate_has_role (cert, "server")) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("“%s” cannot be the default: it does not have the server role"), cw_certificate_get_name (cert));
    return FALSE;
  }
  if (cw_certificate_get_info (cert) == NULL) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("“%s” cannot be the default: it has no certificate yet"), cw_certificate_get_name (cert));
    return FALSE;
  }
  {
    g_autoptr(GKeyFile) kf = shared_keyfile (self);

    g_key_file_set_string (kf, "manager", "default", cw_certificate_get_name (cert));
    if (!commit_shared (self, kf, error))
      return FALSE;
  }
  set_default_id (self, cw_certificate_get_id (cert));
  g_message ("default certificate: %s", cw_certificate_get_name (cert));
  return TRUE;
}

/* The valid server certificate that expires last, other than @except. */
static CwCertificate *
best_server (CwStore *self, CwCertificate *except)
{
  g_autoptr(GPtrArray) all = cw_store_get_certificates (self);
  gint64 now = cw_clock_now ();
  CwCertificate *best = NULL;

  for (guint i = 0; i < all->len; i++) {
    CwCertificate *cert = g_ptr_array_index (all, i);

    if (cert == except || !cw_sni_usable (cert, "server", now))
      continue;
    if (best == NULL || cw_certificate_get_info (cert)->not_after > cw_certificate_get_info (best)->not_after)
      best = cert;
  }
  return best;
}

static void
policy_removed (CwStore *self, CwCertificate *cert)
{
  CwCertificate *next;

  if (g_strcmp0 (P (self)->default_id, cw_certificate_get_id (cert)) != 0)
    return;
  /* the default was removed with force: another server certificate takes
   * over, or there is none until the daemon, which hears of the removal
   * after this, makes a new identity (cw_store_ensure_identity_async) */
  next = best_server (self, cert);
  set_default_id (self, next != NULL ? cw_certificate_get_id (next) : NULL);
  if (next != NULL)
    g_message ("default certificate: %s (the previous default was removed)", cw_certificate_get_name (next));
}

/* ---- tenants ------------------------------------------------------------ */

GHashTable *
cw_store_get_tenants (CwStore *self)
{
  return P (self)->tenants;
}

gboolean
cw_store_set_tenant_domains (CwStore *self, const gchar *tenant, const gchar * const *domains, GError **error)
{
  g_autoptr(GPtrArray) parsed = g_ptr_array_new_with_free_func (g_free);

  if (!cw_tenant_validate (tenant, error))
    return FALSE;
  for (guint i = 0; domains != NULL && domains[i] != NULL; i++) {
    gchar *domain = cw_identity_parse (domains[i], FALSE, error);

    if (domain == NULL) {
      g_prefix_error (error, _("tenant “%s”: "), tenant);
      return FALSE;
    }
    g_ptr_array_add (parsed, domain);
  }
  {
    g_autoptr(GKeyFile) kf = shared_keyfile (self);

    if (parsed->len == 0)
      g_key_file_remove_key (kf, "tenants", tenant, NULL);
    else
      g_key_file_set_string_list (kf, "tenants", tenant, (const gchar * const *) parsed->pdata, parsed->len);
    if (!commit_shared (self, kf, error))
      return FALSE;
  }
  if (parsed->len == 0) {
    g_hash_table_remove (P (self)->tenants, tenant);
  } else {
    g_ptr_array_add (parsed, NULL);
    g_hash_table_insert (P (self)->tenants, g_strdup (tenant), g_ptr_array_steal (parsed, NULL));
  }
  cw_store_save_manager (self);
  return TRUE;
}

/* The tenant whose domain covers one of the identities (the domain itself
 * or a name below it); the most specific domain wins. */
const gchar *
cw_store_tenant_for (CwStore *self, const gchar * const *identities)
{
  const gchar *best = NULL;
  gsize best_len = 0;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; identities != NULL && identities[i] != NULL; i++) {
    g_autofree gchar *id = cw_identity_normalize (identities[i]);
    const gchar *name = cw_identity_wildcard_base (id) != NULL ? cw_identity_wildcard_base (id) : id;
    gsize name_len = strlen (name);

    g_hash_table_iter_init (&iter, P (self)->tenants);
    while (g_hash_table_iter_next (&iter, &key, &value)) {
      gchar **domains = value;

      for (guint d = 0; domains[d] != NULL; d++) {
        gsize len = strlen (domains[d]);
        gboolean covers = g_str_equal (name, domains[d]) ||
                          (name_len > len && g_str_has_suffix (name, domains[d]) && name[name_len - len - 1] == '.');

        if (covers && (len > best_len || (len == best_len && g_strcmp0 (key, best) < 0))) {
          best = key;
          best_len = len;
        }
      }
    }
  }
  return best;
}

gboolean
cw_store_set_roles (CwStore *self, CwCertificate *cert, const gchar * const *roles, GError **error)
{
  if (!cw_roles_validate (roles, error))
    return FALSE;
  if (cw_certificate_get_spec (cert) != NULL && g_strv_contains (roles, "stir-shaken") &&
      cw_certificate_get_spec (cert)->key_type != CW_KEY_EC_P256) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("a STIR/SHAKEN certificate needs an ec-p256 key (ES256)"));
    return FALSE;
  }
  if (cert == cw_store_get_default (self) && !g_strv_contains (roles, "server")) {
    g_set_error (error, CW_ERROR, CW_ERROR_IN_USE,
                 _("“%s” is the default certificate and must keep the server role"), cw_certificate_get_name (cert));
    return FALSE;
  }
  cw_certificate_set_roles (cert, roles);
  cw_sni_index_update (self->index, cert);
  cw_store_save_settings (self, cert);
  cw_certificate_emit_changed (cert);
  return TRUE;
}

gboolean
cw_store_set_tenant (CwStore *self, CwCertificate *cert, const gchar *tenant, GError **error)
{
  if (tenant != NULL && *tenant != '\0' && !cw_tenant_validate (tenant, error))
    return FALSE;
  cw_certificate_set_tenant (cert, tenant);
  cw_store_save_settings (self, cert);
  cw_certificate_emit_changed (cert);
  return TRUE;
}

/* ---- expiry ------------------------------------------------------------- */

void
cw_store_set_activity (CwStore *self, CwCertificate *cert, CwActivity activity, const gchar *message)
{
  cw_certificate_set_activity (cert, activity);
  if (message != NULL)
    cw_certificate_set_last_error (cert, message);
  cw_certificate_update_state (cert, cw_clock_now (), cw_store_warning_window (self, cert));
  cw_certificate_emit_changed (cert);
  if (activity == CW_ACTIVITY_FAILED)
    cw_store_emit_event (self, cert, CW_EVENT_FAILED);
}


guint
cw_store_get_warning_days (CwStore *self)
{
  if (P (self)->warning_days > 0)
    return P (self)->warning_days;
  return cw_config_get_int (self->config, "certificates", "expiry-warning-days");
}

/* A certificate the agent renews itself is renewed when a third of its
 * life is left (half under 10 days) or in the CA's ARI window, about as
 * late. Warning earlier would announce "expiring" for every certificate
 * on schedule, and a 45-day certificate would sit in "expiring" from birth
 * under the default 60 days: its window is at most a quarter of its
 * lifetime, which leaves the renewal and its retries a twelfth of it
 * (7.5 of 90 days, 3.75 of 45) before anyone is warned. Imported and CSR
 * certificates, which only an administrator renews, keep the full window. */
gint64
cw_store_warning_window (CwStore *self, CwCertificate *cert)
{
  gint64 window = (gint64) cw_store_get_warning_days (self) * DAY;
  const CwCertInfo *info = cw_certificate_get_info (cert);

  if (info != NULL && cw_certificate_renews_itself (cert) && info->not_after > info->not_before)
    window = MIN (window, (info->not_after - info->not_before) / 4);
  return window;
}

gboolean
cw_store_set_warning_days (CwStore *self, guint days, GError **error)
{
  if (days < 30 || days > 180) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("the expiry warning must be from 30 to 180 days, not %u"), days);
    return FALSE;
  }
  {
    g_autoptr(GKeyFile) kf = shared_keyfile (self);

    g_key_file_set_integer (kf, "manager", "expiry-warning-days", days);
    if (!commit_shared (self, kf, error))
      return FALSE;
  }
  P (self)->warning_days = days;
  cw_store_save_manager (self);
  cw_store_check_expiry (self);
  return TRUE;
}

gboolean
cw_store_set_renewal_options (CwStore *self, CwCertificate *cert, gint auto_renew, const gchar * const *units,
                              const gchar * const *hooks, GError **error)
{
  g_autoptr(CwRenewal) renewal = cw_renewal_copy (cw_certificate_get_renewal (cert));
  const gchar *source = cw_certificate_get_source (cert);

  if (!cw_renewal_validate_actions (units, hooks, error))
    return FALSE;
  if (auto_renew > 0 && !g_str_equal (source, "self-signed") && !g_str_equal (source, "local-ca")) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 g_str_equal (source, "acme") ? _("“%s” comes from ACME and renews itself anyway")
                                              : _("“%s” is not made by the agent: only self-signed and local-CA certificates renew themselves"),
                 cw_certificate_get_name (cert));
    return FALSE;
  }
  if (auto_renew >= 0)
    renewal->auto_renew = auto_renew > 0;
  if (units != NULL) {
    g_strfreev (renewal->reload_units);
    renewal->reload_units = g_strdupv ((gchar **) units);
  }
  if (hooks != NULL) {
    g_strfreev (renewal->deploy_hooks);
    renewal->deploy_hooks = g_strdupv ((gchar **) hooks);
  }
  cw_store_update_renewal (self, cert, g_steal_pointer (&renewal));
  /* renewing itself or not moves its expiry warning window */
  if (auto_renew >= 0)
    policy_changed (self, cert);
  cw_store_emit_renewal_options_changed (self, cert);
  if (units != NULL || hooks != NULL)
    cw_store_emit_delivery_changed (self, cert);
  return TRUE;
}

void
cw_store_update_renewal (CwStore *self, CwCertificate *cert, CwRenewal *renewal)
{
  cw_certificate_set_renewal (cert, renewal);
  cw_store_save_settings (self, cert);
  cw_certificate_emit_changed (cert);
}

void
cw_store_set_last_actions (CwStore *self, CwCertificate *cert, const gchar * const *lines)
{
  cw_certificate_set_last_actions (cert, lines);
  /* kept across restarts: what the last delivery did is news afterwards too */
  cw_store_save_settings (self, cert);
  cw_certificate_emit_changed (cert);
}

void
cw_store_set_next_renewal (CwStore *self, CwCertificate *cert, gint64 at)
{
  CwRenewal *renewal = (CwRenewal *) cw_certificate_get_renewal (cert);

  if (renewal->next_renewal == at)
    return;
  renewal->next_renewal = at;
  cw_certificate_emit_changed (cert);
}

/* Announces a certificate's entry into "expiring" or "expired" once: the
 * announcement is remembered in its settings, so a restart does not repeat
 * it, and forgotten when it is valid again (renewed, or a smaller window). */
static void
check_one (CwStore *self, CwCertificate *cert, gint64 now, gint64 *next)
{
  gboolean changed = cw_certificate_update_state (cert, now, cw_store_warning_window (self, cert));
  CwCertState state = cw_certificate_get_validity (cert);
  CwCertState announced = cw_certificate_get_announced (cert);
  const CwCertInfo *info = cw_certificate_get_info (cert);
  const gchar *name = cw_certificate_get_name (cert);
  CwEvent event = CW_EVENT_FAILED;
  gint64 transition = 0;

  if (info == NULL)
    return;
  if (P (self)->hold_announcements) {
    if (changed)
      cw_certificate_emit_changed (cert);
    return;
  }
  /* "expiring" after "expired" is a renewed certificate whose own window
   * came before the check: it is news too */
  if (state == CW_CERT_STATE_EXPIRED && announced != CW_CERT_STATE_EXPIRED) {
    event = CW_EVENT_EXPIRED;
  } else if (state == CW_CERT_STATE_EXPIRING && announced != CW_CERT_STATE_EXPIRING) {
    event = CW_EVENT_EXPIRING;
  } else if (state == CW_CERT_STATE_VALID && announced != CW_CERT_STATE_VALID) {
    cw_certificate_set_announced (cert, CW_CERT_STATE_VALID);
    cw_store_save_settings (self, cert);
  }
  if (event != CW_EVENT_FAILED) {
    g_autofree gchar *end = cw_format_date (info->not_after);

    cw_certificate_set_announced (cert, state);
    cw_store_save_settings (self, cert);
    if (event == CW_EVENT_EXPIRED)
      cw_cert_warning (name, "%s: expired on %s", name, end);
    else
      cw_cert_message (name, "%s: expires on %s", name, end);
  }
  if (changed || event != CW_EVENT_FAILED)
    cw_certificate_emit_changed (cert);
  if (event != CW_EVENT_FAILED)
    cw_store_emit_event (self, cert, event);

  if (state == CW_CERT_STATE_VALID)
    transition = info->not_after - cw_store_warning_window (self, cert);
  else if (state == CW_CERT_STATE_EXPIRING)
    transition = info->not_after + 1;
  if (transition > now && transition < *next)
    *next = transition;
}

static void
expiry_alarm (gpointer user_data)
{
  CwStore *self = user_data;

  P (self)->expiry_alarm = 0;
  cw_store_check_expiry (self);
}

static void
schedule_expiry_check (CwStore *self, gint64 at)
{
  cw_clock_remove_alarm (P (self)->expiry_alarm);
  P (self)->expiry_at = at;
  P (self)->expiry_alarm = cw_clock_add_alarm (at, expiry_alarm, self, NULL);
}

void
cw_store_check_expiry (CwStore *self)
{
  g_autoptr(GPtrArray) all = cw_store_get_certificates (self);
  gint64 now = cw_clock_now ();
  /* at least daily, and exactly when the next certificate changes state */
  gint64 next = now + DAY;

  for (guint i = 0; i < all->len; i++)
    check_one (self, g_ptr_array_index (all, i), now, &next);
  schedule_expiry_check (self, next);
}

void
cw_store_hold_announcements (CwStore *self, gboolean hold)
{
  P (self)->hold_announcements = hold;
  if (!hold)
    cw_store_check_expiry (self);
}

/* A certificate appeared or its revision changed: the index, its expiry
 * state and alarm, and the default of a store without one. */
static void
policy_changed (CwStore *self, CwCertificate *cert)
{
  const CwCertInfo *info = cw_certificate_get_info (cert);
  gint64 now = cw_clock_now ();
  gint64 at = G_MAXINT64;

  cw_sni_index_update (self->index, cert);
  cw_certificate_update_state (cert, now, cw_store_warning_window (self, cert));
  /* announcements come from the check, after the event of the operation
   * that made this change: an alarm due now fires from an idle */
  if (info != NULL) {
    CwCertState state = cw_certificate_get_validity (cert);

    if (state != cw_certificate_get_announced (cert))
      at = now;
    else if (state == CW_CERT_STATE_VALID)
      at = info->not_after - cw_store_warning_window (self, cert);
    else if (state == CW_CERT_STATE_EXPIRING)
      at = info->not_after + 1;
  }
  if (P (self)->expiry_alarm == 0 || at < P (self)->expiry_at)
    schedule_expiry_check (self, MAX (at, now));
  /* the cluster's default arriving; else a store without a default takes
   * the first server certificate */
  if (P (self)->shared_default != NULL) {
    if (g_str_equal (P (self)->shared_default, cw_certificate_get_name (cert))) {
      g_clear_pointer (&P (self)->shared_default, g_free);
      set_default_id (self, cw_certificate_get_id (cert));
    }
  } else if (cw_store_get_default (self) == NULL && cw_sni_usable (cert, "server", now)) {
    set_default_id (self, cw_certificate_get_id (cert));
  }
}

/* ---- names -------------------------------------------------------------- */

gchar *
cw_store_find_id_for_name (CwStore *self, const gchar *hostname, const gchar *role, GError **error)
{
  const gchar *roles[] = { role != NULL && *role != '\0' ? role : "server", NULL };
  gchar *id;

  if (hostname == NULL || *hostname == '\0' || strlen (hostname) > 255 || !g_utf8_validate (hostname, -1, NULL)) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("give a host name or an IP address"));
    return NULL;
  }
  if (!cw_roles_validate (roles, error))
    return NULL;
  id = cw_sni_index_lookup (self->index, hostname, roles[0], cw_clock_now (), NULL);
  if (id == NULL)
    g_set_error (error, CW_ERROR, CW_ERROR_NOT_FOUND, _("no valid certificate with the %s role for “%s”"),
                 roles[0], hostname);
  return id;
}

CwCertificate *
cw_store_find_for_name (CwStore *self, const gchar *hostname, const gchar *role, GError **error)
{
  g_autofree gchar *id = cw_store_find_id_for_name (self, hostname, role, error);
  /* the index follows the store on this thread: an id it gives is known */
  return id != NULL ? cw_store_lookup_id (self, id) : NULL;
}
