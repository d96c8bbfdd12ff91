/* One certificate: every property the agent publishes, in sections, its
 * warnings and last error, the reload actions, the settings an
 * administrator may change, the actions (views/cert-actions.js) and the
 * delivery (views/delivery.js: targets, integrations, commands, and what
 * the last delivery did).
 *
 * To show a new Certificate1 property, add it to SECTIONS (with a label
 * and, if it needs one, a renderer). A property the agent publishes that
 * SECTIONS does not name still appears, under "Other properties", with
 * its D-Bus name: new ones show up without a change here.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace } from "../dom.js";
import { _, N_, format } from "../i18n.js";
import { IFACE, ROOT } from "../agent.js";
import {
    stateLabel, expiresIn, sourceName, roleName, dateTime, anyValue, unwrap, splitLines, objectId,
} from "../format.js";
import { alertBox, row, textInput, checkbox, rolesGroup, checkedValues, run } from "../ui.js";
import { actionButtons } from "./cert-actions.js";
import { DeliverySection, DELIVERY_PROPS } from "./delivery.js";

const list = values => anyValue(values);
const code = value => value ? h("code", value) : anyValue(value);
const yesNo = value => anyValue(!!value);

/* [property, label, renderer(value, cert)] per section */
export const SECTIONS = [
    {
        id: "status",
        title: N_("Status"),
        props: [
            ["State", N_("State"), v => stateLabel(v)],
            ["NotAfter", N_("Expires"), v => v ? format("$0 ($1)", dateTime(v), expiresIn(v)) : _("no certificate yet")],
            ["NextRenewal", N_("Next renewal"), (v, c) => v ? dateTime(v) : (c.Source === "acme" ? _("not scheduled") : _("never (renewed by hand)"))],
            ["AutoRenew", N_("Renews itself"), yesNo],
            ["LastError", N_("Last error"), v => v || anyValue("")],
            ["Warnings", N_("Warnings"), list],
            ["Revision", N_("Revision"), v => String(v ?? "")],
        ],
    },
    {
        id: "certificate",
        title: N_("Certificate"),
        props: [
            ["Identities", N_("Identities"), list],
            ["Subject", N_("Subject"), code],
            ["Issuer", N_("Issuer"), code],
            ["Serial", N_("Serial number"), code],
            ["NotBefore", N_("Valid from"), v => dateTime(v) || anyValue("")],
            ["Fingerprint", N_("SHA-256 fingerprint"), code],
            ["KeyType", N_("Key type"), v => v || anyValue("")],
            ["KeyMatches", N_("Key matches"), yesNo],
        ],
    },
    {
        id: "use",
        title: N_("Use"),
        props: [
            ["Name", N_("Name"), v => v],
            ["Source", N_("Source"), v => sourceName(v)],
            ["Roles", N_("Roles"), v => anyValue((v || []).map(roleName))],
            ["Tenant", N_("Tenant"), v => v || anyValue("")],
            ["AcmeOptions", N_("ACME options"), anyValue],
        ],
    },
    {
        id: "actions",
        title: N_("Reload actions"),
        props: [
            ["ReloadUnits", N_("Units reloaded"), list],
            ["DeployHooks", N_("Deploy hooks"), list],
        ],
    },
    {
        id: "files",
        title: N_("Files"),
        props: [
            ["FullChainPath", N_("Full chain"), code],
            ["CertificatePath", N_("Certificate"), code],
            ["ChainPath", N_("Intermediates"), code],
            ["KeyPath", N_("Private key"), code],
        ],
    },
];

/* The properties an administrator may change here: [property, signature,
 * label, field builder, value reader]. */
const EDITABLE = [
    ["Roles", "as", N_("Roles"), v => rolesGroup("roles", v), el => checkedValues(el)],
    ["Tenant", "s", N_("Tenant"), v => textInput("tenant", { value: v || "" }), el => el.value.trim()],
    ["AutoRenew", "b", N_("Renews itself"), v => checkbox("auto-renew", _("Renew before expiry with the same options"), v),
        el => el.querySelector("input").checked],
    ["ReloadUnits", "as", N_("Units reloaded"), v => h("textarea", { name: "reload-units", rows: 3 }, (v || []).join("\n")),
        el => splitLines(el.value)],
    ["DeployHooks", "as", N_("Deploy hooks"), v => h("textarea", { name: "deploy-hooks", rows: 3 }, (v || []).join("\n")),
        el => splitLines(el.value)],
];

function sameValue(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
}

export class DetailsView {
    constructor(app, args) {
        this.app = app;
        this.agent = app.agent;
        this.path = ROOT + "/certificate/" + (args[0] || "");
        this.fields = {};
        this.dirty = new Set();
    }

    cert() {
        const cert = this.agent.certificates[this.path];
        return cert && cert.Name !== undefined ? cert : null;
    }

