/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cw-clock.h"

gint64
cw_clock_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}
