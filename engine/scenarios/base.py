"""The scenario contract: what every scenario module declares.

Standard library only: the runner (any CPython >= 3.9) imports scenario modules.
A scenario is a declaration plus two functions:
  run(ctx, params)      does the work with real threads/processes (runner side)
  verdict(run, params)  reads the recorded events through ``run`` (an
                        engine.analysis.RunView on the GUI/CLI side) and returns a
                        Verdict: numbers measured, never assumed.
"""
import os

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


def usable_cpus() -> int:
    """Logical CPUs this process may run on: its affinity mask where the OS has one.

    os.cpu_count() counts every logical CPU of the machine, even those taskset or a
    cgroup cpuset keep this process off (Python 3.13 added os.process_cpu_count()
    for the usable ones, and Pool() uses it).  A CPU quota (cgroup cpu.max) is not
    seen by either.
    """
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Scenario(object):
    """One lesson: declared once, used by the picker, the CLI, the runner and tests."""

    def __init__(self, id, group, title, lesson, params, source, run, verdict,
                 shows=(), seed_section="", figures=None, phases=None, gates=False):
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
