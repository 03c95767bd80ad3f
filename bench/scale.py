"""scale: how every cost grows with the run, point by point, as a table and a plot.

Points (full): race at 10k, 100k, 1M iterations x 2 and 8 workers (traced: 4 events
an iteration); thread-names, gil, process-basics at 8, 32, 128 workers; thread-names
at 1k and 20k lines a thread.  --quick: the smallest points only (a minute or two).

Each point runs twice, each time in a fresh child of the app's interpreter:
  cli     engine.cli's `run` as the command line runs it (gilscope run ... --json),
          its wall time, the verdict's time (engine.analysis.result_of, timed by a
          wrapper), events, dropped, and the child's peak resident set (VmHWM) above
          its resident set before the run;
  window  the real window (offscreen): Run, then from the runner's end to the whole
          window painted (QWidget.grab), the window's peak resident set above idle,
          and the frame time while zooming the finished run (the plots area's
          shared time range set to 8 narrowing windows, each painted at once).
The table is printed and kept in results.json; the plot (pyqtgraph's ImageExporter)
goes to docs/scale.png in a full run (the README's "Performance" shows it).  Per
event figures make the bends visible: a flat line is O(n), a rising one is not.
"""
import json
import os
import sys
import time

from bench import common

PLOT_PATH = os.path.join(common.REPO_ROOT, "docs", "scale.png")


def points(quick, medium: bool = False) -> list:
    """(scenario, params) in order.  medium: the full set without its two slowest corners
    (race 8 x 1M: 32M events; thread-names 128 x 1k and 8 x 20k: 128k-160k printed lines,
    each a string of its own), for a loaded machine."""
    if medium:
        return ([("race", {"iterations": n, "workers": 2}) for n in (10_000, 100_000, 1_000_000)]
                + [("race", {"iterations": n, "workers": 8}) for n in (10_000, 100_000)]
                + [("thread-names", {"workers": w, "lines": 1000}) for w in (8, 32)]
                + [("thread-names", {"workers": 8, "lines": 4000})]
                + [(sid, {"workers": w, "iterations": 100_000})
                   for sid in ("gil", "process-basics") for w in (8, 32, 128)])
    if quick:
        return [("race", {"iterations": 10_000, "workers": 2}),
                ("race", {"iterations": 100_000, "workers": 2}),
                ("thread-names", {"workers": 8, "lines": 1000}),
                ("gil", {"workers": 8, "iterations": 1000}),
                ("process-basics", {"workers": 8, "iterations": 1000})]
    out = [("race", {"iterations": n, "workers": w})
           for w in (2, 8) for n in (10_000, 100_000, 1_000_000)]
    for workers in (8, 32, 128):
        out.append(("thread-names", {"workers": workers, "lines": 1000}))
    out.append(("thread-names", {"workers": 8, "lines": 20_000}))
    for sid in ("gil", "process-basics"):
        out += [(sid, {"workers": w, "iterations": 100_000}) for w in (8, 32, 128)]
    return out


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


# -- children ------------------------------------------------------------------------
def _cli_child(sid: str, params: dict) -> dict:
    import io
    from contextlib import redirect_stdout
    from engine import analysis, cli
    timed = {}
    real = analysis.result_of

    def result_of(session):
        t0 = time.perf_counter()
        res = real(session)
        timed["verdict_s"] = time.perf_counter() - t0
        return res

    analysis.result_of = result_of
    argv = ["run", sid] + ["--set=%s=%s" % kv for kv in params.items()] + ["--json", "-"]
    rss0 = _status("VmRSS")
    out = io.StringIO()
    t0 = time.perf_counter()
    with redirect_stdout(out):
        code = cli.main(argv)
    wall = time.perf_counter() - t0
    text = out.getvalue()
    figures = json.loads(text[text.index("{"):]).get("figures", {}) if "{" in text else {}
    return {"exit": code, "wall_s": wall, "verdict_s": timed.get("verdict_s"),
            "events": figures.get("events"), "dropped": figures.get("dropped"),
            "peak_bytes": _status("VmHWM") - rss0}


