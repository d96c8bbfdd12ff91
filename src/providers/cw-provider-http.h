/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cw-provider-http.h: what the HTTP DNS providers share. The instance of
 * such a provider is a CwHttp (its own state, if any, in http->data). A
 * present or cleanup is a CwHttpOp: a chain of requests driven by one step
 * function, called with each response in turn until it sends no more. A
 * provider's file ends with CW_HTTP_PROVIDER_DEFINE (…).
 */
#pragma once

#include "certward-provider.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  guint     status;
  GBytes   *body;
  JsonNode *json;   /* NULL when the body is empty or not JSON */
} CwHttpResponse;

/* The service's own words from an error body, or NULL. */
typedef gchar *(*CwHttpErrorText) (const CwHttpResponse *response);
/* Adds the headers that depend on the whole request (AWS signatures);
 * @data is the CwHttp's. */
typedef void   (*CwHttpSign)      (gpointer data, SoupMessage *msg, GBytes *body);

typedef struct {
  SoupSession    *session;
  gchar          *base;         /* API base URL, no trailing slash */
  gchar          *auth_header;  /* "Authorization", or NULL */
  gchar          *auth_value;   /* secret */
  GPtrArray      *secrets;      /* never shown in a message */
  const gchar    *auth_hint;    /* "check api-token", said after 401/403 */
  CwHttpErrorText error_text;
  CwHttpSign      sign;
  gpointer        data;         /* the provider's own state, or NULL */
  GDestroyNotify  data_free;
} CwHttp;

typedef struct _CwHttpOp CwHttpOp;
/* @response is NULL on the first call. Returns FALSE with @error to fail;
 * TRUE after cw_http_op_send() to go on, TRUE without it to succeed. */
typedef gboolean (*CwHttpStep) (CwHttpOp *op, const CwHttpResponse *response, GError **error);

struct _CwHttpOp {
  CwHttp      *http;       /* the provider's instance */
  gboolean     cleanup;
  gchar       *fqdn;
  gchar       *value;
  gchar       *zone;
  guint        ttl;
  guint        step;       /* the provider's state, 0 at first */
  gchar       *zone_id;
  guint        old_ttl;
  GPtrArray   *values;     /* strings the provider collects (values, record ids) */
  /* private */
  CwHttpStep   func;
  GTask       *task;
  SoupMessage *msg;
  gboolean     sent;
};

/* @base: the API URL, checked to be http(s); @auth_value is a secret. */
CwHttp     *cw_http_new          (const gchar *base, const gchar *auth_header, const gchar *auth_value,
                                  GError **error);
void        cw_http_free         (CwHttp *http);
void        cw_http_add_secret   (CwHttp *http, const gchar *secret);
/* The usual instance of a provider with an API token: the setting
 * "api-token" (required, a secret) sent in the header @auth_header as
 * @scheme followed by the token ("" for the token alone), to the setting
 * "endpoint" or else @endpoint; @auth_hint and @error_text as in CwHttp.
 * Errors name the field. */
CwHttp     *cw_http_new_token    (GHashTable *settings, const gchar *endpoint, const gchar *auth_header,
                                  const gchar *scheme, const gchar *auth_hint, CwHttpErrorText error_text,
                                  GError **error);
/* The same with "Authorization: Bearer <api-token>" (RFC 6750). */
CwHttp     *cw_http_new_bearer   (GHashTable *settings, const gchar *endpoint, const gchar *auth_hint,
                                  CwHttpErrorText error_text, GError **error);

/* The value of @key, or an error naming the missing field. */
const gchar *cw_http_required    (GHashTable *settings, const gchar *key, GError **error);
const gchar *cw_http_optional    (GHashTable *settings, const gchar *key, const gchar *fallback);

