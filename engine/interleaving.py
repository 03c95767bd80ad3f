"""Interleavings: the order in which a run's threads passed their gates.  [numpy]

A recording of a gated scenario (race, deadlock) holds every gated step as an event: each
read and write of the shared variable, each lock request and release.  Their order in time,
by thread, is the schedule that ``run --replay`` forces on a new run (engine.gates), and
what a replay is checked against: the same values read and written at every step.

Nothing here starts a process; it reads RunViews (a live run's or a recording's).
"""
import re

import numpy as np

from .analysis import lane_keys
from .wire import K

GATED_KINDS = (K.VAR_READ, K.VAR_WRITE, K.LOCK_REQUEST, K.LOCK_RELEASE)
_THREAD = re.compile(r"^THREAD(\d+)$")


class ReplayError(ValueError):
    """This recording cannot be replayed; the message says why."""


def _lane_numbers(view) -> dict:
    """(pid, worker) -> n for the lanes named THREADn."""
    numbers = {}
    for e in view.of_kind(K.WORKER_START):
        match = _THREAD.match(view.name(e["pid"], e["b"], ""))
        if match:
            numbers[(int(e["pid"]), int(e["worker"]))] = int(match.group(1))
    return numbers


def gated_steps(view) -> np.ndarray:
    """The run's gated events in the order they happened (events of THREADn lanes only)."""
    numbers = _lane_numbers(view)
    ev = view.of_kind(*GATED_KINDS)
    if not len(ev) or not numbers:
        return ev[:0]
    keys = (ev["pid"].astype(np.int64) << 32) | ev["worker"].astype(np.int64)
    known = np.array([(p << 32) | w for p, w in numbers], np.int64)
    return ev[np.isin(keys, known)]


def has_gated_steps(view, chunk: int = 1 << 14) -> bool:
    """len(gated_steps(view)) > 0, without copying the steps (32 B each: the window asks at
    the end of every run, and a race of 8M accesses took 0.7 s there).  Chunks of events,
    growing: a traced run answers from its first.  Kept on the view: asked again for the
    replay button and the step bar."""
    cached = view.__dict__.get("_has_gated_steps")
    if cached is None:
        view._has_gated_steps = cached = _has_gated_steps(view, chunk)
    return cached


def _has_gated_steps(view, chunk: int) -> bool:
    numbers = _lane_numbers(view)
    if not numbers or not any(view.count(kind) for kind in GATED_KINDS):
        return False
    known = np.array(sorted((p << 32) | w for p, w in numbers), np.uint64)
    ev = view._raw  # order does not matter here
    lo = 0
    while lo < len(ev):
        part = ev[lo:lo + chunk]
        lo, chunk = lo + chunk, min(2 * chunk, 1 << 20)
        kind = part["kind"]
        gated = kind == GATED_KINDS[0]
        for k in GATED_KINDS[1:]:
            gated |= kind == k
        if gated.any() and np.isin(lane_keys(part[gated]), known).any():
            return True
    return False


def schedule_of(view, scenario) -> list:
    """The thread numbers, one per gated step, in the order the recording has them.

    Raises ReplayError when the recording has no steps to replay (another scenario, or a
    race run with tracing off, which records no access)."""
    if not getattr(scenario, "gates", False):
        raise ReplayError("%s has no steps to replay (race and deadlock have)" % scenario.id)
    steps = gated_steps(view)
    if not len(steps):
        raise ReplayError("the recording has no traced steps to replay (was it made with "
                          "tracing off?)")
    numbers = _lane_numbers(view)
    return [numbers[(int(p), int(w))] for p, w in zip(steps["pid"], steps["worker"])]


