#!/usr/bin/python3
"""The Cockpit page in headless Chromium against the real agent: cockpit-ws
--local-session with the plugin, certwardd on a private bus configured like
the system bus with the shipped policy (tests/cockpit/env.py), Chromium
driven over CDP (tests/cockpit/cdp.py). Screenshots of the main views go to
BUILD/cockpit-screenshots. TAP on stdout.
SPDX-License-Identifier: LGPL-2.1-or-later"""

import grp
import json
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "cockpit"))
from cdp import Browser  # noqa: E402
from env import Env, missing_tools, wait_for  # noqa: E402

PAGE = "/cockpit/@localhost/certward/index.html"
CERT = "/org/certward/Certward1/certificate/"
N = 0
FAILED = 0


def ok(description, condition, diagnostic=""):
    global N, FAILED
    N += 1
    if condition:
        print("ok %d - %s" % (N, description))
    else:
        FAILED += 1
        print("not ok %d - %s" % (N, description))
        for line in str(diagnostic).splitlines()[-40:]:
            print("# " + line)
    sys.stdout.flush()
    return condition


def skip(description):
    global N
    N += 1
    print("ok %d # SKIP %s" % (N, description))


def skip_all(reason):
    print("1..0 # SKIP " + reason)
    sys.exit(0)


def js(value):
    return json.dumps(value)


def rows(b):
    """the list view's rows: name -> (state, fingerprint)"""
    return b.eval("""Object.fromEntries([...document.querySelectorAll('#cw-certificates tbody tr[data-name]')]
                     .map(r => [r.dataset.name, [r.dataset.state, r.dataset.fingerprint]]))""")


def prop(b, name):
    return b.eval("(document.querySelector('dd[data-prop=%s]') || {}).textContent" % name)


def go(b, hash_, ready):
    """a route change inside the page (no reload), then wait for READY"""
    b.eval("location.hash = %s" % js(hash_))
    return b.wait(ready)


def shot(b, name):
    path = os.path.join(SHOTS, name)
    b.eval("document.activeElement && document.activeElement.blur()")
    time.sleep(0.3)  # lets the web fonts settle for the picture; asserts nothing
    b.screenshot(path)


def shot_section(b, name, selector):
    """one part of the page (the delivery section), scrolled into view"""
    b.eval("document.activeElement && document.activeElement.blur(); document.querySelector(%s).scrollIntoView()" % js(selector))
    time.sleep(0.3)  # lets the web fonts settle for the picture; asserts nothing
    b.screenshot(os.path.join(SHOTS, name), element=selector)


def error_text(b, container):
    return b.eval("(document.querySelector(%s) || {innerText: ''}).innerText" % js(container + " .cw-error"))


