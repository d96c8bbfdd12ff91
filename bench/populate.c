/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/populate STATE_DIR N [CONFIG]: fills a state directory with N
 * self-signed certificates (P-256, one name each) through the store, as
 * the daemon would make them, for bench/scale. With a CONFIG whose
 * [cluster] names a database, each is committed there first, as on a node
 * of a cluster (bench/cluster). Not installed.
 */
#include "cw-cluster-sync.h"
#include "cw-store.h"

#include <stdlib.h>

#define IN_FLIGHT 64

typedef struct {
  CwStore *store;
  guint    total, started, done, failed;
} Fill;

static void start_one (Fill *fill);

static void
created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fill *fill = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CwCertificate) cert = cw_store_create_finish (CW_STORE (source), result, &error);

  if (cert == NULL) {
    g_printerr ("populate: %s\n", error->message);
    fill->failed++;
  }
  fill->done++;
  if (fill->started < fill->total)
    start_one (fill);
}

static void
start_one (Fill *fill)
{
  CwIssueSpec *spec = cw_issue_spec_new ();
  g_autofree gchar *name = g_strdup_printf ("t%05u.example.test", fill->started);

  spec->identities = g_new0 (gchar *, 2);
  spec->identities[0] = g_strdup (name);
  spec->days = 90;
  fill->started++;
  cw_store_create_async (fill->store, name, spec, NULL, NULL, NULL, FALSE, NULL, created, fill);
}

int
main (int argc, char **argv)
{
  Fill fill = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CwStore) store = NULL;
  g_autoptr(CwConfig) config = NULL;
  g_autoptr(CwCluster) cluster = NULL;
  g_autoptr(CwClusterSync) sync = NULL;

  if (argc != 3 && argc != 4) {
    g_printerr ("usage: populate STATE_DIR N [CONFIG]\n");
    return 2;
  }
  if (argc == 4 && (config = cw_config_load (argv[3], TRUE, NULL, &error)) == NULL) {
    g_printerr ("populate: %s\n", error->message);
    return 1;
  }
  store = cw_store_new (argv[1], config);
  if (!cw_store_load (store, &error)) {
    g_printerr ("populate: %s\n", error->message);
    return 1;
  }
  if (config != NULL && cw_cluster_configured (config)) {
    cluster = cw_cluster_new (config, argv[1], &error);
    if (cluster == NULL) {
      g_printerr ("populate: %s\n", error->message);
      return 1;
    }
    sync = cw_cluster_sync_new (cluster, store);
    cw_cluster_start (cluster);
    while (!cw_cluster_get_available (cluster))
      g_main_context_iteration (NULL, TRUE);
  }
  fill.store = store;
  fill.total = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  for (guint i = 0; i < IN_FLIGHT && fill.started < fill.total; i++)
    start_one (&fill);
  while (fill.done < fill.total)
    g_main_context_iteration (NULL, TRUE);
  cw_store_flush (store);
  return fill.failed > 0 ? 1 : 0;
}
