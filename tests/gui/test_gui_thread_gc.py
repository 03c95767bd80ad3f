"""Reference cycles are collected on the GUI thread only (gui/gui_thread_gc.py)."""
import gc
import threading
import weakref

from gui import gui_thread_gc


class _Node:
    pass


def test_a_cycle_made_on_another_thread_dies_on_the_gui_thread(qapp, qtbot):
    collector = gui_thread_gc.install(qapp)
    assert not gc.isenabled()  # no thread but the GUI's collects
    died_on = []

    class Tracked(_Node):
        def __del__(self):
            died_on.append(threading.current_thread().name)

    refs = []

    def make_garbage():  # allocates well past every threshold, as a busy sampler thread would
        for _ in range(5):
            a, b = Tracked(), Tracked()
            a.other, b.other = b, a
            refs.append(weakref.ref(a))
        junk = []
        for _ in range(50_000):
            x = _Node()
            x.me = x
            junk.append(x)
        del junk

    worker = threading.Thread(target=make_garbage, name="not-the-gui")
    worker.start()
    worker.join()
    assert died_on == []  # nothing collected on the worker
    before = collector.collections
    qtbot.waitUntil(lambda: all(r() is None for r in refs), timeout=5000)
    assert collector.collections > before
    assert set(died_on) == {threading.main_thread().name}


def test_install_is_idempotent(qapp):
    assert gui_thread_gc.install(qapp) is gui_thread_gc.install(qapp)
