/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Logging policy: g_debug for developers, g_info for routine events,
 * g_message for what an administrator should see (issued, renewed,
 * imported, removed), g_warning for trouble.
 *
 * Messages about one certificate carry the structured field
 * CERTWARD_CERTIFICATE=<name>, so `journalctl CERTWARD_CERTIFICATE=www`
 * shows one certificate's history. */
#define CW_LOG_CERT(level, name, ...) \
  g_log_structured (G_LOG_DOMAIN, level, \
                    "CODE_FILE", __FILE__, "CODE_LINE", G_STRINGIFY (__LINE__), "CODE_FUNC", G_STRFUNC, \
                    "CERTWARD_CERTIFICATE", (name), \
                    "MESSAGE", __VA_ARGS__)

#define cw_cert_debug(name, ...)   CW_LOG_CERT (G_LOG_LEVEL_DEBUG, name, __VA_ARGS__)
#define cw_cert_info(name, ...)    CW_LOG_CERT (G_LOG_LEVEL_INFO, name, __VA_ARGS__)
#define cw_cert_message(name, ...) CW_LOG_CERT (G_LOG_LEVEL_MESSAGE, name, __VA_ARGS__)
#define cw_cert_warning(name, ...) CW_LOG_CERT (G_LOG_LEVEL_WARNING, name, __VA_ARGS__)

G_BEGIN_DECLS

/* The agent's log writer: GLib's default one, after making every field's
 * text valid UTF-8 (cw-text.h). The messages quote what outsiders sent
 * (a CA's words, a file's name); the journal and terminals get text. */
GLogWriterOutput cw_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                gpointer user_data);

G_END_DECLS
