/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One SCEP transaction from GetCACaps to the issued certificate, PENDING
 * polls included (RFC 8894 §3.3). Everything runs on the main context:
 * the new key exists already, and RSA signatures take microseconds. */
#include "config.h"

#include "cw-scep-enroll.h"
#include "cw-scep-envelope.h"
#include "cw-scep-message.h"
#include "cw-scep-asn1.h"
#include "cw-error.h"
#include "cw-log.h"

#include <gnutls/crypto.h>
#include <gnutls/pkcs7.h>
#include <glib/gi18n.h>
#include <string.h>

typedef struct {
  CwScepEnrollment *e;
  CwScepCaps       *caps;
  CwScepCaCerts    *ca;
  gnutls_x509_crt_t throwaway;     /* self-signed, for the new key */
  gnutls_x509_crt_t signer;        /* borrowed: throwaway or e->current_cert */
  gnutls_privkey_t  signer_key;
  gnutls_privkey_t  new_key;
  gchar            *transaction_id;
  GBytes           *nonce;         /* of the message in flight */
  gint64            started;
  gint64            sent_at;
} Tx;

static void
tx_free (Tx *tx)
{
  cw_scep_enrollment_free (tx->e);
  cw_scep_caps_free (tx->caps);
  cw_scep_ca_certs_free (tx->ca);
  if (tx->throwaway != NULL)
    gnutls_x509_crt_deinit (tx->throwaway);
  if (tx->signer_key != NULL)
    gnutls_privkey_deinit (tx->signer_key);
  if (tx->new_key != NULL)
    gnutls_privkey_deinit (tx->new_key);
  g_free (tx->transaction_id);
  g_clear_pointer (&tx->nonce, g_bytes_unref);
  g_free (tx);
}

void
cw_scep_enrollment_free (CwScepEnrollment *e)
{
  if (e == NULL)
    return;
  if (e->csr != NULL)
    gnutls_x509_crq_deinit (e->csr);
  if (e->key != NULL)
    gnutls_x509_privkey_deinit (e->key);
  if (e->current_cert != NULL)
    gnutls_x509_crt_deinit (e->current_cert);
  if (e->current_key != NULL)
    gnutls_x509_privkey_deinit (e->current_key);
  g_free (e);
}

static gboolean
gnutls_failed (int ret, const gchar *what, GError **error)
{
  if (ret >= 0)
    return FALSE;
  g_set_error (error, CW_ERROR, CW_ERROR_FAILED, "%s: %s", what, gnutls_strerror (ret));
  return TRUE;
}

static gnutls_privkey_t
abstract_key (gnutls_x509_privkey_t key, GError **error)
{
  gnutls_privkey_t priv = NULL;

  if (gnutls_failed (gnutls_privkey_init (&priv), "key", error))
    return NULL;
  if (gnutls_failed (gnutls_privkey_import_x509 (priv, key, GNUTLS_PRIVKEY_IMPORT_COPY), "key", error)) {
    gnutls_privkey_deinit (priv);
    return NULL;
  }
  return priv;
}

/* The self-signed certificate a first request is signed with (RFC 8894
 * §2.3): the CSR's subject and key, valid for a short while. */
static gnutls_x509_crt_t
make_throwaway (gnutls_x509_crq_t csr, gnutls_privkey_t key, GError **error)
{
  gnutls_x509_crt_t crt = NULL;
  guint8 serial[9];
  time_t now = time (NULL);

  gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] &= 0x7f;   /* positive */
  serial[0] |= 0x01;   /* and without a leading zero byte */
  if (gnutls_failed (gnutls_x509_crt_init (&crt), "X.509", error))
    return NULL;
  if (gnutls_failed (gnutls_x509_crt_set_crq (crt, csr), _("the signing certificate"), error) ||
      gnutls_failed (gnutls_x509_crt_set_version (crt, 3), _("the signing certificate"), error) ||
      gnutls_failed (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), _("the signing certificate"), error) ||
      gnutls_failed (gnutls_x509_crt_set_activation_time (crt, now - 3600), _("the signing certificate"), error) ||
      gnutls_failed (gnutls_x509_crt_set_expiration_time (crt, now + 7 * 24 * 3600), _("the signing certificate"),
                     error) ||
      gnutls_failed (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT),
                     _("the signing certificate"), error) ||
      gnutls_failed (gnutls_x509_crt_privkey_sign (crt, crt, key, GNUTLS_DIG_SHA256, 0), _("the signing certificate"),
                     error)) {
    gnutls_x509_crt_deinit (crt);
    return NULL;
  }
  return crt;
}

