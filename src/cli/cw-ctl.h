/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cw-dbus-generated.h"

G_BEGIN_DECLS

/* What every certwardctl command gets: the bus and the output mode. The CLI
 * talks to certwardd over D-Bus only; nothing here touches the state
 * directory or parses a certificate. */
typedef struct {
  GBusType  bus_type;
  gboolean  json;
  GDBusConnection    *bus;
  CwDBusManager1     *manager;
  GDBusObjectManager *objects;
} CwCtl;

typedef int (*CwCtlCommandFunc) (CwCtl *ctl, int argc, char **argv);

typedef struct {
  const gchar      *name;
  CwCtlCommandFunc  func;
  const gchar      *args;     /* for the usage line */
  const gchar      *summary;  /* translatable */
} CwCtlCommand;

gboolean  cw_ctl_connect (CwCtl *ctl, GError **error);
/* Lets every call wait for polkit's question to an administrator, and
 * at a terminal starts pkttyagent to ask it (cw-ctl-auth.c). */
void      cw_ctl_allow_authorization (CwCtl *ctl);
/* The Certificate1 proxy of the certificate called @name. */
CwDBusCertificate1 *cw_ctl_find_certificate (CwCtl *ctl, const gchar *name, GError **error);
/* Every certificate proxy, sorted by name. */
GPtrArray *cw_ctl_list_certificates (CwCtl *ctl);
/* The certificate a command names in argv[1], for a command that takes
 * @want arguments (its own name first): NULL after printing @usage when
 * there are not @want (NULL: the caller checked), or why there is no such
 * certificate; the command then returns 1. */
CwDBusCertificate1 *cw_ctl_certificate_arg (CwCtl *ctl, int argc, char **argv, int want, const gchar *usage);

/* Parses a command's own options; prints the error and returns FALSE. */
gboolean  cw_ctl_parse (const gchar *command, const gchar *args, const gchar *summary,
                        const GOptionEntry *entries, int *argc, char ***argv);
/* Prints "certwardctl: <message>" on stderr (remote error names stripped)
 * and returns the exit status 1. */
int       cw_ctl_fail (const GError *error);
int       cw_ctl_fail_message (const gchar *format, ...) G_GNUC_PRINTF (1, 2);
/* As cw_ctl_fail, but when @name (NULL: not given) is taken and --replace
 * was not given (@replace), says to use --replace: the agent's message
 * names its D-Bus option "replace". */
int       cw_ctl_fail_replace (const GError *error, const gchar *name, gboolean replace);
/* Ends a command that did what it was asked: prints @format unless the
 * output is JSON, and returns the exit status 0. */
int       cw_ctl_done (CwCtl *ctl, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

/* Reads a whole file ("-" for standard input). */
GBytes   *cw_ctl_read_file (const gchar *path, GError **error);
/* The first line of @path, or a prompt on the terminal when @path is NULL
 * and one is attached; NULL when neither. */
gchar    *cw_ctl_read_password (const gchar *path, const gchar *prompt, GError **error);
/* Wipes and frees a password. */
void      cw_ctl_forget_password (gchar **password);

/* Adds each key → string value of the NULL-terminated list whose value is
 * not NULL to an a{sv} being built: (b, "tenant", tenant, "email", email,
 * NULL). */
void      cw_ctl_add_strings (GVariantBuilder *b, const gchar *first_key, ...) G_GNUC_NULL_TERMINATED;

/* Output helpers. */
JsonNode *cw_ctl_proxy_to_json (GDBusProxy *proxy);
void      cw_ctl_print_json (JsonNode *node);
gchar    *cw_ctl_format_expiry (guint64 not_after);
GVariant *cw_ctl_bytes_variant (GBytes *bytes);
/* @text left-aligned in @width characters (not bytes). */
gchar    *cw_ctl_pad (const gchar *text, guint width);

/* "Label: value" lines whose values line up however long the labels are
 * in the administrator's language (cw-ctl-output.c). */
typedef struct _CwCtlFields CwCtlFields;
CwCtlFields *cw_ctl_fields_new (void);
void         cw_ctl_fields_add (CwCtlFields *fields, const gchar *label, const gchar *format, ...) G_GNUC_PRINTF (3, 4);
/* One line per element, the label on the first. */
void         cw_ctl_fields_add_lines (CwCtlFields *fields, const gchar *label, const gchar * const *lines);
void         cw_ctl_fields_print (CwCtlFields *fields);
void         cw_ctl_fields_free (CwCtlFields *fields);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwCtlFields, cw_ctl_fields_free)
/* A Certificate1.State value translated for people, and the widest one. */
const gchar *cw_ctl_state_name (const gchar *state);
guint        cw_ctl_state_width (void);

