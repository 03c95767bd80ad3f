"""Which Python runs the scenario: the current one plus every CPython >= 3.9 found.

Probing an interpreter starts it once (engine.interpreters.probe), so the search
runs on a worker thread, and only when the list is first opened: start-up stays
free of subprocesses.  Until then the list holds the current Python, labelled
from ``sys``; found interpreters appear one by one while the list is open.

The picker owns its worker threads: they report through its own child QObject, and
``shutdown`` (the window calls it on close) stops and joins them; after it returns,
none emits again, so none reaches a deleted object.
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


def _version_key(info) -> list:
    """[3, 13, 0, 1]: version numbers, then 1 for free-threaded (after the GIL build)."""
    numbers = [int(part) for part in re.findall(r"\d+", str(info.get("version", "")))[:3]]
    return numbers + [0 if "GIL" in info.get("label", "") and "free" not in info.get("label", "") else 1]


class _Reporter(QObject):
    """Carries results from the probing thread to the GUI thread (a queued signal)."""

    found = Signal(list)
    searched = Signal()
    probed = Signal(str, object, str)  # path, info or None, error text


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
        self._threads = []  # the workers started (searches, probes of a chosen file)
        self._stopped = threading.Event()
        self._emitting = threading.Lock()  # shutdown waits out an emit in progress
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
        self._start(self._find_all, "gilscope-find-pythons")

    def _start(self, target, name: str) -> None:
        if self._stopped.is_set():
            return
        # Daemon: a probe stuck in a hung interpreter (probe has its own timeout) must not
        # hold up the app's exit; shutdown() still joins it, bounded.
        worker = threading.Thread(target=target, name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [worker]
        worker.start()

    def _emit(self, signal, *args) -> bool:
        """Emit from a worker unless the picker was shut down; False: stop working."""
        with self._emitting:
            if self._stopped.is_set():
                return False
            try:
                signal.emit(*args)
            except RuntimeError:  # deleted without shutdown() (a bare widget in a test)
                return False
            return True

    def shutdown(self, timeout: float = 1.0) -> list:
        """Stop the workers and join them (each at most timeout s); return those still alive.

        A probe blocked in a subprocess ends at its own timeout, but reports nothing."""
        with self._emitting:
            self._stopped.set()
        for worker in self._threads:
            worker.join(timeout)
        left = [t for t in self._threads if t.is_alive()]
        self._threads = left
        return left

    def _find_all(self) -> None:
        from engine import interpreters
        for path in interpreters.candidates():
            if self._stopped.is_set():
                return
            try:
                info = interpreters.probe(path)
            except interpreters.InterpreterError:
                continue
            if not self._emit(self._reporter.found, [info]):
                return
        self._emit(self._reporter.searched)

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
            self._emit(self._reporter.probed, path, info, error)
        self._start(work, "gilscope-probe-python")

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
