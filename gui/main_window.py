"""The main window: scenarios and knobs | live plots | lesson, verdict and output.

What Run and Stop do is the window's RunController (gui/run_control.py), an object it
owns and gives its widgets to; the window builds, lays out, styles and translates.

It is built in two steps.  The frame (title, toolbar, the scenario list, the panes'
places) is made first, and gui.app paints it before ``complete()`` builds the rest (the
knobs, the lesson, the interpreter picker, the run control, the menus; made in one step
when constructed with ``complete=True``, as the tests do).  The plots (pyqtgraph, numpy:
over half of start-up, docs/ARCHITECTURE.md "Startup") are built right after, or at the
first Run if that comes sooner.
"""
import time

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QCheckBox, QGroupBox, QLabel, QMainWindow, QScrollArea,
                               QHBoxLayout, QSizePolicy, QSplitter, QToolBar, QToolButton, QVBoxLayout,
                               QWidget)

from . import language, theme as theme_module
from .scenario_picker import ScenarioPicker
from .session_adapter import SessionAdapter
# The rest of the window (knobs, lesson, run control, menus: ~40 modules) is imported by
# complete(), after the first paint when gui.app builds the window (docs/ARCHITECTURE.md
# "Startup").

PLOTS_FALLBACK_MS = 1500  # build the plots even if no paint event comes (hidden window)
LEFT_MIN_EMS = 12  # the scenario list and form: "Reset to defaults" and inputs never cut