/* The CA that issues: the first CA certificate GetCACert named. */
static gnutls_x509_crt_t
issuing_ca (CwScepCaCerts *ca)
{
  for (guint i = 0; i < ca->certs->len; i++) {
    gnutls_x509_crt_t crt = g_ptr_array_index (ca->certs, i);
    unsigned critical = 0, is_ca = 0;

    if (gnutls_x509_crt_get_basic_constraints (crt, &critical, &is_ca, NULL) >= 0 && is_ca)
      return crt;
  }
  return g_ptr_array_index (ca->certs, 0);
}

/* ---- sending ------------------------------------------------------------ */

static void answered (GObject *source, GAsyncResult *result, gpointer user_data);

/* Seals @content for the CA, signs and sends it as a @type message. */
static void
send_message (GTask *task, CwScepMessageType type, GBytes *content)
{
  CwScepClient *client = g_task_get_source_object (task);
  Tx *tx = g_task_get_task_data (task);
  g_autoptr(CwScepMessage) msg = cw_scep_message_new (type);
  g_autoptr(GBytes) der = NULL;
  GError *error = NULL;

  g_clear_pointer (&tx->nonce, g_bytes_unref);
  tx->nonce = cw_scep_nonce_new ();
  msg->transaction_id = g_strdup (tx->transaction_id);
  msg->sender_nonce = g_bytes_ref (tx->nonce);
  msg->content = cw_scep_envelope_seal (content, tx->ca->recipient,
                                        tx->caps->aes ? CW_SCEP_CIPHER_AES_128_CBC : CW_SCEP_CIPHER_3DES_CBC, &error);
  if (msg->content == NULL ||
      (der = cw_scep_message_sign (msg, tx->signer, tx->signer_key, tx->caps->sha256 ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_SHA1,
                                   &error)) == NULL) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  tx->sent_at = g_get_real_time () / G_USEC_PER_SEC;
  cw_scep_client_pki_operation_async (client, der, tx->caps->post, g_task_get_cancellable (task), answered, task);
}

static void
send_request (GTask *task)
{
  Tx *tx = g_task_get_task_data (task);
  gnutls_datum_t der = { NULL, 0 };
  g_autoptr(GBytes) csr = NULL;
  gboolean renewal = tx->e->current_cert != NULL && tx->caps->renewal;
  GError *error = NULL;

  if (gnutls_failed (gnutls_x509_crq_export2 (tx->e->csr, GNUTLS_X509_FMT_DER, &der), "CSR", &error)) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  csr = g_bytes_new (der.data, der.size);
  gnutls_free (der.data);
  /* RFC 8894 §3.3.1.2: a renewal is signed with the certificate it renews */
  if (renewal) {
    tx->signer = tx->e->current_cert;
    tx->signer_key = abstract_key (tx->e->current_key, &error);
  } else {
    tx->signer = tx->throwaway;
    tx->signer_key = abstract_key (tx->e->key, &error);
  }
  if (tx->signer_key == NULL) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  send_message (task, renewal ? CW_SCEP_RENEWAL_REQ : CW_SCEP_PKCS_REQ, csr);
}

/* CertPoll (GetCertInitial): the CA's name and ours, for the same
 * transaction (RFC 8894 §3.3.3). */
