/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every certwardctl command shares: the connection, lookups, errors, passwords, JSON. */
#include "config.h"

#include "cw-ctl.h"
#include "cw-error.h"

#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <glib/gprintf.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* What an administrator can do when no agent answers (certwardd(8)). */
static const gchar *
how_to_start (GBusType bus_type)
{
  return bus_type == G_BUS_TYPE_SESSION
           /* TRANSLATORS: how tests and developers run an agent of their own */
           ? _("start one with “certwardd --session --state-dir DIR &” inside “dbus-run-session”, "
               "as tests/test-cli.sh does")
           : _("start it with “systemctl enable --now certwardd”");
}

gboolean
cw_ctl_connect (CwCtl *ctl, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree gchar *owner = NULL;

  /* the agent's errors arrive with their CW_ERROR codes */
  cw_error_quark ();
  ctl->bus = g_bus_get_sync (ctl->bus_type, NULL, &local);
  if (ctl->bus == NULL) {
    /* GIO says "Could not connect: No such file or directory": true, but
     * what the administrator needs is that no agent can be there */
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN,
                 ctl->bus_type == G_BUS_TYPE_SESSION
                   ? _("certwardd is not running: there is no session bus (%s); %s")
                   : _("certwardd is not running: there is no system bus (%s); %s"),
                 local->message, how_to_start (ctl->bus_type));
    return FALSE;
  }
  cw_ctl_allow_authorization (ctl);
  ctl->manager = cw_dbus_manager1_proxy_new_sync (ctl->bus, G_DBUS_PROXY_FLAGS_NONE, CW_BUS_NAME,
                                                  CW_OBJECT_PATH, NULL, error);
  if (ctl->manager == NULL)
    return FALSE;
  ctl->objects = cw_dbus_object_manager_client_new_sync (ctl->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                         CW_BUS_NAME, CW_OBJECT_PATH, NULL, error);
  if (ctl->objects == NULL)
    return FALSE;
  /* a proxy without an owner means nothing answered, not "no certificates";
   * the owner is a new string (transfer full) */
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (ctl->objects));
  if (owner == NULL) {
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN,
                 ctl->bus_type == G_BUS_TYPE_SESSION ? _("certwardd is not running on the session bus; %s")
                                                     : _("certwardd is not running on the system bus; %s"),
                 how_to_start (ctl->bus_type));
    return FALSE;
  }
  return TRUE;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  CwDBusCertificate1 *ca = *(CwDBusCertificate1 **) a;
  CwDBusCertificate1 *cb = *(CwDBusCertificate1 **) b;

  return g_strcmp0 (cw_dbus_certificate1_get_name (ca), cw_dbus_certificate1_get_name (cb));
}

GPtrArray *
cw_ctl_list_certificates (CwCtl *ctl)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GList *objects = g_dbus_object_manager_get_objects (ctl->objects);

  for (GList *l = objects; l != NULL; l = l->next) {
    CwDBusCertificate1 *cert = cw_dbus_object_get_certificate1 (CW_DBUS_OBJECT (l->data));

    if (cert != NULL)
      g_ptr_array_add (out, cert);
  }
  g_list_free_full (objects, g_object_unref);
  g_ptr_array_sort (out, compare_names);
  return out;
}

CwDBusCertificate1 *
cw_ctl_find_certificate (CwCtl *ctl, const gchar *name, GError **error)
{
  g_autoptr(GPtrArray) certs = cw_ctl_list_certificates (ctl);

  for (guint i = 0; i < certs->len; i++) {
    CwDBusCertificate1 *cert = g_ptr_array_index (certs, i);

    if (g_strcmp0 (cw_dbus_certificate1_get_name (cert), name) == 0)
      return g_object_ref (cert);
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("no certificate named “%s” (see certwardctl list)"), name);
  return NULL;
}

void
cw_ctl_add_strings (GVariantBuilder *b, const gchar *first_key, ...)
{
  va_list args;

  va_start (args, first_key);
  for (const gchar *key = first_key; key != NULL; key = va_arg (args, const gchar *)) {
    const gchar *value = va_arg (args, const gchar *);

    if (value != NULL)
      g_variant_builder_add (b, "{sv}", key, g_variant_new_string (value));
  }
  va_end (args);
}

CwDBusCertificate1 *
cw_ctl_certificate_arg (CwCtl *ctl, int argc, char **argv, int want, const gchar *usage)
{
  g_autoptr(GError) error = NULL;
  CwDBusCertificate1 *cert;

  /* without @usage the caller has checked the count */
  g_return_val_if_fail (usage != NULL || argc == want, NULL);
  if (argc != want) {
    cw_ctl_fail_message ("%s", usage);
    return NULL;
  }
  cert = cw_ctl_find_certificate (ctl, argv[1], &error);
  if (cert == NULL)
    cw_ctl_fail (error);
  return cert;
}

int
cw_ctl_done (CwCtl *ctl, const gchar *format, ...)
{
  va_list args;

  if (ctl->json)
    return 0;
  va_start (args, format);
  g_vprintf (format, args);
  va_end (args);
  return 0;
}

