/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-provider-http.c: the HTTP DNS provider plugins (src/providers/ and
 * their helper cw-provider-http.c) against a service whose every answer is
 * fuzz input: zone lookups, record lists, JSON and XML error bodies. Each
 * plugin is compiled into this program under its own symbol name
 * (-Dcertward_provider=fuzz_provider_NAME) and driven through its ABI as
 * the agent drives it; a loopback SoupServer gives the answers.
 *
 * Checked: no secret of the settings in an error message (the service may
 * quote the token back), a result that agrees with its error.
 *
 * Input: one flags byte (bits 0-2: the provider, bit 3: cleanup instead of
 * present, bit 4: the zone ID is configured, so no lookup), then the
 * answers (fuzz-http.h) separated by FUZZ_SEPARATOR.
 */
#include "certward-provider.h"
#include "fuzz-common.h"
#include "fuzz-http.h"

#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

extern const CwProviderPlugin fuzz_provider_powerdns, fuzz_provider_cloudflare, fuzz_provider_hetzner,
  fuzz_provider_digitalocean, fuzz_provider_desec, fuzz_provider_gandi, fuzz_provider_route53;

static const CwProviderPlugin *const plugins[] = {
  &fuzz_provider_powerdns, &fuzz_provider_cloudflare, &fuzz_provider_hetzner, &fuzz_provider_digitalocean,
  &fuzz_provider_desec, &fuzz_provider_gandi, &fuzz_provider_route53, &fuzz_provider_cloudflare,
};

static FuzzHttp *service;
/* one instance per provider and zone-ID setting, made on first use: an
 * instance keeps nothing of an operation but its HTTP connections, and
 * making one per input (a new SoupSession) halved the speed */
static gpointer instances[G_N_ELEMENTS (plugins)][2];
static GHashTable *settings[G_N_ELEMENTS (plugins)][2];

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  service = fuzz_http_new ();
  return 0;
}

/* Settings that create() accepts: the service's URL where the plugin takes
 * one, a zone ID only when asked for, a made-up value for the rest. */
static GHashTable *
settings_for (const CwProviderPlugin *plugin, gboolean zone_id)
{
  GHashTable *settings = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  for (const CwProviderField *f = plugin->fields; f->key != NULL; f++) {
    if (strstr (f->key, "zone-id") != NULL && !zone_id)
      continue;
    if (g_str_equal (f->key, "endpoint") || g_str_equal (f->key, "api-url"))
      g_hash_table_insert (settings, (gpointer) f->key, g_strdup (fuzz_http_base (service)));
    else if (strstr (f->key, "zone-id") != NULL)
      g_hash_table_insert (settings, (gpointer) f->key, g_strdup ("Z1FUZZ"));
    else if (g_str_equal (f->key, "region"))
      g_hash_table_insert (settings, (gpointer) f->key, g_strdup ("us-east-1"));
    else
      g_hash_table_insert (settings, (gpointer) f->key, g_strconcat ("fuzz-", f->key, NULL));
  }
  return settings;
}

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
op_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  const CwProviderPlugin *plugin;
  GHashTable *config;
  g_autoptr(GPtrArray) answers = NULL;
  g_autoptr(GError) error = NULL;
  CwProviderRecord record = { "_acme-challenge.www.example.com", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                              "example.com", 120 };
  gboolean cleanup, ok;
  gpointer instance;
  Wait wait = { FALSE, NULL };

  if (size < 1)
    return 0;
  plugin = plugins[data[0] & 7];
  cleanup = (data[0] & 8) != 0;
  if (instances[data[0] & 7][(data[0] & 16) != 0] == NULL) {
    config = settings[data[0] & 7][(data[0] & 16) != 0] = settings_for (plugin, (data[0] & 16) != 0);
    instances[data[0] & 7][(data[0] & 16) != 0] = plugin->create (config, &error);
    if (instances[data[0] & 7][(data[0] & 16) != 0] == NULL)
      g_error ("fuzz: %s refused its settings: %s", plugin->type, error->message);
  }
  instance = instances[data[0] & 7][(data[0] & 16) != 0];
  config = settings[data[0] & 7][(data[0] & 16) != 0];

  answers = fuzz_split (data + 1, size - 1, 64);
  fuzz_http_queue (service, answers, 0);
  (cleanup ? plugin->cleanup_async : plugin->present_async) (instance, &record, NULL, op_done, &wait);
  fuzz_wait (&wait.done);
  ok = (cleanup ? plugin->cleanup_finish : plugin->present_finish) (instance, wait.result, &error);
  g_object_unref (wait.result);
  /* the agent puts "<provider>: <message>" in the certificate's LastError
   * and its log (made valid UTF-8 there, in cw-provider.c): a secret must
   * not be in it, even when the service quotes it back */
  if (ok != (error == NULL))
    g_error ("fuzz: %s returned %s with%s an error", plugin->type, ok ? "success" : "failure", ok ? "" : "out");
  for (const CwProviderField *f = plugin->fields; !ok && f->key != NULL; f++) {
    const gchar *value = g_hash_table_lookup (config, f->key);

    if (f->secret && value != NULL && strstr (error->message, value) != NULL)
      g_error ("fuzz: %s put the secret %s in its message: %s", plugin->type, f->key, error->message);
  }
  fuzz_report ("%s %s: %s", plugin->type, cleanup ? "cleanup" : "present", ok ? "done" : error->message);
  fuzz_http_queue (service, NULL, 0);
  return 0;
}
