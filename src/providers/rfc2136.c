/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rfc2136.c: publishes the dns-01 TXT record with a TSIG-signed dynamic
 * update (RFC 2136, RFC 8945) sent straight to the zone's primary server:
 * BIND, Knot, PowerDNS and most self-hosted DNS servers accept it.
 *
 * ldns builds, signs and parses the messages. ldns is blocking, so each
 * update runs in a GTask thread.
 */
#include "certward-provider.h"

#include <ldns/ldns.h>

/* Seconds to wait for the server's answer. */
#define UPDATE_TIMEOUT 5

static const CwProviderField fields[] = {
  { "nameserver", "Name server",
    "The primary server that accepts updates: host or host:port, an IPv6 address as [addr]:port (port 53 by default).",
    TRUE, FALSE },
  { "tsig-key", "TSIG key name", "The name of the TSIG key the server knows (e.g. acme-key).", FALSE, FALSE },
  { "tsig-secret", "TSIG secret", "The key's secret, base64 as in the server's key statement.", FALSE, TRUE },
  { "tsig-algorithm", "TSIG algorithm", "hmac-sha256 (the default) or hmac-sha512.", FALSE, FALSE },
  { "zone", "Zone", "The zone to update, when it is not the one found from the name's SOA record.", FALSE, FALSE },
  { NULL }
};

typedef struct {
  gchar *host;       /* address or host name */
  guint16 port;
  gchar *server;     /* "host:port" for messages */
  gchar *key_name;   /* absolute, with the trailing dot; NULL: unsigned updates */
  gchar *secret;
  gchar *algorithm;  /* "hmac-sha256." */
  gchar *zone;       /* NULL: the record's */
} Rfc2136;

typedef struct {
  Rfc2136 *self;     /* a reference: the call may outlive the instance */
  gboolean delete;
  gchar   *fqdn;
  gchar   *value;
  gchar   *zone;     /* without the trailing dot */
  guint    ttl;
} Update;

static void
rfc2136_clear (gpointer instance)
{
  Rfc2136 *self = instance;

  g_free (self->host);
  g_free (self->server);
  g_free (self->key_name);
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_free (self->secret);
  g_free (self->algorithm);
  g_free (self->zone);
}

static void
rfc2136_free (gpointer instance)
{
  if (instance != NULL)
    g_atomic_rc_box_release_full (instance, rfc2136_clear);
}

static void
update_free (gpointer data)
{
  Update *update = data;

  g_atomic_rc_box_release_full (update->self, rfc2136_clear);
  g_free (update->fqdn);
  g_free (update->value);
  g_free (update->zone);
  g_free (update);
}

/* A DNS name ldns can parse, lower case, with no trailing dot; NULL when bad. */
static gchar *
check_name (const gchar *name)
{
  g_autofree gchar *plain = NULL;
  ldns_rdf *rdf;

  if (name == NULL || *name == '\0' || g_str_equal (name, "."))
    return NULL;
  plain = g_ascii_strdown (name, -1);
  if (g_str_has_suffix (plain, "."))
    plain[strlen (plain) - 1] = '\0';
  if (*plain == '\0' || strstr (plain, "..") != NULL)
    return NULL;
  rdf = ldns_dname_new_frm_str (plain);
  if (rdf == NULL)
    return NULL;
  ldns_rdf_deep_free (rdf);
  return g_steal_pointer (&plain);
}

