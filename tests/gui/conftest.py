"""Widget tests start in English, whatever the test before them switched to, and leave
no Qt object behind them.

pytest-qt closes each test's widgets with deleteLater(), which only a running event loop
carries out; the last test's window would then live until interpreter exit, where
PySide deletes it while Python is shutting down and pyqtgraph's Python overrides crash
the process (exit 139 after every test passed).  So deferred deletions are carried out
after every test, and whatever top-level widget is still alive at the end is deleted
while Python is still whole.
"""
import gc
import os

import pytest

# The first-run hint (gui/help_sheet.py) is for people: a window made by gui.app in a test
# shows it only when the test asks (help.show_hint_once()).
os.environ["GILSCOPE_FIRST_RUN_HINT"] = "0"


def _delete_now() -> None:
    from PySide6.QtCore import QCoreApplication, QEvent
    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item):
    yield  # pytest-qt has closed the test's widgets (deleteLater) by now
    _delete_now()
    # Collect the test's reference cycles here, in the main thread.  pyqtgraph keeps
    # Python-owned Qt objects in cycles (a plot's option menus); left to a later test, the
    # collector may run on a Session's sampler thread and delete them there, where the
    # QObject destructor and the main thread wait on each other (a hang seen in
    # test_every_scenario_runs_through_the_window: the sampler thread in gc_collect_main ->
    # QObject::~QObject -> GilState::acquire, the main thread in runDeletionInMainThread ->
    # QMenu::~QMenu -> QBasicMutex::lockInternal).
    gc.collect()


def pytest_sessionfinish(session, exitstatus):
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        return
    for widget in QApplication.topLevelWidgets():
        widget.deleteLater()
    _delete_now()
    gc.collect()


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread(qapp):
    """As the app does (gui/gui_thread_gc.py): a Session thread never deletes a Qt object.
    Per test, so the tests after tests/gui get Python's own collector back."""
    from gui import gui_thread_gc
    collector = gui_thread_gc.install(qapp)
    yield
    collector.stop()
    collector.deleteLater()


@pytest.fixture
def make_window(qtbot):
    """Makes main windows at 1366x768, plots built, in English and the light palette; each
    is closed (which stops any run) when the test ends.  For tests that need two."""
    from gui.main_window import MainWindow
    made = []

    def make():
        # The application's palette, style sheet and font, as gui/app.py sets them before it
        # makes its window: a test that made text bigger or dark must not leave it to the next
        from PySide6.QtWidgets import QApplication
        from gui import theme
        theme.apply(QApplication.instance(), theme.LIGHT, 14)
        win = MainWindow(lang="en", theme_name="light", pixel_size=14)
        qtbot.addWidget(win)
        win.resize(1366, 768)
        win.show()
        win.load_plots()
        # The busy-machine warning comes and goes with the machine's load and moves every
        # layout under it: off, except where a test turns it on (tests/gui/test_busy_machine.py).
        win.busy_warning.enabled = False
        win.busy_warning.pause()
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()


@pytest.fixture
def window(make_window):
    """The main window (see make_window): the one every widget test uses."""
    return make_window()


@pytest.fixture(autouse=True)
def english_after_each_test():
    yield
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is not None:
        from gui import language
        language.install_translator(app, "en")


@pytest.fixture(autouse=True)
def settings_in_a_temporary_folder(tmp_path):
    """No test reads or writes the user's real gilscope settings (gui/settings.py), and each
    test starts with none saved."""
    from PySide6.QtCore import QSettings
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield
