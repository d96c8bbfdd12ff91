/* ACME accounts (GetAccounts, CreateAccount) and DNS providers for DNS-01
 * (GetProviders, AddProvider, Provider1.Test and Remove). The add-provider
 * form is drawn from GetProviderTypes: each plugin's fields in its order,
 * secret fields as password inputs that are cleared after sending and
 * never shown again (the agent returns only which secrets are set).
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace } from "../dom.js";
import { _, format } from "../i18n.js";
import { IFACE } from "../agent.js";
import { anyValue, objectId, splitList } from "../format.js";
import { row, textInput, passwordInput, select, checkbox, run, alertBox, errorAlert, confirm, dialog } from "../ui.js";

export class AcmeView {
    constructor(app) {
        this.app = app;
        this.agent = app.agent;
        this.types = [];
    }

    render(container) {
        this.accountsTable = h("table.cw-table", { id: "cw-accounts" });
        this.providersTable = h("table.cw-table", { id: "cw-providers" });
        this.providerErrors = h("div.cw-alerts", { id: "cw-provider-errors" });
        this.providerForm = h("form.cw-form", { id: "cw-provider-form", onsubmit: ev => { ev.preventDefault(); this.addProvider() } });
        this.providerFields = h("div", { id: "cw-provider-fields", class: "cw-form" });
        replace(container,
                h("section.cw-card", h("div.cw-card-title", h("h2", _("ACME accounts"))), this.accountsTable,
                  h("details", h("summary", _("Register an account")), this.accountForm())),
                h("section.cw-card", h("h2", _("DNS providers")),
                  h("p.cw-muted", _("Where the agent publishes DNS-01 records. Secrets stay with the agent and are never shown again.")),
                  this.providersTable, this.providerErrors,
                  h("h3", _("Add a DNS provider")), this.providerForm));
        this.agent.getProviderTypes()
                .then(types => { this.types = types; this.renderProviderForm() })
                .catch(error => replace(this.providerForm, errorAlert(_("Could not list the DNS provider types"), error)));
        this.update();
    }

    accountForm() {
        const f = this.accountFields = {
            directory: textInput("directory", { id: "cw-account-directory", placeholder: this.agent.manager.DefaultDirectory || "" }),
            contact: textInput("contact", { id: "cw-account-contact", placeholder: "admin@example.com" }),
            agree: checkbox("agree-terms", _("I agree to the CA's terms of service"), false, { id: "cw-account-agree" }),
            eabKid: textInput("eab-kid", { id: "cw-account-eab-kid" }),
            eabKey: passwordInput("eab-hmac-key", { id: "cw-account-eab-key" }),
            keyType: select("key-type", [["ec-p256", "ec-p256"], ["ec-p384", "ec-p384"], ["rsa-2048", "rsa-2048"]], "ec-p256"),
        };
        this.accountErrors = h("div.cw-alerts", { id: "cw-account-errors" });
        this.accountSubmit = h("button.cw-primary", { type: "submit", id: "cw-account-submit" }, _("Register"));
        return h("form.cw-form", { id: "cw-account-form", onsubmit: ev => { ev.preventDefault(); this.createAccount() } },
                 row(_("Directory"), f.directory, _("Empty: the configured CA.")),
                 row(_("Contact"), f.contact, _("E-mail addresses, separated by commas.")),
                 row(_("Terms"), f.agree),
                 row(_("EAB key id"), f.eabKid, _("External account binding, for CAs that require it.")),
                 row(_("EAB HMAC key"), f.eabKey),
                 row(_("Key type"), f.keyType),
                 h("div.cw-form-actions", this.accountSubmit, this.accountErrors));
    }

    createAccount() {
        const f = this.accountFields;
        run(this.accountSubmit, this.accountErrors, _("Could not register the account"), async () => {
            const options = {
                "agree-terms": cockpit.variant("b", f.agree.querySelector("input").checked),
                "key-type": cockpit.variant("s", f.keyType.value),
            };
            const contact = splitList(f.contact.value);
            if (contact.length)
                options.contact = cockpit.variant("as", contact);
            if (f.eabKid.value.trim())
                options["eab-kid"] = cockpit.variant("s", f.eabKid.value.trim());
            if (f.eabKey.value.trim())
                options["eab-hmac-key"] = cockpit.variant("s", f.eabKey.value.trim());
            const [path] = await this.agent.manager_call("CreateAccount", "sa{sv}", [f.directory.value.trim(), options]);
            f.eabKey.value = "";
            replace(this.accountErrors, alertBox("success", format(_("Registered account $0."), objectId(path))));
        });
    }

    renderProviderForm() {
        const typeSelect = select("type", this.types.map(t => [t.type, format("$0 ($1)", t.label, t.type)]),
                                  this.types.length ? this.types[0].type : "", { id: "cw-provider-type" });
        typeSelect.addEventListener("change", () => this.renderTypeFields(typeSelect.value));
        this.providerName = textInput("name", { id: "cw-provider-name", required: true, pattern: "[A-Za-z0-9._\\-]{1,64}" });
        this.providerType = typeSelect;
        this.providerSubmit = h("button.cw-primary", { type: "submit", id: "cw-provider-submit" }, _("Add provider"));
        replace(this.providerForm,
                row(_("Name"), this.providerName, _("Letters, digits, “-”, “_” and “.”."), { required: true }),
                row(_("Type"), typeSelect),
                h("div.cw-form-actions", this.providerFields),
                h("div.cw-form-actions", this.providerSubmit));
        this.renderTypeFields(typeSelect.value);
    }

    /* one input per field of the plugin; secrets as password inputs */
    renderTypeFields(type) {
        const t = this.types.find(x => x.type === type);
        this.inputs = {};
        replace(this.providerFields, (t ? t.fields : []).map(field => {
            const attrs = { id: "cw-provider-field-" + field.key, dataset: { key: field.key, secret: field.secret ? "1" : "" }, required: field.required };
            const input = field.secret ? passwordInput(field.key, attrs) : textInput(field.key, attrs);
            this.inputs[field.key] = input;
            return row(field.label, input, field.description, { required: field.required });
        }));
    }

    addProvider() {
        const settings = {};
        for (const [key, input] of Object.entries(this.inputs || {})) {
            if (input.value !== "")
                settings[key] = input.value;
        }
        const name = this.providerName.value.trim();
        run(this.providerSubmit, this.providerErrors, _("Could not add the DNS provider"), async () => {
            await this.agent.manager_call("AddProvider", "ssa{ss}", [name, this.providerType.value, settings]);
            /* secrets are cleared from the page once the agent has them */
            this.providerName.value = "";
            this.renderTypeFields(this.providerType.value);
            replace(this.providerErrors, alertBox("success", format(_("Added the DNS provider “$0”."), name)));
        });
    }

    testProvider(provider, button) {
        dialog(format(_("Test “$0”"), provider.Name), close => {
            const zone = textInput("zone", { id: "cw-provider-test-zone", placeholder: "example.com" });
            return h("div",
                     h("p", _("Publishes and removes a TXT record _certward-test.ZONE.")),
                     h("div.cw-form", row(_("Zone"), zone)),
                     h("div.cw-actions",
                       h("button.cw-primary", { type: "button", dataset: { action: "confirm" }, onclick: () => close(zone.value.trim()) }, _("Test")),
                       h("button", { type: "button", dataset: { action: "cancel" }, onclick: () => close(null) }, _("Cancel"))));
        }).then(zone => {
            if (!zone)
                return;
            run(button, this.providerErrors, format(_("The test of “$0” failed"), provider.Name),
                () => this.agent.call(provider.path, IFACE.provider, "Test", "s", [zone])
                        .then(() => replace(this.providerErrors, alertBox("success", format(_("“$0” can publish records in $1."), provider.Name, zone)))));
        });
    }

    removeProvider(provider, button) {
        confirm(_("Remove the DNS provider"), h("p", format(_("“$0” and its secrets will be deleted."), provider.Name)), _("Remove"), true)
                .then(yes => yes && run(button, this.providerErrors, _("Could not remove the DNS provider"),
                                        () => this.agent.call(provider.path, IFACE.provider, "Remove", "", [])));
    }

    update() {
        const accounts = this.agent.accountList();
        replace(this.accountsTable,
                h("thead", h("tr", [_("Id"), _("Directory"), _("Contact"), _("Status"), _("Key type")].map(l => h("th", l)))),
                h("tbody", accounts.length
                    ? accounts.map(a => h("tr", { dataset: { account: objectId(a.path) } },
                                          h("td", objectId(a.path)), h("td", h("code", a.Directory)),
                                          h("td", anyValue(a.Contact)), h("td", a.Status), h("td", a.KeyType)))
                    : h("tr.cw-empty", h("td", { colspan: 5 }, _("No account yet: one is registered with the first request.")))));
        const providers = this.agent.providerList();
        replace(this.providersTable,
                h("thead", h("tr", [_("Name"), _("Type"), _("Settings"), _("Secrets set"), ""].map(l => h("th", l)))),
                h("tbody", providers.length
                    ? providers.map(p => {
                        const test = h("button", { type: "button", dataset: { action: "test" } }, _("Test"));
                        const remove = h("button.cw-danger", { type: "button", dataset: { action: "remove" } }, _("Remove"));
                        test.addEventListener("click", () => this.testProvider(p, test));
                        remove.addEventListener("click", () => this.removeProvider(p, remove));
                        return h("tr", { dataset: { provider: p.Name } },
                                 h("td", p.Name), h("td", p.Type), h("td", anyValue(p.Settings)),
                                 h("td", anyValue(p.SecretsSet)), h("td.cw-actions", test, remove));
                    })
                    : h("tr.cw-empty", h("td", { colspan: 5 }, _("No DNS provider configured.")))));
    }
}
