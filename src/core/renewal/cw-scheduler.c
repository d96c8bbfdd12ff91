/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The renewal engine: daily checks, per-certificate due times, ARI windows, backoff, concurrency. */
#include "config.h"

#include "cw-scheduler.h"
#include "cw-certificate-private.h"
#include "cw-clock.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-log.h"

#include <glib/gi18n.h>

#define DAY (24 * 3600)
#define MAX_ARI_IN_FLIGHT 10
#define STATE_FILE "scheduler.ini"

struct _CwScheduler {
  GObject            parent_instance;

  CwStore           *store;
  CwAcmeManager     *acme;
  CwScepManager     *scep;        /* or NULL */
  CwSchedulerPolicy  policy;
  gchar             *state_dir;
  gint64             last_check;
  gboolean           started;

  guint              alarm;
  gint64             alarm_at;

  gboolean           checking;
  GHashTable        *busy;        /* id → CwCertificate: queued or renewing through us */
  GQueue             waiting;     /* CwCertificate (borrowed from busy), most urgent first */
  guint              running;
  GPtrArray         *renewed;     /* of the current check */
  GPtrArray         *failed;

  GHashTable        *ari_busy;    /* ids being asked for their window */
  GQueue             ari_waiting; /* CwCertificate (borrowed from ari_busy) */
  GHashTable        *no_ari;      /* directories that offer no renewalInfo */
};

enum { SIGNAL_CHECK_FINISHED, SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwScheduler, cw_scheduler, G_TYPE_OBJECT)

static void rearm (CwScheduler *self);
static void pump (CwScheduler *self);

/* ---- when --------------------------------------------------------------- */

static gboolean
renews_itself (CwCertificate *cert)
{
  const gchar *source = cw_certificate_get_source (cert);

  if (cw_certificate_get_acme (cert) != NULL || cw_certificate_get_scep (cert) != NULL)
    return TRUE;
  return cw_certificate_get_renewal (cert)->auto_renew &&
         (g_str_equal (source, "self-signed") || g_str_equal (source, "local-ca"));
}

gint64
cw_scheduler_due (CwCertificate *cert, gint64 now, const CwSchedulerPolicy *policy)
{
  const CwCertInfo *info;
  const CwRenewal *r;
  gint64 due, lifetime;

  g_return_val_if_fail (CW_IS_CERTIFICATE (cert), 0);
  g_return_val_if_fail (policy != NULL, 0);

  info = cw_certificate_get_info (cert);
  r = cw_certificate_get_renewal (cert);

  if (!renews_itself (cert) || cw_certificate_get_activity (cert) == CW_ACTIVITY_WORKING)
    return 0;
  if (info == NULL) {
    /* an ACME or SCEP certificate whose first order failed (or was never placed) */
    if ((cw_certificate_get_acme (cert) == NULL && cw_certificate_get_scep (cert) == NULL) ||
        cw_certificate_get_request (cert) == NULL)
      return 0;
    due = now;
  } else {
    lifetime = MAX (info->not_after - info->not_before, 1);
    /* short-lived certificates at half their life, others at a third */
    due = info->not_after - (lifetime < 10 * DAY ? lifetime / 2 : lifetime / 3);
    /* the CA's window wins, unless it makes no sense for this certificate
     * (after it expires, or ending before it began) */
    if (cw_certificate_get_acme (cert) != NULL && r->ari_start > 0 && r->ari_end >= r->ari_start &&
        r->ari_start < info->not_after && r->ari_choice >= r->ari_start && r->ari_choice <= r->ari_end)
      due = r->ari_choice;
  }
  /* after a failure: the backoff; and never two orders too close */
  if (r->failures > 0 && r->retry_at > 0)
    due = r->retry_at;
  if (r->last_order > 0)
    due = MAX (due, r->last_order + policy->guard);
  return MAX (due, 1);
}

/* ---- state on disk ------------------------------------------------------ */

static void
load_state (CwScheduler *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = g_build_filename (self->state_dir, STATE_FILE, NULL);

  if (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error))
    self->last_check = MAX (g_key_file_get_int64 (kf, "scheduler", "last-check", NULL), 0);
  else if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("ignoring %s (a renewal check runs now): %s", path, error->message);
}

