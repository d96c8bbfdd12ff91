/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The http-01 solver: a standalone server while needed, webroot files, or answers over D-Bus. */
#include "config.h"

#include "cw-http01.h"
#include "cw-error.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#define PREFIX "/.well-known/acme-challenge/"

gboolean
cw_http01_mode_from_string (const gchar *text, CwHttp01Mode *mode, GError **error)
{
  g_return_val_if_fail (mode != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_strcmp0 (text, "standalone") == 0)
    *mode = CW_HTTP01_STANDALONE;
  else if (g_strcmp0 (text, "webroot") == 0)
    *mode = CW_HTTP01_WEBROOT;
  else if (g_strcmp0 (text, "dbus") == 0)
    *mode = CW_HTTP01_DBUS;
  else {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                 _("unknown http-01 mode “%s”; use standalone, webroot or dbus"), text != NULL ? text : "");
    return FALSE;
  }
  return TRUE;
}

/* ---- the responder ------------------------------------------------------ */

struct _CwHttp01 {
  GObject     parent_instance;

  gchar      *address;
  guint       port;
  GHashTable *tokens;        /* token → key authorization */
  SoupServer *server;
  guint       standalone;    /* standalone challenges pending (+1 while shared with listen) */
  const CwHttp01Shared *shared;  /* or NULL: this node alone */
  gpointer    shared_data;
  guint       shared_asking;  /* lookups in the shared tokens not yet answered */
};

G_DEFINE_FINAL_TYPE (CwHttp01, cw_http01, G_TYPE_OBJECT)

static void
cw_http01_finalize (GObject *object)
{
  CwHttp01 *self = CW_HTTP01 (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_hash_table_unref (self->tokens);
  g_free (self->address);
  G_OBJECT_CLASS (cw_http01_parent_class)->finalize (object);
}

static void
cw_http01_class_init (CwHttp01Class *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_http01_finalize;
}

static void
cw_http01_init (CwHttp01 *self)
{
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

CwHttp01 *
cw_http01_new (const gchar *address, guint port)
{
  CwHttp01 *self = g_object_new (CW_TYPE_HTTP01, NULL);

  self->address = g_strdup (address != NULL ? address : "");
  self->port = port;
  return self;
}

const gchar *
cw_http01_lookup (CwHttp01 *self, const gchar *token)
{
  g_return_val_if_fail (CW_IS_HTTP01 (self), NULL);

  return g_hash_table_lookup (self->tokens, token);
}

void
cw_http01_set_endpoint (CwHttp01 *self, const gchar *address, guint port)
{
  g_return_if_fail (CW_IS_HTTP01 (self));

  /* read when the server starts listening, not while it listens */
  g_free (self->address);
  self->address = g_strdup (address != NULL ? address : "");
  self->port = port;
}

gboolean
cw_http01_is_listening (CwHttp01 *self)
{
  g_return_val_if_fail (CW_IS_HTTP01 (self), FALSE);

  return self->standalone > 0;
}

static gboolean token_ok (const gchar *token, GError **error);

static void
answer (SoupServerMessage *msg, const gchar *key_authorization)
{
  if (key_authorization == NULL) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, key_authorization, strlen (key_authorization));
}

static void
shared_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *key_authorization = cw_http01_lookup_finish (CW_HTTP01 (source), result, &error);

  if (error != NULL)
    g_info ("HTTP-01: shared tokens: %s", error->message);
  answer (msg, key_authorization);
  soup_server_message_unpause (msg);
}

