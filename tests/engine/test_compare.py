"""compare: one scenario on several Pythons and settings (issue 17).

Bad input and missing interpreters, Stop / Ctrl-C in the middle with no orphan,
the issue's numbers (skipped by name when 3.9 or 3.12 is absent), the JSON
schema, a saved comparison read back, and the verdict's words from figures.
"""
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from engine import compare, compare_verdict, guardian, scenarios
from tests.engine.helpers import (MAIN, PYTHON, ROOT, gilscope, measure_until, one_line_error,
                                  report_line, survivors, wait_until)
from tests.pythons import by_id

PYTHONS = by_id()


def needs(*ids):
    missing = [i for i in ids if i not in PYTHONS]
    return pytest.mark.skipif(bool(missing), reason="%s not found" % ", ".join(
        "python" + i[2:] for i in missing))


# -- bad input: one line, exit 2, before anything runs -------------------------------------
@pytest.mark.parametrize("args, words", [
    (["race"], "nothing to compare"),
    (["race", "--python", PYTHON], "nothing to compare"),
    (["nope", "--vary", "lock=off,on"], "unknown scenario"),
    (["race", "--vary", "lock=off,maybe"], "lock=maybe"),
    (["race", "--vary", "bogus=1,2"], "unknown parameter 'bogus'"),
    (["race", "--vary", "lock=off,off"], "listed twice"),
    (["race", "--vary", "lock=off,on", "--vary", "lock=on,off"], "given twice"),
    (["race", "--vary", "lock"], "NAME=V1,V2"),
    (["race", "--vary", "lock=,on"], "no empty value"),
    (["race", "--vary", "iterations=0,10"], "iterations=0"),
    (["race", "--vary", "lock=off,on", "--set", "lock=on"], "both set"),
    (["race", "--vary", "lock=off,on", "--repeat", "0"], "--repeat 0"),
    (["race", "--vary", "lock=off,on", "--repeat", "x"], "--repeat x"),
    (["race", "--vary", "lock=off,on", "--repeat", "51"], "from 1 to 50"),
    (["race", "--vary", "iterations=%s" % ",".join(str(i) for i in range(1, 18))], "at most 16"),
    (["race", "--vary", "workers=2,3,4,5,6,7,8,9,10,11", "--repeat", "30"], "at most 200"),
    (["race", "--vary", "lock=off,on", "--json", "-", "--save", "-"], "--save needs a file name"),
    (["race", "--vary", "lock=off,on", "--workers", "2", "--set", "workers=3"], "disagree"),
    (["race", "--python", "/nonexistent/python", "--python", "/nonexistent/python2"], "not found"),
    (["race", "--python", "", "--python", "/usr/bin/env"], "--python: empty"),
    (["race", "--python", PYTHON, "--python", PYTHON], "already given"),
    (["race", "--vary", "PYTHON_GIL=2,0"], "expected 0 or 1"),
    (["race", "--vary", "lock=off,on", "--json", "/nonexistent-folder/x.json"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_code_2(args, words):
    line = one_line_error(gilscope("compare", *args))
    assert words in line, line


@pytest.mark.skipif("py3.13t" in PYTHONS and "py3.14t" in PYTHONS,
                    reason="free-threaded 3.13t and 3.14t are both installed here")
def test_absent_free_threaded_build_is_skipped_by_name():
    absent = "3.13t" if "py3.13t" not in PYTHONS else "3.14t"
    out = gilscope("compare", "race", "--python", absent, "--python", PYTHON,
                   "--set", "iterations=200", "--json", "-")
    assert out.returncode == 0, out.stderr
    assert "skipped %s — no free-threaded (no-GIL) build of Python 3.%s found here" % (
        absent, absent[2:-1]) in out.stderr
    doc = json.loads(out.stdout)
    assert [s["what"] for s in doc["skipped"]] == [absent]
    assert any(absent in sentence for sentence in doc["verdict"]["sentences"])
    assert len(doc["combinations"]) == 1
    # Only absent ones: nothing to run is bad input, said in one line.
    line = one_line_error(gilscope("compare", "race", "--python", absent, "--python", absent))
    assert "nothing left to compare" in line


def test_python_gil_on_a_gil_build_is_skipped_by_name():
    out = gilscope("compare", "race", "--python", PYTHON, "--vary", "PYTHON_GIL=0,1",
                   "--vary", "lock=off,on", "--set", "iterations=200")
    if any(i.endswith("t") for i in PYTHONS) and "t" in sys.version:  # pragma: no cover
        pytest.skip("the tests run on a free-threaded build")
    line = one_line_error(out)
    assert "PYTHON_GIL applies to free-threaded builds" in line


def test_short_versions_resolve_through_the_interpreters_found():
    for pid, info in PYTHONS.items():
        found, reason = compare.resolve_python(pid[2:])
        assert reason is None and found["version"].startswith(pid[2:].rstrip("t") + ".")
        assert bool(found["free_threaded_build"]) == pid.endswith("t")


# -- timing scenarios go one at a time --------------------------------------------------------
def test_timing_scenarios_run_one_at_a_time_and_say_why():
    for sid in ("gil", "process-basics"):
        plan = compare.plan(sid, [], ["workers=1,2"], {}, 1)
        assert plan.concurrency == 1 and sid in plan.reason["en"] and plan.reason["zh_CN"]
    assert compare.plan("race", [], ["lock=off,on"], {}, 1).concurrency == compare.SIDE_BY_SIDE
    runs = compare.Comparison(compare.plan("gil", [], ["workers=1,2"], {"iterations": "20000"}, 2),
                              sample=False)
    runs.start()
    assert runs.wait(120) == "done"
    spans = sorted((s.started_at, s.ended_at) for s in runs.slots)
    assert all(s.state == "finished" for s in runs.slots), [s.problem for s in runs.slots]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans  # never two at once
    doc = compare_verdict.to_json(runs.plan, runs.slots, runs.state, runs.wall_s)
    assert "one at a time" in doc["one_at_a_time_reason"]
    assert doc["one_at_a_time_reason"] in doc["verdict"]["sentences"]


# -- Stop and Ctrl-C in the middle: every process of every run goes --------------------------
def test_stop_in_the_middle_leaves_no_process_and_reports_what_finished():
    plan = compare.plan("race", [], ["lock=off,on"], {"iterations": "1000000", "traced": "off"}, 4)
    runs = compare.Comparison(plan)
    runs.start()
    try:
        assert wait_until(lambda: any(s.state == "running" for s in runs.slots), 30)
        time.sleep(0.3)
        started = [s.run_id for s in runs.slots if s.run_id]
        seconds = runs.stop()
    finally:
        runs.stop()
    assert runs.state == "stopped" and seconds < 3.0, seconds
    for run_id in started:
        assert survivors(run_id) == [], run_id
    states = {s.state for s in runs.slots}
    assert "not run" in states and states <= {"finished", "stopped", "not run"}, states
    verdict = compare_verdict.verdict(plan, runs.slots)
    assert any("did not finish" in s for s in verdict["sentences"]), verdict


def _marked(mark: str) -> list:
    needle = ("GILSCOPE_TEST_MARK=%s\0" % mark).encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open("/proc/%s/environ" % entry, "rb") as f:
                    if needle in f.read() + b"\0":
                        found.append(int(entry))
            except OSError:
                continue
    return found


def test_ctrl_c_in_the_middle_of_a_compare_exits_130_with_no_orphan(tmp_path):
    mark = uuid.uuid4().hex
    out_json = tmp_path / "partial.json"
    env = dict(os.environ, GILSCOPE_TEST_MARK=mark)
    cli = subprocess.Popen([PYTHON, MAIN, "compare", "race", "--vary", "lock=off,on", "--repeat", "5",
                            "--set", "iterations=1000000", "--set", "traced=off",
                            "--json", str(out_json)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                           cwd=ROOT, stdin=subprocess.DEVNULL)
    try:
        # the CLI itself carries the mark too: wait for a run's guardian and runner
        assert wait_until(lambda: len(_marked(mark)) >= 3, 30), "no run started"
        time.sleep(0.5)
        cli.send_signal(signal.SIGINT)
        stdout, stderr = cli.communicate(timeout=20)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 130, stderr
    assert "stopped in" in stderr and "Traceback" not in stderr, stderr
    assert wait_until(lambda: not _marked(mark), 2.0), [guardian._cmdline(p) for p in _marked(mark)]
    doc = json.loads(out_json.read_text())  # what was asked for is still written
    assert doc["state"] == "stopped"
    assert any(r["state"] == "not run" for c in doc["combinations"] for r in c["runs"])


# -- the numbers ------------------------------------------------------------------------
@needs("py3.9", "py3.12")
def test_race_39_vs_312_untraced_numbers(request):
    t0 = time.monotonic()
    out = gilscope("compare", "race", "--python", "3.9", "--python", "3.12", "--set", "traced=off",
                   "--set", "iterations=1000000", "--repeat", "5", "--json", "-", timeout=120)
    seconds = time.monotonic() - t0
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    finals = {c["python"]["version"][:4]: [r["figures"]["final_value"] for r in c["runs"]]
              for c in doc["combinations"]}
    v39 = next(v for k, v in finals.items() if k.startswith("3.9"))
    v312 = next(v for k, v in finals.items() if k.startswith("3.12"))
    report_line(request.config, "compare race 3.9 vs 3.12 untraced x5: %.1f s (load %.1f); "
                "3.9 final values %s, 3.12 final values %s" % (seconds, os.getloadavg()[0], v39, v312))
    # Untraced, the race measures its final value only (lost updates are counted when
    # accesses are traced): a value other than 0 means updates were lost.
    assert v312 == [0] * 5  # 3.12 switches threads only at calls and loop jumps: none inside change()
    assert sum(1 for v in v39 if v != 0) >= 1, v39
    assert all(r["figures"]["lost_updates"] is None for c in doc["combinations"] for r in c["runs"])
    if seconds > 30 and os.getloadavg()[0] > (os.cpu_count() or 1):
        pytest.skip("machine saturated (load %.1f): took %.1f s" % (os.getloadavg()[0], seconds))
    assert seconds <= 30, seconds


@needs("py3.9", "py3.10", "py3.11", "py3.12", "py3.13")
def test_five_interpreters_three_repeats_of_race_in_15_s(request):
    def once():
        t0 = time.monotonic()
        out = gilscope("compare", "race", *sum((["--python", v] for v in
                                                ("3.9", "3.10", "3.11", "3.12", "3.13")), []),
                       "--repeat", "3", "--json", "-", timeout=120)
        assert out.returncode == 0, out.stderr
        return time.monotonic() - t0, json.loads(out.stdout)
    results = measure_until(once, lambda r: r[0] <= 15, "5 x 3 race in 15 s", tries=2)
    seconds, doc = results[-1]
    report_line(request.config, "compare race 5 interpreters x 3: %s s (load %.1f)"
                % (["%.1f" % r[0] for r in results], os.getloadavg()[0]))
    assert seconds <= 15
    assert len(doc["combinations"]) == 5 and all(len(c["runs"]) == 3 for c in doc["combinations"])
    assert all(r["state"] == "finished" for c in doc["combinations"] for r in c["runs"])


# -- the JSON and a saved comparison -------------------------------------------------------------
def _lock_compare(*extra):
    return gilscope("compare", "race", "--vary", "lock=off,on", "--repeat", "2",
                    "--set", "iterations=2000", *extra)


def test_json_schema():
    out = _lock_compare("--json", "-")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["schema"] == "gilscope.compare/1" and doc["scenario"] == "race"
    assert doc["repeat"] == 2 and doc["concurrency"] == 2 and doc["one_at_a_time_reason"] is None
    assert doc["state"] == "done" and doc["wall_s"] > 0 and doc["skipped"] == []
    assert [c["label"] for c in doc["combinations"]] == ["lock=off", "lock=on"]
    for combo, lock in zip(doc["combinations"], (False, True)):
        assert set(combo) >= {"index", "label", "python", "params", "varied", "env", "runs", "summary"}
        assert combo["params"]["lock"] is lock and combo["params"]["iterations"] == 2000
        assert combo["varied"] == {"lock": "lock=%s" % ("on" if lock else "off")}
        assert {"version", "executable", "gil_enabled"} <= set(combo["python"])
        assert [r["repeat"] for r in combo["runs"]] == [1, 2]
        for run in combo["runs"]:
            assert set(run) == {"repeat", "state", "ok", "headline", "problem", "figures"}
            assert run["state"] == "finished" and run["ok"] is True
        lost = [r["figures"]["lost_updates"] for r in combo["runs"]]
        entry = combo["summary"]["lost_updates"]
        assert entry == {"median": entry["median"], "min": min(lost), "max": max(lost), "n": 2}
        assert sorted(lost)[0] <= entry["median"] <= sorted(lost)[-1]
    assert doc["combinations"][1]["summary"]["lost_updates"]["max"] == 0  # the lock works
    assert isinstance(doc["verdict"]["headline"], str) and doc["verdict"]["sentences"]
    assert doc["figure_labels"]["lost_updates"] == "Lost updates"


def test_chinese_verdict_uses_the_declared_chinese_labels():
    out = _lock_compare("--json", "-", "--lang", "zh_CN")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    label = scenarios.get("race").figure_label("lost_updates", "zh_CN")  # the declared label
    assert doc["figure_labels"]["lost_updates"] == label
    assert any(s.startswith(label + " — lock=off：") for s in doc["verdict"]["sentences"])


def test_saved_comparison_reads_back_the_same(tmp_path):
    saved, first_json, again_json = (tmp_path / n for n in ("c.gilscope", "a.json", "b.json"))
    first = _lock_compare("--json", str(first_json), "--save", str(saved))
    assert first.returncode == 0, first.stderr
    again = gilscope("report", str(saved), "--json", str(again_json))
    assert again.returncode == 0, again.stderr
    a, b = (json.loads(p.read_text()) for p in (first_json, again_json))
    for key in ("scenario", "repeat", "state", "skipped", "verdict"):
        assert a[key] == b[key], key
    for ca, cb in zip(a["combinations"], b["combinations"]):
        assert ca["label"] == cb["label"] and ca["summary"] == cb["summary"]
        for ra, rb in zip(ca["runs"], cb["runs"]):
            assert ra["figures"]["lost_updates"] == rb["figures"]["lost_updates"]
            assert ra["figures"]["final_value"] == rb["figures"]["final_value"]
            assert ra["headline"] == rb["headline"]
    # One file, the single-run format extended: old single runs still open as before.
    single = tmp_path / "single.gilscope"
    assert gilscope("run", "race", "--set", "iterations=50", "--save", str(single)).returncode == 0
    assert gilscope("report", str(single)).returncode == 0


def test_damaged_saved_comparison_is_refused_in_one_line(tmp_path):
    saved = tmp_path / "c.gilscope"
    assert _lock_compare("--save", str(saved)).returncode == 0
    data = saved.read_bytes()
    cases = {"truncated": data[:len(data) // 2], "extra": data + b"\0" * 7,
             "format": data.replace(b'"format":1', b'"format":9', 1)}
    for name, damaged in cases.items():
        path = tmp_path / (name + ".gilscope")
        path.write_bytes(damaged)
        line = one_line_error(gilscope("report", str(path)))
        assert str(path) in line, (name, line)
    assert "format 9" in one_line_error(gilscope("report", str(tmp_path / "format.gilscope")))


# -- the verdict's words come from the figures ----------------------------------------------------
class _Slot:
    def __init__(self, combination, repeat, figures, state="finished"):
        self.combination, self.repeat, self.figures, self.state = combination, repeat, figures, state
        self.headline, self.ok, self.problem = {}, True, ""


def _synthetic(lost_a, lost_b):
    race = scenarios.get("race")
    infos = [{"version": v, "executable": "/x/" + v} for v in ("3.9.18", "3.12.1")]
    combos = [compare.Combination(i, info, {}, [("python", info["version"])], {})
              for i, info in enumerate(infos)]
    plan = compare.Plan(race, combos, len(lost_a), [])
    slots = [_Slot(combos[0], k + 1, {"lost_updates": v, "final_value": v, "expected_value": 0})
             for k, v in enumerate(lost_a)]
    slots += [_Slot(combos[1], k + 1, {"lost_updates": v, "final_value": v, "expected_value": 0})
              for k, v in enumerate(lost_b)]
    return plan, slots


def test_verdict_states_the_differences_in_numbers():
    plan, slots = _synthetic([381000, 352000, 470000, 400000, 390000], [0] * 5)
    v = compare_verdict.verdict(plan, slots)
    assert ("Lost updates — 3.9.18: median 390,000 (min 352,000, max 470,000 over 5 runs); "
            "3.12.1: 0 in every run (5). The ranges do not overlap") in " ".join(v["sentences"])
    assert "3.9.18: 5 of 5; 3.12.1: 0 of 5" in v["headline"]
    zh = compare_verdict.verdict(plan, slots, "zh_CN")
    assert "中位数 390,000（5 次运行中最小 352,000，最大 470,000）" in " ".join(zh["sentences"])


def test_verdict_says_when_ranges_overlap():
    plan, slots = _synthetic([3, 9, 5], [4, 8, 2])
    v = compare_verdict.verdict(plan, slots)
    text = " ".join(v["sentences"])
    assert "The ranges overlap" in text and "do not overlap" not in text
    assert v["headline"].startswith("Runs whose final value differs")  # 3 of 3 vs 3 of 3: no split
    plan, slots = _synthetic([3, 9, 5], [30, 80, 20])
    assert "do not overlap" in compare_verdict.verdict(plan, slots)["headline"]


def test_one_setting_repeated_shows_its_spread():
    out = gilscope("compare", "race", "--repeat", "3", "--set", "iterations=2000", "--json", "-")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert len(doc["combinations"]) == 1 and len(doc["combinations"][0]["runs"]) == 3
    lost = [r["figures"]["lost_updates"] for r in doc["combinations"][0]["runs"]]
    entry = doc["combinations"][0]["summary"]["lost_updates"]
    assert (entry["min"], entry["max"], entry["n"]) == (min(lost), max(lost), 3)
    assert doc["verdict"]["headline"].startswith("Lost updates — ")
