/* The agent's settings: expiry warning days, the default certificate,
 * tenants, and the renewal check (interval, last and next, run now).
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace } from "../dom.js";
import { _, format } from "../i18n.js";
import { IFACE, ROOT } from "../agent.js";
import { dateTime, splitList } from "../format.js";
import { row, textInput, select, run, alertBox } from "../ui.js";

export class SettingsView {
    constructor(app) {
        this.app = app;
        this.agent = app.agent;
    }

    render(container) {
        const m = this.agent.manager;
        this.days = h("input", { type: "number", id: "cw-expiry-days", min: 30, max: 180, value: m.ExpiryWarningDays ?? 60 });
        this.daysButton = h("button.cw-primary", { type: "button", id: "cw-expiry-days-save" }, _("Apply"));
        this.daysButton.addEventListener("click", () => this.saveDays());
        this.defaultSelect = select("default", [], "", { id: "cw-default" });
        this.defaultButton = h("button.cw-primary", { type: "button", id: "cw-default-save" }, _("Apply"));
        this.defaultButton.addEventListener("click", () => this.saveDefault());
        this.tenants = h("table.cw-table", { id: "cw-tenants" });
        this.tenantName = textInput("tenant", { id: "cw-tenant-name" });
        this.tenantDomains = textInput("domains", { id: "cw-tenant-domains", placeholder: "tenant1.example, tenant1.example.net" });
        this.tenantButton = h("button", { type: "button", id: "cw-tenant-save" }, _("Set tenant"));
        this.tenantButton.addEventListener("click", () => this.saveTenant(this.tenantName.value.trim(), splitList(this.tenantDomains.value)));
        this.check = h("dl.cw-props", { id: "cw-check" });
        this.checkButton = h("button", { type: "button", id: "cw-check-now" }, _("Check now"));
        this.checkButton.addEventListener("click", () => this.checkNow());
        this.errors = h("div.cw-alerts", { id: "cw-settings-errors" });
        replace(container,
                this.errors,
                h("section.cw-card", h("h2", _("Settings")),
                  h("div.cw-form",
                    row(_("Expiry warning"), h("div.cw-actions", this.days, _("days before expiry"), this.daysButton),
                        _("A certificate turns “expiring” this many days before it expires (30–180).")),
                    row(_("Default certificate"), h("div.cw-actions", this.defaultSelect, this.defaultButton),
                        _("Served for names no other certificate matches. Needs the server role.")))),
                h("section.cw-card", h("h3", _("Tenants")),
                  h("p.cw-muted", _("A certificate without a tenant gets the tenant whose domain covers one of its identities.")),
                  this.tenants,
                  h("div.cw-toolbar", this.tenantName, this.tenantDomains, this.tenantButton)),
                h("section.cw-card", h("h3", _("Renewal check")), this.check, h("div.cw-actions", this.checkButton)));
        this.update();
    }

    update() {
        const m = this.agent.manager;
        const chosen = this.defaultSelect.value || m.DefaultCertificate;
        const servers = this.agent.certificateList().filter(c => (c.Roles || []).includes("server"))
                .sort((a, b) => a.Name.localeCompare(b.Name));
        replace(this.defaultSelect, (m.DefaultCertificate === "/" || !m.DefaultCertificate) ? h("option", { value: "/" }, _("None")) : null,
                servers.map(c => h("option", { value: c.path, selected: c.path === chosen }, c.Name)));
        const tenants = Object.entries(m.Tenants || {}).sort(([a], [b]) => a.localeCompare(b));
        replace(this.tenants,
                h("thead", h("tr", h("th", _("Tenant")), h("th", _("Domains")), h("th", ""))),
                h("tbody", tenants.length
                    ? tenants.map(([name, domains]) => {
                        const remove = h("button.cw-link", { type: "button" }, _("Remove"));
                        remove.addEventListener("click", () => this.saveTenant(name, []));
                        return h("tr", { dataset: { tenant: name } }, h("td", name), h("td", domains.join(", ")), h("td", remove));
                    })
                    : h("tr.cw-empty", h("td", { colspan: 3 }, _("No tenants.")))));
        replace(this.check,
                h("dt", _("Every")), h("dd", format(_("$0 hours"), Math.round((m.CheckInterval || 0) / 360) / 10)),
                h("dt", _("Last check")), h("dd", dateTime(m.LastCheck) || _("never")),
                h("dt", _("Next check")), h("dd", dateTime(m.NextCheck) || ""),
                h("dt", _("Agent version")), h("dd", m.Version || ""));
    }

    saveDays() {
        run(this.daysButton, this.errors, _("Could not change the expiry warning"),
            () => this.agent.setProperty(ROOT, IFACE.manager, "ExpiryWarningDays", "u", Number(this.days.value))
                    .then(() => replace(this.errors, alertBox("success", _("Expiry warning changed.")))));
    }

    saveDefault() {
        run(this.defaultButton, this.errors, _("Could not change the default certificate"),
            () => this.agent.manager_call("SetDefault", "o", [this.defaultSelect.value])
                    .then(() => replace(this.errors, alertBox("success", _("Default certificate changed.")))));
    }

    saveTenant(name, domains) {
        run(this.tenantButton, this.errors, _("Could not change the tenant"), () => {
            if (!name)
                throw new Error(_("Give the tenant a name."));
            return this.agent.manager_call("SetTenant", "sas", [name, domains])
                    .then(() => { this.tenantName.value = ""; this.tenantDomains.value = "" });
        });
    }

    checkNow() {
        run(this.checkButton, this.errors, _("Could not start a renewal check"),
            () => this.agent.manager_call("CheckNow", "", [])
                    .then(() => replace(this.errors, alertBox("info", _("A renewal check is running; renewed certificates show up in the list.")))));
    }
}