static void
serve (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  CwHttp01 *self = user_data;
  const gchar *method = soup_server_message_get_method (msg);
  const gchar *token = g_str_has_prefix (path, PREFIX) ? path + strlen (PREFIX) : NULL;
  const gchar *key_authorization;

  if (!g_str_equal (method, SOUP_METHOD_GET) && !g_str_equal (method, SOUP_METHOD_HEAD)) {
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  key_authorization = token != NULL ? g_hash_table_lookup (self->tokens, token) : NULL;
  /* another node's challenge: the answer is in the shared tokens */
  if (key_authorization == NULL && self->shared != NULL && token != NULL && token_ok (token, NULL)) {
    soup_server_message_pause (msg);
    cw_http01_lookup_async (self, token, shared_answered, g_object_ref (msg));
    return;
  }
  answer (msg, key_authorization);
}

/* at most this many lookups of other nodes' tokens at once */
#define MAX_SHARED_ASKING 16

static void
shared_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwHttp01 *self = g_task_get_source_object (task);
  GError *error = NULL;
  gchar *key_authorization = self->shared->lookup_finish (self->shared_data, result, &error);

  self->shared_asking--;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, key_authorization, g_free);
}

void
cw_http01_lookup_async (CwHttp01 *self, const gchar *token, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  const gchar *here = g_hash_table_lookup (self->tokens, token);

  if (here != NULL || self->shared == NULL) {
    g_task_return_pointer (task, g_strdup (here), g_free);
    return;
  }
  /* anyone may ask the responder: a flood of unknown tokens must not queue
   * unbounded work before the database's (leases, commits); a CA asks a
   * few at a time and tries again */
  if (self->shared_asking >= MAX_SHARED_ASKING) {
    g_debug ("HTTP-01: %u shared lookups in flight; %s answered as unknown", self->shared_asking, token);
    g_task_return_pointer (task, NULL, NULL);
    return;
  }
  self->shared_asking++;
  self->shared->lookup_async (self->shared_data, token, shared_looked_up, g_steal_pointer (&task));
}

gchar *
cw_http01_lookup_finish (CwHttp01 *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean start_listening (CwHttp01 *self, GError **error);

gboolean
cw_http01_set_shared (CwHttp01 *self, const CwHttp01Shared *shared, gpointer user_data, gboolean listen,
                      GError **error)
{
  self->shared = shared;
  self->shared_data = user_data;
  if (!listen)
    return TRUE;
  if (self->standalone == 0 && !start_listening (self, error))
    return FALSE;
  /* one for the cluster: it never drops to 0, the server stays */
  self->standalone++;
  return TRUE;
}

static gboolean
start_listening (CwHttp01 *self, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean ok;

  if (self->server == NULL) {
    self->server = soup_server_new ("server-header", "certward", NULL);
    soup_server_add_handler (self->server, PREFIX, serve, self, NULL);
  }
  if (*self->address != '\0') {
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (self->address, self->port);

    if (address == NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not an IP address to listen on"),
                   self->address);
      return FALSE;
    }
    ok = soup_server_listen (self->server, address, 0, &local);
  } else {
    ok = soup_server_listen_all (self->server, self->port, 0, &local);
  }
  if (!ok) {
    g_set_error (error, CW_ERROR, CW_ERROR_NETWORK,
                 _("cannot answer HTTP-01 challenges on %s:%u: %s (if another web server owns the port, use the webroot or dbus mode)"),
                 *self->address != '\0' ? self->address : "*", self->port, local->message);
    return FALSE;
  }
  g_info ("HTTP-01: listening on %s:%u", *self->address != '\0' ? self->address : "*", self->port);
  return TRUE;
}

/* ---- the solver --------------------------------------------------------- */

#define CW_TYPE_HTTP01_SOLVER (cw_http01_solver_get_type ())
G_DECLARE_FINAL_TYPE (CwHttp01Solver, cw_http01_solver, CW, HTTP01_SOLVER, GObject)

struct _CwHttp01Solver {
  GObject       parent_instance;

  CwHttp01     *responder;
  CwHttp01Mode  mode;
  gchar        *webroot;
};

static void solver_iface_init (CwChallengeSolverInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CwHttp01Solver, cw_http01_solver, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CW_TYPE_CHALLENGE_SOLVER, solver_iface_init))