/* Written as every file of the state directory is (cw_fs_replace_at): whole
 * or not at all, and on disk before it counts. Once a check (a few bytes):
 * a failure costs only an early check after a restart. */
static void
save_state (CwScheduler *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_auto(CwFd) fd = -1;
  gsize len = 0;

  g_key_file_set_int64 (kf, "scheduler", "last-check", self->last_check);
  text = g_key_file_to_data (kf, &len, NULL);
  fd = cw_fs_open_dir (AT_FDCWD, self->state_dir, TRUE, &error);
  if (fd < 0 || !cw_fs_replace_at (fd, STATE_FILE, text, len, 0644, &error))
    g_warning ("cannot save the renewal schedule: %s", error->message);
}

/* ---- renewals ----------------------------------------------------------- */

static void
finish_check_if_done (CwScheduler *self)
{
  g_autoptr(GPtrArray) renewed = NULL, failed = NULL;

  if (!self->checking || self->running > 0 || !g_queue_is_empty (&self->waiting) ||
      g_hash_table_size (self->ari_busy) > 0)
    return;
  self->checking = FALSE;
  renewed = g_steal_pointer (&self->renewed);
  failed = g_steal_pointer (&self->failed);
  self->renewed = g_ptr_array_new_with_free_func (g_object_unref);
  self->failed = g_ptr_array_new_with_free_func (g_object_unref);
  if (renewed->len > 0 || failed->len > 0)
    g_message ("renewal check: %u renewed, %u failed", renewed->len, failed->len);
  g_signal_emit (self, signals[SIGNAL_CHECK_FINISHED], 0, renewed, failed);
}

/* Remembers the outcome (backoff on failure) and frees the slot. */
static void
renewal_done (CwScheduler *self, CwCertificate *cert, const GError *error, gint64 retry_after)
{
  g_autoptr(CwRenewal) renewal = cw_renewal_copy (cw_certificate_get_renewal (cert));
  const gchar *name = cw_certificate_get_name (cert);
  gboolean ours = g_hash_table_contains (self->busy, cw_certificate_get_id (cert));

  if (error == NULL) {
    renewal->failures = 0;
    renewal->retry_at = 0;
  } else if (g_error_matches (error, CW_ERROR, CW_ERROR_BUSY)) {
    /* someone else is renewing it (an administrator's Renew): not a failure */
    g_debug ("%s: %s", name, error->message);
  } else {
    gint64 backoff = self->policy.retry_min;

    for (guint i = 1; i < renewal->failures + 1 && backoff < self->policy.retry_max; i++)
      backoff *= 2;
    backoff = MIN (backoff, self->policy.retry_max);
    /* the CA knows best how long to wait */
    if (retry_after > backoff)
      backoff = retry_after;
    renewal->failures++;
    renewal->retry_at = cw_clock_now () + backoff;
    /* the ACME and SCEP managers say their own failures; a local renewal's is said here */
    if (cw_certificate_get_acme (cert) == NULL && cw_certificate_get_scep (cert) == NULL) {
      cw_cert_warning (name, "%s: renewal failed: %s", name, error->message);
      cw_store_set_activity (self->store, cert, CW_ACTIVITY_FAILED, error->message);
    }
    cw_cert_info (name, "%s: renewal failed %u time(s); next attempt in %" G_GINT64_FORMAT " s", name,
                  renewal->failures, backoff);
  }
  cw_store_update_renewal (self->store, cert, g_steal_pointer (&renewal));
  if (ours) {
    g_ptr_array_add (error == NULL ? self->renewed : self->failed, g_object_ref (cert));
    g_hash_table_remove (self->busy, cw_certificate_get_id (cert));
    self->running--;
    pump (self);
  }
  rearm (self);
  finish_check_if_done (self);
}

static void
on_order_finished (CwAcmeManager *acme, CwCertificate *cert, GError *error, gint64 retry_after, CwScheduler *self)
{
  renewal_done (self, cert, error, retry_after);
}

static void
acme_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CwCertificate) cert = user_data;
  CwScheduler *self = g_object_get_data (G_OBJECT (cert), "cw-scheduler");
  g_autoptr(GError) error = NULL;

  /* the outcome comes with ::order-finished (::enrollment-finished); only
   * a refusal to start ends here */
  if (CW_IS_SCEP_MANAGER (source) ? !cw_scep_manager_renew_finish (CW_SCEP_MANAGER (source), result, &error)
                                  : !cw_acme_manager_renew_finish (CW_ACME_MANAGER (source), result, &error))
    if (self != NULL)
      renewal_done (self, cert, error, -1);
}

