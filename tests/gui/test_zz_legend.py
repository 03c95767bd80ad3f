import os
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
def test_legend(qtbot, window):
    t = window.plots.timeline
    def report(tag):
        cells = [t._legend_flow.itemAt(i).widget() for i in range(t._legend_flow.count())]
        print(tag, "cells", len(cells), "visible", sum(c.isVisible() for c in cells), "host", t._legend.geometry().getRect(), t._legend.minimumHeight())
    window.choose_scenario("race"); window.params.set_value("iterations", 2000)
    window.run()
    qtbot.waitUntil(lambda: window.state not in ("running", "idle") and not window.adapter.busy, timeout=60000)
    qtbot.wait(500); report("en")
    window.chinese_action.setChecked(True); window.dark_action.setChecked(True)
    qtbot.wait(800); report("zh-dark")
