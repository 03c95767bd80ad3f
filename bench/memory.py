"""memory: bytes per held event and per timeline span (with its index), GUI side, at 10M.

Each part runs in a fresh child of the app's interpreter, so its resident-set
growth (VmRSS from /proc/self/status, 4 KiB pages: huge pages off) is its own:
  events  10M events fed as real frames, in 1 MiB reads, through the
          Session's StreamDecoder into its EventStore (the GUI's copy of a run);
  spans   10M spans over 64 lanes as the timeline keeps them: gui.timeline_layout's
          Spans and its LaneIndex (the block index a frame is drawn from).
  cli     a real `gilscope run race` (2 workers, traced) in a fresh child, at two sizes:
          its peak resident set (VmHWM) above its resident set before the run;
  save    the same with --save (the recording the next part reads);
  report  `gilscope report` of that recording in a fresh child, the same peak.
For cli, save and report the goal reads the growth between the two sizes (peak bytes
gained / events gained: what one more event costs, without the fixed imports), and
each size's own peak per event is shown beside it.
Figures: resident bytes gained / items held, and the arrays' own nbytes / items
beside it (the baseline: what the data alone needs).  For events the goal reads
the growth from 5M to 10M events (to 0.1 B): the cost of holding one more event, without the
~2 MB the decoder and allocator hold whatever the count (shown as "overall").
The store reserves its capacity as address space and never copies itself to grow,
so its peak is its size: the peak is a goal too.  ("reserves" in the table is that
address space, not memory.)  Goals: <= 32 B/event held, <= 48 B/event at the peak
(store filling, CLI run, save, report), <= 80 B/span.  The window's peak per event is
bench scale's.
"""
import sys

from bench import common

GOAL_EVENT_B = 32
GOAL_PEAK_B = 48  # the store reserves its capacity as address space: it never copies itself
GOAL_SPAN_B = 80


