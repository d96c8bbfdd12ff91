/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cw-jws.h"

G_BEGIN_DECLS

/* One HTTP response from the CA. */
typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  JsonNode           *json;        /* the body, when it is JSON */
  gchar              *url;         /* what was asked */
} CwAcmeResponse;

void         cw_acme_response_free (CwAcmeResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwAcmeResponse, cw_acme_response_free)
const gchar *cw_acme_response_header (CwAcmeResponse *response, const gchar *name);
/* The body as an object, or NULL. */
JsonObject  *cw_acme_response_object (CwAcmeResponse *response);
/* Targets of Link headers with rel=@rel (RFC 8288), in order. */
gchar      **cw_acme_response_links (CwAcmeResponse *response, const gchar *rel);
/* Seconds from Retry-After (delta or HTTP date), or -1 without one. */
gint64       cw_acme_response_retry_after (CwAcmeResponse *response);
/* TRUE for a problem document (RFC 7807) or any 4xx/5xx answer. */
gboolean     cw_acme_response_is_problem (CwAcmeResponse *response);
/* "urn:ietf:params:acme:error:rateLimited" and so on, or "". */
const gchar *cw_acme_response_problem_type (CwAcmeResponse *response);
/* An error saying what the CA said, for @what ("new order", …):
 * CW_ERROR_ACME with the CA's detail and its subproblems' identifiers. */
GError      *cw_acme_response_to_error (CwAcmeResponse *response, const gchar *what);
/* @reference (a Location or Link target) made absolute against the URL
 * that was asked, or NULL. */
gchar       *cw_acme_response_resolve (CwAcmeResponse *response, const gchar *reference);

#define CW_TYPE_ACME_CLIENT (cw_acme_client_get_type ())
G_DECLARE_FINAL_TYPE (CwAcmeClient, cw_acme_client, CW, ACME_CLIENT, GObject)

/**
 * CwAcmeClient:
 *
 * Speaks to one ACME directory over libsoup's asynchronous API: fetches and
 * caches the directory, keeps a pool of Replay-Nonces (asking newNonce only
 * when the pool is empty, the newest first), signs POSTs (and POST-as-GETs), retries a
 * badNonce at once with the nonce it came with and a 503 after its
 * Retry-After when that is short. Everything else — problems included — is
 * handed to the caller as a CwAcmeResponse; only transport failures are
 * errors (CW_ERROR_NETWORK).
 */
/* HTTPS is verified by the default GTlsDatabase (see cw-tls-database.h). */
CwAcmeClient *cw_acme_client_new (const gchar *directory_url);
const gchar  *cw_acme_client_get_directory_url (CwAcmeClient *self);

void          cw_acme_client_load_directory_async (CwAcmeClient *self, GCancellable *cancellable,
                                                   GAsyncReadyCallback callback, gpointer user_data);
/* The directory object (borrowed, cached). */
JsonObject   *cw_acme_client_load_directory_finish (CwAcmeClient *self, GAsyncResult *result, GError **error);
/* A URL from the loaded directory ("newOrder", "renewalInfo" …), or NULL. */
const gchar  *cw_acme_client_endpoint (CwAcmeClient *self, const gchar *name);
JsonObject   *cw_acme_client_get_meta (CwAcmeClient *self);

/* A signed POST of @payload (JSON text; NULL for POST-as-GET), with the
 * account @kid or, when NULL, the key as jwk. @accept: an Accept header or
 * NULL. */
void          cw_acme_client_post_async (CwAcmeClient *self, const gchar *url, const gchar *payload,
                                         gnutls_privkey_t key, const gchar *kid, const gchar *accept,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
CwAcmeResponse *cw_acme_client_post_finish (CwAcmeClient *self, GAsyncResult *result, GError **error);

/* A plain GET (renewalInfo). */
void          cw_acme_client_get_async (CwAcmeClient *self, const gchar *url, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
CwAcmeResponse *cw_acme_client_get_finish (CwAcmeClient *self, GAsyncResult *result, GError **error);

/* Every request to the CA (orders, accounts, ARI, the directory, nonces)
 * takes a token of a bucket that holds @burst and gains @rate a second;
 * without one it waits its turn. @rate 0: no limit (the default). */
void          cw_acme_client_set_budget (CwAcmeClient *self, gdouble rate, guint burst);
/* The most an agent's bucket holds, under Let's Encrypt's burst of 125. */
#define CW_ACME_MAX_BURST 100

/* Requests sent so far (for politeness checks and benchmarks). */
guint         cw_acme_client_get_request_count (CwAcmeClient *self);

/* The body as a string (a PEM chain). */
gchar *cw_acme_response_text (CwAcmeResponse *response);

/* Loads @client's directory, then continues with @next (@task passed on),
 * or returns the failure on @task (and drops the reference). */
void cw_acme_client_load_then (CwAcmeClient *client, GTask *task, void (*next) (GTask *task));

G_END_DECLS
