"""Fixtures the engine tests share (helpers that are plain functions: tests/engine/helpers.py).

- ``session`` / ``sampled_session``: a Session for scenario tests, closed after the test,
  which then checks that no process and no /dev/shm entry of its run is left.
  ``sampled_session`` also samples per-core load and thread CPU time (what gil's
  cores-used figures need); the others save the sampler's work on a loaded machine.
- ``fault_hook``: the ready file a fault scenario writes when its whole tree is up.
"""
import os

import pytest

from engine import guardian
from engine.session import Session
from tests.engine.helpers import READY_FILE_ENV


def shm_entries(run_id: str) -> list:
    """/dev/shm entries named with the run's id (its segments and rings)."""
    return [name for name in os.listdir("/dev/shm") if run_id in name] if os.path.isdir("/dev/shm") else []


def _closed_and_swept(session: Session):
    yield session
    session.close()
    if session.run_id:  # a test that never started a run has nothing to check
        assert guardian.processes_with_run_id(session.run_id) == []
        assert shm_entries(session.run_id) == []


@pytest.fixture
def session():
    yield from _closed_and_swept(Session(sample=False))


@pytest.fixture
def sampled_session():
    yield from _closed_and_swept(Session())


@pytest.fixture
def fault_hook(monkeypatch, tmp_path):
    """The ready file a fault scenario writes when its whole tree is up; return its path."""
    ready = str(tmp_path / "ready")
    monkeypatch.setenv(READY_FILE_ENV, ready)
    return ready
