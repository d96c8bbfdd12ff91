/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A plugin that claims another ABI version: the agent must refuse it
 * before it calls anything in it. */
#include <certward-provider.h>

static const CwProviderField fields[] = { { NULL } };

G_MODULE_EXPORT const CwProviderPlugin certward_provider = {
  CW_PROVIDER_ABI_VERSION + 998, "old-abi", "From the future", fields,
  NULL, NULL, NULL, NULL, NULL, NULL,
};