gboolean
cw_ctl_parse (const gchar *command, const gchar *args, const gchar *summary, const GOptionEntry *entries,
              int *argc, char ***argv)
{
  g_autofree gchar *prgname = g_strconcat ("certwardctl ", command, NULL);
  g_autoptr(GOptionContext) context = g_option_context_new (args != NULL && *args != '\0' ? args : NULL);
  g_autoptr(GError) error = NULL;

  /* GOption's usage line starts with the program name: make it read
   * "certwardctl import [OPTION…] FILE...", a line one can type */
  g_set_prgname (prgname);

  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error)) {
    g_printerr ("certwardctl %s: %s\n", command, error->message);
    return FALSE;
  }
  return TRUE;
}

int
cw_ctl_fail (const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);

  if (g_dbus_error_is_remote_error (copy))
    g_dbus_error_strip_remote_error (copy);
  g_printerr ("certwardctl: %s\n", copy->message);
  return 1;
}

int
cw_ctl_fail_replace (const GError *error, const gchar *name, gboolean replace)
{
  if (replace || !g_error_matches (error, CW_ERROR, CW_ERROR_EXISTS))
    return cw_ctl_fail (error);
  if (name == NULL)
    return cw_ctl_fail_message (_("a certificate of that name exists; use --replace to overwrite it, "
                                  "or --name to give the new one another name"));
  return cw_ctl_fail_message (_("a certificate named “%s” exists; use --replace to overwrite it"), name);
}

int
cw_ctl_fail_message (const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("certwardctl: %s\n", message);
  return 1;
}

GBytes *
cw_ctl_read_file (const gchar *path, GError **error)
{
  gchar *data = NULL;
  gsize len = 0;

  if (g_str_equal (path, "-")) {
    g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

    if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
      return NULL;
    return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  }
  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  return g_bytes_new_take (data, len);
}

static gchar *
prompt_password (const gchar *prompt)
{
  FILE *tty = fopen ("/dev/tty", "r+");
  struct termios old, quiet;
  gchar buf[1024];
  gchar *line = NULL;

  if (tty == NULL)
    return NULL;
  fprintf (tty, "%s", prompt);
  fflush (tty);
  if (tcgetattr (fileno (tty), &old) == 0) {
    quiet = old;
    quiet.c_lflag &= ~ECHO;
    /* TCSADRAIN, not TCSAFLUSH: keep what was typed (or piped) ahead */
    tcsetattr (fileno (tty), TCSADRAIN, &quiet);
  }
  if (fgets (buf, sizeof buf, tty) != NULL) {
    buf[strcspn (buf, "\r\n")] = '\0';
    line = g_strdup (buf);
  }
  tcsetattr (fileno (tty), TCSADRAIN, &old);
  fprintf (tty, "\n");
  fclose (tty);
  explicit_bzero (buf, sizeof buf);
  return line;
}

gchar *
cw_ctl_read_password (const gchar *path, const gchar *prompt, GError **error)
{
  g_autofree gchar *data = NULL;

  if (path == NULL)
    return isatty (STDIN_FILENO) ? prompt_password (prompt) : NULL;
  if (!g_file_get_contents (path, &data, NULL, error))
    return NULL;
  data[strcspn (data, "\r\n")] = '\0';
  {
    gchar *line = g_strdup (data);

    cw_ctl_forget_password (&data);
    return line;
  }
}

void
cw_ctl_forget_password (gchar **password)
{
  if (*password != NULL)
    explicit_bzero (*password, strlen (*password));
  g_clear_pointer (password, g_free);
}

JsonNode *
cw_ctl_proxy_to_json (GDBusProxy *proxy)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_auto(GStrv) names = g_dbus_proxy_get_cached_property_names (proxy);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ObjectPath");
  json_builder_add_string_value (b, g_dbus_proxy_get_object_path (proxy));
  for (guint i = 0; names != NULL && names[i] != NULL; i++) {
    g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, names[i]);

    json_builder_set_member_name (b, names[i]);
    json_builder_add_value (b, json_gvariant_serialize (value));
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
cw_ctl_print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree gchar *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
}

gchar *
cw_ctl_format_expiry (guint64 not_after)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 delta = (gint64) not_after - now;
  gint days = (gint) MIN ((delta >= 0 ? delta : -delta) / 86400, G_MAXINT);

  if (not_after == 0)
    return g_strdup ("-");
  if (delta >= 0 && days == 0)
    return g_strdup (_("today"));
  if (delta >= 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "in %d day", "in %d days", days), days);
  if (days == 0)
    return g_strdup (_("expired today"));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d day ago", "%d days ago", days), days);
}

GVariant *
cw_ctl_bytes_variant (GBytes *bytes)
{
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

gchar *
cw_ctl_pad (const gchar *text, guint width)
{
  GString *out = g_string_new (text);

  /* printf pads bytes; columns are characters (IDENTITÀ) */
  for (glong i = g_utf8_strlen (text, -1); i < (glong) width; i++)
    g_string_append_c (out, ' ');
  return g_string_free (out, FALSE);
}
