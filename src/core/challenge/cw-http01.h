/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-challenge.h"

G_BEGIN_DECLS

/* How HTTP-01 challenges are answered (RFC 8555 §8.3). */
typedef enum {
  CW_HTTP01_STANDALONE,  /* the agent's own server on the configured address and port */
  CW_HTTP01_WEBROOT,     /* files under a directory another web server serves */
  CW_HTTP01_DBUS,        /* the PBX's web server asks Manager1.GetHttpChallenge */
} CwHttp01Mode;

gboolean     cw_http01_mode_from_string (const gchar *text, CwHttp01Mode *mode, GError **error);

#define CW_TYPE_HTTP01 (cw_http01_get_type ())
G_DECLARE_FINAL_TYPE (CwHttp01, cw_http01, CW, HTTP01, GObject)

/**
 * CwHttp01:
 *
 * The agent's HTTP-01 responder: the key authorizations of every pending
 * challenge, and a libsoup server on @address:@port (all addresses when
 * @address is empty) that listens only while standalone challenges are
 * pending.
 */
CwHttp01    *cw_http01_new (const gchar *address, guint port) G_GNUC_WARN_UNUSED_RESULT;
/* The key authorization for @token, or NULL (the D-Bus responder). */
const gchar *cw_http01_lookup (CwHttp01 *self, const gchar *token);
gboolean     cw_http01_is_listening (CwHttp01 *self);
/* Where to listen from the next time it starts listening (a listening
 * server stays where it is until its challenges are answered). */
void         cw_http01_set_endpoint (CwHttp01 *self, const gchar *address, guint port);

/* A solver answering through @responder in @mode (@webroot for webroot). */
CwChallengeSolver *cw_http01_solver_new (CwHttp01 *responder, CwHttp01Mode mode,
                                         const gchar *webroot) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
