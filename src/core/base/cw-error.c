/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cw-error.h"

G_DEFINE_QUARK (cw-error-quark, cw_error)