def admin_session(env, url, fixtures, delivery_dir):
    b = Browser()
    try:
        b.navigate(url + PAGE)
        ok("the page loads and connects to the agent", b.wait("document.body.dataset.ready"), b.text())
        b.wait("document.querySelectorAll('#cw-certificates tbody tr[data-name]').length >= 5")
        r = rows(b)
        ok("the list shows the certificates made before the page opened",
           {"phones", "phones-CA", "phone1", "outside", "system"} <= set(r), r)
        ok("the list shows their states", r.get("phones", [None])[0] == "valid" and r.get("outside", [None])[0] == "pending", r)
        ok("a valid state is green, a pending one blue",
           b.eval("""document.querySelector('tr[data-name=phones] .cw-label-state').classList.contains('cw-state-valid') &&
                     document.querySelector('tr[data-name=outside] .cw-label-state').classList.contains('cw-state-pending')"""))
        ok("the list shows identities, expiry, source and roles",
           all(s in b.text("tr[data-name=phones]") for s in ("pbx.example.test", "in 36", "self-signed", "SIP-TLS")),
           b.text("tr[data-name=phones]"))

        b.click("th[data-column=name]")
        names = b.eval("[...document.querySelectorAll('#cw-certificates tbody tr')].map(r => r.dataset.name)")
        ok("clicking a column header sorts by it the other way", names == sorted(names, key=str.lower, reverse=True), names)
        b.click("th[data-column=name]")
        b.fill("#cw-filter", "pbx.example")
        names = b.eval("[...document.querySelectorAll('#cw-certificates tbody tr[data-name]')].map(r => r.dataset.name)")
        ok("the filter matches identities", names == ["phones"], names)
        b.fill("#cw-filter", "")
        shot(b, "list.png")

        # ObjectManager: objects added and removed outside the page
        status, output = env.ctl("self-sign", "live-added", "--id", "live.example.test")
        ok("a certificate made outside the page appears in the list live",
           status == 0 and b.wait("document.querySelector('tr[data-name=live-added]')"), output)
        status, output = env.ctl("remove", "live-added")
        ok("... and leaves it when removed", status == 0 and b.wait("!document.querySelector('tr[data-name=live-added]')"), output)

        # details: every property the agent publishes has a row
        go(b, "#/certificate/phones", "document.querySelector('dd[data-prop=Fingerprint]')")
        out = subprocess.run(["gdbus", "call", "--system", "--dest", "org.certward.Certward1", "--object-path", CERT + "phones",
                              "--method", "org.freedesktop.DBus.Properties.GetAll", "org.certward.Certificate1"],
                             env=env.env, capture_output=True, text=True).stdout
        published = set(re.findall(r"'(\w+)': <", out))
        shown = set(b.eval("[...document.querySelectorAll('dd[data-prop]')].map(d => d.dataset.prop)"))
        ok("the details view shows every property the agent publishes", published and published <= shown, (published - shown, out))
        ok("the details view shows the reload actions",
           "asterisk.service" in prop(b, "ReloadUnits") and "/bin/true" in prop(b, "DeployHooks"),
           (prop(b, "ReloadUnits"), prop(b, "DeployHooks")))
        shot(b, "details.png")
        # a property a later agent adds, injected into the proxy's data:
        # shown under its D-Bus name without a change to the page
        b.eval("""certward.agent.certificates[%s].data.FutureProperty = {t: 's', v: 'from a later agent'};
                  certward.view.update()""" % js(CERT + "phones"))
        ok("a property the page does not know is shown under its D-Bus name",
           b.eval("!!document.querySelector('section[data-section=other] dd[data-prop=FutureProperty]')") and
           "from a later agent" in prop(b, "FutureProperty"), b.text("#cw-cert-sections"))
        b.eval("delete certward.agent.certificates[%s].data.FutureProperty; certward.view.update()" % js(CERT + "phones"))

        # a renewal made outside the page shows up live
        b.eval("window.cwNotReloaded = true")
        before, revision = prop(b, "Fingerprint"), prop(b, "Revision")
        status, output = env.ctl("renew", "phones", "--force")
        ok("certwardctl renews the certificate outside the page", status == 0, output)
        changed = b.wait("document.querySelector('dd[data-prop=Fingerprint]').textContent != %s" % js(before))
        ok("the renewal appears live: new fingerprint and revision",
           changed and prop(b, "Revision") == str(int(revision) + 1), (before, prop(b, "Fingerprint"), revision, prop(b, "Revision")))
        ok("... without a reload of the page", b.eval("window.cwNotReloaded === true"))
        ok("... and the CertificateChanged event was followed",
           b.wait("certward.agent.events.some(e => e.event == 'renewed' && e.name == 'phones')"),
           b.eval("JSON.stringify(certward.agent.events)"))
        delivery_checks(env, b, delivery_dir)

        # the removal guard's reason, then cancel
        go(b, "#/certificate/phones_CA", "document.querySelector('#cw-action-remove')")
        b.click("#cw-action-remove")
        b.wait("document.querySelector('dialog [data-action=confirm]')")
        b.click("dialog [data-action=confirm]")
        guard = b.wait("document.querySelector('dialog .cw-guard')") and b.text("dialog .cw-guard")
        ok("removing a CA that issued valid certificates shows the agent's guard message", guard and "phone1" in guard, guard)
        b.click("dialog [data-action=cancel]")
        ok("... and cancelling keeps it", b.wait("!document.querySelector('dialog')") and env.ctl("show", "phones-CA")[0] == 0)

        # import: a wrong password shows the agent's own message
        go(b, "#/import", "document.querySelector('#cw-import-files')")
        b.upload("#cw-import-files", [fixtures + "/full.p12"])
        b.fill("#cw-import-password", "wrong")
        b.click("#cw-import-submit")
        b.wait("document.querySelector('#cw-import-errors .cw-error')")
        text = error_text(b, "#cw-import-errors")
        ok("an import error shows the agent's message", "full.p12: wrong PKCS#12 password" in text, text)
        ok("... with the D-Bus error name", b.eval("document.querySelector('#cw-import-errors .cw-error').dataset.errorName")
           == "org.certward.Error.WrongPassword")
        b.fill("#cw-import-password", "secret-pass")
        shot(b, "import.png")
        b.click("#cw-import-submit")
        ok("importing an uploaded PKCS#12 opens its details",
           b.wait("location.hash == '#/certificate/www_example_test' && document.querySelector('dd[data-prop=Fingerprint]')"),
           b.text())
        go(b, "#/", "document.querySelector('tr[data-name=\"www.example.test\"]')")
        r = rows(b)
        ok("the imported certificate is in the list with its name and state", r.get("www.example.test", [None])[0] == "valid", r)
        status, output = env.ctl("show", "www.example.test")
        ok("... and the agent has it", status == 0 and "www.example.test" in output, output)

        # self-signed and CSR from the page; the CA's answer installed
        go(b, "#/create", "document.querySelector('#cw-create-name')")
        b.fill("#cw-create-name", "page-made")
        b.fill("#cw-create-identities", "made.example.test, 192.0.2.7")
        b.fill("#cw-create-organization", "Acme Telecom")
        shot(b, "create.png")
        b.click("#cw-create-submit")
        ok("a self-signed certificate created on the page", b.wait("location.hash == '#/certificate/page_made' && "
                                                                  "document.querySelector('dd[data-prop=State] [data-state=valid]')"), b.text())
        go(b, "#/csr", "document.querySelector('#cw-csr-name')")
        b.fill("#cw-csr-name", "from-csr")
        b.fill("#cw-csr-identities", "csr.example.test")
        b.click("#cw-csr-submit")
        csr = b.wait("document.querySelector('#cw-csr-pem')") and b.text("#cw-csr-pem")
        ok("a CSR created on the page is shown", csr and "CERTIFICATE REQUEST-----" in csr, b.text())
        shot(b, "csr.png")
        answer = sign_csr(env, fixtures, csr)
        go(b, "#/certificate/from_csr", "document.querySelector('#cw-action-install')")
        b.click("#cw-action-install")
        b.wait("document.querySelector('#cw-install-file')")
        b.upload("#cw-install-file", [answer])
        b.click("dialog [data-action=confirm]")
        ok("the CA's answer installed from the page makes it valid",
           b.wait("document.querySelector('dd[data-prop=State] [data-state=valid]')"), b.text())

        # DNS providers: the form from GetProviderTypes, secrets as password inputs
        go(b, "#/acme", "document.querySelector('#cw-provider-type option[value=rfc2136]')")
        b.fill("#cw-provider-type", "rfc2136")
        ok("a secret field of a DNS provider is a password input",
           b.eval("document.querySelector('#cw-provider-field-tsig-secret').type") == "password")
        secret = "c2VjcmV0LXRzaWcta2V5LWZvci10aGUtdGVzdA=="
        b.fill("#cw-provider-name", "bind")
        b.fill("#cw-provider-field-nameserver", "127.0.0.1")
        b.fill("#cw-provider-field-tsig-key", "acme-key")
        b.fill("#cw-provider-field-tsig-secret", secret)
        b.click("#cw-provider-submit")
        added = b.wait("document.querySelector('tr[data-provider=bind]')")
        ok("a DNS provider added on the page is listed with its secret set",
           added and "tsig-secret" in b.text("tr[data-provider=bind]"), b.text("#cw-provider-errors"))
        ok("... and its secret is shown nowhere any more",
           not b.eval("document.body.innerText.includes(%s) || [...document.querySelectorAll('input')].some(i => i.value == %s)"
                      % (js(secret), js(secret))))
        shot(b, "acme.png")

        go(b, "#/request", "document.querySelector('#cw-request-name')")
        b.click("#cw-request-dns")
        b.fill("#cw-request-name", "tenant1")
        b.fill("#cw-request-identities", "*.tenant1.example.test, tenant1.example.test")
        ok("the ACME request offers the DNS provider for DNS-01",
           b.wait("document.querySelector('#cw-request-provider option[value$=\"/provider/bind\"]')") and
           b.eval("!document.querySelector('#cw-request-provider').closest('.cw-field').hidden"))
        shot(b, "request.png")
        b.click("#cw-request-http")
        b.fill("#cw-request-name", "acme-bad")
        b.fill("#cw-request-identities", "bad.example.test")
        b.fill("#cw-request-directory", "http://acme.example.test/directory")
        b.click("#cw-request-submit")
        b.wait("document.querySelector('#cw-request-errors .cw-error')")
        status, expected = env.ctl("request", "acme-bad", "--id", "bad.example.test",
                                   "--directory", "http://acme.example.test/directory", "--no-wait")
        expected = expected.strip().replace("certwardctl: ", "", 1)
        text = error_text(b, "#cw-request-errors")
        ok("a refused ACME request shows the agent's message, as certwardctl does",
           status != 0 and expected and expected in text, (expected, text))

        # the trust store
        go(b, "#/trust", "document.querySelectorAll('#cw-trust-table tbody tr[data-fingerprint]').length > 0")
        count = int(prop(b, "Count"))
        b.upload("#cw-trust-file", [fixtures + "/root.pem"])
        b.click("#cw-trust-add")
        ok("a CA added to the trust store on the page is counted",
           b.wait("document.querySelector('dd[data-prop=Count]').textContent == %s" % js(str(count + 1))), prop(b, "Count"))
        b.fill("#cw-trust-filter", "Certward Test Root")
        ok("... and listed as added", b.wait("document.querySelectorAll('#cw-trust-table tbody tr[data-fingerprint]').length == 1")
           and "added" in b.text("#cw-trust-table tbody"), b.text("#cw-trust-table"))
        b.fill("#cw-trust-filter", "")
        shot(b, "trust.png")

        go(b, "#/settings", "document.querySelector('#cw-expiry-days')")
        b.fill("#cw-expiry-days", "45")
        b.click("#cw-expiry-days-save")
        b.wait("document.querySelector('#cw-settings-errors .cw-alert')")
        status, output = env.ctl("expiry-days")
        ok("the expiry warning days set on the page reach the agent", "45" in output, output)
        shot(b, "settings.png")

        # the agent stops and comes back
        go(b, "#/", "document.querySelector('tr[data-name=phones]')")
        env.stop_agent()
        banner = b.wait("document.querySelector('#cw-banner .cw-alert')") and b.text("#cw-banner")
        ok("when the agent stops, the page says so and how to start it", banner and "systemctl enable --now certwardd" in banner, banner)
        env.start_agent()
        status, output = env.ctl("self-sign", "after-restart", "--id", "after.example.test")
        ok("... and follows it again when it is back",
           status == 0 and b.wait("!document.querySelector('#cw-banner .cw-alert') && "
                                  "document.querySelector('tr[data-name=after-restart]')"), (output, b.text()))

        problems = [p for p in b.problems() if "favicon" not in p[1]]
        ok("no script errors or CSP violations in the browser", not problems, problems)
    finally:
        b.close()