/* Waits for the outcome of an ACME order: create the waiter before the
 * call that starts the order, finish it with the certificate's path.
 * finish prints the outcome and returns the exit status. */
typedef struct _CwCtlWaiter CwCtlWaiter;
CwCtlWaiter *cw_ctl_waiter_new (CwCtl *ctl);
int          cw_ctl_waiter_finish (CwCtlWaiter *waiter, const gchar *path, guint seconds);
void         cw_ctl_waiter_free (CwCtlWaiter *waiter);

int cw_ctl_list (CwCtl *ctl, int argc, char **argv);
int cw_ctl_show (CwCtl *ctl, int argc, char **argv);
/* request --protocol scep (cw-ctl-scep.c) */
gboolean cw_ctl_request_is_scep (int argc, char **argv);
int      cw_ctl_request_scep (CwCtl *ctl, int argc, char **argv);
void     cw_ctl_add_scep_fields (CwCtlFields *f, CwDBusCertificate1 *cert);
int cw_ctl_import (CwCtl *ctl, int argc, char **argv);
int cw_ctl_export (CwCtl *ctl, int argc, char **argv);
int cw_ctl_install (CwCtl *ctl, int argc, char **argv);
int cw_ctl_remove (CwCtl *ctl, int argc, char **argv);
int cw_ctl_monitor (CwCtl *ctl, int argc, char **argv);
int cw_ctl_self_sign (CwCtl *ctl, int argc, char **argv);
int cw_ctl_ca (CwCtl *ctl, int argc, char **argv);
int cw_ctl_csr (CwCtl *ctl, int argc, char **argv);
int cw_ctl_renew (CwCtl *ctl, int argc, char **argv);
int cw_ctl_find (CwCtl *ctl, int argc, char **argv);
int cw_ctl_default (CwCtl *ctl, int argc, char **argv);
int cw_ctl_set (CwCtl *ctl, int argc, char **argv);
int cw_ctl_deliver (CwCtl *ctl, int argc, char **argv);
int cw_ctl_integrations (CwCtl *ctl, int argc, char **argv);
int cw_ctl_tenant (CwCtl *ctl, int argc, char **argv);
int cw_ctl_expiry_days (CwCtl *ctl, int argc, char **argv);
int cw_ctl_trust (CwCtl *ctl, int argc, char **argv);
int cw_ctl_cluster (CwCtl *ctl, int argc, char **argv);
int cw_ctl_request (CwCtl *ctl, int argc, char **argv);
/* Calls Manager1.Request for @name with @ids and @options (an a{sv}), then
 * waits up to @wait seconds (the default when 0 or less) for the outcome
 * and prints it; or, when @started is not NULL, sets it to the
 * certificate's object path and waits for nothing. Returns the exit
 * status. */
int cw_ctl_request_wait (CwCtl *ctl, const gchar *name, const gchar * const *ids, GVariant *options, gint wait,
                         gchar **started);
int cw_ctl_revoke (CwCtl *ctl, int argc, char **argv);
int cw_ctl_account (CwCtl *ctl, int argc, char **argv);
int cw_ctl_check (CwCtl *ctl, int argc, char **argv);
int cw_ctl_provider (CwCtl *ctl, int argc, char **argv);

/* The object path of the DNS provider called @name (or at path @name). */
gchar *cw_ctl_provider_path (CwCtl *ctl, const gchar *name, GError **error);

G_END_DECLS
