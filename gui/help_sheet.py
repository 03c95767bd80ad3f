"""The F1 sheet: every key of the window and how to read each view; and the first-run hint.

The key table is made from the window's own QActions and QShortcuts each time the sheet
is shown, so a key added, changed or removed anywhere in the window is in the sheet at
once (tests/gui/test_help_sheet.py checks that every shortcut is there).  Keys that are
not shortcuts (the timeline's, read by its keyPressEvent) are listed with the view that
reads them.  The sheet follows the window's language (Ctrl+L, or its own 中文 button).

The hint says once, on the first launch, that F1 exists; it is remembered in the
settings file (gui/settings.py) and never shown by a window the tests make unless asked.
"""
from __future__ import annotations

import html
import re

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFrame, QHBoxLayout, QLabel,
                               QPushButton, QSizePolicy, QTextBrowser, QToolButton, QVBoxLayout)

translate = QCoreApplication.translate  # lupdate reads translate("HelpSheet", "...") calls

HELP_KEY = "F1"
HINT_SETTING = "first_run_hint_shown"
ARROWS = {"Left": "←", "Right": "→", "Up": "↑", "Down": "↓"}
SHEET_SHARE = (0.72, 0.86)  # of the window: width, height


def key_text(sequence: QKeySequence) -> str:
    """A key as the sheet prints it: Qt's own text, with arrows as arrows."""
    portable = sequence.toString(QKeySequence.SequenceFormat.PortableText)
    # Qt names arrows in the user's language ("右方向"); an arrow reads the same in both.
    return ARROWS.get(portable) or sequence.toString(QKeySequence.SequenceFormat.NativeText)


def _without_key(tip: str, keys: list) -> str:
    """"Run the scenario (F5)" -> "Run the scenario": the key is in its own column."""
    match = re.search(r"\s*[（(]([^（）()]*)[）)]\s*$", tip)
    if match and any(k in match.group(1) for k in keys):
        return tip[:match.start()]
    return tip


def shortcut_rows(window) -> list:
    """[(keys, what they do)] of every QAction and QShortcut of the window with a key,
    in the order they were made; keys doing the same thing share a row."""
    rows = {}
    for item in window.findChildren(QAction) + window.findChildren(QShortcut):
        sequences = item.shortcuts() if isinstance(item, QAction) else [item.key()]
        keys = [key_text(s) for s in sequences if not s.isEmpty()]
        if not keys:
            continue
        what = _description(item, keys)
        rows.setdefault(what, [])
        rows[what].extend(k for k in keys if k not in rows[what])
    return [(keys, what) for what, keys in rows.items()]


def _description(item, keys: list) -> str:
    if isinstance(item, QShortcut):
        return _shortcut_description(item)
    text = _without_key(item.toolTip() or "", keys).strip()
    plain = (item.text() or "").replace("&", "").strip()
    same = text.rstrip(".…") == plain.rstrip(".…")  # Qt's default tooltip is the text
    if same:
        text = plain
    if text and plain and not same and len(plain) <= 16:  # the button's name, then what it does
        return "%s — %s" % (plain, text)
    return text or plain or translate("HelpSheet", "(no description)")


def _shortcut_description(shortcut: QShortcut) -> str:
    """QShortcuts carry no text: the widget that made them says what they do."""
    owner = type(shortcut.parent()).__name__
    key = shortcut.key().toString(QKeySequence.SequenceFormat.PortableText)
    if owner == "Scrubber":
        ten = key.startswith("Shift") or key in ("<", ">")
        forward = key.endswith(".") or key == ">"
        if ten:
            return (translate("HelpSheet", "Step bar (after a run): ten steps forward") if forward
                    else translate("HelpSheet", "Step bar (after a run): ten steps back"))
        return (translate("HelpSheet", "Step bar (after a run): next step") if forward
                else translate("HelpSheet", "Step bar (after a run): previous step"))
    if owner == "SchedulerPanel":
        return translate("HelpSheet", "Be the scheduler: let thread N take the next step")
    return translate("HelpSheet", "(no description)")


def timeline_rows() -> list:
    """The timeline's own keys (TimelineWidget.keyPressEvent): click the lanes first."""
    return [(["←", "→"], translate("HelpSheet", "Timeline: move earlier / later")),
            (["+", "−"], translate("HelpSheet", "Timeline: zoom in / out")),
            (["Home"], translate("HelpSheet", "Timeline: the whole run")),
            (["F"], translate("HelpSheet", "Timeline: follow the live end on / off")),
            ([translate("HelpSheet", "wheel, drag")],
             translate("HelpSheet", "Timeline and the plots under it: zoom, move"))]


