/* Import: files (PKCS#12, PEM in any order, DER, keys, ZIP bundles) and/or
 * pasted PEM, with a password, sent to Manager1.Import as `files` and
 * `file-names` — the agent sorts out what is what, as certwardctl import
 * does.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace, readFile } from "../dom.js";
import { _, format } from "../i18n.js";
import { objectId } from "../format.js";
import { row, textInput, passwordInput, checkbox, rolesGroup, checkedValues, run } from "../ui.js";

export class ImportView {
    constructor(app) {
        this.app = app;
        this.agent = app.agent;
    }

    render(container) {
        const f = this.f = {
            files: h("input", { type: "file", id: "cw-import-files", name: "files", multiple: true,
                                accept: ".p12,.pfx,.pem,.crt,.cer,.der,.key,.p7b,.p7c,.zip,.ca-bundle" }),
            text: h("textarea", { id: "cw-import-text", name: "pem", rows: 6,
                                  placeholder: "-----BEGIN CERTIFICATE-----\n…\n-----BEGIN PRIVATE KEY-----\n…" }),
            password: passwordInput("password", { id: "cw-import-password" }),
            name: textInput("name", { id: "cw-import-name" }),
            roles: rolesGroup("roles", ["server"]),
            tenant: textInput("tenant", { id: "cw-import-tenant" }),
            replace: checkbox("replace", _("Replace a certificate of the same name")),
            expired: checkbox("allow-expired", _("Accept an expired certificate")),
        };
        this.errors = h("div.cw-alerts", { id: "cw-import-errors" });
        this.submit = h("button.cw-primary", { type: "submit", id: "cw-import-submit" }, _("Import"));
        const form = h("form.cw-form", { id: "cw-import-form", onsubmit: ev => { ev.preventDefault(); this.send() } },
                       row(_("Files"), f.files, _("PKCS#12 (.p12, .pfx), PEM certificates and keys in any order, DER, PKCS#7 or a ZIP bundle from the CA. Several files may be chosen.")),
                       row(_("Or paste PEM"), f.text),
                       row(_("Password"), f.password, _("For a PKCS#12 file or an encrypted private key.")),
                       row(_("Name"), f.name, _("Default: the certificate's first identity.")),
                       row(_("Roles"), f.roles),
                       row(_("Tenant"), f.tenant, _("Default: the tenant whose domain covers an identity.")),
                       row(_("Options"), h("div.cw-checks", f.replace, f.expired)),
                       h("div.cw-form-actions.cw-actions", this.submit,
                         h("button", { type: "button", onclick: () => this.app.go([]) }, _("Cancel"))));
        replace(container,
                h("div.cw-breadcrumb", h("a", { href: "#/" }, _("Certificates")), " › ", _("Import")),
                h("section.cw-card", h("h2", _("Import a certificate")), form, this.errors));
    }

    send() {
        const f = this.f;
        run(this.submit, this.errors, _("Could not import"), async () => {
            const files = [];
            const names = [];
            for (const file of f.files.files) {
                files.push(cockpit.base64_encode(await readFile(file)));
                names.push(file.name);
            }
            if (f.text.value.trim()) {
                files.push(cockpit.base64_encode(new TextEncoder().encode(f.text.value)));
                names.push(_("pasted text"));
            }
            if (files.length === 0)
                throw new Error(_("Choose a file or paste a certificate."));
            const options = {
                files: cockpit.variant("aay", files),
                "file-names": cockpit.variant("as", names),
                roles: cockpit.variant("as", checkedValues(f.roles)),
            };
            if (f.password.value)
                options.password = cockpit.variant("s", f.password.value);
            if (f.name.value.trim())
                options.name = cockpit.variant("s", f.name.value.trim());
            if (f.tenant.value.trim())
                options.tenant = cockpit.variant("s", f.tenant.value.trim());
            if (f.replace.querySelector("input").checked)
                options.replace = cockpit.variant("b", true);
            if (f.expired.querySelector("input").checked)
                options["allow-expired"] = cockpit.variant("b", true);
            const [path] = await this.agent.manager_call("Import", "a{sv}", [options]);
            f.password.value = "";
            const cert = this.agent.certificates[path];
            this.app.go(["certificate", objectId(path)],
                        ["success", format(_("Imported “$0”."), cert && cert.Name ? cert.Name : objectId(path))]);
        });
    }
}
