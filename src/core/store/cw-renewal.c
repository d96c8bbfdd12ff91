/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A certificate's renewal settings and the engine's memory of it (CwRenewal). */
#include "config.h"

#include "cw-renewal.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

#define MAX_ACTIONS 16

static gchar **
empty_strv (void)
{
  return g_new0 (gchar *, 1);
}

CwRenewal *
cw_renewal_new (void)
{
  CwRenewal *renewal = g_new0 (CwRenewal, 1);

  renewal->reload_units = empty_strv ();
  renewal->deploy_hooks = empty_strv ();
  return renewal;
}

CwRenewal *
cw_renewal_copy (const CwRenewal *renewal)
{
  CwRenewal *copy = g_new0 (CwRenewal, 1);

  *copy = *renewal;
  copy->reload_units = g_strdupv (renewal->reload_units);
  copy->deploy_hooks = g_strdupv (renewal->deploy_hooks);
  return copy;
}

void
cw_renewal_free (CwRenewal *renewal)
{
  if (renewal == NULL)
    return;
  g_strfreev (renewal->reload_units);
  g_strfreev (renewal->deploy_hooks);
  g_free (renewal);
}

/* systemd.unit(5): name.type, with letters, digits and ":-_.\@" */
static gboolean
unit_ok (const gchar *unit)
{
  static const gchar *const types[] = { ".service", ".socket", ".target", ".path", ".timer", NULL };
  const gchar *dot = strrchr (unit, '.');

  if (*unit == '\0' || strlen (unit) > 255 || dot == NULL || dot == unit ||
      !g_strv_contains (types, dot))
    return FALSE;
  for (const gchar *p = unit; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (":-_.\\@", *p) == NULL)
      return FALSE;
  return TRUE;
}

gboolean
cw_renewal_validate_actions (const gchar * const *units, const gchar * const *hooks, GError **error)
{
  guint n_units = units != NULL ? g_strv_length ((gchar **) units) : 0;
  guint n_hooks = hooks != NULL ? g_strv_length ((gchar **) hooks) : 0;

  if (n_units > MAX_ACTIONS || n_hooks > MAX_ACTIONS) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("at most %d reload units and %d deploy hooks"),
                 MAX_ACTIONS, MAX_ACTIONS);
    return FALSE;
  }
  for (guint i = 0; i < n_units; i++)
    if (!unit_ok (units[i])) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a systemd unit name such as asterisk.service"), units[i]);
      return FALSE;
    }
  for (guint i = 0; i < n_hooks; i++)
    if (!g_path_is_absolute (hooks[i]) || strlen (hooks[i]) > 4096 || !g_utf8_validate (hooks[i], -1, NULL)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("a deploy hook must be the absolute path of a program, not “%s”"), hooks[i]);
      return FALSE;
    }
  return TRUE;
}

static void
set_time (GKeyFile *file, const gchar *group, const gchar *key, gint64 value)
{
  if (value != 0)
    g_key_file_set_int64 (file, group, key, value);
}

void
cw_renewal_save (const CwRenewal *renewal, GKeyFile *file, const gchar *group)
{
  if (renewal->auto_renew)
    g_key_file_set_boolean (file, group, "auto-renew", TRUE);
  if (renewal->reload_units[0] != NULL)
    g_key_file_set_string_list (file, group, "reload-units", (const gchar * const *) renewal->reload_units,
                                g_strv_length (renewal->reload_units));
  if (renewal->deploy_hooks[0] != NULL)
    g_key_file_set_string_list (file, group, "deploy-hooks", (const gchar * const *) renewal->deploy_hooks,
                                g_strv_length (renewal->deploy_hooks));
  if (renewal->failures != 0)
    g_key_file_set_integer (file, group, "failures", renewal->failures);
  set_time (file, group, "retry-at", renewal->retry_at);
  set_time (file, group, "last-order", renewal->last_order);
  set_time (file, group, "ari-start", renewal->ari_start);
  set_time (file, group, "ari-end", renewal->ari_end);
  set_time (file, group, "ari-choice", renewal->ari_choice);
  set_time (file, group, "ari-refresh-at", renewal->ari_refresh_at);
}

static gint64
get_time (GKeyFile *file, const gchar *group, const gchar *key)
{
  gint64 value = g_key_file_get_int64 (file, group, key, NULL);

  return MAX (value, 0);
}

static gchar **
get_list (GKeyFile *file, const gchar *group, const gchar *key)
{
  gchar **list = g_key_file_get_string_list (file, group, key, NULL, NULL);

  return list != NULL ? list : empty_strv ();
}

CwRenewal *
cw_renewal_load (GKeyFile *file, const gchar *group, GError **error)
{
  CwRenewal *renewal = g_new0 (CwRenewal, 1);

  renewal->auto_renew = g_key_file_get_boolean (file, group, "auto-renew", NULL);
  renewal->reload_units = get_list (file, group, "reload-units");
  renewal->deploy_hooks = get_list (file, group, "deploy-hooks");
  /* settings the administrator did not write through the agent are checked */
  if (!cw_renewal_validate_actions ((const gchar * const *) renewal->reload_units,
                                    (const gchar * const *) renewal->deploy_hooks, error)) {
    g_strfreev (renewal->reload_units);
    g_strfreev (renewal->deploy_hooks);
    renewal->reload_units = empty_strv ();
    renewal->deploy_hooks = empty_strv ();
  }
  renewal->failures = MIN (g_key_file_get_integer (file, group, "failures", NULL), 1000);
  renewal->retry_at = get_time (file, group, "retry-at");
  renewal->last_order = get_time (file, group, "last-order");
  renewal->ari_start = get_time (file, group, "ari-start");
  renewal->ari_end = get_time (file, group, "ari-end");
  renewal->ari_choice = get_time (file, group, "ari-choice");
  renewal->ari_refresh_at = get_time (file, group, "ari-refresh-at");
  return renewal;
}
