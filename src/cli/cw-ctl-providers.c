/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl provider: the DNS providers the dns-01 challenge publishes its
 * records at. Secret fields go to the agent and are never printed: it does
 * not return them, and what is read from a file or standard input here is
 * wiped once sent. */
#include "config.h"

#include "cw-ctl.h"

#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#define PROVIDER_PATH CW_OBJECT_PATH "/provider/"
/* Test publishes and removes a record, waiting for the service each time. */
#define TEST_TIMEOUT_MS (15 * 60 * 1000)

/* ---- finding providers -------------------------------------------------- */

/* Every provider proxy, in the agent's order (by name). */
static GPtrArray *
list_providers (CwCtl *ctl, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GStrv) paths = NULL;

  if (!cw_dbus_manager1_call_get_providers_sync (ctl->manager, &paths, NULL, error))
    return NULL;
  for (guint i = 0; paths[i] != NULL; i++) {
    CwDBusProvider1 *provider = cw_dbus_provider1_proxy_new_sync (ctl->bus, G_DBUS_PROXY_FLAGS_NONE, CW_BUS_NAME,
                                                                  paths[i], NULL, error);

    if (provider == NULL)
      return NULL;
    g_ptr_array_add (out, provider);
  }
  return g_steal_pointer (&out);
}

/* The provider called @name (or at the object path @name). */
static CwDBusProvider1 *
find_provider (CwCtl *ctl, const gchar *name, GError **error)
{
  g_autoptr(GPtrArray) providers = list_providers (ctl, error);

  if (providers == NULL)
    return NULL;
  for (guint i = 0; i < providers->len; i++) {
    CwDBusProvider1 *provider = g_ptr_array_index (providers, i);

    if (g_strcmp0 (cw_dbus_provider1_get_name (provider), name) == 0 ||
        g_str_equal (g_dbus_proxy_get_object_path (G_DBUS_PROXY (provider)), name))
      return g_object_ref (provider);
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("no DNS provider named “%s” (see certwardctl provider list)"), name);
  return NULL;
}

gchar *
cw_ctl_provider_path (CwCtl *ctl, const gchar *name, GError **error)
{
  g_autoptr(CwDBusProvider1) provider = find_provider (ctl, name, error);

  return provider != NULL ? g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (provider))) : NULL;
}

/* The fields of @type ("a(sssbb)"), or NULL when the agent knows no such type. */
static GVariant *
type_fields (CwCtl *ctl, const gchar *type)
{
  g_autoptr(GVariant) types = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  const gchar *name;
  GVariant *fields;

  if (!cw_dbus_manager1_call_get_provider_types_sync (ctl->manager, &types, NULL, NULL))
    return NULL;
  g_variant_get (types, "a(ssa(sssbb))", &iter);
  while (g_variant_iter_next (iter, "(&s&s@a(sssbb))", &name, NULL, &fields)) {
    if (g_str_equal (name, type))
      return fields;
    g_variant_unref (fields);
  }
  return NULL;
}

static gboolean
field_is_secret (GVariant *fields, const gchar *key)
{
  GVariantIter iter;
  const gchar *k;
  gboolean secret;

  if (fields == NULL)
    return FALSE;
  g_variant_iter_init (&iter, fields);
  while (g_variant_iter_next (&iter, "(&s&s&sbb)", &k, NULL, NULL, NULL, &secret))
    if (g_str_equal (k, key))
      return secret;
  return FALSE;
}

/* ---- settings from the command line ------------------------------------- */

static void
forget_value (gpointer value)
{
  gchar *v = value;

  cw_ctl_forget_password (&v);
}

static GHashTable *
settings_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, forget_value);
}

static gboolean
settings_put (GHashTable *settings, gchar *key, gchar *value, GError **error)
{
  if (*key == '\0' || g_hash_table_contains (settings, key)) {
    if (*key == '\0')
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("a setting has no name: write KEY=VALUE"));
    else
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("%s is given twice: give each setting once"), key);
    g_free (key);
    forget_value (value);
    return FALSE;
  }
  g_hash_table_insert (settings, key, value);
  return TRUE;
}

