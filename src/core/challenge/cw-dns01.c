/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The dns-01 solver: records through a provider, propagation checked, always cleaned up. */
#include "config.h"

#include "cw-dns01.h"
#include "cw-dns.h"
#include "cw-error.h"
#include "cw-base64url.h"
#include "cw-names.h"

#include <glib/gi18n.h>
#include <string.h>

#define RECORD_TTL 60

typedef enum { CHECK_AUTHORITATIVE, CHECK_RESOLVERS, CHECK_OFF } CheckMode;

/* One _acme-challenge name of the order, and where it really lives. */
typedef struct {
  gchar       *name;      /* _acme-challenge.<identifier> */
  GStrv        values;    /* every value the order wants there */
  CwDnsTarget *target;    /* after locating */
  gboolean    *noted;     /* parallel to values: journaled, so cleaned up */
  gboolean    *published; /* parallel to values: the provider said yes */
} Name;

static void
name_free (Name *n)
{
  g_free (n->name);
  g_strfreev (n->values);
  cw_dns_target_free (n->target);
  g_free (n->noted);
  g_free (n->published);
  g_free (n);
}

#define CW_TYPE_DNS01_SOLVER (cw_dns01_solver_get_type ())
G_DECLARE_FINAL_TYPE (CwDns01Solver, cw_dns01_solver, CW, DNS01_SOLVER, GObject)

struct _CwDns01Solver {
  GObject            parent_instance;

  CwProviderManager *providers;
  CwProvider        *provider;
  GPtrArray         *resolvers;  /* CwDnsServer, or NULL: the system's */
  CheckMode          check;
  guint              timeout;    /* seconds */
  guint              interval;
  GPtrArray         *names;      /* Name, of the last present */
};

static void solver_iface_init (CwChallengeSolverInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CwDns01Solver, cw_dns01_solver, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CW_TYPE_CHALLENGE_SOLVER, solver_iface_init))

gchar *
cw_dns01_record_name (const gchar *identifier)
{
  const gchar *base = cw_identity_wildcard_base (identifier);

  return g_strconcat ("_acme-challenge.", base != NULL ? base : identifier, NULL);
}

gchar *
cw_dns01_record_value (const gchar *key_authorization)
{
  guint8 digest[32];
  gsize len = sizeof digest;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) key_authorization, strlen (key_authorization));
  g_checksum_get_digest (sum, digest, &len);
  return cw_base64url_encode (digest, len);
}

static CwProviderRecord
record_of (Name *n, guint i)
{
  return (CwProviderRecord) { n->target->fqdn, n->values[i], n->target->zone, RECORD_TTL };
}

/* ---- present: locate, publish, wait ------------------------------------- */

typedef struct {
  guint   next_name, next_value;  /* the next record to publish */
  gint64  deadline;               /* monotonic, for propagation */
  guint   timer;
  gchar  *missing;                /* what the last check did not see */
} Present;

static void
present_free (Present *p)
{
  if (p->timer != 0)
    g_source_remove (p->timer);
  g_free (p->missing);
  g_free (p);
}

static void
locate_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CwDns01Solver *self = source;

  for (guint i = 0; i < self->names->len; i++) {
    Name *n = g_ptr_array_index (self->names, i);
    GError *error = NULL;

    if (g_task_return_error_if_cancelled (task))
      return;
    n->target = cw_dns_locate (self->resolvers, n->name, self->check == CHECK_AUTHORITATIVE, &error);
    if (n->target == NULL) {
      g_task_return_new_error (task, error->domain, error->code, _("dns-01: cannot tell where to publish %s: %s"),
                               n->name, error->message);
      g_error_free (error);
      return;
    }
    if (!g_str_equal (n->target->fqdn, n->name))
      g_info ("dns-01: %s is a CNAME; publishing at %s in zone %s", n->name, n->target->fqdn, n->target->zone);
  }
  g_task_return_boolean (task, TRUE);
}