INTEGRATIONS = {
    "pbx-outside": """[Integration]
Description=Outside PBX: the full chain in %(out)s, reloaded with /bin/true
[Target certificate]
Path=%(out)s/%%n-outside.pem
Format=fullchain
Mode=0644
[Reload]
Commands=/bin/true
""",
    "pbx-page": """[Integration]
Description=Page PBX: key and full chain in one file
[Target combined]
Path=%(out)s/%%n-page.pem
Format=combined
Mode=0600
""",
}


def provide_integrations(env):
    """[actions] integration-dir with two presets whose targets go into a
    directory of root's, mode 0755 (what the agent accepts); returns it"""
    out, presets = env.dir + "/delivery", env.dir + "/integrations"
    for d in (out, presets):
        os.makedirs(d)
        os.chmod(d, 0o755)
    for name, text in INTEGRATIONS.items():
        with open("%s/%s.conf" % (presets, name), "w") as f:
            f.write(text % {"out": out})
    with open(env.dir + "/certward.conf", "a") as f:
        f.write("\n[actions]\nintegration-dir=%s\n" % presets)
    return out


def delivery_checks(env, b, out):
    """the details view of "phones": its Delivery section, live, and edited"""
    delivery = "#cw-delivery dd[data-prop=%s]"
    status, output = env.ctl("deliver", "phones", "--integration", "pbx-outside")
    ok("certwardctl deliver applies an integration outside the page",
       status == 0 and os.path.exists(out + "/phones-outside.pem"), output)
    shown = b.wait("document.querySelector(%s)" % js(delivery % "Integrations" + " [data-integration=pbx-outside]"))
    ok("the delivery section shows the integration applied outside the page, with its description",
       shown and "Outside PBX: the full chain" in b.text(delivery % "Integrations"), b.text("#cw-delivery"))
    ok("... and what that delivery did (LastActions), live",
       b.wait("document.querySelector(%s).textContent.includes(%s)"
              % (js(delivery % "LastActions"), js("target %s/phones-outside.pem: written" % out))), b.text(delivery % "LastActions"))
    ok("... and ticks it among the integrations the agent offers, with what each sets",
       b.eval("document.querySelector('#cw-delivery input[name=integration][value=pbx-outside]').checked") and
       "writes %s/%%n-page.pem (combined)" % out in b.text("#cw-delivery-integrations [data-integration=pbx-page]"),
       b.text("#cw-delivery-integrations"))

    b.eval("window.cwNotReloaded = true")
    b.click("#cw-delivery input[name=integration][value=pbx-page]")
    b.click("#cw-delivery-integrations-save")
    page_file = out + "/phones-page.pem"
    written = wait_for(lambda: os.path.exists(page_file))
    content = open(page_file).read() if written else ""
    ok("applying an integration on the page writes its target file",
       "PRIVATE KEY" in content and "CERTIFICATE" in content and os.stat(page_file).st_mode & 0o777 == 0o600,
       (written, content[:200]))
    ok("... and LastActions follows live, without a reload",
       b.wait("document.querySelector(%s).textContent.includes(%s)" % (js(delivery % "LastActions"), js(page_file + ": written")))
       and b.eval("window.cwNotReloaded === true"), b.text(delivery % "LastActions"))
    ok("... and the section lists both integrations", b.wait("document.querySelector(%s)"
                                                          % js(delivery % "Integrations" + " [data-integration=pbx-page]")))

    added = out + "/phones-added.der"
    b.fill("#cw-target-path", added)
    b.fill("#cw-target-format", "der")
    b.fill("#cw-target-mode", "0640")
    b.click("#cw-target-add")
    listed = b.wait("document.querySelector(%s)" % js('#cw-delivery-targets tr[data-path="%s"]' % added))
    ok("a target added on the page is listed with its format and mode",
       listed and "der" in b.text('#cw-delivery-targets tr[data-path="%s"]' % added) and
       "0640" in b.text('#cw-delivery-targets tr[data-path="%s"]' % added), b.text("#cw-delivery"))
    written = wait_for(lambda: os.path.exists(added))
    ok("... and the agent writes its file: DER, mode 0640",
       written and open(added, "rb").read(1) == b"\x30" and os.stat(added).st_mode & 0o777 == 0o640, written)

    b.fill("#cw-command-argv", "/bin/echo delivered-from-the-page")
    b.click("#cw-command-add")
    ok("a reload command added on the page is listed, and its output reaches LastActions",
       b.wait("document.querySelector(%s)" % js('#cw-delivery-commands tr[data-command="/bin/echo delivered-from-the-page"]')) and
       b.wait("document.querySelector(%s).textContent.includes('delivered-from-the-page')" % js(delivery % "LastActions")),
       (b.text("#cw-delivery"), error_text(b, "#cw-delivery-errors")))
    key = prop(b, "KeyPath")
    b.fill("#cw-delivery-group", "nogroup")
    b.click("#cw-delivery-group-save")
    shown = b.wait("document.querySelector(%s).textContent == 'nogroup'" % js(delivery % "AccessGroup"))
    ok("an access group set on the page is shown, and the key in the store is 0640 root:nogroup",
       shown and wait_for(lambda: grp.getgrgid(os.stat(key).st_gid).gr_name == "nogroup") and
       os.stat(key).st_mode & 0o777 == 0o640, (key, b.text("#cw-delivery")))
    shot_section(b, "delivery.png", "#cw-delivery")

    bad = "/nonexistent-certward-dir/phones.pem"
    b.fill("#cw-target-path", bad)
    b.fill("#cw-target-format", "fullchain")
    b.click("#cw-target-add")
    b.wait("document.querySelector('#cw-delivery-errors .cw-error')")
    text = error_text(b, "#cw-delivery-errors")
    status, expected = env.ctl("deliver", "phones", "--target", "path=%s,format=fullchain" % bad)
    expected = expected.strip().replace("certwardctl: ", "", 1)
    ok("a target in a directory that does not exist shows the agent's InvalidArgument, as certwardctl does",
       status != 0 and expected and expected in text and
       b.eval("document.querySelector('#cw-delivery-errors .cw-error').dataset.errorName") == "org.certward.Error.InvalidArgument",
       (expected, text))

    b.click('#cw-delivery-targets tr[data-path="%s"] [data-action=remove-target]' % added)
    ok("a target removed on the page leaves the list (its file stays, as documented)",
       b.wait("!document.querySelector(%s)" % js('#cw-delivery-targets tr[data-path="%s"]' % added)) and os.path.exists(added),
       b.text("#cw-delivery"))


