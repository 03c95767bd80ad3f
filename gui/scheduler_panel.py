"""You are the scheduler: where each thread stands, and which one takes the next step.

In a step run (engine.gates) every traced thread stops at each read and write of the
shared variable and each lock step, and waits there until the user lets it through.
This panel shows, per thread, the source line it stands at, what it is about to do, and
for ``ret = ret + n`` the bytecode of that line with the instruction it is about to run
(the blog post's ``x = ret + n; ret = x``).  A button per thread (keys 1…9) lets that
thread take one step; "run freely" opens the gates until the next lost update or deadlock.

It reads what it shows from the run's events (gate_wait and state events), never from
the runner directly, so what it says is what was recorded.
"""
import dis
import platform
import re

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

from engine.wire import K, S

_THREAD = re.compile(r"^THREAD(\d+)$")
_UPDATE = re.compile(r"^(\w+)\s*=\s*\1\s*([-+])\s*(\w+)$")  # ret = ret + n
GATE_READ, GATE_WRITE, GATE_ACQUIRE, GATE_RELEASE = 1, 2, 3, 4  # engine.gates (stdlib side)


def bytecode_of(line: str) -> list:
    """[(opname, argrepr)] of one source line of the form ``v = v + n`` inside a function
    whose v is global, on the Python running the window; [] for any other line."""
    code = line.split("#", 1)[0].strip()
    match = _UPDATE.match(code)
    if not match:
        return []
    name = match.group(1)
    func = "def f(%s):\n    global %s\n    %s\n" % (match.group(3), name, code)
    # Compiled, never run: the function's code object is read from the module's constants.
    module = compile(func, "<line>", "exec")
    code = next(c for c in module.co_consts if hasattr(c, "co_code"))
    skip = {"RESUME", "RETURN_VALUE", "RETURN_CONST", "LOAD_CONST", "CACHE", "NOP"}
    return [(i.opname, i.argrepr) for i in dis.get_instructions(code) if i.opname not in skip]


def about_to(instructions: list, gate: int) -> int:
    """Index of the instruction a thread at this gate runs next: the load of the variable
    for a read, its store for a write (-1: none)."""
    for i, (op, _arg) in enumerate(instructions):
        if gate == GATE_READ and op.startswith("LOAD_GLOBAL"):
            return i
        if gate == GATE_WRITE and op.startswith("STORE_GLOBAL"):
            return i
    return -1


