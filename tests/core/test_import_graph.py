"""The core modules import one another one way down: no cycle, not even through an import
deferred into a function (which would only hide it)."""

from __future__ import annotations

import ast
from pathlib import Path

import hostctl.core

CORE = Path(hostctl.core.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(CORE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(("hostctl", "core", *parts))


def _core_imports(path: Path, modules: set[str]) -> set[str]:
    """Every hostctl.core module ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def _graph() -> dict[str, set[str]]:
    paths = sorted(CORE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    graph = {}
    for path in paths:
        name = _module_name(path)
        graph[name] = {m for m in _core_imports(path, modules) if m != name}
        # a package's __init__ is imported with every module under it
        graph[name] -= {m for m in graph[name] if name.startswith(m + ".")}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_core_modules_import_each_other_without_a_cycle():
    cycle = _cycle(_graph())
    assert cycle is None, " → ".join(cycle or [])


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = _graph()
    graph["hostctl.core.invoices"] = graph["hostctl.core.invoices"] | {"hostctl.core.payments"}
    assert _cycle(graph) is not None


def test_billing_is_split_one_way_down():
    graph = _graph()
    assert "hostctl.core.renewals" in graph["hostctl.core.lifecycle"]
    assert "hostctl.core.invoices" in graph["hostctl.core.service_state"]
    for low, high in [
        ("hostctl.core.invoices", "hostctl.core.payments"),
        ("hostctl.core.service_state", "hostctl.core.payments"),
        ("hostctl.core.payments", "hostctl.core.services"),
        ("hostctl.core.renewals", "hostctl.core.lifecycle"),
        ("hostctl.core.renewals", "hostctl.core.payments"),
    ]:
        assert high not in graph[low], f"{low} imports {high}"


def _package_graph() -> dict[str, set[str]]:
    """Every hostctl module and the hostctl modules it imports (at the top or deferred)."""
    root = CORE.parent
    paths = sorted(root.rglob("*.py"))

    def name(path: Path) -> str:
        parts = path.relative_to(root.parent).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    modules = {name(p) for p in paths}
    graph = {}
    for path in paths:
        own = name(path)
        graph[own] = {m for m in _core_imports(path, modules) if m != own}
        graph[own] -= {m for m in graph[own] if own.startswith(m + ".")}
    return graph


def test_the_database_modules_import_one_way_down():
    """``db`` (engines) builds on ``migrate`` (the schema), which builds on ``db_url``."""
    graph = _package_graph()
    assert "hostctl.migrate" in graph["hostctl.db"]
    assert "hostctl.db" not in graph["hostctl.migrate"]
    cycle = _cycle(graph)
    assert cycle is None, " → ".join(cycle or [])
