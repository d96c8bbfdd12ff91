/* What can be done to one certificate from its details view: renew or
 * reissue, revoke (ACME), install a new certificate or the CA's answer to a
 * CSR, download it or its pending CSR, make it the default, remove it (the
 * removal guards' reason is shown, and the administrator may then force it).
 * SPDX-License-Identifier: LGPL-2.1-or-later */

import { h, replace, download, readFile } from "../dom.js";
import { _, format } from "../i18n.js";
import { IFACE, errorMessage, errorName } from "../agent.js";
import { alertBox, dialog, confirm, run, row, select, errorAlert } from "../ui.js";

const REVOKE_REASONS = [
    ["0", _("Unspecified")],
    ["1", _("Key compromise")],
    ["3", _("Affiliation changed")],
    ["4", _("Superseded")],
    ["5", _("Cessation of operation")],
];

function call(view, cert, method, signature, args) {
    return view.agent.call(cert.path, IFACE.certificate, method, signature, args);
}

function done(view, message) {
    replace(view.actionErrors, alertBox("success", message));
}

function renew(view, cert, button, force) {
    run(button, view.actionErrors, force ? _("Could not reissue the certificate") : _("Could not renew the certificate"),
        () => call(view, cert, "Renew", "a{sv}", [force ? { force: cockpit.variant("b", true) } : {}])
                .then(() => done(view, cert.Source === "acme"
                    ? _("The order has started; the outcome will show here.")
                    : _("The certificate was renewed."))));
}

function revoke(view, cert, button) {
    dialog(_("Revoke the certificate"), close => {
        const reason = select("reason", REVOKE_REASONS, "0");
        return h("div",
                 h("p", format(_("The CA will be asked to revoke “$0”; a replacement with a new key is ordered at once."), cert.Name)),
                 h("div.cw-form", row(_("Reason"), reason)),
                 h("div.cw-actions",
                   h("button.cw-danger", { type: "button", dataset: { action: "confirm" }, onclick: () => close(reason.value) }, _("Revoke")),
                   h("button", { type: "button", dataset: { action: "cancel" }, onclick: () => close(null) }, _("Cancel"))));
    }).then(reason => {
        if (reason === null)
            return;
        run(button, view.actionErrors, _("Could not revoke the certificate"),
            () => call(view, cert, "Revoke", "u", [Number(reason)])
                    .then(() => done(view, _("Revoked; the replacement is being ordered."))));
    });
}

/* Remove without force first: a guard (InUse) says why, and only then is
 * the administrator asked whether to force it. */
function remove(view, cert, button) {
    confirm(_("Remove the certificate"),
            h("p", format(_("“$0”, its private key and its history will be deleted."), cert.Name)),
            _("Remove"), true)
            .then(yes => {
                if (!yes)
                    return;
                const name = cert.Name;
                return call(view, cert, "Remove", "a{sv}", [{}])
                        .then(() => removed(view, name))
                        .catch(error => {
                            if (errorName(error) !== "org.certward.Error.InUse") {
                                replace(view.actionErrors, errorAlert(_("Could not remove the certificate"), error));
                                return;
                            }
                            return confirm(_("The certificate is in use"),
                                           h("div", h("p.cw-guard", errorMessage(error)),
                                             h("p", _("Remove it anyway?"))),
                                           _("Remove anyway"), true)
                                    .then(force => force && run(button, view.actionErrors, _("Could not remove the certificate"),
                                                                () => call(view, cert, "Remove", "a{sv}", [{ force: cockpit.variant("b", true) }])
                                                                        .then(() => removed(view, name))));
                        });
            });
}

function removed(view, name) {
    view.app.go([], ["success", format(_("“$0” was removed."), name)]);
}