def _window_child(sid: str, params: dict) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bench.gui_latency import _spin, _wait
    from gui.app import create_window
    app, window = create_window([])  # noqa: F841 (the app must stay referenced)
    if not _wait(lambda: window.plots is not None, 60):
        raise RuntimeError("the window's plots never loaded")
    _spin(1.0)
    import ctypes
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    idle = _status("VmRSS")
    outcome, ended = [], []
    window.adapter.run_finished.connect(lambda r: outcome.append(r))
    window.adapter.run_failed.connect(lambda m, r: outcome.append(None))
    window.adapter.run_ended.connect(lambda s: ended.append(time.perf_counter()))
    window.picker.select(sid)
    for name, value in params.items():
        window.params.set_value(name, value)
    window.run_control.run()
    if not _wait(lambda: ended, 1800):
        raise RuntimeError("the run did not end")
    trace = window.plots.trace
    shows_trace = "trace" in (window.plots._shows or ())
    if not _wait(lambda: outcome and (trace.settled() or not shows_trace), 1800):
        raise RuntimeError("no verdict")
    window.grab()
    painted = time.perf_counter() - ended[0]
    plots = window.plots
    x0, x1 = plots.time_range.range()
    frames = []
    for k in range(1, 9):  # narrowing views around the middle of the run
        half = (x1 - x0) / 2 ** k
        mid = (x0 + x1) / 2
        t0 = time.perf_counter()
        plots.time_range.set(mid - half, mid + half)
        plots.timeline._redraw()  # at once, not on its coalescing timer
        plots.repaint()
        frames.append((time.perf_counter() - t0) * 1e3)
    frames.sort()
    return {"end_to_painted_s": painted, "peak_bytes": _status("VmHWM") - idle,
            "idle_bytes": idle, "zoom_frame_ms": frames[len(frames) // 2],
            "zoom_frame_max_ms": frames[-1], "ok": outcome[0] is not None}


def child_main(args) -> int:
    part, sid, params = args[0], args[1], json.loads(args[2])
    out = _cli_child(sid, params) if part == "cli" else _window_child(sid, params)
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)  # no Qt teardown: the figures are out


# -- the bench -------------------------------------------------------------------------
def _label(sid: str, params: dict) -> str:
    keys = [k for k in ("workers", "iterations", "lines") if k in params]
    return "%s %s" % (sid, " ".join("%s=%s" % (k[0], _short(params[k])) for k in keys))


