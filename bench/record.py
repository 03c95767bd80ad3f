"""record: one recorded event in a worker, against its floor and against VizTracer, per interpreter.

Each interpreter found runs ``child_main`` (standard library only, started with -I
like the runner) twice: once natively for time, once under ``valgrind
--tool=callgrind`` for instructions, which do not change with the machine's load.
One child measures every loop below in the same process, on the same ``for i in
range(n)`` loop, each net of that loop run bare (timed: every loop in turn, repeat
after repeat, median; counted: gilscope's loops before VizTracer is imported, which
would add about 200 instructions to each of gilscope's events on 3.9):

  gilscope      ``rec.event(var_write, 1, i)`` on the real ``engine.recorder`` Sink, whose
                flushes go to a pipe a forked child drains (the clock is taken inside);
  gilscope_at   race's hot path: ``t = now(); event_at(t, var_write, vid, i, line)``;
  floor         the same record written inline, with no recorder: ``perf_counter_ns()``,
                ``RECORD.pack_into`` into a bytearray and one ``os.write`` per 127 records;
  viz_counter   VizTracer's counter event while VizTracer traces (as a user meets it):
                ``add_counter("ret", {"ret": i})``;
  viz_counter_alone  the same call with VizTracer's profile hook off (the record alone);
  viz_fee       VizTracer's record of one function entry and exit: a call of an empty
                function traced, net of the same call untraced.

Callgrind runs the child with ``--dump-before=getppid``: the child calls
``os.getppid()`` before and after each loop, so each loop's instructions come in a
dump of their own.  VizTracer is used where it is installed for that interpreter,
or installed into a cache folder outside the repository (``pip install --target``,
added to the child's sys.path only); where it cannot be, its figures are skipped by
name (``python -m bench record --quick``: the app's interpreter only, no install).
Goals per interpreter: gilscope's event at or below VizTracer's counter
event (instructions and time) and within 1.3x the floor (instructions; time shown).
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

from bench import common

FLOOR_FACTOR = 1.3
PHASES = ("bare", "gilscope", "gilscope_at", "batched", "floor", "viz_counter", "viz_counter_alone",
          "viz_call", "viz_traced_call")
VIZ_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "gilscope-bench", "viztracer")


# -- the measured interpreter (standard library only, Python 3.9 syntax) -------------------
def _nothing():
    pass


def _loops(n: int, write_fd: int) -> dict:
    """{phase: (setup, loop, teardown)}: each loop runs n iterations of one record."""
    from engine import recorder, wire
    from engine.wire import K
    sink = recorder.install(write_fd, event_ns=0)  # the cost is what this bench measures
    rec = sink.recorder("bench")
    event, event_at = rec.event, rec.event_at
    var_write, now = K.VAR_WRITE, time.perf_counter_ns
    pack, write = wire.RECORD.pack_into, os.write
    pid, worker, size = os.getpid(), 1, wire.RECORD_SIZE
    full = wire.MAX_FRAME - size

    def bare():
        for i in range(n):
            pass

    def gilscope():
        for i in range(n):
            event(var_write, 1, i)

    def gilscope_at():
        for i in range(n):
            t = now()
            event_at(t, var_write, 1, i, 3)

    def batched():
        # race's accesses (engine/batch.py): the clock and one append an event
        batch = rec.batch(((var_write, 1, 3),) * 4)
        add = batch.add
        room, due = batch.drain()
        for i in range(n // 4):
            t = now()
            add((t, i))
            t = now()
            add((t, i))
            t = now()
            add((t, i))
            t = now()
            add((t, i))
            room -= 1
            if room <= 0 or t > due:
                room, due = batch.drain()
        batch.drain()

    def floor():
        buf, off = bytearray(wire.MAX_FRAME), 0
        for i in range(n):
            pack(buf, off, now(), pid, worker, var_write, 0, 1, i)
            off += size
            if off > full:
                write(write_fd, buf)
                off = 0

    return {"bare": (_nothing, bare, _nothing), "gilscope": (_nothing, gilscope, rec.flush),
            "gilscope_at": (_nothing, gilscope_at, rec.flush), "batched": (_nothing, batched, _nothing),
            "floor": (_nothing, floor, _nothing)}


def _viz_loops(n: int, viz_dir: str) -> dict:
    """VizTracer's loops, made after gilscope's have run: importing and starting it once
    costs later loops instructions (3.9: about 200 more per gilscope event)."""
    if viz_dir and viz_dir not in sys.path:
        sys.path.append(viz_dir)
    from viztracer import VizTracer
    tracer = VizTracer(verbose=0, tracer_entries=max(10000, 4 * n))
    tracer.start()  # its constructor leaves a profile hook on; start and stop take it off
    tracer.stop()
    counter = tracer.add_counter

    def viz_counter():
        for i in range(n):
            counter("ret", {"ret": i})

    def empty():
        pass

    def viz_call():
        for i in range(n):
            empty()

    return {"viz_counter": (tracer.start, viz_counter, tracer.stop),
            "viz_counter_alone": (_nothing, viz_counter, tracer.clear),
            "viz_call": (_nothing, viz_call, _nothing),
            "viz_traced_call": (tracer.start, viz_call, tracer.stop)}


def child_main(args) -> int:
    """args: mode (time | instructions), n, repeats, VizTracer dir ("-": none, "": importable).
    Prints {"version", "phases", "ns": {phase: [ns per iteration, per repeat]}, "dropped"}."""
    import json
    mode, n, repeats, viz = args[0], int(args[1]), int(args[2]), args[3]
    read_fd, write_fd = os.pipe()
    drainer = os.fork()
    if drainer == 0:  # the reader end, as the Session's reader thread would be
        os.close(write_fd)
        while os.read(read_fd, 1 << 20):
            pass
        os._exit(0)
    os.close(read_fd)
    ns, order = {}, []
    mark = os.getppid  # callgrind dumps its counts before each call (--dump-before=getppid)
    groups = [lambda: _loops(n, write_fd)] + ([] if viz == "-" else [lambda: _viz_loops(n, viz)])
    if mode == "time":  # every loop in turn, repeat after repeat: a change of load hits all
        each = list(groups)
        groups = [lambda: dict(kv for make in each for kv in make().items())]
    # Counted, each of gilscope's loops runs before VizTracer is imported.
    for make in groups:
        loops = make()
        phases = [p for p in PHASES if p in loops]
        order += phases
        for phase in phases:
            ns[phase] = []
        for _ in range(repeats if mode == "time" else 1):
            for phase in phases:
                setup, loop, teardown = loops[phase]
                setup()
                if mode == "time":
                    t0 = time.perf_counter_ns()
                    loop()
                    ns[phase].append((time.perf_counter_ns() - t0) / n)
                else:
                    mark()
                    loop()
                    mark()
                teardown()
    from engine import recorder
    dropped = recorder.sink().dropped
    os.close(write_fd)
    os.waitpid(drainer, 0)
    print(json.dumps({"version": sys.version.split()[0], "phases": order, "ns": ns,
                      "dropped": dropped}))
    return 0


# -- the bench's process ---------------------------------------------------------------------
def viztracer_dir(python: str, version: str, install: bool) -> tuple:
    """(argument for the child, note): "" when python imports VizTracer as it is, a cache
    folder VizTracer was installed into for it, or "-" (and why) when neither."""
    probe = [python, "-I", "-c", "import viztracer"]
    if subprocess.run(probe, capture_output=True, timeout=60).returncode == 0:
        return "", ""
    target = os.path.join(VIZ_CACHE, version)
    check = [python, "-I", "-c", "import sys; sys.path.append(%r); import viztracer" % target]
    if os.path.isdir(target) and subprocess.run(check, capture_output=True, timeout=60).returncode == 0:
        return target, ""
    if not install:
        return "-", "VizTracer is not installed for Python %s (the full bench installs it)" % version
    try:
        out = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              "--target", target, "viztracer"], capture_output=True, text=True,
                             timeout=300, stdin=subprocess.DEVNULL)
        ok = out.returncode == 0 and subprocess.run(check, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired) as exc:
        ok, out = False, exc
    if ok:
        return target, ""
    shutil.rmtree(target, ignore_errors=True)
    return "-", "VizTracer could not be installed for Python %s: %s" % (
        version, str(getattr(out, "stderr", out)).strip().splitlines()[-1:] or "?")


def instructions(python: str, n: int, viz: str) -> dict:
    """{phase: instructions per iteration} from one callgrind run of the child."""
    folder = tempfile.mkdtemp(prefix="gilscope-callgrind-")
    try:
        command = (["valgrind", "--tool=callgrind", "--dump-before=getppid",
                    "--callgrind-out-file=" + os.path.join(folder, "cg.%p")]
                   + common.child_command(python, "record", "instructions", n, 1, viz))
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True)
        out, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise RuntimeError("callgrind run exited with %d: %s" % (proc.returncode, err[-1500:]))
        import json
        phases = json.loads(out.strip().splitlines()[-1])["phases"]
        totals = {}
        for path in glob.glob(os.path.join(folder, "cg.%d.*" % proc.pid)):
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.startswith("summary:"):
                        totals[int(path.rsplit(".", 1)[1])] = int(line.split()[1])
                        break
        # Dump 1: start-up; then, per phase, its loop (even dumps) and what came between.
        if sorted(totals) != list(range(1, 2 * len(phases) + 1)):
            raise RuntimeError("callgrind wrote dumps %s for %d loops" % (sorted(totals), len(phases)))
        return {phase: totals[2 + 2 * k] / n for k, phase in enumerate(phases)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _net(per: dict, phase: str):
    """A loop's figure net of the bare loop (None when it was not measured)."""
    if phase == "viz_fee":
        return per["viz_traced_call"] - per["viz_call"] if "viz_call" in per else None
    return per[phase] - per["bare"] if phase in per else None