class MainWindow(QMainWindow):
    """gilscope's one window."""

    first_painted = Signal()
    plots_ready = Signal()

    def __init__(self, lang: str = "en", theme_name: str = "light", pixel_size: int = 16,
                 complete: bool = True) -> None:
        """complete False: the frame only; complete() builds the rest (gui.app, after the
        first paint)."""
        super().__init__()
        self.lang = lang
        self.theme = theme_module.THEMES[theme_name]
        self.pixel_size = pixel_size
        self.base_pixel_size = pixel_size  # A+ / A- step along theme.TEXT_STEPS of this
        self.plots = None
        self.opened_path = ""  # the saved run shown, if one was opened (gui/open_recording.py)
        self.remember_settings = False  # gui.app turns it on: the app's window saves its choices
        self.scrubber = None  # the step-through bar (gui.scrubber), made with the plots
        self._painted = False
        self.first_paint_ns = 0  # perf_counter_ns of the first paint (bench startup reads it)
        self.completed = False
        self.setObjectName("gilscope")
        self.adapter = SessionAdapter(self)  # the window's one link to the engine's Session
        self._build_actions()
        self._build_frame()
        from . import file_menu  # in the frame: the menu bar's height is there from the first paint
        file_menu.install(self)  # gui/file_menu.py: open a saved run, export what is shown
        self._retranslate_frame()
        if complete:
            self.complete()

    def complete(self) -> None:
        """Build everything the frame leaves out (once), select the first scenario."""
        if self.completed:
            return
        from . import help_sheet, presentation
        self._build_panes()
        self.run_control = self._build_run_control()
        presentation.install(self)  # gui/presentation.py: F9, for a projector
        help_sheet.install(self)  # gui/help_sheet.py: F1, the keys and how to read the views
        self.completed = True
        self._retranslate_panes()
        if self.isVisible():
            self._size_lesson()
        first = next((sid for sid in self.picker.order if self.picker.scenario(sid)), None)
        if first:
            self.picker.select(first)
        if self._painted:
            QTimer.singleShot(0, self, self.load_plots)
        QTimer.singleShot(PLOTS_FALLBACK_MS, self.load_plots)

    # -- building ----------------------------------------------------------------------
    def _action(self, shortcut, slot=None, checkable=False) -> QAction:
        """slot None: connected later (Run and Stop, to the run controller)."""
        action = QAction(self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        if slot is not None:
            (action.toggled if checkable else action.triggered).connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.run_action = self._action("F5")
        self.stop_action = self._action("Esc")
        self.fullscreen_action = self._action("F11", self.toggle_full_screen)
        self.dark_action = self._action("Ctrl+D", self.set_dark, checkable=True)
        self.bigger_action = self._action("Ctrl++", lambda: self.step_text(+1))
        self.bigger_action.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self.smaller_action = self._action("Ctrl+-", lambda: self.step_text(-1))
        self.chinese_action = self._action("Ctrl+L", self.set_chinese, checkable=True)
        self.quit_action = self._action("Ctrl+Q", self.close)
        # Be the scheduler: the next Run of a scenario with steps (race, deadlock) waits for
        # the user at each step (gui.scheduler_panel).
        self.scheduler_action = self._action("F6", lambda _on: None, checkable=True)
        self.compare_action = self._action("Ctrl+K", self.show_compare)
        self.compare_window = None
        self.scenario_actions = [  # Ctrl+1 .. Ctrl+9, Ctrl+0: the scenarios in list order
            self._action("Ctrl+%d" % (n % 10), lambda _=False, n=n: self.picker.select_number(n))
            for n in range(1, 11)]

    def _build_frame(self) -> None:
        """What the first paint shows: toolbar, the scenario list, the panes' places."""
        bar = QToolBar()
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        self.run_button = QToolButton()
        self.run_button.setDefaultAction(self.run_action)
        self.stop_button = QToolButton()
        self.stop_button.setDefaultAction(self.stop_action)
        for button in (self.run_button, self.stop_button):
            button.setFont(theme_module.ui_font(self.pixel_size, 1.15, bold=True))
            bar.addWidget(button)
        bar.addSeparator()
        # What a lecturer needs on a projector comes first: a toolbar too narrow for all
        # its items hides its last ones in an overflow menu, never these.
        for action in (self.fullscreen_action, self.smaller_action, self.bigger_action):
            bar.addAction(action)
        bar.addSeparator()
        # The label and its picker are one toolbar item: they go to the overflow menu together
        # ("Python:" alone at the end of the bar, its picker hidden, at 1024 px)
        self._python_item = QWidget()
        python_layout = QHBoxLayout(self._python_item)
        python_layout.setContentsMargins(0, 0, 0, 0)
        self.python_label = QLabel()
        python_layout.addWidget(self.python_label)
        bar.addWidget(self._python_item)  # the picker joins it when built (complete)
        bar.addSeparator()
        self.follow_box = QCheckBox()
        self.follow_box.setChecked(True)
        self.follow_box.toggled.connect(self._on_follow)
        bar.addWidget(self.follow_box)
        bar.addAction(self.compare_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.scheduler_action)
        for action in (self.chinese_action, self.dark_action):
            bar.addAction(action)
        self.toolbar = bar

        self.picker = ScenarioPicker()
        self.params_box = QGroupBox()
        box_layout = QVBoxLayout(self.params_box)
        self._params_scroll = QScrollArea()
        self._params_scroll.setWidgetResizable(True)
        self._params_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._params_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        box_layout.setContentsMargins(4, 4, 4, 4)
        box_layout.addWidget(self._params_scroll)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.picker)
        left.addWidget(self.params_box)
        left.setStretchFactor(0, 1)
        left.setStretchFactor(1, 1)
        left.setMinimumWidth(round(self.pixel_size * LEFT_MIN_EMS))
        self.left = left

        self.plots_host = QWidget()
        self.plots_layout = QVBoxLayout(self.plots_host)
        self.plots_layout.setContentsMargins(0, 0, 0, 0)
        self.plots_loading_label = QLabel()
        self.plots_loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.plots_layout.addWidget(self.plots_loading_label, 1)

        self._lesson_place = QWidget()  # the lesson panel's place until complete() makes it
        self.split = QSplitter(Qt.Orientation.Horizontal)
        for widget in (left, self.plots_host, self._lesson_place):
            self.split.addWidget(widget)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 5)
        self.split.setStretchFactor(2, 3)
        self.split.setChildrenCollapsible(False)
        self.setCentralWidget(self.split)
        self.statusBar()

    def _build_panes(self) -> None:
        """The rest: interpreter picker, knobs, banners, scheduler, lesson, status line."""
        from .busy_warning import BusyWarning
        from .interpreter_picker import InterpreterPicker
        from .lesson_panel import LessonPanel
        from .param_form import ParamForm
        from .problem_banner import ProblemBanner
        from .scheduler_panel import SchedulerPanel
        self.python_picker = InterpreterPicker()
        self._python_item.layout().addWidget(self.python_picker)
        self.params = ParamForm()
        self._params_scroll.setWidget(self.params)

        self.banner = ProblemBanner(self.theme)
        self.busy_warning = BusyWarning(self.theme, self.plots_host)
        self.plots_layout.insertWidget(0, self.busy_warning)  # under the toolbar's Run: before Run
        self.plots_layout.insertWidget(1, self.banner)
        self.scheduler = SchedulerPanel(self.plots_host)
        self.scheduler.step_chosen.connect(self.adapter.step_thread)
        self.scheduler.run_freely.connect(self.adapter.run_freely)
        self.plots_layout.insertWidget(2, self.scheduler)

        self.lesson = LessonPanel(self.theme, self.pixel_size)
        # The Source tab follows the knobs: the program shown is the one Run would run.
        self.params.changed.connect(self._source_follows_knobs)
        self.split.replaceWidget(2, self.lesson)
        self.split.setStretchFactor(2, 3)
        self._lesson_place.hide()
        self._lesson_place.deleteLater()
        self._lesson_place = None
        self.status_label = QLabel()
        self.statusBar().addWidget(self.status_label, 1)
        self.python_picker.problem.connect(self.banner.show_problem)

    def _build_run_control(self):
        from .run_control import RunController, RunWidgets
        widgets = RunWidgets(
            picker=self.picker, params=self.params, python_picker=self.python_picker,
            lesson=self.lesson, scheduler=self.scheduler, scheduler_action=self.scheduler_action,
            run_action=self.run_action, stop_action=self.stop_action, follow_box=self.follow_box,
            busy_warning=self.busy_warning, banner=self.banner, status_label=self.status_label)
        runs = RunController(self.adapter, widgets, self.load_plots, lambda: self.lang, parent=self)
        self.run_action.triggered.connect(runs.run)
        self.stop_action.triggered.connect(runs.stop)
        self.picker.scenario_chosen.connect(runs.choose_scenario)
        return runs

    def showEvent(self, event) -> None:  # Qt override: share the width once it is known
        super().showEvent(event)
        if not getattr(self, "_sized", False):
            self._sized = True
            w, h = max(self.width(), 800), max(self.height(), 600)
            self.split.setSizes([round(w * 0.22), round(w * 0.47), round(w * 0.31)])
            self.left.setSizes([round(h * 0.5), round(h * 0.5)])
            QTimer.singleShot(0, self, self.fit_scenario_list)
            if self.completed:
                self._size_lesson()

    def _size_lesson(self) -> None:
        h = max(self.height(), 600)
        self.lesson.split.setSizes([round(h * 0.45), round(h * 0.55)])

    def fit_scenario_list(self) -> None:
        """The list as tall as its scenarios need (up to 2/3 of the column), the form
        the rest (it scrolls): at 1366x768 the tenth scenario was below the fold."""
        total = sum(self.left.sizes())
        if total <= 0:
            return
        form_min = self.params_box.minimumSizeHint().height()
        # The whole list where the form keeps its minimum (it scrolls); only a list that cannot
        # be whole (large text) stops at 2/3: twelve scenarios at 1366x768 wanted 514 of 684 px.
        content = self.picker.content_height()
        wanted = content if content <= total - form_min else min(round(total * 2 / 3), total - form_min)
        if wanted > 0:
            self.left.setSizes([wanted, total - wanted])

    def paintEvent(self, event) -> None:  # Qt override: the plots load after the first paint
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_paint_ns = time.perf_counter_ns()
            self.first_painted.emit()
            if self.completed:  # else complete() asks for them
                QTimer.singleShot(0, self, self.load_plots)

    def open_comparison(self, path: str) -> bool:
        """A saved comparison, shown in the compare window (gui/compare_files.py)."""
        from . import compare_files
        return compare_files.open_comparison(self, path)

    def load_plots(self) -> None:
        """Import pyqtgraph and build the plots (once)."""
        if self.plots is not None or not self.completed:
            return
        from .plots_area import PlotsArea
        self.plots = PlotsArea(self.theme, self.pixel_size)
        # Scrolls rather than grows: where the views' smallest readable heights add up to
        # more than a 1024x768 screen holds, the window stays on the screen (a full-screen
        # window had grown to 975 px) and no text is drawn over another.
        self.plots_scroll = QScrollArea()
        self.plots_scroll.setWidgetResizable(True)
        self.plots_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.plots_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.plots_scroll.setWidget(self.plots)
        self.plots_layout.replaceWidget(self.plots_loading_label, self.plots_scroll)
        self.plots_loading_label.hide()  # now: deleteLater waits for the event loop
        self.plots_loading_label.deleteLater()
        self.plots_loading_label = None
        from .scrubber import Scrubber
        self.scrubber = Scrubber(self.plots_host)
        self.plots_layout.addWidget(self.scrubber)
        self.run_control.attach_plots(self.plots, self.scrubber)
        self.scrubber.follow_views([self.plots.timeline.view_box,
                                    self.plots.trace.rows_plot.getViewBox()],
                                   self.plots.time_range, self.lesson.source)
        if self.picker.scenario(self.picker.current_id()):
            self.plots.show_for(self.picker.scenario(self.picker.current_id()))
        self.plots.retranslate(self.lang)
        self.plots.timeline.set_follow(self.follow_box.isChecked())
        self.plots.timeline.follow_changed.connect(self.follow_box.setChecked)
        if not self.adapter.running:
            self.busy_warning.watch()  # psutil loads now, after the first paint
        self.plots_ready.emit()

    def closeEvent(self, event) -> None:  # Qt override: closing the window stops the run
        if self.remember_settings:
            from . import settings
            settings.save(self)
        if self.completed:
            self.busy_warning.pause()
            self.run_control.close()
            self.python_picker.shutdown()  # its worker threads: stopped and joined, none left behind
        if self.compare_window is not None:
            self.compare_window.close()  # its comparison stops with it
        super().closeEvent(event)

    # -- texts, look -----------------------------------------------------------------
    def changeEvent(self, event) -> None:  # Qt override: a new translator was installed
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self._retranslate_frame()
        if self.completed:
            self._retranslate_panes()

    def _retranslate_frame(self) -> None:
        self.setWindowTitle(self.tr("gilscope — see Python threads, processes and the GIL"))
        for action, text, tip in (
                (self.run_action, self.tr("▶ Run"), self.tr("Run the scenario (F5)")),
                (self.stop_action, self.tr("■ Stop"), self.tr("Stop the run and every process it started (Esc)")),
                (self.fullscreen_action, self.tr("Full screen"), self.tr("Full screen (F11)")),
                (self.dark_action, self.tr("Dark"), self.tr("Dark palette (Ctrl+D)")),
                (self.bigger_action, self.tr("A+"), self.tr("Bigger text (Ctrl++)")),
                (self.smaller_action, self.tr("A−"), self.tr("Smaller text (Ctrl+-)")),
                (self.chinese_action, "中文", self.tr("Window and scenario texts in Simplified Chinese (Ctrl+L)")),
                (self.scheduler_action, self.tr("Be the scheduler"),
                 self.tr("Run race or deadlock one step at a time: you choose which thread "
                         "goes next (F6)")),
                (self.compare_action, self.tr("Compare…"),
                 self.tr("Run this scenario on several Pythons or settings, side by side (Ctrl+K)")),
                (self.quit_action, self.tr("Quit"), "")):
            action.setText(text)
            action.setToolTip(tip)
        for action in self.scenario_actions:  # the F1 sheet says what each key does
            action.setToolTip(self.tr("Choose a scenario by its place in the list"))
        self.python_label.setText(self.tr("Python:"))
        self.follow_box.setText(self.tr("Follow live"))
        self.follow_box.setToolTip(self.tr("Keep the newest part of the timeline in view while it runs"))
        self.params_box.setTitle(self.tr("Parameters"))
        if self.plots_loading_label is not None:
            self.plots_loading_label.setText(self.tr("Loading plots…"))
        self.picker.retranslate(self.lang)

    def _retranslate_panes(self) -> None:
        self.python_picker.retranslate()
        self.params.retranslate(self.lang)
        self.lesson.retranslate(self.lang)
        self.scheduler.retranslate(self.lang)
        self.busy_warning.retranslate()
        if self.scrubber is not None:
            self.scrubber.retranslate(self.lang)
        if self.plots is not None:
            self.plots.retranslate(self.lang)
        if self.compare_window is not None:
            self.compare_window.retranslate(self.lang)
        self.run_control.show_state()

    def show_compare(self) -> None:
        """The compare window (gui.compare_view), owned by this one; made on first use."""
        if self.compare_window is None:
            from .compare_view import CompareWindow
            self.compare_window = CompareWindow(self)
        self.compare_window.retranslate(self.lang)  # the scenario's knobs, in the window's language
        self.compare_window.show()
        self.compare_window.raise_()

    def _source_follows_knobs(self) -> None:
        if self.params.scenario is not None:
            self.lesson.set_source_values(self.params.values())

    def set_chinese(self, on: bool) -> None:
        self.lang = "zh_CN" if on else "en"
        language.install_translator(QApplication.instance(), self.lang)
        self.retranslate()

    def set_dark(self, on: bool) -> None:
        self.theme = theme_module.DARK if on else theme_module.LIGHT
        self._restyle()

    def step_text(self, steps: int) -> None:
        """A+ (+1) / A- (-1): the next size in theme.TEXT_STEPS (A+ twice is x1.5)."""
        ladder = [round(self.base_pixel_size * f) for f in theme_module.TEXT_STEPS]
        if steps > 0:
            bigger = [px for px in ladder if px > self.pixel_size]
            self.pixel_size = bigger[min(steps, len(bigger)) - 1] if bigger else self.pixel_size
        elif steps < 0:
            smaller = [px for px in ladder if px < self.pixel_size]
            self.pixel_size = smaller[max(steps, -len(smaller))] if smaller else self.pixel_size
        self._restyle()

    def text_scale(self) -> float:
        """The text size relative to the starting one (1.5: A+ twice)."""
        return self.pixel_size / self.base_pixel_size

    def scale_text(self, factor: float) -> None:
        self.pixel_size = max(10, min(64, round(self.pixel_size * factor)))
        self._restyle()

    def _restyle(self) -> None:
        theme_module.apply(QApplication.instance(), self.theme, self.pixel_size)
        self.left.setMinimumWidth(round(self.pixel_size * LEFT_MIN_EMS))
        for button in (self.run_button, self.stop_button):
            button.setFont(theme_module.ui_font(self.pixel_size, 1.15, bold=True))
        self.picker.retranslate(self.lang)
        QTimer.singleShot(0, self, self.fit_scenario_list)
        if self.completed:  # else complete() makes the panes in this theme and size
            self._restyle_panes()

    def _restyle_panes(self) -> None:
        self.banner.set_theme(self.theme)
        self.lesson.set_font_size(self.pixel_size)
        self.lesson.apply_theme(self.theme)
        self.busy_warning.apply_theme(self.theme)
        if self.plots is not None:
            self.plots.apply_theme(self.theme, self.pixel_size)
        self.run_control.show_state()

    def toggle_full_screen(self) -> None:
        """F11: full screen, and back to the window as it was (maximized stays maximized)."""
        if self.isFullScreen():
            was = getattr(self, "_before_full_screen", None)
            if was is not None and was[0]:
                self.showMaximized()
            else:
                self.showNormal()
                if was is not None:
                    self.setGeometry(was[1])
        else:
            self._before_full_screen = (self.isMaximized(), self.geometry())
            self.showFullScreen()

    def _on_follow(self, on: bool) -> None:
        if self.plots is not None:
            self.plots.timeline.set_follow(on)