/* One line of standard input, without its line end. */
static gchar *
read_stdin_line (GError **error)
{
  g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr(GDataInputStream) data = g_data_input_stream_new (in);
  gsize len = 0;
  gchar *line;

  g_data_input_stream_set_newline_type (data, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (data), 1);
  line = g_data_input_stream_read_line (data, &len, NULL, error);
  if (line == NULL && (error == NULL || *error == NULL))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("standard input is empty: write the secret there, on one line"));
  return line;
}

/* KEY=VALUE arguments, then --secret-file KEY=FILE and --secret-stdin KEY. */
static GHashTable *
parse_settings (int n_args, char **args, char **secret_files, const gchar *secret_stdin, GError **error)
{
  g_autoptr(GHashTable) settings = settings_new ();

  for (int i = 0; i < n_args; i++) {
    const gchar *eq = strchr (args[i], '=');

    if (eq == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a setting: write KEY=VALUE (KEY= clears an optional one)"), args[i]);
      return NULL;
    }
    if (!settings_put (settings, g_strndup (args[i], eq - args[i]), g_strdup (eq + 1), error))
      return NULL;
  }
  for (guint i = 0; secret_files != NULL && secret_files[i] != NULL; i++) {
    const gchar *eq = strchr (secret_files[i], '=');
    g_autoptr(GError) local = NULL;
    gchar *value;

    if (eq == NULL || eq == secret_files[i] || eq[1] == '\0') {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("--secret-file “%s”: write KEY=FILE, the file holding the secret on its first line"),
                   secret_files[i]);
      return NULL;
    }
    value = cw_ctl_read_password (eq + 1, NULL, &local);
    if (value == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("--secret-file %s: %s"), secret_files[i],
                   local->message);
      return NULL;
    }
    if (*value == '\0') {
      g_free (value);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is empty: write the secret on its first line"), eq + 1);
      return NULL;
    }
    if (!settings_put (settings, g_strndup (secret_files[i], eq - secret_files[i]), value, error))
      return NULL;
  }
  if (secret_stdin != NULL) {
    gchar *value = read_stdin_line (error);

    if (value == NULL)
      return NULL;
    if (!settings_put (settings, g_strdup (secret_stdin), value, error))
      return NULL;
  }
  return g_steal_pointer (&settings);
}

static GVariant *
settings_variant (GHashTable *settings)
{
  GVariantBuilder b;
  GHashTableIter iter;
  gpointer key, value;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{ss}"));
  g_hash_table_iter_init (&iter, settings);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&b, "{ss}", key, value);
  return g_variant_builder_end (&b);
}

/* A secret typed as KEY=VALUE is in the shell history and in ps. */
static void
warn_visible_secrets (CwCtl *ctl, const gchar *type, int n_args, char **args)
{
  g_autoptr(GVariant) fields = type != NULL ? type_fields (ctl, type) : NULL;

  for (int i = 0; fields != NULL && i < n_args; i++) {
    const gchar *eq = strchr (args[i], '=');
    g_autofree gchar *key = eq != NULL ? g_strndup (args[i], eq - args[i]) : NULL;

    if (key != NULL && eq[1] != '\0' && field_is_secret (fields, key))
      g_printerr (_("certwardctl: warning: %s is a secret and was visible on the command line; "
                    "give it with --secret-file or --secret-stdin\n"), key);
  }
}

/* ---- types -------------------------------------------------------------- */

