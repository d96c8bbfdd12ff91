/* The page's one connection to certwardd: cockpit.dbus on the system bus
 * (superuser "try": an administrator's session calls as root, others as
 * themselves and get the agent's or the bus's refusal). Proxies follow
 * ObjectManager InterfacesAdded/Removed and PropertiesChanged; the
 * CertificateChanged and TrustStore1.Changed signals are followed too.
 * Views listen for "changed" and read the proxies.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { _ } from "./i18n.js";

export const BUS_NAME = "org.certward.Certward1";
export const ROOT = "/org/certward/Certward1";
export const TRUST_PATH = ROOT + "/TrustStore";
export const IFACE = {
    manager: "org.certward.Manager1",
    certificate: "org.certward.Certificate1",
    account: "org.certward.Account1",
    provider: "org.certward.Provider1",
    trust: "org.certward.TrustStore1",
    properties: "org.freedesktop.DBus.Properties",
};

/* The text to show for a failed call: the agent's (or the bus's) message,
 * never a generic one when there is a message. */
export function errorMessage(error) {
    if (!error)
        return "";
    if (typeof error === "string")
        return error;
    if (error.message)
        return String(error.message);
    return cockpit.message(error);
}

/* the D-Bus error name (org.certward.Error.InUse …), "" for others */
export function errorName(error) {
    return (error && typeof error.name === "string" && error.name.includes(".")) ? error.name : "";
}

const MAX_EVENTS = 20;

export class Agent extends EventTarget {
    constructor() {
        super();
        this.client = cockpit.dbus(BUS_NAME, { bus: "system", superuser: "try" });
        this.owner = undefined;
        this.events = [];
        this.providerTypes = null;
        this.integrations = null;

        this.manager = this.client.proxy(IFACE.manager, ROOT);
        this.trust = this.client.proxy(IFACE.trust, TRUST_PATH);
        this.certificates = this.client.proxies(IFACE.certificate, ROOT);
        this.accounts = this.client.proxies(IFACE.account, ROOT);
        this.providers = this.client.proxies(IFACE.provider, ROOT);

        this.client.addEventListener("owner", (event, owner) => {
            this.owner = owner;
            this.emit("owner");
        });
        this.client.addEventListener("close", (event, options) => {
            this.closed = options;
            this.emit("owner");
        });
        this.manager.addEventListener("changed", () => this.emit("manager"));
        this.trust.addEventListener("changed", () => this.emit("trust"));
        for (const [kind, proxies] of [["certificates", this.certificates], ["accounts", this.accounts],
            ["providers", this.providers]]) {
            for (const what of ["added", "changed", "removed"])
                proxies.addEventListener(what, () => this.emit(kind));
        }

        this.client.subscribe({ interface: IFACE.manager, member: "CertificateChanged", path: ROOT },
                              (path, iface, signal, args) => this.certificateChanged(args));
        this.client.subscribe({ interface: IFACE.trust, member: "Changed", path: TRUST_PATH },
                              () => this.emit("trust"));
        this.client.subscribe({ interface: IFACE.manager, member: "CheckFinished", path: ROOT },
                              () => this.emit("manager"));
    }

    emit(kind, detail) {
        this.dispatchEvent(new CustomEvent("changed", { detail: { kind, ...detail } }));
    }

    certificateChanged([path, event, details]) {
        const name = details && details.name ? details.name.v : path;
        const error = details && details.error ? details.error.v : "";
        this.events.unshift({ time: Date.now(), path, event, name, error });
        this.events.length = Math.min(this.events.length, MAX_EVENTS);
        this.emit("event", { path, event, name, error });
    }

    /* resolves once the first set of objects is known */
    ready() {
        const waits = [this.manager, this.trust, this.certificates, this.accounts, this.providers]
                .map(p => new Promise(resolve => p.wait(resolve)));
        return Promise.all(waits);
    }

    /* a call with an explicit signature (no introspection round trip);
     * resolves to the out-arguments */
    call(path, iface, method, signature, args) {
        return this.client.call(path, iface, method, args || [], { type: signature });
    }

    manager_call(method, signature, args) {
        return this.call(ROOT, IFACE.manager, method, signature, args);
    }

    setProperty(path, iface, name, signature, value) {
        return this.call(path, IFACE.properties, "Set", "ssv",
                         [iface, name, cockpit.variant(signature, value)]);
    }

    certificateList() {
        return Object.values(this.certificates).filter(p => p && p.valid !== false && p.Name !== undefined);
    }

    certificateById(id) {
        return this.certificates[ROOT + "/certificate/" + id] || null;
    }

    accountList() {
        return Object.values(this.accounts).filter(p => p && p.Directory !== undefined);
    }

    providerList() {
        return Object.values(this.providers).filter(p => p && p.Name !== undefined)
                .sort((a, b) => a.Name.localeCompare(b.Name));
    }

    /* the DNS provider plugins and their fields, asked once */
    getProviderTypes() {
        if (!this.providerTypes) {
            this.providerTypes = this.manager_call("GetProviderTypes", "", [])
                    .then(([types]) => types.map(([type, label, fields]) => ({
                        type,
                        label,
                        fields: fields.map(([key, flabel, description, required, secret]) =>
                            ({ key, label: flabel, description, required, secret })),
                    })))
                    .catch(error => {
                        this.providerTypes = null;
                        throw error;
                    });
        }
        return this.providerTypes;
    }

    /* the delivery presets: [{name, description, sets: {access-group, targets, …}}], asked once */
    getIntegrations() {
        if (!this.integrations) {
            this.integrations = this.manager_call("GetIntegrations", "", [])
                    .then(([list]) => list.map(([name, description, sets]) => ({ name, description, sets })))
                    .catch(error => {
                        this.integrations = null;
                        throw error;
                    });
        }
        return this.integrations;
    }

    trustList() {
        return this.call(TRUST_PATH, IFACE.trust, "List", "", [])
                .then(([list]) => list.map(([fingerprint, subject, issuer, serial, notBefore, notAfter, fromSystem]) =>
                    ({ fingerprint, subject, issuer, serial, notBefore, notAfter, fromSystem })));
    }

    /* "the agent is not running" while the name has no owner */
    get running() {
        return this.owner !== null && !this.closed;
    }

    get notRunningMessage() {
        if (this.closed && this.closed.problem)
            return cockpit.message(this.closed);
        return _("The certificate agent (certwardd) is not running. Start it with: systemctl enable --now certwardd");
    }
}
