"""The import graph of our packages points one way (README, "What is where").

Layers, highest first::

    gui, sequences  ->  labctl  ->  drivers
                           \\-> sim_backends (physics helpers; the in-process table)

``sim_backends`` depends on none of our packages; ``labctl`` (outside its command
line ``labctl/cli``, the composition root that may import everything) imports
neither ``sequences`` nor ``gui``, and its modules import each other without a
cycle.  Every ``import`` statement counts, function-level and ``TYPE_CHECKING``
ones included, because a cycle hidden inside a function is still a cycle.
The graph is built with :mod:`ast` from the source files, nothing is imported.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("labctl", "drivers", "sim_backends", "sequences", "gui")
COMPOSITION_ROOT = "labctl.cli"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Every module of our packages: dotted name -> source file."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The deepest module of ours that ``name`` (dotted) names, or None if it is not ours."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _imports(module: str, path: Path) -> set[str]:
    """Modules of ours imported anywhere in ``path`` (absolute and relative imports)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module
            # `from a.b import c` names module a.b.c when it exists, else a name in a.b
            names = [f"{prefix}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                targets.add(target)
    return targets


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in graph:
                continue
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _violations(sources: str, forbidden: tuple[str, ...], allowed_from=lambda m: False):
    return sorted(f"{module} -> {target}" for module, targets in GRAPH.items()
                  if _in(module, sources) and not allowed_from(module)
                  for target in targets if any(_in(target, f) for f in forbidden))


def test_graph_sees_function_level_imports():
    """The walker finds imports inside functions (the engine imports the run writer there
    or at module level; either way the edge must be seen)."""
    assert "labctl.runfile" in GRAPH["labctl.engine"]
    assert "labctl.engine" in GRAPH["labctl.cli.run"]


def test_no_cycle_between_labctl_modules():
    graph = {m: {t for t in targets if _in(t, "labctl") and not _in(t, COMPOSITION_ROOT)}
             for m, targets in GRAPH.items() if _in(m, "labctl") and not _in(m, COMPOSITION_ROOT)}
    assert _cycles(graph) == []


def test_no_cycle_between_modules_of_any_package():
    graph = {m: t for m, t in GRAPH.items() if not _in(m, COMPOSITION_ROOT)}
    assert _cycles(graph) == []


def test_no_cycle_between_packages():
    packages: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for module, targets in GRAPH.items():
        if _in(module, COMPOSITION_ROOT):
            continue
        source = module.split(".")[0]
        packages[source] |= {t.split(".")[0] for t in targets} - {source}
    assert _cycles(packages) == []


def test_labctl_imports_neither_sequences_nor_gui():
    inside_cli = lambda module: _in(module, COMPOSITION_ROOT)  # noqa: E731
    assert _violations("labctl", ("sequences", "gui"), inside_cli) == []


def test_drivers_import_neither_sequences_nor_gui():
    assert _violations("drivers", ("sequences", "gui")) == []


def test_sim_backends_import_none_of_our_other_packages():
    assert _violations("sim_backends", ("labctl", "drivers", "sequences", "gui")) == []
