/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-acme-manager.h"
#include "cw-deliverer.h"
#include "cw-scep-manager.h"
#include "cw-object-manager.h"
#include "cw-store.h"

G_BEGIN_DECLS

#define CW_TYPE_CERTIFICATE_TREE (cw_certificate_tree_get_type ())
G_DECLARE_FINAL_TYPE (CwCertificateTree, cw_certificate_tree, CW, CERTIFICATE_TREE, GObject)

/**
 * CwCertificateTree:
 *
 * Every certificate of the store as an object under
 * /org/certward/Certward1/certificate/, served by one D-Bus subtree
 * registration instead of a skeleton per certificate: properties are read
 * from the model when asked, so 10,000 certificates cost no memory on the
 * D-Bus side. It keeps a 64-bit hash of each property as last announced,
 * so PropertiesChanged names exactly the properties that changed, and it
 * announces certificates added and removed through @objects.
 */
CwCertificateTree *cw_certificate_tree_new (GDBusConnection *connection, CwStore *store, CwAcmeManager *acme,
                                            CwDeliverer *deliverer, CwObjectManager *objects,
                                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Renew of SCEP certificates goes to @scep. */
void               cw_certificate_tree_set_scep (CwCertificateTree *self, CwScepManager *scep);

G_END_DECLS
