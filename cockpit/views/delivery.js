/* The "Delivery" section of a certificate's details view: the group that
 * may read its key, the integrations applied (with their descriptions from
 * Manager1.GetIntegrations), the target files, the reload commands and what
 * the last delivery did (LastActions), following the agent live; and the
 * forms that change them.
 *
 * Each change is one Properties.Set of one property, so a refusal is about
 * that change alone and shows the agent's message as it wrote it (for
 * example PermissionDenied naming org.certward.run-programs for targets and
 * commands, InvalidArgument for a directory that does not exist).
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace } from "../dom.js";
import { _, N_, format } from "../i18n.js";
import { IFACE } from "../agent.js";
import { alertBox, row, textInput, select, run } from "../ui.js";
import { unwrap } from "../format.js";

/* the Certificate1 properties this section shows (details.js leaves them out of its own sections) */
export const DELIVERY_PROPS = ["AccessGroup", "Integrations", "Targets", "ReloadCommands", "LastActions"];

/* the formats the agent accepts for a target (docs/dbus-api.md, "Delivery") */
const FORMATS = [
    ["fullchain", N_("full chain (PEM)")],
    ["cert", N_("certificate only (PEM)")],
    ["chain", N_("intermediates only (PEM)")],
    ["key", N_("private key (PKCS#8 PEM)")],
    ["combined", N_("key and full chain in one PEM")],
    ["pkcs12", N_("PKCS#12")],
    ["der", N_("certificate (DER)")],
    ["trust-bundle", N_("trusted CAs (PEM)")],
];

function formatName(name) {
    const known = FORMATS.find(([value]) => value === name);
    return known ? format("$0 — $1", name, _(known[1])) : name;
}

/* 0o640 → "0640" */
function octal(mode) {
    return typeof mode === "number" ? mode.toString(8).padStart(4, "0") : "";
}

const muted = text => h("span.cw-muted", text);
const userName = user => user || "root";

/* "/path arg 'two words'" → argv; quotes group words, no shell runs it */
export function splitCommand(text) {
    const argv = [];
    for (const m of (text || "").matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g))
        argv.push(m[1] ?? m[2] ?? m[3]);
    return argv;
}

