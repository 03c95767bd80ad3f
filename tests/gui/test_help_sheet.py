"""The F1 sheet (gui/help_sheet.py): every key the window has, how to read each view, in
English and Chinese; and the first-run hint, shown once and remembered."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QAction, QKeySequence, QShortcut  # noqa: E402

from gui import help_sheet, settings  # noqa: E402


def _open_sheet(qtbot, win):
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: win.help.sheet is not None and win.help.sheet.isVisible(), timeout=3000)
    return win.help.sheet


def _every_key(win) -> set:
    """Every key of every QAction and QShortcut the window holds, as the sheet prints it."""
    keys = set()
    for action in win.findChildren(QAction):
        keys.update(help_sheet.key_text(s) for s in action.shortcuts() if not s.isEmpty())
    for shortcut in win.findChildren(QShortcut):
        keys.add(help_sheet.key_text(shortcut.key()))
    return keys


def test_f1_opens_a_sheet_owned_by_the_window_with_every_shortcut(qtbot, window):
    sheet = _open_sheet(qtbot, window)
    assert sheet.parent() is window
    keys = _every_key(window)
    # The ones a lecturer needs are among them: the test sees the real shortcuts.
    assert {"F1", "F5", "F9", "F11", "Ctrl+O", "→", "PgDown", "Ctrl+0", "."} <= keys
    listed = [k for row_keys, _ in sheet.key_rows() for k in row_keys]
    text = sheet.plain_text()
    for key in keys:
        assert key in listed, key
        assert key in text, key
    for row_keys, what in sheet.key_rows():
        assert what and what != "(no description)", row_keys
        assert what in text


def test_a_new_shortcut_is_in_the_sheet_the_next_time_it_opens(qtbot, window):
    sheet = _open_sheet(qtbot, window)
    sheet.close()
    extra = QAction("Frobnicate", window)
    extra.setShortcut(QKeySequence("Ctrl+Alt+F12"))
    window.addAction(extra)
    sheet = _open_sheet(qtbot, window)
    assert "Ctrl+Alt+F12" in sheet.plain_text() and "Frobnicate" in sheet.plain_text()


def test_the_sheet_explains_the_views_in_both_languages(qtbot, window):
    sheet = _open_sheet(qtbot, window)
    english = sheet.plain_text()
    for words in ("Mixed colours", "Phase marks", "Measured or inferred states", "schedstat",
                  "probe"):
        assert words in english, words
    window.set_chinese(True)
    qtbot.waitUntil(lambda: "混合的颜色" in sheet.plain_text(), timeout=3000)
    chinese = sheet.plain_text()
    for words in ("阶段标记", "测量的状态与推断的状态", "schedstat", "探针"):
        assert words in chinese, words
    assert sheet.windowTitle().startswith("gilscope 帮助")
    for key in _every_key(window):  # the keys stay, whatever the language
        assert key in chinese, key
    assert "(no description)" not in chinese and "（无说明）" not in chinese
    window.set_chinese(False)
    qtbot.waitUntil(lambda: "Mixed colours" in sheet.plain_text(), timeout=3000)


def test_the_first_run_hint_is_shown_once_and_remembered(qtbot, window):
    assert window.help.hint.isHidden()  # a test window never shows it unless asked
    assert window.help.show_hint_once()
    assert not window.help.hint.isHidden()
    window.help.hint.dismiss_button.click()
    assert window.help.hint.isHidden()
    assert str(settings.store().value(help_sheet.HINT_SETTING)).lower() == "true"
    assert not window.help.show_hint_once()  # the next launch
    assert window.help.hint.isHidden()


def test_the_hint_opens_the_sheet_and_goes(qtbot, window, tmp_path):
    store = QSettings(str(tmp_path / "own.ini"), QSettings.Format.IniFormat)
    assert window.help.show_hint_once(store)
    window.help.hint.help_button.click()
    assert window.help.sheet is not None and window.help.sheet.isVisible()
    assert window.help.hint.isHidden()


def test_the_app_shows_the_hint_at_the_first_launch_only(qtbot, monkeypatch):
    from gui import app as app_module
    monkeypatch.setenv("GILSCOPE_FIRST_RUN_HINT", "1")  # asked for (conftest turns it off)
    _, first = app_module.create_window((), app_module.WindowOptions(lang="en", theme="light"))
    qtbot.addWidget(first)
    assert not first.help.hint.isHidden()
    first.remember_settings = False
    first.close()
    _, second = app_module.create_window((), app_module.WindowOptions(lang="en", theme="light"))
    qtbot.addWidget(second)
    assert second.help.hint.isHidden()
    second.remember_settings = False
    second.close()
