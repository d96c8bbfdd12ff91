/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardd's main(): configuration, the core's objects, the daemon, signals and shutdown. */

#include "config.h"

#include "cw-acme-manager.h"
#include "cw-authority.h"
#include "cw-saved-reply.h"
#include "cw-clock.h"
#include "cw-cluster-accounts.h"
#include "cw-cluster-http01.h"
#include "cw-cluster-manager.h"
#include "cw-cluster-providers.h"
#include "cw-cluster-renewal.h"
#include "cw-cluster-sync.h"
#include "cw-cluster-trust.h"
#include "cw-daemon.h"
#include "cw-log.h"
#include "cw-scheduler.h"
#include "cw-store.h"
#include "cw-tls-database.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <gnutls/gnutls.h>
#include <locale.h>
#include <unistd.h>
#include <malloc.h>
#include <stdlib.h>

#define STOP_TIMEOUT_S 20

typedef struct {
  GMainLoop    *loop;
  CwStore      *store;
  CwTrustStore *trust;
  CwDaemon     *daemon;
  CwAcmeManager *acme;
  CwProviderManager *providers;
  CwScheduler  *scheduler;
  CwScepManager *scep;
  CwConfig     *config;
  CwDeliverer  *deliverer;
  int        status;
  gboolean   stopping;
} Context;

static void
quit_when_idle (Context *ctx)
{
  if (cw_store_is_idle (ctx->store) && cw_trust_store_is_idle (ctx->trust) &&
      cw_provider_manager_is_idle (ctx->providers))
    g_main_loop_quit (ctx->loop);
}

static gboolean
stop_waiting (gpointer user_data)
{
  Context *ctx = user_data;

  g_warning ("DNS records are still being removed after %u s; the next start removes them", STOP_TIMEOUT_S);
  g_main_loop_quit (ctx->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  Context *ctx = user_data;

  if (!ctx->stopping) {
    /* let writes in flight reach their commit point before leaving */
    g_message ("stopping");
    ctx->stopping = TRUE;
    /* no new work: a stream of calls must not keep the daemon from idling */
    cw_daemon_release_name (ctx->daemon);
    g_signal_connect_swapped (ctx->store, "idle", G_CALLBACK (quit_when_idle), ctx);
    g_signal_connect_swapped (ctx->trust, "idle", G_CALLBACK (quit_when_idle), ctx);
    /* dns-01 records of orders still running come off the DNS now, not at
     * the next start; a provider that hangs cannot hold the agent */
    g_signal_connect_swapped (ctx->providers, "idle", G_CALLBACK (quit_when_idle), ctx);
    cw_provider_manager_cleanup_leftovers (ctx->providers);
    g_timeout_add_seconds (STOP_TIMEOUT_S, stop_waiting, ctx);
    quit_when_idle (ctx);
  }
  return G_SOURCE_CONTINUE;
}

/* [actions] integration-dir first (a test's, or a site's own set), then
 * the administrator's, then the shipped ones; @dirs has room for four */
static const gchar * const *
integration_dirs (CwConfig *config, const gchar **dirs)
{
  dirs[0] = cw_config_get_string (config, "actions", "integration-dir");
  dirs[1] = CW_LOCAL_INTEGRATION_DIR;
  dirs[2] = CW_INTEGRATION_DIR;
  dirs[3] = NULL;
  return *dirs[0] != '\0' ? dirs : dirs + 1;
}

/* SIGHUP (systemctl reload): the configuration and the integrations are
 * read again; certificates, orders and renewals in flight go on. A bad
 * file changes nothing. */
static gboolean
on_reload (gpointer user_data)
{
  /* read once at start, where they were handed to what uses them */
  static const gchar *const at_start[][2] = {
    { "trust", "system-bundle" }, { "trust", "verification-mode" }, { "acme", "ca-file" }, { "dns-01", "provider-dir" },
    { "cluster", "backend" }, { "cluster", "uri" }, { "cluster", "node" }, { "cluster", "key-file" },
    { "cluster", "lease-time" }, { "cluster", "heartbeat" },
  };
  Context *ctx = user_data;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) changed = cw_config_reload (ctx->config, warnings, &error);
  const gchar *dirs[4];

  if (ctx->stopping)
    return G_SOURCE_CONTINUE;
  for (guint i = 0; i < warnings->len; i++)
    g_warning ("%s", (const gchar *) g_ptr_array_index (warnings, i));
  if (changed == NULL) {
    g_warning ("configuration not reloaded, the one in use stays: %s", error->message);
    return G_SOURCE_CONTINUE;
  }
  for (guint i = 0; i < G_N_ELEMENTS (at_start); i++)
    if (cw_config_changed_has ((const gchar * const *) changed, at_start[i][0], at_start[i][1]))
      g_message ("%s: [%s] %s changed; it takes effect when certwardd restarts", cw_config_get_path (ctx->config),
                 at_start[i][0], at_start[i][1]);
  cw_deliverer_reload_integrations (ctx->deliverer, integration_dirs (ctx->config, dirs));
  if (changed[0] == NULL) {
    g_message ("configuration reloaded from %s: nothing changed", cw_config_get_path (ctx->config));
  } else {
    g_autofree gchar *list = g_strjoinv (", ", changed);

    g_message ("configuration reloaded from %s: %s", cw_config_get_path (ctx->config), list);
  }
  return G_SOURCE_CONTINUE;
}