function commandLine(argv) {
    return (argv || []).map(a => /[\s"']/.test(a) || a === "" ? JSON.stringify(a) : a).join(" ");
}

/* what an integration sets, in words: one line per kind */
function integrationSummary(sets) {
    const s = unwrap(sets || {});
    const lines = [];
    if (s["access-group"])
        lines.push(format(_("key readable by the group $0"), s["access-group"]));
    for (const t of s.targets || [])
        lines.push(format(_("writes $0 ($1)"), t.path, t.format || "fullchain"));
    if ((s["reload-units"] || []).length)
        lines.push(format(_("reloads $0"), s["reload-units"].join(", ")));
    for (const hook of s["deploy-hooks"] || [])
        lines.push(format(_("runs $0"), hook));
    for (const [user, argv] of s["reload-commands"] || [])
        lines.push(format(_("runs $0 as $1"), commandLine(argv), userName(user)));
    return lines;
}

export class DeliverySection {
    constructor(view) {
        this.view = view;
        this.agent = view.agent;
        this.integrations = null; /* [{name, description, sets}] once GetIntegrations answered */
        this.dirty = new Set();

        this.props = h("dl.cw-props", { id: "cw-delivery-props" });
        this.errors = h("div.cw-alerts", { id: "cw-delivery-errors" });
        this.integrationChecks = h("div.cw-delivery-integrations", { id: "cw-delivery-integrations" });
        this.forms = h("div.cw-grid2", { id: "cw-delivery-edit" });
        this.element = h("section.cw-card", { id: "cw-delivery", dataset: { section: "delivery" } },
                         h("h3", _("Delivery")),
                         h("p.cw-help", _("Where the certificate goes besides the agent's store, and what is reloaded. " +
                                         "Every change is delivered at once and after each renewal.")),
                         this.props,
                         h("h4", _("Change the delivery")),
                         this.errors,
                         this.forms);
        this.buildForms();
        this.loadIntegrations();
    }

    cert() {
        return this.view.cert();
    }

    loadIntegrations() {
        this.agent.getIntegrations()
                .then(list => {
                    this.integrations = list;
                    this.update(this.cert());
                })
                .catch(error => replace(this.errors, alertBox("danger", _("Could not list the integrations"),
                                                              error.message || String(error))));
    }

    /* one Properties.Set; the agent delivers at once and LastActions follows */
    set(button, title, prop, signature, value, done) {
        const cert = this.cert();
        if (!cert)
            return;
        run(button, this.errors, title, async () => {
            await this.agent.setProperty(cert.path, IFACE.certificate, prop, signature, value);
            this.dirty.delete(prop);
            if (done)
                done();
            replace(this.errors, alertBox("success", _("Saved; the agent delivers it now")));
            this.update(this.cert());
        });
    }

    buildForms() {
        const applyButton = h("button.cw-primary", { type: "submit", id: "cw-delivery-integrations-save" },
                              _("Apply integrations"));
        const integrationForm = h("form", {
            onsubmit: ev => {
                ev.preventDefault();
                const names = [...this.integrationChecks.querySelectorAll("input:checked")].map(i => i.value);
                this.set(applyButton, _("Could not apply the integrations"), "Integrations", "as", names);
            },
        }, this.integrationChecks, h("div.cw-actions.cw-spaced", applyButton));
        this.integrationChecks.addEventListener("change", () => this.dirty.add("Integrations"));

        this.groupInput = textInput("access-group", { id: "cw-delivery-group", placeholder: _("root only") });
        this.groupInput.addEventListener("input", () => this.dirty.add("AccessGroup"));
        const groupButton = h("button", { type: "submit", id: "cw-delivery-group-save" }, _("Set the group"));
        const groupForm = h("form.cw-form", {
            onsubmit: ev => {
                ev.preventDefault();
                this.set(groupButton, _("Could not set the access group"), "AccessGroup", "s", this.groupInput.value.trim());
            },
        }, row(_("Key readable by the group"), this.groupInput,
               _("Every revision's key.pem in the store becomes 0640 root:GROUP; empty: root only.")),
        h("div.cw-form-actions", groupButton));

        const t = {
            path: textInput("target-path", { id: "cw-target-path", required: true, placeholder: "/etc/kamailio/tls/sip.pem" }),
            format: select("target-format", FORMATS.map(([v]) => [v, formatName(v)]), "fullchain", { id: "cw-target-format" }),
            owner: textInput("target-owner", { id: "cw-target-owner", placeholder: "root" }),
            group: textInput("target-group", { id: "cw-target-group", placeholder: "root" }),
            mode: textInput("target-mode", { id: "cw-target-mode", placeholder: "0644", pattern: "0?[0-7]{3}" }),
        };
        const targetButton = h("button", { type: "submit", id: "cw-target-add" }, _("Add the target"));
        const targetForm = h("form.cw-form", {
            onsubmit: ev => {
                ev.preventDefault();
                const cert = this.cert();
                if (!cert)
                    return;
                const target = { path: cockpit.variant("s", t.path.value.trim()), format: cockpit.variant("s", t.format.value) };
                for (const key of ["owner", "group"]) {
                    if (t[key].value.trim())
                        target[key] = cockpit.variant("s", t[key].value.trim());
                }
                if (t.mode.value.trim())
                    target.mode = cockpit.variant("u", parseInt(t.mode.value.trim(), 8));
                /* the targets already there go back as the bridge gave them (variants and all) */
                const targets = [...(cert.Targets || []), target];
                this.set(targetButton, _("Could not add the target"), "Targets", "aa{sv}", targets, () => {
                    for (const key of ["path", "owner", "group", "mode"])
                        t[key].value = "";
                });
            },
        },
        row(_("Path"), t.path, _("An absolute path in a directory that exists and belongs to root.")),
        row(_("Format"), t.format),
        row(_("Owner"), t.owner),
        row(_("Group"), t.group),
        row(_("Mode"), t.mode, _("Octal; empty: 0644, or 0600 for a file with the key.")),
        h("div.cw-form-actions", targetButton));

        const c = {
            user: textInput("command-user", { id: "cw-command-user", placeholder: "root" }),
            argv: textInput("command-argv", { id: "cw-command-argv", required: true, placeholder: "/usr/sbin/kamcmd tls.reload" }),
        };
        const commandButton = h("button", { type: "submit", id: "cw-command-add" }, _("Add the command"));
        const commandForm = h("form.cw-form", {
            onsubmit: ev => {
                ev.preventDefault();
                const cert = this.cert();
                if (!cert)
                    return;
                const commands = [...unwrap(cert.ReloadCommands || []), [c.user.value.trim(), splitCommand(c.argv.value)]];
                this.set(commandButton, _("Could not add the reload command"), "ReloadCommands", "a(sas)", commands, () => {
                    c.user.value = "";
                    c.argv.value = "";
                });
            },
        },
        row(_("Command"), c.argv, _("A program of root's and its arguments, run without a shell; quotes group words.")),
        row(_("Run as"), c.user),
        h("div.cw-form-actions", commandButton));

        replace(this.forms,
                h("div", h("h5", _("Integrations")), integrationForm,
                  h("h5", _("Access group")), groupForm),
                h("div", h("h5", _("Add a target file")), targetForm,
                  h("h5", _("Add a reload command")), commandForm));
    }

    /* by path and by value, not by position: the list may have changed since it was drawn */
    removeTarget(button, path) {
        const targets = (this.cert()?.Targets || []).filter(t => unwrap(t).path !== path);
        this.set(button, _("Could not remove the target"), "Targets", "aa{sv}", targets);
    }

    removeCommand(button, command) {
        const commands = unwrap(this.cert()?.ReloadCommands || []).filter(c => JSON.stringify(c) !== JSON.stringify(command));
        this.set(button, _("Could not remove the reload command"), "ReloadCommands", "a(sas)", commands);
    }

    describe(name) {
        return (this.integrations || []).find(i => i.name === name);
    }

    showIntegrations(names) {
        if (!names.length)
            return muted(_("none"));
        return h("ul", names.map(name => {
            const known = this.describe(name);
            return h("li", { dataset: { integration: name } }, h("code", name),
                     known ? [" — ", known.description] : null);
        }));
    }

    showTargets(targets) {
        if (!targets.length)
            return muted(_("none"));
        return h("table.cw-table.cw-compact", { id: "cw-delivery-targets" },
                 h("thead", h("tr", [_("Path"), _("Format"), _("Owner"), _("Group"), _("Mode"), ""].map(l => h("th", l)))),
                 h("tbody", targets.map(t => h("tr", { dataset: { path: t.path || "" } },
                     h("td", h("code", t.path || "")),
                     h("td", t.format || "fullchain"),
                     h("td", userName(t.owner)),
                     h("td", userName(t.group)),
                     h("td", t.mode !== undefined ? octal(t.mode) : muted(_("default"))),
                     h("td", h("button.cw-link", {
                         type: "button", dataset: { action: "remove-target" },
                         onclick: ev => this.removeTarget(ev.currentTarget, t.path),
                     }, _("Remove")))))));
    }

    showCommands(commands) {
        if (!commands.length)
            return muted(_("none"));
        return h("table.cw-table.cw-compact", { id: "cw-delivery-commands" },
                 h("thead", h("tr", [_("Run as"), _("Command"), ""].map(l => h("th", l)))),
                 h("tbody", commands.map(([user, argv]) => h("tr", { dataset: { command: (argv || []).join(" ") } },
                     h("td", userName(user)),
                     h("td", h("code", commandLine(argv))),
                     h("td", h("button.cw-link", {
                         type: "button", dataset: { action: "remove-command" },
                         onclick: ev => this.removeCommand(ev.currentTarget, [user, argv]),
                     }, _("Remove")))))));
    }

    /* the integrations to choose from; the administrator's ticks stay until applied */
    syncIntegrationChecks(applied) {
        if (this.dirty.has("Integrations") && this.integrationChecks.firstChild)
            return;
        if (!this.integrations) {
            replace(this.integrationChecks, muted(_("Asking the agent for its integrations…")));
            return;
        }
        if (!this.integrations.length) {
            replace(this.integrationChecks, muted(_("The agent knows no integrations.")));
            return;
        }
        /* an applied name the agent no longer knows stays ticked, so applying keeps it visible in the refusal */
        const all = [...this.integrations];
        for (const name of applied) {
            if (!this.describe(name))
                all.push({ name, description: "", sets: {} });
        }
        replace(this.integrationChecks, all.map(i =>
            h("label.cw-check.cw-integration", { dataset: { integration: i.name } },
              h("input", { type: "checkbox", name: "integration", value: i.name, checked: applied.includes(i.name) }),
              h("span",
                h("strong", i.name), i.description ? [" — ", i.description] : null,
                h("ul.cw-help", integrationSummary(i.sets).map(line => h("li", line)))))));
    }

    update(cert) {
        const data = (cert && cert.data) || {};
        /* an agent without delivery settings: nothing to show or change */
        this.element.hidden = !DELIVERY_PROPS.some(p => p in data);
        if (this.element.hidden)
            return;
        const value = prop => unwrap(data[prop]);
        const shown = [
            ["AccessGroup", _("Key readable by the group"), v => v ? h("code", v) : muted(_("root only"))],
            ["Integrations", _("Integrations"), v => this.showIntegrations(v || [])],
            ["Targets", _("Target files"), v => this.showTargets(v || [])],
            ["ReloadCommands", _("Reload commands"), v => this.showCommands(v || [])],
            ["LastActions", _("What the last delivery did"),
                v => (v || []).length ? h("ul.cw-last-actions", v.map(line => h("li", line))) : muted(_("nothing yet"))],
        ];
        replace(this.props, shown.filter(([prop]) => prop in data).map(([prop, label, show]) =>
            [h("dt", label), h("dd", { dataset: { prop } }, show(value(prop)))]));

        if (!this.dirty.has("AccessGroup") && document.activeElement !== this.groupInput)
            this.groupInput.value = value("AccessGroup") || "";
        this.syncIntegrationChecks(value("Integrations") || []);
    }
}
