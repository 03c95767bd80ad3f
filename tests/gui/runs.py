"""A run in a test's window, from Run to its last lane and label layout."""
RUN_TIMEOUT_MS = 60_000


def run_to_end(qtbot, window, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Press Run and wait until the run ended and the window took in all of it."""
    window.run_control.run()
    qtbot.waitUntil(lambda: window.run_control.state not in ("running", "idle") and not window.adapter.busy,
                    timeout=timeout_ms)
    assert window.run_control.state == "finished", window.banner.problem_text()
    qtbot.wait(300)  # the last lane and label layouts
