/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The challenge password of a SCEP certificate: a file of its own in the
 * certificate's directory, mode 0600, never in settings.ini (0644). */
#define CW_SCEP_SECRET_FILE "scep-challenge"

#define CW_SCEP_POLL_MIN 5
#define CW_SCEP_POLL_MAX 3600
#define CW_SCEP_POLL_DEFAULT 120

/**
 * CwScepSpec:
 *
 * How a certificate is obtained from a SCEP CA (RFC 8894), beyond what its
 * CSR says (subject, identities and key type live in its CwIssueSpec).
 * Kept in the certificate's settings ([scep]) so that renewals ask the
 * same server; the last and next poll are the agent's memory only.
 */
typedef struct {
  gchar   *url;            /* the SCEP endpoint, http or https */
  gchar   *ca_identifier;  /* the GetCACert/GetCACaps message, or NULL */
  guint    poll_interval;  /* seconds between polls while PENDING */
  /* at run time only */
  gint64   last_poll;      /* Unix seconds of the last CertPoll, 0: none */
  gint64   next_poll;      /* while the CA says PENDING, else 0 */
} CwScepSpec;

CwScepSpec *cw_scep_spec_new (void);
CwScepSpec *cw_scep_spec_copy (const CwScepSpec *spec);
void        cw_scep_spec_free (CwScepSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwScepSpec, cw_scep_spec_free)

/* An http or https URL with a host, and a poll interval in range. */
gboolean    cw_scep_spec_validate (const CwScepSpec *spec, GError **error);

void        cw_scep_spec_save (const CwScepSpec *spec, GKeyFile *file, const gchar *group);
/* NULL when @group is absent. */
CwScepSpec *cw_scep_spec_load (GKeyFile *file, const gchar *group);

G_END_DECLS
