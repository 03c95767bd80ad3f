"""Keep what the compare window shows: the stacked runs as a picture, its figures as CSV,
the comparison as one recording.

- PNG or SVG (by suffix) at 1920×1080 whatever the screen: the window is laid out at
  that size for the picture and put back (as gui.export_actions does for the main
  window).  The picture holds the stacked runs, the table and the verdict; runs that
  would need scrolling are drawn smaller so every run on screen is in it.
- CSV of the figures table: one line per run shown (pinned ones first), a column per
  figure, the values as measured (not rounded for reading).
- CSV of the summary: one line per setting and figure, its median, min and max over
  the runs (engine.compare_verdict.summarise: what the verdict's sentences quote).
- The comparison as one .gilscope file (engine/compare_recording.py), to open again.

Every file appears whole or not at all (gui.export_actions writes through a new
temporary file).
"""
import csv
import io
import json
import time

from PySide6.QtCore import QCoreApplication, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter

from . import export_actions

translate = QCoreApplication.translate  # lupdate reads translate("CompareExport", "...") calls

PICTURE_SIZE = export_actions.PICTURE_SIZE


def shown_slots(view) -> list:
    """The runs on screen that ended, in the order shown (the table's columns)."""
    return [r.slot for r in view.rows if r.slot.state not in ("waiting", "running")]


def has_results(view) -> bool:
    return bool(shown_slots(view)) and not view.busy()


def can_save(view) -> bool:
    """A comparison that ended, with its runs' events (a live one keeps them; an opened one has them)."""
    return view.comparison is not None and view.comparison.done and any(
        s.data is not None for s in view.comparison.slots)


def _check(view) -> list:
    slots = shown_slots(view)
    if not slots or view.busy():
        raise export_actions.NothingToExport(
            translate("CompareExport", "Compare, or open a saved comparison, and let it end first."))
    return slots


# -- the picture -----------------------------------------------------------------------------
def write_picture(view, path: str) -> None:
    """The compare window at 1920×1080: runs, table, verdict (PNG, or SVG by suffix)."""
    _check(view)
    window = view.window()
    state, size = window.windowState(), window.size()
    chrome = [w for w in (view.controls_host, view.file_menu.bar) if w.isVisible()]
    sizes = view.split.sizes()
    window.setWindowState(Qt.WindowState.WindowNoState)
    for widget in chrome:  # the knobs and the menu are for the next comparison, not the picture
        widget.hide()
    window.resize(PICTURE_SIZE)
    export_actions._settle()
    total = sum(view.split.sizes())
    view.split.setSizes([round(total * 0.72), round(total * 0.12), round(total * 0.16)])
    export_actions._settle()
    try:
        if path.lower().endswith(".svg"):
            export_actions._picture(view, path, view.size())
        else:
            export_actions._write_bytes(path, _png(_render(view)))
    finally:
        for widget in chrome:
            widget.show()
        view.split.setSizes(sizes)
        window.resize(size)
        window.setWindowState(state)


