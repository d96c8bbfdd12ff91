/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cw-sigv4.h: AWS Signature Version 4 as a pure function of the request, so
 * it can be checked against AWS's published test suite.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const gchar        *method;             /* "GET" */
  const gchar        *host;               /* "route53.amazonaws.com" (with :port if not default) */
  const gchar        *path;               /* "/2013-04-01/hostedzone/Z1/rrset", not yet URI-encoded */
  const gchar        *query;              /* "a=b&c=d" as sent (percent-encoded), or NULL */
  const gchar *const *headers;            /* more headers to sign: name, value, …, NULL */
  const guint8       *payload;
  gsize               payload_len;
  const gchar        *amz_date;           /* "20150830T123600Z" (UTC) */
  const gchar        *region;             /* "us-east-1" */
  const gchar        *service;            /* "route53" */
  const gchar        *access_key_id;
  const gchar        *secret_access_key;
  const gchar        *session_token;      /* NULL, or signed as x-amz-security-token */
  gboolean            sign_content_sha256; /* also sign x-amz-content-sha256 */
} CwSigV4Request;

/* The header values to send with the request. */
typedef struct {
  gchar *authorization;      /* "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…" */
  gchar *content_sha256;     /* hex SHA-256 of the payload */
  gchar *canonical_request;  /* for tests and debugging */
  gchar *string_to_sign;
} CwSigV4;

CwSigV4 *cw_sigv4_sign (const CwSigV4Request *request);
void     cw_sigv4_free (CwSigV4 *sig);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwSigV4, cw_sigv4_free)

/* "20150830T123600Z" for @time (UTC). */
gchar   *cw_sigv4_format_date (GDateTime *time);

G_END_DECLS
