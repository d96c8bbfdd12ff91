/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TLS-ALPN-01 (RFC 8737): the validation certificates, the listener that
 * presents them to "acme-tls/1" handshakes while challenges are pending,
 * and the solver orders use. */
#include "config.h"

#include "cw-tls-alpn01.h"
#include "cw-error.h"
#include "cw-issuer.h"
#include "cw-names.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <gnutls/crypto.h>
#include <gnutls/x509-ext.h>
#include <ldns/ldns.h>
#include <string.h>

#define ACME_TLS_1 "acme-tls/1"
/* id-pe-acmeIdentifier (RFC 8737 §6.1) */
#define OID_ACME_IDENTIFIER "1.3.6.1.5.5.7.1.31"
#define HANDSHAKE_TIMEOUT_MS 10000
#define MAX_HANDSHAKES 16   /* queued or running */
#define MAX_THREADS 4

gboolean
cw_tls_alpn01_mode_from_string (const gchar *text, CwTlsAlpn01Mode *mode, GError **error)
{
  if (g_strcmp0 (text, "standalone") == 0) {
    *mode = CW_TLS_ALPN01_STANDALONE;
  } else if (g_strcmp0 (text, "dbus") == 0) {
    *mode = CW_TLS_ALPN01_DBUS;
  } else {
    g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("unknown tls-alpn-01 mode “%s”; use standalone or dbus"),
                 text != NULL ? text : "");
    return FALSE;
  }
  return TRUE;
}

gchar *
cw_tls_alpn01_server_name (const gchar *identifier)
{
  ldns_rdf *address = NULL, *reverse = NULL;
  gchar *text, *name;
  gsize len;

  if (!cw_identity_is_ip (identifier))
    return g_ascii_strdown (identifier, -1);
  /* RFC 8738 §6: the reverse mapping name, as ldns spells it */
  address = ldns_rdf_new_frm_str (strchr (identifier, ':') != NULL ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, identifier);
  reverse = address != NULL ? ldns_rdf_address_reverse (address) : NULL;
  text = reverse != NULL ? ldns_rdf2str (reverse) : NULL;
  ldns_rdf_deep_free (address);
  ldns_rdf_deep_free (reverse);
  if (text == NULL)
    return g_strdup (identifier);
  len = strlen (text);
  name = g_ascii_strdown (text, len > 0 && text[len - 1] == '.' ? (gssize) len - 1 : (gssize) len);
  free (text);
  return name;
}

/* ---- one challenge's certificate ---------------------------------------- */

typedef struct {
  gchar                           *token;
  gchar                           *identifier;
  gchar                           *server_name;
  gchar                           *cert_pem;
  gchar                           *key_pem;
  gnutls_certificate_credentials_t credentials;
} Answer;

static void
answer_clear (Answer *a)
{
  g_free (a->token);
  g_free (a->identifier);
  g_free (a->server_name);
  g_free (a->cert_pem);
  if (a->key_pem != NULL)
    explicit_bzero (a->key_pem, strlen (a->key_pem));
  g_free (a->key_pem);
  if (a->credentials != NULL)
    gnutls_certificate_free_credentials (a->credentials);
}

static Answer *
answer_ref (Answer *a)
{
  return g_atomic_rc_box_acquire (a);
}

