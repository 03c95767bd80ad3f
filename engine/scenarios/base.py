"""The scenario contract: what every scenario module declares.

Standard library only: the runner (any CPython >= 3.9) imports scenario modules.
A scenario is a declaration plus two functions:
  run(ctx, params)      does the work with real threads/processes (runner side)
  verdict(run, params)  reads the recorded events through ``run`` (an
                        engine.analysis.RunView on the GUI/CLI side) and returns a
                        Verdict: numbers measured, never assumed.
"""
import io
import os
import re
import tokenize

GROUPS = (
    ("processes", {"en": "Processes", "zh_CN": "进程"}),
    ("threads", {"en": "Threads and locks", "zh_CN": "线程与锁"}),
    ("gil", {"en": "GIL and cores", "zh_CN": "GIL 与多核"}),
    ("communication", {"en": "Communication", "zh_CN": "进程间通信"}),
)


# Figures every run has (the Session adds wall_s, events, dropped and recording_share_max).
COMMON_FIGURES = {
    "workers": {"en": "Workers", "zh_CN": "线程/进程数"},
    "cpu_count": {"en": "Logical CPUs this process may use", "zh_CN": "本进程可用的逻辑 CPU 数"},
    "ideal_speedup": {"en": "Best possible speedup", "zh_CN": "理论最大加速比"},
    "wall_s": {"en": "Whole run (s)", "zh_CN": "总用时（秒）"},
    "events": {"en": "Events recorded", "zh_CN": "记录的事件数"},
    "dropped": {"en": "Events dropped", "zh_CN": "丢弃的事件数"},
    "recording_share_max": {"en": "Most of a thread's time spent recording (share)",
                            "zh_CN": "单个线程用于记录的最大时间比例"},
    "stopped_after_s": {"en": "Stopped after (s)", "zh_CN": "停止时已运行（秒）"},
    "other_programs_share": {"en": "Other programs' share of the CPU during the run",
                             "zh_CN": "运行期间其他程序占用的 CPU 比例"},
}

# Comments shared by several shown programs, in Simplified Chinese (see Scenario.source_comments).
COMMON_SOURCE_ZH = {
    "how children start: fork, spawn or forkserver": "子进程的启动方式：fork、spawn 或 forkserver",
    "spawn and forkserver children import this file again": "spawn 和 forkserver 的子进程会重新导入本文件",
    "sys.setswitchinterval: the GIL's time slice": "sys.setswitchinterval：GIL 的时间片",
    "the blog post's Python 2 `print i`": "原文 Python 2 的 `print i`",
}