static gpointer
rfc2136_create (GHashTable *settings, GError **error)
{
  const gchar *nameserver = g_hash_table_lookup (settings, "nameserver");
  const gchar *key = g_hash_table_lookup (settings, "tsig-key");
  const gchar *secret = g_hash_table_lookup (settings, "tsig-secret");
  const gchar *algorithm = g_hash_table_lookup (settings, "tsig-algorithm");
  const gchar *zone = g_hash_table_lookup (settings, "zone");
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GError) local_error = NULL;
  Rfc2136 *self;

  if (nameserver == NULL || *nameserver == '\0') {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "nameserver is missing: set it to the primary server's host or host:port");
    return NULL;
  }
  address = g_network_address_parse (nameserver, 53, &local_error);
  if (address == NULL || g_network_address_get_port (G_NETWORK_ADDRESS (address)) == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "nameserver “%s” is not a host or host:port (write an IPv6 address as [addr]:port)", nameserver);
    return NULL;
  }
  if ((key != NULL && *key != '\0') != (secret != NULL && *secret != '\0')) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "tsig-key and tsig-secret go together: set both, or neither for unsigned updates");
    return NULL;
  }
  if (algorithm != NULL && *algorithm != '\0' && g_ascii_strcasecmp (algorithm, "hmac-sha256") != 0 &&
      g_ascii_strcasecmp (algorithm, "hmac-sha256.") != 0 && g_ascii_strcasecmp (algorithm, "hmac-sha512") != 0 &&
      g_ascii_strcasecmp (algorithm, "hmac-sha512.") != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "tsig-algorithm “%s” is not supported: use hmac-sha256 or hmac-sha512", algorithm);
    return NULL;
  }

  self = g_atomic_rc_box_new0 (Rfc2136);
  self->host = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (address)));
  self->port = g_network_address_get_port (G_NETWORK_ADDRESS (address));
  self->server = strchr (self->host, ':') != NULL ? g_strdup_printf ("[%s]:%u", self->host, self->port)
                                                  : g_strdup_printf ("%s:%u", self->host, self->port);
  self->algorithm = g_strdup (algorithm != NULL && g_ascii_strncasecmp (algorithm, "hmac-sha512", 11) == 0
                              ? "hmac-sha512." : "hmac-sha256.");
  if (key != NULL && *key != '\0') {
    g_autofree gchar *name = check_name (key);
    ldns_rdf *decoded = NULL;

    if (name == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "tsig-key “%s” is not a valid key name: use the name of the server's key statement", key);
      rfc2136_free (self);
      return NULL;
    }
    self->key_name = g_strconcat (name, ".", NULL);
    /* ldns checks the base64 (the secret itself never goes into a message) */
    if (ldns_str2rdf_b64 (&decoded, secret) != LDNS_STATUS_OK || decoded == NULL || ldns_rdf_size (decoded) == 0) {
      if (decoded != NULL)
        ldns_rdf_deep_free (decoded);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "tsig-secret is not valid base64: copy the secret from the server's key statement");
      rfc2136_free (self);
      return NULL;
    }
    ldns_rdf_deep_free (decoded);
    self->secret = g_strdup (secret);
  }
  if (zone != NULL && *zone != '\0') {
    self->zone = check_name (zone);
    if (self->zone == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "zone “%s” is not a valid DNS name", zone);
      rfc2136_free (self);
      return NULL;
    }
  }
  return self;
}

/* The server's addresses as ldns name server entries. */
static gboolean
push_addresses (Rfc2136 *self, ldns_resolver *resolver, GCancellable *cancellable, GError **error)
{
  g_autolist(GInetAddress) addresses = NULL;
  g_autoptr(GInetAddress) literal = g_inet_address_new_from_string (self->host);

  if (literal != NULL) {
    addresses = g_list_prepend (NULL, g_steal_pointer (&literal));
  } else {
    g_autoptr(GResolver) resolver_ = g_resolver_get_default ();
    g_autoptr(GError) local_error = NULL;

    addresses = g_resolver_lookup_by_name (resolver_, self->host, cancellable, &local_error);
    if (addresses == NULL) {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot resolve the name server %s: %s", self->host,
                     local_error->message);
      return FALSE;
    }
  }
  for (GList *l = addresses; l != NULL; l = l->next) {
    GInetAddress *address = l->data;
    g_autofree gchar *text = g_inet_address_to_string (address);
    ldns_rdf *rdf = ldns_rdf_new_frm_str (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6
                                          ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, text);

    if (rdf == NULL)
      continue;
    ldns_resolver_push_nameserver (resolver, rdf);
    ldns_rdf_deep_free (rdf);
  }
  if (ldns_resolver_nameserver_count (resolver) == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the name server %s has no usable address", self->host);
    return FALSE;
  }
  return TRUE;
}

static const gchar *
tsig_error_hint (guint16 code)
{
  switch (code) {
  case 16: return "TSIG BADSIG: wrong key or secret";
  case 17: return "TSIG BADKEY: the server does not know this key name or algorithm";
  case 18: return "TSIG BADTIME: the clocks of this machine and the server differ by more than 5 minutes";
  case 22: return "TSIG BADTRUNC";
  default: return NULL;
  }
}

