/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ACME clients by CA directory, shared by orders and accounts. */
#include "config.h"

#include "cw-acme-clients.h"

struct _CwAcmeClients {
  CwConfig   *config;
  GHashTable *by_directory;   /* directory URL → CwAcmeClient */
};

CwAcmeClients *
cw_acme_clients_new (CwConfig *config)
{
  CwAcmeClients *clients = g_rc_box_new0 (CwAcmeClients);

  clients->config = g_object_ref (config);
  clients->by_directory = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  return clients;
}

CwAcmeClients *
cw_acme_clients_ref (CwAcmeClients *clients)
{
  return g_rc_box_acquire (clients);
}

static void
clients_clear (gpointer data)
{
  CwAcmeClients *clients = data;

  g_hash_table_unref (clients->by_directory);
  g_object_unref (clients->config);
}

void
cw_acme_clients_unref (CwAcmeClients *clients)
{
  if (clients != NULL)
    g_rc_box_release_full (clients, clients_clear);
}

CwAcmeClient *
cw_acme_clients_get (CwAcmeClients *clients, const gchar *directory)
{
  CwAcmeClient *client = g_hash_table_lookup (clients->by_directory, directory);

  if (client == NULL) {
    gint rate = cw_config_get_int (clients->config, "acme", "requests-per-second");

    client = cw_acme_client_new (directory);
    /* the bucket holds two seconds' worth, so that a few orders starting
     * at once go out together, but at most 100 requests: Let's Encrypt
     * lets an IP address burst 125 on most of its API */
    cw_acme_client_set_budget (client, rate, MIN (2 * rate, CW_ACME_MAX_BURST));
    g_hash_table_insert (clients->by_directory, g_strdup (directory), client);
  }
  return client;
}
