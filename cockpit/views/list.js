/* The certificate list: name, identities, state with its colour, expiry,
 * source, roles and tenant; sortable by any column, filtered by text and
 * state; recent CertificateChanged events below it.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace } from "../dom.js";
import { _, ngettext, format } from "../i18n.js";
import { ROOT } from "../agent.js";
import { stateLabel, stateName, expiresIn, sourceName, roleName, joined, objectId, dateTime, eventName } from "../format.js";
import { sortableHeader, compare, select } from "../ui.js";

const STATE_ORDER = { failed: 0, expired: 1, expiring: 2, renewing: 3, pending: 4, valid: 5 };

export class ListView {
    constructor(app, args, options) {
        this.app = app;
        this.agent = app.agent;
        this.sort = { key: options.sort || "name", asc: options.order !== "desc" };
        this.filter = options.filter || "";
        this.stateFilter = options.state || "";
    }

    columns() {
        return [
            { key: "name", label: _("Name"), sort: c => c.Name },
            { key: "identities", label: _("Identities"), sort: c => joined(c.Identities) },
            { key: "state", label: _("State"), sort: c => STATE_ORDER[c.State] ?? 9 },
            { key: "expires", label: _("Expires"), sort: c => c.NotAfter || Number.MAX_SAFE_INTEGER },
            { key: "source", label: _("Source"), sort: c => sourceName(c.Source) },
            { key: "roles", label: _("Roles"), sort: c => joined(c.Roles) },
            { key: "tenant", label: _("Tenant"), sort: c => c.Tenant },
        ];
    }

    render(container) {
        this.filterInput = h("input", {
            type: "search", id: "cw-filter", placeholder: _("Filter by name, identity, tenant…"),
            "aria-label": _("Filter"), value: this.filter,
            oninput: () => { this.filter = this.filterInput.value; this.update() },
        });
        this.stateSelect = select("state", [["", _("All states")],
            ...["valid", "expiring", "expired", "pending", "renewing", "failed"].map(s => [s, stateName(s)])],
                                  this.stateFilter, {
                                      "aria-label": _("State"),
                                      onchange: () => { this.stateFilter = this.stateSelect.value; this.update() },
                                  });
        this.table = h("table.cw-table", { id: "cw-certificates", "aria-label": _("Certificates") });
        this.count = h("span.cw-muted");
        this.events = h("ol.cw-events", { id: "cw-events" });
        replace(container,
                h("section.cw-card",
                  h("div.cw-toolbar",
                    this.filterInput, this.stateSelect, this.count, h("span.cw-spacer"),
                    h("button.cw-primary", { type: "button", id: "cw-go-import", onclick: () => this.app.go(["import"]) }, _("Import")),
                    h("button", { type: "button", id: "cw-go-request", onclick: () => this.app.go(["request"]) }, _("Request from ACME CA")),
                    h("button", { type: "button", id: "cw-go-create", onclick: () => this.app.go(["create"]) }, _("Create self-signed or CA")),
                    h("button", { type: "button", id: "cw-go-csr", onclick: () => this.app.go(["csr"]) }, _("Create CSR"))),
                  this.table),
                h("section.cw-card", h("h3", _("Recent events")), this.events));
        this.update();
    }

    setSort(key) {
        if (this.sort.key === key)
            this.sort.asc = !this.sort.asc;
        else
            this.sort = { key, asc: true };
        this.update();
    }

    matches(cert) {
        if (this.stateFilter && cert.State !== this.stateFilter)
            return false;
        const needle = this.filter.trim().toLowerCase();
        if (!needle)
            return true;
        const hay = [cert.Name, ...(cert.Identities || []), cert.Tenant, cert.Source, sourceName(cert.Source),
            cert.State, stateName(cert.State), ...(cert.Roles || [])].join("\n").toLowerCase();
        return hay.includes(needle);
    }

    update() {
        const columns = this.columns();
        const all = this.agent.certificateList();
        const column = columns.find(c => c.key === this.sort.key) || columns[0];
        const certs = all.filter(c => this.matches(c))
                .sort((a, b) => (this.sort.asc ? 1 : -1) * (compare(column.sort(a), column.sort(b)) || compare(a.Name, b.Name)));
        const defaultPath = this.agent.manager.DefaultCertificate;
        const now = Date.now() / 1000;

        const rows = certs.map(cert => h("tr", { dataset: { name: cert.Name, state: cert.State, fingerprint: cert.Fingerprint || "" } },
                                         h("td", h("a", { href: "#/certificate/" + objectId(cert.path) }, cert.Name),
                                           cert.path === defaultPath ? h("span.cw-badge", _("default")) : null),
                                         h("td.cw-ids", joined(cert.Identities)),
                                         h("td", stateLabel(cert.State)),
                                         h("td", { title: dateTime(cert.NotAfter) }, expiresIn(cert.NotAfter, now) || "—"),
                                         h("td", sourceName(cert.Source)),
                                         h("td", joined(cert.Roles, roleName)),
                                         h("td", cert.Tenant || "")));
        let empty = null;
        if (certs.length === 0) {
            empty = h("tr.cw-empty", h("td", { colspan: columns.length },
                                       all.length ? _("No certificate matches the filter.") : _("No certificates yet. Import one, create one or request one from an ACME CA.")));
        }
        replace(this.table,
                sortableHeader(columns, this.sort, key => this.setSort(key)),
                h("tbody", rows, empty));
        this.count.textContent = certs.length === all.length
            ? format(ngettext("$0 certificate", "$0 certificates", all.length), all.length)
            : format(ngettext("$0 of $1 certificate", "$0 of $1 certificates", all.length), certs.length, all.length);

        replace(this.events, this.agent.events.length
            ? this.agent.events.map(e => h("li", { dataset: { event: e.event } },
                                           new Date(e.time).toLocaleTimeString(cockpit.language), " ",
                                           e.path.startsWith(ROOT + "/certificate/") && e.event !== "removed"
                                               ? h("a", { href: "#/certificate/" + objectId(e.path) }, e.name)
                                               : e.name,
                                           ": ", eventName(e.event), e.error ? " — " + e.error : ""))
            : h("li.cw-muted", _("None since the page was opened.")));
    }
}
