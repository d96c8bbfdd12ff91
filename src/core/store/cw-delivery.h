/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a target file holds (Certificate1.Targets "format"). */
typedef enum {
  CW_TARGET_FULLCHAIN,     /* leaf + intermediates, PEM */
  CW_TARGET_CERT,          /* the leaf, PEM */
  CW_TARGET_CHAIN,         /* the intermediates, PEM */
  CW_TARGET_KEY,           /* the private key, PKCS#8 PEM */
  CW_TARGET_COMBINED,      /* key + full chain in one PEM (FreeSWITCH, HAProxy) */
  CW_TARGET_PKCS12,        /* key + full chain, PKCS#12 (legacy: 3DES for old keystores) */
  CW_TARGET_DER,           /* the leaf, DER */
  CW_TARGET_TRUST_BUNDLE,  /* the trusted CAs (TrustStore1.BundlePath), PEM */
} CwTargetFormat;

const gchar *cw_target_format_to_string (CwTargetFormat format);
gboolean     cw_target_format_from_string (const gchar *text, CwTargetFormat *format);
/* Whether the format holds the private key (default mode 0600, and a
 * certificate without a key cannot have it). */
gboolean     cw_target_format_has_key (CwTargetFormat format);

/**
 * CwTarget:
 *
 * A file the agent keeps up to date outside its store for one service:
 * where, in which form, owned by whom. @owner and @group are names ("" for
 * root); @password_file only for pkcs12 (none: no password).
 */
typedef struct {
  gchar          *path;
  CwTargetFormat  format;
  gchar          *owner;
  gchar          *group;
  guint           mode;
  gchar          *password_file;
  gboolean        legacy;
} CwTarget;

CwTarget *cw_target_new (const gchar *path, CwTargetFormat format);
CwTarget *cw_target_copy (const CwTarget *target);
void      cw_target_free (CwTarget *target);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTarget, cw_target_free)
/* "/etc/kamailio/tls/pbx.key (key, root:kamailio 0640)", for messages. */
gchar    *cw_target_describe (const CwTarget *target);

/**
 * CwCommand:
 *
 * A reload command: a program with arguments, run without a shell as
 * @user ("" or NULL: root), e.g. kamailio: /usr/sbin/kamcmd tls.reload.
 */
typedef struct {
  gchar  *user;
  gchar **argv;
} CwCommand;

CwCommand *cw_command_new (const gchar *user, const gchar * const *argv);
CwCommand *cw_command_copy (const CwCommand *command);
void       cw_command_free (CwCommand *command);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwCommand, cw_command_free)
/* "kamailio: /usr/sbin/kamcmd tls.reload" (shell-quoted) and back. */
gchar     *cw_command_to_string (const CwCommand *command);
CwCommand *cw_command_parse (const gchar *text, GError **error);

/**
 * CwDelivery:
 *
 * How a certificate reaches the services that use it, kept in its
 * settings: the group that may read its key in the store, the target
 * files, the integrations applied, the reload commands; and what the last
 * delivery did (LastActions), so it survives a restart.
 */
typedef struct {
  gchar      *access_group;   /* "" : root only */
  GPtrArray  *targets;        /* CwTarget */
  gchar     **integrations;
  GPtrArray  *commands;       /* CwCommand */
  gchar     **last_actions;
} CwDelivery;

CwDelivery *cw_delivery_new (void);
CwDelivery *cw_delivery_copy (const CwDelivery *delivery);
void        cw_delivery_free (CwDelivery *delivery);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwDelivery, cw_delivery_free)

/* In the certificate's settings: group "delivery" and one group
 * "target N" per target. Load skips what does not parse, and says so in
 * @error (may be NULL); the rest is still loaded. */
void        cw_delivery_save (const CwDelivery *delivery, GKeyFile *file);
CwDelivery *cw_delivery_load (GKeyFile *file, GError **error);

/* Limits: what one certificate may have. */
#define CW_MAX_TARGETS  32
#define CW_MAX_COMMANDS 16

/* The gid of an AccessGroup ("": -1, root only; also -1 for a group that
 * no longer exists, which is warned about). */
gint        cw_delivery_access_gid (const gchar *group);

G_END_DECLS
