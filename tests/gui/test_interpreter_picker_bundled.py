"""In a frozen build the picker names the bundled Python and still offers the installed ones."""
import sys

from engine import interpreters, launcher
from gui.interpreter_picker import CURRENT, InterpreterPicker


def _fake_bundle(monkeypatch, tmp_path):
    for name in ("gilscope", launcher.RUNNER_EXECUTABLE):
        path = tmp_path / name
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "gilscope"))


def test_the_bundled_python_is_named_and_an_installed_one_of_the_same_version_is_offered(
        qtbot, monkeypatch, tmp_path):
    _fake_bundle(monkeypatch, tmp_path)
    picker = InterpreterPicker()
    qtbot.addWidget(picker)
    bundled = interpreters.current()
    assert picker.itemData(0) == CURRENT and picker.python() is None  # the Session's default: bundled
    assert picker.itemText(0) == "%s — bundled with gilscope" % bundled["label"]
    same_version = {"label": bundled["label"], "executable": "/usr/bin/python3.x-installed"}
    picker._add_found([bundled, same_version])
    texts = [picker.itemText(i) for i in range(picker.count())]
    assert sum(bundled["executable"] in t for t in texts) == 0  # not listed twice
    assert any(t.endswith("/usr/bin/python3.x-installed") for t in texts), texts


def test_from_source_the_current_python_is_this_gilscope(qtbot):
    picker = InterpreterPicker()
    qtbot.addWidget(picker)
    assert picker.itemText(0).endswith("— this gilscope")
