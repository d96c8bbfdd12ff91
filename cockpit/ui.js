/* Small widgets shared by the views: alerts, form rows, checkbox groups,
 * a button that runs a D-Bus call and shows its error, dialogs, sortable
 * table headers.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace } from "./dom.js";
import { _ } from "./i18n.js";
import { errorMessage, errorName } from "./agent.js";
import { ROLES, roleName } from "./format.js";

/* kind: danger, success, warning, info. The body keeps line breaks. */
export function alertBox(kind, title, body, onclose) {
    const box = h("div.cw-alert.cw-" + kind, { role: kind === "danger" ? "alert" : "status" },
                  h("div.cw-alert-body", title ? h("div.cw-alert-title", title) : null,
                    body ? h("div.cw-alert-message", body) : null));
    if (onclose)
        box.appendChild(h("button.cw-link", { type: "button", "aria-label": _("Close"), onclick: () => { box.remove(); onclose() } }, "×"));
    return box;
}

/* the alert for a failed call: the agent's message, and its error name */
export function errorAlert(title, error) {
    const box = alertBox("danger", title, errorMessage(error));
    box.classList.add("cw-error");
    box.dataset.errorName = errorName(error);
    return box;
}

export function row(label, field, help, options) {
    const id = field.id || (field.querySelector && field.querySelector("input,select,textarea")?.id);
    return [
        h("label" + (options?.required ? ".cw-required" : ""), id ? { for: id } : {}, label),
        h("div.cw-field", field, help ? h("p.cw-help", help) : null),
    ];
}

let uid = 0;
export function nextId(prefix) {
    uid += 1;
    return (prefix || "cw") + "-" + uid;
}

export function textInput(name, attrs) {
    return h("input", { type: "text", id: nextId(name), name, autocomplete: "off", ...attrs });
}

export function passwordInput(name, attrs) {
    /* new-password: browsers must not fill in or remember agent secrets */
    return h("input", { type: "password", id: nextId(name), name, autocomplete: "new-password", ...attrs });
}

export function select(name, options, value, attrs) {
    return h("select", { id: nextId(name), name, ...attrs },
             options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
}

export function checkbox(name, label, checked, attrs) {
    const input = h("input", { type: "checkbox", id: nextId(name), name, checked: !!checked, ...attrs });
    return h("label.cw-check", input, label);
}

/* the roles as checkboxes; read back with checkedValues(group) */
export function rolesGroup(name, selected) {
    return h("div.cw-checks", { dataset: { group: name } },
             ROLES.map(role => checkbox(name, roleName(role), (selected || []).includes(role), { value: role })));
}

export function checkedValues(group) {
    return [...group.querySelectorAll("input[type=checkbox]")].filter(i => i.checked).map(i => i.value);
}

/* A form's submit: disables BUTTON, runs WORK (a promise), shows its error
 * in ERRORS (an element) with TITLE, and resolves to the result or null. */
export function run(button, errors, title, work) {
    if (errors)
        replace(errors);
    if (button) {
        button.disabled = true;
        button.classList.add("cw-spinner");
    }
    return Promise.resolve()
            .then(work)
            .catch(error => {
                console.warn(title, errorName(error), errorMessage(error));
                if (errors)
                    replace(errors, errorAlert(title, error));
                return null;
            })
            .finally(() => {
                if (button) {
                    button.disabled = false;
                    button.classList.remove("cw-spinner");
                }
            });
}

/* A modal dialog; BUILD(close) returns its content. Resolves with what
 * close() was given. */
export function dialog(title, build) {
    return new Promise(resolve => {
        const dlg = h("dialog", { "aria-label": title });
        const close = value => {
            dlg.close();
            dlg.remove();
            resolve(value);
        };
        dlg.addEventListener("cancel", () => close(null));
        dlg.appendChild(h("h2", title));
        dlg.appendChild(build(close));
        document.body.appendChild(dlg);
        dlg.showModal();
    });
}

/* Yes or no, with BODY (nodes) and the confirm button's label. */
export function confirm(title, body, confirmLabel, danger) {
    return dialog(title, close => h("div", h("div", body),
                                    h("div.cw-actions",
                                      h("button" + (danger ? ".cw-danger" : ".cw-primary"),
                                        { type: "button", dataset: { action: "confirm" }, onclick: () => close(true) }, confirmLabel),
                                      h("button", { type: "button", dataset: { action: "cancel" }, onclick: () => close(false) }, _("Cancel")))));
}

/* Sortable header cells. COLUMNS: [{key, label}]; state: {key, asc};
 * onsort(key) is called on a click. */
export function sortableHeader(columns, state, onsort) {
    return h("thead", h("tr", columns.map(col => {
        if (!col.sort)
            return h("th", col.label);
        const sorted = state.key === col.key;
        return h("th.cw-sortable", {
            "aria-sort": sorted ? (state.asc ? "ascending" : "descending") : "none",
            dataset: { column: col.key },
            tabindex: 0,
            onclick: () => onsort(col.key),
            onkeydown: ev => { if (ev.key === "Enter") onsort(col.key) },
        }, col.label);
    })));
}

export function compare(a, b) {
    if (typeof a === "number" && typeof b === "number")
        return a - b;
    return String(a ?? "").localeCompare(String(b ?? ""), undefined, { numeric: true, sensitivity: "base" });
}
