"""A comparison's numbers and words: per combination the median and min-max of each
figure, and a verdict whose every sentence is built from those measured figures.
Standard library only.

Works on anything with ``plan`` (scenario, combinations, repeat, skipped,
concurrency, reason) and ``slots`` (combination, repeat, state, figures,
headline, ok, problem): a live engine.compare.Comparison or one loaded from a
recording.  Figure names and labels are the scenario's declared ones (en, zh_CN).
"""
import statistics

SCHEMA = "gilscope.compare/1"

# The figures a comparison of each scenario is about, most telling first.  Others
# appear in the verdict only when they differ beyond the spread from run to run.
KEY_FIGURES = {
    "race": ("lost_updates", "final_value", "lock_waits"),
    "gil": ("speedup_threads", "speedup_processes", "cores_used_threads", "gil_wait_share_threads"),
    "process-basics": ("speedup_parallel", "wall_parallel_s", "running_at_once_s"),
    "deadlock": ("deadlocked", "threads_finished"),
    "pool": ("wall_pool_s", "workers_used"),
    "pool-order": ("completion_differs_from_input", "wall_map_s", "wall_imap_unordered_s"),
    "queue-pipeline": ("producer_blocked_s", "consumer_waiting_s", "max_queue_depth"),
}
# (figure, expected figure, what a mismatch means): counted run by run.
MISMATCHES = {
    "race": ("final_value", "expected_value",
             {"en": "updates were lost", "zh_CN": "有更新丢失"}),
}
# Bookkeeping, not a finding: never compared on their own.
NOT_COMPARED = ("events", "dropped", "expected_value", "cpu_count", "ideal_speedup",
                "switch_interval_us", "accesses_traced")
MAX_OTHER_FIGURES = 4

_W = {  # the verdict's fixed words, en and zh_CN
    "every": {"en": "%s in every run (%d)", "zh_CN": "每次运行都是 %s（共 %d 次）"},
    "one": {"en": "%s (1 run)", "zh_CN": "%s（1 次运行）"},
    "spread": {"en": "median %s (min %s, max %s over %d runs)",
               "zh_CN": "中位数 %s（%d 次运行中最小 %s，最大 %s）"},
    "unmeasured": {"en": "not measured", "zh_CN": "未测量"},
    "yes_of": {"en": "yes in %d of %d runs", "zh_CN": "%d/%d 次运行为“是”"},
    "apart": {"en": "The ranges do not overlap: the difference is larger than the spread from run to run.",
              "zh_CN": "各组的范围互不重叠：差异大于每次运行之间的波动。"},
    "overlap": {"en": "The ranges overlap: over these runs the difference is within the spread "
                      "from run to run.",
                "zh_CN": "各组的范围有重叠：在这些运行中，差异没有超出每次运行之间的波动。"},
    "some_apart": {"en": "Ranges that do not overlap (a difference larger than the spread from run "
                         "to run): %s; the other pairs overlap.",
                   "zh_CN": "范围互不重叠的组（差异大于每次运行之间的波动）：%s；其余各组有重叠。"},
    "same": {"en": "The same in every run of every setting.", "zh_CN": "所有设置的每次运行都相同。"},
    "none_measured": {"en": "%s: not measured in these runs.", "zh_CN": "%s：这些运行中未测量。"},
    "mismatch": {"en": "Runs whose %s differs from the %s (%s), i.e. %s — %s.",
                 "zh_CN": "%s不等于%s（%s）、即%s的运行——%s。"},
    "in_of": {"en": "%s: %d of %d", "zh_CN": "%s：%d/%d 次"},
    "no_difference": {"en": "No figure differed beyond the spread from run to run (%s).",
                      "zh_CN": "没有哪个数字的差异超出每次运行之间的波动（%s）。"},
    "runs_each": {"en": "%d runs each", "zh_CN": "每组 %d 次运行"},
    "unfinished": {"en": "%d of %d runs did not finish (%s); the figures are from finished runs only.",
                   "zh_CN": "%d/%d 次运行没有完成（%s）；数字只来自完成的运行。"},
    "skipped": {"en": "Skipped: %s — %s.", "zh_CN": "已跳过：%s——%s。"},
    "side_by_side": {"en": "Runs went %d side by side.", "zh_CN": "每次同时进行 %d 个运行。"},
    "sep": {"en": "; ", "zh_CN": "；"},
    "colon": {"en": ": ", "zh_CN": "："},
}


def _w(key: str, lang: str) -> str:
    return _W[key].get(lang, _W[key]["en"])


def fmt(value) -> str:
    """A figure as people read it: 381,000 / 0.215 / 1.83."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return "{:,}".format(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if abs(value) >= 1000:
            return "{:,.0f}".format(value)
        return ("%.3f" % value).rstrip("0").rstrip(".") if value != int(value) else "%d" % value
    return str(value)


def _numeric(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def figure_names(plan, slots) -> list:
    """Every figure any finished run has, the scenario's declared order first."""
    seen = []
    for slot in slots:
        for name in slot.figures:
            if name not in seen:
                seen.append(name)
    declared = list(plan.scenario.figures)
    return sorted(seen, key=lambda n: (declared.index(n) if n in declared else len(declared), n))


