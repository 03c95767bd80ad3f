"""The headless command line: list, run, report.  Exit codes: 0 ran, 1 failed, 2 bad input."""
import argparse
import json
import os
import signal
import sys

from . import allocator, compare_cli, interpreters, scenarios
from . import params as params_module
from .params import ParamError
from .scenario_file import ScenarioFileError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a Ctrl-C
_closed_fds = set()     # standard fds that were closed when we started (now /dev/null)
_unwritten = []         # outputs asked for and not yet written (named if Ctrl-C cuts in)


class BadInput(Exception):
    """Bad input from the user: one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own usage errors are bad input too
        raise BadInput(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gilscope", description="See Python threads, processes and the GIL.")
    sub = parser.add_subparsers(dest="command")
    listing = sub.add_parser("list", help="the scenarios, one a line")
    listing.add_argument("--params", action="store_true",
                         help="also each scenario's parameters: --set NAME=VALUE, bounds, default")
    run = sub.add_parser("run", help="run a scenario headless and print its verdict",
                         epilog="scenarios: %s. `list --params` shows what --set accepts."
                                % ", ".join(scenarios.IDS))
    run.add_argument("scenario", nargs="?", help="a scenario's id (see list)")
    run.add_argument("--file", metavar="FILE.py",
                     help="run your own scenario file instead (docs/SCENARIOS.md)")
    run.add_argument("--workers", type=str, help="worker count (the scenario's 'workers')")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="a scenario parameter; repeat for more")
    run.add_argument("--python", help="the interpreter that runs the scenario")
    run.add_argument("--json", metavar="FILE", help="write the result as JSON (- for stdout)")
    run.add_argument("--trace", metavar="FILE", help="write a Chrome/Perfetto trace JSON")
    run.add_argument("--save", metavar="FILE", help="save the recording (.gilscope)")
    run.add_argument("--lang", choices=("en", "zh_CN"), default="en")
    run.add_argument("--schedule", metavar="N,N,...",
                     help="the order of steps: thread numbers (1 = THREAD1), one per read, write "
                          "or lock step; 2*3 repeats (race, deadlock)")
    run.add_argument("--replay", metavar="FILE",
                     help="force the interleaving recorded in FILE.gilscope (its parameters too) "
                          "and check the run reads and writes the same values")
    source = sub.add_parser("source", help="print a scenario's program as the Source tab shows it",
                            epilog="With --set, its constants take those values (as a run with "
                                   "them would show); the output runs as it is: python FILE.py")
    source.add_argument("scenario")
    source.add_argument("--workers", type=str, help="worker count (the scenario's 'workers')")
    source.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a scenario parameter; repeat for more")
    source.add_argument("--lang", choices=("en", "zh_CN"), default="en",
                        help="the language of the program's comments")
    report = sub.add_parser("report", help="the verdict of a saved recording")
    report.add_argument("recording")
    report.add_argument("--file", metavar="FILE.py",
                        help="the scenario file a recording was made from")
    report.add_argument("--json", metavar="FILE")
    report.add_argument("--trace", metavar="FILE")
    report.add_argument("--lang", choices=("en", "zh_CN"), default="en")
    sub.add_parser("interpreters", help="the Pythons gilscope can run scenarios with")
    compare_cli.add_parser(sub)
    return parser


def main(argv) -> int:
    _guard_standard_streams()
    allocator.map_big_blocks()  # freed analysis temporaries go back to the system (engine/allocator.py)
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C anywhere outside a run's wait: one line, no traceback
        unwritten = ", ".join(_unwritten)
        say("interrupted" + ("; not written: %s" % unwritten if unwritten else ""))
        return EXIT_INTERRUPTED


def _main(argv) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "list":
            return _print_or_fail(cmd_list, args.params)
        if args.command == "run":
            return cmd_run(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "source":
            scenario = scenarios.get(args.scenario)
            values = params_module.resolve(scenario.params, _given(args))
            return _print_or_fail(lambda: print(scenario.shown_source(values, args.lang)) or EXIT_OK)
        if args.command == "compare":
            return compare_cli.run(args)
        if args.command == "interpreters":
            return _print_or_fail(cmd_interpreters)
        raise BadInput("no command given; use list, run, source, compare, report or interpreters")
    except (BadInput, ParamError, ScenarioFileError, scenarios.UnknownScenario,
            interpreters.InterpreterError) as exc:
        say(str(exc).strip("'\""))
        return EXIT_BAD_INPUT


def say(message: str) -> None:
    """One line on stderr, whatever the input held (a newline, text stderr cannot encode)."""
    line = "gilscope: %s\n" % message.replace("\r", "\\r").replace("\n", "\\n")
    try:
        sys.stderr.write(line)
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass  # stderr itself is gone: the exit code is all that is left to say it


def _guard_standard_streams() -> None:
    """Make stdout/stderr safe to use whatever the caller gave us.

    A closed fd 0, 1 or 2 gets /dev/null, so that no pipe a run opens takes its
    number (a runner's events would otherwise go to "stdout"); text that the
    terminal's encoding cannot show (PYTHONIOENCODING=ascii and a Chinese verdict)
    is escaped instead of raising.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            _closed_fds.add(fd)
    if sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)
    if sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def _silence_stdout() -> None:
    """After stdout failed: point fd 1 at /dev/null so the exit-time flush cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _print_or_fail(command, *args) -> int:
    """Run a command that only prints; a stdout that fails is a failure said in one line."""
    try:
        code = command(*args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # e.g. `gilscope list | head -1`: the reader left, as it may
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        _silence_stdout()
        say("cannot write to standard output: %s" % (exc.strerror or exc))
        return EXIT_FAILED


def cmd_interpreters() -> int:
    found = interpreters.find_all()
    width = max(len(info["executable"]) for info in found)
    for info in found:
        print("%-*s  %s%s" % (width, info["executable"], info["label"],
                              "  (bundled with gilscope)" if info.get("bundled") else ""))
    return EXIT_OK


def cmd_list(params: bool = False) -> int:
    for s in scenarios.all_scenarios():
        print("%-16s %s" % (s.id, s.title["en"]))
        for p in s.params if params else ():
            print("    %-18s %s; default %s — %s" % (p.name, p.allowed(), p.default, p.labelled("en")))
    return EXIT_OK


def _given(args) -> dict:
    given = {}
    for item in args.set:
        if "=" not in item:
            raise BadInput("--set %s: expected NAME=VALUE" % item)
        name, value = item.split("=", 1)
        given[name.strip()] = value
    if args.workers is not None:
        if "workers" in given and given["workers"].strip() != args.workers.strip():
            raise BadInput("--workers %s and --set workers=%s disagree; give one"
                           % (args.workers, given["workers"]))
        given["workers"] = args.workers
    return given


def chosen_scenario(args):
    """The scenario named by an id or by --file (one of the two).  Raises BadInput,
    UnknownScenario, ScenarioFileError."""
    if args.file is not None and args.scenario is not None:
        raise BadInput("give a scenario id or --file, not both")
    if args.file is not None:
        if not args.file.strip():
            raise BadInput("--file: empty path; name a scenario file (FILE.py)")
        if not args.file.endswith(".py"):
            raise BadInput("--file %s: a scenario file is Python source ending in .py" % args.file)
        return scenarios.get(os.path.abspath(args.file))
    if args.scenario is None:
        raise BadInput("a scenario is required: name one (see list) or your own file with --file FILE.py")
    if args.scenario.endswith(".py"):
        raise BadInput("%s: to run your own scenario file, use --file %s"
                       % (args.scenario, args.scenario))
    return scenarios.get(args.scenario)


def cmd_run(args) -> int:
    from .session import Session, SessionError
    scenario = chosen_scenario(args)
    given = _given(args)
    if args.python is not None and not args.python.strip():  # not "the default": a mistake
        raise BadInput("--python: empty path; name an interpreter or leave the option out")
    _check_writable(args)
    given, schedule, replayed = _scheduling(args, scenario, given)
    session = Session()
    interrupted = False
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        try:
            session.start(scenario.ref, given, python=args.python, schedule=schedule,
                          replay=replayed is not None)
        except SessionError as exc:
            raise BadInput(str(exc))
        try:
            session.wait()
        except KeyboardInterrupt:  # Ctrl-C: stop the whole tree, keep what was recorded
            interrupted = True
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut Stop short
            seconds = session.stop()
            say("stopped in %.2f s; reporting what was recorded" % seconds)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Stop (<= 1 s) is never cut short
        try:
            session.close()
        finally:
            signal.signal(signal.SIGINT, previous)
    data = session.data()  # the run's data: the Session's part (its processes) is over
    result = data.result()
    if replayed is not None:
        _check_replay(result, replayed, args.replay)
    code = _report(result, data, args)
    return EXIT_INTERRUPTED if interrupted and code != EXIT_BAD_INPUT else code


def _scheduling(args, scenario, given):
    """(params, schedule, the replayed recording's view or None) from --schedule / --replay."""
    if args.schedule is not None and args.replay is not None:
        raise BadInput("--schedule and --replay both set the order of steps; give one")
    if args.schedule is not None:
        return given, _parse_schedule(args.schedule), None
    if args.replay is None:
        return given, None, None
    from . import interleaving, recording
    if given:
        raise BadInput("--replay runs with the recording's own parameters; leave out --set "
                       "and --workers")
    try:
        loaded = recording.load(args.replay, scenario=scenario if scenario.ref != scenario.id else None)
    except recording.RecordingError as exc:
        raise BadInput(str(exc))
    if loaded.scenario.id != scenario.id:
        raise BadInput("%s is a recording of %s, not %s" % (args.replay, loaded.scenario.id,
                                                             scenario.id))
    view = loaded.result().view
    try:
        schedule = interleaving.schedule_of(view, scenario)
    except interleaving.ReplayError as exc:
        raise BadInput("cannot replay %s: %s" % (args.replay, exc))
    return dict(loaded.params), schedule, view


MAX_SCHEDULE_STEPS = 50_000_000  # about what a race of 16 threads x 1M iterations takes


def _parse_schedule(text: str) -> list:
    order = []
    for token in text.replace(" ", "").split(","):
        number, _, count = token.partition("*")
        if not number.isdigit() or (count and not count.isdigit()) or int(number) < 1:
            raise BadInput("--schedule: %r is not a thread number (1 = THREAD1), or N*COUNT"
                           % token)
        order.extend([int(number)] * min(int(count or 1), MAX_SCHEDULE_STEPS))
        if len(order) > MAX_SCHEDULE_STEPS:
            raise BadInput("--schedule: more than %d steps" % MAX_SCHEDULE_STEPS)
    return order


def _check_replay(result, original_view, path: str) -> None:
    from . import interleaving
    interleaving.check_replay(result, original_view, path)


def cmd_report(args) -> int:
    from . import compare_recording, recording
    _check_writable(args)
    try:
        if compare_recording.is_comparison(args.recording):  # a whole comparison, saved
            return compare_cli.report_saved(args)
        scenario = None
        if args.file is not None:
            if not args.file.endswith(".py"):
                raise BadInput("--file %s: a scenario file is Python source ending in .py"
                               % args.file)
            scenario = scenarios.get(os.path.abspath(args.file))
        loaded = recording.load(args.recording, scenario=scenario)
    except recording.RecordingError as exc:
        raise BadInput(str(exc))
    result = loaded.result()
    if result.verdict.error:
        raise BadInput("%s: its events do not hold what %s records (%s): corrupt"
                       % (args.recording, loaded.scenario.id, result.verdict.error))
    return _report(result, loaded, args)


def _outputs(args) -> list:
    """(flag, path) of every output asked for."""
    return [(flag, getattr(args, flag)) for flag in ("json", "trace", "save")
            if getattr(args, flag, None) is not None]


def _check_writable(args) -> None:
    outputs = _outputs(args)
    for flag, path in outputs:
        if not path.strip():
            raise BadInput("--%s needs a file name%s" % (flag, "" if flag == "save" else " (or - for standard output)"))
    if getattr(args, "save", None) == "-":
        raise BadInput("--save needs a file name: a recording is binary, not for the terminal")
    stdout_flags = ["--" + flag for flag, path in outputs if path == "-"]
    if len(stdout_flags) > 1:
        raise BadInput("%s both write to standard output; send one to a file"
                       % " and ".join(stdout_flags))
    files = [os.path.abspath(path) for _, path in outputs if path != "-"]
    if len(set(files)) < len(files):
        raise BadInput("two outputs name the same file; give each its own")
    for flag, path in outputs:
        if path != "-":
            # Check before the run, without creating the file: a run is not
            # started only to find at the end that its output cannot be kept.
            folder = os.path.dirname(os.path.abspath(path))
            if os.path.isdir(path):
                raise BadInput("cannot write %s: it is a folder" % path)
            if not os.path.isdir(folder):
                raise BadInput("cannot write %s: folder %s does not exist" % (path, folder))
            target = path if os.path.exists(path) else folder
            if not os.access(target, os.W_OK):
                raise BadInput("cannot write %s: permission denied" % path)


def _report(result, data, args) -> int:
    """Write the files asked for, then print the verdict: stdout's fate cannot cost a file."""
    lang = args.lang
    verdict = result.verdict
    ok = data.state in ("finished", "stopped") and verdict.ok
    code = EXIT_OK if ok else EXIT_FAILED
    write_error = _write_files(result, data, args)
    json_to_stdout = args.json == "-"
    out = sys.stderr if json_to_stdout else sys.stdout
    try:
        out.write("%s — %s\n" % (data.scenario.id, verdict.headline.get(lang, verdict.headline["en"])))
        for note in verdict.notes:
            out.write("  %s\n" % note.get(lang, note["en"]))
        for name, value in sorted(result.figures.items()):
            out.write("  %-26s %s\n" % (name, value))
        if data.problem:
            out.write("  problem: %s\n" % data.problem)
        out.flush()
        if json_to_stdout:
            if 1 in _closed_fds:
                raise BrokenPipeError("standard output is closed")
            sys.stdout.write(_json_text(result, data, args, ascii_only=not _utf8(sys.stdout)) + "\n")
        if getattr(args, "trace", None) == "-":
            if 1 in _closed_fds:
                raise BrokenPipeError("standard output is closed")
            from . import export
            export.write_chrome_trace(result.view, "-", export.phase_labels(data.scenario))
        sys.stdout.flush()
    except OSError as exc:
        _silence_stdout()
        stdout_output = json_to_stdout or getattr(args, "trace", None) == "-"
        if isinstance(exc, BrokenPipeError) and not stdout_output:
            pass  # only the human-readable verdict was lost: the reader left, as it may
        else:
            what = "the result" if stdout_output else "the verdict"
            say("cannot write %s to standard output: %s" % (what, exc.strerror or exc))
            code = EXIT_FAILED
    if write_error:
        say(write_error)
        return EXIT_BAD_INPUT
    return code


def _utf8(stream) -> bool:
    return (getattr(stream, "encoding", "") or "").lower().replace("-", "").startswith("utf8")


def _json_text(result, data, args, ascii_only: bool = False) -> str:
    doc = {"scenario": data.scenario.id, "params": data.params,
           "interpreter": data.interpreter, "state": data.state,
           "verdict": result.verdict.to_json(args.lang), "figures": result.figures}
    return json.dumps(doc, indent=2, ensure_ascii=ascii_only, default=str)


def _write_files(result, data, args) -> str:
    """Write every output asked for that goes to a file; return what failed, in words, or ""."""
    from . import export, recording, safe_files
    writers = []
    if args.json and args.json != "-":
        def write_json(path):
            with safe_files.replaced_atomically(path, "w") as f:
                f.write(_json_text(result, data, args) + "\n")
        writers.append((args.json, write_json))
    if getattr(args, "trace", None) and args.trace != "-":
        writers.append((args.trace, lambda path: export.write_chrome_trace(
            result.view, path, export.phase_labels(data.scenario))))
    if getattr(args, "save", None):
        writers.append((args.save, lambda path: recording.save(data, path)))
    _unwritten[:] = [path for path, _ in writers]
    failed = []
    for path, write in writers:
        try:
            write(path)
            _unwritten.remove(path)
        except OSError as exc:  # e.g. disk full, /proc: the verdict is still printed
            failed.append("cannot write %s: %s" % (path, exc.strerror or exc))
        except recording.RecordingError as exc:
            failed.append("cannot write %s: %s" % (path, exc))
    return "; ".join(failed)
