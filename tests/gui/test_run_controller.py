"""The window's run logic is an object the window owns (gui/run_control.py), not a mixin.

Round 1's RunControl mixin read a dozen window attributes it never declared and reached
into the adapter's private Session; these tests hold the object to what it is given.
"""
import ast
import os

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QLabel, QMainWindow, QWidget

from gui import run_control, theme
from gui.busy_warning import BusyWarning
from gui.interpreter_picker import InterpreterPicker
from gui.lesson_panel import LessonPanel
from gui.param_form import ParamForm
from gui.problem_banner import ProblemBanner
from gui.run_control import RunController, RunWidgets
from gui.scenario_picker import ScenarioPicker
from gui.scheduler_panel import SchedulerPanel
from gui.session_adapter import SessionAdapter

SOURCE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "gui", "run_control.py")


def test_the_window_owns_its_run_controller_and_inherits_no_run_logic(window):
    from gui.main_window import MainWindow
    assert MainWindow.__bases__ == (QMainWindow,)
    assert not hasattr(run_control, "RunControl")  # the mixin is gone
    assert isinstance(window.run_control, RunController)
    assert window.run_control.parent() is window  # its Qt owner
    assert window.run_control.adapter is window.adapter
    assert window.run_control.plots is window.plots  # given once the plots were built
    for name in ("run", "stop", "state", "last_result", "show_problem", "choose_scenario"):
        assert not hasattr(window, name), name  # the window no longer answers for the runs


def _controller_class() -> ast.ClassDef:
    with open(SOURCE, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    return next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "RunController")


def _assigned_on_self(function) -> set:
    names = set()
    for node in ast.walk(function):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for target in targets:
            for leaf in (target.elts if isinstance(target, ast.Tuple) else [target]):
                if (isinstance(leaf, ast.Attribute) and isinstance(leaf.value, ast.Name)
                        and leaf.value.id == "self"):
                    names.add(leaf.attr)
    return names


def test_every_attribute_of_the_controller_is_declared_in_its_constructor():
    methods = [node for node in _controller_class().body if isinstance(node, ast.FunctionDef)]
    declared = _assigned_on_self(next(m for m in methods if m.name == "__init__"))
    for method in methods:
        undeclared = _assigned_on_self(method) - declared
        assert not undeclared, (method.name, undeclared)


def test_the_controller_reads_no_private_attribute_of_another_object():
    reached = [(node.lineno, node.attr) for node in ast.walk(_controller_class())
               if isinstance(node, ast.Attribute) and node.attr.startswith("_")
               and not node.attr.startswith("__")
               and not (isinstance(node.value, ast.Name) and node.value.id == "self")]
    assert reached == []


def test_the_checks_above_can_fail():
    bad = ast.parse("class RunController:\n    def __init__(self):\n        self.a = 1\n"
                    "    def later(self):\n        self.b, self.a = 2, self.adapter._session\n").body[0]
    methods = [node for node in bad.body if isinstance(node, ast.FunctionDef)]
    assert _assigned_on_self(methods[1]) - _assigned_on_self(methods[0]) == {"b"}
    assert [node.attr for node in ast.walk(bad) if isinstance(node, ast.Attribute)
            and node.attr.startswith("_") and not isinstance(node.value, ast.Name)] == ["_session"]


def test_a_controller_works_from_what_its_constructor_is_given_alone(qtbot):
    """No window: the widgets, an adapter and an owner.  The status line says the choice,
    a failed start is said in the banner, and no Session is made just to say so."""
    owner = QWidget()
    qtbot.addWidget(owner)
    look = theme.LIGHT
    python_picker = InterpreterPicker(owner)
    widgets = RunWidgets(
        picker=ScenarioPicker(owner), params=ParamForm(owner), python_picker=python_picker,
        lesson=LessonPanel(look, 14, owner), scheduler=SchedulerPanel(owner),
        scheduler_action=QAction(owner), run_action=QAction(owner), stop_action=QAction(owner),
        follow_box=QCheckBox(owner), busy_warning=BusyWarning(look, owner),
        banner=ProblemBanner(look, owner), status_label=QLabel(owner))
    widgets.busy_warning.enabled = False
    built = []
    adapter = SessionAdapter(owner)
    runs = RunController(adapter, widgets, lambda: built.append(True), lambda: "en", parent=owner)
    assert runs.parent() is owner and runs.plots is None and not built

    runs.choose_scenario("race")
    assert widgets.params.scenario.id == "race" and runs.state == "idle"
    assert widgets.status_label.text().startswith("Ready: press F5 to run “")
    assert adapter.current_session is None  # the status line made no Session
    assert not widgets.stop_action.isEnabled()

    adapter.run_failed.emit("the interpreter was not found", None)
    assert runs.state == "failed"
    assert widgets.banner.problem_text() == "⚠ The run failed: the interpreter was not found"
    assert widgets.run_action.isEnabled() and not widgets.stop_action.isEnabled()
    assert widgets.status_label.text() == "Failed — 0 events"
    python_picker.shutdown()


def test_the_banner_says_a_problem_in_the_theme_s_colour_and_hides(qtbot):
    banner = ProblemBanner(theme.LIGHT)
    qtbot.addWidget(banner)
    assert banner.problem_text() == ""
    banner.show_problem("it broke")
    assert banner.problem_text() == "⚠ it broke" and theme.LIGHT.bad in banner.styleSheet()
    banner.set_theme(theme.DARK)
    banner.show_problem("look", warning=True)
    assert theme.DARK.warn in banner.styleSheet()
    banner.hide_problem()
    assert banner.problem_text() == ""


def test_the_adapter_says_its_session_without_making_one_and_takes_one_given(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    adapter = SessionAdapter(owner)
    assert adapter.current_session is None

    class Given:
        closed = False
        state = "finished"

        def close(self):
            self.closed = True

    first, second = Given(), Given()
    adapter.use_session(first)
    assert adapter.current_session is first
    adapter.use_session(second)  # the one in use is closed
    assert first.closed and not second.closed and adapter.session is second
