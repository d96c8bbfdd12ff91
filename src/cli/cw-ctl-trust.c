/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* certwardctl trust: the CA certificates the PBX trusts as a TLS client. */
#include "config.h"

#include "cw-ctl.h"

#include <glib/gi18n.h>
#include <stdio.h>

static int
trust_list (CwCtl *ctl, CwDBusTrustStore1 *trust)
{
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const gchar *fp, *subject, *issuer, *serial;
  guint64 not_before, not_after;
  gboolean system;

  if (!cw_dbus_trust_store1_call_list_sync (trust, &entries, NULL, &error))
    return cw_ctl_fail (error);
  if (ctl->json) {
    g_autoptr(JsonNode) node = json_gvariant_serialize (entries);

    cw_ctl_print_json (node);
    return 0;
  }
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(&s&s&s&sttb)", &fp, &subject, &issuer, &serial, &not_before, &not_after, &system)) {
    g_autofree gchar *expiry = cw_ctl_format_expiry (not_after);
    /* padded in characters: translations may have accents */
    g_autofree gchar *origin = cw_ctl_pad (system ? _("system") : _("added"), 9);
    g_autofree gchar *when = cw_ctl_pad (expiry, 15);

    g_print ("%.16s  %s%s%s\n", fp, origin, when, subject);
  }
  return 0;
}

static GVariant *
read_upload (int argc, char **argv, GError **error)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();

  /* several PEM files are one PEM bundle */
  for (int i = 0; i < argc; i++) {
    g_autoptr(GBytes) bytes = cw_ctl_read_file (argv[i], error);

    if (bytes == NULL)
      return NULL;
    if (argc > 1 && g_strstr_len (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "-----BEGIN") == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: give binary (DER, PKCS#12) files one at a time"), argv[i]);
      return NULL;
    }
    g_byte_array_append (all, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    g_byte_array_append (all, (const guint8 *) "\n", 1);
  }
  if (argc == 1)
    g_byte_array_set_size (all, all->len - 1);
  {
    g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&all));

    return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
  }
}

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_for_mode (CwDBusTrustStore1 *trust, const gchar *mode)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (30, timed_out, &expired);

  while (g_strcmp0 (cw_dbus_trust_store1_get_verification_mode (trust), mode) != 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return !expired;
}

int
cw_ctl_trust (CwCtl *ctl, int argc, char **argv)
{
  g_autofree gchar *output = NULL;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("export: write to FILE"), N_("FILE") },
    { NULL }
  };
  g_autoptr(CwDBusTrustStore1) trust = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *verb;

  if (!cw_ctl_parse ("trust", "list | add FILE… | remove FINGERPRINT | replace FILE… | reset | export | mode [MODE]",
                     _("The CA certificates the PBX trusts when it connects out (trunks, provisioning, LDAP)."),
                     entries, &argc, &argv))
    return 1;
  if (argc < 2)
    return cw_ctl_fail_message (_("trust needs list, add, remove, replace, reset, export or mode"));
  verb = argv[1];
  trust = cw_dbus_trust_store1_proxy_new_sync (ctl->bus, G_DBUS_PROXY_FLAGS_NONE, CW_BUS_NAME,
                                               CW_OBJECT_PATH "/TrustStore", NULL, &error);
  if (trust == NULL)
    return cw_ctl_fail (error);

  if (g_str_equal (verb, "list"))
    return trust_list (ctl, trust);
  if (g_str_equal (verb, "add") || g_str_equal (verb, "replace")) {
    g_autoptr(GVariant) data = NULL;
    g_auto(GStrv) fps = NULL;

    if (argc < 3)
      return cw_ctl_fail_message (_("trust %s needs at least one file"), verb);
    data = read_upload (argc - 2, argv + 2, &error);
    if (data == NULL)
      return cw_ctl_fail (error);
    g_variant_ref_sink (data);
    if (g_str_equal (verb, "add")) {
      if (!cw_dbus_trust_store1_call_add_sync (trust, data, &fps, NULL, &error))
        return cw_ctl_fail (error);
      for (guint i = 0; fps[i] != NULL; i++)
        g_print ("%s\n", fps[i]);
    } else if (!cw_dbus_trust_store1_call_replace_sync (trust, data, NULL, &error)) {
      return cw_ctl_fail (error);
    }
    return 0;
  }
  if (g_str_equal (verb, "remove")) {
    if (argc != 3)
      return cw_ctl_fail_message (_("trust remove needs a fingerprint (see certwardctl --json trust list)"));
    if (!cw_dbus_trust_store1_call_remove_sync (trust, argv[2], NULL, &error))
      return cw_ctl_fail (error);
    return 0;
  }
  if (g_str_equal (verb, "reset")) {
    if (!cw_dbus_trust_store1_call_reset_sync (trust, NULL, &error))
      return cw_ctl_fail (error);
    return 0;
  }
  if (g_str_equal (verb, "export")) {
    g_autoptr(GVariant) pem = NULL;
    gsize len = 0;
    const gchar *data;

    if (!cw_dbus_trust_store1_call_export_sync (trust, &pem, NULL, &error))
      return cw_ctl_fail (error);
    data = g_variant_get_fixed_array (pem, &len, 1);
    if (output != NULL) {
      if (!g_file_set_contents (output, data, len, &error))
        return cw_ctl_fail (error);
    } else if (fwrite (data, 1, len, stdout) != len) {
      return cw_ctl_fail_message (_("cannot write to standard output"));
    }
    return 0;
  }
  if (g_str_equal (verb, "mode")) {
    g_autoptr(GVariant) reply = NULL;

    if (argc == 2) {
      g_print ("%s\n", cw_dbus_trust_store1_get_verification_mode (trust));
      return 0;
    }
    reply = g_dbus_connection_call_sync (ctl->bus, CW_BUS_NAME, CW_OBJECT_PATH "/TrustStore",
                                         "org.freedesktop.DBus.Properties", "Set",
                                         g_variant_new ("(ssv)", "org.certward.TrustStore1", "VerificationMode",
                                                        g_variant_new_string (argv[2])),
                                         NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    if (reply == NULL)
      return cw_ctl_fail (error);
    /* the agent writes the mode in the background: return once it is live */
    if (!wait_for_mode (trust, argv[2]))
      return cw_ctl_fail_message (_("the agent accepted the mode but did not apply it; see its log"));
    return 0;
  }
  return cw_ctl_fail_message (_("unknown trust command “%s”"), verb);
}
