/* Certificates the agent makes itself: self-signed, a local CA, one signed
 * by a local CA (Manager1.CreateSelfSigned), and a key with a CSR for an
 * outside CA (Manager1.CreateRequest), whose PEM is shown and offered for
 * download; the CA's answer is installed from the details view.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace, download } from "../dom.js";
import { _, format } from "../i18n.js";
import { objectId, splitList, KEY_TYPES } from "../format.js";
import { row, textInput, select, checkbox, rolesGroup, checkedValues, run, alertBox } from "../ui.js";

const SUBJECT = [
    ["common-name", _("Common name"), _("Default: the first identity.")],
    ["organization", _("Organization")],
    ["organizational-unit", _("Organizational unit")],
    ["country", _("Country"), _("Two letters, e.g. IT.")],
    ["state", _("State or province")],
    ["locality", _("Locality")],
    ["email", _("E-mail")],
];

/* the name, identity, subject and key fields both forms share */
function commonFields(prefix) {
    const f = {
        name: textInput("name", { id: prefix + "-name", required: true }),
        identities: textInput("identities", { id: prefix + "-identities", placeholder: "pbx.example.com, sip.example.com, 192.0.2.10" }),
        keyType: select("key-type", KEY_TYPES.map(k => [k, k]), "ec-p256", { id: prefix + "-key-type" }),
        tenant: textInput("tenant", { id: prefix + "-tenant" }),
        subject: {},
    };
    for (const [key] of SUBJECT)
        f.subject[key] = textInput(key, { id: prefix + "-" + key, maxlength: key === "country" ? 2 : 256 });
    return f;
}

function commonRows(f) {
    return [
        row(_("Name"), f.name, null, { required: true }),
        row(_("Identities"), f.identities, _("DNS names (also *.example.com) and IP addresses, separated by commas or spaces.")),
        SUBJECT.map(([key, label, help]) => row(label, f.subject[key], help)),
        row(_("Key type"), f.keyType),
    ];
}

function commonOptions(f) {
    const options = {};
    const ids = splitList(f.identities.value);
    if (ids.length)
        options.identities = cockpit.variant("as", ids);
    for (const [key] of SUBJECT) {
        if (f.subject[key].value.trim())
            options[key] = cockpit.variant("s", f.subject[key].value.trim());
    }
    options["key-type"] = cockpit.variant("s", f.keyType.value);
    if (f.tenant.value.trim())
        options.tenant = cockpit.variant("s", f.tenant.value.trim());
    return options;
}

export class CreateView {
    constructor(app, args, options) {
        this.app = app;
        this.agent = app.agent;
        this.kind = options.kind || "self-signed";
    }

    render(container) {
        const f = this.f = commonFields("cw-create");
        const cas = this.agent.certificateList().filter(c => (c.Roles || []).includes("ca") && c.State !== "pending")
                .sort((a, b) => a.Name.localeCompare(b.Name));
        f.kind = select("kind", [
            ["self-signed", _("Self-signed")],
            ["ca", _("Local certificate authority (CA)")],
            ["issued", _("Signed by a local CA")],
        ], this.kind, { id: "cw-create-kind", onchange: () => this.showKind() });
        f.issuer = select("issuer", cas.map(c => [c.path, c.Name]), cas.length ? cas[0].path : "", { id: "cw-create-issuer" });
        f.days = h("input", { type: "number", id: "cw-create-days", name: "days", min: 1, max: 36500, placeholder: "365" });
        f.roles = rolesGroup("roles", ["server"]);
        f.autoRenew = checkbox("auto-renew", _("Renew before expiry with the same options"), true);
        this.issuerRow = row(_("Issuer"), f.issuer, cas.length ? null : _("There is no local CA yet: create one first."));
        this.rolesRow = row(_("Roles"), f.roles);
        this.errors = h("div.cw-alerts", { id: "cw-create-errors" });
        this.submit = h("button.cw-primary", { type: "submit", id: "cw-create-submit" }, _("Create"));
        const form = h("form.cw-form", { id: "cw-create-form", onsubmit: ev => { ev.preventDefault(); this.send() } },
                       row(_("Kind"), f.kind),
                       this.issuerRow,
                       commonRows(f),
                       row(_("Validity (days)"), f.days, _("Default 365, 3650 for a CA.")),
                       this.rolesRow,
                       row(_("Tenant"), f.tenant),
                       row(_("Renewal"), f.autoRenew),
                       h("div.cw-form-actions.cw-actions", this.submit,
                         h("button", { type: "button", onclick: () => this.app.go([]) }, _("Cancel"))));
        replace(container,
                h("div.cw-breadcrumb", h("a", { href: "#/" }, _("Certificates")), " › ", _("Create")),
                h("section.cw-card", h("h2", _("Create a self-signed certificate or a local CA")), form, this.errors));
        this.showKind();
    }