def summarise(plan, slots) -> list:
    """Per combination: {figure: {"median", "min", "max", "n"} or {"yes", "n"} or {"n": 0}}."""
    out = []
    names = figure_names(plan, slots)
    for combo in plan.combinations:
        done = [s for s in slots if s.combination is combo and s.state == "finished"]
        table = {}
        for name in names:
            values = [s.figures.get(name) for s in done]
            nums = [v for v in values if _numeric(v)]
            bools = [v for v in values if isinstance(v, bool)]
            if nums:
                median = statistics.median(nums)
                if all(isinstance(v, int) for v in nums) and median == int(median):
                    median = int(median)
                table[name] = {"median": median, "min": min(nums), "max": max(nums), "n": len(nums)}
            elif bools:
                table[name] = {"yes": sum(bools), "n": len(bools)}
            elif any(v is not None for v in values):
                continue  # lists and texts: per run only
            else:
                table[name] = {"n": 0}
        out.append(table)
    return out


def _describe(entry: dict, lang: str) -> str:
    if not entry or entry.get("n", 0) == 0:
        return _w("unmeasured", lang)
    if "yes" in entry:
        return _w("yes_of", lang) % (entry["yes"], entry["n"])
    if entry["n"] == 1:
        return _w("one", lang) % fmt(entry["median"])
    if entry["min"] == entry["max"]:
        return _w("every", lang) % (fmt(entry["min"]), entry["n"])
    if lang == "zh_CN":
        return _w("spread", lang) % (fmt(entry["median"]), entry["n"], fmt(entry["min"]), fmt(entry["max"]))
    return _w("spread", lang) % (fmt(entry["median"]), fmt(entry["min"]), fmt(entry["max"]), entry["n"])


def _ranges(entries: list) -> list:
    """[(index, low, high)] of the measured combinations (yes-counts as shares)."""
    out = []
    for i, e in enumerate(entries):
        if e.get("n", 0) == 0:
            continue
        if "yes" in e:
            share = e["yes"] / e["n"]
            out.append((i, share, share))
        else:
            out.append((i, e["min"], e["max"]))
    return out


def apart_pairs(entries: list) -> list:
    """[(i, j)] of combinations whose min-max ranges do not overlap."""
    ranges = _ranges(entries)
    return [(a[0], b[0]) for k, a in enumerate(ranges) for b in ranges[k + 1:]
            if a[2] < b[1] or b[2] < a[1]]


def apart(entries: list) -> bool:
    """True when some two measured combinations' min-max ranges do not overlap."""
    return bool(apart_pairs(entries))


def all_same(entries: list) -> bool:
    ranges = [r[1:] for r in _ranges(entries)]
    return bool(ranges) and all(r == ranges[0] and r[0] == r[1] for r in ranges)


def _figure_sentence(plan, summary, name, lang):
    """(sentence, apart?) for one figure across the combinations, or None if unmeasured."""
    entries = [table.get(name, {"n": 0}) for table in summary]
    label = plan.scenario.figure_label(name, lang)
    if not _ranges(entries):
        return _w("none_measured", lang) % label, False
    parts = [c.label + _w("colon", lang) + _describe(e, lang)
             for c, e in zip(plan.combinations, entries)]
    body = label + " — " + _w("sep", lang).join(parts) + ("。" if lang == "zh_CN" else ".")
    measured = len(_ranges(entries))
    if measured < 2:
        return body, False
    gap = "" if lang == "zh_CN" else " "
    pairs = apart_pairs(entries)
    if not pairs:
        return body + gap + (_w("same", lang) if all_same(entries) else _w("overlap", lang)), False
    if len(pairs) == measured * (measured - 1) // 2:  # every two apart
        return body + gap + _w("apart", lang), True
    labels = [plan.combinations[i].label + " / " + plan.combinations[j].label for i, j in pairs]
    return body + gap + _w("some_apart", lang) % ", ".join(labels), True


def _mismatch_sentence(plan, slots, lang):
    rule = MISMATCHES.get(plan.scenario.id)
    if not rule:
        return None, False
    name, expected, meaning = rule
    parts, counts = [], []
    for combo in plan.combinations:
        done = [s for s in slots if s.combination is combo and s.state == "finished"
                and _numeric(s.figures.get(name)) and _numeric(s.figures.get(expected))]
        if not done:
            continue
        off = sum(1 for s in done if s.figures[name] != s.figures[expected])
        counts.append(off / len(done))
        parts.append(_w("in_of", lang) % (combo.label, off, len(done)))
    if not parts:
        return None, False
    values = {s.figures.get(expected) for s in slots if s.state == "finished"} - {None}
    label, expected_label = (plan.scenario.figure_label(n, lang) for n in (name, expected))
    if lang == "en":
        label, expected_label = label.lower(), expected_label.lower()
    sentence = _w("mismatch", lang) % (
        label, expected_label,
        "/".join(fmt(v) for v in sorted(values)), meaning.get(lang, meaning["en"]),
        _w("sep", lang).join(parts))
    return sentence, 0.0 in counts and 1.0 in counts  # every run vs none: a clean split