static void
send_poll (GTask *task)
{
  Tx *tx = g_task_get_task_data (task);
  g_autoptr(CwAsn1Node) node = NULL;
  g_autoptr(GBytes) content = NULL;
  gnutls_datum_t issuer = { NULL, 0 }, subject = { NULL, 0 };
  GError *error = NULL;
  gboolean ok;

  ok = !gnutls_failed (gnutls_x509_crt_get_raw_dn (issuing_ca (tx->ca), &issuer), _("the CA's name"), &error) &&
       !gnutls_failed (gnutls_x509_crt_get_raw_dn (tx->throwaway, &subject), _("the request's subject"), &error) &&
       (node = cw_scep_asn1_new ("IssuerAndSubject", &error)) != NULL &&
       cw_scep_asn1_write (node, "issuer", issuer.data, issuer.size, &error) &&
       cw_scep_asn1_write (node, "subject", subject.data, subject.size, &error) &&
       (content = cw_scep_asn1_encode (node, "IssuerAndSubject", &error)) != NULL;
  gnutls_free (issuer.data);
  gnutls_free (subject.data);
  if (!ok) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  send_message (task, CW_SCEP_CERT_POLL, content);
}

static gboolean
poll_due (gpointer user_data)
{
  GTask *task = user_data;

  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return G_SOURCE_REMOVE;
  }
  send_poll (task);
  return G_SOURCE_REMOVE;
}

/* Waits poll_interval, or until cancelled. */
static void
schedule_poll (GTask *task)
{
  Tx *tx = g_task_get_task_data (task);
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (tx->e->poll_interval);

  if (g_task_get_cancellable (task) != NULL) {
    g_autoptr(GSource) cancelled = g_cancellable_source_new (g_task_get_cancellable (task));

    /* a cancellation dispatches the parent at once */
    g_source_set_dummy_callback (cancelled);
    g_source_add_child_source (timeout, cancelled);
  }
  g_source_set_callback (timeout, poll_due, task, NULL);
  g_source_attach (timeout, g_main_context_get_thread_default ());
}

/* ---- the CA's answers --------------------------------------------------- */

static gboolean
same_key (gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
  guint8 a[64], b[64];
  size_t a_len = sizeof a, b_len = sizeof b;

  return gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA256, a, &a_len) >= 0 &&
         gnutls_x509_privkey_get_key_id (key, GNUTLS_KEYID_USE_SHA256, b, &b_len) >= 0 && a_len == b_len &&
         memcmp (a, b, a_len) == 0;
}

static gboolean
append_pem (GString *out, gnutls_x509_crt_t crt, GError **error)
{
  gnutls_datum_t pem = { NULL, 0 };

  if (gnutls_failed (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &pem), "PEM", error))
    return FALSE;
  g_string_append_len (out, (const gchar *) pem.data, pem.size);
  gnutls_free (pem.data);
  return TRUE;
}

/* The leaf for our key and the intermediates above it, from what the
 * CertRep and GetCACert carried; a self-signed root stays out. */
