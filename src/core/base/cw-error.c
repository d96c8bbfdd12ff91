/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's error domain (CW_ERROR) and the org.certward.Error.* name of
 * each code. A unit of its own: certwardctl links it, and nothing else of
 * the core, to read the agent's errors. */
#include "cw-error.h"

#include <gio/gio.h>

/* One row per CwError code, in order. The names are API: append only. */
static const GDBusErrorEntry entries[] = {
  { CW_ERROR_FAILED, "org.certward.Error.Failed" },
  { CW_ERROR_INVALID_ARGUMENT, "org.certward.Error.InvalidArgument" },
  { CW_ERROR_INVALID_DATA, "org.certward.Error.InvalidData" },
  { CW_ERROR_NO_CERTIFICATE, "org.certward.Error.NoCertificate" },
  { CW_ERROR_NO_KEY, "org.certward.Error.NoKey" },
  { CW_ERROR_KEY_MISMATCH, "org.certward.Error.KeyMismatch" },
  { CW_ERROR_PASSWORD_REQUIRED, "org.certward.Error.PasswordRequired" },
  { CW_ERROR_WRONG_PASSWORD, "org.certward.Error.WrongPassword" },
  { CW_ERROR_WEAK_KEY, "org.certward.Error.WeakKey" },
  { CW_ERROR_WEAK_SIGNATURE, "org.certward.Error.WeakSignature" },
  { CW_ERROR_EXPIRED, "org.certward.Error.Expired" },
  { CW_ERROR_BAD_CHAIN, "org.certward.Error.BadChain" },
  { CW_ERROR_EXISTS, "org.certward.Error.Exists" },
  { CW_ERROR_NOT_FOUND, "org.certward.Error.NotFound" },
  { CW_ERROR_BUSY, "org.certward.Error.Busy" },
  { CW_ERROR_PERMISSION_DENIED, "org.certward.Error.PermissionDenied" },
  { CW_ERROR_IO, "org.certward.Error.Io" },
  { CW_ERROR_NOT_SUPPORTED, "org.certward.Error.NotSupported" },
  { CW_ERROR_IN_USE, "org.certward.Error.InUse" },
  { CW_ERROR_NOT_DUE, "org.certward.Error.NotDue" },
  { CW_ERROR_ACME, "org.certward.Error.Acme" },
  { CW_ERROR_NETWORK, "org.certward.Error.Network" },
  { CW_ERROR_UNAVAILABLE, "org.certward.Error.Unavailable" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (entries) == CW_ERROR_LAST + 1);

/* GIO's way of making a domain whose codes cross the bus intact in both
 * directions: the quark and the names are registered together, once. */
GQuark
cw_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("cw-error-quark", &quark, entries, G_N_ELEMENTS (entries));
  return (GQuark) quark;
}
