"""``gilscope --self-test``: the checklist passes here, and a failure says what to do."""
import json
import os
import subprocess
import sys

from engine import self_test
from tests.engine.helpers import MAIN, ROOT


def _self_test(*args, env=None):
    return subprocess.run([sys.executable, MAIN, "--self-test"] + list(args), cwd=ROOT,
                          capture_output=True, timeout=240, env=env)


def test_the_engine_checklist_passes_from_source():
    out = _self_test("--json", "--no-display")
    assert out.returncode == 0, out.stdout.decode() + out.stderr.decode()
    report = json.loads(out.stdout)
    names = [c["name"] for c in report["checks"]]
    for wanted in ("Process guardian", "A run starts", "Processes, a Pool", "Commands", "Stop ends a run"):
        assert any(n.startswith(wanted) for n in names), (wanted, names)
    assert all(c["status"] in ("PASS", "WARN") for c in report["checks"]), report
    assert report["bundled"] is False


def test_the_display_checks_pass_offscreen():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, MAIN, "--self-test-display"], cwd=ROOT, capture_output=True,
                         timeout=120, env=env)
    assert out.returncode == 0, out.stderr.decode()
    checks = [json.loads(line) for line in out.stdout.decode().splitlines() if line.startswith("{")]
    statuses = {c["name"]: c["status"] for c in checks}
    for wanted in ("Display and Qt platform plugin", "Chinese translation",
                   "The plots (pyqtgraph, OpenGL helpers)", "The window draws"):
        assert statuses.get(wanted) == "PASS", (wanted, checks)
    assert "A font that draws Chinese" in statuses  # PASS or FAIL depends on the machine's fonts


def test_no_display_is_a_failure_with_a_fix(monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    [result] = self_test.check_display()
    assert result["status"] == "FAIL" and "xvfb-run" in result["fix"]


def test_a_display_that_cannot_be_opened_is_a_failure_with_a_fix():
    """DISPLAY names no server: Qt aborts the child; the checklist still reports, exit 1."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":9876"  # nothing listens there
    code = ("import json, sys; from engine import self_test; r = self_test.check_display(); "
            "print(json.dumps(r)); sys.exit(0)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=120, env=env)
    [result] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    assert result["status"] == "FAIL", result
    assert result["name"] == "Display and Qt platform plugin" and result["fix"]


def test_a_missing_chinese_font_is_a_failure_with_a_fix(tmp_path):
    """A fontconfig that knows only a Latin font: the font check fails and names a package."""
    latin = [p for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",) if os.path.exists(p)]
    if not latin:
        import pytest
        pytest.skip("DejaVuSans.ttf (fonts-dejavu-core) not installed here")
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    "<dir>%s</dir><cachedir>%s</cachedir></fontconfig>"
                    % (os.path.dirname(latin[0]), tmp_path / "cache"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FONTCONFIG_FILE=str(conf))
    code = ("from PySide6.QtWidgets import QApplication; app = QApplication([]); "
            "from gui.self_test_display import check_chinese_font; print(check_chinese_font()[0]); "
            "print(check_chinese_font()[2])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=120, env=env)
    status, fix = out.stdout.decode().strip().splitlines()[-2:]
    assert status == "FAIL" and "fonts-noto-cjk" in fix


def test_unknown_options_are_bad_input():
    out = _self_test("--fast")
    assert out.returncode == 2 and b"--self-test takes" in out.stderr


def test_a_leaked_shm_entry_is_reported_and_one_in_use_is_not(tmp_path):
    """Other programs make /dev/shm entries during a run: only unused ones that stay count."""
    import tempfile
    before = self_test._shm_entries()
    leaked = tempfile.NamedTemporaryFile(dir="/dev/shm", prefix="gilscope-test-leak-", delete=False)
    leaked.close()
    in_use = tempfile.NamedTemporaryFile(dir="/dev/shm", prefix="gilscope-test-used-")  # held open
    try:
        found = self_test._shm_leaked(before)
        assert os.path.basename(leaked.name) in found
        assert os.path.basename(in_use.name) not in found
    finally:
        os.unlink(leaked.name)
        in_use.close()
