"""The packages' imports point one way (issue 13): no module imports one that imports it back,
however far round; the core never imports an adapter; the adapters build on ``jwtguard`` and
``jwtguard.adapters`` alone; keys and stores sit below the configuration; only the commands reach
the operator tools; signing keys need no test helper.

Every import statement counts, also one under ``if TYPE_CHECKING:`` or inside a function.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("jwtguard", "jwtguard_django", "jwtguard_flask")
ADAPTERS = ("jwtguard_django", "jwtguard_flask")
#: What keys/ and stores/ may import besides their own package: modules that import no other.
FOUNDATION = {
    "jwtguard.errors",
    "jwtguard.token",
    "jwtguard.urls",
    "jwtguard.pipeline",
    "jwtguard.claims",
    "jwtguard.claim_paths",
    "jwtguard.claim_values",
    "jwtguard.issuers",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
}


@cache
def imports(name: str) -> frozenset[str]:
    """The modules of the three packages that module ``name`` imports."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # a name may be a module of the package, or live in it
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    return frozenset(found & MODULES.keys() - {name})


def reaches(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in imports(todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def circles() -> list[list[str]]:
    """For each module that imports itself round a loop, the shortest such loop."""
    found = []
    for name in sorted(MODULES):
        routes = {target: [name, target] for target in imports(name)}
        todo = sorted(routes)
        while todo and name not in routes:
            here = todo.pop(0)
            for target in sorted(imports(here) - routes.keys()):
                routes[target] = [*routes[here], target]
                todo.append(target)
        if name in routes:
            found.append(routes[name])
    return found


def in_package(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_import_graph_is_read() -> None:
    assert "jwtguard.stores.base" in imports("jwtguard.stores.memory")  # from .base import
    assert "jwtguard.errors" in imports("jwtguard.stores.build")  # from ..errors import
    assert "jwtguard.stores.redis" in imports("jwtguard.stores.build")  # inside a function
    assert "jwtguard.adapters" in imports("jwtguard_flask.verify")  # absolute
    assert "jwtguard" in imports("jwtguard_flask.verify")  # a name of the package's face


def test_no_import_comes_back_round() -> None:
    assert circles() == []


def test_the_core_imports_no_adapter() -> None:
    reaching_out = {
        f"{name} -> {target}"
        for name in MODULES
        if in_package(name, "jwtguard")
        for target in imports(name)
        if target.startswith(ADAPTERS)
    }
    assert reaching_out == set()


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_build_on_the_top_level_and_the_adapter_module_only(adapter: str) -> None:
    used = {
        target
        for name in MODULES
        if in_package(name, adapter)
        for target in imports(name)
        if in_package(target, "jwtguard")
    }
    assert used == {"jwtguard", "jwtguard.adapters"}


@pytest.mark.parametrize("package", ["jwtguard.keys", "jwtguard.stores"])
def test_keys_and_stores_sit_below_the_configuration(package: str) -> None:
    beyond = {
        f"{name} -> {target}"
        for name in MODULES
        if in_package(name, package)
        for target in imports(name)
        if not in_package(target, package) and target not in FOUNDATION
    }
    assert beyond == set()


def test_the_foundation_imports_nothing_above_it() -> None:
    assert all(reaches(name) <= FOUNDATION for name in FOUNDATION)


def test_only_the_commands_reach_the_operator_tools() -> None:
    """``jwtguard``, and the adapters' own ``explain`` through :mod:`jwtguard.adapters`."""
    users = {
        name
        for name in MODULES
        if not in_package(name, "jwtguard.tools")
        and any(in_package(target, "jwtguard.tools") for target in imports(name))
    }
    assert users == {"jwtguard.__main__", "jwtguard.adapters", "jwtguard.explain"}  # an alias


def test_signing_key_tools_need_no_test_helpers() -> None:
    assert "jwtguard.testing" not in reaches("jwtguard.tools.keytools")
    assert "jwtguard.keys.signing" in imports("jwtguard.testing")