static void
local_renewed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CwCertificate) cert = user_data;
  CwScheduler *self = g_object_get_data (G_OBJECT (cert), "cw-scheduler");
  g_autoptr(GError) error = NULL;

  cw_store_renew_finish (CW_STORE (source), result, &error);
  if (self != NULL)
    renewal_done (self, cert, error, -1);
}

static void
start_renewal (CwScheduler *self, CwCertificate *cert)
{
  g_autoptr(CwRenewal) renewal = cw_renewal_copy (cw_certificate_get_renewal (cert));
  const gchar *name = cw_certificate_get_name (cert);

  if (cw_store_lookup_id (self->store, cw_certificate_get_id (cert)) != cert) {
    renewal_done (self, cert, NULL, -1);   /* removed meanwhile */
    return;
  }
  renewal->last_order = cw_clock_now ();
  cw_store_update_renewal (self->store, cert, g_steal_pointer (&renewal));
  cw_cert_message (name, "%s: due for renewal", name);
  /* a weak back-pointer: the scheduler outlives every renewal it starts */
  g_object_set_data (G_OBJECT (cert), "cw-scheduler", self);
  if (cw_certificate_get_acme (cert) != NULL)
    cw_acme_manager_renew_async (self->acme, cert, TRUE, -1, NULL, acme_started, g_object_ref (cert));
  else if (cw_certificate_get_scep (cert) != NULL && self->scep != NULL)
    cw_scep_manager_renew_async (self->scep, cert, TRUE, NULL, acme_started, g_object_ref (cert));
  else
    cw_store_renew_async (self->store, cert, TRUE, FALSE, NULL, local_renewed, g_object_ref (cert));
}

typedef struct {
  CwScheduler   *self;
  CwCertificate *cert;
} Delayed;

static gboolean
delayed_start (gpointer user_data)
{
  Delayed *d = user_data;

  start_renewal (d->self, d->cert);
  g_object_unref (d->cert);
  g_object_unref (d->self);
  g_free (d);
  return G_SOURCE_REMOVE;
}

/* Starts waiting renewals while slots are free, each after its jitter so
 * a thousand due certificates do not reach the CA in the same second. */
static void
pump (CwScheduler *self)
{
  while (self->running < self->policy.max_concurrent && !g_queue_is_empty (&self->waiting)) {
    CwCertificate *cert = g_queue_pop_head (&self->waiting);
    gint64 delay_ms = self->policy.jitter > 0 ? g_random_int_range (0, (gint32) (self->policy.jitter * 1000)) : 0;
    Delayed *d = g_new0 (Delayed, 1);

    self->running++;
    d->self = g_object_ref (self);
    d->cert = g_object_ref (cert);
    g_timeout_add ((guint) delay_ms, delayed_start, d);
  }
}

/* ---- ARI ---------------------------------------------------------------- */

static void ari_pump (CwScheduler *self);

static void
ari_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CwCertificate) cert = user_data;
  CwScheduler *self = g_object_get_data (G_OBJECT (cert), "cw-scheduler-ari");
  g_autoptr(GError) error = NULL;

  if (!cw_acme_manager_fetch_renewal_info_finish (CW_ACME_MANAGER (source), result, &error)) {
    const CwAcmeSpec *acme = cw_certificate_get_acme (cert);

    if (g_error_matches (error, CW_ERROR, CW_ERROR_NOT_SUPPORTED) && acme != NULL) {
      g_hash_table_add (self->no_ari, g_strdup (cw_acme_manager_directory_of (self->acme, acme)));
    } else {
      g_autoptr(CwRenewal) renewal = cw_renewal_copy (cw_certificate_get_renewal (cert));

      /* not again before an hour: the CA may be down */
      renewal->ari_refresh_at = cw_clock_now () + 3600;
      cw_store_update_renewal (self->store, cert, g_steal_pointer (&renewal));
      g_debug ("%s: renewal information: %s", cw_certificate_get_name (cert), error->message);
    }
  }
  g_hash_table_remove (self->ari_busy, cw_certificate_get_id (cert));
  ari_pump (self);
  /* the new window may make it due now: a check picks it up */
  if (self->checking)
    cw_scheduler_check_now (self);
  else
    rearm (self);
}

