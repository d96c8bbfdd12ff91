/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's error domain (CW_ERROR), mapped to org.certward.Error.* on the bus. */
#include "cw-error.h"

G_DEFINE_QUARK (cw-error-quark, cw_error)