def sign_csr(env, fixtures, csr):
    """the test's CA answers the CSR (openssl, the fixtures' intermediate)"""
    with open(env.dir + "/from-csr.csr", "w") as f:
        f.write(csr)
    with open(env.dir + "/ext", "w") as f:
        f.write("basicConstraints=CA:FALSE\nsubjectAltName=DNS:csr.example.test\nextendedKeyUsage=serverAuth\n")
    subprocess.run(["openssl", "x509", "-req", "-in", env.dir + "/from-csr.csr", "-CA", fixtures + "/inter.pem",
                    "-CAkey", fixtures + "/inter.key", "-CAcreateserial", "-CAserial", env.dir + "/serial",
                    "-days", "90", "-sha256", "-extfile", env.dir + "/ext", "-out", env.dir + "/answer.pem"],
                   check=True, capture_output=True)
    with open(env.dir + "/answer.pem", "a") as out, open(fixtures + "/inter.pem") as inter:
        out.write(inter.read())
    return env.dir + "/answer.pem"


def check_installed(env, build):
    """the files the test serves are the files meson installs"""
    r = subprocess.run(["meson", "introspect", "--installed", build], capture_output=True, text=True)
    try:
        installed = {path.split("/cockpit/certward/", 1)[1] for path in json.loads(r.stdout).values()
                     if "/cockpit/certward/" in path}
    except ValueError:
        installed = None
    plugin = os.path.join(env.data_home, "cockpit", "certward")
    served = {os.path.relpath(os.path.join(root, name), plugin) for root, _, files in os.walk(plugin) for name in files}
    ok("meson installs exactly the page's files", installed == served, (installed, served, r.stderr))