static void
ari_pump (CwScheduler *self)
{
  while (g_hash_table_size (self->ari_busy) - g_queue_get_length (&self->ari_waiting) < MAX_ARI_IN_FLIGHT &&
         !g_queue_is_empty (&self->ari_waiting)) {
    CwCertificate *cert = g_queue_pop_head (&self->ari_waiting);

    g_object_set_data (G_OBJECT (cert), "cw-scheduler-ari", self);
    cw_acme_manager_fetch_renewal_info_async (self->acme, cert, NULL, ari_fetched, g_object_ref (cert));
  }
  finish_check_if_done (self);
}

/* Whether @cert's window should be asked for now. */
static gboolean
ari_stale (CwScheduler *self, CwCertificate *cert, gint64 now)
{
  const CwAcmeSpec *acme = cw_certificate_get_acme (cert);
  const CwCertInfo *info = cw_certificate_get_info (cert);

  return acme != NULL && info != NULL && info->ari_id != NULL &&
         cw_certificate_get_renewal (cert)->ari_refresh_at <= now &&
         !g_hash_table_contains (self->no_ari, cw_acme_manager_directory_of (self->acme, acme)) &&
         !g_hash_table_contains (self->ari_busy, cw_certificate_get_id (cert));
}

/* RFC 9773 §4.2: a moment picked at random inside the window, once per
 * window; a window already past means now. */
static void
pick_ari_moment (CwScheduler *self, CwCertificate *cert, gint64 now)
{
  const CwRenewal *r = cw_certificate_get_renewal (cert);
  g_autoptr(CwRenewal) renewal = NULL;

  if (cw_certificate_get_acme (cert) == NULL || r->ari_start == 0 || r->ari_end < r->ari_start ||
      (r->ari_choice >= r->ari_start && r->ari_choice <= r->ari_end))
    return;
  renewal = cw_renewal_copy (r);
  if (r->ari_end <= now)
    renewal->ari_choice = MAX (now, r->ari_start);
  else {
    gint64 from = MAX (r->ari_start, now);

    renewal->ari_choice = from + (gint64) (g_random_double () * (gdouble) (r->ari_end - from));
  }
  cw_store_update_renewal (self->store, cert, g_steal_pointer (&renewal));
}

/* ---- the check ---------------------------------------------------------- */

static gint
by_urgency (gconstpointer a, gconstpointer b)
{
  const CwCertInfo *ia = cw_certificate_get_info (*(CwCertificate **) a);
  const CwCertInfo *ib = cw_certificate_get_info (*(CwCertificate **) b);
  gint64 ea = ia != NULL ? ia->not_after : 0, eb = ib != NULL ? ib->not_after : 0;

  return ea < eb ? -1 : ea > eb;
}

static void
run_check (CwScheduler *self)
{
  g_autoptr(GPtrArray) all = cw_store_get_certificates (self->store);
  g_autoptr(GPtrArray) due = g_ptr_array_new ();
  gint64 now = cw_clock_now ();

  self->checking = TRUE;
  self->last_check = now;
  save_state (self);
  for (guint i = 0; i < all->len; i++) {
    CwCertificate *cert = g_ptr_array_index (all, i);
    gint64 at;

    pick_ari_moment (self, cert, now);
    at = cw_scheduler_due (cert, now, &self->policy);

    cw_store_set_next_renewal (self->store, cert, at);
    if (at != 0 && at <= now && !g_hash_table_contains (self->busy, cw_certificate_get_id (cert)))
      g_ptr_array_add (due, cert);
    if (ari_stale (self, cert, now)) {
      g_hash_table_insert (self->ari_busy, g_strdup (cw_certificate_get_id (cert)), g_object_ref (cert));
      g_queue_push_tail (&self->ari_waiting, cert);
    }
  }
  g_ptr_array_sort (due, by_urgency);
  for (guint i = 0; i < due->len; i++) {
    CwCertificate *cert = g_ptr_array_index (due, i);

    g_hash_table_insert (self->busy, g_strdup (cw_certificate_get_id (cert)), g_object_ref (cert));
    g_queue_push_tail (&self->waiting, cert);
  }
  if (due->len > 0)
    g_info ("renewal check: %u of %u certificates due", due->len, all->len);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  pump (self);
  ari_pump (self);
  rearm (self);
  finish_check_if_done (self);
}