static int
provider_types (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(GVariant) types = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) jb = json_builder_new ();
  GVariantIter iter;
  const gchar *type, *display;
  GVariant *fields;
  guint width = g_utf8_strlen (_("TYPE"), -1);

  if (!cw_ctl_parse ("provider types", "", _("List the DNS provider types (plugins) and their fields."), NULL,
                     &argc, &argv))
    return 1;
  if (argc != 1)
    return cw_ctl_fail_message (_("provider types takes no arguments"));
  if (!cw_dbus_manager1_call_get_provider_types_sync (ctl->manager, &types, NULL, &error))
    return cw_ctl_fail (error);

  g_variant_iter_init (&iter, types);
  while (g_variant_iter_next (&iter, "(&s&s@a(sssbb))", &type, NULL, &fields)) {
    width = MAX (width, (guint) g_utf8_strlen (type, -1));
    g_variant_unref (fields);
  }
  if (!ctl->json) {
    g_autofree gchar *c1 = cw_ctl_pad (_("TYPE"), width + 2);

    /* TRANSLATORS: column headers of certwardctl provider types */
    g_print ("%s%s\n", c1, _("NAME"));
  }
  json_builder_begin_array (jb);
  g_variant_iter_init (&iter, types);
  while (g_variant_iter_next (&iter, "(&s&s@a(sssbb))", &type, &display, &fields)) {
    GVariantIter fi;
    const gchar *key, *label, *description;
    gboolean required, secret;

    if (ctl->json) {
      json_builder_begin_object (jb);
      json_builder_set_member_name (jb, "type");
      json_builder_add_string_value (jb, type);
      json_builder_set_member_name (jb, "name");
      json_builder_add_string_value (jb, display);
      json_builder_set_member_name (jb, "fields");
      json_builder_begin_array (jb);
    } else {
      g_autofree gchar *c1 = cw_ctl_pad (type, width + 2);

      g_print ("%s%s\n", c1, display);
    }
    g_variant_iter_init (&fi, fields);
    while (g_variant_iter_next (&fi, "(&s&s&sbb)", &key, &label, &description, &required, &secret)) {
      if (ctl->json) {
        json_builder_begin_object (jb);
        json_builder_set_member_name (jb, "key");
        json_builder_add_string_value (jb, key);
        json_builder_set_member_name (jb, "label");
        json_builder_add_string_value (jb, label);
        json_builder_set_member_name (jb, "description");
        json_builder_add_string_value (jb, description);
        json_builder_set_member_name (jb, "required");
        json_builder_add_boolean_value (jb, required);
        json_builder_set_member_name (jb, "secret");
        json_builder_add_boolean_value (jb, secret);
        json_builder_end_object (jb);
      } else {
        g_autofree gchar *flags = g_strdup_printf ("%s%s%s", required ? _("required") : _("optional"),
                                                   secret ? ", " : "", secret ? _("secret") : "");
        g_autofree gchar *c1 = cw_ctl_pad (key, 20);
        g_autofree gchar *c2 = cw_ctl_pad (flags, 18);

        g_print ("    %s%s%s\n", c1, c2, label);
      }
    }
    if (ctl->json) {
      json_builder_end_array (jb);
      json_builder_end_object (jb);
    }
    g_variant_unref (fields);
  }
  json_builder_end_array (jb);
  if (ctl->json) {
    g_autoptr(JsonNode) root = json_builder_get_root (jb);

    cw_ctl_print_json (root);
  }
  return 0;
}

/* ---- list / show -------------------------------------------------------- */

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* "k=v,k=v" of the non-secret settings, sorted; "-" when none. */
static gchar *
format_settings (CwDBusProvider1 *provider, const gchar *separator)
{
  GVariant *settings = cw_dbus_provider1_get_settings (provider);
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  const gchar *key, *value;

  if (settings != NULL) {
    g_variant_iter_init (&iter, settings);
    while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
      g_ptr_array_add (pairs, g_strdup_printf ("%s=%s", key, value));
  }
  if (pairs->len == 0)
    return g_strdup ("-");
  g_ptr_array_sort (pairs, compare_strings);
  g_ptr_array_add (pairs, NULL);
  return g_strjoinv (separator, (gchar **) pairs->pdata);
}

static gchar *
format_secrets (CwDBusProvider1 *provider, const gchar *separator)
{
  const gchar *const *secrets = cw_dbus_provider1_get_secrets_set (provider);

  if (secrets == NULL || secrets[0] == NULL)
    return g_strdup ("-");
  return g_strjoinv (separator, (gchar **) secrets);
}

