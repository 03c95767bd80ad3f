"""The compare window's table of figures and its verdict, and runs pinned for the next one.

The table has a column per run that ended (pinned ones first) and a row per figure,
labelled as the scenario declares it; the verdict is engine.compare_verdict's, over
the runs on screen: the comparison's combinations plus one per pinned run.
"""
from PySide6.QtWidgets import QTableWidgetItem


class Pinned:
    """A finished run kept on screen: quacks like a compare slot with its result."""

    def __init__(self, label: str, result, repeat: int = 1) -> None:
        from engine.compare import Combination
        view = result.view
        self.combination = Combination(-1, dict(view.interpreter), dict(view.params), [("pin", label)], {})
        self.repeat, self.state, self.result = repeat, "finished", result
        self.figures, self.headline = result.figures, result.verdict.headline
        self.ok, self.problem, self.session, self.run_id = bool(result.verdict.ok), "", None, ""
        self.data = None  # its events are not kept for a save of the comparison


def show_results(table, verdict_label, scenario, slots: list, comparison, lang: str) -> None:
    """Every ended run's figures in the table (a column a run), the verdict under it."""
    from engine import compare_verdict
    if not slots:
        table.clear()
        table.setRowCount(0)
        table.setColumnCount(0)
        verdict_label.setText("")
        return
    plan = _plan_of(scenario, slots, comparison)
    names = [n for n in compare_verdict.figure_names(plan, slots) if n not in ("events", "dropped")]
    table.setColumnCount(len(slots))
    table.setRowCount(len(names))
    table.setHorizontalHeaderLabels(["%s #%d" % (s.combination.label, s.repeat) for s in slots])
    table.setVerticalHeaderLabels([plan.scenario.figure_label(n, lang) for n in names])
    for c, slot in enumerate(slots):
        for r, name in enumerate(names):
            value = slot.figures.get(name)
            text = "—" if value is None else (compare_verdict.fmt(value) if not isinstance(value, list)
                                              else ", ".join(compare_verdict.fmt(v) for v in value[:8]))
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()
    v = compare_verdict.verdict(plan, slots, lang)
    rest = "".join("<li>%s</li>" % _html(s) for s in v["sentences"] if s != v["headline"])
    verdict_label.setText("<b>%s</b><ul>%s</ul>" % (_html(v["headline"]), rest))


def _plan_of(scenario, slots: list, comparison):
    """A plan over what is on screen: the comparison's combinations plus one per pinned run."""
    from engine.compare import Plan
    combos = []
    for slot in slots:
        if slot.combination not in combos:
            combos.append(slot.combination)
    repeat = max(s.repeat for s in slots)
    plan = Plan(scenario, combos, repeat, comparison.plan.skipped if comparison else [])
    if comparison is not None:
        plan.concurrency, plan.reason = comparison.plan.concurrency, comparison.plan.reason
    return plan


def short(value) -> str:
    """A parameter's value as `--set` takes it: on/off for a bool."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
