"""Which Python runs the scenario: the current one plus every CPython >= 3.9 found.

Probing an interpreter starts it once (engine.interpreters.probe), so the search
runs on a worker thread, and only when the list is first opened: start-up stays
free of subprocesses.  Until then the list holds the current Python, labelled
from ``sys``; found interpreters appear one by one while the list is open.

The picker owns its worker threads (_Workers): they report through its own child
QObject, and ``shutdown`` (the window calls it on close) stops and joins them; a picker
deleted without it (a bare widget, a window never closed) does the same as it is
destroyed.  Once stopped, none emits again, so none reaches a deleted object.
"""
import platform
import re
import sys
import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog

CURRENT = ""  # item data for "the Python running gilscope" (Session's default)
OTHER = "\0other"  # item data for "choose a file..."
SEARCHING = "\0searching"  # item data of the "searching…" entry shown while the search runs


def current_label() -> str:
    """The label of the Python running scenarios by default (the bundled one in a frozen build)."""
    from engine import launcher
    if launcher.is_frozen():
        from engine import interpreters
        return interpreters.bundled()["label"]
    gil_check = getattr(sys, "_is_gil_enabled", None)
    mode = "free-threaded" if gil_check is not None and not gil_check() else "GIL"
    return "Python %s (%s)" % (platform.python_version(), mode)


VERSION_ROLE = Qt.ItemDataRole.UserRole + 1
SHUTDOWN_TIMEOUT_S = 1.0  # how long closing waits for each worker (a probe in a hung Python)


def _version_key(info) -> list:
    """[3, 13, 0, 1]: version numbers, then 1 for free-threaded (after the GIL build)."""
    numbers = [int(part) for part in re.findall(r"\d+", str(info.get("version", "")))[:3]]
    return numbers + [0 if "GIL" in info.get("label", "") and "free" not in info.get("label", "") else 1]


class _Reporter(QObject):
    """Carries results from the probing thread to the GUI thread (a queued signal)."""

    found = Signal(list)
    searched = Signal()
    probed = Signal(str, object, str)  # path, info or None, error text


class _Workers:
    """The picker's worker threads: started, told to stop, joined.

    Plain Python (no Qt, no reference to the picker), so it can still be stopped while
    the picker is being destroyed."""

    def __init__(self) -> None:
        self.threads = []  # the workers started (searches, probes of a chosen file)
        self.stopped = threading.Event()
        self._emitting = threading.Lock()  # stop() waits out an emit in progress

    def start(self, target, name: str) -> None:
        if self.stopped.is_set():
            return
        # Daemon: a probe stuck in a hung interpreter (probe has its own timeout) must not
        # hold up the app's exit; stop() still joins it, bounded.
        worker = threading.Thread(target=target, name=name, daemon=True)
        self.threads = [t for t in self.threads if t.is_alive()] + [worker]
        worker.start()

    def emit(self, signal, *args) -> bool:
        """Emit from a worker unless stopped; False: stop working."""
        with self._emitting:
            if self.stopped.is_set():
                return False
            try:
                signal.emit(*args)
            except RuntimeError:  # its receiver is gone
                return False
            return True

    def stop(self, timeout: float) -> list:
        """No worker emits after this returns; each is joined (at most timeout s).  The
        workers still alive (in a probe, which ends at its own timeout) are returned."""
        with self._emitting:
            self.stopped.set()
        for worker in self.threads:
            worker.join(timeout)
        self.threads = [t for t in self.threads if t.is_alive()]
        return list(self.threads)


def _stop_when_destroyed(workers: _Workers, timeout: float):
    """The slot for the picker's destroyed signal: it must not reference the picker."""
    def stop(*_destroyed) -> None:
        workers.stop(timeout if not workers.stopped.is_set() else 0.0)  # shut down: joined once
    return stop