/* What @server does not serve yet, or NULL when it has every value. */
static gchar *
check_server (const CwDnsServer *server, const gchar *ns_name, Name *n, gboolean authoritative)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) served = cw_dns_query_txt (server, n->target->fqdn, authoritative, &error);
  g_autofree gchar *where = cw_dns_server_to_string (server);

  if (served == NULL)
    return g_strdup_printf (_("%s%s%s%s does not answer (%s)"), ns_name != NULL ? ns_name : "",
                            ns_name != NULL ? " (" : "", where, ns_name != NULL ? ")" : "", error->message);
  for (guint i = 0; n->values[i] != NULL; i++)
    if (!g_strv_contains ((const gchar * const *) served, n->values[i]))
      return g_strdup_printf (_("%s%s%s%s does not serve the TXT record at %s yet"), ns_name != NULL ? ns_name : "",
                              ns_name != NULL ? " (" : "", where, ns_name != NULL ? ")" : "", n->target->fqdn);
  return NULL;
}

static void
check_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CwDns01Solver *self = source;

  for (guint i = 0; i < self->names->len; i++) {
    Name *n = g_ptr_array_index (self->names, i);
    gboolean authoritative = self->check == CHECK_AUTHORITATIVE;
    GPtrArray *servers = authoritative ? n->target->nameservers : self->resolvers;
    guint count = servers != NULL ? servers->len : 1;

    for (guint j = 0; j < count; j++) {
      gchar *missing = check_server (servers != NULL ? g_ptr_array_index (servers, j) : NULL,
                                     authoritative ? n->target->ns_names[j] : NULL, n, authoritative);

      if (missing != NULL) {
        g_task_return_pointer (task, missing, g_free);
        return;
      }
    }
  }
  g_task_return_pointer (task, NULL, NULL);
}

static void start_check (GTask *task);

static gboolean
check_again (gpointer user_data)
{
  GTask *task = user_data;
  Present *p = g_task_get_task_data (task);

  p->timer = 0;
  start_check (task);
  return G_SOURCE_REMOVE;
}

static void
checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CwDns01Solver *self = CW_DNS01_SOLVER (source);
  Present *p = g_task_get_task_data (task);
  g_autofree gchar *missing = g_task_propagate_pointer (G_TASK (result), NULL);

  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return;
  }
  if (missing == NULL) {
    g_info ("dns-01: every TXT record is visible; asking the CA to validate");
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  if (g_get_monotonic_time () >= p->deadline) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NETWORK,
                             _("dns-01: after %u s %s; raise [dns-01] propagation-timeout if the provider is slow"),
                             self->timeout, missing);
    g_object_unref (task);
    return;
  }
  if (g_strcmp0 (missing, p->missing) != 0)
    g_info ("dns-01: waiting: %s", missing);
  g_free (p->missing);
  p->missing = g_steal_pointer (&missing);
  p->timer = g_timeout_add_seconds (self->interval, check_again, task);
}

static void
start_check (GTask *task)
{
  CwDns01Solver *self = g_task_get_source_object (task);
  g_autoptr(GTask) check = g_task_new (self, g_task_get_cancellable (task), checked, task);

  g_task_run_in_thread (check, check_thread);
}

static void publish_next (GTask *task);

static void
published (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CwDns01Solver *self = g_task_get_source_object (task);
  Present *p = g_task_get_task_data (task);
  GError *error = NULL;

  if (!cw_provider_present_finish (CW_PROVIDER (source), result, &error)) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  ((Name *) g_ptr_array_index (self->names, p->next_name))->published[p->next_value - 1] = TRUE;
  publish_next (task);
}

static void
publish_next (GTask *task)
{
  CwDns01Solver *self = g_task_get_source_object (task);
  Present *p = g_task_get_task_data (task);

  while (p->next_name < self->names->len) {
    Name *n = g_ptr_array_index (self->names, p->next_name);

    if (n->values[p->next_value] != NULL) {
      CwProviderRecord record = record_of (n, p->next_value);

      /* journaled first: a crash between the two leaves a record to remove */
      cw_provider_manager_note_record (self->providers, self->provider, &record);
      n->noted[p->next_value++] = TRUE;
      g_debug ("dns-01: publishing %s in %s", record.fqdn, record.zone);
      cw_provider_present_async (self->provider, &record, g_task_get_cancellable (task), published, task);
      return;
    }
    p->next_name++;
    p->next_value = 0;
  }
  if (self->check == CHECK_OFF) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  p->deadline = g_get_monotonic_time () + (gint64) self->timeout * G_USEC_PER_SEC;
  start_check (task);
}