def reading_sections() -> list:
    """[(title, paragraph)]: how to read each view."""
    return [
        (translate("HelpSheet", "Timeline"),
         translate("HelpSheet", "One lane per thread or process, top to bottom in the order "
                                "they appeared. Its colour is what the thread was doing; the "
                                "legend under the lanes names each colour, and hovering a lane "
                                "gives the exact state, times and durations.")),
        (translate("HelpSheet", "Mixed colours"),
         translate("HelpSheet", "Each pixel of a lane covers a slice of time. When a thread was "
                                "in several states within that slice, the pixel is their mix, "
                                "weighted by the time spent in each: half running and half "
                                "waiting for the GIL is a colour between the two, a colour no "
                                "single state has. Zoom in (+ or the wheel) until the colours "
                                "separate, or hover.")),
        (translate("HelpSheet", "Phase marks"),
         translate("HelpSheet", "A dashed vertical line with a label at the top marks where a "
                                "step of the scenario's program began (gil: one worker, then "
                                "threads, then processes). Zoomed in past a mark, the current "
                                "step's label stays at the left edge (◂). In presentation mode, "
                                "→ and ← zoom to each step.")),
        (translate("HelpSheet", "Measured or inferred states"),
         translate("HelpSheet", "When the legend says the states are measured, time on a CPU "
                                "and time waiting for a core come from the kernel (/proc "
                                "schedstat), read every 3 ms by the session that watches the run "
                                "(the kernel says how long each thread ran in those 3 ms, not "
                                "when, so inside them the threads of a process are drawn taking "
                                "their turns one after the other; zoomed in closer, the "
                                "shared-variable trace's times are each access's own); waiting for the GIL is inferred from them: off "
                                "the CPU with no blocking call recorded while another thread of "
                                "its process wanted to run. Blocking calls (a lock, a queue, "
                                "join, sleep, I/O) are labelled by gilscope's probes around those "
                                "calls. Where schedstat is missing (not Linux), every state is "
                                "the probe's label: what the thread recorded it was about to do, "
                                "not a measurement. Hover a legend colour for how that state was "
                                "obtained.")),
        (translate("HelpSheet", "CPU load"),
         translate("HelpSheet", "One line per core, 0 to 100 %, sampled about ten times a "
                                "second. With the GIL, several CPU-bound threads add up to about "
                                "one busy core; processes can fill several.")),
        (translate("HelpSheet", "Shared variable"),
         translate("HelpSheet", "Every read (○) and write (■) of the shared variable on its "
                                "thread's row, and the value over time. A lost update (red ■) is "
                                "a write computed from a stale read: a bracket links it back to "
                                "that read, and an orange × marks the write it overwrote.")),
        (translate("HelpSheet", "Queue depth and pool tasks"),
         translate("HelpSheet", "How many items wait in each queue over time; and each pool "
                                "task as a bar on the worker that ran it, from its start to its "
                                "end.")),
        (translate("HelpSheet", "Verdict"),
         translate("HelpSheet", "The headline and the figures under it come from this run's "
                                "measurements only; the lesson explains why. Nothing in them is "
                                "assumed or fixed in advance.")),
    ]


def mix_example() -> str:
    """Running + waiting for the GIL = their half-and-half mix, in the timeline's colours
    (gui/state_colours.py; render_lanes blends opaque colours as this average)."""
    from .state_colours import STATE_COLOURS
    running, gil = STATE_COLOURS["running"][:3], STATE_COLOURS["gil_wait"][:3]
    mix = tuple(round((a + b) / 2) for a, b in zip(running, gil))

    def swatch(rgb, text):
        return ('<td style="background-color:#%02x%02x%02x">&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;</td>'
                '<td style="padding:0 8px 0 4px">%s</td>' % (rgb + (html.escape(text),)))
    cells = (swatch(running, translate("Timeline", "running")) + "<td>+</td>"
             + swatch(gil, translate("Timeline", "waiting for the GIL")) + "<td>=</td>"
             + swatch(mix, translate("HelpSheet", "half of each in one pixel: a mix, no state's colour")))
    return "<table><tr>%s</tr></table>" % cells


