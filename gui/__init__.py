"""gilscope's window: PySide6 widgets and pyqtgraph plots.  Never runs scenario code.

    app.py             QApplication, translator, theme, the window; plots load after first paint
    main_window.py     picker + parameters | live plots | lesson, verdict and output
    session_adapter.py polls engine.session.Session on a timer; signals named as facts
    cpu_panel.py  timeline.py  trace_view.py  extra_views.py   the live plots
    live_lanes.py  lane_index.py  timeline_layout.py   timeline spans, their index, the image
    pixel_shares.py  timeline_items.py   a frame's per-pixel state shares; the image and axis items
    scenario_picker.py  param_form.py  interpreter_picker.py  lesson_panel.py  theme.py
    flow_layout.py     a layout that wraps its items to the width (the timeline's legend)

Data flow: the adapter says how many events exist; the window hands each view only the
new slice (events[seen:]); views keep their own per-kind arrays and redraw on the
adapter's timer (<= 30 Hz), never per event.  When the run ends, views get the
engine's RunView and redraw from it exactly; the timeline keeps the spans it grew
live (they equal the RunView's) and only closes them.
"""