static void
alarm_fired (gpointer user_data)
{
  CwScheduler *self = user_data;

  self->alarm = 0;
  run_check (self);
}

/* One alarm: at the next full check, or sooner at the first certificate's
 * NextRenewal or ARI refresh. */
static void
rearm (CwScheduler *self)
{
  g_autoptr(GPtrArray) all = cw_store_get_certificates (self->store);
  gint64 now = cw_clock_now ();
  gint64 at = self->last_check + self->policy.check_interval;

  for (guint i = 0; i < all->len; i++) {
    CwCertificate *cert = g_ptr_array_index (all, i);
    gint64 due;

    if (g_hash_table_contains (self->busy, cw_certificate_get_id (cert)))
      continue;
    pick_ari_moment (self, cert, now);
    due = cw_scheduler_due (cert, now, &self->policy);
    cw_store_set_next_renewal (self->store, cert, due);
    if (due != 0 && due < at)
      at = due;
    if (cw_certificate_get_acme (cert) != NULL && cw_certificate_get_info (cert) != NULL &&
        !g_hash_table_contains (self->ari_busy, cw_certificate_get_id (cert)) &&
        !g_hash_table_contains (self->no_ari, cw_acme_manager_directory_of (self->acme,
                                                                                  cw_certificate_get_acme (cert)))) {
      gint64 refresh = cw_certificate_get_renewal (cert)->ari_refresh_at;

      if (refresh < at)
        at = refresh;
    }
  }
  at = MAX (at, now);
  if (self->alarm != 0 && self->alarm_at == at)
    return;
  cw_clock_remove_alarm (self->alarm);
  self->alarm_at = at;
  self->alarm = cw_clock_add_alarm (at, alarm_fired, self, NULL);
}

/* A new certificate starts afresh: the window and the failures were the
 * old one's. */
static void
on_store_event (CwStore *store, CwCertificate *cert, guint event, CwScheduler *self)
{
  const CwRenewal *old = cw_certificate_get_renewal (cert);

  if ((event == CW_EVENT_ADDED || event == CW_EVENT_RENEWED || event == CW_EVENT_REPLACED) &&
      (old->failures != 0 || old->retry_at != 0 || old->ari_start != 0 || old->ari_refresh_at != 0)) {
    g_autoptr(CwRenewal) renewal = cw_renewal_copy (old);

    renewal->failures = 0;
    renewal->retry_at = 0;
    renewal->ari_start = renewal->ari_end = renewal->ari_choice = renewal->ari_refresh_at = 0;
    cw_store_update_renewal (store, cert, g_steal_pointer (&renewal));
  }
  if (event != CW_EVENT_EXPIRING && event != CW_EVENT_EXPIRED)
    rearm (self);
}

static void
on_certificate_changed (CwScheduler *self)
{
  rearm (self);
}

static void
read_policy (CwScheduler *self, CwConfig *config)
{
  self->policy.check_interval = cw_config_get_int (config, "renewal", "check-interval");
  self->policy.max_concurrent = cw_config_get_int (config, "renewal", "max-concurrent");
  self->policy.jitter = cw_config_get_int (config, "renewal", "jitter");
  self->policy.retry_min = cw_config_get_int (config, "renewal", "retry-min");
  self->policy.retry_max = MAX (cw_config_get_int (config, "renewal", "retry-max"), self->policy.retry_min);
  self->policy.guard = cw_config_get_int (config, "renewal", "guard");
}

/* A reloaded [renewal]: due times, the next check and the free slots
 * follow at once; renewals running go on. */
static void
on_config_changed (CwConfig *config, GStrv changed, CwScheduler *self)
{
  read_policy (self, config);
  if (self->started) {
    rearm (self);
    pump (self);
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  }
}

/* ---- object ------------------------------------------------------------- */

static void
cw_scheduler_dispose (GObject *object)
{
  CwScheduler *self = CW_SCHEDULER (object);

  cw_clock_remove_alarm (self->alarm);
  self->alarm = 0;
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->acme != NULL)
    g_signal_handlers_disconnect_by_data (self->acme, self);
  if (self->scep != NULL)
    g_signal_handlers_disconnect_by_data (self->scep, self);
  G_OBJECT_CLASS (cw_scheduler_parent_class)->dispose (object);
}

