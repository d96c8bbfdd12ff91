/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HTTP-01 tokens published to and looked up in the cluster database, for every node's responder. */
#include "config.h"

#include "cw-cluster-http01.h"
#include "cw-cluster-tokens.h"

#define TOKEN_LIFETIME 3600

typedef struct {
  gchar **tokens;
  gchar **answers;
} Tokens;

static void
tokens_free (Tokens *t)
{
  g_strfreev (t->tokens);
  g_strfreev (t->answers);
  g_free (t);
}

static Tokens *
tokens_new (GPtrArray *challenges)
{
  Tokens *t = g_new0 (Tokens, 1);

  t->tokens = g_new0 (gchar *, challenges->len + 1);
  t->answers = g_new0 (gchar *, challenges->len + 1);
  for (guint i = 0; i < challenges->len; i++) {
    CwChallenge *c = g_ptr_array_index (challenges, i);

    t->tokens[i] = g_strdup (c->token);
    t->answers[i] = g_strdup (c->key_authorization);
  }
  return t;
}

static gpointer
put_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  Tokens *t = data;

  for (guint i = 0; t->tokens[i] != NULL; i++)
    if (!cw_cluster_tokens_put (conn, t->tokens[i], t->answers[i], cw_cluster_get_node (cluster), TOKEN_LIFETIME,
                                error))
      return NULL;
  return GINT_TO_POINTER (1);
}

static void
publish_async (gpointer user_data, GPtrArray *challenges, GAsyncReadyCallback callback, gpointer callback_data)
{
  cw_cluster_run_async (user_data, put_func, tokens_new (challenges), (GDestroyNotify) tokens_free, NULL, NULL,
                        callback, callback_data);
}

static gboolean
publish_finish (gpointer user_data, GAsyncResult *result, GError **error)
{
  return cw_cluster_run_finish (user_data, result, error) != NULL;
}

static gpointer
remove_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  Tokens *t = data;

  for (guint i = 0; t->tokens[i] != NULL; i++)
    if (!cw_cluster_tokens_remove (conn, t->tokens[i], error))
      return NULL;
  return GINT_TO_POINTER (1);
}

static void
removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  /* what stays expires by itself */
  if (cw_cluster_run_finish (CW_CLUSTER (source), result, &error) == NULL)
    g_info ("cluster: HTTP-01 tokens not withdrawn: %s", error->message);
}

static void
withdraw (gpointer user_data, GPtrArray *challenges)
{
  cw_cluster_run_async (user_data, remove_func, tokens_new (challenges), (GDestroyNotify) tokens_free, NULL, NULL,
                        removed, NULL);
}

static gpointer
lookup_func (CwCluster *cluster, PGconn *conn, gpointer data, GError **error)
{
  g_autoptr(GError) local = NULL;
  gchar *answer = cw_cluster_tokens_lookup (conn, data, &local);

  if (local != NULL) {
    g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  /* unknown is an answer too: an empty string, NULL being the error */
  return answer != NULL ? answer : g_strdup ("");
}

static void
lookup_async (gpointer user_data, const gchar *token, GAsyncReadyCallback callback, gpointer callback_data)
{
  cw_cluster_run_async (user_data, lookup_func, g_strdup (token), g_free, g_free, NULL, callback, callback_data);
}

static gchar *
lookup_finish (gpointer user_data, GAsyncResult *result, GError **error)
{
  g_autofree gchar *answer = cw_cluster_run_finish (user_data, result, error);

  return answer != NULL && *answer != '\0' ? g_steal_pointer (&answer) : NULL;
}

static const CwHttp01Shared shared = { publish_async, publish_finish, withdraw, lookup_async, lookup_finish };

const CwHttp01Shared *
cw_cluster_http01 (void)
{
  return &shared;
}
