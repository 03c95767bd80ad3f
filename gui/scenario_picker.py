"""The scenario list, grouped by topic, in the order of engine.scenarios.TABLE.

Texts come from each scenario's declaration in the current language.  A
scenario whose module cannot be imported is listed, greyed, with the reason.
"""
import importlib.util
import math

from PySide6.QtCore import QEvent, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QTextLayout, QTextOption
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QStyle

from engine import scenarios
from engine.scenarios.base import GROUPS

ID_ROLE = Qt.ItemDataRole.UserRole
UNAVAILABLE = "unavailable"  # the heading for scenarios whose module cannot be imported
FILES = "files"  # the heading for scenario files the user opened (engine/scenario_file.py)


def load_all() -> dict:
    """id -> Scenario, or id -> the import error text for one that cannot be loaded."""
    loaded = {}
    for sid in scenarios.IDS:
        try:
            loaded[sid] = scenarios.get(sid)
        except Exception as exc:  # ImportError, or a broken declaration: keep the list usable
            loaded[sid] = "%s: %s" % (exc.__class__.__name__, exc)
    return loaded


def available(sid: str) -> bool:
    """True if the scenario's module exists (used by tests to skip unwritten ones)."""
    module = dict(scenarios.TABLE).get(sid)
    return module is not None and importlib.util.find_spec(scenarios.__name__ + "." + module) is not None


def shortcut_digit(n: int) -> str:
    """The key of the n-th scenario's shortcut (Ctrl+1 .. Ctrl+9, Ctrl+0 for the 10th), or ""."""
    return str(n % 10) if 1 <= n <= 10 else ""


