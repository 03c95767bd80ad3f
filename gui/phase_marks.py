"""Where each step of the scenario's program began, marked across the timeline.

A scenario runs its lesson in steps (gil: one worker alone, then threads, then
processes; shared-globals: the bug, then each fix) and records each as a phase.
The steps a scenario labels get a vertical line at their start with the label
at the top: a handful of items a run, never one per event.
"""
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from engine.wire import K

MAX_LABEL_ROWS = 6  # labels of steps close together stack up to this many rows (timeline):
# shared-globals has six steps (the bug, join before reading, four fixes), all within a few
# seconds: with five rows the sixth label hid when a loaded machine ran them all together
STRIP_SHARE = 0.25  # label rows beyond two take at most this share of the plot's height: at 1024x768
# with text x1.5 six rows were taller than the strip kept for them and covered the lanes;
# more took the lines subprocess's nine lanes need to be named
LABEL_MARGIN_PX = 1  # around a label's text (Qt's default is 4)


def phase_starts(chunk, strings: dict, wanted) -> list:
    """[(name, t_ns)] of the phases beginning in chunk whose names are in wanted."""
    begins = chunk[chunk["kind"] == K.PHASE_BEGIN]
    found = []
    for e in begins:
        name = strings.get((int(e["pid"]), int(e["b"])))
        if name in wanted:
            found.append((name, int(e["t"])))
    return found