static void
answer_unref (Answer *a)
{
  g_atomic_rc_box_release_full (a, (GDestroyNotify) answer_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_unref)

/* RFC 8737 §3: self-signed, the identifier alone in the subjectAltName,
 * the SHA-256 of the key authorization in the critical acmeIdentifier
 * extension. A throwaway P-256 key; a week of validity is plenty. */
static Answer *
answer_new (const CwChallenge *c, GError **error)
{
  g_autoptr(Answer) a = g_atomic_rc_box_new0 (Answer);
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(CwDatum) ext = { 0 };
  guint8 digest[32], serial[16];
  gnutls_datum_t digest_datum = { digest, sizeof digest };
  time_t now = time (NULL);
  int ret;

  a->token = g_strdup (c->token);
  a->identifier = g_strdup (c->identifier);
  a->server_name = cw_tls_alpn01_server_name (c->identifier);
  key = cw_keygen (CW_KEY_EC_P256, error);
  if (key == NULL)
    return NULL;
  gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] &= 0x7f;   /* a positive INTEGER */
  if ((ret = gnutls_hash_fast (GNUTLS_DIG_SHA256, c->key_authorization, strlen (c->key_authorization), digest)) < 0 ||
      /* the extension's value is an OCTET STRING of the digest, which is
       * exactly what a subjectKeyIdentifier is: GnuTLS encodes it */
      (ret = gnutls_x509_ext_export_subject_key_id (&digest_datum, &ext)) < 0 ||
      (ret = gnutls_x509_crt_init (&crt)) < 0 ||
      (ret = gnutls_x509_crt_set_version (crt, 3)) < 0 ||
      (ret = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0 ||
      (ret = gnutls_x509_crt_set_activation_time (crt, now - 3600)) < 0 ||
      (ret = gnutls_x509_crt_set_expiration_time (crt, now + 7 * 24 * 3600)) < 0 ||
      (ret = gnutls_x509_crt_set_key (crt, key)) < 0 ||
      (ret = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, c->identifier,
                                            strlen (c->identifier))) < 0 ||
      (ret = gnutls_x509_crt_set_extension_by_oid (crt, OID_ACME_IDENTIFIER, ext.data, ext.size, 1)) < 0) {
    cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot make the TLS-ALPN-01 certificate"));
    return NULL;
  }
  if (cw_identity_is_ip (c->identifier)) {
    g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (c->identifier);

    ret = ip != NULL ? gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, g_inet_address_to_bytes (ip),
                                                             g_inet_address_get_native_size (ip), GNUTLS_FSAN_SET)
                     : GNUTLS_E_INVALID_REQUEST;
  } else {
    ret = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, c->identifier, strlen (c->identifier),
                                                GNUTLS_FSAN_SET);
  }
  if (ret < 0 || (ret = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0 ||
      (ret = gnutls_certificate_allocate_credentials (&a->credentials)) < 0 ||
      (ret = gnutls_certificate_set_x509_key (a->credentials, &crt, 1, key)) < 0) {
    cw_gnutls_fail (error, CW_ERROR_FAILED, ret, _("cannot make the TLS-ALPN-01 certificate"));
    return NULL;
  }
  a->cert_pem = cw_x509_crt_export_pem (crt, error);
  a->key_pem = a->cert_pem != NULL ? cw_x509_privkey_export_pem (key, NULL, error) : NULL;
  if (a->key_pem == NULL)
    return NULL;
  return g_steal_pointer (&a);
}

/* ---- the responder ------------------------------------------------------ */

struct _CwTlsAlpn01 {
  GObject         parent_instance;

  gchar          *address;
  guint           port;
  GMutex          lock;         /* answers: read by handshake threads */
  GPtrArray      *answers;      /* Answer, the newest last */
  GSocketService *service;
  guint           standalone;   /* standalone challenges pending */
  guint           handshakes;   /* queued or in a thread */
  GThreadPool    *pool;         /* where handshakes run */
};

G_DEFINE_FINAL_TYPE (CwTlsAlpn01, cw_tls_alpn01, G_TYPE_OBJECT)

static void handshake_thread (gpointer data, gpointer user_data);

static void
stop_listening (CwTlsAlpn01 *self)
{
  if (self->service == NULL)
    return;
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_info ("TLS-ALPN-01: stopped listening");
}

static void
cw_tls_alpn01_finalize (GObject *object)
{
  CwTlsAlpn01 *self = CW_TLS_ALPN01 (object);

  stop_listening (self);
  /* (every handshake holds a reference: none is left to wait for) */
  g_thread_pool_free (self->pool, FALSE, TRUE);
  g_ptr_array_unref (self->answers);
  g_mutex_clear (&self->lock);
  g_free (self->address);
  G_OBJECT_CLASS (cw_tls_alpn01_parent_class)->finalize (object);
}

static void
cw_tls_alpn01_class_init (CwTlsAlpn01Class *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_tls_alpn01_finalize;
}

static void
cw_tls_alpn01_init (CwTlsAlpn01 *self)
{
  g_mutex_init (&self->lock);
  self->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) answer_unref);
  self->pool = g_thread_pool_new (handshake_thread, NULL, MAX_THREADS, FALSE, NULL);
}

CwTlsAlpn01 *
cw_tls_alpn01_new (const gchar *address, guint port)
{
  CwTlsAlpn01 *self = g_object_new (CW_TYPE_TLS_ALPN01, NULL);

  self->address = g_strdup (address != NULL ? address : "");
  self->port = port;
  return self;
}

