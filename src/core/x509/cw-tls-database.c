/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GTlsDatabase the agent's HTTPS trusts: the system roots and [acme] ca-file. */
#include "config.h"

#include "cw-tls-database.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

#define MAX_CHAIN 10

struct _CwTlsDatabase {
  GTlsDatabase parent_instance;
  CwRoots     *roots;
};

G_DEFINE_FINAL_TYPE (CwTlsDatabase, cw_tls_database, G_TYPE_TLS_DATABASE)

static GTlsCertificateFlags
flags_from_status (unsigned status)
{
  GTlsCertificateFlags flags = 0;

  if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
    flags |= G_TLS_CERTIFICATE_UNKNOWN_CA;
  if (status & GNUTLS_CERT_NOT_ACTIVATED)
    flags |= G_TLS_CERTIFICATE_NOT_ACTIVATED;
  if (status & GNUTLS_CERT_EXPIRED)
    flags |= G_TLS_CERTIFICATE_EXPIRED;
  if (status & GNUTLS_CERT_REVOKED)
    flags |= G_TLS_CERTIFICATE_REVOKED;
  if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
    flags |= G_TLS_CERTIFICATE_INSECURE;
  if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
    flags |= G_TLS_CERTIFICATE_BAD_IDENTITY;
  if (status != 0 && flags == 0)
    flags = G_TLS_CERTIFICATE_GENERIC_ERROR;
  return flags;
}

/* The name the peer must have: a host name, or an IP address in binary. */
static gboolean
identity_of (GSocketConnectable *identity, gchar **hostname, GInetAddress **address)
{
  const gchar *host = NULL;

  if (G_IS_NETWORK_ADDRESS (identity))
    host = g_network_address_get_hostname (G_NETWORK_ADDRESS (identity));
  else if (G_IS_NETWORK_SERVICE (identity))
    host = g_network_service_get_domain (G_NETWORK_SERVICE (identity));
  else if (G_IS_INET_SOCKET_ADDRESS (identity))
    *address = g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (identity)));
  if (host != NULL) {
    *address = g_inet_address_new_from_string (host);
    if (*address == NULL)
      *hostname = g_strdup (host);
  }
  return *hostname != NULL || *address != NULL;
}

static GTlsCertificateFlags
verify_chain (GTlsDatabase *database, GTlsCertificate *chain, const gchar *purpose, GSocketConnectable *identity,
              GTlsInteraction *interaction, GTlsDatabaseVerifyFlags verify_flags, GCancellable *cancellable,
              GError **error)
{
  CwTlsDatabase *self = CW_TLS_DATABASE (database);
  gnutls_x509_crt_t crts[MAX_CHAIN];
  g_autofree gchar *hostname = NULL;
  g_autoptr(GInetAddress) address = NULL;
  gnutls_x509_trust_list_t list = NULL;
  gnutls_typed_vdata_st data[2];
  guint n = 0, n_data = 0;
  unsigned status = 0;
  GTlsCertificateFlags flags = G_TLS_CERTIFICATE_GENERIC_ERROR;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return G_TLS_CERTIFICATE_GENERIC_ERROR;
  for (GTlsCertificate *c = chain; c != NULL && n < MAX_CHAIN; c = g_tls_certificate_get_issuer (c)) {
    g_autoptr(GByteArray) der = NULL;
    gnutls_datum_t datum;

    g_object_get (c, "certificate", &der, NULL);
    if (der == NULL)
      goto out;
    datum.data = der->data;
    datum.size = der->len;
    gnutls_x509_crt_init (&crts[n]);
    if (gnutls_x509_crt_import (crts[n], &datum, GNUTLS_X509_FMT_DER) < 0) {
      gnutls_x509_crt_deinit (crts[n]);
      goto out;
    }
    n++;
  }
  if (n == 0)
    goto out;

  /* only the anchors this chain could end in are parsed */
  gnutls_x509_trust_list_init (&list, 0);
  for (guint i = 0; i < n; i++)
    cw_roots_add_issuers_to (self->roots, crts[i], list);

  if (g_strcmp0 (purpose, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER) == 0) {
    data[n_data].type = GNUTLS_DT_KEY_PURPOSE_OID;
    data[n_data].data = (guint8 *) GNUTLS_KP_TLS_WWW_SERVER;
    data[n_data].size = 0;
    n_data++;
  } else if (g_strcmp0 (purpose, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT) == 0) {
    data[n_data].type = GNUTLS_DT_KEY_PURPOSE_OID;
    data[n_data].data = (guint8 *) GNUTLS_KP_TLS_WWW_CLIENT;
    data[n_data].size = 0;
    n_data++;
  }
  if (identity != NULL && identity_of (identity, &hostname, &address)) {
    if (hostname != NULL) {
      data[n_data].type = GNUTLS_DT_DNS_HOSTNAME;
      data[n_data].data = (guint8 *) hostname;
      data[n_data].size = 0;
    } else {
      data[n_data].type = GNUTLS_DT_IP_ADDRESS;
      data[n_data].data = (guint8 *) g_inet_address_to_bytes (address);
      data[n_data].size = g_inet_address_get_native_size (address);
    }
    n_data++;
  }
  if (gnutls_x509_trust_list_verify_crt2 (list, crts, n, data, n_data, 0, &status, NULL) < 0)
    status = GNUTLS_CERT_INVALID;
  flags = flags_from_status (status);

out:
  if (list != NULL)
    gnutls_x509_trust_list_deinit (list, 1);
  for (guint i = 0; i < n; i++)
    gnutls_x509_crt_deinit (crts[i]);
  return flags;
}