def _render(view) -> QImage:
    """The view as it is laid out now; rows that need scrolling are drawn smaller to fit."""
    from PySide6.QtWidgets import QWidget
    image = QImage(PICTURE_SIZE, QImage.Format.Format_ARGB32)
    background = QWidget.palette(view).window().color()
    image.fill(background)
    painter = QPainter(image)
    try:
        view.render(painter, QPoint(0, 0))
        host, area = view.rows_host, view.scroll
        target = QRect(area.mapTo(view, QPoint(0, 0)), area.viewport().size())
        needed = host.sizeHint().height()
        if needed > target.height():
            # Rows have fixed heights: laid out wider by the factor they are scaled down
            # by, they fill the picture's width once scaled (text smaller, lanes full width).
            scale = target.height() / needed
            rows = _rows_image(view, round(target.width() / scale), needed, background)
            painter.fillRect(QRect(target.x(), target.y(), area.width(), area.height()), background)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(target.x(), target.y(), rows.width() * scale, rows.height() * scale),
                              rows)
    finally:
        painter.end()
    if image.size() != PICTURE_SIZE:  # the window manager refused the size: scale to it
        image = image.scaled(PICTURE_SIZE, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return image


def _rows_image(view, width: int, height: int, background) -> QImage:
    """Every row laid out at width x height (out of the scroll area for a moment)."""
    host, area = view.rows_host, view.scroll
    area.setWidgetResizable(False)
    host.resize(width, height)
    export_actions._settle()
    try:
        rows = QImage(host.size(), QImage.Format.Format_ARGB32)
        rows.fill(background)
        painter = QPainter(rows)
        try:
            host.render(painter, QPoint(0, 0))
        finally:
            painter.end()
    finally:
        area.setWidgetResizable(True)
    return rows


def _png(image: QImage) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    data = QByteArray()
    out = QBuffer(data)
    out.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(out, "PNG"):
        raise OSError("the PNG image could not be encoded")
    out.close()
    return bytes(data)


# -- the tables --------------------------------------------------------------------------------
def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _csv(rows: list) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def figures_rows(view) -> list:
    """Header, then one row per run shown: setting, run, Python, state, each figure."""
    from engine import compare_verdict
    from .compare_results import _plan_of
    slots = _check(view)
    plan = _plan_of(view.shown_scenario(), slots, view.comparison)
    names = compare_verdict.figure_names(plan, slots)
    rows = [["setting", "run", "python", "state"] + names]
    for slot in slots:
        python = slot.combination.python
        version = python.get("version", "") + ("t" if python.get("free_threaded_build") else "")
        rows.append([slot.combination.label, slot.repeat, version, slot.state]
                    + [_cell(slot.figures.get(name)) for name in names])
    return rows


def summary_rows(view) -> list:
    """Header, then one row per setting and figure: runs measured, median, min, max (for a
    yes/no figure: how many runs said yes)."""
    from engine import compare_verdict
    from .compare_results import _plan_of
    slots = _check(view)
    plan = _plan_of(view.shown_scenario(), slots, view.comparison)
    rows = [["setting", "figure", "label", "runs", "median", "min", "max", "yes"]]
    for combo, table in zip(plan.combinations, compare_verdict.summarise(plan, slots)):
        for name, entry in table.items():
            rows.append([combo.label, name, plan.scenario.figure_label(name, view.lang), entry.get("n", 0),
                         _cell(entry.get("median")), _cell(entry.get("min")), _cell(entry.get("max")),
                         _cell(entry.get("yes"))])
    return rows


def write_figures_csv(view, path: str) -> None:
    export_actions._write_bytes(path, _csv(figures_rows(view)))


def write_summary_csv(view, path: str) -> None:
    export_actions._write_bytes(path, _csv(summary_rows(view)))


def write_recording(view, path: str) -> None:
    """The comparison (every run's events) as one .gilscope file."""
    from engine import compare_recording
    from . import recent_files
    if not can_save(view):
        raise export_actions.NothingToExport(
            translate("CompareExport", "Compare, or open a saved comparison, and let it end first."))
    compare_recording.save(view.comparison, path)
    recent_files.remember(path)


# (key, writer, suffix, the dialog's filter), in the Export menu's order
EXPORTS = (
    ("runs_png", write_picture, ".png", "PNG (*.png)"),
    ("runs_svg", write_picture, ".svg", "SVG (*.svg)"),
    ("figures_csv", write_figures_csv, ".csv", "CSV (*.csv)"),
    ("summary_csv", write_summary_csv, ".csv", "CSV (*.csv)"),
    ("recording", write_recording, ".gilscope", "gilscope (*.gilscope)"),
)
KEYS = tuple(key for key, _, _, _ in EXPORTS)
SHORTCUTS = {"runs_png": "Ctrl+E"}  # Ctrl+S saves the comparison (gui.compare_files)


def menu_texts() -> dict:
    return {
        "runs_png": translate("CompareExport", "Runs, table and verdict as PNG (1920×1080)…"),
        "runs_svg": translate("CompareExport", "Runs, table and verdict as SVG (1920×1080)…"),
        "figures_csv": translate("CompareExport", "Figures of every run as CSV…"),
        "summary_csv": translate("CompareExport", "Median, min and max per setting as CSV…"),
        "recording": translate("CompareExport", "Save the comparison (.gilscope)…"),
    }


def default_name(view, key: str, suffix: str) -> str:
    scenario = view.shown_scenario().id
    part = "compare" if key == "recording" else "compare-" + key.rsplit("_", 1)[0]
    return "%s-%s-%s%s" % (scenario, part, time.strftime("%Y%m%d-%H%M%S"), suffix)


def write(view, key: str, path: str) -> None:
    """Write export key to path (no dialog).  Raises NothingToExport, OSError, ValueError."""
    writer = {k: w for k, w, _, _ in EXPORTS}[key]
    writer(view, path)


def ask_and_write(view, key: str) -> bool:
    """Ask where, then write; a problem is said in the compare window's status line."""
    suffix, file_filter = {k: (s, f) for k, _, s, f in EXPORTS}[key]
    ready = can_save(view) if key == "recording" else has_results(view)
    if not ready:
        view.status.setText(translate("CompareExport",
                                      "Compare, or open a saved comparison, and let it end first."))
        return False
    path = export_actions.ask_save_path(view, menu_texts()[key].rstrip("…"),
                                        default_name(view, key, suffix), suffix, file_filter)
    if not path:
        return False
    try:
        write(view, key, path)
    except (OSError, ValueError, export_actions.NothingToExport) as exc:
        view.status.setText(translate("CompareExport", "Cannot write {0}: {1}").format(
            path, getattr(exc, "strerror", None) or exc))
        return False
    view.status.setText(translate("CompareExport", "Saved {0}").format(path))
    return True