def refused_session(env, url, fixtures, delivery_dir):
    b = Browser()
    try:
        b.navigate(url + PAGE)
        b.wait("document.body.dataset.ready")
        ok("the bridge runs as an unprivileged user", b.eval("cockpit.user().then(u => u.name)") == "nobody")
        ok("... who can read the list", b.wait("document.querySelector('tr[data-name=phones]')"), b.text())
        go(b, "#/import", "document.querySelector('#cw-import-files')")
        b.upload("#cw-import-files", [fixtures + "/nopass.p12"])
        b.fill("#cw-import-name", "not-allowed")
        b.click("#cw-import-submit")
        b.wait("document.querySelector('#cw-import-errors .cw-error')")
        text = error_text(b, "#cw-import-errors")
        name = b.eval("(document.querySelector('#cw-import-errors .cw-error') || {dataset: {}}).dataset.errorName")
        # the agent asks polkit (none runs on this bus, so it is refused and
        # says why) and the page shows its message, action included
        ok("a refused import shows the agent's refusal naming the polkit action",
           name == "org.certward.Error.PermissionDenied" and "org.certward.manage-certificates" in text, (name, text))
        shot(b, "refused.png")
        ok("... and nothing was imported", env.ctl("show", "not-allowed")[0] != 0)

        go(b, "#/certificate/phones", "document.querySelector('#cw-target-path')")
        b.fill("#cw-target-path", delivery_dir + "/by-nobody.pem")
        b.click("#cw-target-add")
        b.wait("document.querySelector('#cw-delivery-errors .cw-error')")
        text = error_text(b, "#cw-delivery-errors")
        name = b.eval("(document.querySelector('#cw-delivery-errors .cw-error') || {dataset: {}}).dataset.errorName")
        ok("a target refused by the agent shows its PermissionDenied naming org.certward.run-programs",
           name == "org.certward.Error.PermissionDenied" and "org.certward.run-programs" in text, (name, text))
        ok("... and no file was written", not os.path.exists(delivery_dir + "/by-nobody.pem"))
        shot_section(b, "delivery-refused.png", "#cw-delivery")
    finally:
        b.close()


