"""Gates: the points where a traced thread waits for its turn.  Standard library only.

A scenario that declares gates (race: each read and write of ``ret``; deadlock: each lock
acquire and release) brackets every gated operation with ``enter`` and ``leave``.  While a
schedule or the user decides, one thread at a time is between the two, so the order in
which threads pass their gates *is* the order of the operations — exactly, whatever the GIL
or the OS does.  Running freely, the gates only count and record: threads interleave as the
interpreter switches them, as in an unscheduled run.

Who decides the order:
  - a schedule (a list of thread numbers, 1 = THREAD1): ``run --schedule 1,1,2,...``,
    and a replay, whose schedule is the order a recording's threads passed their gates;
  - the user, step by step (the window's scheduler): the runner reads one command a line
    from a pipe — ``go N`` lets thread N through its next gate, ``free`` opens every gate
    until a scenario reports what the user is hunting for (``notice``: a lost update, a
    deadlock), ``free-all`` opens them for good.

A schedule that names a thread which has ended, or that does not reach its gate within
STALL_S while every other thread waits, has diverged: the gates open, and the run records
an error saying at which step, so a replay never hangs and never claims more than it did.

Without gates (the default) scenarios take their ungated code path: gates cost nothing
when not used.
"""
import os
import threading
import time

from . import recorder
from .wire import K, S

# What a thread is about to do at a gate (the gate_wait event's b).
GATE_READ, GATE_WRITE, GATE_ACQUIRE, GATE_RELEASE = 1, 2, 3, 4
GATE_NAMES = {GATE_READ: "read", GATE_WRITE: "write", GATE_ACQUIRE: "acquire",
              GATE_RELEASE: "release"}

STALL_S = 5.0  # a scheduled thread this long away from its gate: the schedule diverged


class Gatekeeper(object):
    """Lets one thread at a time through its gate, in the order given or chosen."""

    def __init__(self, order=None, command_fd=None):
        self._cond = threading.Condition()
        self._order = list(order) if order is not None else None
        self._pos = 0                # steps passed (schedule position)
        self._inside = 0             # threads between enter and leave (one, unless free)
        self._turn = None            # interactive: the thread allowed through next
        self._free = False           # every gate open
        self._free_until_notice = False
        self._alive = set()          # thread numbers registered and not yet ended
        self._waiting = {}           # thread number -> gate it stands at
        self.diverged = ""           # why a schedule stopped being followed
        self.interactive = command_fd is not None
        if command_fd is not None:
            reader = threading.Thread(target=self._read_commands, args=(command_fd,),
                                      name="gilscope-gates", daemon=True)
            reader.start()

    # -- threads -------------------------------------------------------------------
    def register(self, number):
        with self._cond:
            self._alive.add(number)

    def unregister(self, number):
        with self._cond:
            self._alive.discard(number)
            self._waiting.pop(number, None)
            self._cond.notify_all()

    def enter(self, number, gate, where=0):
        """Block until it is thread `number`'s turn; then it alone is inside a gate.

        where: the source line the thread stands at (shown by the window's scheduler).
        """
        rec = recorder.current()
        parked = False
        with self._cond:
            self._waiting[number] = gate
            waited_since = time.monotonic()
            while not self._may_pass(number):
                if self.interactive and not parked:
                    # Where each thread stands, for the window's scheduler, and a lane state
                    # that says the user holds it here (not the GIL, not a lock).
                    rec.event(K.GATE_WAIT, gate, where)
                    rec.state(S.GATE_WAIT)
                    parked = True
                self._cond.wait(0.25)
                if self._order is not None and self._stalled(waited_since):
                    break
            self._waiting.pop(number, None)
            self._inside += 1
        if parked:
            rec.state(S.RUNNING)

    def leave(self, number):
        with self._cond:
            self._inside -= 1
            self._pos += 1
            self._turn = None  # interactive: one step per "go"
            self._cond.notify_all()

    def notice(self, what):
        """The scenario saw what a 'run freely until …' hunts for: pause again."""
        with self._cond:
            if self._free_until_notice:
                self._free = self._free_until_notice = False
                self._cond.notify_all()

    def steps(self):
        return self._pos

    # -- internals -------------------------------------------------------------------
    def _may_pass(self, number):
        if self._free:
            return True  # free: threads interleave as the interpreter switches them
        if self._inside:
            return False  # scheduled: one thread at a time inside a gate, so order is exact
        if self._order is not None:
            if self._pos >= len(self._order):
                return True  # the schedule is used up: the rest runs freely
            return self._order[self._pos] == number
        return self._turn == number

    def _stalled(self, since):
        """The scheduled thread has ended, or stayed away while all others wait."""
        if self._pos >= len(self._order) or self._inside:
            return False
        wanted = self._order[self._pos]
        if wanted not in self._alive:
            why = "THREAD%d had ended" % wanted
        elif (wanted not in self._waiting and time.monotonic() - since > STALL_S
              and len(self._waiting) == len(self._alive) - 1):
            why = "THREAD%d did not reach a gate in %g s" % (wanted, STALL_S)
        else:
            return False
        self.diverged = "step %d of %d: the schedule named THREAD%d, but %s" % (
            self._pos + 1, len(self._order), wanted, why)
        sink = recorder.sink()
        recorder.current().event(K.ERROR, sink.intern("schedule diverged at " + self.diverged), -1)
        self._free = True
        self._cond.notify_all()
        return True

    def _read_commands(self, fd):
        pending = b""
        while True:
            try:
                data = os.read(fd, 256)
            except OSError:
                data = b""
            if not data:  # the window went away: never leave threads parked
                with self._cond:
                    self._free = True
                    self._cond.notify_all()
                return
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._command(line.decode("ascii", "replace").split())

    def _command(self, words):
        with self._cond:
            if len(words) == 2 and words[0] == "go" and words[1].isdigit():
                self._turn = int(words[1])
            elif words == ["free"]:
                self._free = self._free_until_notice = True
            elif words == ["free-all"]:
                self._free, self._free_until_notice = True, False
            elif words == ["pause"]:
                self._free = self._free_until_notice = False
            self._cond.notify_all()


_keeper = None


def install(spec):
    """Set up this run's gatekeeper from the runner's spec (None: no gates)."""
    global _keeper
    gates = spec.get("gates")
    if not gates:
        _keeper = None
        return None
    order = None
    if gates.get("order_file"):
        with open(gates["order_file"], "rb") as f:
            order = decode_order(f.read())
    _keeper = Gatekeeper(order=order, command_fd=gates.get("command_fd"))
    return _keeper


def keeper():
    return _keeper


def encode_order(order):
    """Thread numbers as run-length text: '1*4123 2*3877 1*2' (interleavings come in runs)."""
    runs = []
    for number in order:
        if runs and runs[-1][0] == number:
            runs[-1][1] += 1
        else:
            runs.append([number, 1])
    return " ".join("%d*%d" % (n, c) for n, c in runs).encode("ascii")


def decode_order(data):
    order = []
    for token in data.decode("ascii").split():
        number, _, count = token.partition("*")
        order.extend([int(number)] * int(count or 1))
    return order