static gboolean
token_ok (const gchar *token, GError **error)
{
  gboolean ok = *token != '\0' && strlen (token) <= 256;

  /* tokens are base64url (RFC 8555 §8.3); anything else must not reach a path */
  for (const gchar *p = token; ok && *p != '\0'; p++)
    ok = g_ascii_isalnum (*p) || *p == '-' || *p == '_';
  if (!ok) {
    g_autofree gchar *shown = g_utf8_make_valid (token, MIN (strlen (token), 64));

    g_set_error (error, CW_ERROR, CW_ERROR_ACME, _("the ACME server sent an unusable token “%s”"), shown);
  }
  return ok;
}

typedef struct {
  gchar     *webroot;
  GPtrArray *challenges;
  gboolean   remove;
} WebrootJob;

static void
webroot_job_free (WebrootJob *job)
{
  g_free (job->webroot);
  g_ptr_array_unref (job->challenges);
  g_free (job);
}

static void
webroot_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  WebrootJob *job = task_data;
  g_autofree gchar *dir = g_build_filename (job->webroot, ".well-known", "acme-challenge", NULL);

  /* the web server's document root must exist: making it would hide a typo */
  if (!job->remove && !g_file_test (job->webroot, G_FILE_TEST_IS_DIR)) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NOT_FOUND,
                             _("the webroot “%s” is not a directory; give the directory your web server serves"),
                             job->webroot);
    return;
  }
  if (!job->remove && g_mkdir_with_parents (dir, 0755) < 0) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_IO, _("cannot create “%s” for HTTP-01: %s"), dir,
                             g_strerror (errno));
    return;
  }
  for (guint i = 0; i < job->challenges->len; i++) {
    CwChallenge *c = g_ptr_array_index (job->challenges, i);
    g_autofree gchar *path = g_build_filename (dir, c->token, NULL);
    g_autoptr(GError) error = NULL;

    if (job->remove) {
      if (g_unlink (path) < 0 && errno != ENOENT)
        g_warning ("HTTP-01: cannot remove %s: %s", path, g_strerror (errno));
      continue;
    }
    if (!g_file_set_contents_full (path, c->key_authorization, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error)) {
      g_task_return_new_error (task, CW_ERROR, CW_ERROR_IO, _("cannot write the HTTP-01 answer: %s"), error->message);
      return;
    }
  }
  g_task_return_boolean (task, TRUE);
}

/* Takes @task: g_task_run_in_thread() holds its own reference. */
static void
run_webroot (CwHttp01Solver *self, GPtrArray *challenges, gboolean remove, GTask *task)
{
  WebrootJob *job = g_new0 (WebrootJob, 1);

  job->webroot = g_strdup (self->webroot);
  job->challenges = g_ptr_array_ref (challenges);
  job->remove = remove;
  g_task_set_task_data (task, job, (GDestroyNotify) webroot_job_free);
  g_task_run_in_thread (task, webroot_thread);
  g_object_unref (task);
}

static const gchar *
get_challenge_type (CwChallengeSolver *solver)
{
  return "http-01";
}

static void present_here (CwHttp01Solver *self, GPtrArray *challenges, GTask *task);

static void
published (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwHttp01Solver *self = g_task_get_source_object (task);
  CwHttp01 *r = self->responder;
  GPtrArray *challenges = g_task_get_task_data (task);
  GError *error = NULL;

  if (!r->shared->publish_finish (r->shared_data, result, &error)) {
    g_prefix_error (&error, _("HTTP-01 tokens cannot be shared with the other nodes: "));
    g_task_return_error (task, error);
    return;
  }
  present_here (self, challenges, g_steal_pointer (&task));
}

static void
present_async (CwChallengeSolver *solver, GPtrArray *challenges, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data)
{
  CwHttp01Solver *self = CW_HTTP01_SOLVER (solver);
  CwHttp01 *r = self->responder;
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  for (guint i = 0; i < challenges->len; i++) {
    CwChallenge *c = g_ptr_array_index (challenges, i);

    if (!token_ok (c->token, &error)) {
      g_task_return_error (task, error);
      return;
    }
  }
  /* in a cluster the CA may ask any node: shared before it is told */
  if (r->shared != NULL) {
    g_task_set_task_data (task, g_ptr_array_ref (challenges), (GDestroyNotify) g_ptr_array_unref);
    r->shared->publish_async (r->shared_data, challenges, published, g_steal_pointer (&task));
    return;
  }
  present_here (self, challenges, g_steal_pointer (&task));
}

