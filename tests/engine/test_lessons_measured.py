"""Each lesson's statement is tied to its measurement (issue 14, part 1).

Two kinds of test: a verdict built from given figures says only what those figures
show (fast, every branch); and a real run on every interpreter found measures what
the lesson claims for that interpreter.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from engine import guardian
from engine.scenarios.pool import pool_size_note
from engine.scenarios.pool_order import pool_order_headline
from engine.scenarios.race import race_texts, switches_only_at_calls_and_jumps
from engine.scenarios.subprocess_demo import popen_note
from engine.scenarios.thread_names import thread_names_headline
from engine.session import Session
from tests.pythons import python_params

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GIL_PYTHONS = python_params(["py3.9", "py3.10", "py3.11", "py3.12", "py3.13", "py3.14"])


def _all_text(head, notes, lang="en"):
    return " ".join([head[lang]] + [n[lang] for n in notes])


def _race(final, lost, lock=False, traced=False, version="3.11.7", free=False, waits=0):
    figures = {"final_value": final, "lost_updates": lost, "lock_waits": waits}
    head, _, notes = race_texts(figures, {"lock": lock, "traced": traced}, version, free)
    return head, notes


# -- race: every sentence from this run's figures ---------------------------------
def test_race_untraced_zero_on_39_does_not_claim_lost_updates():
    head, notes = _race(0, None, version="3.9.18")
    words = _all_text(head, notes)
    assert "only the final value is measured" in head["en"]
    assert "does not show whether any was lost" in words
    assert "loses updates even untraced" not in words and "were lost" not in words
    assert "after almost any bytecode" in words and "between any two" not in words
    assert "并不能说明有没有丢失更新" in _all_text(head, notes, "zh_CN")


def test_race_untraced_nonzero_on_39_says_updates_were_lost():
    head, notes = _race(-8, None, version="3.9.18")
    assert "updates were lost" in head["en"] and "final value -8" in _all_text(head, notes)


def test_race_on_310_plus_says_cannot_lose_untraced_as_labelled_background():
    head, notes = _race(0, None, version="3.12.1")
    text = _all_text(head, notes)
    assert "cannot lose an update" in text and "seldom" not in text
    assert any(n["en"].startswith("Background (CPython's source)") for n in notes)
    assert any(n["zh_CN"].startswith("背景") for n in notes)


def test_race_traced_headline_on_310_plus_names_the_recordings_switch_points():
    head, _ = _race(-20, 41, traced=True, version="3.10.13")
    assert "41 updates lost, each at a switch point the recording added" in head["en"]
    head39, _ = _race(-20, 41, traced=True, version="3.9.18")
    assert "recording" not in head39["en"]  # on 3.9 a switch can fall there untraced too


def test_race_lock_note_reports_the_measured_value_not_always_zero():
    head, notes = _race(0, 0, lock=True, traced=True, waits=7)
    text = _all_text(head, notes)
    assert "always" not in text
    assert "final value 0 (lost updates: 0)" in text and "7 lock waits" in text


def test_race_free_threaded_note_only_on_unlocked_runs():
    _, locked = _race(0, 0, lock=True, traced=True, version="3.13.0", free=True)
    assert not any("free-threaded build" in n["en"] for n in locked)
    _, unlocked = _race(-3, None, version="3.13.0", free=True)
    assert any("free-threaded build" in n["en"] and "final value -3" in n["en"] for n in unlocked)


def test_switch_points_by_version():
    assert not switches_only_at_calls_and_jumps("3.9.18", False)
    assert switches_only_at_calls_and_jumps("3.10.13", False)
    assert not switches_only_at_calls_and_jumps("3.13.0", True)


@pytest.mark.parametrize("python", GIL_PYTHONS)
def test_race_untraced_on_every_interpreter(python):
    """The post's exact code (tracing off), 2 threads x 200,000 at a 1 us switch interval.

    3.10+ with a GIL: 0 every time (no switch point between read and write).  3.9:
    whatever it measured, the verdict claims only that (measured here: 0 as well,
    since +n/-n losses cancel; 2 x 1,000,000 x `ret = ret + 1` lost 678,835).
    """
    session = Session(sample=False)
    try:
        session.start("race", {"traced": False, "iterations": 200000, "switch_interval": 0.000001},
                      python=python.path)
        assert session.wait(120) == "finished", session.problem
        result = session.result()
    finally:
        session.close()
    final = result.figures["final_value"]
    head = result.verdict.headline["en"]
    if python.version[:2] >= (3, 10) and python.gil_enabled:
        assert final == 0
    if final == 0:
        assert "only the final value is measured" in head and "lost" not in head
    else:
        assert "updates were lost" in head
    assert result.figures["switch_interval_us"] == 1


# -- shared-globals: fork copies, spawn/forkserver re-import ------------------------
def _shared_globals(python, **params):
    session = Session(sample=False)
    try:
        session.start("shared-globals", dict(params, items=300), python=python.path)
        assert session.wait(180) == "finished", session.problem
        return session.result()
    finally:
        session.close()
        assert guardian.processes_with_run_id(session.run_id) == []


@pytest.mark.parametrize("python", GIL_PYTHONS)
def test_shared_globals_under_spawn_children_import_afresh_and_big_items_block_join(python):
    result = _shared_globals(python, start_method="spawn", item_bytes=1024, workers=2)
    f, notes = result.figures, " ".join(n["en"] for n in result.verdict.notes)
    assert f["parent_list_lengths_bug"] == [0, 0] and sum(f["child_list_lengths"]) == 300
    assert f["children_saw_parent_globals"] == [False, False]
    assert "imported the module afresh" in notes and "copy of the parent's memory" not in notes
    # 150 strings of 1 KiB (~155 KB) do not fit a 64 KiB pipe: join() before reading waits
    assert f["join_first_bytes"] > f["pipe_buffer_bytes"] > 0
    assert f["join_first_returned"] is False and f["join_first_items"] == 150
    assert "got stuck" in notes
    assert result.verdict.ok


def test_shared_globals_fork_copies_forkserver_imports_and_small_items_join_fine():
    me = sys.executable
    from tests.pythons import current_python
    py = current_python()._replace(path=me)
    fork = _shared_globals(py, start_method="fork", workers=3)
    assert fork.figures["children_saw_parent_globals"] == [True] * 3
    assert fork.figures["join_first_returned"] is True  # 100 small ints: far below the pipe buffer
    assert fork.figures["join_first_bytes"] < fork.figures["pipe_buffer_bytes"]
    assert fork.figures["single_process_total"] == 3
    server = _shared_globals(py, start_method="forkserver", workers=3)
    assert server.figures["children_saw_parent_globals"] == [False] * 3
    assert server.figures["parent_list_lengths_bug"] == [0, 0, 0]
    notes = " ".join(n["en"] for n in server.verdict.notes)
    assert "started by forkserver" in notes


# -- pool: the default size --------------------------------------------------------
@pytest.mark.skipif(shutil.which("taskset") is None or (os.cpu_count() or 1) < 2,
                    reason="needs taskset and 2 CPUs")
@pytest.mark.parametrize("python", GIL_PYTHONS)
def test_pool_default_size_under_taskset(python, tmp_path):
    """Pool(): os.cpu_count() before 3.13, os.process_cpu_count() (affinity) from 3.13."""
    out_file = tmp_path / "pool.json"
    out = subprocess.run(["taskset", "-c", "0", sys.executable, os.path.join(ROOT, "main.py"),
                          "run", "pool", "--python", python.path, "--set", "tasks=2",
                          "--set", "iterations=0", "--json", str(out_file)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out_file.read_text())
    f, notes = result["figures"], " ".join(result["verdict"]["notes"])
    assert f["cpu_count"] == 1 and f["os_cpu_count"] == os.cpu_count()
    if python.version[:2] >= (3, 13):
        assert f["pool_size"] == f["os_process_cpu_count"] == 1
        assert "os.process_cpu_count(), no longer os.cpu_count()" in notes
    else:
        assert f["pool_size"] == os.cpu_count() and f["os_process_cpu_count"] is None


def test_pool_size_note_names_the_counts_of_this_run():
    f = {"pool_size": 1, "os_cpu_count": 2, "cpu_count": 1, "os_process_cpu_count": 1}
    note = pool_size_note(f, 0)
    assert "os.process_cpu_count() is 1" in note["en"] and "os.cpu_count() is 2" in note["en"]
    f = {"pool_size": 2, "os_cpu_count": 2, "cpu_count": 1, "os_process_cpu_count": None}
    assert "before 3.13 is os.cpu_count()" in pool_size_note(f, 0)["en"]
    assert pool_size_note(dict(f, pool_size=3), 3)["en"].startswith("Pool(3) started 3")


# -- pool-order, subprocess, thread-names --------------------------------------------
def _order_figures(**kw):
    f = {"map_keeps_input_order": True, "completion_differs_from_input": False, "chunks": 3,
         "chunksize_map": 7, "tasks": 19}
    f.update(kw)
    return f


def test_pool_order_headline_consults_the_measured_order():
    assert "NOT in input order" in pool_order_headline(
        _order_figures(map_keeps_input_order=False), [2, 1], [2, 1])["en"]
    one_chunk = pool_order_headline(_order_figures(chunks=1, chunksize_map=19), [1, 2], [1, 2])["en"]
    assert "one chunk" in one_chunk and "this time" not in one_chunk
    assert "this time" in pool_order_headline(_order_figures(), [1, 2], [1, 2])["en"]
    assert "though tasks finished as 2, 1" in pool_order_headline(
        _order_figures(completion_differs_from_input=True), [1, 2], [2, 1])["en"]


def test_popen_note_says_all_ran_together_only_when_measured():
    assert "all 3 ran together" in popen_note({"most_at_once_call": 1, "most_at_once_popen": 3}, 3)["en"]
    note = popen_note({"most_at_once_call": 1, "most_at_once_popen": 2}, 3)
    assert "at most 2 of the 3" in note["en"] and "all 3" not in note["en"]


def test_thread_names_incomplete_headline_is_a_sentence_in_both_languages():
    head = thread_names_headline("MainThread", ["THREAD1", "THREAD2"], 102, False, True)
    assert head["en"] == "MainThread started THREAD1, THREAD2; not every thread printed all 102 lines"
    assert head["zh_CN"] == "MainThread 启动了 THREAD1、THREAD2；并非每个线程都打印完 102 行"
    done = thread_names_headline("MainThread", ["THREAD1"], 102, True, False)
    assert done["zh_CN"].endswith("每个线程打印 102 行，各线程依次打印，没有交错")


# -- threads-help and convoy: new lessons, measured on every interpreter -------------------
def _run(python, scenario, params, timeout=180):
    session = Session(sample=False)
    try:
        session.start(scenario, params, python=python.path)
        assert session.wait(timeout) == "finished", session.problem
        return session.result()
    finally:
        session.close()


@pytest.mark.parametrize("python", GIL_PYTHONS)
def test_threads_help_waiting_not_python_loops(python):
    result = _run(python, "threads-help", {"workers": 2, "wait_ms": 100.0, "digest_mib": 8,
                                           "loop": 300000})
    f, notes = result.figures, [n["en"] for n in result.verdict.notes]
    busy = f["cores_used_loop_one"] < 0.75
    assert notes[0].startswith("The machine was busy") is busy  # said only when measured
    notes = notes[1:] if busy else notes
    assert f["speedup_wait"] > 1.5 and "waited at the same time" in notes[0]
    if python.gil_enabled:
        assert f["cores_used_loop"] < 1.2 and "took turns" in notes[2]
    # the hashing sentence follows the measured cores, whichever way this run went
    several = f["cores_used_digest"] > 1.2
    assert ("several cores at once" in notes[1]) is several
    assert notes[3].startswith("Background (CPython's source)")


@pytest.mark.parametrize("python", GIL_PYTHONS)
def test_convoy_io_thread_waits_about_a_switch_interval_per_call(python):
    result = _run(python, "convoy", {"calls": 100, "call_us": 200, "switch_interval": 0.005})
    f = result.figures
    assert f["switch_interval_ms"] == 5.0
    notes = [n["en"] for n in result.verdict.notes]
    notes = [n for n in notes if not n.startswith("Other programs took")]  # engine.verdict_labels
    extra = f["median_call_beside_cpu_ms"] - f["median_call_alone_ms"]
    convoy = extra > 0.4 * f["switch_interval_ms"]
    # said exactly when measured: at load 12-30 the CPU thread got a fraction of a core and
    # the I/O thread's calls seldom met it holding the GIL (no convoy to see)
    busy_note = notes[0].startswith("The machine was busy")
    assert busy_note is (python.gil_enabled and f["cpu_thread_cores"] < 0.75 and not convoy)
    notes = notes[1:] if busy_note else notes
    if python.gil_enabled and not busy_note:
        # measured at load 10 on 2 cores (3.11): 0.35 ms alone, 5.6 ms beside the CPU thread
        assert convoy and f["slowdown"] > 2
    assert "%.3f ms (median) alone" % f["median_call_alone_ms"] in notes[0]


def test_pool_failed_task_is_silent_until_get(tmp_path):
    out_file = tmp_path / "pool.json"
    out = subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), "run", "pool", "--workers", "2",
                          "--set", "tasks=2", "--set", "iterations=0", "--json", str(out_file)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out_file.read_text())
    f = result["figures"]
    assert f["failed_task_before_get"] == "ready=True successful=False"
    assert f["failed_task_get_error"] == "ValueError: task 2 failed"
    assert any("Only get() raised it" in n for n in result["verdict"]["notes"])


@pytest.mark.parametrize("python", GIL_PYTHONS)
def test_map_default_chunksize_is_not_one(python):
    """No chunksize: map cuts 40 tasks for 2 workers into chunks of ceil(40 / 8) = 5, and a
    worker runs a whole chunk in order (measured: the longest run of consecutive inputs)."""
    result = _run(python, "pool-order", {"workers": 2, "tasks": 40, "chunksize": 0, "unit_ms": 2})
    f = result.figures
    assert f["chunksize_map"] == 5 and f["chunks"] == 8
    assert f["longest_run_map"] >= 5
    assert f["result_order"] == list(range(1, 41))
    assert "map's default, ceil(40 / (4 × 2)) = 5" in " ".join(n["en"] for n in result.verdict.notes)


# -- the post beside the port ------------------------------------------------------------
def test_every_lesson_ends_with_the_posts_words_and_the_ports_changes():
    from engine import scenarios
    from engine.scenarios.post import POST
    assert set(POST) == set(scenarios.IDS)
    for scenario in scenarios.all_scenarios():
        section, words, _ = POST[scenario.id]
        assert scenario.lesson["zh_CN"].endswith(scenario.post["zh_CN"])
        assert scenario.lesson["en"].endswith(scenario.post["en"])
        assert words in scenario.post["en"] and words in scenario.post["zh_CN"]  # the post's own words
        assert "What this port changed: " in scenario.post["en"] and "本移植的改动：" in scenario.post["zh_CN"]


def test_the_port_changes_name_what_the_shown_program_fixed():
    from engine import scenarios
    race, names = scenarios.get("race"), scenarios.get("thread-names")
    assert "run_thread" in race.post["en"] and "run_thread" not in race.source
    assert "target=run" in race.source
    assert "n += 1" in names.post["en"] and "n += 1" in names.source
    assert "while True" in scenarios.get("gil").post["en"] and "while True" not in scenarios.get("gil").source


@pytest.mark.parametrize("python", GIL_PYTHONS)
def test_race_locals_and_threading_local_are_each_threads_own(python):
    """The race lesson's "only local variables (and threading.local data) are each
    thread's own", measured: each thread's counters end at its own iterations exactly,
    traced (where the shared ret loses updates) and untraced."""
    for traced in (True, False):
        session = Session(sample=False)
        try:
            session.start("race", {"traced": traced, "iterations": 3000, "workers": 3},
                          python=python.path)
            assert session.wait(120) == "finished", session.problem
            result = session.result()
        finally:
            session.close()
        f = result.figures
        assert f["local_counts"] == [3000] * 3 and f["thread_local_counts"] == [3000] * 3
        note = [n for n in result.verdict.notes if n["en"].startswith("What is each thread's own")]
        assert len(note) == 1 and "[3000, 3000, 3000]" in note[0]["en"]
        assert "局部变量" in note[0]["zh_CN"]
        if traced and f["lost_updates"]:
            assert "lost %d updates" % f["lost_updates"] in note[0]["en"]


def test_the_port_changes_name_the_start_method_knob_where_there_is_one():
    from engine import scenarios
    for scenario in scenarios.all_scenarios():
        has_knob = any(p.name == "start_method" for p in scenario.params)
        said = "start method" in scenario.post["en"].split("What this port changed: ")[1]
        assert has_knob == said, scenario.id
        assert has_knob == ("启动方式" in scenario.post["zh_CN"].split("本移植的改动：")[1]), scenario.id
