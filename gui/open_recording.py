"""Open a saved run (.gilscope) in the window, shown exactly as a live run of it ends.

A recording is the run's own event stream (engine/recording.py), so opening one
needs no runner and works where runs cannot (a laptop in a lecture hall, macOS,
Windows).  The recording stands in for the Session of a run that has just ended
(SavedRun): the SessionAdapter plays it through the same end-of-run path as a
live run (run_started, events, run_ended, the verdict on a worker thread,
run_finished), so the lanes, trace, queue, tasks, verdict, lesson and source
are drawn by the code that draws them live.

Ways in: File ▸ Open (Ctrl+O), File ▸ Open recent, dropping a file on the
window, and ``python main.py FILE.gilscope``.  A saved comparison (several runs,
engine/compare_recording.py) opens in the compare window (gui/compare_files.py).
"""
import os

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QFileDialog

from .recent_files import recent, remember  # noqa: F401  (File ▸ Open recent reads them here)

translate = QCoreApplication.translate  # lupdate reads translate("OpenRecording", "...") calls

SUFFIX = ".gilscope"


class SavedRun:
    """A recording read back (engine.run_data.RunData), played as the Session of a run that
    has just ended: the adapter's lifecycle calls (poll, stop, close) and reads (events,
    strings, data) answer as that Session's would.

    What a recording does not hold: the raw stdout/stderr lines (the printed lines
    the workers recorded are there) and the moment Run was pressed, so the time
    axis starts at the run's first event.
    """

    saved = True  # SessionAdapter.start() makes a new Session instead of reusing this

    def __init__(self, loaded, path: str) -> None:
        self.path = path
        self._data = loaded
        self.scenario, self.params, self.interpreter = loaded.scenario, loaded.params, loaded.interpreter
        self.state, self.t_end_ns, self.problem = loaded.state, loaded.t_end_ns, loaded.problem
        self.t_start_ns = loaded.t_start_ns
        self.strings, self.messages = loaded.strings, loaded.messages
        self.output = []
        self.run_id = ""
        self.stop_seconds = None

    def poll(self) -> str:
        return self.state

    def data(self):
        return self._data

    def events(self):
        return self._data.events

    def dropped(self) -> int:
        return self._data.dropped

    def result(self):
        return self._data.result()

    def stop(self) -> float:
        return 0.0

    def close(self) -> None:
        pass


def open_path(window, path: str) -> bool:
    """Show the recording at path in window; a problem is said in the banner.  True if shown."""
    from engine import compare_recording, recording
    if compare_recording.is_comparison(path):  # several runs: the compare window shows them
        return window.open_comparison(path)  # (gui/compare_files.py imports this module)
    if window.adapter.busy:
        window.banner.show_problem(translate("OpenRecording", "Stop the run before opening a saved one."))
        return False
    try:
        loaded = recording.load(path)
    except recording.ScenarioFileNeeded as exc:  # never loaded from the path it names
        scenario = window.picker.scenario(exc.path)  # the same file, opened by the user
        if scenario is None:
            window.banner.show_problem(translate(
                "OpenRecording", "This is a run of the scenario file {0}: open that file first "
                "(File ▸ Open a scenario file…), then the run.").format(exc.path))
            return False
        try:
            loaded = recording.load(path, scenario=scenario)
        except recording.RecordingError as again:
            window.banner.show_problem(translate("OpenRecording", "Cannot open the saved run: {0}").format(again))
            return False
    except recording.RecordingError as exc:
        window.banner.show_problem(translate("OpenRecording", "Cannot open the saved run: {0}").format(exc))
        return False
    window.run_control.choose_scenario(loaded.scenario.ref)  # the list, the form, the lesson, the views
    for name, value in loaded.params.items():  # the form shows the run's own settings
        try:
            window.params.set_value(name, value)
        except (KeyError, TypeError, ValueError):
            pass  # a parameter this version no longer has: the verdict still reads the run
    window.load_plots()
    window.banner.hide_problem()
    window.opened_path = os.path.abspath(path)
    remember(path)
    return window.run_control.show_saved(SavedRun(loaded, path))


def ask_and_open(window) -> bool:
    folder = os.path.dirname(recent()[0]) if recent() else os.path.expanduser("~")
    path, _ = QFileDialog.getOpenFileName(
        window, translate("OpenRecording", "Open a saved run"), folder,
        translate("OpenRecording", "gilscope recordings (*.gilscope);;All files (*)"))
    return open_path(window, path) if path else False


def dropped_recording(event) -> str:
    """The local .gilscope file a drag carries, or ""."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return ""
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().endswith(SUFFIX):
            return url.toLocalFile()
    return ""


class DropOpener(QObject):
    """Event filter on the window: a .gilscope file dropped on it is opened."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # Qt override
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove) and dropped_recording(event):
            event.acceptProposedAction()
            return True
        if kind == QEvent.Type.Drop:
            path = dropped_recording(event)
            if path:
                event.acceptProposedAction()
                open_path(self._window, path)
                return True
        return False
