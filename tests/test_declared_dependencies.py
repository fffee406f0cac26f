"""Every third-party package our modules import at module level is installed by
README command 1 (``pip install -e .``: the main dependencies and what they
require), except the documented optional extras, whose importers are listed.

A package that arrives only through a test extra (numba once came only with
OptiCommPy, so ``sh scripts/setup.sh && labctl generate`` failed on a fresh
machine while every test passed) is caught here: the imports are read with
:mod:`ast` from the source files and the dependency closure from the installed
distributions' metadata (importlib.metadata), nothing of ours is imported."""
from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("labctl", "drivers", "sim_backends", "sequences", "gui")
#: optional extra -> (import name, the only folder whose modules may import it at module level)
OPTIONAL = {"train": ("torch", "labctl/training/")}


def _module_level_imports() -> dict[str, set[str]]:
    """Top-level import name -> files importing it unconditionally at module level."""
    found: dict[str, set[str]] = {}
    skip = set(sys.stdlib_module_names) | set(PACKAGES) | {"__future__"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.parse(path.read_text(), filename=str(path)).body:
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in skip:
                        found.setdefault(top, set()).add(path.relative_to(ROOT).as_posix())
    return found


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement(text: str) -> tuple[str, set[str], str | None]:
    """(distribution, extras asked for, the extra this requirement belongs to or None)."""
    spec, _, marker = text.partition(";")
    name = re.match(r"\s*([A-Za-z0-9_.-]+)", spec).group(1)
    extras = re.search(r"\[(.*?)\]", spec)
    extra = re.search(r"extra\s*==\s*[\"'](.*?)[\"']", marker)
    return (_norm(name), {_norm(e) for e in extras.group(1).split(",")} if extras else set(),
            extra.group(1) if extra else None)


def _closure(roots: list[str]) -> set[str]:
    """Distributions installed by ``pip install`` of the requirement strings ``roots``."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name, extras, _ = _requirement(todo.pop())
        key = name + "[" + ",".join(sorted(extras)) + "]"
        if key in seen:
            continue
        seen.update({key, name})
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for req in requires:
            _, _, extra = _requirement(req)
            if extra is None or _norm(extra) in extras:
                todo.append(req.partition(";")[0])
    return seen


def _main_dependencies() -> list[str]:
    return [r for r in metadata.requires("labctl") if _requirement(r)[2] is None]


def test_every_module_level_import_is_installed_by_the_main_dependencies():
    installed = _closure(_main_dependencies())
    dists = metadata.packages_distributions()
    optional = {module: folder for module, folder in OPTIONAL.values()}
    imports = _module_level_imports()
    assert {"numpy", "scipy", "h5py", "numba"} <= set(imports)      # the scan sees them
    missing = {}
    for top, files in imports.items():
        if top in optional:
            stray = sorted(f for f in files if not f.startswith(optional[top]))
            assert not stray, f"{top} (optional extra) imported at module level by {stray}"
            continue
        if not any(_norm(d) in installed for d in dists.get(top, [top])):
            missing[top] = sorted(files)[:3]
    assert not missing, f"imported but not installed by `pip install -e .`: {missing}"


def test_optional_extras_declare_what_their_modules_import():
    extras = {}
    for req in metadata.requires("labctl"):
        name, _, extra = _requirement(req)
        if extra:
            extras.setdefault(extra, set()).add(name)
    dists = metadata.packages_distributions()
    for extra, (module, _) in OPTIONAL.items():
        assert {_norm(d) for d in dists.get(module, [module])} & extras.get(extra, set()), extra