class InterpreterPicker(QComboBox):
    """A combo box of interpreters; ``python()`` is the path to pass to Session.start."""

    problem = Signal(str)  # a chosen file is not a usable Python

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._reporter = _Reporter(self)
        self._reporter.found.connect(self._add_found)
        self._reporter.searched.connect(self._search_done)
        self._reporter.probed.connect(self._add_probed)
        self._searching = False
        self._workers = _Workers()
        self.destroyed.connect(_stop_when_destroyed(self._workers, SHUTDOWN_TIMEOUT_S))
        # One entry per version and GIL mode (pyenv shims, venvs and the base install are the
        # same Python).  A frozen build's bundled Python is its own entry: an installed Python
        # of the same version is still offered.
        from engine import launcher
        self._bundled = launcher.is_frozen()
        self._labels = set() if self._bundled else {current_label()}
        self.addItem("", CURRENT)
        self.addItem("", OTHER)
        self.retranslate()
        self.activated.connect(self._on_activated)
        self._last_index = 0

    def retranslate(self) -> None:
        """Its own entries in the current language (found interpreters are paths: unchanged)."""
        this = (self.tr("{0} — bundled with gilscope") if self._bundled
                else self.tr("{0} — this gilscope")).format(current_label())
        texts = {CURRENT: this,
                 OTHER: self.tr("Other Python…"), SEARCHING: self.tr("Looking for other Pythons…")}
        for index in range(self.count()):
            if self.itemData(index) in texts:
                self.setItemText(index, texts[self.itemData(index)])
        self.setToolTip(self.tr("The interpreter that runs the scenario (GIL or free-threaded)"))

    def python(self):
        """The chosen interpreter's path, or None for the one running gilscope."""
        data = self.currentData()
        return data if data not in (CURRENT, OTHER, SEARCHING) else None

    def showPopup(self) -> None:  # Qt override: the first look at the list starts the search
        self.search()
        super().showPopup()

    def search(self) -> None:
        """Find every usable interpreter on a worker thread (once)."""
        if self._searching:
            return
        self._searching = True
        self.insertItem(self.count() - 1, self.tr("Looking for other Pythons…"), SEARCHING)
        self._workers.start(self._find_all, "gilscope-find-pythons")

    def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT_S) -> list:
        """Stop the workers and join them (each at most timeout s); return those still alive.

        A probe blocked in a subprocess ends at its own timeout, but reports nothing."""
        return self._workers.stop(timeout)

    def workers(self) -> list:
        """The worker threads started and not yet joined (tests read it)."""
        return list(self._workers.threads)

    def _find_all(self) -> None:
        from engine import interpreters
        workers, reporter = self._workers, self._reporter
        for path in interpreters.candidates():
            if workers.stopped.is_set():
                return
            try:
                info = interpreters.probe(path)
            except interpreters.InterpreterError:
                continue
            if not workers.emit(reporter.found, [info]):
                return
        workers.emit(reporter.searched)

    def _search_done(self) -> None:
        index = self.findData(SEARCHING)
        if index >= 0:
            self.removeItem(index)

    def _add_found(self, infos: list) -> None:
        for info in infos:
            if info.get("bundled") or info["label"] in self._labels:
                continue
            self._labels.add(info["label"])
            position = self._sorted_position(info)
            self.insertItem(position, "%s — %s" % (info["label"], info["executable"]), info["executable"])
            self.setItemData(position, _version_key(info), VERSION_ROLE)

    def _sorted_position(self, info) -> int:
        """Where a found interpreter goes: after "this gilscope", the others by version
        (3.9 before 3.13, not the order the search happened to find them in)."""
        key = _version_key(info)
        end = self.findData(SEARCHING)
        end = end if end >= 0 else self.count() - 1
        for index in range(1, end):
            if self.itemData(index, VERSION_ROLE) is not None and self.itemData(index, VERSION_ROLE) > key:
                return index
        return end

    def versions_listed(self) -> list:
        """The found interpreters' versions, in list order (tests read it)."""
        return [self.itemData(i, VERSION_ROLE) for i in range(self.count())
                if self.itemData(i, VERSION_ROLE) is not None]

    def _on_activated(self, index: int) -> None:
        if self.itemData(index) == SEARCHING:
            self.setCurrentIndex(self._last_index)
            return
        if self.itemData(index) != OTHER:
            self._last_index = index
            return
        self.setCurrentIndex(self._last_index)
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a Python interpreter"))
        if path:
            self.probe_path(path)

    def probe_path(self, path: str) -> None:
        """Check path off the GUI thread; add and select it, or report why not."""
        def work():
            from engine import interpreters
            try:
                info, error = interpreters.probe(path), ""
            except interpreters.InterpreterError as exc:
                info, error = None, str(exc)
            workers.emit(reporter.probed, path, info, error)
        workers, reporter = self._workers, self._reporter
        workers.start(work, "gilscope-probe-python")

    def _add_probed(self, path: str, info, error: str) -> None:
        """A file the user chose: add it even if its version is listed (they asked for it)."""
        if info is None:
            self.problem.emit(error)
            return
        index = self.findData(info["executable"])
        if index < 0:
            self._labels.add(info["label"])
            index = self.count() - 1
            self.insertItem(index, "%s — %s" % (info["label"], info["executable"]), info["executable"])
        self.setCurrentIndex(index)
        self._last_index = index
