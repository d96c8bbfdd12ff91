/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A real Pebble (the ACME test CA, Debian's pebble package) and
 * pebble-challtestsrv as its DNS server (every name is 127.0.0.1; or a
 * real name server, CwTestPebbleOptions.dns_server), on
 * loopback ports from @base: +0 ACME, +1 management, +2 the port its
 * validator fetches HTTP-01 answers from, +3 TLS-ALPN, +4 DNS, +5 the DNS
 * server's management. Its HTTPS listener uses a throwaway CA (ca_file). */
typedef struct {
  gchar       *dir;
  gchar       *ca_file;       /* trust anchor for Pebble's HTTPS */
  gchar       *cert_file;     /* Pebble's listener certificate (localhost, 127.0.0.1) */
  gchar       *key_file;
  gchar       *directory;     /* https://127.0.0.1:<base>/dir */
  guint        base;
  guint        http_port;     /* where HTTP-01 answers must be served */
  GSubprocess *pebble;
  GSubprocess *challtestsrv;
  gchar      **pebble_argv;   /* how it was started, for cw_test_pebble_restart */
  gchar      **pebble_env;
  gchar       *pebble_log;
} CwTestPebble;

typedef struct {
  guint        nonce_reject;  /* PEBBLE_WFE_NONCEREJECT, percent */
  const gchar *eab_kid;       /* External Account Binding required with this key */
  const gchar *eab_hmac_key;
  const gchar *dns_server;    /* "addr:port": validate dns-01 against this real
                               * name server instead of challtestsrv */
} CwTestPebbleOptions;

/* Starts both and returns when Pebble's directory answers. */
CwTestPebble *cw_test_pebble_start (guint base, const CwTestPebbleOptions *options);
void          cw_test_pebble_stop (CwTestPebble *pebble);
/* Stops Pebble and starts it again with the same configuration: it keeps
 * everything in memory, so its accounts, orders and roots are gone (its
 * HTTPS listener keeps its certificate). */
void          cw_test_pebble_restart (CwTestPebble *pebble);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTestPebble, cw_test_pebble_stop)

/* A file holding the root Pebble issues under (fetched from its
 * management interface; new at every start). */
gchar        *cw_test_pebble_root_file (CwTestPebble *pebble);
/* GET on the management interface (…/cert-status-by-serial/<hex> …). */
gchar        *cw_test_pebble_management (CwTestPebble *pebble, const gchar *path);

/* The throwaway CA and a localhost certificate signed by it, made with
 * OpenSSL into @dir: ca.pem, localhost.pem, localhost.key. */
void          cw_test_make_tls_ca (const gchar *dir);

G_END_DECLS