def compare(original, replay) -> dict:
    """Did the replay take the same steps, reading and writing the same values?

    Returns {"steps": n compared, "same": bool, "first_difference": step number or None,
    "original_steps": n, "replay_steps": n}."""
    a, b = gated_steps(original), gated_steps(replay)
    na, nb = _lane_numbers(original), _lane_numbers(replay)

    def signature(ev, numbers):
        thread = np.array([numbers[(int(p), int(w))] for p, w in zip(ev["pid"], ev["worker"])],
                          np.int64)
        value = np.where(np.isin(ev["kind"], (K.VAR_READ, K.VAR_WRITE)), ev["a"], 0)
        return thread, ev["kind"].astype(np.int64), value

    n = min(len(a), len(b))
    ta, ka, va = signature(a[:n], na)
    tb, kb, vb = signature(b[:n], nb)
    differ = np.flatnonzero((ta != tb) | (ka != kb) | (va != vb))
    first = int(differ[0]) + 1 if len(differ) else (n + 1 if len(a) != len(b) else None)
    return {"steps": n, "same": first is None, "first_difference": first,
            "original_steps": int(len(a)), "replay_steps": int(len(b))}


def lost_update_story(view, var: str = "ret"):
    """The first lost update told as the steps that caused it: {"en": ..., "zh_CN": ...},
    or None when no update was lost.  Step numbers count the run's gated steps."""
    from .scenarios.base import text
    steps = gated_steps(view)
    acc_mask = np.isin(steps["kind"], (K.VAR_READ, K.VAR_WRITE))
    acc = steps[acc_mask]
    if not len(acc):
        return None
    lost = view.lost_updates(var) if hasattr(view, "lost_updates") else None
    if not lost or not lost["count"]:
        return None
    # Indices into view.accesses(var) -> step numbers among the gated steps.
    accesses = view.accesses(var)
    times = steps["t"]  # in time order

    def step_of(t: int) -> int:
        """The step number of the last step at time t (0: none), by binary search."""
        k = int(np.searchsorted(times, t, "right"))
        return k if k and int(times[k - 1]) == t else 0
    numbers = _lane_numbers(view)

    def who(e):
        return "THREAD%d" % numbers.get((int(e["pid"]), int(e["worker"])), 0)

    w, r = int(lost["write"][0]), int(lost["read"][0])
    overwritten = [int(i) for i in lost["lost"] if r < int(i) < w] or [w]
    o = overwritten[0]
    read, other, write = accesses[r], accesses[o], accesses[w]
    sr, so, sw = (step_of(int(e["t"])) for e in (read, other, write))
    return text(
        "Step %d: %s read %s = %d. Step %d: %s wrote %d. Step %d: %s wrote %d, computed from "
        "its read at step %d, so %s's update was lost: that order of steps caused it."
        % (sr, who(read), var, read["a"], so, who(other), other["a"], sw, who(write), write["a"],
           sr, who(other)),
        "第 %d 步：%s 读到 %s = %d。第 %d 步：%s 写入 %d。第 %d 步：%s 写入 %d，它是根据第 %d 步读到的旧值算出的，"
        "于是 %s 的更新丢失了：正是这样的步骤顺序造成的。"
        % (sr, who(read), var, read["a"], so, who(other), other["a"], sw, who(write), write["a"],
           sr, who(other)))


def check_replay(result, original_view, source: str = "") -> dict:
    """Add to a replay's verdict whether it took the recording's steps, value for value
    (a note first, the figure replay_same_steps); a replay that differs is not ok."""
    from .scenarios.base import text
    same = compare(original_view, result.view)
    result.figures["replay_same_steps"] = same["same"]
    of_en, of_zh = (" of " + source, " " + source) if source else ("", "")
    if same["same"]:
        note = text("Replay%s: the same %d steps, reading and writing the same values."
                    % (of_en, same["steps"]),
                    "重放%s：同样的 %d 步，读到和写入的值完全相同。" % (of_zh, same["steps"]))
    else:
        result.verdict.ok = False
        note = text("Replay%s differs from the recorded run at step %d (recorded %d steps, "
                    "replayed %d)." % (of_en, same["first_difference"], same["original_steps"],
                                        same["replay_steps"]),
                    "重放%s与录制的运行在第 %d 步不同（录制 %d 步，重放 %d 步）。"
                    % (of_zh, same["first_difference"], same["original_steps"], same["replay_steps"]))
    result.verdict.notes.insert(0, note)
    return same
