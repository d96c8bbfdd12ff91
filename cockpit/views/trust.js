/* The trust store (TrustStore1): the CAs the PBX trusts as a TLS client,
 * filterable; add, remove, replace all, reset to the system bundle,
 * export, and the verification mode. Follows the Changed signal.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace, readFile, download } from "../dom.js";
import { _, ngettext, format } from "../i18n.js";
import { IFACE, TRUST_PATH } from "../agent.js";
import { date } from "../format.js";
import { row, select, run, alertBox, errorAlert, confirm, sortableHeader, compare } from "../ui.js";

const MODES = [
    ["none", _("None: do not verify")],
    ["outgoing", _("Outgoing: verify servers the PBX connects to")],
    ["all", _("All: verify servers and clients")],
];

/* rows shown at first; the system bundle alone has 140 */
const PAGE = 25;

export class TrustView {
    constructor(app) {
        this.app = app;
        this.agent = app.agent;
        this.items = null;
        this.sort = { key: "subject", asc: true };
        this.limit = PAGE;
        this.loading = null;
    }

    render(container) {
        this.summary = h("dl.cw-props", { id: "cw-trust-summary" });
        this.mode = select("mode", MODES, this.agent.trust.VerificationMode || "outgoing", { id: "cw-trust-mode" });
        this.mode.addEventListener("change", () => { this.modeTouched = true });
        this.modeButton = h("button", { type: "button", id: "cw-trust-mode-save" }, _("Apply"));
        this.modeButton.addEventListener("click", () => this.setMode());
        this.filter = h("input", { type: "search", id: "cw-trust-filter", placeholder: _("Filter by subject or fingerprint…"),
                                   "aria-label": _("Filter"), oninput: () => { this.limit = PAGE; this.renderTable() } });
        this.file = h("input", { type: "file", id: "cw-trust-file", multiple: true, accept: ".pem,.crt,.cer,.der,.p7b,.p12,.pfx" });
        this.addButton = h("button.cw-primary", { type: "button", id: "cw-trust-add" }, _("Add"));
        this.replaceButton = h("button", { type: "button", id: "cw-trust-replace" }, _("Replace all"));
        this.resetButton = h("button", { type: "button", id: "cw-trust-reset" }, _("Reset to the system bundle"));
        this.exportButton = h("button", { type: "button", id: "cw-trust-export" }, _("Download bundle"));
        this.addButton.addEventListener("click", () => this.upload("Add"));
        this.replaceButton.addEventListener("click", () => this.upload("Replace"));
        this.resetButton.addEventListener("click", () => this.reset());
        this.exportButton.addEventListener("click", () => this.exportBundle());
        this.errors = h("div.cw-alerts", { id: "cw-trust-errors" });
        this.count = h("span.cw-muted");
        this.table = h("table.cw-table", { id: "cw-trust-table" });
        this.more = h("button.cw-link", { type: "button", id: "cw-trust-more" });
        this.more.addEventListener("click", () => { this.limit = Infinity; this.renderTable() });
        replace(container,
                h("section.cw-card",
                  h("h2", _("Trust store")),
                  h("p.cw-muted", _("The certificate authorities the PBX trusts when it connects out: SIP trunks, provisioning, LDAP.")),
                  this.summary,
                  h("div.cw-form.cw-spaced",
                    row(_("Verification"), h("div.cw-actions", this.mode, this.modeButton)),
                    row(_("Add CA certificates"), h("div.cw-actions", this.file, this.addButton, this.replaceButton),
                        _("PEM (one or many), DER, PKCS#7 or PKCS#12 without a password; CA certificates only.")),
                    row(_("Bundle"), h("div.cw-actions", this.resetButton, this.exportButton))),
                  this.errors),
                h("section.cw-card", h("div.cw-toolbar", this.filter, this.count), this.table, h("div.cw-actions", this.more)));
        this.update(new Set(["trust"]));
    }

    load() {
        this.loading = this.agent.trustList()
                .then(items => { this.items = items; this.renderTable() })
                .catch(error => replace(this.errors, errorAlert(_("Could not list the trust store"), error)))
                .finally(() => { this.loading = null });
    }

    update(kinds) {
        const t = this.agent.trust;
        replace(this.summary,
                h("dt", _("Trusted certificates")), h("dd", { dataset: { prop: "Count" } }, String(t.Count ?? "")),
                h("dt", _("Bundle file")), h("dd", h("code", t.BundlePath || "")));
        if (t.VerificationMode && !this.modeTouched)
            this.mode.value = t.VerificationMode;
        if (!kinds || kinds.has("trust") || kinds.has("ready") || this.items === null)
            this.load();
    }

