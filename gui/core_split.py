"""Per core: this run's share, other programs' share, idle — one stacked bar a core.

Beside the per-core load plot (gui/cpu_panel.py): the plot says how busy each core was,
these bars say for whom.  Fed by the cpu_sample events, whose aux carries this run's
(and gilscope's own) share of the core (engine/cpu_split.py).  One painted widget, not a
graphics item per core: 64 cores cost one paint.
"""
import html

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QVBoxLayout, QWidget

from . import theme as theme_module
from .whole_text import WholeLabel

MAX_BARS = 64  # more cores than this: the first 64 (the key says how many are shown)


class CoreBars(QWidget):
    """The painted bars; shares per core are set by CoreSplit."""

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(parent)
        self._theme, self._px = theme, pixel_size
        self.shares = np.zeros((0, 3))  # rows: core; columns: this run, other programs, idle
        self.core_word = "core {0}"

    def set_shares(self, shares: np.ndarray) -> None:
        self.shares = shares[:MAX_BARS]
        self.setMinimumHeight(max(40, len(self.shares) * 6))
        self.update()

    def paintEvent(self, _event) -> None:  # Qt override
        n = len(self.shares)
        if not n:
            return
        p = QPainter(self)
        t = self._theme
        colours = [QColor(t.accent), QColor(t.warn), QColor(t.plot_bg)]
        font = theme_module.ui_font(theme_module.readable_px("ticks", self._px))
        p.setFont(font)
        label_w = p.fontMetrics().horizontalAdvance(self.core_word.format(88)) + 6
        row_h = self.height() / n
        bar_w = max(10.0, self.width() - label_w - 2)
        for i, share in enumerate(self.shares):
            y = i * row_h + 1
            h = max(2.0, row_h - 2)
            if row_h >= p.fontMetrics().height():
                p.setPen(QColor(t.text))
                p.drawText(QRectF(0, y, label_w - 4, h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           self.core_word.format(i))
            x = float(label_w)
            for part, colour in zip(share, colours):
                w = bar_w * float(part)
                p.fillRect(QRectF(x, y, w, h), colour)
                x += w
            p.setPen(QColor(t.muted))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(label_w, y, bar_w, h))
        p.end()


class CoreSplit(QWidget):
    """The bars with their key and what time they cover."""

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(parent)
        self._theme, self._px = theme, pixel_size
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        self.key = WholeLabel()  # wraps, and keeps the lines it needs (gui.whole_text): at
        # 1366x768 "other programs" was cut under the bars
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.bars = CoreBars(theme, pixel_size, self)
        layout.addWidget(self.key)
        layout.addWidget(self.bars, 1)
        self.whole_run = False
        self.known = True  # False: a recording made before the split was measured
        self.retranslate()

    def show_shares(self, shares: np.ndarray, whole_run: bool, known: bool = True) -> None:
        self.whole_run, self.known = whole_run, known
        self.bars.set_shares(shares if known else np.zeros((0, 3)))
        self.retranslate()

    def apply_theme(self, theme, pixel_size: int) -> None:
        self._theme, self._px = theme, pixel_size
        self.bars._theme, self.bars._px = theme, pixel_size
        self.retranslate()
        self.bars.update()

    def retranslate(self) -> None:
        t = self._theme
        self.bars.core_word = self.tr("core {0}")
        if not self.known:
            self.key.setText(html.escape(self.tr("This recording did not measure whose load it was.")))
            return
        when = self.tr("whole run") if self.whole_run else self.tr("last second")
        # one key entry never splits (Chinese has no spaces to keep together: nowrap)
        swatch = '<span style="white-space:nowrap"><span style="color:%s">%s</span>&nbsp;%s</span>'

        def entry(colour, mark, words):
            return swatch % (colour, mark, html.escape(words).replace(" ", "&nbsp;"))
        words = (self.tr("this run"), self.tr("other programs"), self.tr("idle"))
        self.key.setText("%s: %s %s %s" % (
            html.escape(when), entry(t.accent, "■", words[0]),
            entry(t.warn, "■", words[1]), entry(t.muted, "□", words[2])))
        # An entry never splits, so the column is at least as wide as the widest: narrower
        # (1024 px, text x1.5) "other programs" ran over the bars under it.
        metrics = self.key.fontMetrics()
        margins = self.layout().contentsMargins()
        widest = max(metrics.horizontalAdvance("■ " + w) for w in words + (when + ":",))
        self.setMinimumWidth(widest + margins.left() + margins.right() + 4)
        self.key.setToolTip(self.tr(
            "Each core's load (psutil) split by whose it was: this run's processes and gilscope's "
            "own (their threads' CPU time from /proc schedstat, on the core each last ran on), "
            "the rest of the load is other programs', and what is left is idle."))


def shares_of(core: np.ndarray, load: np.ndarray, mine: np.ndarray, n_cores: int) -> np.ndarray:
    """Mean (this run, other programs, idle) share per core over the given samples (0..1)."""
    out = np.zeros((n_cores, 3))
    for c in range(n_cores):
        sel = core == c
        if not np.any(sel):
            out[c, 2] = 1.0
            continue
        busy = np.clip(load[sel], 0, 100) / 100.0
        run = np.minimum(np.nan_to_num(mine[sel]) / 100.0, busy)
        out[c] = [run.mean(), (busy - run).mean(), 1.0 - busy.mean()]
    return out
