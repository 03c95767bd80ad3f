"""What every bench shares: statistics, the machine, interpreters, child scripts, results.json.

A bench is a module with ``run(quick: bool = False) -> dict``.  The dict it
returns is built with ``result()``: its figures, the baseline those figures are
measured against in the same run, and its goals, each checked here (``goal``).
``__main__`` adds the machine and the time and merges it into bench/results.json
under the bench's name, so running one bench leaves the others' figures alone.
"""
import datetime
import json
import os
import platform
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
RESULTS_PATH = os.path.join(BENCH_DIR, "results.json")
SCHEMA = 1

if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


# -- statistics ----------------------------------------------------------------
def median(values) -> float:
    """The middle value (the mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("median of nothing")
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def rounded(value, digits: int = 3):
    """Round floats (nested in dicts/lists too) so results.json stays readable."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value


# -- goals and results ---------------------------------------------------------
def goal(name: str, value, op: str, limit, unit: str = "") -> dict:
    """One goal from the issue's table, checked against the measured value."""
    if op not in ("<=", ">="):
        raise ValueError("op must be <= or >=")
    met = None if value is None else (value <= limit if op == "<=" else value >= limit)
    return {"name": name, "value": rounded(value, 4), "op": op, "limit": limit, "unit": unit,
            "met": met}


def result(name: str, figures: dict, baseline: dict, goals: list, interpreter: dict = None,
           notes: list = ()) -> dict:
    """A bench's answer: what it measured, against what, and whether each goal holds."""
    return {"bench": name, "figures": rounded(figures), "baseline": rounded(baseline),
            "goals": list(goals), "interpreter": interpreter or current_interpreter(),
            "notes": list(notes)}


