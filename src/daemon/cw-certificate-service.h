/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-manager.h"
#include "cw-dbus-generated.h"
#include "cw-store.h"

G_BEGIN_DECLS

#define CW_TYPE_CERTIFICATE_SERVICE (cw_certificate_service_get_type ())
G_DECLARE_FINAL_TYPE (CwCertificateService, cw_certificate_service, CW, CERTIFICATE_SERVICE,
                      CwDBusCertificate1Skeleton)

/**
 * CwCertificateService:
 *
 * org.certward.Certificate1 for one CwCertificate: mirrors the model into
 * properties whenever it changes and turns method calls into store
 * operations.
 */
CwCertificateService *cw_certificate_service_new (CwStore *store, CwAcmeManager *acme, CwCertificate *cert);
CwCertificate        *cw_certificate_service_get_certificate (CwCertificateService *self);

/* D-Bus object path for a certificate id, and back (NULL when @path is not
 * a certificate's). */
gchar         *cw_certificate_object_path (const gchar *id);
CwCertificate *cw_certificate_from_path (CwStore *store, const gchar *path);
/* The a{sv} details of CertificateChanged for @cert and @event. */
GVariant *cw_certificate_event_details (CwCertificate *cert, CwEvent event);

G_END_DECLS