static gchar *
chain_pem (Tx *tx, GPtrArray *issued, GError **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gnutls_x509_crt_t leaf = NULL, at;

  for (guint i = 0; i < issued->len && leaf == NULL; i++)
    if (same_key (g_ptr_array_index (issued, i), tx->e->key))
      leaf = g_ptr_array_index (issued, i);
  if (leaf == NULL) {
    g_set_error_literal (error, CW_ERROR, CW_ERROR_KEY_MISMATCH,
                         _("the SCEP CA answered with a certificate for another key"));
    return NULL;
  }
  if (!append_pem (out, leaf, error))
    return NULL;
  at = leaf;
  for (guint depth = 0; depth < 8; depth++) {
    gnutls_x509_crt_t next = NULL;
    GPtrArray *pools[] = { issued, tx->ca->certs };

    for (guint p = 0; p < G_N_ELEMENTS (pools) && next == NULL; p++)
      for (guint i = 0; i < pools[p]->len && next == NULL; i++) {
        gnutls_x509_crt_t c = g_ptr_array_index (pools[p], i);

        if (c != at && gnutls_x509_crt_check_issuer (at, c) && !gnutls_x509_crt_equals (c, leaf))
          next = c;
      }
    if (next == NULL || gnutls_x509_crt_check_issuer (next, next))
      break;
    if (!append_pem (out, next, error))
      return NULL;
    at = next;
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Tx *tx = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) answer = cw_scep_client_pki_operation_finish (CW_SCEP_CLIENT (source), result, &error);
  g_autoptr(CwScepMessage) rep = NULL;
  g_autoptr(GPtrArray) issued = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gchar *pem;

  if (answer != NULL)
    rep = cw_scep_cert_rep_open (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), tx->ca->certs,
                                 tx->transaction_id, tx->nonce, tx->signer, tx->signer_key, &issued, &error);
  if (rep == NULL) {
    if (answer != NULL)
      g_prefix_error (&error, _("the SCEP server's answer is not a valid CertRep: "));
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  /* the CA answered: that is the last poll, whatever it said */
  if (tx->e->polled != NULL && rep->status != CW_SCEP_PENDING)
    tx->e->polled (tx->sent_at, 0, tx->e->polled_data);
  switch (rep->status) {
  case CW_SCEP_SUCCESS:
    pem = chain_pem (tx, issued, &error);
    if (pem == NULL)
      g_task_return_error (task, error);
    else
      g_task_return_pointer (task, pem, g_free);
    break;
  case CW_SCEP_FAILURE:
    g_task_return_new_error (task, CW_ERROR, CW_ERROR_FAILED, _("the SCEP CA refused the request: %s%s%s"),
                             cw_scep_fail_info_to_string (rep->fail_info), rep->fail_info_text != NULL ? " — " : "",
                             rep->fail_info_text != NULL ? rep->fail_info_text : "");
    break;
  case CW_SCEP_PENDING:
    if (now - tx->started >= tx->e->max_pending) {
      g_autofree gchar *seconds = g_strdup_printf ("%" G_GINT64_FORMAT, now - tx->started);

      g_task_return_new_error (task, CW_ERROR, CW_ERROR_FAILED,
                               _("the SCEP CA still has the request pending after %s s; it may need an "
                                 "administrator's approval"), seconds);
      break;
    }
    /* the next poll is an interval after this answer: one clock reading
     * for both, so next - last is the interval the administrator set */
    if (tx->e->polled != NULL)
      tx->e->polled (now, now + tx->e->poll_interval, tx->e->polled_data);
    schedule_poll (task);
    return;
  }
  g_object_unref (task);
}

static void
got_ca_certs (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Tx *tx = g_task_get_task_data (task);
  GError *error = NULL;

  tx->ca = cw_scep_client_get_ca_certs_finish (CW_SCEP_CLIENT (source), result, &error);
  if (tx->ca == NULL) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  send_request (task);
}

static void
got_caps (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Tx *tx = g_task_get_task_data (task);
  GError *error = NULL;

  tx->caps = cw_scep_client_get_caps_finish (CW_SCEP_CLIENT (source), result, &error);
  if (tx->caps == NULL) {
    /* an unreachable server is an error; one without GetCACaps is an old
     * CA that can do the minimum: GET, triple DES, SHA-1 (RFC 8894 §3.5.2) */
    if (g_error_matches (error, CW_ERROR, CW_ERROR_NETWORK) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
    g_debug ("GetCACaps failed, assuming the minimum: %s", error->message);
    g_error_free (error);
    tx->caps = cw_scep_caps_parse ("", 0);
  }
  cw_scep_client_get_ca_certs_async (CW_SCEP_CLIENT (source), g_task_get_cancellable (task), got_ca_certs, task);
}

void
cw_scep_enroll_async (CwScepClient *client, CwScepEnrollment *e, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  Tx *tx = g_new0 (Tx, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, cw_scep_enroll_async);
  tx->e = e;
  tx->transaction_id = cw_scep_transaction_id_new ();
  tx->started = g_get_real_time () / G_USEC_PER_SEC;
  g_task_set_task_data (task, tx, (GDestroyNotify) tx_free);
  if ((tx->new_key = abstract_key (e->key, &error)) == NULL ||
      (tx->throwaway = make_throwaway (e->csr, tx->new_key, &error)) == NULL) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  cw_scep_client_get_caps_async (client, cancellable, got_caps, task);
}

gchar *
cw_scep_enroll_finish (CwScepClient *client, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