static void
located (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  publish_next (task);
}

static void
present_async (CwChallengeSolver *solver, GPtrArray *challenges, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data)
{
  CwDns01Solver *self = CW_DNS01_SOLVER (solver);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) locate = NULL;
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);

  g_task_set_source_tag (task, present_async);
  g_task_set_task_data (task, g_new0 (Present, 1), (GDestroyNotify) present_free);
  g_ptr_array_set_size (self->names, 0);
  /* a wildcard and its base name share one name with two values */
  for (guint i = 0; i < challenges->len; i++) {
    CwChallenge *c = g_ptr_array_index (challenges, i);
    g_autofree gchar *name = cw_dns01_record_name (c->identifier);
    g_autofree gchar *value = cw_dns01_record_value (c->key_authorization);
    Name *n = g_hash_table_lookup (by_name, name);
    guint len;

    if (n == NULL) {
      n = g_new0 (Name, 1);
      n->name = g_steal_pointer (&name);
      n->values = g_new0 (gchar *, 1);
      g_ptr_array_add (self->names, n);
      g_hash_table_insert (by_name, n->name, n);
    }
    if (g_strv_contains ((const gchar * const *) n->values, value))
      continue;
    len = g_strv_length (n->values);
    n->values = g_renew (gchar *, n->values, len + 2);
    n->values[len] = g_steal_pointer (&value);
    n->values[len + 1] = NULL;
  }
  for (guint i = 0; i < self->names->len; i++) {
    Name *n = g_ptr_array_index (self->names, i);

    n->noted = g_new0 (gboolean, g_strv_length (n->values));
    n->published = g_new0 (gboolean, g_strv_length (n->values));
  }
  locate = g_task_new (self, cancellable, located, task);
  g_task_run_in_thread (locate, locate_thread);
}

static gboolean
present_finish (CwChallengeSolver *solver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- cleanup ------------------------------------------------------------ */

typedef struct {
  guint   outstanding;
  GString *failures;
} Cleanup;

static void
cleanup_free (Cleanup *c)
{
  g_string_free (c->failures, TRUE);
  g_free (c);
}

typedef struct {
  GTask           *task;
  gchar           *fqdn, *value, *zone;
  gboolean         published;
} Removal;

static void
removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Removal *r = user_data;
  g_autoptr(GTask) task = r->task;
  CwDns01Solver *self = g_task_get_source_object (task);
  Cleanup *c = g_task_get_task_data (task);
  CwProviderRecord record = { r->fqdn, r->value, r->zone, RECORD_TTL };
  g_autoptr(GError) error = NULL;

  if (cw_provider_cleanup_finish (CW_PROVIDER (source), result, &error)) {
    cw_provider_manager_forget_record (self->providers, self->provider, &record);
  } else if (!r->published) {
    /* the provider refused to publish it (a wrong key refuses both): there
     * is nothing to remove, and retrying at every start would only warn */
    g_info ("dns-01: %s was never published; not removed either: %s", r->fqdn, error->message);
    cw_provider_manager_forget_record (self->providers, self->provider, &record);
  } else {
    g_string_append_printf (c->failures, "%s%s", c->failures->len > 0 ? "; " : "", error->message);
  }
  g_free (r->fqdn);
  g_free (r->value);
  g_free (r->zone);
  g_free (r);
  if (--c->outstanding > 0)
    return;
  if (c->failures->len > 0)
    /* the journal keeps them: the next start tries again */
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_FAILED, "dns-01: %s", c->failures->str);
  else
    g_task_return_boolean (task, TRUE);
}

