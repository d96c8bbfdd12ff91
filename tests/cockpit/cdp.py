"""Drives Debian's headless Chromium through the Chrome DevTools Protocol
over --remote-debugging-pipe (NUL-separated JSON on fds 3 and 4): navigate,
evaluate JavaScript, wait for a condition, click, type, upload files (the
real file chooser path: DOM.setFileInputFiles), take screenshots, and
collect console messages, exceptions and CSP reports. Standard library only,
so the test needs no npm download and no browser build of its own.
SPDX-License-Identifier: LGPL-2.1-or-later"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, binary="chromium", width=1280, height=900, lang="en-US"):
        self.to_r, self.to_w = os.pipe()
        self.from_r, self.from_w = os.pipe()
        self.profile = tempfile.mkdtemp(prefix="certward-chromium-")
        self.width, self.height = width, height
        self.buf = b""
        self.nid = 0
        self.log = []

        def child_fds():
            os.dup2(self.to_r, 3)
            os.dup2(self.from_w, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--lang=" + lang, "--user-data-dir=" + self.profile,
             "--window-size=%d,%d" % (width, height), "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4), preexec_fn=child_fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(self.to_r)
        os.close(self.from_w)
        target = next(t["targetId"] for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.page("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.page("Runtime.enable")
        self.page("Log.enable")
        self.page("Page.enable")
        self.page("DOM.enable")
        # headless Chromium ignores --lang for Accept-Language, which is what
        # Cockpit picks a package's po.js by
        agent = self.send("Browser.getVersion")["userAgent"]
        self.page("Emulation.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": lang})
        self.page("Emulation.setLocaleOverride", {"locale": lang})

    def send(self, method, params=None, session=None):
        self.nid += 1
        msg = {"id": self.nid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.from_r, 1 << 16)
                if not chunk:
                    raise CDPError("chromium closed the pipe")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            m = json.loads(raw)
            self._event(m)
            if m.get("id") == self.nid:
                if "error" in m:
                    raise CDPError("%s: %s" % (method, m["error"]))
                return m["result"]

    def _event(self, m):
        method, p = m.get("method"), m.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
            self.log.append(("console." + p["type"], text))
        elif method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            self.log.append(("exception", d.get("exception", {}).get("description", d.get("text"))))
        elif method == "Log.entryAdded":
            self.log.append(("log." + p["entry"]["level"], p["entry"]["text"]))

    def page(self, method, params=None):
        return self.send(method, params, self.session)

    def navigate(self, url):
        self.page("Page.navigate", {"url": url})

    def eval(self, expression):
        """The value of EXPRESSION (awaited when it is a promise)."""
        r = self.page("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError("%s: %s" % (expression[:80], d.get("exception", {}).get("description", d.get("text"))))
        return r.get("result", {}).get("value")

    def wait(self, condition, timeout=30):
        """Polls the JS CONDITION until true; False after TIMEOUT seconds.
        The timeout only bounds a failing test, it asserts nothing."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.eval("!!(%s)" % condition):
                    return True
            except CDPError:
                pass
            time.sleep(0.1)
        return False

    def click(self, selector):
        return self.eval("(() => { const e = document.querySelector(%s); if (!e) return false; e.click(); return true })()"
                         % json.dumps(selector))

    def fill(self, selector, value):
        """Types VALUE into an input, select or textarea (with input and change events)."""
        return self.eval("""(() => { const e = document.querySelector(%s); if (!e) return false;
            e.value = %s; e.dispatchEvent(new Event("input", {bubbles: true}));
            e.dispatchEvent(new Event("change", {bubbles: true})); return true })()"""
                         % (json.dumps(selector), json.dumps(value)))

    def upload(self, selector, paths):
        """Chooses PATHS in the file input SELECTOR, as the file chooser does."""
        root = self.page("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = self.page("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node:
            raise CDPError("no element " + selector)
        self.page("DOM.setFileInputFiles", {"nodeId": node, "files": [os.path.abspath(p) for p in paths]})
        self.eval("document.querySelector(%s).dispatchEvent(new Event('change', {bubbles: true}))" % json.dumps(selector))

    def text(self, selector="body"):
        return self.eval("(document.querySelector(%s) || {innerText: ''}).innerText" % json.dumps(selector))

    def screenshot(self, path, full_page=True, element=None):
        """The page (or, with ELEMENT, a CSS selector, that element alone) as a PNG."""
        params = {"format": "png"}
        if element:
            box = self.eval("""(() => { const r = document.querySelector(%s).getBoundingClientRect();
                                return [r.x + scrollX, r.y + scrollY, r.width, r.height] })()""" % json.dumps(element))
            params["clip"] = {"x": box[0], "y": box[1], "width": box[2], "height": min(box[3], 4000), "scale": 1}
            params["captureBeyondViewport"] = True
        elif full_page:
            h = self.eval("Math.max(document.documentElement.scrollHeight, %d)" % self.height)
            params["clip"] = {"x": 0, "y": 0, "width": self.width, "height": min(h, 4000), "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.page("Page.captureScreenshot", params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def problems(self):
        """Exceptions, errors and CSP reports seen so far."""
        return [(k, t) for k, t in self.log
                if k in ("exception", "console.error", "log.error") or "Content Security Policy" in t]

    def close(self):
        try:
            self.send("Browser.close")
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.to_w, self.from_r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)
