"""File ▸ Open a scenario file…: run your own scenario in the window.

The file follows the contract of engine/scenario_file.py (docs/SCENARIOS.md).  Its
declarations are read here (the module's top level runs, as for a built-in scenario's
module); its run() only ever runs in the runner.  A file that cannot be used is said in
the window's banner, in one line naming what to fix.
"""
import os

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog

translate = QCoreApplication.translate  # lupdate reads translate("OpenScenario", "...") calls


def open_path(window, path: str) -> bool:
    """List the scenario file at path and choose it; a problem goes to the banner.  True if chosen."""
    from engine import scenario_file
    if window.adapter.busy:
        window.banner.show_problem(translate("OpenScenario", "Stop the run before opening a scenario file."))
        return False
    if not path.endswith(".py"):
        window.banner.show_problem(translate("OpenScenario", "A scenario file is Python source ending in .py: {0}")
                            .format(path))
        return False
    try:
        scenario = scenario_file.load(os.path.abspath(path))
    except scenario_file.ScenarioFileError as exc:
        window.banner.show_problem(translate("OpenScenario", "Cannot use the scenario file: {0}").format(exc))
        return False
    window.picker.add_file(scenario)
    window.run_control.choose_scenario(scenario.ref)  # the list, the form, the lesson, the views
    return True


def ask_and_open(window) -> bool:
    path, _ = QFileDialog.getOpenFileName(
        window, translate("OpenScenario", "Open a scenario file"), os.path.expanduser("~"),
        translate("OpenScenario", "Python scenario files (*.py)"))
    return open_path(window, path) if path else False
