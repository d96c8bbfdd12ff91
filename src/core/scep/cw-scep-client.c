/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SCEP over HTTP (RFC 8894 §4): the three operations against one
 * endpoint, with libsoup; and what GetCACaps and GetCACert answers mean. */
#include "config.h"

#include "cw-scep-client.h"
#include "cw-scep-message.h"
#include "cw-error.h"

#include <libsoup/soup.h>
#include <glib/gi18n.h>
#include <string.h>

/* a CA certificate or a CertRep is a few kilobytes; this is plenty */
#define MAX_ANSWER (1024 * 1024)
#define TIMEOUT 60

struct _CwScepClient {
  GObject      parent_instance;
  gchar       *url;
  gchar       *ca_identifier;
  SoupSession *session;
};

G_DEFINE_FINAL_TYPE (CwScepClient, cw_scep_client, G_TYPE_OBJECT)

/* ---- what the answers mean ---------------------------------------------- */

void
cw_scep_caps_free (CwScepCaps *caps)
{
  if (caps == NULL)
    return;
  g_free (caps->text);
  g_free (caps);
}

CwScepCaps *
cw_scep_caps_parse (const gchar *text, gsize len)
{
  CwScepCaps *caps = g_new0 (CwScepCaps, 1);
  g_autofree gchar *copy = g_strndup (text, len);
  g_auto(GStrv) lines = g_strsplit_set (copy, "\r\n", -1);
  g_autoptr(GPtrArray) words = g_ptr_array_new ();

  for (guint i = 0; lines[i] != NULL; i++) {
    gchar *word = g_strstrip (lines[i]);

    if (*word == '\0' || !g_utf8_validate (word, -1, NULL))
      continue;
    g_ptr_array_add (words, word);
#define IS(w) (g_ascii_strcasecmp (word, w) == 0)
    /* SCEPStandard promises AES, SHA-256 and POST (RFC 8894 §3.5.2) */
    if (IS ("SCEPStandard"))
      caps->post = caps->aes = caps->sha256 = TRUE;
    else if (IS ("POSTPKIOperation"))
      caps->post = TRUE;
    else if (IS ("AES"))
      caps->aes = TRUE;
    else if (IS ("DES3"))
      caps->des3 = TRUE;
    else if (IS ("SHA-256"))
      caps->sha256 = TRUE;
    else if (IS ("Renewal"))
      caps->renewal = TRUE;
#undef IS
  }
  g_ptr_array_add (words, NULL);
  caps->text = g_strjoinv (" ", (gchar **) words->pdata);
  return caps;
}

void
cw_scep_ca_certs_free (CwScepCaCerts *ca)
{
  if (ca == NULL)
    return;
  g_clear_pointer (&ca->certs, g_ptr_array_unref);
  g_free (ca);
}

static gboolean
is_ca (gnutls_x509_crt_t crt)
{
  unsigned critical = 0, ca = 0;

  return gnutls_x509_crt_get_basic_constraints (crt, &critical, &ca, NULL) >= 0 && ca;
}

static gboolean
may_encipher (gnutls_x509_crt_t crt)
{
  unsigned usage = 0, critical = 0;

  /* no keyUsage extension: any use */
  return gnutls_x509_crt_get_key_usage (crt, &usage, &critical) < 0 ||
         (usage & (GNUTLS_KEY_KEY_ENCIPHERMENT | GNUTLS_KEY_DATA_ENCIPHERMENT)) != 0;
}

