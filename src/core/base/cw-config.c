/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration file: every key with its type, range and default, checked at start. */
#include "config.h"

#include "cw-config.h"
#include "cw-error.h"

#include <glib/gi18n.h>
#include <string.h>

typedef enum {
  TYPE_INT,
  TYPE_BOOL,
  TYPE_STRING,
  TYPE_PATH,   /* absolute path */
  TYPE_ENUM,   /* one of choices, '|'-separated */
  TYPE_STRV,
  TYPE_URL,    /* an https URL */
  TYPE_ADDRESS,/* an IP address to listen on, or "" for all */
} KeyType;

typedef struct {
  const gchar *group;
  const gchar *key;
  KeyType      type;
  gint64       min, max;
  const gchar *def;
  const gchar *choices;
} KeyDef;

/* The whole configuration vocabulary. README.md and data/certward.conf
 * document the same keys. */
static const KeyDef keys[] = {
  { "store", "keep-revisions", TYPE_INT, 1, 100, "3", NULL },
  { "certificates", "expiry-warning-days", TYPE_INT, 30, 180, "60", NULL },
  { "trust", "system-bundle", TYPE_PATH, 0, 0, "/etc/ssl/certs/ca-certificates.crt", NULL },
  { "trust", "verification-mode", TYPE_ENUM, 0, 0, "outgoing", "none|outgoing|all" },
  { "acme", "directory", TYPE_URL, 0, 0, "https://acme-v02.api.letsencrypt.org/directory", NULL },
  { "acme", "ca-file", TYPE_PATH, 0, 0, "", NULL },
  { "acme", "contact", TYPE_STRV, 0, 0, "", NULL },
  { "acme", "max-concurrent-orders", TYPE_INT, 1, 1000, "10", NULL },
  { "acme", "requests-per-second", TYPE_INT, 1, 1000, "150", NULL },
  { "acme", "challenge", TYPE_ENUM, 0, 0, "http-01", "http-01|dns-01|tls-alpn-01" },
  { "http-01", "mode", TYPE_ENUM, 0, 0, "standalone", "standalone|webroot|dbus" },
  { "http-01", "address", TYPE_ADDRESS, 0, 0, "", NULL },
  { "http-01", "port", TYPE_INT, 1, 65535, "80", NULL },
  { "http-01", "webroot", TYPE_PATH, 0, 0, "", NULL },
  { "tls-alpn-01", "mode", TYPE_ENUM, 0, 0, "standalone", "standalone|dbus" },
  { "tls-alpn-01", "address", TYPE_ADDRESS, 0, 0, "", NULL },
  { "tls-alpn-01", "port", TYPE_INT, 1, 65535, "443", NULL },
  { "renewal", "check-interval", TYPE_INT, 60, 7 * 86400, "86400", NULL },
  { "renewal", "max-concurrent", TYPE_INT, 1, 1000, "10", NULL },
  { "renewal", "jitter", TYPE_INT, 0, 3600, "60", NULL },
  { "renewal", "retry-min", TYPE_INT, 10, 86400, "600", NULL },
  { "renewal", "retry-max", TYPE_INT, 60, 7 * 86400, "43200", NULL },
  { "renewal", "guard", TYPE_INT, 0, 86400, "300", NULL },
  { "actions", "timeout", TYPE_INT, 1, 3600, "60", NULL },
  { "actions", "integration-dir", TYPE_PATH, 0, 0, "", NULL },
  { "dns-01", "resolvers", TYPE_STRV, 0, 0, "", NULL },
  { "dns-01", "propagation-check", TYPE_ENUM, 0, 0, "authoritative", "authoritative|resolvers|off" },
  { "dns-01", "propagation-timeout", TYPE_INT, 5, 7200, "300", NULL },
  { "dns-01", "propagation-interval", TYPE_INT, 1, 300, "5", NULL },
  { "dns-01", "provider-dir", TYPE_PATH, 0, 0, "", NULL },
  /* several nodes sharing their certificates (src/core/cluster/) */
  { "cluster", "backend", TYPE_ENUM, 0, 0, "local", "local|postgresql" },
  { "cluster", "uri", TYPE_STRING, 0, 0, "", NULL },
  { "cluster", "node", TYPE_STRING, 0, 0, "", NULL },
  { "cluster", "key-file", TYPE_PATH, 0, 0, "", NULL },
  { "cluster", "lease-time", TYPE_INT, 5, 3600, "120", NULL },
  { "cluster", "heartbeat", TYPE_INT, 1, 300, "10", NULL },
};

typedef struct {
  gint64   i;
  gboolean b;
  gchar   *s;
  gchar  **v;
} Value;

struct _CwConfig {
  GObject    parent_instance;
  gchar     *path;
  Value      values[G_N_ELEMENTS (keys)];
  gboolean   set_at_run_time[G_N_ELEMENTS (keys)];
  /* values replaced by a reload: a worker thread may still hold one */
  GPtrArray *retired;
};

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CwConfig, cw_config, G_TYPE_OBJECT)