def italian_session(env, url, shell):
    """in Cockpit's shell when it is there: the menu entry is translated
    too (the shell loads every package's po.js)"""
    b = Browser(lang="it")
    doc = "document"
    try:
        if shell:
            b.navigate(url + "/certward")
            doc = ("[...document.querySelectorAll('iframe')].find(f => f.contentDocument && f.contentDocument.body && "
                   "f.contentDocument.body.dataset.ready).contentDocument")
        else:
            b.navigate(url + PAGE)
        b.wait("%s.querySelector('tr[data-name=phones]')" % doc)
        h1 = b.eval("%s.querySelector('h1').innerText" % doc)
        state = b.eval("%s.querySelector('tr[data-name=phones] .cw-label-state').innerText" % doc)
        ok("an Italian browser gets the page in Italian", h1 == "Certificati TLS" and state == "valido", (h1, state))
        if shell:
            ok("... and the menu entry in Italian", "Certificati TLS" in b.text("nav") or "Certificati TLS" in b.text(), b.text())
        shot(b, "list-it.png")
    finally:
        b.close()


def shell_session(env, url):
    b = Browser()
    try:
        b.navigate(url + "/certward")
        inside = b.wait("[...document.querySelectorAll('iframe')].some(f => f.contentDocument && "
                        "f.contentDocument.body && f.contentDocument.body.dataset.ready)")
        ok("the Cockpit shell lists the page as “TLS certificates” and shows it", inside and "TLS certificates" in b.text(), b.text())
        shot(b, "shell.png")
    finally:
        b.close()