static const gchar *
rcode_hint (ldns_pkt_rcode rcode, gboolean signed_)
{
  switch (rcode) {
  case LDNS_RCODE_REFUSED:
    return signed_ ? "the key is not allowed to update this zone (check allow-update / update-policy)"
                   : "unsigned updates are not allowed: set tsig-key and tsig-secret";
  case LDNS_RCODE_NOTAUTH: return "the server is not authoritative for this zone or rejected the key";
  case LDNS_RCODE_NOTZONE: return "the name is not inside the zone: check the zone setting";
  case LDNS_RCODE_SERVFAIL: return "the server failed to apply the update; see its log";
  case LDNS_RCODE_NOTIMPL: return "the server does not accept dynamic updates";
  case LDNS_RCODE_FORMERR: return "the server could not parse the update";
  default: return NULL;
  }
}

/* The update section: add @value to the rrset, or delete exactly that RR
 * (class NONE, RFC 2136 §2.5.4) so that other values at the name stay. */
static ldns_rr *
make_rr (const Update *update)
{
  g_autofree gchar *owner = g_strconcat (update->fqdn, ".", NULL);
  ldns_rdf *owner_rdf = ldns_dname_new_frm_str (owner);
  ldns_rdf *text = ldns_rdf_new_frm_str (LDNS_RDF_TYPE_STR, update->value);
  ldns_rr *rr;

  if (owner_rdf == NULL || text == NULL) {
    if (owner_rdf != NULL)
      ldns_rdf_deep_free (owner_rdf);
    if (text != NULL)
      ldns_rdf_deep_free (text);
    return NULL;
  }
  rr = ldns_rr_new ();
  ldns_rr_set_owner (rr, owner_rdf);
  ldns_rr_set_type (rr, LDNS_RR_TYPE_TXT);
  ldns_rr_set_class (rr, update->delete ? LDNS_RR_CLASS_NONE : LDNS_RR_CLASS_IN);
  ldns_rr_set_ttl (rr, update->delete ? 0 : update->ttl);
  ldns_rr_push_rdf (rr, text);
  return rr;
}

static gboolean
send_update (Rfc2136 *self, const Update *update, GCancellable *cancellable, GError **error)
{
  g_autofree gchar *zone_name = g_strconcat (update->zone, ".", NULL);
  ldns_resolver *resolver = NULL;
  ldns_rr_list *rrs = NULL;
  ldns_pkt *query = NULL, *reply = NULL;
  ldns_rr *rr;
  ldns_rdf *zone_rdf;
  ldns_status status;
  gint64 started;
  gboolean ok = FALSE;

  rr = make_rr (update);
  zone_rdf = ldns_dname_new_frm_str (zone_name);
  if (rr == NULL || zone_rdf == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "cannot build an update of %s in zone %s",
                 update->fqdn, update->zone);
    if (rr != NULL)
      ldns_rr_free (rr);
    if (zone_rdf != NULL)
      ldns_rdf_deep_free (zone_rdf);
    return FALSE;
  }
  rrs = ldns_rr_list_new ();
  ldns_rr_list_push_rr (rrs, rr);
  query = ldns_update_pkt_new (zone_rdf, LDNS_RR_CLASS_IN, NULL, rrs, NULL);  /* takes zone_rdf */
  ldns_pkt_set_rd (query, false);
  ldns_pkt_set_random_id (query);

  resolver = ldns_resolver_new ();
  ldns_resolver_set_port (resolver, self->port);
  ldns_resolver_set_usevc (resolver, true);   /* TCP: no truncation, and a refused connection fails at once */
  ldns_resolver_set_timeout (resolver, (struct timeval) { UPDATE_TIMEOUT, 0 });
  ldns_resolver_set_retry (resolver, 1);
  ldns_resolver_set_retrans (resolver, 0);
  ldns_resolver_set_random (resolver, false);
  ldns_resolver_set_recursive (resolver, false);
  if (!push_addresses (self, resolver, cancellable, error))
    goto out;
  if (self->key_name != NULL) {
    ldns_resolver_set_tsig_keyname (resolver, self->key_name);
    ldns_resolver_set_tsig_keydata (resolver, self->secret);
    ldns_resolver_set_tsig_algorithm (resolver, self->algorithm);
    status = ldns_update_pkt_tsig_add (query, resolver);
    if (status != LDNS_STATUS_OK) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "cannot sign the update with key %s (%s): %s",
                   self->key_name, self->algorithm, ldns_get_errorstr_by_id (status));
      goto out;
    }
  }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  started = g_get_monotonic_time ();
  /* ldns_send, not ldns_resolver_send_pkt: that drops an answer whose TSIG
   * does not verify, and an answer to a bad signature is unsigned */
  status = ldns_send (&reply, resolver, query);
  if (reply == NULL) {
    if (g_get_monotonic_time () - started >= (UPDATE_TIMEOUT - 1) * G_USEC_PER_SEC)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "the server %s did not answer the update of zone %s within %d s", self->server, update->zone,
                   UPDATE_TIMEOUT);
    else
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot send the update of zone %s to %s (%s): check that the server runs and takes TCP there",
                   update->zone, self->server, ldns_get_errorstr_by_id (status));
    goto out;
  }

  {
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode (reply);
    ldns_rr *tsig = ldns_pkt_tsig (reply);
    const gchar *tsig_hint = NULL;
    const gchar *hint;
    gboolean denied;
    g_autofree gchar *name = NULL;

    if (tsig != NULL && ldns_rr_rd_count (tsig) > 5 && ldns_rr_rdf (tsig, 5) != NULL)
      tsig_hint = tsig_error_hint (ldns_rdf2native_int16 (ldns_rr_rdf (tsig, 5)));
    if (rcode == LDNS_RCODE_NOERROR && tsig_hint == NULL) {
      if (status != LDNS_STATUS_OK) {
        /* the update was applied, but the answer is not provably the server's */
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "the answer of %s to the update of zone %s failed verification: %s", self->server,
                     update->zone, ldns_get_errorstr_by_id (status));
        goto out;
      }
      ok = TRUE;
      goto out;
    }
    denied = rcode == LDNS_RCODE_REFUSED || rcode == LDNS_RCODE_NOTAUTH || tsig_hint != NULL;
    name = ldns_pkt_rcode2str (rcode);
    hint = tsig_hint != NULL ? tsig_hint : rcode_hint (rcode, self->key_name != NULL);
    g_set_error (error, G_IO_ERROR, denied ? G_IO_ERROR_PERMISSION_DENIED : G_IO_ERROR_FAILED,
                 "the server %s %s the update of zone %s: %s%s%s%s", self->server, denied ? "refused" : "rejected",
                 update->zone, name != NULL ? name : "error", hint != NULL ? " (" : "", hint != NULL ? hint : "",
                 hint != NULL ? ")" : "");
  }

