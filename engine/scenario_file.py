"""Your own scenario, from a file: `main.py run --file my_scenario.py`, File ▸ Open scenario….

Standard library only, Python 3.9 syntax: the runner (any CPython >= 3.9) loads the
file too, to run it.  The contract is the built-in scenarios' one, written as plain
module-level names instead of a ``Scenario(...)`` call (docs/SCENARIOS.md):

    run(ctx, p)          required: the work, with ctx's traced threads, processes, locks ...
    PARAMS               a tuple of engine.params.Param (default: none)
    TITLE, LESSON        text: a str, or {"en": ..., "zh_CN": ...} (default: the file's name)
    verdict(run, p)      returns a base.Verdict (default: every ctx.value recorded, as figures)
    FIGURES, PHASES      {name: {"en": ..., "zh_CN": ...}}: figure labels, phases marked
    SHOWS                extra views: any of "trace", "queue", "tasks"
    GROUP, GATES         as a built-in's Scenario(group=, gates=)

Everything wrong with a file is a ScenarioFileError with one line that names the file and
what to fix (a missing file, a syntax error and its line, an exception while loading, a
missing run, a bad PARAMS); the CLI turns it into exit code 2, the window into a message.
The module's top level runs wherever the file is loaded (the window or CLI, for its
declarations and verdict; the runner, for run()), so it should only declare: the work
belongs in run(), which only the runner calls.
"""
import hashlib
import importlib.util
import inspect
import os
import re
import stat
import sys

from .params import Param
from .scenarios.base import GROUPS, Scenario, Verdict, text

MAX_FILE_BYTES = 1 << 20  # a scenario is a page or two of Python; a bigger file is a mistake
KNOWN_VIEWS = ("trace", "queue", "tasks")


class ScenarioFileError(ValueError):
    """A scenario file that cannot be used; the message names the file and the fix."""


def is_file_ref(ref: str) -> bool:
    """True if a scenario reference names a file (built-in ids never end in .py)."""
    return isinstance(ref, str) and ref.endswith(".py")


def load(path: str) -> Scenario:
    """The Scenario a file declares.  Raises ScenarioFileError.

    Loaded afresh each call (an edited file takes effect at the next run).  The module is
    kept in sys.modules under a name made from its path, so that functions a pool pickles
    by name are found again in the pool's forked workers.
    """
    path = os.path.abspath(path)
    name = os.path.basename(path)
    source = _read(path, name)
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise ScenarioFileError("%s line %s: %s" % (name, exc.lineno, exc.msg))
    except ValueError as exc:  # e.g. a NUL byte in the source
        raise ScenarioFileError("%s is not Python source: %s" % (name, exc))
    module_name = module_name_of(path)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(module_name)
    sys.modules[module_name] = module
    folder = os.path.dirname(path)
    if folder not in sys.path:  # as `python my_scenario.py` would: helpers beside it import
        sys.path.append(folder)  # (appended: the standard library always wins a name clash)
    try:
        exec(code, module.__dict__)
    except Exception as exc:
        if previous is not None:
            sys.modules[module_name] = previous
        else:
            del sys.modules[module_name]
        raise ScenarioFileError("%s could not be loaded: %s%s" % (
            name, _exception_text(exc), _line_in(exc, path)))
    return scenario_of(module, path)


def module_name_of(path: str) -> str:
    """The module's name: readable, and unique per path."""
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    return "gilscope_file_%s_%s" % (stem, hashlib.sha1(path.encode("utf-8", "surrogateescape"))
                                    .hexdigest()[:8])