/* The peer sends its chain; nothing is looked up here. */
static GTlsCertificate *
lookup_certificate_issuer (GTlsDatabase *database, GTlsCertificate *certificate, GTlsInteraction *interaction,
                           GTlsDatabaseLookupFlags flags, GCancellable *cancellable, GError **error)
{
  return NULL;
}

static GList *
lookup_certificates_issued_by (GTlsDatabase *database, GByteArray *issuer_raw_dn, GTlsInteraction *interaction,
                               GTlsDatabaseLookupFlags flags, GCancellable *cancellable, GError **error)
{
  return NULL;
}

static gchar *
create_certificate_handle (GTlsDatabase *database, GTlsCertificate *certificate)
{
  return NULL;
}

static GTlsCertificate *
lookup_certificate_for_handle (GTlsDatabase *database, const gchar *handle, GTlsInteraction *interaction,
                               GTlsDatabaseLookupFlags flags, GCancellable *cancellable, GError **error)
{
  return NULL;
}

static void
cw_tls_database_finalize (GObject *object)
{
  CwTlsDatabase *self = CW_TLS_DATABASE (object);

  g_clear_pointer (&self->roots, cw_roots_unref);
  G_OBJECT_CLASS (cw_tls_database_parent_class)->finalize (object);
}

static void
cw_tls_database_class_init (CwTlsDatabaseClass *klass)
{
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = cw_tls_database_finalize;
  database_class->verify_chain = verify_chain;
  database_class->lookup_certificate_issuer = lookup_certificate_issuer;
  database_class->lookup_certificates_issued_by = lookup_certificates_issued_by;
  database_class->create_certificate_handle = create_certificate_handle;
  database_class->lookup_certificate_for_handle = lookup_certificate_for_handle;
}

static void
cw_tls_database_init (CwTlsDatabase *self)
{
}

CwTlsDatabase *
cw_tls_database_new (CwRoots *roots)
{
  CwTlsDatabase *self;

  g_return_val_if_fail (roots != NULL, NULL);

  self = g_object_new (CW_TYPE_TLS_DATABASE, NULL);

  self->roots = cw_roots_ref (roots);
  return self;
}

gboolean
cw_tls_database_install (const gchar *system_bundle, const gchar *extra_file, GError **error)
{
  g_autoptr(CwRoots) roots = cw_roots_new ();
  g_autoptr(CwTlsDatabase) database = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (system_bundle != NULL && *system_bundle != '\0' && !cw_roots_add_file (roots, system_bundle, &local))
    g_warning ("HTTPS: cannot read the system CA bundle %s: %s", system_bundle, local->message);
  if (extra_file != NULL && *extra_file != '\0' && !cw_roots_add_file (roots, extra_file, error))
    return FALSE;
  g_info ("HTTPS: %u trust anchors", cw_roots_get_count (roots));
  database = cw_tls_database_new (roots);
  g_tls_backend_set_default_database (g_tls_backend_get_default (), G_TLS_DATABASE (database));
  return TRUE;
}
