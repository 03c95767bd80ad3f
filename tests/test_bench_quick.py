"""`python -m bench NAME --quick` runs each bench and writes a well-formed results file.

Only the shape of the results is checked, never a timing: on a shared 2-core
machine a goal may be missed for reasons that are no bug (README.md, "Performance").
"""
import json
import os
import subprocess
import sys

import pytest

from bench import BENCHES

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", [name for name, _ in BENCHES])
def test_quick_bench_writes_its_figures(name, tmp_path):
    out = tmp_path / "results.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "bench", name, "--quick", "--out", str(out)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=280, env=env,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["schema"] == 1
    assert list(data["benches"]) == [name]
    res = data["benches"][name]
    assert "error" not in res
    assert res["bench"] == name and res["quick"] is True
    assert isinstance(res["figures"], dict) and res["figures"]
    assert isinstance(res["baseline"], dict) and res["baseline"]  # every figure has its baseline
    assert res["goals"], "a bench checks at least one goal from the issue's table"
    for goal in res["goals"]:
        assert set(goal) >= {"name", "value", "op", "limit", "met"}
        assert goal["op"] in ("<=", ">=")
        assert _is_number(goal["limit"])
        assert goal["value"] is None or _is_number(goal["value"])
        assert goal["met"] in (True, False, None)
    assert res["interpreter"]["version"] and res["interpreter"]["executable"]
    assert res["machine"]["cores"] >= 1 and res["machine"]["cpu"]
    assert _is_number(res["seconds"])


def test_unknown_bench_is_refused(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bench", "no-such-bench", "--out", str(tmp_path / "r.json")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert "no-such-bench" in proc.stderr
    assert not (tmp_path / "r.json").exists()