out:
  if (reply != NULL)
    ldns_pkt_free (reply);
  ldns_pkt_free (query);
  ldns_rr_list_deep_free (rrs);
  ldns_resolver_deep_free (resolver);
  return ok;
}

static void
update_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Update *update = task_data;
  GError *error = NULL;

  if (send_update (update->self, update, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
start (gpointer instance, gboolean delete, const CwProviderRecord *record, GCancellable *cancellable,
       GAsyncReadyCallback callback, gpointer user_data)
{
  Rfc2136 *self = instance;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Update *update;

  g_task_set_source_tag (task, start);
  if (self->zone == NULL && (record->zone == NULL || *record->zone == '\0')) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             "no zone is known for %s: set the zone setting", record->fqdn);
    return;
  }
  if (strlen (record->value) > 255 || strpbrk (record->value, "\"\\") != NULL) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             "the TXT value for %s is not a dns-01 token", record->fqdn);
    return;
  }
  update = g_new0 (Update, 1);
  update->self = g_atomic_rc_box_acquire (self);
  update->delete = delete;
  update->fqdn = g_ascii_strdown (record->fqdn, -1);
  if (g_str_has_suffix (update->fqdn, "."))
    update->fqdn[strlen (update->fqdn) - 1] = '\0';
  update->value = g_strdup (record->value);
  update->zone = self->zone != NULL ? g_strdup (self->zone) : check_name (record->zone);
  update->ttl = record->ttl > 0 ? record->ttl : 60;
  if (update->zone == NULL) {
    update_free (update);
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "zone “%s” is not a valid DNS name",
                             record->zone);
    return;
  }
  g_task_set_task_data (task, update, update_free);
  g_task_run_in_thread (task, update_thread);
}

static void
rfc2136_present_async (gpointer instance, const CwProviderRecord *record, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  start (instance, FALSE, record, cancellable, callback, user_data);
}

static void
rfc2136_cleanup_async (gpointer instance, const CwProviderRecord *record, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  /* deleting an RR that is not there succeeds (RFC 2136 §3.4.2.4) */
  start (instance, TRUE, record, cancellable, callback, user_data);
}

static gboolean
rfc2136_finish (gpointer instance, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

CW_PROVIDER_DEFINE ("rfc2136", "RFC 2136 dynamic update (BIND, Knot, PowerDNS)", fields, rfc2136_create,
                    rfc2136_free, rfc2136_present_async, rfc2136_finish, rfc2136_cleanup_async, rfc2136_finish);