def _short(n: int) -> str:
    return "%dM" % (n // 10 ** 6) if n >= 10 ** 6 and n % 10 ** 6 == 0 else (
        "%dk" % (n // 1000) if n >= 1000 and n % 1000 == 0 else str(n))


def measure(quick: bool, medium: bool = False) -> list:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    rows = []
    for sid, params in points(quick, medium):
        row = {"point": _label(sid, params), "scenario": sid, "params": params}
        for part in ("cli", "window"):
            try:
                row[part] = common.run_json(common.child_command(
                    sys.executable, "scale", part, sid, json.dumps(params)), timeout=3600, env=env)
            except Exception as exc:  # one point failing keeps the others' figures
                row[part] = {"error": str(exc)[-300:]}
        row["load_1min"] = os.getloadavg()[0]
        rows.append(row)
        sys.stderr.write("scale: %s\n" % json.dumps(row))  # a long run shows its progress
        sys.stderr.flush()
    return rows


def table(rows: list) -> list:
    head = ("%-28s %10s %8s %8s %8s %9s %9s %9s %8s %6s" %
            ("point", "events", "dropped", "CLI s", "verdict", "CLI B/ev", "win B/ev",
             "painted s", "zoom ms", "load"))
    lines = [head]
    for r in rows:
        c, w = r["cli"], r["window"]
        ev = c.get("events") or 0

        def per(v):
            return "%9.0f" % (v / ev) if ev and v is not None else "%9s" % "-"

        def num(v, fmt):
            return fmt % v if isinstance(v, (int, float)) else "-".rjust(len(fmt % 0))

        lines.append("%-28s %10s %8s %8s %8s %s %s %9s %8s %6.1f" % (
            r["point"], ev, c.get("dropped", "-"), num(c.get("wall_s"), "%8.2f"),
            num(c.get("verdict_s"), "%8.3f"), per(c.get("peak_bytes")), per(w.get("peak_bytes")),
            num(w.get("end_to_painted_s"), "%9.2f"), num(w.get("zoom_frame_ms"), "%8.1f"),
            r["load_1min"]))
        for part in ("cli", "window"):
            if "error" in r[part]:
                lines.append("    %s failed: %s" % (part, r[part]["error"].splitlines()[-1]))
    return lines


def plot(rows: list, path: str = PLOT_PATH) -> str:
    """Three panels against events (log-log): seconds (CLI wall, verdict, end to painted),
    peak bytes per event (CLI, window), zoom frame ms; saved as a PNG with pyqtgraph."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    import numpy as np
    import pyqtgraph as pg
    import pyqtgraph.exporters
    pg.mkQApp()
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    layout = pg.GraphicsLayoutWidget()
    layout.resize(1200, 380)
    panels = [("seconds", [("CLI wall", "cli", "wall_s"), ("verdict", "cli", "verdict_s"),
                           ("end of run to painted", "window", "end_to_painted_s")]),
              ("peak bytes per event", [("CLI", "cli", "peak_bytes"), ("window", "window", "peak_bytes")]),
              ("zoom frame ms", [("finished run", "window", "zoom_frame_ms")])]
    colours = ["#1f77b4", "#d62728", "#2ca02c"]
    symbols = {"race": "o", "thread-names": "t", "gil": "s", "process-basics": "d"}
    for col, (title, series) in enumerate(panels):
        p = layout.addPlot(row=0, col=col, title=title)
        p.setLogMode(x=True, y=True)
        p.setLabel("bottom", "events")
        p.addLegend(offset=(5, 5))
        for colour, (name, part, key) in zip(colours, series):
            for sid, symbol in symbols.items():
                pts = [(r["cli"].get("events"), r[part].get(key)) for r in rows
                       if r["scenario"] == sid and r["cli"].get("events") and r[part].get(key)]
                if "bytes" in key:
                    pts = [(e, v / e) for e, v in pts]
                if not pts:
                    continue
                pts.sort()
                x, y = np.array(pts, float).T
                p.plot(x, np.maximum(y, 1e-4), pen=pg.mkPen(colour, width=1.5), symbol=symbol,
                       symbolBrush=colour, symbolSize=7,
                       name="%s · %s" % (name, sid))
    layout.show()
    pg.mkQApp().processEvents()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pyqtgraph.exporters.ImageExporter(layout.scene()).export(path)
    layout.deleteLater()
    return path


def run(quick: bool = False, plot_path: str = None, medium: bool = False) -> dict:
    """The full bench draws docs/scale.png (the README's); --quick draws nothing unless asked."""
    plot_path = plot_path or (None if quick else PLOT_PATH)
    rows = measure(quick, medium)
    figures = {"points": rows, "load_1min_end": os.getloadavg()[0]}
    goals = []
    for r in rows:
        c, w = r["cli"], r["window"]
        ev = c.get("events")
        if r["scenario"] == "race" and ev:
            goals.append(common.goal("%s: events dropped" % r["point"], c.get("dropped"), "<=", 0))
            if c.get("verdict_s") is not None:
                goals.append(common.goal("%s: verdict" % r["point"], c["verdict_s"], "<=",
                                         round(max(1.0, ev / 8e6), 2), "s"))
            if w.get("end_to_painted_s") is not None:
                goals.append(common.goal("%s: end of run to painted" % r["point"],
                                         w["end_to_painted_s"], "<=", round(max(1.0, ev / 8e6), 2), "s"))
        for part, name in (("cli", "CLI"), ("window", "window")):
            if ev and r[part].get("peak_bytes") is not None and ev >= 1_000_000:
                goals.append(common.goal("%s: %s peak bytes per event above idle" % (r["point"], name),
                                         r[part]["peak_bytes"] / ev, "<=", 48, "B"))
    res = common.result("scale", figures, {"meaning": "each point's own figures; per event "
                                                      "figures compare points"}, goals,
                        notes=["load average (1 min) after each point is in the table"])
    res["table"] = table(rows)
    if plot_path:
        res["figures"]["plot"] = plot(rows, plot_path)
    return res


if __name__ == "__main__":  # python -m bench.scale [--quick | --medium] [--plot]
    quick, medium = "--quick" in sys.argv[1:], "--medium" in sys.argv[1:]
    with common.LoadMeter() as meter:
        t0 = time.monotonic()
        result = run(quick=quick, medium=medium,
                     plot_path=PLOT_PATH if "--plot" in sys.argv[1:] or medium else None)
    result = common.stamp(result, time.monotonic() - t0, quick, meter.other_cores)
    result["medium"] = medium
    common.write_results({"scale": result})
    common.print_result(result)
    print("plot: %s" % result["figures"].get("plot"))
    print("\n".join(result["table"]))