def _read(path: str, name: str) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block us
    except OSError as exc:
        raise ScenarioFileError("cannot read the scenario file %s: %s" % (path, exc.strerror or exc))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioFileError("cannot read the scenario file %s: not a regular file" % path)
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioFileError("%s is %d bytes; a scenario file over 1 MiB is not loaded"
                                    % (name, info.st_size))
        data = os.read(fd, MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioFileError("%s is not UTF-8 text (byte %d)" % (name, exc.start))


def _exception_text(exc: BaseException) -> str:
    return "%s: %s" % (exc.__class__.__name__, exc) if str(exc) else exc.__class__.__name__


def _line_in(exc: BaseException, path: str) -> str:
    """" (line N)" of the innermost frame of exc in the scenario file, or ""."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return " (line %d)" % line if line else ""


def scenario_of(module, path: str) -> Scenario:
    """Check a loaded module's declarations and make them a Scenario."""
    name = os.path.basename(path)
    stem = os.path.splitext(name)[0]

    def bad(what):
        return ScenarioFileError("%s: %s" % (name, what))

    run = getattr(module, "run", None)
    if run is None:
        raise bad("no run(ctx, p) function; a scenario file must define one (docs/SCENARIOS.md)")
    if not callable(run) or not _takes_two(run):
        raise bad("run must be a function taking two arguments, run(ctx, p)")
    verdict = getattr(module, "verdict", None)
    if verdict is not None and (not callable(verdict) or not _takes_two(verdict)):
        raise bad("verdict must be a function taking two arguments, verdict(run, p)")
    params = _params(getattr(module, "PARAMS", ()), bad)
    title = _text(getattr(module, "TITLE", stem), "TITLE", bad)
    lesson = _text(getattr(module, "LESSON", ""), "LESSON", bad)
    figures = _texts(getattr(module, "FIGURES", {}), "FIGURES", bad)
    phases = _texts(getattr(module, "PHASES", {}), "PHASES", bad)
    shows = getattr(module, "SHOWS", ())
    if isinstance(shows, str) or not isinstance(shows, (tuple, list)) \
            or any(view not in KNOWN_VIEWS for view in shows):
        raise bad("SHOWS must be a tuple of %s" % ", ".join(repr(v) for v in KNOWN_VIEWS))
    group = getattr(module, "GROUP", "threads")
    if group not in dict(GROUPS):
        raise bad("GROUP must be one of %s" % ", ".join(g for g, _ in GROUPS))
    source = getattr(module, "SOURCE", None)
    if source is None:
        with open(path, encoding="utf-8") as f:  # the Program tab shows the file itself
            source = f.read()
    scenario = Scenario(id=stem, group=group, title=title, lesson=lesson, params=params,
                        source=source, run=run, verdict=verdict or default_verdict,
                        shows=shows, figures=figures, phases=phases,
                        gates=bool(getattr(module, "GATES", False)))
    scenario.ref = path
    return scenario


def _takes_two(function) -> bool:
    try:
        inspect.signature(function).bind(None, None)
    except (TypeError, ValueError):
        return False
    return True


def _params(declared, bad) -> tuple:
    if isinstance(declared, Param):
        declared = (declared,)
    if not isinstance(declared, (tuple, list)):
        raise bad("PARAMS must be a tuple of engine.params.Param, not %s" % type(declared).__name__)
    seen = set()
    for n, param in enumerate(declared, 1):
        if not isinstance(param, Param):
            raise bad("PARAMS item %d is a %s, not an engine.params.Param" % (n, type(param).__name__))
        if not re.match(r"^[A-Za-z_]\w*$", param.name):
            raise bad("PARAMS item %d: %r is not a name (letters, digits, _)" % (n, param.name))
        if param.name in seen:
            raise bad("PARAMS declares %r twice" % param.name)
        if param.kind in ("int", "float") and (param.minimum is None or param.maximum is None):
            raise bad("PARAMS %r: a number needs minimum= and maximum=" % param.name)
        seen.add(param.name)
    return tuple(declared)


def _text(value, what, bad) -> dict:
    """A str (the same in both languages) or {"en": ..., "zh_CN": ...}."""
    if isinstance(value, str):
        return text(value, value)
    if isinstance(value, dict) and isinstance(value.get("en"), str) \
            and all(isinstance(v, str) for v in value.values()):
        return dict(value, zh_CN=value.get("zh_CN", value["en"]))
    raise bad("%s must be a str or text(\"English\", \"中文\")" % what)


def _texts(value, what, bad) -> dict:
    if not isinstance(value, dict):
        raise bad("%s must be a dict of name -> text(\"English\", \"中文\")" % what)
    return dict((key, _text(label, "%s[%r]" % (what, key), bad)) for key, label in value.items())


def default_verdict(run, p) -> Verdict:
    """A file without verdict(): what the run measured (each ctx.value), and its errors."""
    from .wire import K
    names = sorted(set(name for _, _, _, name in run.texts(K.VALUE)))
    figures = {}
    for value_name in names:
        values = run.values(value_name)
        figures[value_name] = values[0] if len(values) == 1 else values
    errors = run.errors()
    if errors:
        head = text("The scenario raised: %s" % errors[0], "场景抛出了异常：%s" % errors[0])
    else:
        head = text("Ran in %.3f s; %d measured values" % (run.wall_s, len(names)),
                    "运行用时 %.3f 秒；测得 %d 个值" % (run.wall_s, len(names)))
    return Verdict(head, figures, ok=not errors)
