"""The packages of honeydesk depend on each other in one direction only.

Every import counts: at the top of a module or inside a function (an import inside a
function hides a cycle, it does not remove it). Only imports made for type checking
(`if TYPE_CHECKING:`) are left out, since they never run. A package here is a top-level
package of honeydesk (`honeydesk.cases`), a channel (`honeydesk.channels.email`), or a
top-level module (`honeydesk.cli`); tests and migrations are not part of the layering.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # .../honeydesk


def _node(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "honeydesk" or len(parts) < 2:
        return None
    if parts[1] == "channels" and len(parts) > 2 and parts[2] != "registry":
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every imported module name, resolving relative imports, skipping TYPE_CHECKING blocks."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            # `from honeydesk.channels import registry` names a module too.
            yield from (f"{base}.{alias.name}" for alias in node.names)
        stack.extend(ast.iter_child_nodes(node))


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        if {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
            continue
        module = _module_name(path)
        source = _node(module)
        if source is None:
            continue
        graph.setdefault(source, set())
        tree = ast.parse(path.read_text(), filename=str(path))
        for imported in _imports(tree, module, path.name == "__init__.py"):
            target = _node(imported)
            if target is not None and target != source:
                graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_it_finds_a_cycle_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_it_reads_imports_inside_functions_but_not_for_type_checking():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from honeydesk.web import views\n"
        "def f():\n    from honeydesk.cases import actions\n"
        "from .sibling import thing\n"
    )
    found = set(_imports(tree, "honeydesk.jobs.runner", False))
    assert "honeydesk.cases.actions" in found and "honeydesk.jobs.sibling" in found
    assert not any(name.startswith("honeydesk.web") for name in found)


def test_the_packages_have_no_import_cycle():
    graph = package_graph()
    assert {"honeydesk.cases", "honeydesk.accounts", "honeydesk.channels.email", "honeydesk.jobs"} <= set(graph)
    assert cycles(graph) == []


def test_the_lower_layers_import_nothing_above_them():
    graph = package_graph()
    assert graph["honeydesk.lib"] == set()
    assert graph["honeydesk.accounts"] <= {"honeydesk.lib"}
    assert graph["honeydesk.jobs"] <= {"honeydesk.lib"}
    assert graph["honeydesk.intelligence"] <= {"honeydesk.lib"}
    assert graph["honeydesk.channels"] <= {"honeydesk.lib"}  # the registry
    assert not any(node.startswith("honeydesk.channels.") for node in graph["honeydesk.cases"])
    # Nothing builds on the demo or the pages: they sit on top.
    assert not any({"honeydesk.demo", "honeydesk.web"} & deps for node, deps in graph.items())
