"""The understanding panel: verdict in large type, the lesson, the source, the output.

Scenario texts come from the declaration in the current language; the verdict's
figures are the measured ones from the RunResult, shown as they are.
"""
import html
import keyword
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextOption
from PySide6.QtWidgets import (QFrame, QLabel, QPlainTextEdit, QScrollArea, QSplitter, QTabWidget,
                               QTextBrowser, QVBoxLayout, QWidget)

from . import theme as theme_module

OUTPUT_LINES_KEPT = 5000
LESSON_MIN_EMS = 14  # the verdict/lesson column is never narrower than this many text heights
MAX_LINES_PER_TICK = 1000  # appending a line costs ~50 us: a print flood shows its newest lines


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, builtins, strings, numbers and comments: enough to read a short example."""

    _TOKENS = re.compile(r"(?P<comment>#[^\n]*)|(?P<string>'''|\"\"\"|'[^'\n]*'|\"[^\"\n]*\")"
                         r"|(?P<number>\b\d[\d_]*(?:\.\d+)?\b)|(?P<word>\b[A-Za-z_]\w*\b)")
    _BUILTINS = {"print", "range", "len", "int", "str", "list", "dict", "set", "None", "True",
                 "False", "super", "self", "object", "open", "sum", "min", "max"}

    def __init__(self, document, theme) -> None:
        super().__init__(document)
        self.set_theme(theme)

    def set_theme(self, theme) -> None:
        def fmt(colour, bold=False, italic=False):
            f = QTextCharFormat()
            f.setForeground(QColor(colour))
            if bold:
                f.setFontWeight(QFont.Weight.Bold)
            f.setFontItalic(italic)
            return f
        dark = theme.dark
        self._formats = {
            "keyword": fmt("#ff9d5c" if dark else "#9b2393", bold=True),
            "builtin": fmt("#7ec8ff" if dark else "#0b5394"),
            "string": fmt("#a8e07a" if dark else "#1a7f37"),
            "number": fmt("#f5c26b" if dark else "#a35200"),
            "comment": fmt("#9aa0a6" if dark else "#6a737d", italic=True),
        }
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # Qt override
        for match in self._TOKENS.finditer(text):
            kind = match.lastgroup
            if kind == "word":
                word = match.group()
                kind = ("keyword" if keyword.iskeyword(word)
                        else "builtin" if word in self._BUILTINS else None)
            if kind:
                self.setFormat(match.start(), match.end() - match.start(), self._formats[kind])


# The figures' table: two figures a row, one, one with its name wrapped (widest first).
FIGURE_LAYOUTS = ((2, False), (1, False), (1, True))


class LessonPanel(QWidget):
    """Verdict on top (large), then tabs: lesson, source, output."""

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(parent)
        self.lang = "en"
        self.scenario = None
        self._source_values = None  # knob values the Source tab shows (None: defaults)
        self._result = None
        self._theme = theme
        self._state = "idle"
        self._tag_colours = {}  # output tag -> colour, in order of first line
        self._figures_fit = None  # ((figures, room, font), index in FIGURE_LAYOUTS) last chosen
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Vertical)
        layout.addWidget(split)

        self.verdict_box = QFrame()
        self.verdict_box.setFrameShape(QFrame.Shape.StyledPanel)
        vbox = QVBoxLayout(self.verdict_box)
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)  # measured text, never markup
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ran_with = QLabel()  # which interpreter made these figures (3.13t differs from 3.11)
        self.ran_with.setWordWrap(True)
        self.ran_with.setTextFormat(Qt.TextFormat.PlainText)
        self.figures = QLabel()
        self.figures.setWordWrap(True)
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        for w in (self.headline, self.ran_with, self.figures):
            vbox.addWidget(w)
        vbox.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.verdict_box)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        split.addWidget(scroll)
        self._verdict_scroll = scroll

        self.tabs = QTabWidget()
        self.lesson = QTextBrowser()
        self.lesson.setOpenExternalLinks(False)
        # Break lines between words only (Qt's default also breaks inside a long word: the
        # lesson title read "threa-ds" in a narrow column).
        self.lesson.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        self.source = QPlainTextEdit()
        self.source.setReadOnly(True)
        self.source.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.highlighter = PythonHighlighter(self.source.document(), theme)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setMaximumBlockCount(OUTPUT_LINES_KEPT)
        for w in (self.lesson, self.source, self.output):
            self.tabs.addTab(w, "")
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        self.split = split
        self.set_font_size(pixel_size)
        self.retranslate(self.lang)

    # -- appearance ------------------------------------------------------------
    def set_font_size(self, pixel_size: int) -> None:
        self._px = pixel_size
        self.headline.setFont(theme_module.ui_font(theme_module.readable_px("headline", pixel_size),
                                                   bold=True))
        # Narrower than this, the verdict's headline and figures break into one-word lines.
        self.setMinimumWidth(round(pixel_size * LESSON_MIN_EMS))
        self.figures.setFont(theme_module.ui_font(pixel_size, 0.95))
        mono = theme_module.mono_font(pixel_size)
        self.source.setFont(mono)
        self.output.setFont(mono)

    def apply_theme(self, theme) -> None:
        self._theme = theme
        self.highlighter.set_theme(theme)
        self._show_verdict()

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        for i, name in enumerate((self.tr("Lesson"), self.tr("Source"), self.tr("Output"))):
            self.tabs.setTabText(i, name)
        self._show_lesson()
        self._show_verdict()
        self._show_source()

    # -- content ---------------------------------------------------------------
    def set_scenario(self, scenario) -> None:
        self.scenario = scenario
        self._result, self._state = None, "idle"
        self._source_values = None  # the parameters' defaults until the form or a run says
        self._show_source()
        self._show_lesson()
        self._show_verdict()

    def set_source_values(self, values: dict) -> None:
        """Show the program with these knob values (the form's, or the run's when it starts)."""
        self._source_values = dict(values)
        self._show_source()

    def _show_source(self) -> None:
        if self.scenario is None:
            return
        try:
            text = self.scenario.shown_source(self._source_values, self.lang)
        except ValueError:  # a value the form has not finished typing: keep what is shown
            return
        if text.rstrip("\n") != self.source.toPlainText():
            self.source.setPlainText(text.rstrip("\n"))

    def _pick(self, texts: dict) -> str:
        return texts.get(self.lang, texts.get("en", ""))

    def _show_lesson(self) -> None:
        if self.scenario is None:
            return
        paragraphs = [p for p in self._pick(self.scenario.lesson).split("\n") if p.strip()]
        body = "".join("<p>%s</p>" % html.escape(p) for p in paragraphs)
        happened = ""
        if self._result is not None and self._result.verdict.notes:
            notes = "".join("<p>%s</p>" % html.escape(self._pick(n)) for n in self._result.verdict.notes)
            happened = "<h3>%s</h3>%s<hr>" % (html.escape(self.tr("What happened")), notes)
        self.lesson.setHtml("<h2>%s</h2>%s%s" % (html.escape(self._pick(self.scenario.title)),
                                                 happened, body))

    def set_running(self) -> None:
        self._result, self._state = None, "running"
        self.output.clear()
        self._tag_colours = {}
        self._show_verdict()
        self._show_lesson()

    def set_result(self, result, state: str) -> None:
        """state: finished, stopped or failed."""
        self._result, self._state = result, state
        self._show_verdict()
        self._show_lesson()

    def _show_verdict(self) -> None:
        t = self._theme
        if self._result is None:
            waiting = {"idle": self.tr("Press Run (F5) to see what happens."),
                       "running": self.tr("Running… the verdict comes when the run ends."),
                       "failed": self.tr("The run failed before anything could be measured.")}
            self.headline.setText(waiting.get(self._state, ""))
            _set_style(self.headline, "color: %s" % t.muted)
            self.figures.setText("")
            self.ran_with.hide()
            return
        verdict = self._result.verdict
        # A finding is neither good nor bad: accent colour; red only when the run itself failed.
        colour = {"finished": t.accent if verdict.ok else t.bad,
                  "stopped": t.warn}.get(self._state, t.bad)
        if getattr(verdict, "partial", False):  # engine.verdict_labels said "measured so far"
            headline = self._pick(verdict.headline)
        elif self._state == "stopped" and not verdict.ok:  # its verdict could not be computed
            headline = self.tr("Stopped before the end: no verdict for a partial run.")
        else:
            prefix = {"stopped": self.tr("Stopped early — measured so far: "),
                      "failed": self.tr("Failed — measured so far: ")}.get(self._state, "")
            headline = prefix + self._pick(verdict.headline)
        self.headline.setText(headline)
        _set_style(self.headline, "color: %s" % colour)
        interpreter = getattr(getattr(self._result, "view", None), "interpreter", None) or {}
        label = interpreter.get("label", "")
        self.ran_with.setText(self.tr("Measured with {0}").format(label) if label else "")
        self.ran_with.setToolTip(interpreter.get("executable", ""))
        _set_style(self.ran_with, "color: %s" % t.muted)
        self.ran_with.setVisible(bool(label))
        # Two figures a row when they fit the panel (the box stays short, read at once), else
        # one a row (names wrapped in two columns break mid-word in Chinese); the table is
        # measured, as a label too wide for the panel is clipped, not wrapped.
        # Each try lays the table out (~5 ms): the choice is kept for the same figures at
        # the same width, which is what most calls (resizes in height, a new theme) ask;
        # otherwise the search starts from the last choice (each layout is narrower than the
        # one before it), which a new run of the same scenario or a small resize keeps.
        room = self._verdict_room()
        key = (self._figures_html(*FIGURE_LAYOUTS[0]), room, self.figures.font().toString())
        last = self._figures_fit
        if key[0] and last is not None and last[0] == key:
            self.figures.setText(self._figures_html(*FIGURE_LAYOUTS[last[1]]))
            return
        chosen = self._widest_fitting(room, last[1] if last is not None else 0)
        self.figures.setText(self._figures_html(*FIGURE_LAYOUTS[chosen]))
        self._figures_fit = (key, chosen)

    def _widest_fitting(self, room: int, start: int) -> int:
        """The first of FIGURE_LAYOUTS whose table fits room (the last if none does)."""
        def fits(i: int) -> bool:
            self.figures.setText(self._figures_html(*FIGURE_LAYOUTS[i]))
            return self.figures.minimumSizeHint().width() <= room
        i = start
        if fits(i):
            while i > 0 and fits(i - 1):
                i -= 1
            return i
        while i + 1 < len(FIGURE_LAYOUTS) - 1 and not fits(i + 1):
            i += 1
        return min(i + 1, len(FIGURE_LAYOUTS) - 1)  # the last one whether it fits or not

    def _figures_html(self, columns: int, wrap_names: bool) -> str:
        t = self._theme
        rows, pending = [], []
        for name, value in self._result.figures.items():
            if value is None:
                continue
            if isinstance(value, list) and any(isinstance(v, dict) for v in value):
                continue  # records (deadlock's wait-for edges) are for --json; the verdict says them
            label = self._figure_label(name)
            if isinstance(value, bool):
                value = self.tr("yes") if value else self.tr("no")
            elif isinstance(value, (list, dict, str)):  # long values get a row of their own
                if columns == 1:  # and in one column, the line under their name
                    rows.append(_stacked(label, value, t.muted))
                else:
                    rows.append("<tr>%s</tr>" % _cell(label, value, t.muted, 2 * columns - 1, wrap_names))
                continue
            pending.append(_cell(label, value, t.muted, 1, wrap_names))
            if len(pending) == columns:
                rows.append("<tr>%s</tr>" % "".join(pending))
                pending = []
        if pending:
            rows.append("<tr>%s</tr>" % "".join(pending))
        return "<table>%s</table>" % "".join(rows)

    def _figure_label(self, name: str) -> str:
        """The scenario's label for a figure, in the current language."""
        if self.scenario is None:
            return name.replace("_", " ")
        return self.scenario.figure_label(name, self.lang)

    def _verdict_room(self) -> int:
        """The width the figures may take: the verdict area's visible width less its margins."""
        m = self.verdict_box.layout().contentsMargins()
        return (self._verdict_scroll.viewport().width() - m.left() - m.right()
                - 2 * self.verdict_box.frameWidth())

    def resizeEvent(self, event) -> None:  # Qt override: re-flow the figures for the new width
        super().resizeEvent(event)
        if self._result is not None:
            self._show_verdict()

    def add_output(self, lines: list) -> None:
        """lines: (tag, text) pairs; each tag in its thread's colour.  A flood shows its tail."""
        if len(lines) > MAX_LINES_PER_TICK:
            skipped = len(lines) - MAX_LINES_PER_TICK
            lines = lines[-MAX_LINES_PER_TICK:]
            self.output.appendHtml('<i style="color:%s">%s</i>' % (
                self._theme.muted, html.escape(self.tr("… {0} more lines").format(skipped))))
        for tag, text in lines:
            colour = self._tag_colours.setdefault(tag, self._theme.series_color(len(self._tag_colours)))
            self.output.appendHtml('<span style="color:%s">[%s]</span> '
                                   '<span style="white-space:pre">%s</span>'
                                   % (colour, html.escape(tag), html.escape(text)))

    def verdict_text(self) -> str:
        return self.headline.text()