    showKind() {
        const kind = this.f.kind.value;
        for (const el of this.issuerRow)
            el.hidden = kind !== "issued";
        for (const el of this.rolesRow)
            el.hidden = kind === "ca";
    }

    send() {
        const f = this.f;
        run(this.submit, this.errors, _("Could not create the certificate"), async () => {
            const options = commonOptions(f);
            const kind = f.kind.value;
            if (kind === "ca")
                options.ca = cockpit.variant("b", true);
            else
                options.roles = cockpit.variant("as", checkedValues(f.roles));
            if (kind === "issued") {
                if (!f.issuer.value)
                    throw new Error(_("There is no local CA yet: create one first."));
                options.issuer = cockpit.variant("o", f.issuer.value);
            }
            if (f.days.value)
                options.days = cockpit.variant("u", Number(f.days.value));
            options["auto-renew"] = cockpit.variant("b", f.autoRenew.querySelector("input").checked);
            const [path] = await this.agent.manager_call("CreateSelfSigned", "sa{sv}", [f.name.value.trim(), options]);
            this.app.go(["certificate", objectId(path)], ["success", format(_("Created “$0”."), f.name.value.trim())]);
        });
    }
}

export class CsrView {
    constructor(app) {
        this.app = app;
        this.agent = app.agent;
    }

    render(container) {
        const f = this.f = commonFields("cw-csr");
        f.roles = rolesGroup("roles", ["server"]);
        this.errors = h("div.cw-alerts", { id: "cw-csr-errors" });
        this.result = h("div", { id: "cw-csr-result" });
        this.submit = h("button.cw-primary", { type: "submit", id: "cw-csr-submit" }, _("Create request"));
        const form = h("form.cw-form", { id: "cw-csr-form", onsubmit: ev => { ev.preventDefault(); this.send() } },
                       commonRows(f),
                       row(_("Roles"), f.roles),
                       row(_("Tenant"), f.tenant),
                       h("div.cw-form-actions.cw-actions", this.submit,
                         h("button", { type: "button", onclick: () => this.app.go([]) }, _("Cancel"))));
        replace(container,
                h("div.cw-breadcrumb", h("a", { href: "#/" }, _("Certificates")), " › ", _("Create CSR")),
                h("section.cw-card", h("h2", _("Create a certificate signing request")),
                  h("p.cw-muted", _("The agent makes a new key, which never leaves it, and a request to send to a CA. Install the CA's answer on the certificate's page.")),
                  form, this.errors, this.result));
    }

    send() {
        const f = this.f;
        const name = f.name.value.trim();
        run(this.submit, this.errors, _("Could not create the request"), async () => {
            const options = commonOptions(f);
            options.roles = cockpit.variant("as", checkedValues(f.roles));
            const [path, csr] = await this.agent.manager_call("CreateRequest", "sa{sv}", [name, options]);
            replace(this.result,
                    alertBox("success", format(_("The request for “$0” is ready. Send it to the CA, then install its answer."), name)),
                    h("pre.cw-pre", { id: "cw-csr-pem" }, csr),
                    h("div.cw-actions",
                      h("button.cw-primary", { type: "button", id: "cw-csr-download", onclick: () => download(name + ".csr", csr, "application/pkcs10") }, _("Download CSR")),
                      h("a", { href: "#/certificate/" + objectId(path) }, _("Go to the certificate"))));
        });
    }
}
