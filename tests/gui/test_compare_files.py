"""A saved comparison opens in the compare window (File ▸ Open, a drop, main.py FILE), and the
compare window saves and exports what it shows (gui/compare_files.py, gui/compare_export.py).

The recording is a real one: `main.py compare ... --save FILE --json FILE` in a subprocess.
"""
import csv
import json
import os
import subprocess
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import compare_recording, compare_verdict  # noqa: E402
from gui import compare_export, open_recording, recent_files  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPEN_TIMEOUT_MS = 120_000
RUNS = 4  # lock=off,on x 2


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(the .gilscope file, the JSON the same command wrote) of race lock off vs on, twice."""
    folder = tmp_path_factory.mktemp("comparison")
    path, doc = str(folder / "race-lock.gilscope"), str(folder / "race-lock.json")
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    done = subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), "compare", "race",
                           "--vary", "lock=off,on", "--set", "iterations=3000", "--repeat", "2",
                           "--save", path, "--json", doc],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    with open(doc, encoding="utf-8") as f:
        return path, json.load(f)


@pytest.fixture(autouse=True)
def own_recent_list(tmp_path, monkeypatch):
    monkeypatch.setattr(recent_files, "SETTINGS_FILE", str(tmp_path / "settings.ini"))


def _compare_window(qtbot, window):
    """The compare window, once its search for Pythons ended (it starts interpreters: none
    may be left running when the test ends)."""
    window.show_compare()
    view = window.compare_window.view
    qtbot.waitUntil(lambda: view.pythons.count() > 0, timeout=60_000)
    return view


def _opened_view(qtbot, window):
    window.show_compare()
    view = window.compare_window.view
    qtbot.waitUntil(lambda: not view.opening and view.comparison is not None and view._finished()
                    and not view._timer.isActive(), timeout=OPEN_TIMEOUT_MS)
    return view


def _check_shows_the_whole_comparison(view, saved_json):
    """Every run stacked with its lanes and key plot, the table and the verdict of the file."""
    assert len(view.rows) == RUNS
    assert [r.slot.state for r in view.rows] == ["finished"] * RUNS
    assert all(r.final and r.live.lanes and r.point_count() > 0 for r in view.rows)
    labels = ["%s #%d" % (r.slot.combination.label, r.slot.repeat) for r in view.rows]
    assert labels == ["lock=off #1", "lock=on #1", "lock=off #2", "lock=on #2"]
    assert view.table.columnCount() == RUNS
    assert [view.table.horizontalHeaderItem(c).text() for c in range(RUNS)] == labels
    # the verdict is the one `compare` printed when it ran, computed again from the events
    verdict = saved_json["verdict"]
    text = view.verdict.text()
    assert compare_verdict.verdict(view.comparison.plan, view.comparison.slots)["headline"] \
        == verdict["headline"]
    assert verdict["headline"].replace("&", "&amp;") in text
    runs = [r for c in saved_json["combinations"] for r in c["runs"]]
    lost = sorted(r["figures"]["lost_updates"] for r in runs)
    assert sorted(r.slot.figures["lost_updates"] for r in view.rows) == lost
    assert "Opened race-lock.gilscope: 4 runs of race" in view.status.text()


def test_file_open_shows_every_run_its_figures_and_verdict(qtbot, window, saved):
    path, doc = saved
    window.picker.select("gil")  # the comparison's scenario replaces whatever was chosen
    _compare_window(qtbot, window)
    assert open_recording.open_path(window, path)
    view = _opened_view(qtbot, window)
    _check_shows_the_whole_comparison(view, doc)
    assert window.picker.current_id() == "race" and view.shown_scenario().id == "race"
    assert view.vary_name.currentData() == "lock" and view.vary_values.text() == "off,on"
    assert view.repeat.value() == 2
    assert open_recording.recent() == [os.path.abspath(path)]
    assert window.run_control.state != "running"  # the main window's run was left alone


def test_a_comparison_dropped_on_either_window_opens_in_the_compare_window(qtbot, window, saved):
    path, doc = saved
    _compare_window(qtbot, window)
    for target in (window, window.compare_window):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(path)])
        enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(target, enter)
        assert enter.isAccepted()
        drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                          Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(target, drop)
        _check_shows_the_whole_comparison(_opened_view(qtbot, window), doc)


def test_main_py_with_a_saved_comparison_opens_it_in_the_compare_window(saved, tmp_path):
    """The real `main.py FILE` path (gui.app.main), its event loop run until the runs are in."""
    path, _ = saved
    script = r'''
import json, sys
sys.path.insert(0, %r)
from PySide6.QtCore import QEventLoop, QTimer
import gui.app as app_module
made = app_module.create_window

class App:
    def __init__(self, app, window):
        self.app, self.window = app, window
    def exec(self):
        loop, seen = QEventLoop(), {}
        def check():
            cw = self.window.compare_window
            view = cw.view if cw is not None else None
            if view is not None and view.comparison is not None and view._finished():
                seen.update(rows=len(view.rows), columns=view.table.columnCount(),
                            finals=sum(r.final for r in view.rows), status=view.status.text(),
                            visible=cw.isVisible())
                loop.quit()
        timer = QTimer()
        timer.timeout.connect(check)
        timer.start(50)
        QTimer.singleShot(120000, loop.quit)
        loop.exec()
        print(json.dumps(seen))
        return 0

def create_window(*args, **kwargs):
    app, window = made(*args, **kwargs)
    return App(app, window), window

app_module.create_window = create_window
sys.exit(app_module.main(["--lang", "en", %r]))
''' % (ROOT, path)
    # its settings (recent files, language) in a folder of the test's own, not the user's
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    env.pop("DISPLAY", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["rows"] == RUNS and seen["finals"] == RUNS and seen["columns"] == RUNS
    assert seen["visible"] and "Opened race-lock.gilscope" in seen["status"]


def test_a_damaged_comparison_is_said_and_shows_nothing(qtbot, window, saved, tmp_path):
    path, _ = saved
    with open(path, "rb") as f:
        data = f.read()
    cut = tmp_path / "cut.gilscope"
    cut.write_bytes(data[:len(data) // 2])
    view = _compare_window(qtbot, window)
    assert open_recording.open_path(window, str(cut))
    qtbot.waitUntil(lambda: not view.opening, timeout=OPEN_TIMEOUT_MS)
    assert "Cannot open the saved comparison" in view.status.text() and "truncated" in view.status.text()
    assert view.rows == [] and view.comparison is None
    assert open_recording.recent() == []


def test_exports_of_an_opened_comparison(qtbot, window, saved, tmp_path):
    path, doc = saved
    _compare_window(qtbot, window)
    assert open_recording.open_path(window, path)
    view = _opened_view(qtbot, window)
    size = window.compare_window.size()
    picture = str(tmp_path / "runs.png")
    compare_export.write(view, "runs_png", picture)
    image = QImage(picture)
    assert not image.isNull() and (image.width(), image.height()) == (1920, 1080)
    assert window.compare_window.size() == size and view.controls_host.isVisible()  # put back
    # a picture of something: more than a few colours (the lanes' states, the curves)
    colours = {image.pixel(x, y) for x in range(0, 1920, 16) for y in range(0, 1080, 16)}
    assert len(colours) > 20

    figures = str(tmp_path / "figures.csv")
    compare_export.write(view, "figures_csv", figures)
    with open(figures, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["setting", "run", "python", "state"] and len(rows) == 1 + RUNS
    lost = rows[0].index("lost_updates")
    by_run = {(r[0], int(r[1])): int(r[lost]) for r in rows[1:]}
    for row in view.rows:
        assert by_run[(row.slot.combination.label, row.slot.repeat)] == row.slot.figures["lost_updates"]

    summary = str(tmp_path / "summary.csv")
    compare_export.write(view, "summary_csv", summary)
    with open(summary, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = [n for n in doc["combinations"][0]["summary"]]
    assert len(rows) == 2 * len(names)  # two settings, every figure each
    for combo in doc["combinations"]:
        entry = combo["summary"]["lost_updates"]
        line = next(r for r in rows if r["setting"] == combo["label"] and r["figure"] == "lost_updates")
        assert (int(line["runs"]), float(line["median"]), int(line["min"]), int(line["max"])) == \
            (entry["n"], entry["median"], entry["min"], entry["max"])
        assert line["label"] == "Lost updates"


def test_a_comparison_run_in_the_window_saves_and_opens_the_same(qtbot, window, tmp_path):
    window.picker.select("race")
    window.params.set_value("iterations", 1000)
    view = _compare_window(qtbot, window)
    view.set_vary("workers", "2,3")
    assert not compare_export.can_save(view)
    assert view.start_compare(), view.status.text()
    qtbot.waitUntil(lambda: view._finished() and not view._timer.isActive(), timeout=OPEN_TIMEOUT_MS)
    figures = [dict(r.slot.figures) for r in view.rows]
    path = str(tmp_path / "workers.gilscope")
    compare_export.write(view, "recording", path)
    assert compare_recording.is_comparison(path)
    assert open_recording.open_path(window, path)
    view = _opened_view(qtbot, window)
    assert [r.slot.figures for r in view.rows] == figures
    assert [r.slot.combination.label for r in view.rows] == ["workers=2", "workers=3"]


def test_nothing_to_export_is_said_not_written(qtbot, window, tmp_path):
    view = _compare_window(qtbot, window)
    for key in compare_export.KEYS:
        assert not compare_export.ask_and_write(view, key)
        assert "let it end first" in view.status.text()
    assert os.listdir(tmp_path) == ["settings.ini"] or os.listdir(tmp_path) == []
    menu = view.file_menu
    menu._enable()
    assert not menu.save_action.isEnabled() and not any(a.isEnabled() for a in menu.export_actions.values())
    assert menu.save_action.shortcut().toString() == "Ctrl+S"
    assert menu.open_action.shortcut().toString() == "Ctrl+O"
    assert menu.export_actions["runs_png"].shortcut().toString() == "Ctrl+E"