class SchedulerPanel(QFrame):
    """The threads of a step run, where each stands, and a button to let each go one step."""

    step_chosen = Signal(int)     # the thread number (1 = THREAD1) to let through one gate
    run_freely = Signal(bool)     # True: until the next lost update or deadlock; False: to the end

    def __init__(self, parent: QWidget = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.title = QLabel()
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.caption = QLabel()  # whose bytecode the rows show
        for label in (self.title, self.caption):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.rows_host = QWidget()
        self.rows = QGridLayout(self.rows_host)
        self.rows.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.rows_host)
        layout.addWidget(self.caption)
        buttons = QHBoxLayout()
        self.free_button = QPushButton()
        self.free_button.clicked.connect(lambda: self.run_freely.emit(True))
        self.end_button = QPushButton()
        self.end_button.clicked.connect(lambda: self.run_freely.emit(False))
        self.steps_label = QLabel()
        buttons.addWidget(self.free_button)
        buttons.addWidget(self.end_button)
        buttons.addStretch(1)
        buttons.addWidget(self.steps_label)
        layout.addLayout(buttons)
        self._shortcuts = []
        for n in range(1, 10):
            shortcut = QShortcut(QKeySequence(str(n)), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda n=n: self._key(n))
            shortcut.setEnabled(False)
            self._shortcuts.append(shortcut)
        self._source_lines = []
        self._hunting = "update"
        self.reset()
        self.retranslate()
        self.hide()

    # -- a step run -------------------------------------------------------------------
    def reset(self, source: str = "", hunting: str = "update") -> None:
        """A new step run of a program whose shown source is source."""
        self._source_lines = source.splitlines()
        self._hunting = hunting  # "update" (race) or "deadlock"
        self._names = {}      # (pid, worker) -> thread number
        self._gate = {}       # thread number -> (gate, line)
        self._parked = {}     # thread number -> True while it stands at a gate
        self._steps = 0
        self._running = True
        self._widgets = {}    # thread number -> (button, where label, bytecode label)
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._update()

    def ingest(self, chunk: np.ndarray, strings: dict) -> None:
        """Events new since the last call."""
        for e in chunk[np.isin(chunk["kind"], (K.WORKER_START, K.THREAD_SPAWN))]:
            name = strings.get((int(e["pid"]), int(e["b"])), "")
            match = _THREAD.match(name)
            if match:
                worker = int(e["a"]) if e["kind"] == K.THREAD_SPAWN else int(e["worker"])
                self._names[(int(e["pid"]), worker)] = int(match.group(1))
        kinds = chunk["kind"]
        self._steps += int(np.count_nonzero(np.isin(
            kinds, (K.VAR_READ, K.VAR_WRITE, K.LOCK_REQUEST, K.LOCK_RELEASE))))
        for e in chunk[(kinds == K.GATE_WAIT) | (kinds == K.STATE) | (kinds == K.WORKER_EXIT)]:
            number = self._names.get((int(e["pid"]), int(e["worker"])))
            if number is None:
                continue
            if e["kind"] == K.GATE_WAIT:
                self._gate[number] = (int(e["b"]), int(e["a"]))
            elif e["kind"] == K.STATE:
                self._parked[number] = int(e["b"]) == S.GATE_WAIT
            else:
                self._parked[number] = False
                self._gate[number] = (0, -1)  # ended
        self._update()

    def finish(self) -> None:
        """The run ended: nothing more to step."""
        self._running = False
        self._parked = {n: False for n in self._parked}
        self._update()

    def parked(self) -> list:
        """Thread numbers standing at a gate now, in order."""
        return sorted(n for n, on in self._parked.items() if on)

    # -- display ----------------------------------------------------------------------
    def retranslate(self, lang: str = None) -> None:
        self.title.setText(self.tr(
            "You are the scheduler: each thread waits at every read and write of the shared "
            "variable and every lock step. Choose which thread takes the next step (keys 1–9)."))
        self.title.setWordWrap(True)
        self.free_button.setText(self.tr("Run freely until the next lost update")
                                 if self._hunting == "update" else
                                 self.tr("Run freely until a deadlock"))
        self.end_button.setText(self.tr("Run to the end"))
        self.caption.setText(self.tr("bytecode on Python {0} (the window's)")
                             .format(platform.python_version()))
        self._update()

    def _key(self, n: int) -> None:
        if n in self.parked():
            self.step_chosen.emit(n)

    def _row(self, number: int):
        widgets = self._widgets.get(number)
        if widgets is None:
            button = QPushButton()
            button.clicked.connect(lambda _=False, n=number: self.step_chosen.emit(n))
            where = QLabel()
            where.setWordWrap(True)
            code = QLabel()
            code.setTextFormat(Qt.TextFormat.RichText)
            code.setWordWrap(True)
            for label in (where, code):  # long lines wrap; they never widen the window
                label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            row = len(self._widgets)
            self.rows.addWidget(button, row, 0)
            self.rows.addWidget(where, row, 1)
            self.rows.addWidget(code, row, 2)
            self.rows.setColumnStretch(1, 2)
            self.rows.setColumnStretch(2, 3)
            widgets = self._widgets[number] = (button, where, code)
        return widgets

    def _update(self) -> None:
        parked = self.parked()
        for number in sorted(self._names.values()):
            button, where, code = self._row(number)
            button.setText(self.tr("THREAD{0}: next step ({0})").format(number))
            button.setEnabled(self._running and number in parked)
            gate, line = self._gate.get(number, (0, 0))
            where.setText(self._where_text(number, gate, line, number in parked))
            code.setText(self._bytecode_html(gate, line) if number in parked else "")
        for n, shortcut in enumerate(self._shortcuts, 1):
            shortcut.setEnabled(self._running and self.isVisible() and n in parked)
        self.free_button.setEnabled(self._running)
        self.end_button.setEnabled(self._running)
        self.steps_label.setText(self.tr("Steps taken: {0}").format(self._steps))

    def _where_text(self, number: int, gate: int, line: int, parked: bool) -> str:
        if line < 0:
            return self.tr("finished")
        if not parked:
            return self.tr("running, or blocked outside a step (a lock held by another thread)") \
                if self._running else self.tr("the run has ended")
        text = (self._source_lines[line - 1].split("#", 1)[0].strip()
                if 0 < line <= len(self._source_lines) else "")
        action = {GATE_READ: self.tr("about to read the shared variable"),
                  GATE_WRITE: self.tr("about to write the shared variable"),
                  GATE_ACQUIRE: self.tr("about to ask for a lock"),
                  GATE_RELEASE: self.tr("about to release a lock")}.get(gate, "")
        return self.tr("line {0}: {1} — {2}").format(line, text, action)

    def _bytecode_html(self, gate: int, line: int) -> str:
        if not 0 < line <= len(self._source_lines):
            return ""
        instructions = bytecode_of(self._source_lines[line - 1])
        if not instructions:
            return ""
        at = about_to(instructions, gate)
        parts = []
        for i, (op, arg) in enumerate(instructions):
            item = ("%s %s" % (op, arg)).strip()
            parts.append("<b><u>▶ %s</u></b>" % item if i == at else item)
        # One line, so the panel stays a few rows tall and the lanes keep their room.
        return "<tt>%s</tt>" % " · ".join(parts)  # a space after each ·: it wraps there
