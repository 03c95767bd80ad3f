"""Scenario parameters: declared once, used by GUI controls, CLI flags and validation.

Standard library only.  A Param knows its type, bounds and default; ``validate``
is the one place a value is checked, so the GUI's spin boxes, the CLI's
``--set NAME=VALUE`` and the runner agree on what is allowed.
"""


# A parameter's unit as a label shows it: English keeps the symbol, Chinese names it.
UNIT_NAMES = {
    "s": {"en": "s", "zh_CN": "秒"},
    "ms": {"en": "ms", "zh_CN": "毫秒"},
    "µs": {"en": "µs", "zh_CN": "微秒"},
    "B": {"en": "bytes", "zh_CN": "字节"},
    "MiB": {"en": "MiB", "zh_CN": "MiB"},
}


class ParamError(ValueError):
    """A parameter value or name that is not allowed; the message says what is."""


class Param(object):
    """One declared parameter: kind is "int", "float", "bool" or "choice"."""

    def __init__(self, name, kind, default, label, help=None, minimum=None,
                 maximum=None, choices=None, unit=""):
        # label and help are {"en": ..., "zh_CN": ...}
        self.name = name
        self.kind = kind
        self.default = default
        self.label = label
        self.help = help or {"en": "", "zh_CN": ""}
        self.minimum = minimum
        self.maximum = maximum
        self.choices = tuple(choices or ())
        self.unit = unit
        if kind not in ("int", "float", "bool", "choice"):
            raise ValueError("unknown parameter kind %r" % kind)
        self.validate(default)  # a declaration with a bad default is a bug

    def labelled(self, lang="en"):
        """The label with its unit, in one style per language: "Switch interval (s)" in
        English; in Chinese full-width brackets around the unit's Chinese name
        (docs/glossary.md)."""
        label = self.label.get(lang, self.label["en"])
        if not self.unit:
            return label
        unit = UNIT_NAMES.get(self.unit, {}).get(lang, self.unit)
        return "%s（%s）" % (label, unit) if lang == "zh_CN" else "%s (%s)" % (label, unit)

    def allowed(self):
        """What is allowed, in words (for error messages)."""
        if self.kind == "bool":
            return "on/off (true, false, 1, 0, yes, no)"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        return "%s from %s to %s" % ("a whole number" if self.kind == "int" else "a number",
                                     _fmt(self.minimum), _fmt(self.maximum))

    def parse(self, text):
        """Turn command-line text into a checked value."""
        text = text.strip()
        if self.kind == "bool":
            low = text.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ParamError("%s=%s: expected %s" % (self.name, text, self.allowed()))
        if self.kind == "int":
            try:
                value = int(text, 10)
            except ValueError:
                raise ParamError("%s=%s: expected %s" % (self.name, text, self.allowed()))
            return self.validate(value)
        if self.kind == "float":
            try:
                value = float(text)
            except ValueError:
                raise ParamError("%s=%s: expected %s" % (self.name, text, self.allowed()))
            return self.validate(value)
        return self.validate(text)

    def validate(self, value):
        """Return value if allowed, else raise ParamError naming what is allowed."""
        bad = ParamError("%s=%r: expected %s" % (self.name, value, self.allowed()))
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise bad
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise bad
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        if self.kind == "int" and not isinstance(value, int):
            if not float(value).is_integer():
                raise bad
            value = int(value)
        if value != value or value < self.minimum or value > self.maximum:  # NaN too
            raise bad
        return value

    def to_json(self):
        return {"name": self.name, "kind": self.kind, "default": self.default,
                "minimum": self.minimum, "maximum": self.maximum,
                "choices": list(self.choices), "unit": self.unit,
                "label": self.label, "help": self.help}


def _fmt(x):
    return "%g" % x if isinstance(x, float) else str(x)


def resolve(declared, given):
    """Defaults overlaid with the given values, every one checked.

    declared: sequence of Param; given: dict name -> value (already typed) or
    text (from the CLI).  Raises ParamError for an unknown name or a bad value.
    """
    by_name = dict((p.name, p) for p in declared)
    values = dict((p.name, p.default) for p in declared)
    for name, value in given.items():
        param = by_name.get(name)
        if param is None:
            raise ParamError("unknown parameter %r; this scenario has: %s"
                             % (name, ", ".join(sorted(by_name)) or "none"))
        values[name] = param.parse(value) if isinstance(value, str) else param.validate(value)
    return values


# The worker-count parameter every scenario shares: one definition, one bound.
MAX_WORKERS = 64


def workers(default=4, minimum=1, maximum=MAX_WORKERS):
    return Param("workers", "int", default,
                 {"en": "Workers", "zh_CN": "线程/进程数"},
                 {"en": "How many threads or processes to start.",
                  "zh_CN": "启动的线程或进程数量。"},
                 minimum=minimum, maximum=maximum)


def switch_interval(minimum=0.000001, maximum=0.1):
    """sys.setswitchinterval, applied by the runner before the scenario starts."""
    return Param("switch_interval", "float", 0.005,
                 {"en": "Switch interval", "zh_CN": "切换间隔"},
                 {"en": "sys.setswitchinterval: how long a thread may hold the GIL when "
                        "another thread wants it (5 ms by default).",
                  "zh_CN": "sys.setswitchinterval：有其他线程等待时，一个线程最多持有 GIL 多久（默认 5 毫秒）。"},
                 minimum=minimum, maximum=maximum, unit="s")


START_METHODS = ("fork", "spawn", "forkserver")


def start_method(default="fork"):
    """How the scenario's child processes start (multiprocessing.get_context), one knob for
    every process scenario: engine.probe.Context starts its processes and pools with it."""
    return Param("start_method", "choice", default,
                 {"en": "Start method", "zh_CN": "启动方式"},
                 {"en": "fork copies the parent's memory (the default on Linux up to 3.13); spawn "
                        "starts a fresh interpreter that imports the program again (the default on "
                        "macOS and Windows); forkserver forks each child from a clean server process "
                        "(the default on Linux from 3.14). spawn and forkserver children start slower "
                        "and see none of the parent's globals.",
                  "zh_CN": "fork 复制父进程的内存（Linux 上 3.13 及以前的默认方式）；spawn 启动全新的解释器并重新导入程序"
                           "（macOS 和 Windows 的默认方式）；forkserver 从一个干净的服务进程 fork 出每个子进程"
                           "（Linux 从 3.14 起的默认方式）。spawn 和 forkserver 的子进程启动更慢，"
                           "也看不到父进程的全局变量。"},
                 choices=START_METHODS)