def usable_cpus() -> int:
    """Logical CPUs this process may run on: its affinity mask where the OS has one, and
    no more than its cgroup's CPU quota allows (rounded up).

    os.cpu_count() counts every logical CPU of the machine, even those taskset or a
    cgroup cpuset keep this process off (Python 3.13 added os.process_cpu_count()
    for the usable ones, and Pool() uses it).  A CPU quota (cgroup v2 cpu.max, v1
    cpu.cfs_quota_us: a container given "1.5 CPUs") is seen by neither: it is read here.
    """
    try:
        count = len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    if quota is not None:
        count = max(1, min(count, int(-(-quota // 1))))
    return count


def cgroup_cpu_quota(root="/sys/fs/cgroup", own="/proc/self/cgroup"):
    """CPUs' worth of time this process's cgroup may use (quota / period), or None: no limit."""
    try:
        with open(own) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        where = os.path.join(root, path.lstrip("/"))
        if controllers == "":  # v2: "max 100000" or "150000 100000"
            fields = _read_words(os.path.join(where, "cpu.max"))
            if len(fields) == 2 and fields[0] != "max":
                return _ratio(fields[0], fields[1])
        elif "cpu" in controllers.split(","):  # v1: quota -1 means none
            base = os.path.join(root, controllers, path.lstrip("/"))
            if not os.path.isdir(base):
                base = os.path.join(root, "cpu", path.lstrip("/"))
            quota = _read_words(os.path.join(base, "cpu.cfs_quota_us"))
            period = _read_words(os.path.join(base, "cpu.cfs_period_us"))
            if quota and period and quota[0] != "-1":
                return _ratio(quota[0], period[0])
    return None


def _read_words(path):
    try:
        with open(path) as f:
            return f.read().split()
    except OSError:
        return []


def _ratio(quota, period):
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


class Scenario(object):
    """One lesson: declared once, used by the picker, the CLI, the runner and tests."""

    def __init__(self, id, group, title, lesson, params, source, run, verdict,
                 shows=(), seed_section="", figures=None, phases=None, gates=False,
                 source_values=None, source_comments=None):
        self.id = id
        # what engine.scenarios.get takes back: the id, or a scenario file's absolute path
        self.ref = id
        self.group = group
        self.title = title          # {"en": ..., "zh_CN": ...}
        from .post import post_paragraphs  # the post's words and the port's changes
        self.post = post_paragraphs(id)    # {} when the post has no section for it
        # {"en": ..., "zh_CN": ...}, a few short paragraphs, then the post beside the port
        self.lesson = dict((lang, body + ("\n" + self.post[lang] if self.post else ""))
                           for lang, body in lesson.items())
        self.params = tuple(params)  # engine.params.Param
        self.source = source        # the blog post's example, ported to Python 3
        # CONSTANT of the shown program -> the parameter it shows (a name), or a function of
        # the run's values giving the constant's value: the Source tab shows the run's knobs.
        self.source_values = dict(source_values or {})
        # English comment of the source -> Simplified Chinese (the Source tab in Chinese)
        self.source_comments = dict(COMMON_SOURCE_ZH, **(source_comments or {}))
        self.run = run
        self.verdict = verdict
        self.shows = tuple(shows)   # extra views: "trace", "queue", "tasks"
        self.seed_section = seed_section
        # True: run() passes its threads through engine.gates when ctx.gates is set, so the
        # run can be stepped by the user, follow a schedule, or replay a recording's order.
        self.gates = gates
        # figure name -> {"en": ..., "zh_CN": ...}: how the window labels the verdict's figures
        self.figures = dict(COMMON_FIGURES, **(figures or {}))
        # phase name -> text: the steps of the program marked on the timeline (others are not)
        self.phases = dict(phases or {})
        assert group in dict(GROUPS), group

    def figure_label(self, name, lang="en"):
        """A verdict figure's label in lang; its name, readable, if it has none."""
        label = self.figures.get(name)
        return label.get(lang, label["en"]) if label else name.replace("_", " ")

    def shown_source(self, values=None, lang="en") -> str:
        """The program as the Source tab shows it: its constants set to the run's values
        (the parameters' defaults when values is None) and its comments in lang."""
        from ..params import resolve
        full = resolve(self.params, {})
        full.update(values or {})
        lines = self.source.split("\n")
        for const, source in self.source_values.items():
            value = full[source] if isinstance(source, str) else source(full)
            lines = [_set_constant(line, const, value) for line in lines]
        shown = "\n".join(lines)
        if lang != "en" and self.source_comments:
            shown = _translate_comments(shown, self.source_comments)
        return shown

    def param(self, name):
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


class Verdict(object):
    """What happened, in words and measured figures."""

    def __init__(self, headline, figures, notes=(), ok=True):
        self.headline = headline    # {"en": ..., "zh_CN": ...}: one line, large type
        self.figures = figures      # name -> number/list, JSON-able
        self.notes = list(notes)    # [{"en": ..., "zh_CN": ...}], the explanation
        self.ok = ok                # False: the scenario itself failed
        self.error = None           # set when the verdict itself could not be computed
        self.partial = False        # True: a stopped run's verdict, measured so far

    def to_json(self, lang="en"):
        return {"headline": self.headline.get(lang, self.headline["en"]),
                "notes": [n.get(lang, n["en"]) for n in self.notes],
                "ok": self.ok}


def _set_constant(line: str, const: str, value) -> str:
    """`CONST = old   # why` -> `CONST = value # why`, the comment kept in its column."""
    m = re.match(r"^(%s = )(.*?)(\s*#.*)?$" % re.escape(const), line)
    if m is None:
        return line
    literal = '"%s"' % value if isinstance(value, str) else repr(value)  # the programs' quotes
    comment = m.group(3) or ""
    if comment:
        width = len(m.group(1)) + len(m.group(2)) + len(comment) - len(comment.lstrip())
        code = m.group(1) + literal
        return code + " " * max(1, width - len(code)) + comment.lstrip()
    return m.group(1) + literal


def _translate_comments(source: str, table: dict) -> str:
    """Each comment whose English text is in table replaced by its translation."""
    lines = source.split("\n")
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for tok in reversed([t for t in tokens if t.type == tokenize.COMMENT]):
        row, col = tok.start
        english = tok.string[1:].strip()
        if english in table:
            line = lines[row - 1]
            lines[row - 1] = line[:col] + "# " + table[english] + line[tok.end[1]:]
    return "\n".join(lines)


def steps_so_far(run) -> dict:
    """A stopped run's progress in both languages: the steps (phases) that ended, and the
    one it was in, from its phase marks (what the timeline marks)."""
    ended, going = run.phases_so_far()
    en = "steps ended: %s" % (", ".join(ended) if ended else "none")
    zh = "已结束的步骤：%s" % ("、".join(ended) if ended else "无")
    if going:
        en += "; stopped in: %s" % ", ".join(going)
        zh += "；停止时正在进行：%s" % "、".join(going)
    return text(en, zh)


def text(en, zh):
    """A user-visible scenario text in both languages."""
    return {"en": en, "zh_CN": zh}


def rounded_s(seconds):
    """A measured time in seconds as a verdict figure: to the ms, or None if not measured."""
    return None if seconds is None else round(seconds, 3)


def child_start_ms(run, pids=None):
    """Median ms from a parent calling start() to its child running its own code.

    From the run's events: the parent's proc_spawn (timed when start() is called) and the
    child's process_start (its first record, in the target's wrapper).  A forked child
    runs at once; a spawn child first starts an interpreter and imports the program, a
    forkserver child is forked from a server that already did.  None without children.
    """
    from ..wire import K
    spawned = dict((int(e["a"]), int(e["t"])) for e in run.of_kind(K.PROC_SPAWN))
    started = {}
    for e in run.of_kind(K.PROCESS_START):
        started.setdefault(int(e["pid"]), int(e["t"]))
    waits = sorted((started[pid] - t) / 1e6 for pid, t in spawned.items()
                   if pid in started and (pids is None or pid in pids))
    if not waits:
        return None
    mid = len(waits) // 2
    median = waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2
    return round(median, 1)


def start_method_note(method: str, start_ms) -> dict:
    """What the start method cost this run's children, measured (child_start_ms)."""
    if start_ms is None:
        return None
    if method == "fork":
        return text("Start method fork: a child ran its code %.1f ms (median) after start() "
                    "was called; it began with a copy of the parent's memory." % start_ms,
                    "启动方式 fork：调用 start() 后，子进程过了 %.1f 毫秒（中位数）就开始运行自己的代码；"
                    "它一开始就拿到父进程内存的副本。" % start_ms)
    how = {"spawn": ("it started a new interpreter and imported the program first",
                     "它先启动一个新的解释器并导入程序"),
           "forkserver": ("a server process, started once, forked it; it then imported the modules "
                          "its target needs", "由一个只启动一次的服务进程 fork 出来，再导入目标函数所需的模块")}[method]
    return text("Start method %s: a child ran its code %.1f ms (median) after start() was called (%s); "
                "that time is part of the processes' wall time." % (method, start_ms, how[0]),
                "启动方式 %s：调用 start() 后，子进程过了 %.1f 毫秒（中位数）才开始运行自己的代码（%s）；"
                "这段时间也算在进程的用时里。" % (method, start_ms, how[1]))
