"""Keep what the window shows: images, tables, the verdict, the Perfetto trace, the recording.

Each writer takes the window and a path, and writes the run the window shows
now (the last one to end, live or opened from a file):

- PNG or SVG (by the file's suffix) of the whole window or of the timeline,
  drawn at 1920×1080 whatever the screen: the widget is laid out at that size
  for the picture and put back;
- CSV of the timeline's spans and of the verdict's figures; the verdict as text;
- the Chrome trace for Perfetto (engine/export.py); the recording (.gilscope).

Every file appears whole or not at all: it is written to a new temporary file
(O_EXCL, unpredictable name) that replaces the target when complete.
"""
import csv
import io
import os
import time

from PySide6.QtCore import (QBuffer, QByteArray, QCoreApplication, QEventLoop, QIODevice, QPoint, QRect, QSize,
                            Qt, QTimer)
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

translate = QCoreApplication.translate  # lupdate reads translate("ExportActions", "...") calls

PICTURE_SIZE = QSize(1920, 1080)
SETTLE_MS = 120  # the timeline redraws its lanes on a timer after a resize


class NothingToExport(Exception):
    """No run has ended in this window yet."""


def _result(window):
    if window.run_control.last_result is None:
        raise NothingToExport(translate("ExportActions", "Run a scenario or open a saved run first."))
    return window.run_control.last_result


def _write_bytes(path: str, data: bytes) -> None:
    from engine.safe_files import replaced_atomically
    with replaced_atomically(path, "wb", buffering=1 << 20) as out:
        out.write(data)


def _settle() -> None:
    loop = QEventLoop()
    QTimer.singleShot(SETTLE_MS, loop.quit)
    loop.exec()


def _picture(widget, path: str, size: QSize) -> None:
    """widget laid out at size, painted into a PNG (raster) or an SVG (vector) file."""
    svg = path.lower().endswith(".svg")
    if svg:
        from PySide6.QtSvg import QSvgGenerator
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        target = QSvgGenerator()
        target.setOutputDevice(buffer)
        target.setSize(size)
        target.setViewBox(QRect(QPoint(0, 0), size))
        target.setTitle("gilscope")
    else:
        target = QImage(size, QImage.Format.Format_ARGB32)
        # QWidget's own palette(): the timeline keeps its state colours in an attribute of that name
        target.fill(QWidget.palette(widget).window().color())
    painter = QPainter(target)
    try:
        widget.render(painter, QPoint(0, 0))
    finally:
        painter.end()
    if svg:
        buffer.close()
        _write_bytes(path, bytes(buffer.data()))
    else:
        data = QByteArray()
        out = QBuffer(data)
        out.open(QIODevice.OpenModeFlag.WriteOnly)
        if not target.save(out, "PNG"):
            raise OSError("the PNG image could not be encoded")
        out.close()
        _write_bytes(path, bytes(data))


def write_window_image(window, path: str) -> None:
    """The whole window at 1920×1080 (PNG or SVG)."""
    _result(window)
    state, size = window.windowState(), window.size()
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(PICTURE_SIZE)
    _settle()
    try:
        _picture(window, path, window.size())
    finally:
        window.resize(size)
        window.setWindowState(state)


def write_timeline_image(window, path: str) -> None:
    """The timeline alone at 1920×1080 (PNG or SVG).

    Drawn by a second TimelineWidget laid out at that size, off screen, over the
    same lanes, time range and phase marks: the window's own stays where its
    splitter puts it (resizing it in place, the splitter gives it its size back).
    """
    from .timeline import TimelineWidget
    _result(window)
    shown = window.plots.timeline
    copy = TimelineWidget(parent=window)
    copy.setWindowFlag(Qt.WindowType.Window)  # a window of its own, owned by the main one
    copy.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    try:
        copy.apply_theme(window.theme, window.pixel_size)
        copy.retranslate(window.lang)
        copy.set_follow(False)
        copy.set_index(shown.index, shown.lane_labels, shown._t0_ns)
        copy.phase_marks.set(list(shown.phase_marks._shown or []))
        copy.resize(PICTURE_SIZE)
        copy.show()
        copy.view_box.setXRange(*shown.view_box.viewRange()[0], padding=0)
        _settle()
        _picture(copy, path, PICTURE_SIZE)
    finally:
        copy.hide()
        copy.deleteLater()


def write_spans_csv(window, path: str) -> None:
    """One row per timeline span: lane, its label, pid, worker, state, start and end (s from
    the run's first event), duration (s)."""
    from engine.wire import STATE_NAMES
    view = _result(window).view
    spans, lanes = view.spans(), view.lanes()
    text = io.StringIO()
    rows = csv.writer(text, lineterminator="\n")
    rows.writerow(["lane", "label", "pid", "worker", "state", "start_s", "end_s", "duration_s"])
    t0 = view.t_start
    for lane, a, b, state in zip(spans["lane"].tolist(), spans["t0"].tolist(), spans["t1"].tolist(),
                                 spans["state"].tolist()):
        pid, worker, label = lanes[lane]
        rows.writerow([lane, label, pid, worker, STATE_NAMES.get(state, "?"), "%.9f" % ((a - t0) / 1e9),
                       "%.9f" % ((b - t0) / 1e9), "%.9f" % ((b - a) / 1e9)])
    _write_bytes(path, text.getvalue().encode("utf-8"))


