"""Floors run one way: core <- tasks <- flows <- the application shell, with no circle.

Every import is counted, at the top of a module or inside a function alike.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOORS = ("statreturns", "tasks", "flows", "statreturns.app")
"""Lowest first: a module may import from its own floor and those below it."""


def floor(module: str) -> int | None:
    if module == "statreturns.app" or module.startswith("statreturns.app."):
        return 3
    top = module.split(".")[0]
    return FLOORS.index(top) if top in FLOORS[:3] else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The project's modules a file imports (a name imported from a package counts as its
    submodule when there is one)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if floor(m) is not None}


def project() -> dict[str, set[str]]:
    """Each of the project's modules -> the project's modules it imports."""
    files = [p for top in ("statreturns", "tasks", "flows") for p in (ROOT / top).rglob("*.py")
             if "migrations" not in p.parts]
    graph = {module_name(p): imported(p) for p in files}
    return {m: {i for i in uses if i in graph and i != m} for m, uses in graph.items()}


def test_every_import_points_down_or_across():
    upward = sorted(f"{m} imports {i}" for m, uses in project().items() for i in uses
                    if floor(i) > floor(m))
    assert upward == []


def test_no_import_circle():
    graph = project()
    state: dict[str, str] = {}
    circles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for used in sorted(graph[module]):
            if state.get(used) == "open":
                circles.append(" -> ".join(path[path.index(used):] + [used]))
            elif used not in state:
                visit(used, [*path, used])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_the_checks_see_an_upward_import_and_a_circle(tmp_path):
    """The checker itself: a core module importing the shell is upward, and two modules
    importing each other are a circle."""
    assert floor("statreturns.app.cli") > floor("statreturns.calendar") == 0
    assert floor("flows.skeleton") > floor("tasks.collect")
    mod = tmp_path / "m.py"
    mod.write_text("def f():\n    from statreturns.app import cli\n", encoding="utf-8")
    assert imported(mod) == {"statreturns.app", "statreturns.app.cli"}
