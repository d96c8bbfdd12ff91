/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The one source of "now" for the core, in Unix seconds (wall clock).
 * Everything that compares against certificate validity asks here. */
gint64 cw_clock_now (void);

G_END_DECLS
