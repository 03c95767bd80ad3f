"""docs/SCENARIOS.md followed by the letter: its example file and its smallest file run.

The guide is tested by doing what it says, alone: the example scenario file it points at
(docs/examples/sleepers.py) and the smallest file shown in its text run with
`run --file`, and every test file it says picks up a new built-in scenario exists and
iterates the table.
"""
import json
import os
import re

from tests.engine.helpers import ROOT, gilscope

GUIDE = os.path.join(ROOT, "docs", "SCENARIOS.md")
EXAMPLE = os.path.join(ROOT, "docs", "examples", "sleepers.py")


def _guide() -> str:
    with open(GUIDE, encoding="utf-8") as f:
        return f.read()


def test_the_example_runs_as_the_guide_says():
    command = re.search(r"python main.py run --file docs/examples/sleepers.py (.*)", _guide())
    assert command, "the guide shows how to run its example"
    out = gilscope("run", "--file", EXAMPLE, *command.group(1).split(), "--json", "-",
                   timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    figures = doc["figures"]
    assert doc["scenario"] == "sleepers" and figures["workers"] == 3
    # Three 0.1 s naps that release the GIL overlap: about one nap, never three in a row.
    assert 0.09 <= figures["sleep_s"] < 0.3, figures
    assert figures["cores_busy"] > 0 and figures["compute_s"] > 0
    zh = gilscope("run", "--file", EXAMPLE, "--set", "nap_s=0.01", "--set", "iterations=1000",
                  "--lang", "zh_CN", timeout=120)
    assert zh.returncode == 0 and "个线程：睡眠总共用了" in zh.stdout, zh.stdout


def test_the_smallest_file_in_the_guide_runs(tmp_path):
    text = _guide()
    block = re.search(r"The smallest file that runs:\n\n```python\n(.*?)```", text, re.S)
    assert block, "the guide shows its smallest file"
    path = tmp_path / "smallest.py"
    path.write_text(block.group(1))
    out = gilscope("run", "--file", str(path), "--workers", "3", "--json", "-", timeout=120)
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)["figures"]
    assert sorted(figures["square"]) == [0, 1, 4]  # the default verdict: each ctx.value recorded


def test_the_tests_the_guide_names_exist_and_iterate_the_table():
    table = _guide().split("Tests that then pick it up")[1].split("**The picker")[0]
    named = re.findall(r"`((?:tests/[\w/]+/)?test_\w+\.py)`", table)
    assert len(named) >= 10, named
    folder = ""
    for name in named:
        if "/" in name:
            folder = os.path.dirname(name)
        path = os.path.join(ROOT, name if "/" in name else os.path.join(folder, name))
        with open(path, encoding="utf-8") as f:
            source = f.read()
        assert re.search(r"scenarios\.IDS|table_params\(\)|existing_scenarios\(\)|"
                         r"all_scenarios\(\)", source), name


def test_the_shortcut_limit_the_guide_states_is_the_picker_s():
    from gui.scenario_picker import shortcut_digit
    assert [shortcut_digit(n) for n in (1, 9, 10, 11)] == ["1", "9", "0", ""]
    assert "Ctrl+1 … Ctrl+9 and Ctrl+0 choose the first ten" in _guide()