def wrapped_height(text: str, font: QFont, width: int) -> tuple:
    """(pixels text needs word-wrapped to width in font, laid out as a list row draws it;
    whether its lines differ in height: fonts mixed, Chinese and Latin)."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    height = 0.0
    heights = set()
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, height))
        height += line.height()
        heights.add(round(line.height()))
    layout.endLayout()
    return math.ceil(height), len(heights) > 1


class ScenarioPicker(QListWidget):
    """Topics as headings, scenarios under them; emits the chosen id.

    A list, not a tree: QListView wraps long titles in a narrow column, QTreeView elides them.
    """

    scenario_chosen = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)  # long titles wrap in a narrow column instead of "Pool.ma…"
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSpacing(1)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._loaded = load_all()
        self._heights = {}  # (text, QFont.key(), width) -> wrapped_height's answer
        self._items = {}
        self._headings = []  # (item, group id)
        self.order = []  # ids in display order: Ctrl+1..9, then Ctrl+0, follow it
        self.lang = "en"
        self._build()
        self.currentItemChanged.connect(self._on_current)

    def scenario(self, sid: str):
        """The Scenario for sid, or None if it could not be loaded."""
        found = self._loaded.get(sid)
        return None if isinstance(found, str) else found

    def add_file(self, scenario) -> None:
        """List a scenario file the user opened, keyed by its path (opened again: refreshed)."""
        self._loaded[scenario.ref] = scenario
        if scenario.ref not in self._items:
            if FILES not in [gid for _, gid in self._headings]:
                heading = QListWidgetItem(self)
                heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
                heading.setData(ID_ROLE, "")
                self._headings.append((heading, FILES))
            item = QListWidgetItem(self)
            item.setData(ID_ROLE, scenario.ref)
            self._items[scenario.ref] = item
            self.order.append(scenario.ref)
        self.retranslate(self.lang)

    def _build(self) -> None:
        by_group = {}
        for sid in scenarios.IDS:
            found = self._loaded[sid]
            group = found.group if not isinstance(found, str) else UNAVAILABLE
            by_group.setdefault(group, []).append(sid)
        for gid in [g for g, _ in GROUPS] + [UNAVAILABLE]:
            if gid not in by_group:
                continue
            heading = QListWidgetItem(self)
            heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
            heading.setData(ID_ROLE, "")
            self._headings.append((heading, gid))
            for sid in by_group[gid]:
                item = QListWidgetItem(self)
                item.setData(ID_ROLE, sid)
                self._items[sid] = item
                self.order.append(sid)
                if isinstance(self._loaded[sid], str):
                    item.setFlags(Qt.ItemFlag.NoItemFlags)
                    item.setToolTip(self._loaded[sid])
        self.retranslate(self.lang)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        bold = QFont(self.font())  # from the current text size (A+ / A- change it)
        bold.setBold(True)
        for heading, gid in self._headings:
            heading.setFont(bold)
            if gid == UNAVAILABLE:
                heading.setText(self.tr("Not available"))
            elif gid == FILES:
                heading.setText(self.tr("Your scenario files"))
            else:
                heading.setText(dict(GROUPS)[gid].get(lang, gid))
        for n, sid in enumerate(self.order, 1):
            item = self._items[sid]
            found = self._loaded[sid]
            title = sid if isinstance(found, str) else found.title.get(lang, found.title["en"])
            # The digit is the Ctrl+digit shortcut: shown so a lecturer can learn it at a glance.
            # Past the tenth (Ctrl+0) there is no key, so no digit, and none is implied.
            digit = shortcut_digit(n)
            item.setText("%s  %s" % (digit, title) if digit else title)
            if not isinstance(found, str):
                item.setToolTip("%s (Ctrl+%s)" % (sid, digit) if digit else sid)
        self._fit_heights()

    def _fit_heights(self) -> None:
        """Each row as tall as its wrapped text really is.

        Qt sizes a wrapped row by the first font's line height, but Chinese glyphs come
        from the CJK fallback font, whose lines are taller: the second line was cut off
        and the first elided.  QFontMetrics.boundingRect undercounted too (a line with CJK
        glyphs in it is taller than the list font's line: at text x1.5 "1  Process：start 与"
        showed, its "join" did not).  So each row is laid out line by line as the delegate
        lays it out (QTextLayout), which counts every font a line uses.
        """
        margin = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
        v_margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameVMargin) + 1
        # + 6: the delegate lays the text out a few px narrower than the row (its focus and
        # text margins); measured at the row's width, a third line went into "…".
        width = max(self.viewport().width() - 2 * self.spacing() - margin - 6, 50)
        for row in range(self.count()):
            item = self.item(row)
            # An item without a font of its own is drawn in the list's font; item.font() would
            # give the application's (14 px while A+ made the list 21 px: rows cut, "…").
            font = item.data(Qt.ItemDataRole.FontRole)
            font = font if font is not None else self.font()
            key = (item.text(), font.key(), width)
            if key not in self._heights:  # laid out once a text, font and width: start-up fits
                if len(self._heights) > 4096:  # the rows several times over, at many widths
                    self._heights.clear()
                self._heights[key] = wrapped_height(key[0], font, width)
            height, mixed = self._heights[key]
            # Lines of mixed fonts (a Chinese line over a Latin one) + the focus frame's margin
            # above and below: the delegate draws only the lines that fit inside it, and
            # "1  Process：start 与" showed without its "join" line at text x1.5.
            extra = 2 * v_margin if mixed else 0
            item.setSizeHint(QSize(width, height + extra + 4))

    def content_height(self) -> int:
        """Pixels the whole list needs at its current width, every row shown."""
        rows = sum(self.item(row).sizeHint().height() + 2 * self.spacing() for row in range(self.count()))
        # + 8: Qt's layout of wrapped rows came out 1-2 px taller than their size hints
        # (twelve scenarios at 1366x768: the last row's bottom pixel below the fold).
        return rows + 2 * self.frameWidth() + 8

    def resizeEvent(self, event) -> None:  # Qt override: the rows re-wrap at the new width
        super().resizeEvent(event)
        self._fit_heights()

    def viewportEvent(self, event) -> bool:  # Qt override: a scroll bar came or went
        # The list's own size is unchanged then, but its rows are narrower or wider: at text
        # x1.5 the bar came with the larger rows and "5 线程名：MainThread 与 …" lost a line.
        handled = super().viewportEvent(event)
        if event.type() == QEvent.Type.Resize and event.size().width() != event.oldSize().width():
            self._fit_heights()
        return handled

    def select(self, sid: str) -> bool:
        item = self._items.get(sid)
        if item is None or not (item.flags() & Qt.ItemFlag.ItemIsSelectable):
            return False
        self.setCurrentItem(item)
        return True

    def select_number(self, n: int) -> bool:
        """Select the n-th scenario in display order (1-based), as Ctrl+digit does (0: the 10th)."""
        return 1 <= n <= len(self.order) and self.select(self.order[n - 1])

    def current_id(self) -> str:
        item = self.currentItem()
        return item.data(ID_ROLE) if item is not None else ""

    def _on_current(self, current, _previous) -> None:
        sid = current.data(ID_ROLE) if current is not None else ""
        if sid:
            self.scenario_chosen.emit(sid)

