/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The store's side of delivery: a certificate's delivery settings kept
 * with it, and its AccessGroup applied to the key files of its revisions.
 * Writing targets and running reload actions is the delivery layer's. */
#include "config.h"

#include "cw-store-private.h"
#include "cw-certificate-private.h"
#include "cw-error.h"
#include "cw-fs.h"
#include "cw-log.h"
#include "cw-revision.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <grp.h>
#include <unistd.h>

static gboolean
group_exists (const gchar *group, GError **error)
{
  struct group gr, *found = NULL;
  gchar buf[4096];

  if (*group == '\0')
    return TRUE;
  if (getgrnam_r (group, &gr, buf, sizeof buf, &found) == 0 && found != NULL)
    return TRUE;
  g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
               _("there is no group “%s” on this system (Debian's ssl-cert is the usual one; getent group lists them)"),
               group);
  return FALSE;
}

gboolean
cw_store_set_delivery (CwStore *self, CwCertificate *cert, CwDelivery *delivery, GError **error)
{
  g_autoptr(CwDelivery) owned = delivery;
  const CwDelivery *old = cw_certificate_get_delivery (cert);
  const gchar *name = cw_certificate_get_name (cert);

  if (delivery->targets->len > CW_MAX_TARGETS || delivery->commands->len > CW_MAX_COMMANDS) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("at most %d targets and %d reload commands"),
                 CW_MAX_TARGETS, CW_MAX_COMMANDS);
    return FALSE;
  }
  if (!group_exists (delivery->access_group, error))
    return FALSE;
  if (g_strcmp0 (old->access_group, delivery->access_group) != 0) {
    g_auto(CwFd) fd = cw_fs_open_dir (AT_FDCWD, cw_certificate_get_dir (cert), FALSE, error);

    if (fd < 0 || !cw_revision_set_key_group (fd, cw_delivery_access_gid (delivery->access_group), error))
      return FALSE;
    if (*delivery->access_group != '\0')
      cw_cert_message (name, "%s: its key can be read by the group %s", name, delivery->access_group);
    else
      cw_cert_message (name, "%s: its key is for root alone again", name);
  }
  cw_certificate_set_delivery (cert, g_steal_pointer (&owned));
  cw_store_save_settings (self, cert);
  cw_certificate_emit_changed (cert);
  cw_store_emit_delivery_changed (self, cert);
  return TRUE;
}