static void
present_here (CwHttp01Solver *self, GPtrArray *challenges, GTask *task_in)
{
  CwHttp01 *r = self->responder;
  g_autoptr(GTask) task = task_in;
  GError *error = NULL;

  for (guint i = 0; i < challenges->len; i++) {
    CwChallenge *c = g_ptr_array_index (challenges, i);

    g_hash_table_replace (r->tokens, g_strdup (c->token), g_strdup (c->key_authorization));
  }
  switch (self->mode) {
  case CW_HTTP01_STANDALONE:
    if (r->standalone == 0 && !start_listening (r, &error)) {
      for (guint i = 0; i < challenges->len; i++)
        g_hash_table_remove (r->tokens, ((CwChallenge *) g_ptr_array_index (challenges, i))->token);
      g_task_return_error (task, error);
      return;
    }
    r->standalone += challenges->len;
    g_task_return_boolean (task, TRUE);
    break;
  case CW_HTTP01_WEBROOT:
    run_webroot (self, challenges, FALSE, g_steal_pointer (&task));
    break;
  case CW_HTTP01_DBUS:
  default:
    g_task_return_boolean (task, TRUE);
    break;
  }
}

static gboolean
present_finish (CwChallengeSolver *solver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
cleanup_async (CwChallengeSolver *solver, GPtrArray *challenges, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data)
{
  CwHttp01Solver *self = CW_HTTP01_SOLVER (solver);
  CwHttp01 *r = self->responder;
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  guint removed = 0;

  if (r->shared != NULL)
    r->shared->withdraw (r->shared_data, challenges);
  for (guint i = 0; i < challenges->len; i++)
    removed += g_hash_table_remove (r->tokens, ((CwChallenge *) g_ptr_array_index (challenges, i))->token);
  if (self->mode == CW_HTTP01_STANDALONE && r->standalone > 0) {
    r->standalone -= MIN (removed, r->standalone);
    /* nobody waits for an answer: stop listening */
    if (r->standalone == 0 && r->server != NULL) {
      soup_server_disconnect (r->server);
      g_info ("HTTP-01: stopped listening");
    }
  }
  if (self->mode == CW_HTTP01_WEBROOT)
    run_webroot (self, challenges, TRUE, g_steal_pointer (&task));
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
cleanup_finish (CwChallengeSolver *solver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
solver_iface_init (CwChallengeSolverInterface *iface)
{
  iface->get_challenge_type = get_challenge_type;
  iface->present_async = present_async;
  iface->present_finish = present_finish;
  iface->cleanup_async = cleanup_async;
  iface->cleanup_finish = cleanup_finish;
}

static void
cw_http01_solver_finalize (GObject *object)
{
  CwHttp01Solver *self = CW_HTTP01_SOLVER (object);

  g_clear_object (&self->responder);
  g_free (self->webroot);
  G_OBJECT_CLASS (cw_http01_solver_parent_class)->finalize (object);
}

static void
cw_http01_solver_class_init (CwHttp01SolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_http01_solver_finalize;
}

static void
cw_http01_solver_init (CwHttp01Solver *self)
{
}

CwChallengeSolver *
cw_http01_solver_new (CwHttp01 *responder, CwHttp01Mode mode, const gchar *webroot)
{
  CwHttp01Solver *self;

  g_return_val_if_fail (CW_IS_HTTP01 (responder), NULL);

  self = g_object_new (CW_TYPE_HTTP01_SOLVER, NULL);

  self->responder = g_object_ref (responder);
  self->mode = mode;
  self->webroot = g_strdup (webroot);
  return CW_CHALLENGE_SOLVER (self);
}