static int
provider_list (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GError) error = NULL;
  guint name_width = g_utf8_strlen (_("NAME"), -1), type_width = g_utf8_strlen (_("TYPE"), -1);
  guint settings_width = g_utf8_strlen (_("SETTINGS"), -1);
  gboolean names_only = FALSE;
  const GOptionEntry entries[] = {
    { "names", 0, 0, G_OPTION_ARG_NONE, &names_only, N_("Print only the names, one a line (for scripts and shell completion)"), NULL },
    { NULL }
  };

  if (!cw_ctl_parse ("provider list", "", _("List the DNS providers."), entries, &argc, &argv))
    return 1;
  if (argc != 1)
    return cw_ctl_fail_message (_("provider list takes no arguments"));
  providers = list_providers (ctl, &error);
  if (providers == NULL)
    return cw_ctl_fail (error);

  if (ctl->json) {
    g_autoptr(JsonArray) array = json_array_new ();
    g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);

    for (guint i = 0; i < providers->len; i++)
      json_array_add_element (array, cw_ctl_proxy_to_json (G_DBUS_PROXY (g_ptr_array_index (providers, i))));
    json_node_set_array (root, array);
    cw_ctl_print_json (root);
    return 0;
  }
  if (names_only) {
    for (guint i = 0; i < providers->len; i++)
      g_print ("%s\n", cw_dbus_provider1_get_name (g_ptr_array_index (providers, i)));
    return 0;
  }

  for (guint i = 0; i < providers->len; i++) {
    CwDBusProvider1 *p = g_ptr_array_index (providers, i);
    g_autofree gchar *settings = format_settings (p, ",");

    name_width = MAX (name_width, (guint) g_utf8_strlen (cw_dbus_provider1_get_name (p), -1));
    type_width = MAX (type_width, (guint) g_utf8_strlen (cw_dbus_provider1_get_type_ (p), -1));
    settings_width = MAX (settings_width, MIN ((guint) g_utf8_strlen (settings, -1), 60));
  }
  {
    /* TRANSLATORS: column headers of certwardctl provider list */
    g_autofree gchar *c1 = cw_ctl_pad (_("NAME"), name_width + 2);
    g_autofree gchar *c2 = cw_ctl_pad (_("TYPE"), type_width + 2);
    g_autofree gchar *c3 = cw_ctl_pad (_("SETTINGS"), settings_width + 2);

    g_print ("%s%s%s%s\n", c1, c2, c3, _("SECRETS"));
  }
  for (guint i = 0; i < providers->len; i++) {
    CwDBusProvider1 *p = g_ptr_array_index (providers, i);
    g_autofree gchar *settings = format_settings (p, ",");
    g_autofree gchar *secrets = format_secrets (p, ",");
    g_autofree gchar *c1 = cw_ctl_pad (cw_dbus_provider1_get_name (p), name_width + 2);
    g_autofree gchar *c2 = cw_ctl_pad (cw_dbus_provider1_get_type_ (p), type_width + 2);
    g_autofree gchar *c3 = cw_ctl_pad (settings, settings_width + 2);

    g_print ("%s%s%s%s\n", c1, c2, c3, secrets);
  }
  return 0;
}

static int
provider_show (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(CwDBusProvider1) provider = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *secrets = NULL;
  g_autoptr(CwCtlFields) f = cw_ctl_fields_new ();
  GVariant *settings;
  GVariantIter iter;
  const gchar *key, *value;
  gboolean first = TRUE;

  if (!cw_ctl_parse ("provider show", "NAME", _("Show one DNS provider (its secrets only by name)."), NULL,
                     &argc, &argv))
    return 1;
  if (argc != 2)
    return cw_ctl_fail_message (_("provider show needs the name of a DNS provider"));
  provider = find_provider (ctl, argv[1], &error);
  if (provider == NULL)
    return cw_ctl_fail (error);
  if (ctl->json) {
    g_autoptr(JsonNode) node = cw_ctl_proxy_to_json (G_DBUS_PROXY (provider));

    cw_ctl_print_json (node);
    return 0;
  }

  cw_ctl_fields_add (f, _("Name:"), "%s", cw_dbus_provider1_get_name (provider));
  cw_ctl_fields_add (f, _("Type:"), "%s", cw_dbus_provider1_get_type_ (provider));
  cw_ctl_fields_add (f, _("Object path:"), "%s", g_dbus_proxy_get_object_path (G_DBUS_PROXY (provider)));
  settings = cw_dbus_provider1_get_settings (provider);
  if (settings != NULL) {
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

    g_variant_iter_init (&iter, settings);
    while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
      g_ptr_array_add (lines, g_strdup_printf ("%s=%s", key, value));
    g_ptr_array_sort (lines, compare_strings);
    for (guint i = 0; i < lines->len; i++, first = FALSE)
      cw_ctl_fields_add (f, first ? _("Settings:") : "", "%s", (const gchar *) g_ptr_array_index (lines, i));
  }
  if (first)
    cw_ctl_fields_add (f, _("Settings:"), "%s", "-");
  secrets = format_secrets (provider, ", ");
  cw_ctl_fields_add (f, _("Secrets set:"), "%s", secrets);
  cw_ctl_fields_print (f);
  return 0;
}

