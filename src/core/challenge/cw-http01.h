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

/* Tokens shared with other nodes of a cluster: the CA may ask any node
 * behind a name, so the node that orders publishes its challenges there
 * before the CA is told, and every node's responder answers a token it
 * does not hold itself from there. Implemented by the cluster layer;
 * everything on the main thread. */
typedef struct {
  void     (*publish_async)  (gpointer user_data, GPtrArray *challenges, GAsyncReadyCallback callback,
                              gpointer callback_data);
  gboolean (*publish_finish) (gpointer user_data, GAsyncResult *result, GError **error);
  /* when the order is done, whatever happened; nobody waits */
  void     (*withdraw)       (gpointer user_data, GPtrArray *challenges);
  void     (*lookup_async)   (gpointer user_data, const gchar *token, GAsyncReadyCallback callback,
                              gpointer callback_data);
  /* NULL without an error: unknown */
  gchar   *(*lookup_finish)  (gpointer user_data, GAsyncResult *result, GError **error);
} CwHttp01Shared;

/* Shares tokens through @shared. With @listen (standalone mode), the
 * server listens from now on, not only while this node has challenges:
 * the CA may come for another node's. FALSE when it cannot listen. */
gboolean     cw_http01_set_shared (CwHttp01 *self, const CwHttp01Shared *shared, gpointer user_data,
                                   gboolean listen, GError **error);
/* The key authorization for @token here or, with shared tokens, another
 * node's (the D-Bus responder); NULL when nobody knows it. */
void         cw_http01_lookup_async (CwHttp01 *self, const gchar *token, GAsyncReadyCallback callback,
                                     gpointer user_data);
gchar       *cw_http01_lookup_finish (CwHttp01 *self, GAsyncResult *result, GError **error);

/* A solver answering through @responder in @mode (@webroot for webroot). */
CwChallengeSolver *cw_http01_solver_new (CwHttp01 *responder, CwHttp01Mode mode,
                                         const gchar *webroot) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