CwScepCaCerts *
cw_scep_ca_certs_parse (const gchar *content_type, const guint8 *data, gsize len, GError **error)
{
  g_autoptr(CwScepCaCerts) ca = g_new0 (CwScepCaCerts, 1);
  gnutls_x509_crt_t ra = NULL;

  if (g_strcmp0 (content_type, "application/x-x509-ca-cert") == 0) {
    gnutls_datum_t der = { (guint8 *) data, len };
    gnutls_x509_crt_t crt = NULL;

    ca->certs = g_ptr_array_new_with_free_func ((GDestroyNotify) gnutls_x509_crt_deinit);
    if (gnutls_x509_crt_init (&crt) < 0 || len == 0 || len > G_MAXUINT32 ||
        gnutls_x509_crt_import (crt, &der, GNUTLS_X509_FMT_DER) < 0) {
      if (crt != NULL)
        gnutls_x509_crt_deinit (crt);
      g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                           _("GetCACert answered with something that is not a DER certificate"));
      return NULL;
    }
    g_ptr_array_add (ca->certs, crt);
  } else if (g_strcmp0 (content_type, "application/x-x509-ca-ra-cert") == 0) {
    ca->certs = cw_scep_certs_only_parse (data, len, error);
    if (ca->certs == NULL) {
      g_prefix_error (error, _("GetCACert: "));
      return NULL;
    }
  } else {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                 _("GetCACert answered with content type “%s” instead of application/x-x509-ca-cert or "
                   "application/x-x509-ca-ra-cert"), content_type != NULL ? content_type : "");
    return NULL;
  }
  if (ca->certs->len == 0) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_INVALID_DATA, _("GetCACert answered with no certificate"));
    return NULL;
  }
  /* the RA: the certificates that are not CAs; encrypt to the one that
   * may encipher keys (RFC 8894 §3.5.1: an RA may have a second
   * certificate for signing only) */
  for (guint i = 0; i < ca->certs->len; i++) {
    gnutls_x509_crt_t crt = g_ptr_array_index (ca->certs, i);

    if (is_ca (crt))
      continue;
    if (may_encipher (crt)) {
      ra = crt;
      break;
    }
    if (ra == NULL)
      ra = crt;
  }
  ca->recipient = ra != NULL ? ra : g_ptr_array_index (ca->certs, 0);
  return g_steal_pointer (&ca);
}

/* ---- HTTP --------------------------------------------------------------- */

static void
cw_scep_client_finalize (GObject *object)
{
  CwScepClient *self = CW_SCEP_CLIENT (object);

  g_free (self->url);
  g_free (self->ca_identifier);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (cw_scep_client_parent_class)->finalize (object);
}

static void
cw_scep_client_class_init (CwScepClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_scep_client_finalize;
}

static void
cw_scep_client_init (CwScepClient *self)
{
}

CwScepClient *
cw_scep_client_new (const gchar *url, const gchar *ca_identifier)
{
  CwScepClient *self = g_object_new (CW_TYPE_SCEP_CLIENT, NULL);
  g_autofree gchar *agent = g_strdup_printf ("certward/%s", PACKAGE_VERSION);

  self->url = g_strdup (url);
  self->ca_identifier = g_strdup (ca_identifier);
  self->session = soup_session_new_with_options ("timeout", TIMEOUT, "user-agent", agent, NULL);
  return self;
}

const gchar *
cw_scep_client_get_url (CwScepClient *self)
{
  return self->url;
}

/* @url?operation=…[&message=…] */
static gchar *
operation_url (CwScepClient *self, const gchar *operation, const gchar *message)
{
  g_autofree gchar *query = message != NULL ? soup_form_encode ("operation", operation, "message", message, NULL)
                                            : soup_form_encode ("operation", operation, NULL);

  return g_strconcat (self->url, strchr (self->url, '?') != NULL ? "&" : "?", query, NULL);
}

typedef struct {
  SoupMessage *message;
  gchar       *operation;
} Exchange;

static void
exchange_free (Exchange *x)
{
  g_clear_object (&x->message);
  g_free (x->operation);
  g_free (x);
}

static void
sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwScepClient *self = g_task_get_source_object (task);
  Exchange *x = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  guint status = soup_message_get_status (x->message);

  if (body == NULL) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_NETWORK, _("cannot reach the SCEP server at %s (%s): %s"),
                             self->url, x->operation, error->message);
    g_error_free (error);
    return;
  }
  if (status != SOUP_STATUS_OK) {
    g_autofree gchar *reason = g_strndup (g_bytes_get_data (body, NULL), MIN (g_bytes_get_size (body), 200));

    /* the server's words, if they are text: micromdm says why it refused */
    g_strdelimit (reason, "\r\n\t", ' ');
    if (!g_utf8_validate (reason, -1, NULL))
      g_clear_pointer (&reason, g_free);
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_DATA, _("the SCEP server at %s answered %s with HTTP %u%s%s"),
                             self->url, x->operation, status, reason != NULL && *g_strstrip (reason) ? ": " : "",
                             reason != NULL ? reason : "");
    return;
  }
  if (g_bytes_get_size (body) > MAX_ANSWER) {
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_DATA, _("the SCEP server's answer to %s is too large"),
                             x->operation);
    return;
  }
  g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
}

