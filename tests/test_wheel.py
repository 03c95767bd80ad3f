"""`pip install .` gives a whole gilscope: the wheel carries the icon and the translation.

Without them an installed window has no icon and stays half English (the scenario
texts are Chinese, the window's own texts are not).
"""
import os
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_wheel_carries_the_resources_and_the_command(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                          "--disable-pip-version-check", "-q", "-w", str(tmp_path), ROOT],
                         capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    [wheel] = [f for f in os.listdir(tmp_path) if f.endswith(".whl")]
    with zipfile.ZipFile(os.path.join(tmp_path, wheel)) as z:
        names = set(z.namelist())
        entry_points = next(z.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    for wanted in ("resources/gilscope.svg", "resources/check_dark.svg", "resources/more_dark.svg",
                   "resources/translations/gilscope_zh_CN.qm",
                   "resources/__init__.py", "main.py", "engine/runner.py", "engine/launcher.py",
                   "engine/self_test.py", "gui/self_test_display.py"):
        assert wanted in names, wanted
    assert "gilscope = main:main" in entry_points
    assert not [n for n in names if n.startswith(("tests/", "packaging/", "bench/"))]


def test_an_installed_wheel_finds_its_resources(tmp_path):
    """Install into a throwaway target and ask gui.language (gui.app reads it) where the icon and
    translations are."""
    target = tmp_path / "site"
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps",
                          "--disable-pip-version-check", "-q", "--target", str(target), ROOT],
                         capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    code = ("import os, sys; sys.path.insert(0, %r); from gui import language; "
            "print(language.RESOURCES); print(os.path.isfile(os.path.join(language.RESOURCES, 'gilscope.svg'))); "
            "print(os.path.isfile(os.path.join(language.TRANSLATIONS, 'gilscope_zh_CN.qm')))" % str(target))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    shown = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, timeout=120, env=env,
                           cwd=str(tmp_path))
    assert shown.returncode == 0, shown.stderr.decode()
    folder, icon, qm = shown.stdout.decode().split()
    assert folder.startswith(str(target)) and icon == "True" and qm == "True"