def _cell(label: str, value, muted: str, span: int = 1, wrap_name: bool = False) -> str:
    """One figure as two table cells: its label (muted) and its value (bold)."""
    return ('<td style="color:%s; padding-right:6px%s">%s</td>'
            '<td colspan="%d" style="padding-right:18px"><b>%s</b></td>'
            % (muted, "" if wrap_name else "; white-space:nowrap",
               html.escape(label), span, html.escape(_fmt(value))))


def _stacked(label: str, value, muted: str) -> str:
    """A long figure as two rows: its label, then its value under it, the table's width."""
    return ('<tr><td colspan="2" style="color:%s">%s</td></tr>'
            '<tr><td colspan="2" style="padding-left:12px; padding-bottom:4px"><b>%s</b></td></tr>'
            % (muted, html.escape(label), html.escape(_fmt(value))))


MAX_LIST_ITEMS = 32  # a long list shows its head: pool-order's 19 tasks fit whole


def _fmt(value) -> str:
    if isinstance(value, float):
        return "%.4g" % value
    if isinstance(value, list) and not value:
        return "—"
    if isinstance(value, list):
        more = " …" if len(value) > MAX_LIST_ITEMS else ""
        return ", ".join(_fmt_item(v) for v in value[:MAX_LIST_ITEMS]) + more
    if isinstance(value, dict):
        items = list(value.items())
        more = " …" if len(items) > 16 else ""
        return ", ".join("%s: %s" % (k, _fmt(v)) for k, v in items[:16]) + more
    return str(value)


def _fmt_item(value) -> str:
    """A list's item; a (what, result) pair in it reads "cp -r me me_copy → 0"."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
        return "%s → %s" % (value[0], _fmt(value[1]))
    return _fmt(value)


def _set_style(widget, sheet: str) -> None:
    """setStyleSheet only for a new sheet: each call re-polishes the widget (a few ms)."""
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)