/* Install: a file or pasted PEM, sent as it is (PEM, DER, PKCS#7, PKCS#12) */
function install(view, cert, button) {
    dialog(cert.State === "pending" ? _("Install the CA's answer") : _("Install a renewed certificate"), close => {
        const file = h("input", { type: "file", id: "cw-install-file", accept: ".pem,.crt,.cer,.der,.p7b,.p7c,.p12,.pfx" });
        const text = h("textarea", { id: "cw-install-text", rows: 6, placeholder: "-----BEGIN CERTIFICATE-----" });
        const errors = h("div.cw-alerts");
        const submit = h("button.cw-primary", { type: "button", dataset: { action: "confirm" } }, _("Install"));
        submit.addEventListener("click", () => {
            run(submit, errors, _("Could not install the certificate"), async () => {
                let bytes;
                if (file.files.length)
                    bytes = await readFile(file.files[0]);
                else if (text.value.trim())
                    bytes = new TextEncoder().encode(text.value);
                else
                    throw new Error(_("Choose a file or paste the certificate."));
                await call(view, cert, "Install", "ay", [cockpit.base64_encode(bytes)]);
                close(true);
                done(view, _("The certificate was installed."));
            });
        });
        return h("div",
                 h("p", _("A certificate for this certificate's key, with its intermediates: PEM, DER, PKCS#7 or PKCS#12 without a password.")),
                 h("div.cw-form", row(_("File"), file), row(_("Or paste PEM"), text)),
                 errors,
                 h("div.cw-actions", submit,
                   h("button", { type: "button", dataset: { action: "cancel" }, onclick: () => close(false) }, _("Cancel"))));
    });
}

function exportCert(view, cert, button, fmt) {
    run(button, view.actionErrors, _("Could not export the certificate"),
        () => call(view, cert, "Export", "a{sv}", [{ format: cockpit.variant("s", fmt) }])
                .then(([data]) => download(cert.Name + (fmt === "der" ? ".der" : ".pem"),
                                           cockpit.base64_decode(data, Uint8Array),
                                           fmt === "der" ? "application/pkix-cert" : "application/x-pem-file")));
}

function downloadRequest(view, cert, button) {
    run(button, view.actionErrors, _("Could not get the request"),
        () => call(view, cert, "GetRequest", "", [])
                .then(([csr]) => download(cert.Name + ".csr", csr, "application/pkcs10")));
}

function setDefault(view, cert, button) {
    run(button, view.actionErrors, _("Could not make it the default certificate"),
        () => view.agent.manager_call("SetDefault", "o", [cert.path])
                .then(() => done(view, _("This is now the default certificate."))));
}

export function actionButtons(view, cert) {
    const buttons = [];
    const add = (id, label, handler, cls) => {
        const b = h("button" + (cls || ""), { type: "button", id: "cw-action-" + id });
        b.textContent = label;
        b.addEventListener("click", () => handler(b));
        buttons.push(b);
    };
    const renewable = ["acme", "self-signed", "local-ca"].includes(cert.Source);
    if (renewable) {
        add("renew", _("Renew"), b => renew(view, cert, b, false));
        add("reissue", _("Reissue now"), b => renew(view, cert, b, true));
    }
    if (cert.Source === "acme" && cert.State !== "pending")
        add("revoke", _("Revoke"), b => revoke(view, cert, b));
    if (cert.Source === "imported" || cert.Source === "csr")
        add("install", cert.State === "pending" ? _("Install the CA's answer") : _("Install renewal"), b => install(view, cert, b));
    if (cert.Source === "csr")
        add("csr", _("Download CSR"), b => downloadRequest(view, cert, b));
    if (cert.State !== "pending") {
        add("export-pem", _("Download PEM"), b => exportCert(view, cert, b, "pem"));
        add("export-der", _("Download DER"), b => exportCert(view, cert, b, "der"));
    }
    if ((cert.Roles || []).includes("server") && view.agent.manager.DefaultCertificate !== cert.path && cert.State !== "pending")
        add("default", _("Make default"), b => setDefault(view, cert, b));
    add("remove", _("Remove"), b => remove(view, cert, b), ".cw-danger");
    return buttons;
}