def measure_time(info: dict, n_time: int, repeats: int, install: bool) -> dict:
    """Time per event of every loop (net of the bare loop) in one native child."""
    python, version = info["executable"], info["version"]
    viz, note = viztracer_dir(python, version, install)
    raw = common.run_json(common.child_command(python, "record", "time", n_time, repeats, viz),
                          timeout=300)
    ns = {p: common.median(v) for p, v in raw["ns"].items()}
    per_ns = {p: _net(ns, p) for p in ("gilscope", "gilscope_at", "batched", "floor", "viz_counter",
                                        "viz_counter_alone", "viz_fee")}
    return {"version": version, "executable": python, "app": info["app"], "ns": per_ns,
            "bare_ns": ns["bare"], "dropped": raw["dropped"], "viztracer": note or "measured",
            "viz_dir": viz}


def count_instructions(m: dict, n_instr: int) -> dict:
    """Add instructions per event (net of the bare loop) from one callgrind child."""
    ir = instructions(m["executable"], n_instr, m.pop("viz_dir"))
    m["instructions"] = {p: _net(ir, p) for p in m["ns"]}
    m["bare_instructions"] = ir["bare"]
    return m


def _ratio(a, b):
    return None if a is None or not b else a / b


def run(quick: bool = False) -> dict:
    # quick: the app's interpreter only, VizTracer where already installed (a test's budget)
    n_time, repeats, n_instr = (20_000, 3, 2_000) if quick else (100_000, 5, 5_000)
    found = common.interpreters()[:1] if quick else common.interpreters()
    notes = [] if shutil.which("valgrind") else [
        "valgrind not found (apt-get install valgrind): instructions not counted"]
    table, goals = [], []
    table.append("%-8s %-12s %s  %5s  %5s" % ("python", "per event", " ".join(
        "%9s" % h for h in ("gilscope", "race-path", "floor", "viz-count", "(alone)", "viz-e/x")),
        "g/viz", "g/flr"))
    # Time first, one interpreter after the other (a second child would share the cores);
    # then instructions, two callgrind children at a time: their counts do not depend on load.
    per_python = [measure_time(info, n_time, repeats, install=not quick) for info in found]
    if shutil.which("valgrind"):
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max(1, min(2, os.cpu_count() or 1))) as pool:
            per_python = list(pool.map(lambda m: count_instructions(m, n_instr), per_python))
    for m in per_python:
        m.pop("viz_dir", None)
        if m["viztracer"] != "measured":
            notes.append(m["viztracer"])
        v = m["version"] + ("*" if m["app"] else "")
        for unit, key in (("ns", "ns"), ("instr", "instructions")):
            f = m.get(key)
            if f is None:
                continue
            cells = ["%9s" % ("-" if f.get(p) is None else "%.0f" % f[p]) for p in
                     ("gilscope", "gilscope_at", "floor", "viz_counter", "viz_counter_alone", "viz_fee")]
            vs_viz, vs_floor = _ratio(f["gilscope"], f.get("viz_counter")), _ratio(f["gilscope"], f["floor"])
            table.append("%-8s %-12s %s  %5s  %5s" % (v, unit, " ".join(cells),
                                                     "-" if vs_viz is None else "%.2f" % vs_viz,
                                                     "%.2f" % vs_floor))
            if key == "instructions":
                goals.append(common.goal("%s: gilscope / VizTracer counter event, instructions"
                                         % m["version"], vs_viz, "<=", 1.0, "x"))
                goals.append(common.goal("%s: gilscope / floor, instructions" % m["version"],
                                         vs_floor, "<=", FLOOR_FACTOR, "x"))
            else:
                goals.append(common.goal("%s: gilscope / VizTracer counter event, time" % m["version"],
                                         vs_viz, "<=", 1.0, "x"))
    app = per_python[0]
    figures = {"app_ns_per_event": app["ns"]["gilscope"],
               "app_instructions_per_event": (app.get("instructions") or {}).get("gilscope"),
               "time_iterations": n_time, "repeats": repeats, "instruction_iterations": n_instr,
               "per_interpreter": per_python}
    baseline = {"meaning": "every figure is per event, net of the same loop run bare, in one "
                           "child per interpreter (time: median over repeats; instructions: "
                           "callgrind); floor: the record written inline; viz_counter: "
                           "VizTracer's add_counter while it traces",
                "app_bare_loop_ns": app["bare_ns"], "load_avg": os.getloadavg()[0]}
    res = common.result("record", figures, baseline, goals, notes=notes)
    res["table"] = table + ["* the app's interpreter; race-path: event_at after the caller's clock; "
                            "viz-count: VizTracer's counter event while it traces, (alone): with its "
                            "profile hook off; viz-e/x: its function entry/exit record; g/viz, g/flr: "
                            "gilscope's event over VizTracer's counter, over the floor"]
    return res
