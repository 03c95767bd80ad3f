"""python -m bench [NAME ...] [--quick] [--out PATH]: run benches, print a table, write JSON.

``--markdown`` prints the last results' goals as a Markdown table instead.

With no NAME every bench runs, in the order of BENCHES.  Results are merged into
bench/results.json (or --out) under each bench's name, so running one bench keeps
the others' last figures.  Exit code 0 when every bench ran (a missed goal is a
figure, not a failure), 1 when one could not run, 2 for an unknown name.
"""
import argparse
import importlib
import json
import sys
import time
import traceback

from bench import BENCHES, common


def load(name: str):
    """The bench's module, imported on use (render is another module's, GUI ones pull Qt)."""
    return importlib.import_module("bench." + dict(BENCHES)[name])


def render_result(raw: dict, module) -> dict:
    """bench/render.py reports its own shape ({"results": [per size]}): add the goals.

    Its wall-clock frame times come with the process time of the same frames,
    which is the baseline here: wall far above CPU means the frame waited for a core.
    """
    goals, baseline = [], {"load_avg": raw.get("load_avg")}
    views = ("full", "zoom 1%", "pan 1%")
    for r in raw.get("results", []):
        size = "%s spans x %d lanes" % ("{:,}".format(r["spans"]), r["lanes"])
        if r.get("goal_ms") is not None:
            goals += [common.goal("%s: %s frame" % (size, v), r[v + " ms"], "<=", r["goal_ms"], "ms")
                      for v in views if v + " ms" in r]
        if "bytes_per_span" in r:
            goals.append(common.goal("%s: bytes per span with its index (resident)" % size, r["bytes_per_span"],
                                     "<=", 80, "B"))
        baseline[size] = {v + " cpu ms": r.get(v + " cpu ms") for v in views}
    res = common.result("render", raw, baseline, goals)
    if hasattr(module, "table"):
        res["table"] = module.table(raw).splitlines()
    return res


def run_one(name: str, quick: bool) -> dict:
    t0 = time.monotonic()
    with common.LoadMeter() as load_meter:
        try:
            module = load(name)
            res = module.run(quick=quick)
            if "goals" not in res and name == "render":
                res = render_result(res, module)
        except Exception as exc:  # one broken bench must not cost the others' figures
            res = common.result(name, {}, {}, [], notes=["could not run: %s" % exc])
            res["error"] = traceback.format_exc(limit=6)
    res.setdefault("bench", name)
    return common.stamp(res, time.monotonic() - t0, quick, load_meter.other_cores)


def summary(results: dict) -> list:
    lines = ["", "%-12s %7s  %s" % ("bench", "seconds", "goals")]
    for name, res in results.items():
        goals = res.get("goals", [])
        met = sum(1 for g in goals if g["met"])
        missed = [g["name"] for g in goals if g["met"] is False]
        state = "ERROR" if "error" in res else "%d/%d met" % (met, len(goals))
        lines.append("%-12s %7.1f  %s%s" % (name, res.get("seconds", 0.0), state,
                                            ("; missed: " + ", ".join(missed)) if missed else ""))
    return lines


def markdown(path: str) -> str:
    """The goals of the last results at path as a Markdown table (for README.md, "Performance")."""
    with open(path, encoding="utf-8") as f:
        benches = json.load(f)["benches"]
    lines = ["| bench | goal | measured | met |", "|---|---|---|---|"]
    for name, _ in BENCHES:
        res = benches.get(name)
        if res is None:
            continue
        if "error" in res:
            lines.append("| %s | - | could not run | - |" % name)
        for g in res.get("goals", []):
            unit = (" " + g["unit"]) if g["unit"] else ""
            lines.append("| %s | %s %s %s%s | %s%s | %s |" % (
                name, g["name"], g["op"], g["limit"], unit,
                "-" if g["value"] is None else "%.4g" % g["value"], unit,
                {True: "yes", False: "**no**", None: "-"}[g["met"]]))
    return "\n".join(lines)


def main(argv=None) -> int:
    names = [name for name, _ in BENCHES]
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="benches to run: " + ", ".join(names))
    parser.add_argument("--quick", action="store_true", help="a smaller version of each (for the tests)")
    parser.add_argument("--out", default=common.RESULTS_PATH, help="results file (default: %(default)s)")
    parser.add_argument("--markdown", action="store_true",
                        help="print the goals of the results file as a Markdown table; run nothing")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown(args.out))
        return 0
    unknown = [n for n in args.names if n not in names]
    if unknown:
        sys.stderr.write("unknown bench %s; known: %s\n" % (", ".join(unknown), ", ".join(names)))
        return 2
    chosen = args.names or names
    print("machine: %(cpu)s, %(cores)s cores, %(memory_gib)s GiB, %(system)s" % common.machine())
    print("interpreter: Python %s (%s)" % (common.current_interpreter()["version"], sys.executable))
    results, t0 = {}, time.monotonic()
    for name in chosen:
        res = run_one(name, args.quick)
        results[name] = res
        common.print_result(res)
        if "error" in res:
            sys.stderr.write(res["error"])
        common.write_results({name: res}, args.out)  # each as it ends: a later crash keeps it
    for line in summary(results):
        print(line)
    print("total %.1f s; results in %s" % (time.monotonic() - t0, args.out))
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
