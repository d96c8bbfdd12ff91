/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * certward-provider.h: the whole ABI of a Certward DNS provider plugin.
 *
 * A DNS provider publishes and removes the TXT records of the ACME dns-01
 * challenge (RFC 8555 §8.4) at one DNS hosting service. It is a shared
 * object in $libdir/certward/providers/ (or the directory named by
 * [dns-01] provider-dir) that exports one symbol, CW_PROVIDER_SYMBOL, a
 * CwProviderPlugin whose first member is CW_PROVIDER_ABI_VERSION. The agent
 * refuses a plugin built for another ABI version and says so in its log.
 *
 * Writing one: copy src/providers/exec.c (no network) or any HTTP provider,
 * include only this header and GLib/GIO (plus what the service needs, e.g.
 * libsoup), and end the file with CW_PROVIDER_DEFINE (…).
 *
 * The agent's side of the contract:
 *  - create() gets the instance's settings: every key is one of @fields
 *    (the agent rejects unknown keys and missing required ones before it
 *    calls create), secrets included;
 *  - it never runs two present/cleanup calls on one instance at once, so a
 *    read-modify-write of a record set needs no locking;
 *  - all calls happen on the agent's main loop thread; do blocking work in
 *    a GTask thread (g_task_run_in_thread) and honour the GCancellable;
 *  - several values can live at one name (a wildcard and its base name
 *    share _acme-challenge.<name>): present() adds @value to those already
 *    there, cleanup() removes only @value and must succeed when it is
 *    already gone (cleanup also runs for records left by a crash);
 *  - errors are reported as GError; the message is the service's own words
 *    and names the zone ("zone example.com not found for this token"). The
 *    agent adds the provider's name in front. Never put a secret in a
 *    message or a log line.
 *
 * Compatibility: fields may only ever be appended to the structures below
 * together with a new CW_PROVIDER_ABI_VERSION.
 */
#pragma once

#include <gio/gio.h>
#include <gmodule.h>

G_BEGIN_DECLS

#define CW_PROVIDER_ABI_VERSION 1

/* The name of the one symbol a plugin exports. */
#define CW_PROVIDER_SYMBOL "certward_provider"

/* One configuration field, in the order a form should show them. A list of
 * fields ends with an entry whose key is NULL. */
typedef struct {
  const gchar *key;          /* "api-token": lower case, digits and '-' */
  const gchar *label;        /* "API token" */
  const gchar *description;  /* one sentence for a form's help text */
  gboolean     required;
  gboolean     secret;       /* stored 0600, never shown over D-Bus or logged */
} CwProviderField;

/* The TXT record to publish or remove. Names are absolute, lower case and
 * without the trailing dot. */
typedef struct {
  const gchar *fqdn;   /* "_acme-challenge.www.example.com" (after CNAMEs) */
  const gchar *value;  /* the TXT value, 43 characters of base64url */
  const gchar *zone;   /* the zone the agent found the name in ("example.com"),
                        * from its SOA; a provider may know better */
  guint        ttl;    /* seconds, a hint */
} CwProviderRecord;

typedef struct {
  guint32                abi_version;   /* CW_PROVIDER_ABI_VERSION */
  const gchar           *type;          /* "cloudflare": [a-z0-9-]+, unique */
  const gchar           *display_name;  /* "Cloudflare" */
  const CwProviderField *fields;

  /* Checks @settings (key → value, both strings) and makes an instance,
   * or fails with a message naming the bad field. */
  gpointer (*create)         (GHashTable *settings, GError **error);
  void     (*free)           (gpointer instance);

  void     (*present_async)  (gpointer instance, const CwProviderRecord *record, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*present_finish) (gpointer instance, GAsyncResult *result, GError **error);
  void     (*cleanup_async)  (gpointer instance, const CwProviderRecord *record, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*cleanup_finish) (gpointer instance, GAsyncResult *result, GError **error);
} CwProviderPlugin;

/* Ends a plugin's source file: CW_PROVIDER_DEFINE ("exec", "External
 * program", fields, create, free, present_async, present_finish,
 * cleanup_async, cleanup_finish); */
#define CW_PROVIDER_DEFINE(type, display_name, fields, ...)                          \
  G_MODULE_EXPORT const CwProviderPlugin certward_provider = {                       \
    CW_PROVIDER_ABI_VERSION, type, display_name, fields, __VA_ARGS__                 \
  }

G_END_DECLS