static void
cw_config_finalize (GObject *object)
{
  CwConfig *self = CW_CONFIG (object);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
    g_free (self->values[i].s);
    g_strfreev (self->values[i].v);
  }
  g_free (self->path);
  g_ptr_array_unref (self->retired);
  G_OBJECT_CLASS (cw_config_parent_class)->finalize (object);
}

static void
cw_config_class_init (CwConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_config_finalize;
  /* ::changed (GStrv keys): after a reload, the "[group] key" that changed */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 1, G_TYPE_STRV);
}

static void
cw_config_init (CwConfig *self)
{
  self->retired = g_ptr_array_new_with_free_func (g_free);
}

static gint
find_key (const gchar *group, const gchar *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].group, group) && g_str_equal (keys[i].key, key))
      return i;
  return -1;
}

static gboolean
group_known (const gchar *group)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].group, group))
      return TRUE;
  return FALSE;
}

/* Parses @text for key @i into @value, or explains why it cannot. */
static gboolean
parse_value (guint i, const gchar *text, Value *value, GError **error)
{
  const KeyDef *def = &keys[i];

  switch (def->type) {
  case TYPE_INT: {
    gint64 n = 0;

    if (!g_ascii_string_to_signed (text, 10, def->min, def->max, &n, NULL)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a whole number from %lld to %lld"),
                   text, (long long) def->min, (long long) def->max);
      return FALSE;
    }
    value->i = n;
    return TRUE;
  }
  case TYPE_BOOL:
    if (g_str_equal (text, "true") || g_str_equal (text, "yes") || g_str_equal (text, "1"))
      value->b = TRUE;
    else if (g_str_equal (text, "false") || g_str_equal (text, "no") || g_str_equal (text, "0"))
      value->b = FALSE;
    else {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not true or false"), text);
      return FALSE;
    }
    return TRUE;
  case TYPE_PATH:
    if (*text != '\0' && !g_path_is_absolute (text)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not an absolute path"), text);
      return FALSE;
    }
    g_free (value->s);
    value->s = g_strdup (text);
    return TRUE;
  case TYPE_ENUM: {
    g_auto(GStrv) choices = g_strsplit (def->choices, "|", -1);

    if (!g_strv_contains ((const gchar * const *) choices, text)) {
      g_autofree gchar *list = g_strjoinv (", ", choices);

      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not one of %s"), text, list);
      return FALSE;
    }
    g_free (value->s);
    value->s = g_strdup (text);
    return TRUE;
  }
  case TYPE_STRV: {
    g_auto(GStrv) parts = g_strsplit_set (text, ",; ", -1);
    g_autoptr(GPtrArray) list = g_ptr_array_new ();

    for (guint j = 0; parts[j] != NULL; j++)
      if (*parts[j] != '\0')
        g_ptr_array_add (list, g_strdup (parts[j]));
    g_ptr_array_add (list, NULL);
    g_strfreev (value->v);
    value->v = (gchar **) g_ptr_array_steal (list, NULL);
    return TRUE;
  }
  case TYPE_URL: {
    g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);

    /* RFC 8555 §6.1: ACME runs over HTTPS only */
    if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 || g_uri_get_host (uri) == NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not an https:// URL"), text);
      return FALSE;
    }
    g_free (value->s);
    value->s = g_strdup (text);
    return TRUE;
  }
  case TYPE_ADDRESS:
    if (*text != '\0' && !g_hostname_is_ip_address (text)) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address (leave it empty to listen on all addresses)"), text);
      return FALSE;
    }
    g_free (value->s);
    value->s = g_strdup (text);
    return TRUE;
  case TYPE_STRING:
  default:
    g_free (value->s);
    value->s = g_strdup (text);
    return TRUE;
  }
}

CwConfig *
cw_config_new (void)
{
  CwConfig *self = g_object_new (CW_TYPE_CONFIG, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!parse_value (i, keys[i].def, &self->values[i], NULL))
      g_assert_not_reached (); /* the table's own defaults are valid */
  return self;
}

CwConfig *
cw_config_load (const gchar *path, gboolean must_exist, GPtrArray *warnings, GError **error)
{
  g_autoptr(CwConfig) self = cw_config_new ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->path = g_strdup (path);
  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local)) {
    if (!must_exist && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return g_steal_pointer (&self);
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("%s: %s"), path, local->message);
    return NULL;
  }

  groups = g_key_file_get_groups (file, NULL);
  for (guint g = 0; groups[g] != NULL; g++) {
    g_auto(GStrv) names = g_key_file_get_keys (file, groups[g], NULL, NULL);

    if (!group_known (groups[g])) {
      if (warnings != NULL)
        g_ptr_array_add (warnings, g_strdup_printf (_("%s: unknown group [%s] ignored"), path, groups[g]));
      continue;
    }
    for (guint k = 0; names != NULL && names[k] != NULL; k++) {
      gint i = find_key (groups[g], names[k]);
      g_autofree gchar *text = NULL;
      g_autoptr(GError) bad = NULL;

      if (i < 0) {
        if (warnings != NULL)
          g_ptr_array_add (warnings, g_strdup_printf (_("%s: unknown key “%s” in [%s] ignored"),
                                                      path, names[k], groups[g]));
        continue;
      }
      text = g_key_file_get_string (file, groups[g], names[k], &bad);
      if (text != NULL)
        g_strstrip (text);
      if (text == NULL || !parse_value (i, text, &self->values[i], &bad)) {
        g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("%s: [%s] %s: %s"),
                     path, groups[g], names[k], bad != NULL ? bad->message : "?");
        return NULL;
      }
    }
  }
  return g_steal_pointer (&self);
}

