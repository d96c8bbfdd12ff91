/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's error domain: its codes and their D-Bus names (cw-error.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CW_ERROR (cw_error_quark ())

/**
 * CwError:
 *
 * Every failure the agent reports. Each code has a stable D-Bus name,
 * org.certward.Error.<Name> (the table in cw-error.c); keep the two in step
 * and only ever append.
 */
typedef enum {
  CW_ERROR_FAILED,            /* Failed: anything not covered below */
  CW_ERROR_INVALID_ARGUMENT,  /* InvalidArgument: a bad option or value */
  CW_ERROR_INVALID_DATA,      /* InvalidData: input that cannot be parsed */
  CW_ERROR_NO_CERTIFICATE,    /* NoCertificate: no certificate in the input */
  CW_ERROR_NO_KEY,            /* NoKey: no private key in the input */
  CW_ERROR_KEY_MISMATCH,      /* KeyMismatch: key and certificate do not belong together */
  CW_ERROR_PASSWORD_REQUIRED, /* PasswordRequired: the input is encrypted */
  CW_ERROR_WRONG_PASSWORD,    /* WrongPassword */
  CW_ERROR_WEAK_KEY,          /* WeakKey: e.g. RSA under 2048 bits */
  CW_ERROR_WEAK_SIGNATURE,    /* WeakSignature: SHA-1 or MD5 */
  CW_ERROR_EXPIRED,           /* Expired */
  CW_ERROR_BAD_CHAIN,         /* BadChain: signatures do not link up */
  CW_ERROR_EXISTS,            /* Exists: the name is taken */
  CW_ERROR_NOT_FOUND,         /* NotFound */
  CW_ERROR_BUSY,              /* Busy: another operation on the same object runs */
  CW_ERROR_PERMISSION_DENIED, /* PermissionDenied */
  CW_ERROR_IO,                /* Io: the state directory could not be written */
  CW_ERROR_NOT_SUPPORTED,     /* NotSupported */
  CW_ERROR_IN_USE,            /* InUse: still needed by something else */
  CW_ERROR_NOT_DUE,           /* NotDue: a renewal that is not due (use force) */
  CW_ERROR_ACME,              /* Acme: the ACME server refused (its problem document in words) */
  CW_ERROR_NETWORK,           /* Network: a server could not be reached */
  CW_ERROR_UNAVAILABLE,       /* Unavailable: the shared cluster database cannot be reached; read-only */
} CwError;

#define CW_ERROR_LAST CW_ERROR_UNAVAILABLE

/* Also registers the D-Bus names of the codes, so a process that reads the
 * agent's errors calls it (or uses CW_ERROR) before its first call. */
GQuark cw_error_quark (void);

G_END_DECLS