void        cw_http_op_run       (CwHttp *http, const CwProviderRecord *record, gboolean cleanup, CwHttpStep func,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* @path is appended to the base URL; segments and query values already escaped. */
void        cw_http_op_send      (CwHttpOp *op, const gchar *method, const gchar *path, const gchar *content_type,
                                  GBytes *body);
void        cw_http_op_send_json (CwHttpOp *op, const gchar *method, const gchar *path, JsonNode *body);

/* The JSON in a service's answer, or NULL when it is not JSON or nests
 * deeper than CW_HTTP_MAX_JSON_DEPTH levels. */
#define CW_HTTP_MAX_JSON_DEPTH 64
JsonNode   *cw_http_parse_json   (const gchar *data, gsize len);

gboolean    cw_http_is_success   (const CwHttpResponse *response);
/* FALSE with a GError for a non-2xx answer: the service's words, the zone. */
gboolean    cw_http_check        (CwHttpOp *op, const CwHttpResponse *response, GError **error);
/* The object a 2xx answer holds, or FALSE with an error. */
JsonObject *cw_http_object       (CwHttpOp *op, const CwHttpResponse *response, GError **error);
void        cw_http_zone_not_found (CwHttpOp *op, const gchar *where, GError **error);

/* "_acme-challenge.www" for fqdn in zone; @apex when they are equal. */
gchar      *cw_http_relative     (const gchar *fqdn, const gchar *zone, const gchar *apex);
gchar      *cw_http_escape       (const gchar *text);
/* The text of a TXT value without its DNS quotes, and with them. */
gchar      *cw_http_unquote      (const gchar *text);
gchar      *cw_http_quote        (const gchar *text);
/* Index of @value in op->values, comparing unquoted; -1 when absent. */
gint        cw_http_find_value   (CwHttpOp *op, const gchar *value);
/* Adds op->value, quoted, to op->values (present) or removes it (cleanup);
 * FALSE when they already are as wanted. */
gboolean    cw_http_update_values (CwHttpOp *op);

/* JSON from a server may be anything: these return NULL for a wrong type
 * where json-glib's getters would be critical. (Named apart from the
 * agent's cw_json_*, which mean other things: a plugin is built alone.) */
JsonObject  *cw_http_json_object  (JsonNode *node);
JsonObject  *cw_http_json_element (JsonArray *array, guint index);
JsonObject  *cw_http_json_member  (JsonObject *object, const gchar *member);
JsonArray   *cw_http_json_array   (JsonObject *object, const gchar *member);
const gchar *cw_http_json_string  (JsonObject *object, const gchar *member);
/* A string or integer member as text ("id": 123 or "id": "abc"). */
gchar       *cw_http_json_id      (JsonObject *object, const gchar *member);

/* What CW_HTTP_PROVIDER_DEFINE plugs in: the instance is a CwHttp. */
void        cw_http_provider_free   (gpointer instance);
gboolean    cw_http_provider_finish (gpointer instance, GAsyncResult *result, GError **error);

/* One of the two calls of an HTTP provider, @cleanup or not. */
#define CW_HTTP_PROVIDER_CALL_(func, cleanup, step)                                                           \
  static void                                                                                                 \
  func (gpointer instance, const CwProviderRecord *record, GCancellable *cancellable,                         \
        GAsyncReadyCallback callback, gpointer user_data)                                                     \
  {                                                                                                           \
    cw_http_op_run (instance, record, cleanup, step, cancellable, callback, user_data);                       \
  }

/* Ends an HTTP provider's source file, as CW_PROVIDER_DEFINE ends any
 * plugin's: @create returns a CwHttp, present and cleanup run @step on it.
 *   CW_HTTP_PROVIDER_DEFINE ("hetzner", "Hetzner DNS", fields, create, step); */
#define CW_HTTP_PROVIDER_DEFINE(type, display_name, fields, create, step)                                      \
  CW_HTTP_PROVIDER_CALL_ (cw_http_provider_present_async, FALSE, step)                                        \
  CW_HTTP_PROVIDER_CALL_ (cw_http_provider_cleanup_async, TRUE, step)                                         \
  CW_PROVIDER_DEFINE (type, display_name, fields, create, cw_http_provider_free, cw_http_provider_present_async, \
                      cw_http_provider_finish, cw_http_provider_cleanup_async, cw_http_provider_finish)

G_END_DECLS