    renderTable() {
        const items = this.items || [];
        const needle = this.filter.value.trim().toLowerCase().replace(/:/g, "");
        const columns = [
            { key: "subject", label: _("Subject"), sort: x => x.subject },
            { key: "notAfter", label: _("Expires"), sort: x => x.notAfter },
            { key: "origin", label: _("Origin"), sort: x => x.fromSystem ? 1 : 0 },
            { key: "fingerprint", label: _("SHA-256 fingerprint") },
            { key: "actions", label: "" },
        ];
        const column = columns.find(c => c.key === this.sort.key);
        const shown = items.filter(x => !needle || (x.subject + "\n" + x.issuer + "\n" + x.fingerprint).toLowerCase().includes(needle))
                .sort((a, b) => (this.sort.asc ? 1 : -1) * compare(column.sort(a), column.sort(b)));
        this.count.textContent = format(_("$0 of $1"), shown.length, items.length);
        const rest = shown.length - Math.min(shown.length, this.limit);
        this.more.hidden = rest <= 0;
        this.more.textContent = format(_("Show $0 more"), rest);
        replace(this.table,
                sortableHeader(columns, this.sort, key => {
                    this.sort = this.sort.key === key ? { key, asc: !this.sort.asc } : { key, asc: true };
                    this.renderTable();
                }),
                h("tbody", shown.slice(0, this.limit).map(x => {
                    const remove = h("button.cw-link", { type: "button", dataset: { action: "remove" } }, _("Remove"));
                    remove.addEventListener("click", () => this.remove(x, remove));
                    return h("tr", { dataset: { fingerprint: x.fingerprint } },
                             h("td", { title: x.subject === x.issuer ? x.subject : format(_("issued by $0"), x.issuer) }, x.subject),
                             h("td.cw-nowrap", date(x.notAfter)),
                             h("td", x.fromSystem ? _("system") : _("added")),
                             h("td.cw-nowrap", h("code", { title: x.fingerprint }, x.fingerprint.slice(0, 16) + "…")), h("td", remove));
                }), shown.length ? null : h("tr.cw-empty", h("td", { colspan: columns.length }, _("Nothing to show.")))));
    }

    setMode() {
        run(this.modeButton, this.errors, _("Could not change the verification mode"),
            () => this.agent.setProperty(TRUST_PATH, IFACE.trust, "VerificationMode", "s", this.mode.value)
                    .then(() => replace(this.errors, alertBox("success", _("Verification mode changed.")))));
    }

    async collect() {
        if (!this.file.files.length)
            throw new Error(_("Choose a file first."));
        const parts = [];
        for (const file of this.file.files)
            parts.push(await readFile(file));
        /* several files become one upload: PEM files concatenate; a DER
         * file is sent alone */
        if (parts.length === 1)
            return parts[0];
        const total = parts.reduce((n, p) => n + p.length + 1, 0);
        const all = new Uint8Array(total);
        let at = 0;
        for (const p of parts) {
            all.set(p, at);
            at += p.length;
            all[at++] = 10;
        }
        return all;
    }

    upload(method) {
        const button = method === "Add" ? this.addButton : this.replaceButton;
        const go = () => run(button, this.errors, method === "Add" ? _("Could not add to the trust store") : _("Could not replace the trust store"),
                             async () => {
                                 const bytes = await this.collect();
                                 const [result] = await this.agent.call(TRUST_PATH, IFACE.trust, method, "ay", [cockpit.base64_encode(bytes)]);
                                 this.file.value = "";
                                 replace(this.errors, alertBox("success", method === "Add"
                                     ? format(ngettext("Added $0 certificate.", "Added $0 certificates.", (result || []).length), (result || []).length)
                                     : _("The trust store now holds only the uploaded certificates.")));
                             });
        if (method === "Add")
            return go();
        confirm(_("Replace the trust store"), h("p", _("Only the uploaded certificates will be trusted, without the system bundle, until the store is reset.")),
                _("Replace all"), true).then(yes => yes && go());
    }

    remove(item, button) {
        confirm(_("Remove from the trust store"), h("p", format(_("“$0” will no longer be trusted."), item.subject)), _("Remove"), true)
                .then(yes => yes && run(button, this.errors, _("Could not remove the certificate"),
                                        () => this.agent.call(TRUST_PATH, IFACE.trust, "Remove", "s", [item.fingerprint])));
    }

    reset() {
        confirm(_("Reset the trust store"), h("p", _("Only the system bundle will be trusted; certificates added here are dropped.")), _("Reset"), true)
                .then(yes => yes && run(this.resetButton, this.errors, _("Could not reset the trust store"),
                                        () => this.agent.call(TRUST_PATH, IFACE.trust, "Reset", "", [])));
    }

    exportBundle() {
        run(this.exportButton, this.errors, _("Could not export the trust store"),
            () => this.agent.call(TRUST_PATH, IFACE.trust, "Export", "", [])
                    .then(([data]) => download("ca-bundle.pem", cockpit.base64_decode(data, Uint8Array), "application/x-pem-file")));
    }
}