static void
send (CwScepClient *self, const gchar *operation, SoupMessage *message, GCancellable *cancellable,
      GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Exchange *x = g_new0 (Exchange, 1);

  g_task_set_source_tag (task, tag);
  x->message = message;
  x->operation = g_strdup (operation);
  g_task_set_task_data (task, x, (GDestroyNotify) exchange_free);
  soup_session_send_and_read_async (self->session, message, G_PRIORITY_DEFAULT, cancellable, sent, task);
}

static SoupMessage *
get_message (const gchar *url, GError **error)
{
  SoupMessage *message = soup_message_new ("GET", url);

  if (message == NULL)
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not a URL"), url);
  return message;
}

static void
start_get (CwScepClient *self, const gchar *operation, const gchar *message_param, GCancellable *cancellable,
           GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
  g_autofree gchar *url = operation_url (self, operation, message_param);
  GError *error = NULL;
  SoupMessage *message = get_message (url, &error);

  if (message == NULL) {
    g_task_report_error (self, callback, user_data, tag, error);
    return;
  }
  send (self, operation, message, cancellable, callback, user_data, tag);
}

static const gchar *
content_type_of (GAsyncResult *result)
{
  Exchange *x = g_task_get_task_data (G_TASK (result));

  return soup_message_headers_get_content_type (soup_message_get_response_headers (x->message), NULL);
}

void
cw_scep_client_get_caps_async (CwScepClient *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  start_get (self, "GetCACaps", self->ca_identifier, cancellable, callback, user_data, cw_scep_client_get_caps_async);
}

CwScepCaps *
cw_scep_client_get_caps_finish (CwScepClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GBytes) body = g_task_propagate_pointer (G_TASK (result), error);

  return body != NULL ? cw_scep_caps_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body)) : NULL;
}

void
cw_scep_client_get_ca_certs_async (CwScepClient *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  start_get (self, "GetCACert", self->ca_identifier, cancellable, callback, user_data,
             cw_scep_client_get_ca_certs_async);
}

CwScepCaCerts *
cw_scep_client_get_ca_certs_finish (CwScepClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GBytes) body = g_task_propagate_pointer (G_TASK (result), error);

  if (body == NULL)
    return NULL;
  return cw_scep_ca_certs_parse (content_type_of (result), g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                 error);
}

void
cw_scep_client_pki_operation_async (CwScepClient *self, GBytes *pki_message, gboolean post, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  SoupMessage *message;
  GError *error = NULL;

  if (!post) {
    g_autofree gchar *encoded = g_base64_encode (g_bytes_get_data (pki_message, NULL), g_bytes_get_size (pki_message));

    start_get (self, "PKIOperation", encoded, cancellable, callback, user_data, cw_scep_client_pki_operation_async);
    return;
  } else {
    g_autofree gchar *url = operation_url (self, "PKIOperation", NULL);

    message = soup_message_new ("POST", url);
    if (message == NULL) {
      g_set_error (&error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not a URL"), self->url);
      g_task_report_error (self, callback, user_data, cw_scep_client_pki_operation_async, error);
      return;
    }
  }
  soup_message_set_request_body_from_bytes (message, "application/x-pki-message", pki_message);
  send (self, "PKIOperation", message, cancellable, callback, user_data, cw_scep_client_pki_operation_async);
}

GBytes *
cw_scep_client_pki_operation_finish (CwScepClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GBytes) body = g_task_propagate_pointer (G_TASK (result), error);
  const gchar *type;

  if (body == NULL)
    return NULL;
  type = content_type_of (result);
  if (g_strcmp0 (type, "application/x-pki-message") != 0) {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_DATA,
                 _("the SCEP server answered PKIOperation with content type “%s” instead of application/x-pki-message"),
                 type != NULL ? type : "");
    return NULL;
  }
  return g_steal_pointer (&body);
}
