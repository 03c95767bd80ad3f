"""`python main.py` without a display says so in one line, instead of Qt's abort."""
import os
import subprocess
import sys

import pytest

MAIN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                    "main.py")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland check is Linux's")
def test_no_display_is_one_clear_line_and_exit_code_2():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, MAIN], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gilscope: no display found"), done.stderr
    assert "python main.py list" in lines[0] and "Traceback" not in done.stderr
    assert done.stdout == ""