void
cw_tls_alpn01_set_endpoint (CwTlsAlpn01 *self, const gchar *address, guint port)
{
  /* read when it starts listening, not while it listens */
  g_free (self->address);
  self->address = g_strdup (address != NULL ? address : "");
  self->port = port;
}

gboolean
cw_tls_alpn01_is_listening (CwTlsAlpn01 *self)
{
  return self->service != NULL;
}

/* The newest answer for @server_name (or the identifier itself), a new
 * reference; NULL when none is pending. Any thread. */
static Answer *
find_answer (CwTlsAlpn01 *self, const gchar *server_name)
{
  g_autofree gchar *name = g_ascii_strdown (server_name, -1);
  gsize len = strlen (name);
  Answer *found = NULL;

  if (len > 0 && name[len - 1] == '.')
    name[len - 1] = '\0';
  g_mutex_lock (&self->lock);
  for (guint i = self->answers->len; i > 0 && found == NULL; i--) {
    Answer *a = g_ptr_array_index (self->answers, i - 1);

    if (g_str_equal (a->server_name, name) || g_ascii_strcasecmp (a->identifier, name) == 0)
      found = answer_ref (a);
  }
  g_mutex_unlock (&self->lock);
  return found;
}

gboolean
cw_tls_alpn01_lookup (CwTlsAlpn01 *self, const gchar *server_name, gchar **cert_pem, gchar **key_pem)
{
  g_autoptr(Answer) a = find_answer (self, server_name);

  if (a == NULL)
    return FALSE;
  *cert_pem = g_strdup (a->cert_pem);
  *key_pem = g_strdup (a->key_pem);
  return TRUE;
}

/* ---- handshakes --------------------------------------------------------- */

typedef struct {
  CwTlsAlpn01 *self;
  Answer      *answer;
} Handshake;

/* After the ClientHello: the certificate of the identifier the validator
 * names, or no handshake at all. */
static int
client_hello (gnutls_session_t session)
{
  Handshake *hs = gnutls_session_get_ptr (session);
  gnutls_datum_t protocol = { NULL, 0 };
  gchar name[256];
  size_t len = sizeof name - 1;
  unsigned type = 0;

  /* RFC 8737 §3: only a handshake that offers acme-tls/1 sees the
   * validation certificate. GNUTLS_ALPN_MANDATORY refuses a client that
   * offers other protocols only; one that offers none is refused here. */
  if (gnutls_alpn_get_selected_protocol (session, &protocol) < 0 || protocol.size != strlen (ACME_TLS_1) ||
      memcmp (protocol.data, ACME_TLS_1, protocol.size) != 0)
    return GNUTLS_E_NO_APPLICATION_PROTOCOL;
  if (gnutls_server_name_get (session, name, &len, &type, 0) < 0 || type != GNUTLS_NAME_DNS)
    return GNUTLS_E_NO_CERTIFICATE_FOUND;
  name[MIN (len, sizeof name - 1)] = '\0';
  hs->answer = find_answer (hs->self, name);
  if (hs->answer == NULL) {
    g_autofree gchar *shown = g_utf8_make_valid (name, -1);

    g_info ("TLS-ALPN-01: a handshake for “%s”, which has no pending challenge", shown);
    return GNUTLS_E_NO_CERTIFICATE_FOUND;
  }
  return gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, hs->answer->credentials);
}

typedef struct {
  CwTlsAlpn01       *self;
  GSocketConnection *connection;
} Connection;

/* Back on the main loop. */
static gboolean
handshake_done (gpointer data)
{
  Connection *c = data;

  c->self->handshakes--;
  g_object_unref (c->connection);
  g_object_unref (c->self);
  g_free (c);
  return G_SOURCE_REMOVE;
}

/* In the responder's own threads: a handshake may take seconds, and must
 * not hold up the store's work in GLib's shared pool. */