/* ---- add / update / remove / test --------------------------------------- */

static int
provider_add (CwCtl *ctl, int argc, char **argv)
{
  g_auto(GStrv) secret_files = NULL;
  g_autofree gchar *secret_stdin = NULL, *path = NULL;
  const GOptionEntry entries[] = {
    { "secret-file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &secret_files,
      N_("Take a setting from the first line of FILE, out of sight of ps (repeatable)"), N_("KEY=FILE") },
    { "secret-stdin", 0, 0, G_OPTION_ARG_STRING, &secret_stdin, N_("Take a setting from one line of standard input"),
      N_("KEY") },
    { NULL }
  };
  g_autoptr(GHashTable) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (!cw_ctl_parse ("provider add", "NAME TYPE [KEY=VALUE…]",
                     _("Add a DNS provider for the dns-01 challenge (see certwardctl provider types)."), entries,
                     &argc, &argv))
    return 1;
  if (argc < 3)
    return cw_ctl_fail_message (_("provider add needs a name and a type (see certwardctl provider types), "
                                  "then the settings as KEY=VALUE"));
  settings = parse_settings (argc - 3, argv + 3, secret_files, secret_stdin, &error);
  if (settings == NULL)
    return cw_ctl_fail (error);
  warn_visible_secrets (ctl, argv[2], argc - 3, argv + 3);
  if (!cw_dbus_manager1_call_add_provider_sync (ctl->manager, argv[1], argv[2], settings_variant (settings), &path,
                                                NULL, &error))
    return cw_ctl_fail (error);
  if (ctl->json) {
    g_autoptr(JsonBuilder) jb = json_builder_new ();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object (jb);
    json_builder_set_member_name (jb, "ObjectPath");
    json_builder_add_string_value (jb, path);
    json_builder_end_object (jb);
    root = json_builder_get_root (jb);
    cw_ctl_print_json (root);
  } else {
    g_print ("%s\n", path);
  }
  return 0;
}

static int
provider_update (CwCtl *ctl, int argc, char **argv)
{
  g_auto(GStrv) secret_files = NULL;
  g_autofree gchar *secret_stdin = NULL;
  const GOptionEntry entries[] = {
    { "secret-file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &secret_files,
      N_("Take a setting from the first line of FILE, out of sight of ps (repeatable)"), N_("KEY=FILE") },
    { "secret-stdin", 0, 0, G_OPTION_ARG_STRING, &secret_stdin, N_("Take a setting from one line of standard input"),
      N_("KEY") },
    { NULL }
  };
  g_autoptr(CwDBusProvider1) provider = NULL;
  g_autoptr(GHashTable) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (!cw_ctl_parse ("provider update", "NAME KEY=VALUE…",
                     _("Change settings of a DNS provider; KEY= clears an optional one, others keep their value."),
                     entries, &argc, &argv))
    return 1;
  if (argc < 2)
    return cw_ctl_fail_message (_("provider update needs the name of a DNS provider and the settings to change"));
  settings = parse_settings (argc - 2, argv + 2, secret_files, secret_stdin, &error);
  if (settings == NULL)
    return cw_ctl_fail (error);
  if (g_hash_table_size (settings) == 0)
    return cw_ctl_fail_message (_("provider update needs the settings to change, as KEY=VALUE"));
  provider = find_provider (ctl, argv[1], &error);
  if (provider == NULL)
    return cw_ctl_fail (error);
  warn_visible_secrets (ctl, cw_dbus_provider1_get_type_ (provider), argc - 2, argv + 2);
  if (!cw_dbus_provider1_call_update_sync (provider, settings_variant (settings), NULL, &error))
    return cw_ctl_fail (error);
  return cw_ctl_done (ctl, _("Updated %s\n"), argv[1]);
}

