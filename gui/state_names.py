"""What the user reads for each lane state: its name, its short name (the compact legend)
and how it was measured (the legend's and the lanes' tooltips), translated."""
from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP

from .timeline_layout import N_STATES

# What the user reads for each state code, in STATE_KEYS order.
STATE_TEXT = (
    QT_TRANSLATE_NOOP("Timeline", "running"),
    QT_TRANSLATE_NOOP("Timeline", "waiting for the GIL"),
    QT_TRANSLATE_NOOP("Timeline", "blocked on a lock"),
    QT_TRANSLATE_NOOP("Timeline", "waiting on a queue"),
    QT_TRANSLATE_NOOP("Timeline", "waiting in join()"),
    QT_TRANSLATE_NOOP("Timeline", "waiting for I/O or a subprocess"),
    QT_TRANSLATE_NOOP("Timeline", "sleeping"),
    QT_TRANSLATE_NOOP("Timeline", "idle (alive, nothing recorded)"),
    QT_TRANSLATE_NOOP("Timeline", "finished"),
    QT_TRANSLATE_NOOP("Timeline", "runnable, pre-empted by the OS"),
    QT_TRANSLATE_NOOP("Timeline", "held at a step by the scheduler"),
    QT_TRANSLATE_NOOP("Timeline", "pre-empted while holding the GIL"),
)
assert len(STATE_TEXT) == N_STATES

# How each state was measured when the Session read the threads' kernel counters
# (engine/thread_sampler.py): shown on the legend and in the hover text.
STATE_HOW = (
    QT_TRANSLATE_NOOP("Timeline", "On a CPU: the kernel's count of this thread's CPU time "
                                  "(/proc schedstat), read every 3 ms. The kernel says how long "
                                  "each thread ran in those 3 ms, not when: inside them the "
                                  "threads of a process are drawn taking their turns one after "
                                  "the other."),
    QT_TRANSLATE_NOOP("Timeline", "Off the CPU with no blocking call recorded, while another "
                                  "thread of its process wanted to run: waiting for the GIL "
                                  "(schedstat, and no probe label)."),
    QT_TRANSLATE_NOOP("Timeline", "Off the CPU inside a lock's acquire(), recorded by the lock."),
    QT_TRANSLATE_NOOP("Timeline", "Off the CPU inside a queue's put() or get(), recorded by the "
                                  "queue."),
    QT_TRANSLATE_NOOP("Timeline", "Off the CPU inside join(), recorded by the join."),
    QT_TRANSLATE_NOOP("Timeline", "Off the CPU waiting for I/O or a subprocess, recorded by "
                                  "the scenario."),
    QT_TRANSLATE_NOOP("Timeline", "Off the CPU inside sleep(), recorded by the sleep."),
    QT_TRANSLATE_NOOP("Timeline", "Off the CPU, nothing recorded to explain it, and no other "
                                  "thread of its process wanting the GIL; or a process that "
                                  "records nothing."),
    QT_TRANSLATE_NOOP("Timeline", "The thread has ended: its exit was recorded, or its kernel "
                                  "counters vanished with no exit (killed, e.g. by Stop)."),
    QT_TRANSLATE_NOOP("Timeline", "Runnable, waiting on the kernel's run queue for a core "
                                  "(/proc schedstat)."),
    QT_TRANSLATE_NOOP("Timeline", "Held at a step by the scheduler (you, a schedule or a "
                                  "replay), recorded by the gate."),
    QT_TRANSLATE_NOOP("Timeline", "Runnable on the kernel's run queue while the other threads "
                                  "of its process wanted to run and none of them did: it held "
                                  "the GIL while the OS ran something else (schedstat)."),
)
assert len(STATE_HOW) == N_STATES

# The legend's words where the lanes need its rows (1024 px, text x1.5): one or two lines
# instead of five; each cell's tooltip still says the full name and how it was measured.
STATE_SHORT = (
    QT_TRANSLATE_NOOP("Timeline", "running"),
    QT_TRANSLATE_NOOP("Timeline", "GIL wait"),
    QT_TRANSLATE_NOOP("Timeline", "lock"),
    QT_TRANSLATE_NOOP("Timeline", "queue"),
    QT_TRANSLATE_NOOP("Timeline", "join()"),
    QT_TRANSLATE_NOOP("Timeline", "I/O"),
    QT_TRANSLATE_NOOP("Timeline", "sleep"),
    QT_TRANSLATE_NOOP("Timeline", "idle"),
    QT_TRANSLATE_NOOP("Timeline", "finished"),
    QT_TRANSLATE_NOOP("Timeline", "OS pre-empted"),
    QT_TRANSLATE_NOOP("Timeline", "held"),
    QT_TRANSLATE_NOOP("Timeline", "pre-empted, GIL held"),
)
assert len(STATE_SHORT) == N_STATES


def _tr(text):
    """A text marked with QT_TRANSLATE_NOOP above, translated (lupdate finds literal calls only)."""
    return QCoreApplication.translate("Timeline", text)


def state_text(code):
    """The translated name of a state code."""
    if 0 <= code < N_STATES:
        return _tr(STATE_TEXT[code])
    return QCoreApplication.translate("Timeline", "unknown state")


def state_how(code, measured=True):
    """How a state was measured, translated."""
    if not measured:
        return QCoreApplication.translate(
            "Timeline", "Recorded by the thread itself (its probes); this run's threads were not "
                        "measured from /proc schedstat.")
    if 0 <= code < N_STATES:
        return _tr(STATE_HOW[code])
    return ""
