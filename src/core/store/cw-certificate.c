/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One certificate of the store: its settings and what its current revision holds. */
#include "config.h"

#include "cw-certificate-private.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

struct _CwCertificate {
  GObject      parent_instance;

  gchar       *id;
  gchar       *name;
  gchar       *dir;
  gchar      **roles;
  gchar       *tenant;

  guint        revision;
  gchar       *source;
  CwCertInfo  *info;
  gboolean     key_matches;
  gchar      **revision_warnings;  /* what the revision's checks found */
  gchar      **warnings;           /* those and what follows from the roles */
  gchar       *previous_fingerprint;

  CwCertState  validity;
  CwCertState  state;
  CwActivity   activity;
  gchar       *last_error;
  gboolean     busy;

  CwIssueSpec *spec;
  CwAcmeSpec  *acme;
  CwScepSpec  *scep;
  CwRenewal   *renewal;
  CwDelivery  *delivery;
  gchar       *request;
  CwCertState  announced;
};

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwCertificate, cw_certificate, G_TYPE_OBJECT)

static const gchar *const known_roles[] = { "server", "sip-tls", "stir-shaken", "client", "ca", NULL };

const gchar *
cw_cert_state_to_string (CwCertState state)
{
  static const gchar *const names[] = { "valid", "expiring", "expired", "pending", "renewing", "failed" };

  g_return_val_if_fail (state < G_N_ELEMENTS (names), "failed");
  return names[state];
}

const gchar *
cw_event_to_string (CwEvent event)
{
  static const gchar *const names[] = { "added", "replaced", "renewed", "removed", "expiring", "expired", "failed" };

  g_return_val_if_fail (event < G_N_ELEMENTS (names), "failed");
  return names[event];
}

const gchar *
cw_cert_file_name (CwCertFile file)
{
  static const gchar *const names[] = { "cert.pem", "chain.pem", "fullchain.pem", "key.pem" };

  g_return_val_if_fail (file < G_N_ELEMENTS (names), NULL);
  return names[file];
}

gboolean
cw_roles_validate (const gchar * const *roles, GError **error)
{
  for (guint i = 0; roles != NULL && roles[i] != NULL; i++) {
    for (guint j = 0; j < i; j++)
      if (g_str_equal (roles[i], roles[j])) {
        g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("the role “%s” is given twice"), roles[i]);
        return FALSE;
      }
    if (!g_strv_contains (known_roles, roles[i])) {
      g_autofree gchar *list = g_strjoinv (", ", (gchar **) known_roles);

      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("unknown role “%s”; roles are %s"),
                   roles[i], list);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
cw_text_validate (const gchar *text, GError **error)
{
  gsize len = text != NULL ? strlen (text) : 0;

  if (len == 0 || len > 255 || !g_utf8_validate (text, len, NULL)) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                         _("it must be 1 to 255 bytes of UTF-8 text"));
    return FALSE;
  }
  for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_iscntrl (c) || c == '/') {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("“%s” contains a control character or a slash"), text);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
cw_name_validate (const gchar *name, GError **error)
{
  if (cw_text_validate (name, error))
    return TRUE;
  g_prefix_error (error, _("invalid name: "));
  return FALSE;
}

gboolean
cw_tenant_validate (const gchar *tenant, GError **error)
{
  if (cw_text_validate (tenant, error))
    return TRUE;
  g_prefix_error (error, _("invalid tenant: "));
  return FALSE;
}

static void
cw_certificate_finalize (GObject *object)
{
  CwCertificate *self = CW_CERTIFICATE (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->dir);
  g_strfreev (self->roles);
  g_free (self->tenant);
  g_free (self->source);
  cw_cert_info_free (self->info);
  g_strfreev (self->revision_warnings);
  g_strfreev (self->warnings);
  g_free (self->previous_fingerprint);
  g_free (self->last_error);
  cw_issue_spec_free (self->spec);
  cw_acme_spec_free (self->acme);
  cw_scep_spec_free (self->scep);
  cw_renewal_free (self->renewal);
  cw_delivery_free (self->delivery);
  g_free (self->request);
  G_OBJECT_CLASS (cw_certificate_parent_class)->finalize (object);
}

