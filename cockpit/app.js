/* The page's frame: header, tabs, alerts, and the route (Cockpit's
 * location hash, e.g. #/certificate/www_example_com) to a view. Views are
 * classes with render(container) and update(kind); the frame calls
 * update whenever the agent reports a change, so the page follows the
 * agent live without reloads.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace } from "./dom.js";
import { _ } from "./i18n.js";
import { Agent } from "./agent.js";
import { alertBox } from "./ui.js";
import { ListView } from "./views/list.js";
import { DetailsView } from "./views/details.js";
import { ImportView } from "./views/import.js";
import { CreateView, CsrView } from "./views/create.js";
import { RequestView } from "./views/request.js";
import { AcmeView } from "./views/acme.js";
import { TrustView } from "./views/trust.js";
import { SettingsView } from "./views/settings.js";

const ROUTES = {
    "": ListView,
    certificate: DetailsView,
    import: ImportView,
    create: CreateView,
    csr: CsrView,
    request: RequestView,
    acme: AcmeView,
    trust: TrustView,
    settings: SettingsView,
};

const TABS = [
    ["", _("Certificates"), ["", "certificate", "import", "create", "csr", "request"]],
    ["trust", _("Trust store"), ["trust"]],
    ["acme", _("ACME accounts and DNS"), ["acme"]],
    ["settings", _("Settings"), ["settings"]],
];

class App {
    constructor(root) {
        this.agent = new Agent();
        this.tabs = h("nav.cw-tabs", { "aria-label": _("Sections") });
        this.banner = h("div.cw-alerts", { id: "cw-banner" });
        this.alerts = h("div.cw-alerts", { id: "cw-alerts", "aria-live": "polite" });
        this.main = h("main.cw-main", this.banner, this.alerts, h("div.cw-view"));
        replace(root,
                h("header.cw-header", h("h1", _("TLS certificates")), this.tabs),
                this.main);
        this.view = null;
        this.pending = null;

        this.agent.addEventListener("changed", ev => this.changed(ev.detail));
        cockpit.addEventListener("locationchanged", () => this.route());
        this.route();
        this.agent.ready().then(() => {
            document.body.dataset.ready = "1";
            this.changed({ kind: "ready" });
        });
    }

    /* coalesces bursts of property changes into one update per frame */
    changed(detail) {
        if (detail.kind === "owner")
            this.showBanner();
        if (detail.kind === "event")
            this.eventAlert(detail);
        this.pendingKinds = this.pendingKinds || new Set();
        this.pendingKinds.add(detail.kind);
        if (this.pending)
            return;
        this.pending = setTimeout(() => {
            const kinds = this.pendingKinds;
            this.pending = null;
            this.pendingKinds = null;
            if (this.view && this.view.update)
                this.view.update(kinds);
        }, 0);
    }

    showBanner() {
        replace(this.banner);
        if (!this.agent.running)
            this.banner.appendChild(alertBox("danger", _("No connection to the agent"), this.agent.notRunningMessage));
    }

    eventAlert(detail) {
        if (detail.event === "failed")
            this.notify("danger", cockpit.format(_("$0: renewal failed"), detail.name), detail.error);
    }

    /* an alert above the view until closed or the view changes */
    notify(kind, title, body) {
        const box = alertBox(kind, title, body, () => {});
        this.alerts.appendChild(box);
        return box;
    }

    /* FLASH: [kind, title, body] shown above the next view */
    go(path, flash) {
        this.flash = flash || null;
        cockpit.location.go(path);
    }

    route() {
        const path = cockpit.location.path;
        const key = path[0] || "";
        const View = ROUTES[key] || ListView;
        if (this.view && this.view.destroy)
            this.view.destroy();
        replace(this.alerts);
        if (this.flash) {
            this.notify(...this.flash);
            this.flash = null;
        }
        for (const [tab, label, owns] of TABS) {
            if (!this.tabs.querySelector(`[data-tab="${tab}"]`))
                this.tabs.appendChild(h("a.cw-tab", { href: "#/" + tab, dataset: { tab } }, label));
            this.tabs.querySelector(`[data-tab="${tab}"]`).classList.toggle("cw-active", owns.includes(key));
        }
        const container = h("div.cw-view", { dataset: { view: key || "list" } });
        this.main.replaceChild(container, this.main.lastChild);
        this.view = new View(this, path.slice(1), cockpit.location.options);
        this.view.render(container);
        document.title = _("TLS certificates");
    }
}


window.certward = new App(document.getElementById("app"));