static void
handshake_thread (gpointer data, gpointer user_data)
{
  Connection *c = data;
  GSocket *socket = g_socket_connection_get_socket (c->connection);
  Handshake hs = { c->self, NULL };
  const gnutls_datum_t protocol = { (guint8 *) ACME_TLS_1, strlen (ACME_TLS_1) };
  gnutls_session_t session = NULL;
  int fd = g_socket_get_fd (socket);
  int ret = GNUTLS_E_INTERNAL_ERROR;

  /* GnuTLS reads and writes the descriptor itself, waiting as it needs */
  if (g_unix_set_fd_nonblocking (fd, FALSE, NULL) && gnutls_init (&session, GNUTLS_SERVER | GNUTLS_NO_SIGNAL) >= 0) {
    gnutls_session_set_ptr (session, &hs);
    if ((ret = gnutls_set_default_priority (session)) >= 0 &&
        (ret = gnutls_alpn_set_protocols (session, &protocol, 1, GNUTLS_ALPN_MANDATORY)) >= 0) {
      gnutls_handshake_set_post_client_hello_function (session, client_hello);
      gnutls_transport_set_int (session, fd);
      gnutls_handshake_set_timeout (session, HANDSHAKE_TIMEOUT_MS);
      do
        ret = gnutls_handshake (session);
      while (ret < 0 && gnutls_error_is_fatal (ret) == 0);
    }
    if (ret >= 0) {
      g_info ("TLS-ALPN-01: presented the validation certificate for %s", hs.answer->identifier);
      gnutls_bye (session, GNUTLS_SHUT_WR);
    } else {
      g_debug ("TLS-ALPN-01: handshake ended: %s", gnutls_strerror (ret));
    }
    gnutls_deinit (session);
  }
  g_clear_pointer (&hs.answer, answer_unref);
  g_io_stream_close (G_IO_STREAM (c->connection), NULL, NULL);
  g_main_context_invoke (NULL, handshake_done, c);
}

static gboolean
incoming (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
  CwTlsAlpn01 *self = user_data;
  Connection *c;

  /* a flood of idle connections must not queue without end */
  if (self->handshakes >= MAX_HANDSHAKES) {
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    return TRUE;
  }
  self->handshakes++;
  c = g_new0 (Connection, 1);
  c->self = g_object_ref (self);
  c->connection = g_object_ref (connection);
  g_thread_pool_push (self->pool, c, NULL);
  return TRUE;
}

static gboolean
start_listening (CwTlsAlpn01 *self, GError **error)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GError) local = NULL;
  gboolean ok;

  if (*self->address != '\0') {
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (self->address, self->port);

    if (address == NULL) {
      g_set_error (error, CW_ERROR, CW_ERROR_INVALID_ARGUMENT, _("“%s” is not an IP address to listen on"),
                   self->address);
      return FALSE;
    }
    ok = g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, NULL, NULL, &local);
  } else {
    ok = g_socket_listener_add_inet_port (G_SOCKET_LISTENER (service), self->port, NULL, &local);
  }
  if (!ok) {
    g_set_error (error, CW_ERROR, CW_ERROR_NETWORK,
                 _("cannot answer TLS-ALPN-01 challenges on %s:%u: %s (if the PBX's web server owns the port, put "
                   "nginx's ssl_preread in front or use the dbus mode)"),
                 *self->address != '\0' ? self->address : "*", self->port, local->message);
    g_socket_listener_close (G_SOCKET_LISTENER (service));
    return FALSE;
  }
  g_signal_connect (service, "incoming", G_CALLBACK (incoming), self);
  g_socket_service_start (service);
  self->service = g_steal_pointer (&service);
  g_info ("TLS-ALPN-01: listening on %s:%u", *self->address != '\0' ? self->address : "*", self->port);
  return TRUE;
}

/* ---- the solver --------------------------------------------------------- */

#define CW_TYPE_TLS_ALPN01_SOLVER (cw_tls_alpn01_solver_get_type ())
G_DECLARE_FINAL_TYPE (CwTlsAlpn01Solver, cw_tls_alpn01_solver, CW, TLS_ALPN01_SOLVER, GObject)

struct _CwTlsAlpn01Solver {
  GObject          parent_instance;

  CwTlsAlpn01     *responder;
  CwTlsAlpn01Mode  mode;
};

static void solver_iface_init (CwChallengeSolverInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CwTlsAlpn01Solver, cw_tls_alpn01_solver, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CW_TYPE_CHALLENGE_SOLVER, solver_iface_init))

static const gchar *
get_challenge_type (CwChallengeSolver *solver)
{
  return "tls-alpn-01";
}

