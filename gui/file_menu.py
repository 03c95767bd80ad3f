"""The window's File menu: open a saved run (and recent ones) or a scenario file, export.

Installed on the main window by one call (``install(window)``), so the window's
own module stays about its layout; the menu follows the window's language.
"""
import os

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from . import export_actions, open_recording, open_scenario

translate = QCoreApplication.translate  # lupdate reads translate("FileMenu", "...") calls


class FileMenu(QObject):
    """File ▸ Open…, Open recent ▸, Export ▸ (images, tables, verdict, trace, recording)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self.menu = window.menuBar().addMenu("")
        self.open_action = QAction(window)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.open_action.triggered.connect(lambda: open_recording.ask_and_open(window))
        self.menu.addAction(self.open_action)
        self.open_scenario_action = QAction(window)  # your own scenario (engine/scenario_file.py)
        self.open_scenario_action.triggered.connect(lambda: open_scenario.ask_and_open(window))
        self.menu.addAction(self.open_scenario_action)
        self.recent_menu = self.menu.addMenu("")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.menu.addSeparator()
        self.export_menu = self.menu.addMenu("")
        self.export_actions = {}
        for key, _, _, _ in export_actions.EXPORTS:
            action = QAction(window)
            action.triggered.connect(lambda _=False, key=key: export_actions.ask_and_write(window, key))
            self.export_menu.addAction(action)
            self.export_actions[key] = action
        self.export_menu.aboutToShow.connect(self._enable_exports)
        self.menu.addSeparator()
        self.menu.addAction(window.quit_action)
        self.drops = open_recording.DropOpener(window)
        window.installEventFilter(self)
        self.retranslate()

    def eventFilter(self, watched, event) -> bool:  # Qt override: the window's language changed
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def retranslate(self) -> None:
        self.menu.setTitle(translate("FileMenu", "&File"))
        self.open_action.setText(translate("FileMenu", "Open a saved run…"))
        self.open_scenario_action.setText(translate("FileMenu", "Open a scenario file…"))
        self.recent_menu.setTitle(translate("FileMenu", "Open recent"))
        self.export_menu.setTitle(translate("FileMenu", "Export"))
        for key, text in export_actions.menu_texts().items():
            self.export_actions[key].setText(text)

    def _enable_exports(self) -> None:
        ended = self._window.run_control.last_result is not None and not self._window.adapter.busy
        for action in self.export_actions.values():
            action.setEnabled(ended)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = open_recording.recent()
        if not paths:
            empty = self.recent_menu.addAction(translate("FileMenu", "(none yet)"))
            empty.setEnabled(False)
        for path in paths:
            action = self.recent_menu.addAction(os.path.basename(path))
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, path=path: open_recording.open_path(self._window, path))


def install(window) -> FileMenu:
    window.file_menu = FileMenu(window)
    return window.file_menu