    render(container) {
        this.container = container;
        this.title = h("h2", { id: "cw-cert-title" });
        this.notices = h("div.cw-alerts", { id: "cw-cert-notices" });
        this.actions = h("div.cw-actions", { id: "cw-cert-actions" });
        this.sections = h("div.cw-grid2", { id: "cw-cert-sections" });
        this.actionErrors = h("div.cw-alerts", { id: "cw-action-errors" });
        this.editErrors = h("div.cw-alerts");
        this.edit = h("form.cw-form", { id: "cw-cert-edit", onsubmit: ev => { ev.preventDefault(); this.save() } });
        this.delivery = new DeliverySection(this);
        replace(container,
                h("div.cw-breadcrumb", h("a", { href: "#/" }, _("Certificates")), " › ", h("span", objectId(this.path))),
                h("section.cw-card",
                  h("div.cw-card-title", this.title, this.actions),
                  this.actionErrors, this.notices),
                this.sections,
                this.delivery.element,
                h("section.cw-card", h("h3", _("Settings")), this.edit, this.editErrors));
        this.renderEdit();
        this.update();
    }

    renderEdit() {
        const cert = this.cert();
        replace(this.edit);
        if (!cert)
            return;
        for (const [prop, , label, build] of EDITABLE) {
            const field = build(cert[prop]);
            field.addEventListener("input", () => this.dirty.add(prop));
            field.addEventListener("change", () => this.dirty.add(prop));
            this.fields[prop] = field;
            this.edit.append(...row(_(label), field));
        }
        this.saveButton = h("button.cw-primary", { type: "submit", id: "cw-save" }, _("Save"));
        this.edit.appendChild(h("div.cw-form-actions", this.saveButton));
    }

    /* fields the administrator has not touched follow the agent */
    syncEdit(cert) {
        for (const [prop, , , build] of EDITABLE) {
            const field = this.fields[prop];
            if (!field || this.dirty.has(prop))
                continue;
            const fresh = build(cert[prop]);
            fresh.addEventListener("input", () => this.dirty.add(prop));
            fresh.addEventListener("change", () => this.dirty.add(prop));
            field.replaceWith(fresh);
            this.fields[prop] = fresh;
        }
    }

    save() {
        const cert = this.cert();
        if (!cert)
            return;
        const changes = EDITABLE.map(([prop, sig, , , read]) => [prop, sig, read(this.fields[prop])])
                .filter(([prop, , value]) => !sameValue(value, unwrap(cert[prop])));
        run(this.saveButton, this.editErrors, _("Could not save the settings"), async () => {
            for (const [prop, sig, value] of changes) {
                await this.agent.setProperty(cert.path, IFACE.certificate, prop, sig, value);
                this.dirty.delete(prop);
            }
            this.dirty.clear();
            this.syncEdit(cert);
            replace(this.editErrors, alertBox("success", _("Settings saved")));
        });
    }

    update() {
        const cert = this.cert();
        if (!cert) {
            this.title.textContent = objectId(this.path);
            replace(this.actions);
            replace(this.sections);
            replace(this.notices, alertBox("info", _("This certificate does not exist (any more)."), null));
            replace(this.edit);
            this.delivery.update(null);
            return;
        }
        this.title.textContent = cert.Name;
        this.title.dataset.name = cert.Name;
        if (!this.edit.firstChild)
            this.renderEdit();
        else
            this.syncEdit(cert);

        const notices = [];
        if (cert.LastError)
            notices.push(alertBox("danger", _("Last error"), cert.LastError));
        for (const warning of cert.Warnings || [])
            notices.push(alertBox("warning", _("Warning"), warning));
        if (cert.KeyMatches === false && cert.State !== "pending")
            notices.push(alertBox("danger", _("The private key does not match the certificate"), null));
        replace(this.notices, notices);
        replace(this.actions, actionButtons(this, cert));

        const data = cert.data || {};
        const known = new Set([...SECTIONS.flatMap(s => s.props.map(p => p[0])), ...DELIVERY_PROPS]);
        const other = Object.keys(data).filter(k => !known.has(k)).sort();
        const sections = SECTIONS.map(s => ({ ...s, title: _(s.title) }));
        if (other.length) {
            sections.push({
                id: "other",
                title: _("Other properties"),
                props: other.map(k => [k, k, anyValue]),
            });
        }
        replace(this.sections, sections.map(section =>
            h("section.cw-card", { dataset: { section: section.id } },
              h("h3", section.title),
              h("dl.cw-props", section.props.filter(([prop]) => prop in data).map(([prop, label, show]) =>
                  [h("dt", section.id === "other" ? label : _(label)),
                      h("dd", { dataset: { prop } }, show(unwrap(data[prop]), cert))])))));
        this.delivery.update(cert);
    }
}
