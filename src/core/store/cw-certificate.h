/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "cw-acme-spec.h"
#include "cw-delivery.h"
#include "cw-scep-spec.h"
#include "cw-issuer.h"
#include "cw-renewal.h"
#include "cw-x509.h"

G_BEGIN_DECLS

typedef enum {
  CW_CERT_STATE_VALID,
  CW_CERT_STATE_EXPIRING,
  CW_CERT_STATE_EXPIRED,
  CW_CERT_STATE_PENDING,
  CW_CERT_STATE_RENEWING,
  CW_CERT_STATE_FAILED,
} CwCertState;

const gchar *cw_cert_state_to_string (CwCertState state);

/* Whether the agent is working on obtaining a certificate (ACME). */
typedef enum {
  CW_ACTIVITY_IDLE,
  CW_ACTIVITY_WORKING,   /* an order runs: State "pending" or "renewing" */
  CW_ACTIVITY_FAILED,    /* the last attempt failed: State "failed" */
} CwActivity;

/* What happened to a certificate; the `event` of CertificateChanged. */
typedef enum {
  CW_EVENT_ADDED,
  CW_EVENT_REPLACED,
  CW_EVENT_RENEWED,
  CW_EVENT_REMOVED,
  CW_EVENT_EXPIRING,
  CW_EVENT_EXPIRED,
  CW_EVENT_FAILED,
} CwEvent;

const gchar *cw_event_to_string (CwEvent event);

/* The files of a revision, as published in the *Path properties. */
typedef enum {
  CW_CERT_FILE_CERT,
  CW_CERT_FILE_CHAIN,
  CW_CERT_FILE_FULLCHAIN,
  CW_CERT_FILE_KEY,
} CwCertFile;

const gchar *cw_cert_file_name (CwCertFile file);

/* Roles a certificate can serve in; anything else is refused. */
gboolean cw_roles_validate (const gchar * const *roles, GError **error);
/* Names and tenants: 1–255 bytes of UTF-8 without control characters or
 * '/'. The errors say which of the two was wrong. */
gboolean cw_text_validate (const gchar *text, GError **error);
gboolean cw_name_validate (const gchar *name, GError **error);
gboolean cw_tenant_validate (const gchar *tenant, GError **error);

#define CW_TYPE_CERTIFICATE (cw_certificate_get_type ())
G_DECLARE_FINAL_TYPE (CwCertificate, cw_certificate, CW, CERTIFICATE, GObject)

/**
 * CwCertificate:
 *
 * One certificate kept by the store: its settings and what the current
 * revision on disk holds. Read-only to everyone but the store, which
 * changes it only after the files are in place and then emits ::changed.
 */

const gchar          *cw_certificate_get_id (CwCertificate *self);
const gchar          *cw_certificate_get_name (CwCertificate *self);
/* The certificate's directory below the state directory. */
const gchar          *cw_certificate_get_dir (CwCertificate *self);
/* STATE/certificates/<id>/current/<file> */
gchar                *cw_certificate_get_path (CwCertificate *self, CwCertFile file);
const gchar * const  *cw_certificate_get_roles (CwCertificate *self);
gboolean              cw_certificate_has_role (CwCertificate *self, const gchar *role);
const gchar          *cw_certificate_get_tenant (CwCertificate *self);
const gchar          *cw_certificate_get_source (CwCertificate *self);
guint                 cw_certificate_get_revision (CwCertificate *self);
/* NULL while no certificate is installed (pending). */
const CwCertInfo     *cw_certificate_get_info (CwCertificate *self);
gboolean              cw_certificate_get_key_matches (CwCertificate *self);
const gchar * const  *cw_certificate_get_warnings (CwCertificate *self);
/* What State publishes: the validity, unless work on the certificate is
 * in progress ("pending", "renewing") or failed ("failed"); "expired" wins
 * over "failed". */
CwCertState           cw_certificate_get_state (CwCertificate *self);
/* From the clock alone: valid, expiring, expired, or pending (none yet). */
CwCertState           cw_certificate_get_validity (CwCertificate *self);
CwActivity            cw_certificate_get_activity (CwCertificate *self);
const gchar          *cw_certificate_get_last_error (CwCertificate *self);
/* The fingerprint of the revision before the current one, or NULL. */
const gchar          *cw_certificate_get_previous_fingerprint (CwCertificate *self);
/* TRUE while an operation (import, install, removal) runs on it. */
gboolean              cw_certificate_is_busy (CwCertificate *self);
/* How a locally made certificate was specified (for Renew), or NULL. */
const CwIssueSpec    *cw_certificate_get_spec (CwCertificate *self);
/* What the last reload actions did, one line each (never NULL). */
const gchar * const  *cw_certificate_get_last_actions (CwCertificate *self);
/* How it reaches the services: access group, targets, integrations,
 * reload commands, last actions (never NULL). */
const CwDelivery     *cw_certificate_get_delivery (CwCertificate *self);
/* Its renewal: options and the engine's memory (never NULL). */
const CwRenewal      *cw_certificate_get_renewal (CwCertificate *self);
/* TRUE when the agent renews it: ACME, or self-signed and local-CA with
 * AutoRenew. */
gboolean              cw_certificate_renews_itself (CwCertificate *self);
/* How an ACME certificate is obtained, or NULL for others. */
const CwAcmeSpec     *cw_certificate_get_acme (CwCertificate *self);
/* NULL unless the certificate comes from a SCEP CA; the SCEP manager
 * updates its last and next poll in place. */
CwScepSpec           *cw_certificate_get_scep (CwCertificate *self);
/* The PEM of a request waiting for an outside CA's answer, or NULL. */
const gchar          *cw_certificate_get_request (CwCertificate *self);
/* The last expiry state announced: CW_CERT_STATE_VALID (nothing),
 * CW_CERT_STATE_EXPIRING or CW_CERT_STATE_EXPIRED. */
CwCertState           cw_certificate_get_announced (CwCertificate *self);
/* Whether a third of the lifetime (half, under 10 days) remains. */
gboolean              cw_certificate_is_due (CwCertificate *self, gint64 now);

G_END_DECLS
