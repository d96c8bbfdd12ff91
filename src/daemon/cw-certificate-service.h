/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-manager.h"
#include "cw-scep-manager.h"
#include "cw-dbus-generated.h"
#include "cw-deliverer.h"
#include "cw-store.h"

G_BEGIN_DECLS

/*
 * org.certward.Certificate1, computed from the model: property values are
 * read from the CwCertificate when asked, and method calls become store or
 * ACME operations. There is no object per certificate; CwCertificateTree
 * routes calls for every certificate path here.
 */

/* What a call is about; borrowed for the duration of the call. */
typedef struct {
  CwStore       *store;
  CwAcmeManager *acme;
  CwDeliverer   *deliverer;
  CwScepManager *scep;   /* or NULL */
  CwCertificate *cert;
} CwCertificateTarget;

/* D-Bus object path for a certificate id, and back (NULL when @path is not
 * a certificate's). */
gchar         *cw_certificate_object_path (const gchar *id) G_GNUC_WARN_UNUSED_RESULT;
CwCertificate *cw_certificate_from_path (CwStore *store, const gchar *path);

/* The current value of property @name of org.certward.Certificate1 for
 * @cert (floating), or NULL when the interface has no such property. */
GVariant      *cw_certificate_property (CwCertificate *cert, const gchar *name);

/* Handles @method of org.certward.Certificate1 (parameters checked by
 * GDBus against the introspection data); replies to @invocation. */
void           cw_certificate_method_call (const CwCertificateTarget *target, const gchar *method,
                                           GVariant *parameters, GDBusMethodInvocation *invocation);

/* Properties.Set on a writable property: the store checks the value. */
gboolean       cw_certificate_set_property (const CwCertificateTarget *target, const gchar *property_name,
                                            GVariant *value, GError **error);

/* The a{sv} details of CertificateChanged for @cert and @event; with
 * @delivery, what was done for it (targets and reload actions). */
GVariant      *cw_certificate_event_details (CwCertificate *cert, CwEvent event, const gchar * const *delivery);

G_END_DECLS