static void
cw_scheduler_finalize (GObject *object)
{
  CwScheduler *self = CW_SCHEDULER (object);

  g_clear_object (&self->store);
  g_clear_object (&self->acme);
  g_clear_object (&self->scep);
  g_free (self->state_dir);
  g_queue_clear (&self->waiting);
  g_queue_clear (&self->ari_waiting);
  g_hash_table_unref (self->busy);
  g_hash_table_unref (self->ari_busy);
  g_hash_table_unref (self->no_ari);
  g_ptr_array_unref (self->renewed);
  g_ptr_array_unref (self->failed);
  G_OBJECT_CLASS (cw_scheduler_parent_class)->finalize (object);
}

static void
cw_scheduler_class_init (CwSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_scheduler_dispose;
  object_class->finalize = cw_scheduler_finalize;
  signals[SIGNAL_CHECK_FINISHED] = g_signal_new ("check-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_PTR_ARRAY,
                                                 G_TYPE_PTR_ARRAY);
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
}

static void
cw_scheduler_init (CwScheduler *self)
{
  self->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->ari_busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->no_ari = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->renewed = g_ptr_array_new_with_free_func (g_object_unref);
  self->failed = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->waiting);
  g_queue_init (&self->ari_waiting);
}

CwScheduler *
cw_scheduler_new (CwStore *store, CwAcmeManager *acme)
{
  CwScheduler *self;
  CwConfig *config;

  g_return_val_if_fail (CW_IS_STORE (store), NULL);
  g_return_val_if_fail (CW_IS_ACME_MANAGER (acme), NULL);

  self = g_object_new (CW_TYPE_SCHEDULER, NULL);
  config = cw_store_get_config (store);

  self->store = g_object_ref (store);
  self->acme = g_object_ref (acme);
  self->state_dir = g_strdup (cw_store_get_state_dir (store));
  read_policy (self, config);
  g_signal_connect_object (config, "changed", G_CALLBACK (on_config_changed), self, 0);
  g_signal_connect (store, "event", G_CALLBACK (on_store_event), self);
  g_signal_connect_swapped (store, "certificate-added", G_CALLBACK (on_certificate_changed), self);
  g_signal_connect_swapped (store, "certificate-removed", G_CALLBACK (on_certificate_changed), self);
  g_signal_connect_swapped (store, "renewal-options-changed", G_CALLBACK (on_certificate_changed), self);
  g_signal_connect (acme, "order-finished", G_CALLBACK (on_order_finished), self);
  return self;
}

void
cw_scheduler_set_scep (CwScheduler *self, CwScepManager *scep)
{
  g_return_if_fail (self->scep == NULL);

  self->scep = g_object_ref (scep);
  g_signal_connect (scep, "enrollment-finished", G_CALLBACK (on_order_finished), self);
}

void
cw_scheduler_start (CwScheduler *self)
{
  gint64 now = cw_clock_now ();

  g_return_if_fail (CW_IS_SCHEDULER (self));

  load_state (self);
  self->started = TRUE;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  /* a check missed while the agent was stopped (or a clock that went
   * backwards past it) runs right away */
  if (self->last_check == 0 || self->last_check + self->policy.check_interval <= now || self->last_check > now)
    run_check (self);
  else
    rearm (self);
}

void
cw_scheduler_check_now (CwScheduler *self)
{
  g_return_if_fail (CW_IS_SCHEDULER (self));

  run_check (self);
}

gboolean
cw_scheduler_is_checking (CwScheduler *self)
{
  g_return_val_if_fail (CW_IS_SCHEDULER (self), FALSE);

  return self->checking;
}

gint64
cw_scheduler_get_last_check (CwScheduler *self)
{
  g_return_val_if_fail (CW_IS_SCHEDULER (self), 0);

  return self->last_check;
}

gint64
cw_scheduler_get_next_check (CwScheduler *self)
{
  g_return_val_if_fail (CW_IS_SCHEDULER (self), 0);

  return self->last_check + self->policy.check_interval;
}

gint64
cw_scheduler_get_interval (CwScheduler *self)
{
  g_return_val_if_fail (CW_IS_SCHEDULER (self), 0);

  return self->policy.check_interval;
}