def verdict(plan, slots, lang: str = "en") -> dict:
    """{"headline": str, "sentences": [str]} in lang, every one from the measured figures."""
    summary = summarise(plan, slots)
    keys = [n for n in KEY_FIGURES.get(plan.scenario.id, ()) if n in figure_names(plan, slots)]
    varied = {name for c in plan.combinations for name, _ in c.varied}
    sentences, candidates = [], []  # candidates: (priority, sentence) for the headline
    first, clean_split = _mismatch_sentence(plan, slots, lang)
    if first:
        sentences.append(first)
        candidates.append((0 if clean_split else 2, first))
    for name in keys:
        sentence, split = _figure_sentence(plan, summary, name, lang)
        sentences.append(sentence)
        if split:
            candidates.append((1, sentence))
    others = 0
    for name in figure_names(plan, slots):
        if name in keys or name in NOT_COMPARED or name in varied or others >= MAX_OTHER_FIGURES:
            continue
        entries = [table.get(name, {"n": 0}) for table in summary]
        if apart(entries):
            sentence, _ = _figure_sentence(plan, summary, name, lang)
            sentences.append(sentence)
            others += 1
            candidates.append((3, sentence))
    headline = min(candidates, key=lambda c: c[0])[1] if candidates else None
    if len(plan.combinations) == 1:  # one setting: the spread of its first measured key figure
        measured = [sentence for name, sentence in zip(keys, sentences[int(bool(first)):])
                    if any(table.get(name, {}).get("n") for table in summary)]
        headline = measured[0] if measured else headline
    if headline is None:
        counts = sorted({sum(1 for s in slots if s.combination is c and s.state == "finished")
                         for c in plan.combinations})
        each = _w("runs_each", lang) % counts[0] if len(counts) == 1 else "/".join(map(str, counts))
        headline = _w("no_difference", lang) % each
    sentences.extend(_context(plan, slots, lang))
    return {"headline": headline, "sentences": sentences}


def _context(plan, slots, lang) -> list:
    """How the comparison ran: unfinished runs, skipped settings, side by side or not."""
    out = []
    unfinished = [s for s in slots if s.state != "finished"]
    if unfinished:
        states = {}
        for s in unfinished:
            states[s.state] = states.get(s.state, 0) + 1
        listed = ", ".join("%s %d" % kv for kv in sorted(states.items()))
        out.append(_w("unfinished", lang) % (len(unfinished), len(slots), listed))
        out.extend("%s #%d: %s" % (s.combination.label, s.repeat, s.problem)
                   for s in unfinished if s.problem)
    for skip in plan.skipped:
        out.append(_w("skipped", lang) % (skip["what"], skip["reason"]))
    if plan.reason:
        out.append(plan.reason.get(lang, plan.reason["en"]))
    elif len(slots) > 1:
        out.append(_w("side_by_side", lang) % plan.concurrency)
    return out


def to_json(plan, slots, state: str, wall_s: float, lang: str = "en") -> dict:
    """The comparison as one JSON document (schema gilscope.compare/1)."""
    summary = summarise(plan, slots)
    combos = []
    for combo, table in zip(plan.combinations, summary):
        combos.append(dict(combo.to_json(),
                           runs=[s.to_json(lang) for s in slots if s.combination is combo],
                           summary=table))
    return {"schema": SCHEMA, "scenario": plan.scenario.id, "repeat": plan.repeat,
            "concurrency": plan.concurrency,
            "one_at_a_time_reason": plan.reason.get(lang, plan.reason.get("en")) if plan.reason else None,
            "state": state, "wall_s": round(wall_s, 3), "skipped": plan.skipped,
            "combinations": combos, "verdict": verdict(plan, slots, lang),
            "figure_labels": {n: plan.scenario.figure_label(n, lang) for n in figure_names(plan, slots)}}


def table_lines(plan, slots, lang: str = "en") -> list:
    """Text table: one row per compared figure, one column per combination."""
    summary = summarise(plan, slots)
    names = [n for n in figure_names(plan, slots) if n not in ("events", "dropped")
             and any(n in t for t in summary)]
    cells = []
    for name in names:
        row = [plan.scenario.figure_label(name, lang)]
        for table in summary:
            e = table.get(name, {"n": 0})
            if e.get("n", 0) == 0:
                row.append("—")
            elif "yes" in e:
                row.append("%d/%d yes" % (e["yes"], e["n"]))
            elif e["min"] == e["max"]:
                row.append(fmt(e["min"]))
            else:
                row.append("%s [%s–%s]" % (fmt(e["median"]), fmt(e["min"]), fmt(e["max"])))
        cells.append(row)
    header = [""] + [c.label for c in plan.combinations]
    widths = [max(len(r[i]) for r in [header] + cells) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header] + cells]