static void
cw_certificate_class_init (CwCertificateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_certificate_finalize;

  /**
   * CwCertificate::changed:
   *
   * Something about the certificate changed; read it again.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cw_certificate_init (CwCertificate *self)
{
  static const gchar *const no_strings[] = { NULL };

  self->roles = g_strdupv ((gchar **) no_strings);
  self->revision_warnings = g_strdupv ((gchar **) no_strings);
  self->warnings = g_strdupv ((gchar **) no_strings);
  self->tenant = g_strdup ("");
  self->source = g_strdup ("imported");
  self->last_error = g_strdup ("");
  self->state = self->validity = CW_CERT_STATE_PENDING;
  self->announced = CW_CERT_STATE_VALID;
  self->renewal = cw_renewal_new ();
  self->delivery = cw_delivery_new ();
}

CwCertificate *
cw_certificate_new (const gchar *id, const gchar *name, const gchar *dir)
{
  CwCertificate *self = g_object_new (CW_TYPE_CERTIFICATE, NULL);

  self->id = g_strdup (id);
  self->name = g_strdup (name);
  self->dir = g_strdup (dir);
  return self;
}

const gchar *
cw_certificate_get_id (CwCertificate *self)
{
  return self->id;
}

const gchar *
cw_certificate_get_name (CwCertificate *self)
{
  return self->name;
}

const gchar *
cw_certificate_get_dir (CwCertificate *self)
{
  return self->dir;
}

gchar *
cw_certificate_get_path (CwCertificate *self, CwCertFile file)
{
  return g_build_filename (self->dir, "current", cw_cert_file_name (file), NULL);
}

const gchar * const *
cw_certificate_get_roles (CwCertificate *self)
{
  return (const gchar * const *) self->roles;
}

gboolean
cw_certificate_has_role (CwCertificate *self, const gchar *role)
{
  return g_strv_contains ((const gchar * const *) self->roles, role);
}

const gchar *
cw_certificate_get_tenant (CwCertificate *self)
{
  return self->tenant;
}

const gchar *
cw_certificate_get_source (CwCertificate *self)
{
  return self->source;
}

guint
cw_certificate_get_revision (CwCertificate *self)
{
  return self->revision;
}

const CwCertInfo *
cw_certificate_get_info (CwCertificate *self)
{
  return self->info;
}

gboolean
cw_certificate_get_key_matches (CwCertificate *self)
{
  return self->key_matches;
}

const gchar * const *
cw_certificate_get_warnings (CwCertificate *self)
{
  return (const gchar * const *) self->warnings;
}

CwCertState
cw_certificate_get_state (CwCertificate *self)
{
  return self->state;
}

const gchar *
cw_certificate_get_last_error (CwCertificate *self)
{
  return self->last_error;
}

const gchar *
cw_certificate_get_previous_fingerprint (CwCertificate *self)
{
  return self->previous_fingerprint;
}

gboolean
cw_certificate_is_busy (CwCertificate *self)
{
  return self->busy;
}

/* The revision's warnings, and what its roles make of it: a certificate
 * for the "client" role whose extended key usage leaves out clientAuth is
 * refused by peers that check (Let's Encrypt dropped clientAuth in 2026). */
static void
compose_warnings (CwCertificate *self)
{
  GStrvBuilder *b = g_strv_builder_new ();

  g_strv_builder_addv (b, (const gchar **) self->revision_warnings);
  if (self->info != NULL && !self->info->client_auth && self->roles != NULL &&
      g_strv_contains ((const gchar * const *) self->roles, "client"))
    g_strv_builder_add (b, _("the certificate has the role client but no TLS Client Authentication (clientAuth) "
                             "in its extended key usage: peers that check it refuse it when the PBX connects as a "
                             "TLS client (mutual TLS on SIP trunks: Kamailio and OpenSIPS client domains, Asterisk "
                             "outbound TLS). Let's Encrypt no longer issues clientAuth; for the client role use a "
                             "private CA (the local CA: certwardctl ca create; or SCEP) or a CA that still issues "
                             "clientAuth"));
  g_strfreev (self->warnings);
  self->warnings = g_strv_builder_end (b);
  g_strv_builder_unref (b);
}

void
cw_certificate_set_roles (CwCertificate *self, const gchar * const *roles)
{
  g_strfreev (self->roles);
  self->roles = g_strdupv ((gchar **) roles);
  compose_warnings (self);
}

void
cw_certificate_set_tenant (CwCertificate *self, const gchar *tenant)
{
  g_free (self->tenant);
  self->tenant = g_strdup (tenant != NULL ? tenant : "");
}

void
cw_certificate_set_revision (CwCertificate *self, guint revision, const gchar *source,
                             CwCertInfo *info, gboolean key_matches, const gchar * const *warnings)
{
  static const gchar *const none[] = { NULL };

  g_free (self->previous_fingerprint);
  self->previous_fingerprint = self->info != NULL ? g_strdup (self->info->fingerprint) : NULL;
  cw_cert_info_free (self->info);
  self->info = info;
  self->revision = revision;
  g_free (self->source);
  self->source = g_strdup (source);
  self->key_matches = key_matches;
  g_strfreev (self->revision_warnings);
  self->revision_warnings = g_strdupv ((gchar **) (warnings != NULL ? warnings : none));
  compose_warnings (self);
}

void
cw_certificate_set_last_error (CwCertificate *self, const gchar *message)
{
  g_free (self->last_error);
  self->last_error = g_strdup (message != NULL ? message : "");
}

void
cw_certificate_set_busy (CwCertificate *self, gboolean busy)
{
  self->busy = busy;
}

gboolean
cw_certificate_update_state (CwCertificate *self, gint64 now, gint64 window)
{
  CwCertState validity, state;

  if (self->info == NULL)
    validity = CW_CERT_STATE_PENDING;
  else if (self->info->not_after < now)
    validity = CW_CERT_STATE_EXPIRED;
  else if (self->info->not_after - now < window)
    validity = CW_CERT_STATE_EXPIRING;
  else
    validity = CW_CERT_STATE_VALID;

  state = validity;
  if (self->activity == CW_ACTIVITY_FAILED && validity != CW_CERT_STATE_EXPIRED)
    state = CW_CERT_STATE_FAILED;
  else if (self->activity == CW_ACTIVITY_WORKING && validity != CW_CERT_STATE_PENDING)
    state = CW_CERT_STATE_RENEWING;

  if (state == self->state && validity == self->validity)
    return FALSE;
  self->state = state;
  self->validity = validity;
  return TRUE;
}

CwCertState
cw_certificate_get_validity (CwCertificate *self)
{
  return self->validity;
}

CwActivity
cw_certificate_get_activity (CwCertificate *self)
{
  return self->activity;
}

void
cw_certificate_set_activity (CwCertificate *self, CwActivity activity)
{
  self->activity = activity;
}

const gchar * const *
cw_certificate_get_last_actions (CwCertificate *self)
{
  return (const gchar * const *) self->delivery->last_actions;
}

void
cw_certificate_set_last_actions (CwCertificate *self, const gchar * const *lines)
{
  g_strfreev (self->delivery->last_actions);
  self->delivery->last_actions = lines != NULL ? g_strdupv ((gchar **) lines) : g_new0 (gchar *, 1);
}

const CwDelivery *
cw_certificate_get_delivery (CwCertificate *self)
{
  return self->delivery;
}

void
cw_certificate_set_delivery (CwCertificate *self, CwDelivery *delivery)
{
  /* what the last delivery did stays with the certificate */
  if (delivery != NULL && delivery != self->delivery && delivery->last_actions[0] == NULL) {
    g_strfreev (delivery->last_actions);
    delivery->last_actions = g_strdupv (self->delivery->last_actions);
  }
  cw_delivery_free (self->delivery);
  self->delivery = delivery != NULL ? delivery : cw_delivery_new ();
}

gboolean
cw_certificate_renews_itself (CwCertificate *self)
{
  if (self->acme != NULL)
    return TRUE;
  return self->renewal->auto_renew && (g_strcmp0 (self->source, "self-signed") == 0 ||
                                       g_strcmp0 (self->source, "local-ca") == 0);
}

const CwRenewal *
cw_certificate_get_renewal (CwCertificate *self)
{
  return self->renewal;
}

void
cw_certificate_set_renewal (CwCertificate *self, CwRenewal *renewal)
{
  cw_renewal_free (self->renewal);
  self->renewal = renewal != NULL ? renewal : cw_renewal_new ();
}

const CwAcmeSpec *
cw_certificate_get_acme (CwCertificate *self)
{
  return self->acme;
}

CwScepSpec *
cw_certificate_get_scep (CwCertificate *self)
{
  return self->scep;
}

void
cw_certificate_set_scep (CwCertificate *self, CwScepSpec *spec)
{
  cw_scep_spec_free (self->scep);
  self->scep = spec;
}

void
cw_certificate_set_acme (CwCertificate *self, CwAcmeSpec *spec)
{
  cw_acme_spec_free (self->acme);
  self->acme = spec;
}

void
cw_certificate_emit_changed (CwCertificate *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

const CwIssueSpec *
cw_certificate_get_spec (CwCertificate *self)
{
  return self->spec;
}

void
cw_certificate_set_spec (CwCertificate *self, CwIssueSpec *spec)
{
  cw_issue_spec_free (self->spec);
  self->spec = spec;
}

const gchar *
cw_certificate_get_request (CwCertificate *self)
{
  return self->request;
}

void
cw_certificate_set_request (CwCertificate *self, const gchar *pem)
{
  g_free (self->request);
  self->request = g_strdup (pem);
}

CwCertState
cw_certificate_get_announced (CwCertificate *self)
{
  return self->announced;
}

void
cw_certificate_set_announced (CwCertificate *self, CwCertState state)
{
  self->announced = state;
}

gboolean
cw_certificate_is_due (CwCertificate *self, gint64 now)
{
  gint64 lifetime, remaining;

  if (self->info == NULL)
    return FALSE;
  lifetime = self->info->not_after - self->info->not_before;
  remaining = self->info->not_after - now;
  /* short-lived certificates renew at half their life, others at a third */
  if (lifetime < 10 * 86400)
    return remaining <= lifetime / 2;
  return remaining <= lifetime / 3;
}