/* Keys and signatures off the main loop. */
static void
make_answers_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GPtrArray *challenges = task_data;
  g_autoptr(GPtrArray) answers = g_ptr_array_new_with_free_func ((GDestroyNotify) answer_unref);
  GError *error = NULL;

  for (guint i = 0; i < challenges->len; i++) {
    Answer *a = answer_new (g_ptr_array_index (challenges, i), &error);

    if (a == NULL) {
      g_task_return_error (task, error);
      return;
    }
    g_ptr_array_add (answers, a);
  }
  g_task_return_pointer (task, g_steal_pointer (&answers), (GDestroyNotify) g_ptr_array_unref);
}

static void
answers_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CwTlsAlpn01Solver *self = g_task_get_source_object (task);
  CwTlsAlpn01 *r = self->responder;
  GError *error = NULL;
  g_autoptr(GPtrArray) answers = g_task_propagate_pointer (G_TASK (result), &error);

  if (answers == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->mode == CW_TLS_ALPN01_STANDALONE && r->service == NULL && !start_listening (r, &error)) {
    g_task_return_error (task, error);
    return;
  }
  g_mutex_lock (&r->lock);
  for (guint i = 0; i < answers->len; i++)
    g_ptr_array_add (r->answers, answer_ref (g_ptr_array_index (answers, i)));
  g_mutex_unlock (&r->lock);
  if (self->mode == CW_TLS_ALPN01_STANDALONE)
    r->standalone += answers->len;
  g_task_return_boolean (task, TRUE);
}

static void
present_async (CwChallengeSolver *solver, GPtrArray *challenges, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (solver, cancellable, callback, user_data);
  g_autoptr(GTask) make = g_task_new (solver, NULL, answers_made, g_object_ref (task));

  /* RFC 8737 §3: never for a wildcard */
  for (guint i = 0; i < challenges->len; i++)
    if (((CwChallenge *) g_ptr_array_index (challenges, i))->wildcard) {
      g_task_return_new_error (task, CW_ERROR, CW_ERROR_INVALID_ARGUMENT,
                               _("a wildcard can only be validated with the dns-01 challenge"));
      return;
    }
  g_task_set_task_data (make, g_ptr_array_ref (challenges), (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (make, make_answers_thread);
}

static gboolean
present_finish (CwChallengeSolver *solver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
cleanup_async (CwChallengeSolver *solver, GPtrArray *challenges, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data)
{
  CwTlsAlpn01Solver *self = CW_TLS_ALPN01_SOLVER (solver);
  CwTlsAlpn01 *r = self->responder;
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  guint removed = 0;

  g_mutex_lock (&r->lock);
  for (guint i = 0; i < challenges->len; i++) {
    CwChallenge *c = g_ptr_array_index (challenges, i);

    for (guint j = 0; j < r->answers->len; j++)
      if (g_str_equal (((Answer *) g_ptr_array_index (r->answers, j))->token, c->token)) {
        g_ptr_array_remove_index (r->answers, j);
        removed++;
        break;
      }
  }
  g_mutex_unlock (&r->lock);
  if (self->mode == CW_TLS_ALPN01_STANDALONE && r->standalone > 0) {
    r->standalone -= MIN (removed, r->standalone);
    /* nobody waits for a handshake: stop listening */
    if (r->standalone == 0)
      stop_listening (r);
  }
  g_task_return_boolean (task, TRUE);
}

static gboolean
cleanup_finish (CwChallengeSolver *solver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
solver_iface_init (CwChallengeSolverInterface *iface)
{
  iface->get_challenge_type = get_challenge_type;
  iface->present_async = present_async;
  iface->present_finish = present_finish;
  iface->cleanup_async = cleanup_async;
  iface->cleanup_finish = cleanup_finish;
}

static void
cw_tls_alpn01_solver_finalize (GObject *object)
{
  g_clear_object (&CW_TLS_ALPN01_SOLVER (object)->responder);
  G_OBJECT_CLASS (cw_tls_alpn01_solver_parent_class)->finalize (object);
}

static void
cw_tls_alpn01_solver_class_init (CwTlsAlpn01SolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_tls_alpn01_solver_finalize;
}

static void
cw_tls_alpn01_solver_init (CwTlsAlpn01Solver *self)
{
}

CwChallengeSolver *
cw_tls_alpn01_solver_new (CwTlsAlpn01 *responder, CwTlsAlpn01Mode mode)
{
  CwTlsAlpn01Solver *self = g_object_new (CW_TYPE_TLS_ALPN01_SOLVER, NULL);

  self->responder = g_object_ref (responder);
  self->mode = mode;
  return CW_CHALLENGE_SOLVER (self);
}