static void
identity_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cw_store_ensure_identity_finish (CW_STORE (source), result, &error))
    g_warning ("cannot make a certificate for this host: %s", error->message);
}

static void
identity_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  identity_made (source, result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* The default certificate was removed with force and no other server
 * certificate could take over: the host gets a new identity, as at the
 * first start, so TLS servers asking for the default keep an answer. */
static void
on_certificate_removed (CwStore *store, CwCertificate *cert, Context *ctx)
{
  if (!ctx->stopping && cw_store_get_default (store) == NULL)
    cw_store_ensure_identity_async (store, NULL, identity_made, NULL);
}

static void
on_ready (CwDaemon *daemon, Context *ctx)
{
  /* records a crash left at the DNS provider go first */
  cw_provider_manager_cleanup_leftovers (cw_acme_manager_get_providers (ctx->acme));
  cw_acme_manager_resume (ctx->acme);
  cw_scep_manager_resume (ctx->scep);
  cw_store_hold_announcements (ctx->store, FALSE);
  cw_scheduler_start (ctx->scheduler);
}

static void
on_name_lost (CwDaemon *daemon, Context *ctx)
{
  ctx->status = EXIT_FAILURE;
  g_main_loop_quit (ctx->loop);
}

int
main (int argc, char **argv)
{
  gboolean session = FALSE, verbose = FALSE, version = FALSE;
  gint64 test_clock = -1;
  g_autofree gchar *state_dir = NULL;
  g_autofree gchar *config_path = NULL;
  g_autofree gchar *state_help = NULL;
  g_autofree gchar *config_help = NULL;
  GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_NONE, &session, N_("Use the session bus instead of the system bus"), NULL },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, NULL, N_("DIR") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, NULL, N_("FILE") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log routine events and debugging messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    /* tests only: time stands still at the given Unix time until a test
     * moves it over org.certward.Testing1 */
    { "test-clock", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &test_clock, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CwConfig) config = NULL;
  g_autoptr(CwStore) store = NULL;
  g_autoptr(CwTrustStore) trust = NULL;
  g_autoptr(CwAcmeManager) acme = NULL;
  g_autoptr(CwProviderManager) providers = NULL;
  g_autoptr(CwScheduler) scheduler = NULL;
  g_autoptr(CwScepManager) scep = NULL;
  g_autofree gchar *trust_dir = NULL;
  g_autoptr(CwDeliverer) deliverer = NULL;
  g_autoptr(CwDaemon) daemon = NULL;
  g_autoptr(CwCluster) cluster = NULL;
  g_autoptr(CwClusterSync) cluster_sync = NULL;
  g_autoptr(CwClusterProviders) cluster_providers = NULL;
  g_autoptr(CwClusterTrust) cluster_trust = NULL;
  g_autoptr(CwClusterAccounts) cluster_accounts = NULL;
  g_autoptr(CwClusterManager) cluster_manager = NULL;
  g_autoptr(CwClusterRenewal) cluster_renewal = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Context ctx = { 0 };

  /* GLib 2.74's slice allocator keeps what a large call freed (a million
   * strings in one array: 150 MB) for good; malloc gives it back
   * (cw-memory.h). GLib reads G_SLICE before main() runs, so the agent
   * starts itself once more with it set (same pid, as systemd expects). */
  if (g_strcmp0 (g_getenv ("G_SLICE"), "always-malloc") != 0) {
    g_setenv ("G_SLICE", "always-malloc", TRUE);
    execv ("/proc/self/exe", argv);
    /* no /proc: the slice allocator it is */
  }
  g_log_set_writer_func (cw_log_writer, NULL, NULL);
  /* the agent's messages travel over D-Bus in its own locale: under
   * systemd the system's (/etc/default/locale, README "Language") */
  setlocale (LC_ALL, "");
  /* CERTWARD_LOCALEDIR: the catalogs of a build tree, for tests (po/) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CERTWARD_LOCALEDIR") != NULL ? g_getenv ("CERTWARD_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* the defaults are filled in after translation, so the msgids stay whole */
  state_help = g_strdup_printf (_("Keep certificates in DIR (default: %s)"), CW_DEFAULT_STATE_DIR);
  config_help = g_strdup_printf (_("Read the configuration from FILE (default: %s)"), CW_DEFAULT_CONFIG_FILE);
  entries[1].description = state_help;
  entries[2].description = config_help;
  options = g_option_context_new (NULL);
  g_option_context_set_summary (options, _("The Certward certificate agent."));
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (options, &argc, &argv, &error)) {
    g_printerr ("certwardd: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (version) {
    g_print ("certwardd %s\n", PACKAGE_VERSION);
    return EXIT_SUCCESS;
  }
  if (verbose)
    g_log_set_debug_enabled (TRUE);
  if (gnutls_check_version ("3.7.0") == NULL) {
    g_printerr ("certwardd: GnuTLS 3.7 or newer is required\n");
    return EXIT_FAILURE;
  }

  if (test_clock >= 0) {
    g_warning ("TEST CLOCK: time is %" G_GINT64_FORMAT " and moves only over org.certward.Testing1; never use this in production",
               test_clock);
    cw_clock_set_fake_time (test_clock);
  }

  config = cw_config_load (config_path != NULL ? config_path : CW_DEFAULT_CONFIG_FILE, config_path != NULL,
                           warnings, &error);
  if (config == NULL) {
    g_printerr ("certwardd: %s\n", error->message);
    return EXIT_FAILURE;
  }
  for (guint i = 0; i < warnings->len; i++)
    g_warning ("%s", (const gchar *) g_ptr_array_index (warnings, i));

  /* a node of a cluster: the configuration is checked before anything
   * loads; it connects once the store is loaded (src/core/cluster/) */
  if (cw_cluster_configured (config)) {
    cluster = cw_cluster_new (config, state_dir != NULL ? state_dir : CW_DEFAULT_STATE_DIR, &error);
    if (cluster == NULL) {
      g_printerr ("certwardd: %s: %s\n", cw_config_get_path (config), error->message);
      return EXIT_FAILURE;
    }
  }

  store = cw_store_new (state_dir != NULL ? state_dir : CW_DEFAULT_STATE_DIR, config);
  /* expiring/expired are announced once somebody can hear them */
  cw_store_hold_announcements (store, TRUE);
  if (!cw_store_load (store, &error)) {
    g_printerr ("certwardd: %s\n", error->message);
    return EXIT_FAILURE;
  }

  /* after the store's parallel load, which wants an arena per thread */
#ifdef M_ARENA_MAX
  /* worker threads (key generation, writes) come and go; with an arena
   * each, freed memory stays spread over them: one arena keeps the
   * agent's footprint at what it uses (bench/acme-issue) */
  mallopt (M_ARENA_MAX, 1);
#endif
#ifdef M_MMAP_THRESHOLD
  /* a fixed threshold: glibc's moving one would put the next buffer of a
   * large call (an upload of megabytes) on the heap, where it stays after
   * the call; mapped, it goes back at once (tests/test-hostile.c) */
  mallopt (M_MMAP_THRESHOLD, 1024 * 1024);
#endif

  trust_dir = g_build_filename (state_dir != NULL ? state_dir : CW_DEFAULT_STATE_DIR, "trust", NULL);
  trust = cw_trust_store_new (trust_dir, cw_config_get_string (config, "trust", "system-bundle"),
                              cw_config_get_string (config, "trust", "verification-mode"));
  if (!cw_trust_store_load (trust, &error)) {
    g_printerr ("certwardd: %s\n", error->message);
    return EXIT_FAILURE;
  }

  /* libsoup's HTTPS comes from glib-networking, loaded at run time; the
   * trust it checks against is ours (cw-tls-database.h) */
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ())) {
    g_warning ("no TLS backend: ACME CAs cannot be reached over HTTPS; install glib-networking");
  } else if (!cw_tls_database_install (cw_config_get_string (config, "trust", "system-bundle"),
                                       cw_config_get_string (config, "acme", "ca-file"), &error)) {
    g_printerr ("certwardd: %s: [acme] ca-file: %s\n", cw_config_get_path (config), error->message);
    return EXIT_FAILURE;
  }

  acme = cw_acme_manager_new (store, &error);
  if (acme == NULL) {
    g_printerr ("certwardd: %s\n", error->message);
    return EXIT_FAILURE;
  }
  {
    /* [dns-01] provider-dir first: a build tree's plugins, or a local one
     * that replaces an installed type */
    const gchar *dirs[] = { cw_config_get_string (config, "dns-01", "provider-dir"), CW_PROVIDER_DIR, NULL };

    providers = cw_provider_manager_new (cw_store_get_state_dir (store), *dirs[0] != '\0' ? dirs : dirs + 1);
    if (!cw_provider_manager_load (providers, &error)) {
      g_printerr ("certwardd: %s\n", error->message);
      return EXIT_FAILURE;
    }
    cw_acme_manager_set_providers (acme, providers);
  }

  /* every installation gets its own identity before the first client comes */
  {
    gboolean done = FALSE;

    cw_store_ensure_identity_async (store, NULL, identity_ready, &done);
    while (!done)
      g_main_context_iteration (NULL, TRUE);
  }

  loop = g_main_loop_new (NULL, FALSE);
  ctx.loop = loop;
  ctx.store = store;
  ctx.trust = trust;
  ctx.providers = providers;
  ctx.status = EXIT_SUCCESS;

  scheduler = cw_scheduler_new (store, acme);
  {
    const gchar *dirs[4];

    deliverer = cw_deliverer_new (cw_store_get_state_dir (store), cw_trust_store_get_bundle_path (trust),
                                  integration_dirs (config, dirs));
  }
  scep = cw_scep_manager_new (store);
  cw_scheduler_set_scep (scheduler, scep);
  daemon = cw_daemon_new (store, trust, acme, scheduler, deliverer);
  cw_daemon_set_scep (daemon, scep);
  if (cluster != NULL) {
    /* the host's own identity was made above, before sharing starts: it
     * is this node's alone */
    cw_daemon_set_cluster (daemon, cluster);
    cluster_sync = cw_cluster_sync_new (cluster, store);
    /* DNS providers too, so any node can renew a dns-01 certificate */
    cluster_providers = cw_cluster_providers_new (cluster, providers);
    cluster_trust = cw_cluster_trust_new (cluster, trust);
    /* one ACME account for the cluster: any node orders and renews with it */
    cluster_accounts = cw_cluster_accounts_new (cluster, cw_acme_manager_get_accounts (acme));
    /* the default certificate, tenants, the expiry warning */
    cluster_manager = cw_cluster_manager_new (cluster, store);
    /* one node at a time renews a shared certificate */
    cluster_renewal = cw_cluster_renewal_new (cluster, store, acme);
    /* the CA may ask any node for any node's HTTP-01 token: a standalone
     * responder listens all the time */
    if (!cw_http01_set_shared (cw_acme_manager_get_http01 (acme), cw_cluster_http01 (), cluster,
                               g_str_equal (cw_config_get_string (config, "http-01", "mode"), "standalone"),
                               &error)) {
      g_warning ("%s; HTTP-01 challenges of other nodes are not answered here", error->message);
      g_clear_error (&error);
    }
    cw_cluster_start (cluster);
  }
  ctx.daemon = daemon;
  g_signal_connect (daemon, "name-lost", G_CALLBACK (on_name_lost), &ctx);
  /* polkit decides on the system bus; a session agent serves its own user */
  cw_authority_set_bus (session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM);
  cw_saved_reply_set_store (store);
  if (!cw_daemon_start (daemon, session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, &error)) {
    g_printerr (session ? _("certwardd: cannot connect to the session bus: %s\n")
                        : _("certwardd: cannot connect to the system bus: %s\n"), error->message);
    return EXIT_FAILURE;
  }

  /* once the name is ours: orders a restart interrupted go on where their
   * requests wait, and the first check (when one is due) runs; clients are
   * served meanwhile */
  ctx.acme = acme;
  ctx.scheduler = scheduler;
  ctx.scep = scep;
  g_signal_connect (daemon, "ready", G_CALLBACK (on_ready), &ctx);
  g_signal_connect (store, "certificate-removed", G_CALLBACK (on_certificate_removed), &ctx);

  ctx.config = config;
  ctx.deliverer = deliverer;
  g_unix_signal_add (SIGTERM, on_signal, &ctx);
  g_unix_signal_add (SIGINT, on_signal, &ctx);
  g_unix_signal_add (SIGHUP, on_reload, &ctx);
  g_main_loop_run (loop);

  g_signal_handlers_disconnect_by_data (store, &ctx);
  g_signal_handlers_disconnect_by_data (trust, &ctx);
  g_signal_handlers_disconnect_by_data (providers, &ctx);
  return ctx.status;
}
