/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A real SCEP server: Debian's scep package (micromdm's scepserver) on a
 * loopback port, with a throwaway CA made by `scepserver ca -init`. */
typedef struct {
  gchar       *dir;
  gchar       *depot;
  gchar       *ca_file;    /* depot/ca.pem: what issued certificates chain to */
  gchar       *key_file;   /* the CA's key, unencrypted (depot/ca.key is not) */
  gchar       *url;        /* http://127.0.0.1:<port>/scep */
  gchar       *log;
  guint        port;
  GSubprocess *server;
} CwTestScep;

/* Starts it with `-challenge @challenge -allowrenew 0` (renewal always
 * allowed) plus @extra arguments (NULL-terminated, or NULL) and returns
 * once it answers. */
CwTestScep *cw_test_scep_start (guint port, const gchar *challenge, const gchar * const *extra);
void        cw_test_scep_stop (CwTestScep *scep);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTestScep, cw_test_scep_stop)

G_END_DECLS
