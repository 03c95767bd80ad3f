"""The command line: figures as JSON, Chrome traces, exit codes."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def gilscope(*args, timeout=120):
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py")] + list(args),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_run_json_has_the_documented_shape():
    out = gilscope("run", "race", "--set", "iterations=500", "--json", "-")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["scenario"] == "race" and doc["params"]["iterations"] == 500
    assert set(doc["interpreter"]) >= {"version", "gil_enabled"}
    assert {"headline", "notes"} <= set(doc["verdict"])
    for name in ("final_value", "expected_value", "lost_updates", "wall_s", "events"):
        assert name in doc["figures"], name
    assert doc["figures"]["events"] > 4 * 500  # every traced access was recorded


def test_trace_is_valid_chrome_json_with_tracks_slices_and_counters(tmp_path):
    trace = tmp_path / "race.json"
    out = gilscope("run", "race", "--set", "iterations=300", "--trace", str(trace))
    assert out.returncode == 0, out.stderr
    events = json.loads(trace.read_text())["traceEvents"]
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"MainThread", "THREAD1", "THREAD2"} <= names
    slices = [e for e in events if e["ph"] == "X"]
    assert slices and all(e["dur"] >= 0 and "pid" in e and "tid" in e for e in slices)
    assert {"running", "done"} <= {e["name"] for e in slices}
    counters = [e for e in events if e["ph"] == "C" and e["name"] == "ret"]
    assert len(counters) == 2 * 2 * 300  # every write of ret as a counter value
    assert all(isinstance(e["ts"], (int, float)) for e in events if "ts" in e)


def test_saved_recording_reports_the_same_verdict(tmp_path):
    rec = tmp_path / "race.gilscope"
    first = gilscope("run", "race", "--set", "iterations=400", "--json", "-", "--save", str(rec))
    again = gilscope("report", str(rec), "--json", "-")
    assert first.returncode == 0 and again.returncode == 0, again.stderr
    a, b = json.loads(first.stdout), json.loads(again.stdout)
    assert a["figures"]["final_value"] == b["figures"]["final_value"]
    assert a["figures"]["lost_updates"] == b["figures"]["lost_updates"]
    assert a["verdict"]["headline"] == b["verdict"]["headline"]


def test_bad_input_is_one_line_and_exit_code_2():
    for args in (["run", "nope"], ["run", "race", "--set", "iterations=0"],
                 ["run", "race", "--workers", "100000"], ["run", "race", "--set", "bogus=1"],
                 ["run", "race", "--python", "/nonexistent/python"], ["frobnicate"]):
        out = gilscope(*args)
        assert out.returncode == 2, (args, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("gilscope: "), (args, out.stderr)
        assert "Traceback" not in out.stderr


def test_output_conflicts_and_failed_writes_are_bad_input(tmp_path):
    same = str(tmp_path / "same.json")
    cases = [
        (["--json", "-", "--trace", "-"], "standard output"),
        (["--json", same, "--trace", same], "same file"),
        (["--save", ""], "needs a file name"),
        (["--save", "-"], "needs a file name"),
        (["--workers", "2", "--set", "workers=3"], "disagree"),
        (["--trace", "/proc/gilscope-test.json"], "cannot write"),  # fails only when written
    ]
    for extra, words in cases:
        out = gilscope("run", "race", "--set", "iterations=50", *extra)
        assert out.returncode == 2, (extra, out.stderr)
        assert out.stderr.strip().splitlines()[-1].startswith("gilscope: ")
        assert words in out.stderr and "Traceback" not in out.stderr, (extra, out.stderr)


def test_recording_whose_names_are_corrupt_is_refused(tmp_path):
    rec = tmp_path / "race.gilscope"
    assert gilscope("run", "race", "--set", "iterations=50", "--save", str(rec)).returncode == 0
    data = bytearray(rec.read_bytes())
    at = data.find(b"final_value")
    data[at:at + 8] = b"XXXXXXXX"  # the string table no longer names the measured value
    rec.write_bytes(bytes(data))
    out = gilscope("report", str(rec))
    assert out.returncode == 2 and "corrupt" in out.stderr and "Traceback" not in out.stderr


def test_list_params_shows_every_declared_parameter():
    from engine import scenarios
    out = gilscope("list", "--params")
    assert out.returncode == 0, out.stderr
    for s in scenarios.all_scenarios():
        for p in s.params:
            assert "    %s " % p.name in out.stdout and p.allowed() in out.stdout


def test_source_prints_the_shown_program_with_the_given_values_and_it_runs(tmp_path):
    out = gilscope("source", "process-basics", "--workers", "2", "--set", "iterations=50000",
                   "--set", "start_method=spawn")
    assert out.returncode == 0, out.stderr
    assert "N = 2 " in out.stdout and 'START_METHOD = "spawn"' in out.stdout
    program = tmp_path / "program.py"
    program.write_text(out.stdout)
    ran = subprocess.run([sys.executable, "-I", str(program)], cwd=str(tmp_path),
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    printed = [int(line) for line in ran.stdout.splitlines() if line.isdigit()]  # run(i)'s print(i)
    assert sorted(printed) == [0, 0, 1, 1]
    zh = gilscope("source", "process-basics", "--lang", "zh_CN")
    assert zh.returncode == 0 and "# 子进程的启动方式" in zh.stdout
    bad = gilscope("source", "process-basics", "--set", "start_method=thread")
    assert bad.returncode == 2 and "one of fork, spawn, forkserver" in bad.stderr