def main():
    global SHOTS
    if os.geteuid() != 0:
        skip_all("needs root: the agent owns its name on a system-like bus and a bridge runs as nobody")
    missing = missing_tools()
    if missing:
        skip_all("missing %s (apt-get install cockpit-ws cockpit-bridge cockpit-system chromium)" % missing)
    src, build = os.environ["CW_SOURCE_DIR"], os.environ["CW_BUILD_DIR"]
    SHOTS = os.path.join(build, "cockpit-screenshots")
    os.makedirs(SHOTS, exist_ok=True)
    fixtures = os.environ["CW_TEST_FIXTURES"]
    subprocess.run(["bash", os.environ["CW_TEST_MAKE_FIXTURES"], fixtures], check=True)

    env = Env(src, build, os.environ["CERTWARDD"], os.environ["CERTWARDCTL"],
              provider_dir=os.environ.get("CW_PROVIDER_BUILD_DIR"))
    try:
        delivery_dir = provide_integrations(env)
        env.start_bus()
        env.start_agent()
        for args in (["self-sign", "phones", "--id", "pbx.example.test", "--id", "sip.example.test", "--role", "server", "--role", "sip-tls"],
                     ["set", "phones", "--reload-unit", "asterisk.service", "--deploy-hook", "/bin/true"],
                     ["ca", "create", "phones-CA", "--org", "Acme Telecom"],
                     ["self-sign", "phone1", "--issuer", "phones-CA", "--id", "phone1.example.test"],
                     ["csr", "outside", "--id", "www.outside.test", "-o", env.dir + "/outside.csr"]):
            status, output = env.ctl(*args)
            if status != 0:
                raise RuntimeError("certwardctl %s: %s" % (" ".join(args), output))

        check_installed(env, build)
        admin_session(env, env.start_cockpit("cockpit-root"), fixtures, delivery_dir)
        refused_session(env, env.start_cockpit("cockpit-nobody", "nobody"), fixtures, delivery_dir)
        shell = os.path.isdir("/usr/share/cockpit/shell")
        if os.path.exists(os.path.join(build, "cockpit", "po.it.js")):
            italian_session(env, env.start_cockpit("cockpit-it"), shell)
        else:
            skip("Italian: no po.it.js was built (python3-polib missing)")
        if shell:
            shell_session(env, env.start_cockpit("cockpit-shell"))
        else:
            skip("the Cockpit shell: cockpit-system is not installed")
    except Exception as e:  # a broken environment is one failure, with its logs
        ok("the test environment works", False, "%s\n%s\n%s" % (e, env.log("certwardd")[-2000:], env.log("cockpit-root")[-2000:]))
    finally:
        env.stop()
    print("1..%d" % N)
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