class PhaseMarks:
    """The phase lines of one plot; set() replaces them only when they changed."""

    def __init__(self, view_box: pg.ViewBox, changed=None, max_rows: int = MAX_LABEL_ROWS) -> None:
        self._view_box = view_box
        self._max_rows = max_rows
        self._changed = changed  # called when marks come or go: the plot makes room for them
        view_box.sigXRangeChanged.connect(self._fit_labels)
        view_box.sigResized.connect(self._resized)
        self._lines = []
        self._rows = 1  # label rows in use at the top of the plot
        self._shown = None  # the (label, x) list on screen
        self._pinned = pg.TextItem(anchor=(0, 0))  # the current step's label at the left edge
        self._pinned.setZValue(11)
        self._pinned.hide()
        view_box.addItem(self._pinned, ignoreBounds=True)
        self._pen = pg.mkPen("#555555", width=1, style=Qt.PenStyle.DashLine)
        self._text, self._fill = "#222222", (255, 255, 255, 200)
        self._pinned.setColor(self._text)
        self._pinned.fill = pg.mkBrush(*self._fill)

    def set(self, marks: list) -> None:
        """marks: [(label, x in seconds)]."""
        if marks == self._shown:
            return
        self.clear()
        top = 0.0 if self._view_box.yInverted() else 1.0  # the label at the top of the plot
        for label, x in marks:
            line = pg.InfiniteLine(pos=x, angle=90, movable=False, pen=self._pen, label=label,
                                   labelOpts={"position": top, "color": self._text,
                                              "fill": self._fill, "anchors": [(0, 0), (0, 0)]})
            # Rows as tall as the text and a pixel each side, not Qt's 4 px document margin:
            # at 1024x768 with text x1.5 threads-help's six labels then fit a row more
            line.label.textItem.document().setDocumentMargin(LABEL_MARGIN_PX)
            line.label.updateTextPos()
            line.label.setToolTip(label)  # the whole text, where the strip shows it shortened
            line.full_text = label
            line.setZValue(10)  # over the lanes' image
            self._view_box.addItem(line, ignoreBounds=True)
            self._lines.append(line)
        self._shown = list(marks)
        self._fit_labels()
        if self._changed is not None:
            self._changed()

    def _fit_labels(self, *_) -> None:
        """Each label on the first row where it does not overprint the one before it; with
        no row free, the earlier label it would cover is shortened ("bug: r…", the whole
        text in its tooltip) to end before it.  Rows: up to max_rows, and no more than fit
        in STRIP_SHARE of the plot, all above the data (room_above): labels never cover a
        lane, a bar or a curve."""
        width = self._view_box.width()
        x0, x1 = self._view_box.viewRange()[0]
        if not self._lines or width <= 0 or x1 <= x0:
            return
        px_per_s = width / (x1 - x0)
        xs = [line.value() for line in self._lines]
        pinned_px = self._pin_current(x0, x1, xs + [x1], px_per_s)
        height = max(self._view_box.height(), 1.0)
        line_px = self._label_height()
        rows = min(self._max_rows, max(2, int(STRIP_SHARE * height // max(line_px, 1.0))))
        row_end = [pinned_px] + [0.0] * (rows - 1)  # px where each row is free
        row_last = [None] * rows  # (line, left px) of the label that ends each row
        metrics = QFontMetrics(self._lines[0].label.textItem.font())
        shortest = metrics.horizontalAdvance("Mm…") + 8
        rows_used = 1
        for line, x in zip(self._lines, xs):
            self._set_text(line, line.full_text)
            at = (x - x0) * px_per_s
            full_px = line.label.boundingRect().width() + 4
            # Right of its line; near the right edge left of it; else shortened to the edge:
            # the first of these with a free row.
            ways = [(False, full_px)] if at + full_px <= width else \
                [(True, full_px)] if at - full_px >= 0 else []
            if width - at < full_px:
                ways.append((False, width - at))
            flip, label_px, row = False, min(full_px, width - at), None
            for flip, label_px in ways:
                left = at - label_px if flip else at
                row = next((r for r in range(rows) if left >= row_end[r]), None)
                if row is not None:
                    break
            if row is None:  # every row is taken here: shorten the label that leaves most
                flip, label_px, left = False, min(full_px, width - at), at
                row = max((r for r in range(rows) if row_last[r] is not None),
                          key=lambda r: left - row_last[r][1], default=None)
                if row is not None and left - row_last[row][1] - 4 >= shortest:
                    self._shorten(row_last[row][0], metrics, left - row_last[row][1] - 4)
                else:
                    row = None
            if row is not None and label_px < full_px:
                label_px = self._shorten(line, metrics, label_px)
            shown = x0 <= x < x1 and row is not None and label_px >= shortest
            line.label.setVisible(shown)
            if not shown:
                continue
            anchors = [(1, 0), (1, 0)] if flip else [(0, 0), (0, 0)]
            if line.label.anchors != anchors:
                line.label.anchors = anchors
                line.label.updatePosition()
            row_end[row] = left + label_px
            row_last[row] = (line, left)
            rows_used = max(rows_used, row + 1)
            offset = min(row * line_px / height, 0.9)
            line.label.setPosition(offset if self._view_box.yInverted() else 1.0 - offset)
        if rows_used != self._rows:
            self._rows = rows_used
            if self._changed is not None:
                self._changed()  # the strip above the data grew or shrank

    @staticmethod
    def _set_text(line, text: str) -> None:
        # The label's format too: pyqtgraph re-formats a label each time it is shown.
        line.label.format = text.replace("{", "{{").replace("}", "}}")
        if line.label.toPlainText() != text:
            line.label.setText(text)

    def _shorten(self, line, metrics: QFontMetrics, room_px: float) -> float:
        """The label cut to room_px with an ellipsis (its tooltip keeps it whole); its width."""
        text = metrics.elidedText(line.full_text, Qt.TextElideMode.ElideRight, max(int(room_px) - 10, 1))
        self._set_text(line, text)
        return line.label.boundingRect().width() + 4

    def label_at(self, scene_pos) -> str:
        """The whole text of the label under scene_pos ("" if none): the strip's hover text."""
        for line in self._lines:
            if line.label.isVisible() and line.label.sceneBoundingRect().contains(scene_pos):
                return line.full_text
        return ""

    def _label_height(self) -> float:
        return self._lines[0].label.boundingRect().height() if self._lines else 0.0

    def _pin_current(self, x0: float, x1: float, xs: list, px_per_s: float) -> float:
        """Zoomed in past the start of a step, its label stays at the left edge: the user
        always knows which step they are looking at.  Returns the px it takes (0: none)."""
        xs = xs[:-1]
        inside = [i for i, x in enumerate(xs) if x < x0]
        if not inside:
            self._pinned.hide()
            return 0.0
        current = inside[-1]
        self._pinned.setText("◂ " + self._shown[current][0])
        following = xs[current + 1] if current + 1 < len(xs) else x1
        room = (min(following, x1) - x0) * px_per_s
        (_, _), (y0, y1) = self._view_box.viewRange()
        self._pinned.setPos(x0, y0 if self._view_box.yInverted() else y1)
        fits = self._pinned.boundingRect().width() + 4 <= room
        self._pinned.setVisible(fits)
        return self._pinned.boundingRect().width() + 4 if fits else 0.0

    def _resized(self, *_) -> None:
        self._fit_labels()
        if self._lines and self._changed is not None:
            self._changed()  # the strip is pixels: in data units it changes with the height

    def visible_labels(self) -> list:
        """The labels shown (their whole texts; shown_texts: as drawn, maybe shortened)."""
        return [line.full_text for line in self._lines if line.label.isVisible()]

    def shown_texts(self) -> list:
        """The labels shown, as drawn ("fix: a M…" where the strip is short of room)."""
        return [line.label.toPlainText() for line in self._lines if line.label.isVisible()]

    def visible_items(self) -> list:
        """The label items shown (tests read their scene rectangles)."""
        return [line.label for line in self._lines if line.label.isVisible()]

    def pinned_label(self) -> str:
        """The label pinned at the left edge ("" when none is)."""
        return self._pinned.toPlainText() if self._pinned.isVisible() else ""

    def clear(self) -> None:
        had = bool(self._lines)
        for line in self._lines:
            self._view_box.removeItem(line)
        self._lines, self._shown = [], None
        self._rows = 1
        self._pinned.hide()
        if had and self._changed is not None:
            self._changed()

    def strip_px(self) -> int:
        """Pixels the plot keeps free at its top for the labels (0 without marks), so that
        they never cover a lane, a bar or a curve."""
        if not self._lines:
            return 0
        return int(self._rows * self._label_height()) + 4

    def room_above(self, span: float) -> float:
        """How much to add to a y range of `span` (data units) for the label strip."""
        strip, height = self.strip_px(), self._view_box.height()
        if not strip or height <= strip + 4:
            return 0.0
        return span * strip / (height - strip)

    def count(self) -> int:
        return len(self._lines)

    def labels(self) -> list:
        return [label for label, _ in self._shown or ()]

    def apply_theme(self, theme) -> None:
        self._pen = pg.mkPen(theme.muted, width=1, style=Qt.PenStyle.DashLine)
        self._text = theme.plot_fg
        bg = pg.mkColor(theme.plot_bg)
        self._fill = (bg.red(), bg.green(), bg.blue(), 210)
        self._pinned.setColor(self._text)
        self._pinned.fill = pg.mkBrush(*self._fill)
        marks, self._shown = self._shown, None
        if marks:
            self.set(marks)