const gchar *
cw_config_get_path (CwConfig *self)
{
  g_return_val_if_fail (CW_IS_CONFIG (self), NULL);

  return self->path;
}

static const Value *
lookup (CwConfig *self, const gchar *group, const gchar *key, KeyType type)
{
  gint i = find_key (group, key);

  /* asking for an undeclared key is a programming error, not user input */
  g_assert (i >= 0);
  g_assert (keys[i].type == type ||
            (type == TYPE_STRING && (keys[i].type == TYPE_PATH || keys[i].type == TYPE_ENUM ||
                                     keys[i].type == TYPE_URL || keys[i].type == TYPE_ADDRESS)));
  return &self->values[i];
}

gint64
cw_config_get_int (CwConfig *self, const gchar *group, const gchar *key)
{
  g_return_val_if_fail (CW_IS_CONFIG (self), 0);

  return lookup (self, group, key, TYPE_INT)->i;
}

const gchar *
cw_config_get_string (CwConfig *self, const gchar *group, const gchar *key)
{
  const Value *v;

  g_return_val_if_fail (CW_IS_CONFIG (self), NULL);

  v = lookup (self, group, key, TYPE_STRING);

  return v->s != NULL ? v->s : "";
}

const gchar * const *
cw_config_get_strv (CwConfig *self, const gchar *group, const gchar *key)
{
  static const gchar *empty[] = { NULL };
  const Value *v;

  g_return_val_if_fail (CW_IS_CONFIG (self), NULL);

  v = lookup (self, group, key, TYPE_STRV);

  return v->v != NULL ? (const gchar * const *) v->v : empty;
}

gboolean
cw_config_set_int (CwConfig *self, const gchar *group, const gchar *key, gint64 value, GError **error)
{
  gint i = find_key (group, key);
  g_autofree gchar *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

  g_return_val_if_fail (CW_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_assert (i >= 0 && keys[i].type == TYPE_INT);
  if (!parse_value (i, text, &self->values[i], error))
    return FALSE;
  self->set_at_run_time[i] = TRUE;
  return TRUE;
}

static gboolean
value_equal (const Value *a, const Value *b)
{
  return a->i == b->i && a->b == b->b && g_strcmp0 (a->s, b->s) == 0 &&
         (a->v == NULL || b->v == NULL ? a->v == b->v : g_strv_equal ((const gchar * const *) a->v,
                                                                     (const gchar * const *) b->v));
}

GStrv
cw_config_reload (CwConfig *self, GPtrArray *warnings, GError **error)
{
  g_autoptr(CwConfig) fresh = NULL;
  g_autoptr(GStrvBuilder) changed = g_strv_builder_new ();
  g_auto(GStrv) keys_changed = NULL;

  g_return_val_if_fail (self->path != NULL, NULL);

  /* checked whole first: a bad file changes nothing */
  fresh = cw_config_load (self->path, FALSE, warnings, error);
  if (fresh == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
    Value *old = &self->values[i], *new = &fresh->values[i];

    /* what an administrator set over D-Bus since the start stays */
    if (self->set_at_run_time[i] || value_equal (old, new))
      continue;
    {
      g_autofree gchar *name = g_strdup_printf ("[%s] %s", keys[i].group, keys[i].key);

      g_strv_builder_add (changed, name);
    }
    if (old->s != NULL)
      g_ptr_array_add (self->retired, old->s);
    if (old->v != NULL) {
      /* the array and its strings, each freed with g_free */
      for (guint k = 0; old->v[k] != NULL; k++)
        g_ptr_array_add (self->retired, old->v[k]);
      g_ptr_array_add (self->retired, old->v);
    }
    *old = *new;
    memset (new, 0, sizeof *new);
  }
  keys_changed = g_strv_builder_end (changed);
  if (keys_changed[0] != NULL)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, keys_changed);
  return g_steal_pointer (&keys_changed);
}

gboolean
cw_config_changed_has (const gchar * const *changed, const gchar *group, const gchar *key)
{
  g_autofree gchar *name = g_strdup_printf ("[%s] %s", group, key);

  return changed != NULL && g_strv_contains (changed, name);
}