static void
cleanup_async (CwChallengeSolver *solver, GPtrArray *challenges, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data)
{
  CwDns01Solver *self = CW_DNS01_SOLVER (solver);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Cleanup *c = g_new0 (Cleanup, 1);

  g_task_set_source_tag (task, cleanup_async);
  c->failures = g_string_new (NULL);
  g_task_set_task_data (task, c, (GDestroyNotify) cleanup_free);
  /* what was journaled is removed, published or not: a present that
   * failed half-way may have left it */
  for (guint i = 0; i < self->names->len; i++) {
    Name *n = g_ptr_array_index (self->names, i);

    for (guint j = 0; n->values[j] != NULL; j++) {
      CwProviderRecord record;
      Removal *r;

      if (!n->noted[j])
        continue;
      record = record_of (n, j);
      r = g_new0 (Removal, 1);
      r->task = g_object_ref (task);
      r->fqdn = g_strdup (record.fqdn);
      r->value = g_strdup (record.value);
      r->zone = g_strdup (record.zone);
      r->published = n->published[j];
      n->noted[j] = n->published[j] = FALSE;
      c->outstanding++;
      /* not cancellable: removing must happen even when the order was cancelled */
      cw_provider_cleanup_async (self->provider, &record, NULL, removed, r);
    }
  }
  if (c->outstanding == 0)
    g_task_return_boolean (task, TRUE);
}

static gboolean
cleanup_finish (CwChallengeSolver *solver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static const gchar *
get_challenge_type (CwChallengeSolver *solver)
{
  return "dns-01";
}

static void
solver_iface_init (CwChallengeSolverInterface *iface)
{
  iface->get_challenge_type = get_challenge_type;
  iface->present_async = present_async;
  iface->present_finish = present_finish;
  iface->cleanup_async = cleanup_async;
  iface->cleanup_finish = cleanup_finish;
}

/* ---- object ------------------------------------------------------------- */

static void
cw_dns01_solver_finalize (GObject *object)
{
  CwDns01Solver *self = CW_DNS01_SOLVER (object);

  g_ptr_array_unref (self->names);
  g_clear_pointer (&self->resolvers, g_ptr_array_unref);
  g_object_unref (self->provider);
  g_object_unref (self->providers);
  G_OBJECT_CLASS (cw_dns01_solver_parent_class)->finalize (object);
}

static void
cw_dns01_solver_class_init (CwDns01SolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_dns01_solver_finalize;
}

static void
cw_dns01_solver_init (CwDns01Solver *self)
{
  self->names = g_ptr_array_new_with_free_func ((GDestroyNotify) name_free);
}

CwChallengeSolver *
cw_dns01_solver_new (CwProviderManager *providers, CwProvider *provider, CwConfig *config, GError **error)
{
  g_autoptr(CwDns01Solver) self = g_object_new (CW_TYPE_DNS01_SOLVER, NULL);
  const gchar *check;
  GError *local = NULL;

  g_return_val_if_fail (CW_IS_PROVIDER_MANAGER (providers), NULL);
  g_return_val_if_fail (CW_IS_PROVIDER (provider), NULL);
  g_return_val_if_fail (CW_IS_CONFIG (config), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  check = cw_config_get_string (config, "dns-01", "propagation-check");

  self->resolvers = cw_dns_servers_parse (cw_config_get_strv (config, "dns-01", "resolvers"), &local);
  if (local != NULL) {
    g_propagate_prefixed_error (error, local, "[dns-01] resolvers: ");
    return NULL;
  }
  self->providers = g_object_ref (providers);
  self->provider = g_object_ref (provider);
  self->check = g_str_equal (check, "off") ? CHECK_OFF : g_str_equal (check, "resolvers") ? CHECK_RESOLVERS
                                                                                          : CHECK_AUTHORITATIVE;
  self->timeout = cw_config_get_int (config, "dns-01", "propagation-timeout");
  self->interval = cw_config_get_int (config, "dns-01", "propagation-interval");
  return CW_CHALLENGE_SOLVER (g_steal_pointer (&self));
}
