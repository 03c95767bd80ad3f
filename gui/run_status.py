"""What the window says about a run, as plain functions: no Qt, no window.

The status line and the end-of-run warning (the worker-failure policy: which failures a
run's verdict does not already explain are worth a banner) are decided here from plain
values and a RunView, so they are tested without a display (tests/gui/test_run_status.py).
The texts go through the ``translate(context, text)`` given: gui/run_control.py passes
Qt's QCoreApplication.translate, tests an identity; lupdate finds them by that name.
"""


def identity(_context: str, text: str) -> str:
    return text


def worker_failure_texts(view, lane_name, translate=identity) -> list:
    """Errors raised in workers and worker processes that ended badly, in words (which ones
    count: engine.analysis.worker_failures); lane_name(pid, worker) names a thread."""
    from engine.analysis import worker_failures
    texts = {"exit": translate("RunControl", "process {0} exited with code {1}"),
             "signal": translate("RunControl", "process {0} was killed by signal {1}"),
             "not_ended": translate("RunControl", "process {0} had not ended when it was joined")}
    found = []
    for what, pid, worker, detail in worker_failures(view):
        if what == "error":
            found.append("%s: %s" % (lane_name(pid, worker), detail))
        else:
            found.append(texts[what].format(pid, detail))
    return found


def end_of_run_warning(view, problem: str, lane_name, translate=identity) -> str:
    """The banner after a run that did not fail: what went wrong in it, or "" (no banner).
    problem: the Session's own (a sweep, a guardian that died), said first."""
    worries = worker_failure_texts(view, lane_name, translate)
    if problem:
        worries.insert(0, problem)
    if not worries:
        return ""
    return translate("RunControl", "Recorded in this run: {0}").format("; ".join(worries[:4]))


def status_text(state: str, busy: bool, events: int, dropped: int, title: str, python: str,
                wall_s: float, stop_seconds: float, translate=identity) -> str:
    """The status bar's line for a run in state (idle | running | finished | stopped | failed)."""
    counted = translate("RunControl", "{0:,} events").format(events)
    if dropped:  # never a silent drop
        counted += translate("RunControl", ", {0:,} dropped").format(dropped)
    if busy and state != "running":
        return translate("RunControl", "Computing the verdict from {0}…").format(counted)
    if state == "idle":
        return translate("RunControl", "Ready: press F5 to run “{0}”").format(title)
    if state == "running":
        return translate("RunControl", "Running on {0} — {1} (Esc stops)").format(python, counted)
    if state == "finished":
        return translate("RunControl", "Finished in {0:.2f} s — {1}").format(wall_s or 0, counted)
    if state == "stopped":
        return translate("RunControl", "Stopped — the stop took {0:.2f} s — {1}").format(
            stop_seconds or 0.0, counted)
    return translate("RunControl", "Failed — {0}").format(counted)
