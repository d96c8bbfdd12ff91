"""The world the Cockpit page test runs in, all real: a private dbus-daemon
configured like the system bus with the shipped policy
(data/org.certward.Certward1.conf), certwardd on it as root, and
cockpit-ws --local-session twice: its bridge as root (an administrator)
and as nobody (a user the policy refuses). The plugin is served from a
temporary XDG_DATA_HOME. Run directly for development:

    python3 tests/cockpit/env.py --serve     (as root, after a build)

which links the source cockpit/ directory so edits show on reload.
SPDX-License-Identifier: LGPL-2.1-or-later"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

COCKPIT_WS = "/usr/lib/cockpit/cockpit-ws"
BUS_NAME = "org.certward.Certward1"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def missing_tools():
    """What this machine lacks to run the page test, or None."""
    missing = [p for p in (COCKPIT_WS, "/usr/bin/cockpit-bridge") if not os.path.exists(p)]
    if not shutil.which("chromium"):
        missing.append("chromium")
    if not shutil.which("dbus-daemon"):
        missing.append("dbus-daemon")
    return ", ".join(missing) or None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


class Env:
    def __init__(self, source_dir, build_dir, certwardd, certwardctl, provider_dir=None, link_source=False):
        self.source_dir, self.build_dir = source_dir, build_dir
        self.certwardd, self.certwardctl = certwardd, certwardctl
        self.dir = tempfile.mkdtemp(prefix="certward-cockpit-")
        os.chmod(self.dir, 0o755)
        self.procs = []
        self.logs = {}
        os.makedirs(self.dir + "/system.d")
        with open(self.dir + "/system-like.conf", "w") as f:
            with open(source_dir + "/tests/system-like-bus.conf") as template:
                f.write(template.read().replace("@DIR@", self.dir))
        shutil.copy(source_dir + "/data/org.certward.Certward1.conf", self.dir + "/system.d/")
        with open(self.dir + "/certward.conf", "w") as f:
            if provider_dir:
                f.write("[dns-01]\nprovider-dir=%s\n" % provider_dir)
        self.bus = "unix:path=%s/system_bus_socket" % self.dir
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus, LC_ALL="C.UTF-8")
        self.env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        self.install_plugin(link_source)

    def install_plugin(self, link_source):
        """XDG_DATA_HOME/cockpit/certward: the source files and the built
        translations, where cockpit-bridge looks for a user's packages."""
        self.data_home = self.dir + "/data"
        target = self.data_home + "/cockpit/certward"
        os.makedirs(os.path.dirname(target))
        if link_source:
            os.symlink(self.source_dir + "/cockpit", target)
            return
        shutil.copytree(self.source_dir + "/cockpit", target,
                        ignore=shutil.ignore_patterns("meson.build", "po", "*.py"))
        for po in glob.glob(self.build_dir + "/cockpit/po.*.js"):
            shutil.copy(po, target)
        for root, dirs, files in os.walk(self.data_home):
            os.chmod(root, 0o755)
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)

    def spawn(self, name, argv, env=None, prefix=None):
        log = open("%s/%s.log" % (self.dir, name), "a")
        proc = subprocess.Popen((prefix or []) + argv, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(proc)
        self.logs[name] = log.name
        return proc

    def log(self, name):
        try:
            with open(self.logs[name]) as f:
                return f.read()
        except (KeyError, OSError):
            return ""

    def start_bus(self):
        self.spawn("system-bus", ["dbus-daemon", "--config-file=%s/system-like.conf" % self.dir, "--nofork", "--nopidfile"])
        if not wait_for(lambda: os.path.exists(self.dir + "/system_bus_socket")):
            raise RuntimeError("the system-like bus did not start: " + self.log("system-bus"))

    def ping(self):
        return subprocess.run(["gdbus", "call", "--system", "--dest", BUS_NAME, "--object-path", "/org/certward/Certward1",
                               "--method", "org.freedesktop.DBus.Peer.Ping"], env=self.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

    def start_agent(self):
        self.agent = self.spawn("certwardd", [self.certwardd, "--state-dir", self.dir + "/state",
                                              "--config", self.dir + "/certward.conf"])
        if not wait_for(self.ping):
            raise RuntimeError("certwardd did not start: " + self.log("certwardd"))

    def stop_agent(self):
        self.agent.terminate()
        self.agent.wait(timeout=30)
        self.procs.remove(self.agent)

    def ctl(self, *args):
        """certwardctl on the system-like bus, as root; (status, output)"""
        r = subprocess.run([self.certwardctl] + list(args), env=self.env, capture_output=True, text=True)
        return r.returncode, r.stdout + r.stderr

    def session_bus(self, name, prefix):
        """a session bus for one bridge (cockpit-bridge connects to one)"""
        proc = subprocess.Popen((prefix or []) + ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                start_new_session=True, text=True)
        self.procs.append(proc)
        return proc.stdout.readline().strip()

    def start_cockpit(self, name, user=None):
        """cockpit-ws on a free loopback port, its bridge as root or USER
        (only "nobody"); returns the base URL"""
        prefix = NOBODY if user == "nobody" else None
        port = free_port()
        env = dict(self.env, XDG_DATA_HOME=self.data_home, DBUS_SESSION_BUS_ADDRESS=self.session_bus(name, prefix))
        if user == "nobody":
            env.update(HOME=self.dir + "/nobody-home", XDG_RUNTIME_DIR=self.dir + "/nobody-run")
            for d in ("nobody-home", "nobody-run"):
                os.makedirs(self.dir + "/" + d, exist_ok=True)
                os.chown(self.dir + "/" + d, 65534, 65534)
        self.spawn(name, [COCKPIT_WS, "--no-tls", "--address", "127.0.0.1", "--port", str(port),
                          "--local-session=cockpit-bridge"], env=env, prefix=prefix)
        url = "http://127.0.0.1:%d" % port

        def up():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0
        if not wait_for(up):
            raise RuntimeError("cockpit-ws did not start: " + self.log(name))
        return url

    def stop(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    src = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    build = os.environ.get("CW_BUILD_DIR", src + "/build")
    env = Env(src, build, build + "/src/daemon/certwardd", build + "/src/cli/certwardctl",
              provider_dir=build + "/src/providers", link_source="--serve" in sys.argv)
    try:
        env.start_bus()
        env.start_agent()
        root = env.start_cockpit("cockpit-root")
        nobody = env.start_cockpit("cockpit-nobody", "nobody")
        print("DBUS_SYSTEM_BUS_ADDRESS=%s" % env.bus)
        print("page (root bridge):   %s/cockpit/@localhost/certward/index.html" % root)
        print("shell (root bridge):  %s/certward" % root)
        print("page (nobody bridge): %s/cockpit/@localhost/certward/index.html" % nobody)
        print("Ctrl-C stops everything")
        signal.pause()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        env.stop()


if __name__ == "__main__":
    main()
