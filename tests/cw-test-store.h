/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cw-store.h"

G_BEGIN_DECLS

/* The store of the store's unit tests, in a directory of the test's own
 * (cw_test_mkdtemp). */

/* A store on @dir, loaded (the test fails otherwise), whose ::event codes
 * (CwEvent, as guint) are appended to @events. With @config_text, that
 * text is written to DIR/test.conf and is the store's configuration. */
CwStore *cw_test_store_open  (const gchar *dir, const gchar *config_text, GArray *events);
/* Lets the store's settings writes finish, drops it and removes the
 * directory. */
void     cw_test_store_close (CwStore **store, gchar **dir);

G_END_DECLS