static int
provider_remove (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(CwDBusProvider1) provider = NULL;
  g_autoptr(GError) error = NULL;

  if (!cw_ctl_parse ("provider remove", "NAME", _("Remove a DNS provider and its secrets."), NULL, &argc, &argv))
    return 1;
  if (argc != 2)
    return cw_ctl_fail_message (_("provider remove needs the name of a DNS provider"));
  provider = find_provider (ctl, argv[1], &error);
  if (provider == NULL)
    return cw_ctl_fail (error);
  if (!cw_dbus_provider1_call_remove_sync (provider, NULL, &error))
    return cw_ctl_fail (error);
  return cw_ctl_done (ctl, _("Removed %s\n"), argv[1]);
}

static int
provider_test (CwCtl *ctl, int argc, char **argv)
{
  g_autoptr(CwDBusProvider1) provider = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *zone = NULL;

  if (!cw_ctl_parse ("provider test", "NAME ZONE",
                     _("Publish a throwaway TXT record _certward-test.ZONE through a DNS provider and remove it."),
                     NULL, &argc, &argv))
    return 1;
  if (argc != 3)
    return cw_ctl_fail_message (_("provider test needs the name of a DNS provider and a zone it manages"));
  provider = find_provider (ctl, argv[1], &error);
  if (provider == NULL)
    return cw_ctl_fail (error);
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (provider), TEST_TIMEOUT_MS);
  if (!cw_dbus_provider1_call_test_sync (provider, argv[2], NULL, &error))
    return cw_ctl_fail (error);
  /* the agent's own spelling of the zone: lower case, no final dot */
  zone = g_ascii_strdown (argv[2], -1);
  if (g_str_has_suffix (zone, "."))
    zone[strlen (zone) - 1] = '\0';
  return cw_ctl_done (ctl, _("ok: published and removed _certward-test.%s\n"), zone);
}

int
cw_ctl_provider (CwCtl *ctl, int argc, char **argv)
{
  const gchar *verb = argc > 1 ? argv[1] : "list";

  if (g_str_equal (verb, "--help") || g_str_equal (verb, "-h")) {
    g_print (_("Usage: certwardctl provider types\n"
               "       certwardctl provider list\n"
               "       certwardctl provider show NAME\n"
               "       certwardctl provider add NAME TYPE [KEY=VALUE…] [--secret-file KEY=FILE…] [--secret-stdin KEY]\n"
               "       certwardctl provider update NAME KEY=VALUE… [--secret-file KEY=FILE…] [--secret-stdin KEY]\n"
               "       certwardctl provider remove NAME\n"
               "       certwardctl provider test NAME ZONE\n"));
    return 0;
  }
  if (argc <= 1)
    return provider_list (ctl, argc, argv);
  if (g_str_equal (verb, "types"))
    return provider_types (ctl, argc - 1, argv + 1);
  if (g_str_equal (verb, "list"))
    return provider_list (ctl, argc - 1, argv + 1);
  if (g_str_equal (verb, "show"))
    return provider_show (ctl, argc - 1, argv + 1);
  if (g_str_equal (verb, "add"))
    return provider_add (ctl, argc - 1, argv + 1);
  if (g_str_equal (verb, "update"))
    return provider_update (ctl, argc - 1, argv + 1);
  if (g_str_equal (verb, "remove"))
    return provider_remove (ctl, argc - 1, argv + 1);
  if (g_str_equal (verb, "test"))
    return provider_test (ctl, argc - 1, argv + 1);
  return cw_ctl_fail_message (_("unknown provider command “%s” (types, list, show, add, update, remove, test)"), verb);
}
