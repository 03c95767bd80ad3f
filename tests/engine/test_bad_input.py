"""Bad input gets a clear answer (issue 9, guarantee 4).

Every bad input to the command line ends with exit code 2 and exactly one line
on stderr naming the problem, never a traceback: over 40 fixed cases run as
real `python main.py ...` processes (started all at once, one test each),
then hypothesis-generated --set values and names, and random bytes,
truncations and bit flips of a real saved recording fed to
engine.recording.load, which must raise RecordingError and nothing else.
"""
import contextlib
import functools
import glob
import io
import json
import os
import subprocess
import tempfile
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import cli, interpreters, recording, scenarios, wire
from engine import session as session_module
from engine.session import Session
from tests.engine.helpers import MAIN, PYTHON, ROOT, existing_scenarios, gilscope

OLD_PYTHONS = sorted(glob.glob("/root/.pyenv/versions/3.8*/bin/python3"))
PYTHON2 = sorted(glob.glob("/root/.pyenv/versions/2.*/bin/python2"))


# -- a real recording and files derived from it -----------------------------------------
@functools.lru_cache(maxsize=None)
def saved_recording() -> bytes:
    """The bytes of a real .gilscope file (a short traced race), made once."""
    session = Session(sample=False)
    try:
        session.start("race", {"iterations": 100})
        assert session.wait(30) == "finished", session.problem
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "race.gilscope")
            recording.save(session.data(), path)
            with open(path, "rb") as f:
                return f.read()
    finally:
        session.close()


def _frame(ftype, count, pid, payload):
    return wire.FRAME_HEADER.pack(ftype, count, pid, len(payload)) + payload


def _summary(body: bytes) -> bytes:
    return wire.stream_header() + _frame(wire.F_MESSAGE, 1, 0, body)


