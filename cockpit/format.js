/* How values from the agent are shown: states with their colour, dates,
 * "expires in", and any D-Bus value at all (for properties the page does
 * not know yet).
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h } from "./dom.js";
import { _, N_, ngettext, format } from "./i18n.js";

const STATES = {
    valid: N_("valid"),
    expiring: N_("expiring"),
    expired: N_("expired"),
    pending: N_("pending"),
    renewing: N_("renewing"),
    failed: N_("failed"),
};

export function stateName(state) {
    return STATES[state] ? _(STATES[state]) : (state || _("unknown"));
}

/* The state as a coloured label; data-state keeps the raw value for tests. */
export function stateLabel(state) {
    const known = state in STATES ? state : "unknown";
    return h("span.cw-label-state.cw-state-" + known, { dataset: { state: state || "" } }, stateName(state));
}

const SOURCES = {
    imported: N_("imported"),
    "self-signed": N_("self-signed"),
    "local-ca": N_("local CA"),
    csr: N_("CSR"),
    acme: N_("ACME"),
};

export function sourceName(source) {
    return SOURCES[source] ? _(SOURCES[source]) : source;
}

export const ROLES = ["server", "sip-tls", "stir-shaken", "client", "ca"];
const ROLE_NAMES = {
    server: N_("server"),
    "sip-tls": N_("SIP-TLS"),
    "stir-shaken": N_("STIR/SHAKEN"),
    client: N_("client"),
    ca: N_("CA"),
};

export function roleName(role) {
    return ROLE_NAMES[role] ? _(ROLE_NAMES[role]) : role;
}

export const KEY_TYPES = ["ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519"];

/* Unix seconds as a local date and time; "" for 0 */
export function dateTime(seconds) {
    if (!seconds)
        return "";
    return new Date(seconds * 1000).toLocaleString(cockpit.language, { dateStyle: "medium", timeStyle: "short" });
}

export function date(seconds) {
    if (!seconds)
        return "";
    return new Date(seconds * 1000).toLocaleDateString(cockpit.language, { dateStyle: "medium" });
}

const DAY = 86400;

/* "in 3 days", "expired 2 days ago", "" when there is no certificate yet */
export function expiresIn(notAfter, now) {
    if (!notAfter)
        return "";
    now = now || Date.now() / 1000;
    const left = notAfter - now;
    if (left >= DAY) {
        const days = Math.floor(left / DAY);
        return format(ngettext("in $0 day", "in $0 days", days), days);
    }
    if (left > 0) {
        const hours = Math.max(1, Math.floor(left / 3600));
        return format(ngettext("in $0 hour", "in $0 hours", hours), hours);
    }
    const ago = Math.floor(-left / DAY);
    if (ago < 1)
        return _("expired today");
    return format(ngettext("expired $0 day ago", "expired $0 days ago", ago), ago);
}

/* unwraps cockpit's {t, v} variants, recursively */
export function unwrap(value) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
        if ("t" in value && "v" in value && Object.keys(value).length === 2)
            return unwrap(value.v);
        const out = {};
        for (const [k, v] of Object.entries(value))
            out[k] = unwrap(v);
        return out;
    }
    if (Array.isArray(value))
        return value.map(unwrap);
    return value;
}

/* Any D-Bus value as nodes: lists as lists, dictionaries as key: value,
 * booleans as yes/no, the rest as text. */
export function anyValue(value) {
    value = unwrap(value);
    if (value === undefined || value === null || value === "")
        return h("span.cw-muted", _("none"));
    if (typeof value === "boolean")
        return value ? _("yes") : _("no");
    if (Array.isArray(value)) {
        if (value.length === 0)
            return h("span.cw-muted", _("none"));
        return h("ul", value.map(v => h("li", typeof v === "object" ? JSON.stringify(v) : String(v))));
    }
    if (typeof value === "object") {
        const keys = Object.keys(value).sort();
        if (keys.length === 0)
            return h("span.cw-muted", _("none"));
        return h("ul", keys.map(k => h("li", h("code", k), ": ",
                                        typeof value[k] === "object" ? JSON.stringify(value[k]) : String(value[k]))));
    }
    return String(value);
}

/* the last path element, which is the object's id */
export function objectId(path) {
    return path ? path.slice(path.lastIndexOf("/") + 1) : "";
}

/* "a, b" from a list; identities and roles in the list view */
export function joined(list, mapper) {
    return (list || []).map(mapper || (x => x)).join(", ");
}

/* splits what an administrator typed: commas, spaces or one per line */
export function splitList(text) {
    return (text || "").split(/[\s,]+/).map(s => s.trim()).filter(s => s);
}

export function splitLines(text) {
    return (text || "").split("\n").map(s => s.trim()).filter(s => s);
}

const EVENTS = {
    added: N_("added"),
    replaced: N_("replaced"),
    renewed: N_("renewed"),
    removed: N_("removed"),
    expiring: N_("expiring"),
    expired: N_("expired"),
    failed: N_("failed"),
};

/* a CertificateChanged event in words */
export function eventName(event) {
    return EVENTS[event] ? _(EVENTS[event]) : event;
}