def stamp(res: dict, seconds: float, quick: bool, other_cores: float = None) -> dict:
    """Add the machine, the time, the run's duration and the others' load to a result."""
    res = dict(res)
    res.setdefault("figures", {})
    res.setdefault("baseline", {})
    res.setdefault("goals", [])
    res.setdefault("interpreter", current_interpreter())
    res["machine"] = machine()
    res["quick"] = bool(quick)
    res["seconds"] = round(seconds, 2)
    res["other_load_cores"] = None if other_cores is None else round(other_cores, 2)
    res["when"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return res


def write_results(results: dict, path: str = RESULTS_PATH) -> None:
    """Merge {bench name: result} into the JSON file at path (atomically)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("schema") != SCHEMA or not isinstance(data.get("benches"), dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    benches = data.get("benches", {})
    benches.update(results)
    data = {"schema": SCHEMA, "command": "python -m bench", "benches": benches}
    from engine.safe_files import replaced_atomically  # no planted PATH.tmp is followed
    with replaced_atomically(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=False)
        f.write("\n")


# -- the machine and interpreters ----------------------------------------------
def machine() -> dict:
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = None
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": model, "cores": os.cpu_count(), "usable_cores": usable,
            "memory_gib": round(memory / 2 ** 30, 1) if memory else None,
            "system": "%s %s" % (platform.system(), platform.release()),
            "load_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}


def current_interpreter() -> dict:
    import sysconfig
    is_gil = getattr(sys, "_is_gil_enabled", None)
    return {"executable": sys.executable, "version": platform.python_version(),
            "free_threaded_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
            "gil_enabled": bool(is_gil()) if is_gil else True, "app": True}


def interpreters() -> list:
    """The app's interpreter first, then every other CPython >= 3.9 found, one per build.

    Two paths to the same version and build (pyenv shims, a venv over a pyenv
    Python) are one interpreter; they would measure the same binary twice.
    """
    from engine import interpreters as finder
    found, seen = [], set()
    app = current_interpreter()
    found.append(app)
    seen.add((app["version"], app["free_threaded_build"]))
    for info in finder.find_all():
        key = (info["version"], info["free_threaded_build"])
        if key in seen:
            continue
        seen.add(key)
        found.append({"executable": info["executable"], "version": info["version"],
                      "free_threaded_build": info["free_threaded_build"],
                      "gil_enabled": info["gil_enabled"], "app": False})
    found[1:] = sorted(found[1:], key=lambda i: tuple(int(x) for x in i["version"].split(".")[:3]
                                                      if x.isdigit()))
    return found


# -- child scripts ---------------------------------------------------------------
def child_command(python: str, module: str, *args: str) -> list:
    """Run ``bench.<module>.child_main(args)`` like the runner runs: isolated (-I), the
    repo on sys.path.  Child code is standard library only and Python 3.9 syntax."""
    code = ("import sys; sys.path.insert(0, %r); from bench.%s import child_main; "
            "sys.exit(child_main(sys.argv[1:]))" % (REPO_ROOT, module))
    return [python, "-I", "-c", code] + [str(a) for a in args]


def run_json(command: list, timeout: float, pass_fds=(), env=None) -> dict:
    """Run a child that prints one JSON object as its last line; return that object."""
    out = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                         stdin=subprocess.DEVNULL, pass_fds=pass_fds, env=env)
    if out.returncode != 0:
        raise RuntimeError("%s exited with %d: %s" % (" ".join(command[:3]), out.returncode,
                                                      out.stderr.strip()[-2000:]))
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError("%s printed nothing" % " ".join(command[:3]))
    return json.loads(lines[-1])


def _busy_and_own_s():
    """(whole machine's non-idle CPU seconds, this process's and its reaped children's)."""
    import resource
    with open("/proc/stat", encoding="utf-8") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")  # guest time is inside user
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        own += usage.ru_utime + usage.ru_stime
    return busy, own


class LoadMeter:
    """Cores kept busy by other programs while a bench ran (a shared machine's noise).

    Own time counts this process and every descendant already reaped (a runner's
    guardian reaps its tree, so a finished Session's processes count as ours).
    """

    def __enter__(self) -> "LoadMeter":
        self.other_cores = None
        try:
            self._start = _busy_and_own_s()
        except (OSError, ValueError, IndexError):
            self._start = None
        self._t0 = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        if self._start is None:
            return
        busy, own = _busy_and_own_s()
        wall = max(1e-9, time.monotonic() - self._t0)
        self.other_cores = max(0.0, ((busy - self._start[0]) - (own - self._start[1])) / wall)


def wait_quiet(max_s: float, threshold_cores: float = 0.25, step_s: float = 0.5) -> float:
    """Wait (at most max_s) until other programs use under threshold_cores; return their last load.

    On a shared machine a speedup measured while something else holds a core is
    the other program's figure, not ours; a short wait often avoids that.
    """
    deadline = time.monotonic() + max_s
    while True:
        with LoadMeter() as meter:
            time.sleep(step_s)
        if meter.other_cores is None or meter.other_cores < threshold_cores or time.monotonic() >= deadline:
            return meter.other_cores


# -- the table ---------------------------------------------------------------------
def format_goal(g: dict) -> str:
    mark = {True: "ok", False: "MISSED", None: "n/a"}[g["met"]]
    unit = (" " + g["unit"]) if g["unit"] else ""
    value = "-" if g["value"] is None else g["value"]
    return "  %-6s %-52s %s%s (goal %s %s%s)" % (mark, g["name"], value, unit, g["op"], g["limit"], unit)


def print_result(res: dict, stream=None) -> None:
    stream = stream or sys.stdout
    interp = res.get("interpreter") or {}
    stream.write("\n== %s  (%.1f s, Python %s%s)\n" % (
        res.get("bench", "?"), res.get("seconds", 0.0), interp.get("version", "?"),
        ", quick" if res.get("quick") else ""))
    for line in res.get("table", []):
        stream.write("  " + line + "\n")
    for g in res.get("goals", []):
        stream.write(format_goal(g) + "\n")
    for note in res.get("notes", []):
        stream.write("  note: %s\n" % note)
    stream.flush()
