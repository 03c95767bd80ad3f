"""Saved comparisons in the window: open one, save one, and the compare window's File menu.

A comparison saved by ``gilscope compare --save FILE`` or from this menu is one
.gilscope file (engine/compare_recording.py).  Every way of opening a recording
(File ▸ Open, Open recent, a drop, ``main.py FILE``) goes through
gui.open_recording.open_path, which hands a comparison to ``open_comparison``
here: the compare window opens with all its runs, their figures and the verdict.
Reading a file of several runs and computing each run's verdict takes seconds,
so it is done on a thread; the window stays live and says "Opening…".
"""
import os
import threading

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenuBar

from . import compare_export, open_recording

translate = QCoreApplication.translate  # lupdate reads translate("CompareFiles", "...") calls


class _Loader(QObject):
    """Reads a saved comparison on a thread; says loaded(comparison) or failed(message)."""

    loaded = Signal(object)
    failed = Signal(str)

    def start(self, path: str) -> None:
        def work():
            from engine import compare_recording, recording
            try:
                result = compare_recording.load(path)
            except recording.RecordingError as exc:
                self._say(self.failed, str(exc))
                return
            except MemoryError:
                self._say(self.failed, "not enough memory to read %s" % path)
                return
            self._say(self.loaded, result)
        threading.Thread(target=work, name="gilscope-open-comparison", daemon=True).start()

    @staticmethod
    def _say(signal, value) -> None:
        try:
            signal.emit(value)  # queued to the window's thread
        except RuntimeError:
            pass  # the window closed while the file was read


def open_comparison(window, path: str) -> bool:
    """Open the saved comparison at path in window's compare window.  True when its reading
    started (the runs appear when it is read; a problem is said in the compare window)."""
    window.show_compare()
    view = window.compare_window.view
    if view.busy() or view.opening:
        view.status.setText(translate("CompareFiles", "Stop the comparison before opening a saved one."))
        return False
    view.opening = True
    view.status.setText(translate("CompareFiles", "Opening {0}…").format(os.path.basename(path)))
    loader = _Loader(view)

    def loaded(comparison) -> None:
        view.opening = False
        loader.deleteLater()
        _choose_scenario(window, comparison)
        if view.show_loaded(comparison):
            open_recording.remember(path)

    def failed(message: str) -> None:
        view.opening = False
        loader.deleteLater()
        view.status.setText(translate("CompareFiles", "Cannot open the saved comparison: {0}").format(message))

    loader.loaded.connect(loaded)
    loader.failed.connect(failed)
    loader.start(path)
    return True


def _choose_scenario(window, comparison) -> None:
    """The main window shows the comparison's scenario and the settings its runs shared, so
    Compare runs it again (not while the main window runs something)."""
    if window.adapter.busy:
        return
    window.run_control.choose_scenario(comparison.plan.scenario.id)
    varied = {name for c in comparison.plan.combinations for name, _ in c.varied}
    for name, value in comparison.plan.combinations[0].values.items():
        if name in varied:
            continue
        try:
            window.params.set_value(name, value)
        except (KeyError, TypeError, ValueError):
            pass  # a parameter this version no longer has


def ask_and_open(view) -> bool:
    window = view.main_window
    recent = open_recording.recent()
    folder = os.path.dirname(recent[0]) if recent else os.path.expanduser("~")
    path, _ = QFileDialog.getOpenFileName(
        view, translate("CompareFiles", "Open a saved comparison or run"), folder,
        translate("CompareFiles", "gilscope recordings (*.gilscope);;All files (*)"))
    return open_recording.open_path(window, path) if path else False


class CompareMenu(QObject):
    """The compare window's menu bar: File ▸ Open…, Save comparison…, Export ▸ …"""

    def __init__(self, view) -> None:
        super().__init__(view)
        self._view = view
        self.bar = QMenuBar(view)
        self.menu = self.bar.addMenu("")
        self.open_action = self._action(QKeySequence.StandardKey.Open, lambda: ask_and_open(view))
        self.save_action = self._action(QKeySequence.StandardKey.Save,
                                        lambda: compare_export.ask_and_write(view, "recording"))
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.save_action)
        self.export_menu = self.menu.addMenu("")
        self.export_actions = {}
        for key in compare_export.KEYS:
            if key == "recording":
                continue
            action = self._action(compare_export.SHORTCUTS.get(key),
                                  lambda _=False, key=key: compare_export.ask_and_write(view, key))
            self.export_menu.addAction(action)
            self.export_actions[key] = action
        self.menu.aboutToShow.connect(self._enable)
        self.export_menu.aboutToShow.connect(self._enable)
        view.installEventFilter(self)
        self.retranslate()

    def _action(self, shortcut, slot) -> QAction:
        action = QAction(self._view)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        # the compare window's own keys: Ctrl+S here saves the comparison, not the main run
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self._view.addAction(action)
        return action

    def eventFilter(self, watched, event) -> bool:  # Qt override: the language changed
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def retranslate(self) -> None:
        self.menu.setTitle(translate("CompareFiles", "&File"))
        self.open_action.setText(translate("CompareFiles", "Open a saved comparison or run…"))
        self.save_action.setText(compare_export.menu_texts()["recording"])
        self.export_menu.setTitle(translate("CompareFiles", "Export"))
        for key, text in compare_export.menu_texts().items():
            if key in self.export_actions:
                self.export_actions[key].setText(text)

    def _enable(self) -> None:
        shown = compare_export.has_results(self._view)
        for action in self.export_actions.values():
            action.setEnabled(shown)
        self.save_action.setEnabled(compare_export.can_save(self._view))


class DropOpener(QObject):
    """A .gilscope file dropped on the compare window opens (a comparison here, a single run
    in the main window), as a drop on the main window does."""

    def __init__(self, target, main_window) -> None:
        super().__init__(target)
        self._main = main_window
        target.setAcceptDrops(True)
        target.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # Qt override
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove) and open_recording.dropped_recording(event):
            event.acceptProposedAction()
            return True
        if kind == QEvent.Type.Drop:
            path = open_recording.dropped_recording(event)
            if path:
                event.acceptProposedAction()
                open_recording.open_path(self._main, path)
                return True
        return False
