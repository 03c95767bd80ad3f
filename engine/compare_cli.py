"""`gilscope compare SCENARIO ...`: the command line of engine/compare.py.

Exit codes as `run`: 0 every run finished and its verdict is sound, 1 a run
failed, 2 bad input (one line, before anything runs), 130 stopped by Ctrl-C
(what finished is still reported and written).
"""
import json
import signal
import sys
import time

from . import compare, compare_verdict

EXIT_INTERRUPTED = 130


def add_parser(sub) -> None:
    from . import scenarios
    p = sub.add_parser(
        "compare", help="run a scenario on several Pythons or settings, N times each",
        epilog="e.g. compare race --python 3.9 --python 3.12 --set traced=off --repeat 5; "
               "compare race --vary lock=off,on. scenarios: %s. `list --params` shows the "
               "parameters; `interpreters` the Pythons found." % ", ".join(scenarios.IDS))
    p.add_argument("scenario", nargs="?", help="a scenario's id (see list)")
    p.add_argument("--file", metavar="FILE.py", help="compare your own scenario file instead")
    p.add_argument("--python", action="append", default=[], metavar="PATH|3.X",
                   help="an interpreter (a path, or a version such as 3.9 or 3.13t among those "
                        "found here); repeat for more")
    p.add_argument("--vary", action="append", default=[], metavar="NAME=V1,V2",
                   help="a parameter to vary (or PYTHON_GIL=0,1 on free-threaded builds); "
                        "several multiply")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter for every run; repeat for more")
    p.add_argument("--workers", type=str, help="worker count for every run")
    p.add_argument("--repeat", type=str, default="1", metavar="N",
                   help="runs of each combination (1 to %d)" % compare.MAX_REPEAT)
    p.add_argument("--json", metavar="FILE", help="write the comparison as JSON (- for stdout)")
    p.add_argument("--save", metavar="FILE", help="save every run in one recording (.gilscope)")
    p.add_argument("--lang", choices=("en", "zh_CN"), default="en")


def run(args) -> int:
    """The `compare` command (engine.cli dispatches here)."""
    from .cli import BadInput, _check_writable, _given, chosen_scenario
    try:
        repeat = int(args.repeat.strip(), 10)
    except ValueError:
        raise BadInput("--repeat %s: expected a whole number from 1 to %d"
                       % (args.repeat, compare.MAX_REPEAT))
    _check_writable(args)
    try:
        the_plan = compare.plan(chosen_scenario(args).ref, args.python, args.vary, _given(args), repeat)
    except compare.CompareError as exc:
        raise BadInput(str(exc))
    err = sys.stderr
    for skip in the_plan.skipped:
        err.write("gilscope: skipped %s — %s\n" % (skip["what"], skip["reason"]))
    how = (the_plan.reason.get(args.lang, the_plan.reason["en"]) if the_plan.reason
           else "%d side by side" % the_plan.concurrency)
    n = len(the_plan.combinations)
    err.write("gilscope: %s: %d combination%s x %d run%s; %s\n" % (
        the_plan.scenario.id, n, "" if n == 1 else "s", repeat, "" if repeat == 1 else "s", how))
    comparison = compare.Comparison(the_plan, keep_events=bool(args.save))
    interrupted = False
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        comparison.start()
        _follow(comparison, err)
    except KeyboardInterrupt:  # Ctrl-C: stop every run's whole tree, report what finished
        interrupted = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut Stop short
        seconds = comparison.stop()
        err.write("gilscope: stopped in %.2f s; reporting the runs that finished\n" % seconds)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            comparison.stop()  # no-op when it ended by itself
        finally:
            signal.signal(signal.SIGINT, previous)
    code = report(comparison, args)
    return EXIT_INTERRUPTED if interrupted and code != 2 else code


def _follow(comparison, err) -> None:
    """Wait, saying each run as it ends (on stderr: stdout is for the result)."""
    said = set()
    while True:
        ended = comparison.done
        for i, slot in enumerate(comparison.slots):
            if i not in said and slot.state not in ("waiting", "running"):
                said.add(i)
                if slot.state != "not run":
                    err.write("  %s #%d: %s\n" % (slot.combination.label, slot.repeat, _one_line(slot)))
        if ended:
            return
        time.sleep(0.05)


def _one_line(slot) -> str:
    head = slot.headline.get("en", "") if slot.headline else ""
    return "%s%s%s" % (slot.state, " — " + head if head else "",
                       " (%s)" % slot.problem if slot.problem else "")


def report(comparison, args) -> int:
    """Write the files asked for, then print the verdict and the table; the exit code."""
    from .cli import BadInput
    lang = args.lang
    plan, slots = comparison.plan, comparison.slots
    doc = compare_verdict.to_json(plan, slots, comparison.state, comparison.wall_s, lang)
    text = json.dumps(doc, indent=2, ensure_ascii=False, default=str)
    try:
        from . import compare_recording
        if getattr(args, "json", None) and args.json != "-":
            compare_recording.write_atomically(args.json, (text + "\n").encode("utf-8"))
        if getattr(args, "save", None):
            compare_recording.save(comparison, args.save)
    except OSError as exc:
        raise BadInput("cannot write %s: %s" % (exc.filename or "output", exc.strerror or exc))
    out = sys.stderr if getattr(args, "json", None) == "-" else sys.stdout
    verdict = doc["verdict"]
    out.write("%s — %s\n" % (plan.scenario.id, verdict["headline"]))
    for sentence in verdict["sentences"]:
        if sentence != verdict["headline"]:
            out.write("  %s\n" % sentence)
    out.write("\n")
    for line in compare_verdict.table_lines(plan, slots, lang):
        out.write("  %s\n" % line)
    out.write("  (%d runs in %.1f s)\n" % (len(slots), comparison.wall_s))
    if getattr(args, "json", None) == "-":
        sys.stdout.write(text + "\n")
    failed = any(s.state == "failed" or (s.state == "finished" and not s.ok) for s in slots)
    return 1 if failed else 0


def report_saved(args) -> int:
    """`report FILE` of a saved comparison: the same verdict, from its events."""
    from . import compare_recording
    from .cli import BadInput
    if getattr(args, "trace", None):
        raise BadInput("--trace writes one run; %s is a comparison of several" % args.recording)
    loaded = compare_recording.load(args.recording)
    args.save = None
    return report(loaded, args)