def _figure_rows(window):
    result = _result(window)
    scenario = window.run_control.run_scenario or window.picker.scenario(window.picker.current_id())
    for name, value in result.figures.items():
        label = scenario.figure_label(name, window.lang) if scenario is not None else name
        yield name, label, value


def write_figures_csv(window, path: str) -> None:
    """The verdict's figures: name, label (in the window's language), value."""
    text = io.StringIO()
    rows = csv.writer(text, lineterminator="\n")
    rows.writerow(["name", "label", "value"])
    for name, label, value in _figure_rows(window):
        rows.writerow([name, label, value])
    _write_bytes(path, text.getvalue().encode("utf-8"))


def verdict_text(window) -> str:
    """The verdict as the window shows it, in its language: headline, notes, figures."""
    result = _result(window)
    pick = (lambda texts: texts.get(window.lang, texts["en"]))
    lines = [pick(result.verdict.headline), ""]
    lines += [pick(note) for note in result.verdict.notes]
    lines.append("")
    lines += ["%s: %s" % (label, value) for _, label, value in _figure_rows(window)]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_verdict_text(window, path: str) -> None:
    _write_bytes(path, verdict_text(window).encode("utf-8"))


def write_trace(window, path: str) -> None:
    """The Chrome trace that Perfetto opens (engine/export.py)."""
    from engine import export
    result = _result(window)
    export.write_chrome_trace(result.view, path, export.phase_labels(window.run_control.run_scenario))


def write_recording(window, path: str) -> None:
    """The run as a .gilscope recording, to open again later (gui/open_recording.py)."""
    from engine import recording
    from . import recent_files
    _result(window)
    recording.save(window.adapter.session.data(), path)
    recent_files.remember(path)


# (key, writer, file suffix, the dialog's file filter) in the Export menu's order
EXPORTS = (
    ("window_png", write_window_image, ".png", "PNG (*.png)"),
    ("window_svg", write_window_image, ".svg", "SVG (*.svg)"),
    ("timeline_png", write_timeline_image, ".png", "PNG (*.png)"),
    ("timeline_svg", write_timeline_image, ".svg", "SVG (*.svg)"),
    ("spans_csv", write_spans_csv, ".csv", "CSV (*.csv)"),
    ("figures_csv", write_figures_csv, ".csv", "CSV (*.csv)"),
    ("verdict_txt", write_verdict_text, ".txt", "Text (*.txt)"),
    ("trace_json", write_trace, ".json", "Chrome trace / Perfetto (*.json)"),
    ("recording", write_recording, ".gilscope", "gilscope (*.gilscope)"),
)


def menu_texts() -> dict:
    """key -> the Export menu's text for it (translated now: called at each retranslate)."""
    return {
        "window_png": translate("ExportActions", "Window as PNG (1920×1080)…"),
        "window_svg": translate("ExportActions", "Window as SVG (1920×1080)…"),
        "timeline_png": translate("ExportActions", "Timeline as PNG (1920×1080)…"),
        "timeline_svg": translate("ExportActions", "Timeline as SVG (1920×1080)…"),
        "spans_csv": translate("ExportActions", "Timeline spans as CSV…"),
        "figures_csv": translate("ExportActions", "Verdict figures as CSV…"),
        "verdict_txt": translate("ExportActions", "Verdict as text…"),
        "trace_json": translate("ExportActions", "Perfetto trace (Chrome JSON)…"),
        "recording": translate("ExportActions", "Recording (.gilscope)…"),
    }


def default_name(window, key: str, suffix: str) -> str:
    shown = window.run_control.run_scenario
    scenario = shown.id if shown is not None else "gilscope"
    part = key.rsplit("_", 1)[0] if key != "recording" else ""
    stem = "-".join(p for p in (scenario, part, time.strftime("%Y%m%d-%H%M%S")) if p)
    return stem + suffix



def ask_save_path(owner, title: str, name: str, suffix: str, file_filter: str) -> str:
    """The save dialog, opened in the folder owner last exported to; the suffix added when
    none was typed; "" if cancelled.  (The compare window's exports use it too.)"""
    from PySide6.QtWidgets import QFileDialog
    folder = getattr(owner, "export_folder", "") or os.path.expanduser("~")
    path, _ = QFileDialog.getSaveFileName(owner, title, os.path.join(folder, name), file_filter)
    if not path:
        return ""
    if not os.path.splitext(path)[1]:
        path += suffix
    owner.export_folder = os.path.dirname(path)
    return path

def ask_and_write(window, key: str) -> bool:
    """Ask where, then write; a problem is said in the banner.  True when written."""
    writer, suffix, file_filter = {k: (w, s, f) for k, w, s, f in EXPORTS}[key]
    if window.run_control.last_result is None:
        window.banner.show_problem(translate("ExportActions", "Run a scenario or open a saved run first."))
        return False
    path = ask_save_path(window, menu_texts()[key].rstrip("…"), default_name(window, key, suffix),
                         suffix, file_filter)
    if not path:
        return False
    try:
        writer(window, path)
    except (OSError, ValueError) as exc:
        window.banner.show_problem(translate("ExportActions", "Cannot write {0}: {1}").format(
            path, getattr(exc, "strerror", None) or exc))
        return False
    window.status_label.setText(translate("ExportActions", "Saved {0}").format(path))
    return True