class HelpSheet(QDialog):
    """The help, owned by the window; F1 opens it, Esc or Close closes it."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self.setObjectName("help_sheet")
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        layout.addWidget(self.browser, 1)
        row = QHBoxLayout()
        self.language_button = QToolButton()
        self.language_button.setDefaultAction(window.chinese_action)  # the window's own 中文
        row.addWidget(self.language_button)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        row.addWidget(buttons)
        layout.addLayout(row)
        self.retranslate()

    def changeEvent(self, event) -> None:  # Qt override: the language changed
        if event.type() == QEvent.Type.LanguageChange:
            QTimer.singleShot(0, self, self.retranslate)  # after the window's own texts (tooltips)
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(translate("HelpSheet", "gilscope help: keys, and how to read the views"))
        self.close_button.setText(translate("HelpSheet", "Close"))
        self.browser.setHtml(self.sheet_html())

    def key_rows(self) -> list:
        return shortcut_rows(self._window) + timeline_rows()

    def sheet_html(self) -> str:
        esc = html.escape
        key_bg = self.palette().alternateBase().color().name()
        cap = ('<span style="background-color:%s; white-space:nowrap">&nbsp;<b>%%s</b>&nbsp;</span>'
               % key_bg)  # a key cap: "Shift+.", ">" and "," stay apart
        keys = "".join(
            '<tr><td width="30%%" style="padding:3px 14px 3px 0">%s</td>'
            '<td style="padding:3px 0">%s</td></tr>'
            % (" ".join(cap % esc(k) for k in keys), esc(what)) for keys, what in self.key_rows())
        sections = reading_sections()
        views = "".join("<h3>%s</h3><p>%s</p>%s" % (esc(title), esc(text),
                                                     mix_example() if i == 1 else "")
                        for i, (title, text) in enumerate(sections))
        note = translate("HelpSheet", "Keys work anywhere in the window unless a row says where. "
                                      "中文 / English: Ctrl+L.")
        return ("<h2>%s</h2><p>%s</p><table width=\"100%%\">%s</table><h2>%s</h2>%s"
                % (esc(translate("HelpSheet", "Keys")), esc(note), keys,
                   esc(translate("HelpSheet", "How to read the views")), views))

    def plain_text(self) -> str:
        return self.browser.toPlainText()

    def open_sheet(self) -> None:
        self.retranslate()  # keys added since the last time are in it
        w = self._window
        self.resize(max(640, round(w.width() * SHEET_SHARE[0])), max(480, round(w.height() * SHEET_SHARE[1])))
        self.move(w.geometry().center() - self.rect().center())
        self.show()
        self.raise_()
        self.activateWindow()


class FirstRunHint(QFrame):
    """One line above the plots on the first launch: F1 exists.  Dismissed with its button."""

    def __init__(self, window, open_help) -> None:
        super().__init__()
        self.setObjectName("first_run_hint")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 4, 2)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.help_button = QPushButton()
        self.help_button.clicked.connect(open_help)
        self.help_button.clicked.connect(self.dismiss)
        self.dismiss_button = QPushButton()
        self.dismiss_button.clicked.connect(self.dismiss)
        row.addWidget(self.label, 1)
        row.addWidget(self.help_button)
        row.addWidget(self.dismiss_button)
        self.hide()
        window.plots_layout.insertWidget(0, self)
        self.retranslate()

    def changeEvent(self, event) -> None:  # Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.label.setText(translate(
            "HelpSheet", "New here? F1 lists every key and how to read each view; "
                         "F9 is presentation mode for a projector."))
        self.help_button.setText(translate("HelpSheet", "Help (F1)"))
        self.dismiss_button.setText(translate("HelpSheet", "Got it"))

    def dismiss(self) -> None:
        self.hide()


class Help(QObject):
    """F1, the sheet (made on first use) and the hint, for one window."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self.sheet = None
        self.action = QAction(window)
        self.action.setShortcut(QKeySequence(HELP_KEY))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(self.show_sheet)
        window.addAction(self.action)
        self.hint = FirstRunHint(window, self.show_sheet)
        window.installEventFilter(self)
        self.retranslate()

    def eventFilter(self, watched, event) -> bool:  # Qt override: the window's language changed
        if event.type() == QEvent.Type.LanguageChange:
            QTimer.singleShot(0, self, self.retranslate)  # after the window's own texts
        return False

    def retranslate(self) -> None:
        self.action.setText(translate("HelpSheet", "Help"))
        self.action.setToolTip(translate("HelpSheet", "Every key, and how to read each view (F1)"))

    def show_sheet(self) -> None:
        if self.sheet is None:
            self.sheet = HelpSheet(self._window)
        self.sheet.open_sheet()

    def show_hint_once(self, store=None) -> bool:
        """The first-run hint, unless this settings store says it was shown.  True if shown."""
        from . import settings
        store = store or settings.store()
        if str(store.value(HINT_SETTING, "")).lower() in ("true", "1"):
            return False
        store.setValue(HINT_SETTING, True)
        store.sync()
        self.hint.show()
        return True


def install(window) -> Help:
    window.help = Help(window)
    return window.help
