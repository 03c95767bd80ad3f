"""No import cycle among gui/ modules, lazy (in-function) imports included.

A cycle made gui/app.py and gui/main_window.py each need the other loaded first (the
language helpers now live in gui/language.py).  The graph is read from the source, so
the check needs no display and imports nothing.
"""
import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUI = os.path.join(ROOT, "gui")


def imported_gui_modules(tree, package: str = "gui") -> set:
    """The gui modules a module's source imports anywhere in it (by their short names)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 or node.module == package:  # from . import x / from gui import x
                base = (node.module or "") if node.level == 1 else ""
                if base:
                    found.add(base.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
            elif node.level == 0 and (node.module or "").startswith(package + "."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(package + "."):
                    found.add(alias.name.split(".")[1])
    return found


def gui_import_graph() -> dict:
    modules = {name[:-3] for name in os.listdir(GUI) if name.endswith(".py")}
    graph = {}
    for module in sorted(modules):
        with open(os.path.join(GUI, module + ".py"), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        graph[module] = sorted((imported_gui_modules(tree) & modules) - {module, "__init__"})
    return graph


def cycles(graph: dict) -> list:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_import_cycle_between_gui_modules():
    assert cycles(gui_import_graph()) == []


def test_the_check_finds_a_cycle_and_every_import_form():
    sample = ("from . import app, theme\nfrom .timeline import Timeline\nimport gui.cpu_panel\n"
              "from gui.trace_view import TraceView\nfrom gui import settings\n"
              "def later():\n    from .main_window import MainWindow\n")
    assert imported_gui_modules(ast.parse(sample)) == {
        "app", "theme", "timeline", "cpu_panel", "trace_view", "settings", "main_window"}
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert cycles({"a": ["b"], "b": []}) == []
