/* An ACME request (Manager1.Request): identities, HTTP-01 (standalone,
 * webroot, D-Bus) or DNS-01 through a configured DNS provider, the account,
 * the CA's directory, the key and the rest of the options. The call returns
 * at once; the certificate's page follows the order.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace } from "../dom.js";
import { _, format } from "../i18n.js";
import { objectId, splitList, KEY_TYPES } from "../format.js";
import { row, textInput, select, checkbox, rolesGroup, checkedValues, run } from "../ui.js";

export class RequestView {
    constructor(app) {
        this.app = app;
        this.agent = app.agent;
    }

    render(container) {
        const f = this.f = {
            name: textInput("name", { id: "cw-request-name", required: true }),
            identities: textInput("identities", { id: "cw-request-identities", required: true, placeholder: "pbx.example.com, *.example.com" }),
            http: h("input", { type: "radio", name: "challenge", value: "http-01", id: "cw-request-http", checked: true, onchange: () => this.showChallenge() }),
            dns: h("input", { type: "radio", name: "challenge", value: "dns-01", id: "cw-request-dns", onchange: () => this.showChallenge() }),
            mode: select("http-01-mode", [["", _("As configured")], ["standalone", _("Standalone: the agent listens on port 80")],
                ["webroot", _("Webroot: files in the web server's document root")],
                ["dbus", _("D-Bus: the PBX's web server asks the agent")]], "", { id: "cw-request-mode", onchange: () => this.showChallenge() }),
            webroot: textInput("webroot", { id: "cw-request-webroot", placeholder: "/var/www/html" }),
            provider: select("provider", [], "", { id: "cw-request-provider" }),
            account: select("account", [], "", { id: "cw-request-account" }),
            directory: textInput("directory", { id: "cw-request-directory" }),
            keyType: select("key-type", KEY_TYPES.filter(k => k !== "ed25519").map(k => [k, k]), "ec-p256", { id: "cw-request-key-type" }),
            reuseKey: checkbox("reuse-key", _("Keep the key when renewing")),
            profile: textInput("profile", { id: "cw-request-profile", placeholder: "shortlived" }),
            chain: textInput("preferred-chain", { id: "cw-request-chain" }),
            roles: rolesGroup("roles", ["server"]),
            tenant: textInput("tenant", { id: "cw-request-tenant" }),
        };
        this.httpRows = [row(_("HTTP-01 mode"), f.mode)];
        this.webrootRow = row(_("Webroot"), f.webroot, _("The directory the web server serves at /.well-known/acme-challenge/."));
        this.dnsRow = row(_("DNS provider"), h("div", f.provider, h("p.cw-help", h("a", { href: "#/acme" }, _("Manage DNS providers")))));
        this.errors = h("div.cw-alerts", { id: "cw-request-errors" });
        this.submit = h("button.cw-primary", { type: "submit", id: "cw-request-submit" }, _("Request"));
        const form = h("form.cw-form", { id: "cw-request-form", onsubmit: ev => { ev.preventDefault(); this.send() } },
                       row(_("Name"), f.name, null, { required: true }),
                       row(_("Identities"), f.identities, _("DNS names and IP addresses; wildcards need DNS-01."), { required: true }),
                       h("span.cw-label", _("Challenge")),
                       h("div.cw-checks", h("label.cw-check", f.http, "HTTP-01"), h("label.cw-check", f.dns, "DNS-01")),
                       this.httpRows, this.webrootRow, this.dnsRow,
                       row(_("Account"), f.account),
                       row(_("Directory"), f.directory),
                       row(_("Key type"), f.keyType),
                       row(_("Key"), f.reuseKey),
                       row(_("Profile"), f.profile, _("A profile the CA offers; Let's Encrypt needs “shortlived” for IP addresses.")),
                       row(_("Preferred chain"), f.chain, _("Issuer common name of the chain to prefer.")),
                       row(_("Roles"), f.roles),
                       row(_("Tenant"), f.tenant),
                       h("div.cw-form-actions.cw-actions", this.submit,
                         h("button", { type: "button", onclick: () => this.app.go([]) }, _("Cancel"))));
        replace(container,
                h("div.cw-breadcrumb", h("a", { href: "#/" }, _("Certificates")), " › ", _("ACME request")),
                h("section.cw-card", h("h2", _("Request a certificate from an ACME CA")), form, this.errors));
        this.update();
        this.showChallenge();
    }

    /* the account and provider choices follow the agent; what was chosen stays */
    update() {
        const f = this.f;
        const chosenAccount = f.account.value;
        replace(f.account, h("option", { value: "" }, _("Default account (registered on first use)")),
                this.agent.accountList().map(a => h("option", { value: a.path, selected: a.path === chosenAccount },
                                                    format("$0 — $1 ($2)", objectId(a.path), a.Directory, a.Status))));
        const chosenProvider = f.provider.value;
        const providers = this.agent.providerList();
        replace(f.provider, providers.length !== 1 ? h("option", { value: "" }, providers.length ? _("Choose a provider") : _("No DNS provider configured")) : null,
                providers.map(p => h("option", { value: p.path, selected: p.path === chosenProvider }, format("$0 ($1)", p.Name, p.Type))));
        f.directory.placeholder = this.agent.manager.DefaultDirectory || "";
    }

    showChallenge() {
        const dns = this.f.dns.checked;
        for (const el of this.httpRows.flat())
            el.hidden = dns;
        for (const el of this.webrootRow)
            el.hidden = dns || this.f.mode.value !== "webroot";
        for (const el of this.dnsRow)
            el.hidden = !dns;
    }

    send() {
        const f = this.f;
        const name = f.name.value.trim();
        run(this.submit, this.errors, _("Could not request the certificate"), async () => {
            const options = {
                challenge: cockpit.variant("s", f.dns.checked ? "dns-01" : "http-01"),
                "key-type": cockpit.variant("s", f.keyType.value),
                roles: cockpit.variant("as", checkedValues(f.roles)),
            };
            if (f.dns.checked && f.provider.value)
                options.provider = cockpit.variant("o", f.provider.value);
            if (!f.dns.checked && f.mode.value)
                options["http-01-mode"] = cockpit.variant("s", f.mode.value);
            if (!f.dns.checked && f.mode.value === "webroot" && f.webroot.value.trim())
                options.webroot = cockpit.variant("s", f.webroot.value.trim());
            if (f.account.value)
                options.account = cockpit.variant("o", f.account.value);
            for (const [key, input] of [["directory", f.directory], ["profile", f.profile], ["preferred-chain", f.chain], ["tenant", f.tenant]]) {
                if (input.value.trim())
                    options[key] = cockpit.variant("s", input.value.trim());
            }
            if (f.reuseKey.querySelector("input").checked)
                options["reuse-key"] = cockpit.variant("b", true);
            const [path] = await this.agent.manager_call("Request", "sasa{sv}", [name, splitList(f.identities.value), options]);
            this.app.go(["certificate", objectId(path)],
                        ["info", format(_("The order for “$0” has started; this page follows it."), name)]);
        });
    }
}
