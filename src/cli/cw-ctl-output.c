/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl's text output for people: "Label: value" blocks and state
 * names in the administrator's language. Widths are counted in characters,
 * never bytes, so Italian labels ("Identità:") line up. --json output never
 * comes through here: it keeps the agent's own words. */
#include "config.h"

#include "cw-ctl.h"

#include <glib/gi18n.h>

struct _CwCtlFields {
  GPtrArray *labels;
  GPtrArray *values;
};

CwCtlFields *
cw_ctl_fields_new (void)
{
  CwCtlFields *f = g_new0 (CwCtlFields, 1);

  f->labels = g_ptr_array_new_with_free_func (g_free);
  f->values = g_ptr_array_new_with_free_func (g_free);
  return f;
}

void
cw_ctl_fields_free (CwCtlFields *f)
{
  g_ptr_array_unref (f->labels);
  g_ptr_array_unref (f->values);
  g_free (f);
}

void
cw_ctl_fields_add (CwCtlFields *f, const gchar *label, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (f->labels, g_strdup (label));
  g_ptr_array_add (f->values, g_strdup_vprintf (format, args));
  va_end (args);
}

void
cw_ctl_fields_add_lines (CwCtlFields *f, const gchar *label, const gchar * const *lines)
{
  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    cw_ctl_fields_add (f, i == 0 ? label : "", "%s", lines[i]);
}

void
cw_ctl_fields_print (CwCtlFields *f)
{
  guint width = 0;

  /* the longest label in this language decides, so values form a column */
  for (guint i = 0; i < f->labels->len; i++)
    width = MAX (width, (guint) g_utf8_strlen (g_ptr_array_index (f->labels, i), -1));
  for (guint i = 0; i < f->labels->len; i++) {
    g_autofree gchar *label = cw_ctl_pad (g_ptr_array_index (f->labels, i), width + 1);

    g_print ("%s%s\n", label, (const gchar *) g_ptr_array_index (f->values, i));
  }
}

const gchar *
cw_ctl_state_name (const gchar *state)
{
  /* Certificate1.State is API (docs/dbus-api.md); people read it translated */
  static const struct { const gchar *state; const gchar *name; } names[] = {
    { "valid", NC_("certificate state", "valid") },
    { "expiring", NC_("certificate state", "expiring") },
    { "expired", NC_("certificate state", "expired") },
    { "pending", NC_("certificate state", "pending") },
    { "renewing", NC_("certificate state", "renewing") },
    { "failed", NC_("certificate state", "failed") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (state, names[i].state) == 0)
      return g_dpgettext2 (GETTEXT_PACKAGE, "certificate state", names[i].name);
  /* a state newer than this certwardctl: the agent's word is still right */
  return state != NULL ? state : "";
}

guint
cw_ctl_state_width (void)
{
  static const gchar *const states[] = { "valid", "expiring", "expired", "pending", "renewing", "failed" };
  guint width = 0;

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    width = MAX (width, (guint) g_utf8_strlen (cw_ctl_state_name (states[i]), -1));
  return width;
}