def _status(field: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no %s in /proc/self/status" % field)


def _rss() -> int:
    """Resident bytes, after glibc returns freed heap (1 MiB read buffers) to the system:
    what is held, not what the allocator keeps cached for the next read."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return _status("VmRSS")


def _frames_chunk(n_frames: int) -> bytes:
    """n_frames full event frames (127 records each), as a worker's Sink writes them."""
    import numpy as np
    from engine import wire
    from engine.decode import EVENT_DTYPE
    per = wire.MAX_EVENTS_PER_FRAME
    records = np.zeros(per, EVENT_DTYPE)
    records["kind"], records["pid"], records["worker"] = wire.K.VAR_WRITE, 4242, 1
    header = wire.FRAME_HEADER.pack(wire.F_EVENTS, per, 4242, per * wire.RECORD_SIZE)
    frame = header + records.tobytes()
    return frame * n_frames


def _events(n: int) -> dict:
    from engine import wire
    from engine.decode import EventStore, StreamDecoder
    chunk = _frames_chunk(256)  # ~1 MiB, the reader's os.read size
    per_chunk = 256 * wire.MAX_EVENTS_PER_FRAME
    rss0 = _rss()
    store = EventStore()
    decoder = StreamDecoder(store)
    decoder.feed(wire.stream_header())
    chunks = -(-n // per_chunk)
    for i in range(chunks):
        decoder.feed(chunk)
        if i == chunks // 2:
            half, rss_half = len(store), _rss()
    held = len(store)
    rss1 = _rss()
    return {"items": held, "rss_bytes": rss1 - rss0, "array_bytes": held * wire.RECORD_SIZE,
            "marginal_bytes": (rss1 - rss_half) / (held - half),
            "peak_bytes": _status("VmHWM") - rss0,
            "reserved_bytes": int(store._array.nbytes), "dropped": store.dropped}


def _spans(n: int, lanes: int) -> dict:
    import numpy as np
    from gui.timeline_layout import LaneIndex, Spans
    per_lane = n // lanes
    rss0 = _rss()
    lane = np.repeat(np.arange(lanes, dtype=np.int32), per_lane)
    rng = np.random.default_rng(1)
    t0 = np.cumsum(rng.integers(1_000, 5_000_000, size=(lanes, per_lane)), axis=1).ravel()
    t1 = t0 + 500  # spans end before the next starts: a lane never overlaps itself
    state = rng.integers(0, 10, size=lanes * per_lane).astype(np.uint8)
    spans = Spans(lane, t0.astype(np.int64), t1.astype(np.int64), state)
    del t0, t1, lane, state
    index = LaneIndex(spans, lanes)
    rss1 = _rss()
    return {"items": len(spans), "rss_bytes": rss1 - rss0,
            "array_bytes": spans.nbytes() + index.nbytes(), "spans_bytes": spans.nbytes(),
            "index_bytes": index.nbytes()}


def _count_small_pages() -> None:
    """Turn transparent huge pages off for this process (PR_SET_THP_DISABLE).

    numpy madvises big arrays into 2 MiB pages, so the resident size of an array
    rounds up by as much as 2 MiB: +-0.4 B/event of noise over 5M events, a
    constant that is no part of the per-item cost being measured.
    """
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").prctl(41, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _command(argv: list) -> dict:
    """engine.cli.main(argv) in this process: exit code, events, peak above the start."""
    import io
    import json
    from contextlib import redirect_stderr, redirect_stdout
    from engine import cli
    rss0 = _status("VmRSS")
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = cli.main(argv)
    text = out.getvalue()
    figures = json.loads(text[text.index("{"):]).get("figures", {}) if "{" in text else {}
    return {"exit": code, "events": figures.get("events"), "peak_bytes": _status("VmHWM") - rss0}


def _cli(part: str, iterations: int, path: str) -> dict:
    if part == "report":
        return _command(["report", path, "--json", "-"])
    argv = ["run", "race", "--set=workers=2", "--set=iterations=%d" % iterations, "--json", "-"]
    return _command(argv + (["--save", path] if part == "save" else []))


def child_main(args) -> int:
    import json
    _count_small_pages()
    part, n = args[0], int(args[1])
    if part in ("cli", "save", "report"):
        out = _cli(part, n, args[2])
    else:
        out = _events(n) if part == "events" else _spans(n, int(args[2]))
    print(json.dumps(out))
    return 0


def _m(count: float) -> str:
    return "%gM" % (count / 1e6)


def _commands(quick: bool) -> dict:
    """Peaks of the CLI's run, save and report of race at two sizes: {part: [small, large]}."""
    import os
    import tempfile
    sizes = (10_000, 40_000) if quick else (100_000, 400_000)  # x 2 workers x 4 events
    found = {"cli": [], "save": [], "report": []}
    with tempfile.TemporaryDirectory() as folder:
        for iterations in sizes:
            path = os.path.join(folder, "race-%d.gilscope" % iterations)
            for part in ("cli", "save", "report"):
                got = common.run_json(common.child_command(sys.executable, "memory", part,
                                                           iterations, path), timeout=900)
                if got["exit"] not in (0, 1) or not got["events"]:
                    raise RuntimeError("%s of race at %d iterations: exit %s"
                                       % (part, iterations, got["exit"]))
                found[part].append(got)
    return found


def _growth(pair: list) -> float:
    """Peak bytes gained per event gained from the smaller run to the larger."""
    small, large = pair
    return (large["peak_bytes"] - small["peak_bytes"]) / (large["events"] - small["events"])


def run(quick: bool = False) -> dict:
    n = 1_000_000 if quick else 10_000_000
    lanes = 64
    ev = common.run_json(common.child_command(sys.executable, "memory", "events", n), timeout=300)
    sp = common.run_json(common.child_command(sys.executable, "memory", "spans", n, lanes), timeout=300)
    commands = _commands(quick)
    ev_b = ev["marginal_bytes"]
    sp_b = sp["rss_bytes"] / sp["items"]
    figures = {"events_held": ev["items"], "bytes_per_event_marginal": ev_b,
               "bytes_per_event_rss_total": ev["rss_bytes"] / ev["items"],
               "bytes_per_event_peak": ev["peak_bytes"] / ev["items"],
               "bytes_per_event_reserved": ev["reserved_bytes"] / ev["items"],
               "events_dropped": ev["dropped"],
               "spans_held": sp["items"], "lanes": lanes, "bytes_per_span_rss": sp_b,
               "bytes_per_span_arrays": sp["array_bytes"] / sp["items"],
               "index_bytes_per_span": sp["index_bytes"] / sp["items"]}
    for part, pair in commands.items():
        figures[part + "_peak_bytes_per_event_growth"] = _growth(pair)
        for got in pair:
            figures["%s_peak_bytes_per_event_at_%d" % (part, got["events"])] = (
                got["peak_bytes"] / got["events"])
    baseline = {"event_record_bytes": ev["array_bytes"] / ev["items"],
                "span_fields_bytes": sp["spans_bytes"] / sp["items"],
                "meaning": "resident growth of a fresh process / items held; the data's own "
                           "nbytes per item is the floor"}
    table = ["events: %d held, %.2f B/event resident from %s to %s, %.2f B/event overall; peak while "
             "the store grows %.1f B/event (records %.0f B; address space reserved %.1f B/event)"
             % (ev["items"], ev_b, _m(n / 2), _m(n), ev["rss_bytes"] / ev["items"],
                ev["peak_bytes"] / ev["items"], ev["array_bytes"] / ev["items"],
                ev["reserved_bytes"] / ev["items"]),
             "spans:  %d over %d lanes, %.1f B/span resident (spans %.1f B + index %.1f B)"
             % (sp["items"], lanes, sp_b, sp["spans_bytes"] / sp["items"], sp["index_bytes"] / sp["items"])]
    names = {"cli": "CLI run", "save": "CLI run --save", "report": "report"}
    for part, (small, large) in commands.items():
        table.append("%-6s  race: peak %.0f B/event from %d to %d events (%.0f B/event at %d, %.0f at %d)"
                     % (part, _growth((small, large)), small["events"], large["events"],
                        small["peak_bytes"] / small["events"], small["events"],
                        large["peak_bytes"] / large["events"], large["events"]))
    # To 0.1 B: RSS counts 4 KiB pages, and an allocator page here or there is no cost per event.
    goals = [common.goal("bytes per held event (resident, %s -> %s events)" % (_m(n / 2), _m(n)),
                         round(ev_b, 1), "<=", GOAL_EVENT_B, "B"),
             common.goal("peak bytes per event while the store fills (resident)",
                         round(ev["peak_bytes"] / ev["items"], 1), "<=", GOAL_PEAK_B, "B"),
             common.goal("bytes per timeline span with its index (resident)", round(sp_b, 2), "<=",
                         GOAL_SPAN_B, "B")]
    goals += [common.goal("peak bytes per event, %s (race, growth between two sizes)" % names[part],
                          round(_growth(pair), 1), "<=", GOAL_PEAK_B, "B")
              for part, pair in commands.items()]
    res = common.result("memory", figures, baseline, goals)
    res["table"] = table
    return res
