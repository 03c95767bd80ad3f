"""The window's own texts in Simplified Chinese: complete, current, compiled, and shown.

Scenario texts are bilingual in their declarations; the widgets' texts go through
Qt's tr() and live in resources/translations/gilscope_zh_CN.ts (see its README).
"""
import glob
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

import PySide6
from PySide6.QtCore import QCoreApplication


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TS = os.path.join(ROOT, "resources", "translations", "gilscope_zh_CN.ts")
QM = os.path.join(ROOT, "resources", "translations", "gilscope_zh_CN.qm")
PLACEHOLDER = re.compile(r"\{[^}]*\}")


def qt_tool(name: str) -> str:
    """lupdate / lrelease as the PySide6 wheel ships them; skipped by name when absent."""
    path = os.path.join(os.path.dirname(PySide6.__file__), name)
    if not os.access(path, os.X_OK):
        pytest.skip("%s not shipped with this PySide6" % name)
    return path


def messages(ts_path: str) -> dict:
    """(context, source) -> (translation, type) of a .ts file."""
    found = {}
    for context in ET.parse(ts_path).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            translation = message.find("translation")
            found[(name, message.findtext("source"))] = (translation.text or "",
                                                         translation.get("type", ""))
    return found


def test_every_window_text_in_the_code_is_in_the_catalogue(tmp_path):
    fresh = str(tmp_path / "fresh.ts")
    sources = sorted(glob.glob(os.path.join(ROOT, "gui", "*.py")))
    subprocess.run([qt_tool("lupdate"), "-no-obsolete", "-locations", "none"] + sources
                   + ["-ts", fresh], check=True, capture_output=True)
    in_code, in_catalogue = set(messages(fresh)), set(messages(TS))
    assert in_code - in_catalogue == set(), "new texts: run pyside6-lupdate and translate them"
    assert in_catalogue - in_code == set(), "texts no longer in the code: run lupdate -no-obsolete"


def test_every_text_is_translated_with_the_same_placeholders():
    for (context, source), (translation, kind) in messages(TS).items():
        assert translation.strip() and kind == "", (context, source)
        assert sorted(PLACEHOLDER.findall(translation)) == sorted(PLACEHOLDER.findall(source)), source


def test_the_compiled_catalogue_is_the_current_one(tmp_path):
    compiled = str(tmp_path / "zh.qm")
    subprocess.run([qt_tool("lrelease"), TS, "-qm", compiled], check=True, capture_output=True)
    with open(compiled, "rb") as fresh, open(QM, "rb") as shipped:
        assert fresh.read() == shipped.read(), "run pyside6-lrelease (see resources/translations)"


def test_chinese_turns_the_window_chinese_and_english_turns_it_back(qtbot, window):
    window.set_chinese(True)
    assert window.run_action.text() == "▶ 运行"
    assert QCoreApplication.translate("Timeline", "waiting for the GIL") == "等待 GIL"
    assert window.lesson.tabs.tabText(0) == "讲解"
    assert window.python_picker.itemText(0).endswith("gilscope 自身使用的 Python")
    window.set_chinese(False)
    assert window.run_action.text() == "▶ Run"
    assert window.python_picker.itemText(0).endswith("this gilscope")
    assert QCoreApplication.translate("Timeline", "waiting for the GIL") == "waiting for the GIL"


def test_phase_labels_stay_chinese_when_another_scenario_changes_the_views(qtbot, window):
    from engine import scenarios
    window.set_chinese(True)
    qtbot.wait(50)                             # the language change is handled before
    window.run_control.choose_scenario("gil")              # no extra views
    window.run_control.choose_scenario("shared-globals")   # a queue view: the plots are rearranged
    window.params.set_value("items", 50)
    window.run_control.run()
    qtbot.waitUntil(lambda: window.run_control.state not in ("running", "idle") and not window.adapter.busy,
                    timeout=60_000)
    phases = scenarios.get("shared-globals").phases
    assert window.plots.timeline.phase_marks.labels() == [
        phases[name]["zh_CN"] for name in ("bug", "join before reading", "fix: queue", "fix: pool",
                                           "fix: manager", "fix: shared memory")]