def bad_files() -> dict:
    """name -> bytes of a file `report` must refuse."""
    good = saved_recording()
    last = _last_frame_at(good)  # the session summary: the file's last frame
    too_long = bytearray(good)  # the first frame claims 4 GiB of payload
    wire.FRAME_HEADER.pack_into(too_long, wire.STREAM_HEADER.size, wire.F_STRINGS, 1, 1, 0xFFFF0000)
    odd_kind = _frame(wire.F_EVENTS, 1, 1, wire.RECORD.pack(0, 1, 0, 999, 0, 0, 0))
    return {
        "empty": b"",
        "three-bytes": b"GSC",
        "header-only": wire.stream_header(),
        "half": good[:len(good) // 2],
        "one-byte-short": good[:-1],
        "no-summary": good[:last],
        "bad-magic": b"XXXX" + good[4:],
        "version-99": wire.STREAM_HEADER.pack(wire.MAGIC, 99, 0) + good[wire.STREAM_HEADER.size:],
        "frame-too-long": bytes(too_long),
        "unknown-frame-type": wire.stream_header() + _frame(77, 0, 1, b""),
        "event-length-mismatch": wire.stream_header() + _frame(wire.F_EVENTS, 2, 1, b"\0" * 32),
        "strings-short": wire.stream_header() + _frame(wire.F_STRINGS, 5, 1,
                                                       wire.STRING_ENTRY.pack(1, 3) + b"abc"),
        "json-nested-deep": wire.stream_header() + _frame(wire.F_MESSAGE, 1, 1, b"[" * 4000),
        "json-not-object": _summary(b"[1, 2]"),
        "json-garbage": _summary(b"{not json"),
        "unknown-kind": good[:last] + odd_kind + good[last:],
        "summary-unknown-scenario": _summary(b'{"type":"session","scenario":"nope"}'),
        "summary-scenario-list": _summary(b'{"type":"session","scenario":["race"]}'),
        "summary-t-end-text": _summary(b'{"type":"session","scenario":"race","t_end_ns":"x"}'),
        "summary-t-end-huge": _summary(b'{"type":"session","scenario":"race","t_end_ns":1e400}'),
        "summary-t-end-beyond-int64": _summary(b'{"type":"session","scenario":"race","t_end_ns":%d}'
                                               % 10 ** 30),
        "random-bytes": bytes(range(256)) * 8,
        "text-file": b"this is not a recording\n",
    }


def _last_frame_at(data: bytes) -> int:
    pos, last = wire.STREAM_HEADER.size, None
    while pos < len(data):
        last = pos
        pos += wire.FRAME_HEADER.size + wire.FRAME_HEADER.unpack_from(data, pos)[3]
    return last


# -- the fixed cases: argv ("{tmp}": the module's temp dir), and the words the line must hold --
FIXED_CASES = [
    ("unknown-scenario", ["run", "nope"], "unknown scenario"),
    ("empty-scenario", ["run", ""], "unknown scenario"),
    ("missing-scenario", ["run"], "required"),
    ("unknown-command", ["frobnicate"], "unknown command 'frobnicate'"),
    ("unknown-option", ["run", "race", "--bogus"], "unrecognized"),
    ("unknown-parameter", ["run", "race", "--set", "bogus=1"], "unknown parameter"),
    ("set-without-equals", ["run", "race", "--set", "iterations"], "name=value"),
    ("set-empty-name", ["run", "race", "--set", "=5"], "unknown parameter"),
    ("iterations-zero", ["run", "race", "--set", "iterations=0"], "iterations"),
    ("iterations-negative", ["run", "race", "--set", "iterations=-5"], "iterations"),
    ("iterations-huge", ["run", "race", "--set", "iterations=" + "9" * 30], "iterations"),
    ("iterations-text", ["run", "race", "--set", "iterations=abc"], "iterations"),
    ("iterations-fraction", ["run", "race", "--set", "iterations=1.5"], "iterations"),
    ("iterations-newline", ["run", "race", "--set", "iterations=1\n2"], "iterations"),
    ("workers-zero", ["run", "race", "--workers", "0"], "workers"),
    ("workers-negative", ["run", "race", "--workers=-1"], "workers"),
    ("workers-huge", ["run", "gil", "--workers", "100000"], "workers"),
    ("workers-enormous", ["run", "gil", "--workers", "9" * 25], "workers"),
    ("workers-text", ["run", "gil", "--workers", "two"], "workers"),
    ("workers-empty", ["run", "gil", "--workers", ""], "workers"),
    ("workers-below-scenario-minimum", ["run", "race", "--set", "workers=1"], "workers"),
    ("bool-not-bool", ["run", "race", "--set", "lock=maybe"], "lock"),
    ("float-nan", ["run", "race", "--set", "switch_interval=nan"], "switch_interval"),
    ("float-inf", ["run", "race", "--set", "switch_interval=inf"], "switch_interval"),
    ("float-zero", ["run", "race", "--set", "switch_interval=0"], "switch_interval"),
    ("float-negative", ["run", "race", "--set", "switch_interval=-1"], "switch_interval"),
    ("gil-iterations-below-minimum", ["run", "gil", "--set", "iterations=999"], "iterations"),
    ("lang-unknown", ["run", "race", "--lang", "fr"], "invalid choice"),
    ("python-missing", ["run", "race", "--python", "/nonexistent/python3"], "not found"),
    ("python-empty", ["run", "race", "--python", ""], "empty path"),
    ("python-directory", ["run", "race", "--python", "/tmp"], "not found"),
    ("python-not-executable", ["run", "race", "--python", "/etc/passwd"], "not executable"),
    ("python-is-ls", ["run", "race", "--python", "/bin/ls"], "not a python"),
    ("python-is-true", ["run", "race", "--python", "/bin/true"], "not a python"),
    ("json-unwritable", ["run", "race", "--json", "/nonexistent/dir/out.json"], "cannot write"),
    ("save-unwritable", ["run", "race", "--save", "/nonexistent/dir/r.gilscope"], "cannot write"),
    ("report-missing-file", ["report", "/nonexistent/run.gilscope"], "cannot read"),
    ("report-directory", ["report", "{tmp}"], "cannot read"),
    ("report-trace-unwritable", ["report", "{tmp}/good.gilscope", "--trace",
                                 "/nonexistent/dir/t.json"], "cannot write"),
]
# Bad recordings for `report`: file case -> the words its one line must hold (besides its path).
BAD_FILES = {
    "empty": "no session summary", "three-bytes": "truncated",
    "header-only": "no session summary", "half": "truncated", "one-byte-short": "truncated",
    "no-summary": "no session summary", "bad-magic": "not a gilscope recording",
    "version-99": "version 99", "frame-too-long": "corrupt",
    "unknown-frame-type": "unknown frame type", "event-length-mismatch": "event frame length",
    "strings-short": "string frame does not add up",
    "json-nested-deep": "unreadable control message", "json-not-object": "not an object",
    "json-garbage": "unreadable control message", "unknown-kind": "unknown kinds",
    "summary-unknown-scenario": "bad session summary",
    "summary-scenario-list": "bad session summary", "summary-t-end-text": "bad session summary",
    "summary-t-end-huge": "bad session summary",
    "summary-t-end-beyond-int64": "bad session summary", "random-bytes": "not a gilscope recording",
    "text-file": "not a gilscope recording",
}
CASES = FIXED_CASES + [("report-" + name, ["report", "{tmp}/%s.gilscope" % name],
                        ("%s.gilscope" % name, words)) for name, words in BAD_FILES.items()]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Run every fixed case as its own `python main.py` process, all at once."""
    tmp = str(tmp_path_factory.mktemp("bad_input"))
    with open(os.path.join(tmp, "good.gilscope"), "wb") as f:
        f.write(saved_recording())
    files = bad_files()
    assert set(files) == set(BAD_FILES)
    for name, data in files.items():
        with open(os.path.join(tmp, name + ".gilscope"), "wb") as f:
            f.write(data)
    procs = {}
    for cid, argv, words in CASES:
        argv = [a.replace("{tmp}", tmp) for a in argv]
        procs[cid] = (subprocess.Popen([PYTHON, MAIN] + argv, cwd=ROOT, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
                      words)
    results = {}
    for cid, (proc, words) in procs.items():
        out, err = proc.communicate(timeout=60)
        results[cid] = (proc.returncode, out, err, words)
    return results


def stderr_lines(err: str) -> list:
    return err.rstrip("\n").split("\n") if err else []


@pytest.mark.parametrize("case_id", [cid for cid, _, _ in CASES])
def test_bad_input_exits_2_with_one_line_naming_the_problem(outcomes, case_id):
    code, out, err, words = outcomes[case_id]
    assert code == 2, (code, err, out[-300:])
    assert "Traceback" not in err, err
    lines = stderr_lines(err)
    assert len(lines) == 1, err
    assert lines[0].startswith("gilscope: "), err
    for word in (words,) if isinstance(words, str) else words:
        assert word.lower() in lines[0].lower(), (word, lines[0])


def test_the_good_recording_reports_fine(tmp_path):
    """Control case: the file the bad ones were made from is accepted by `report`."""
    path = tmp_path / "good.gilscope"
    path.write_bytes(saved_recording())
    out = gilscope("report", str(path), "--json", "-")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["scenario"] == "race"


# Interpreters too old for the runner: a named skip where none is installed, never a silent gap.
@pytest.mark.parametrize("found, words", [
    pytest.param(OLD_PYTHONS[:1], "needs python 3.9", id="python-3.8-too-old",
                 marks=pytest.mark.skipif(not OLD_PYTHONS, reason="python3.8 not found")),
    pytest.param(PYTHON2[:1], "python", id="python-2-not-usable",
                 marks=pytest.mark.skipif(not PYTHON2, reason="python2 not found")),
])
def test_an_interpreter_too_old_is_refused_in_one_line(found, words):
    out = gilscope("run", "race", "--python", found[0])
    assert out.returncode == 2, out.stderr
    lines = stderr_lines(out.stderr)
    assert len(lines) == 1 and lines[0].startswith("gilscope: ") and "Traceback" not in out.stderr
    assert words in lines[0].lower(), lines[0]


# -- generated: --set values and names --------------------------------------------------------
class _WouldRun(OSError):
    """Raised where the runner would be spawned: the input passed every check."""


def _cli(argv):
    """cli.main in this process, stopped just before a process would start.

    Everything up to Session.start's Popen runs for real (scenario lookup,
    parameter resolution, the interpreter check); Popen raises instead.
    Returns (exit code, stderr, the resolved params or None).
    """
    err = io.StringIO()
    spawned = {}

    def no_popen(args, **kwargs):
        spawned["params"] = json.loads(args[-1])["params"]
        raise _WouldRun("gilscope-test: would run")

    interpreters.current()  # probed once, for real, before Popen is replaced
    with mock.patch.object(session_module.subprocess, "Popen", no_popen), \
            contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(argv)
    return code, err.getvalue(), spawned.get("params")


PARAMS = [(sid, p) for sid in existing_scenarios() for p in scenarios.get(sid).params]
FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(st.sampled_from(PARAMS), st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-10 ** 30, max_value=10 ** 30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "0", "-0", "1e999", "nan", "true", "off", "0x10", "1_000", "٣",
                     "\n", "1\n", "\x00", "9" * 5000])))
def test_fuzzed_set_values_are_accepted_in_range_or_refused_in_one_line(param, value):
    scenario_id, p = param
    code, err, params = _cli(["run", scenario_id, "--set", "%s=%s" % (p.name, value)])
    try:
        expected = p.parse(value)
    except ValueError:
        expected = None
    if params is not None:  # accepted: the runner would get a value in range
        assert expected is not None, (p.name, value)
        assert p.validate(params[p.name]) == expected
    else:
        assert expected is None, (p.name, value, err)
        assert code == 2, err
        lines = stderr_lines(err)
        assert len(lines) == 1 and lines[0].startswith("gilscope: ") and p.name in lines[0], err


@FUZZ
@given(st.sampled_from(existing_scenarios()),
       st.text(min_size=1, max_size=20).filter(lambda s: "=" not in s and s.strip()))
def test_fuzzed_parameter_names_are_refused_in_one_line(scenario_id, name):
    known = {p.name for p in scenarios.get(scenario_id).params}
    if name.strip() in known:
        return
    # "--set=NAME=1": a NAME starting with "-" is then not taken for an option by argparse
    code, err, params = _cli(["run", scenario_id, "--set=%s=1" % name])
    assert params is None
    assert code == 2, err
    lines = stderr_lines(err)
    assert len(lines) == 1 and "unknown parameter" in lines[0], err


@FUZZ
@given(st.text(max_size=30))
def test_fuzzed_scenario_ids_are_refused_in_one_line(scenario_id):
    if scenario_id in scenarios.IDS or scenario_id.startswith("-"):
        return  # a real id; an option-looking id is argparse's usage error (also exit 2)
    code, err, params = _cli(["run", scenario_id])
    assert params is None
    assert code == 2, err
    assert len(stderr_lines(err)) == 1 and "unknown scenario" in err, err


# -- generated: corrupt recordings into engine.recording.load --------------------------------
def _load(data: bytes):
    """recording.load on data; returns the RunData, or the RecordingError raised."""
    with tempfile.NamedTemporaryFile(suffix=".gilscope") as f:
        f.write(data)
        f.flush()
        try:
            return recording.load(f.name)
        except recording.RecordingError as exc:
            assert str(exc) and "\n" not in str(exc)
            return exc


@FUZZ
@given(st.data())
def test_a_truncated_recording_raises_recording_error(data):
    good = saved_recording()
    cut = data.draw(st.integers(min_value=0, max_value=len(good) - 1))
    assert isinstance(_load(good[:cut]), recording.RecordingError)


@FUZZ
@given(st.data())
def test_bit_flips_in_a_recording_load_or_raise_recording_error_only(data):
    good = bytearray(saved_recording())
    flips = data.draw(st.lists(st.integers(min_value=0, max_value=len(good) * 8 - 1),
                               min_size=1, max_size=8))
    for bit in flips:
        good[bit // 8] ^= 1 << (bit % 8)
    loaded = _load(bytes(good))
    if not isinstance(loaded, recording.RecordingError):
        loaded.result()  # what `report` does next must not raise either


@FUZZ
@given(st.binary(max_size=3000), st.booleans())
def test_random_bytes_raise_recording_error(blob, with_header):
    data = (wire.stream_header() + blob) if with_header else blob
    loaded = _load(data)
    assert isinstance(loaded, recording.RecordingError) or loaded.scenario.id in scenarios.IDS
