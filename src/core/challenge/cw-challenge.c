/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The interface every challenge solver implements (http-01, dns-01). */
#include "config.h"

#include "cw-challenge.h"

G_DEFINE_INTERFACE (CwChallengeSolver, cw_challenge_solver, G_TYPE_OBJECT)

static void
cw_challenge_solver_default_init (CwChallengeSolverInterface *iface)
{
}

CwChallenge *
cw_challenge_new (const gchar *identifier, const gchar *token, const gchar *key_authorization, gboolean wildcard)
{
  CwChallenge *challenge = g_new0 (CwChallenge, 1);

  challenge->identifier = g_strdup (identifier);
  challenge->token = g_strdup (token);
  challenge->key_authorization = g_strdup (key_authorization);
  challenge->wildcard = wildcard;
  return challenge;
}

void
cw_challenge_free (CwChallenge *challenge)
{
  if (challenge == NULL)
    return;
  g_free (challenge->identifier);
  g_free (challenge->token);
  g_free (challenge->key_authorization);
  g_free (challenge);
}

const gchar *
cw_challenge_solver_get_challenge_type (CwChallengeSolver *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return CW_CHALLENGE_SOLVER_GET_IFACE (self)->get_challenge_type (self);
}

void
cw_challenge_solver_present_async (CwChallengeSolver *self, GPtrArray *challenges, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (self != NULL);

  CW_CHALLENGE_SOLVER_GET_IFACE (self)->present_async (self, challenges, cancellable, callback, user_data);
}

gboolean
cw_challenge_solver_present_finish (CwChallengeSolver *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CW_CHALLENGE_SOLVER_GET_IFACE (self)->present_finish (self, result, error);
}

void
cw_challenge_solver_cleanup_async (CwChallengeSolver *self, GPtrArray *challenges, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (self != NULL);

  CW_CHALLENGE_SOLVER_GET_IFACE (self)->cleanup_async (self, challenges, cancellable, callback, user_data);
}

gboolean
cw_challenge_solver_cleanup_finish (CwChallengeSolver *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CW_CHALLENGE_SOLVER_GET_IFACE (self)->cleanup_finish (self, result, error);
}
