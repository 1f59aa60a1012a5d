"""Imports go one way: entry points -> services -> models. This reads every module's imports
(without running them, relative ones resolved to the module they name) and fails on any that
points the wrong way."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from backoffice.settings import ROOT

OURS = {"ledger", "hardware", "backoffice", "kiosk", "tablet_api"}
ALLOWED = {
    "ledger": set(),
    "hardware": set(),
    "backoffice": {"ledger", "hardware"},
    # The surfaces reach money and devices only through the back office's services.
    "kiosk": {"backoffice"},
    "tablet_api": {"backoffice"},
}
# The staff UI: its pages, and what only staff pages share (access, form handling, exports).
STAFF_UI = "backoffice.web"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[str]:
    """The dotted names a module imports, `from .x import y` read as `package.x` (and as
    `package.x.y`, in case y is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def product_modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def is_within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_what_it_may(package: str) -> None:
    wrong = {}
    for path in product_modules(package):
        tops = {name.split(".")[0] for name in imports_of(path)} & OURS
        if names := sorted(tops - ALLOWED[package] - {package}):
            wrong[module_name(path)] = names
    assert wrong == {}


@pytest.mark.parametrize("surface", ["kiosk", "tablet_api"])
def test_the_surfaces_do_not_import_the_staff_ui(surface: str) -> None:
    wrong = {
        module_name(path): sorted(n for n in imports_of(path) if is_within(n, STAFF_UI))
        for path in product_modules(surface)
    }
    assert {module: names for module, names in wrong.items() if names} == {}


def _feature_of(name: str) -> str | None:
    """`backoffice.shop.views.orders` -> `backoffice.shop`, for a module of a feature's views."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[0] == "backoffice" and parts[2] == "views":
        return ".".join(parts[:2])
    return None


def test_no_feature_imports_another_features_views() -> None:
    """Only the back office's app factory (the staff UI) gathers every feature's pages."""
    wrong = {}
    for path in product_modules("backoffice"):
        here = module_name(path)
        mine = ".".join(here.split(".")[:2])
        if mine == STAFF_UI:
            continue
        theirs = {
            feature
            for name in imports_of(path)
            if (feature := _feature_of(name)) is not None and feature != mine
        }
        if theirs:
            wrong[here] = sorted(theirs)
    assert wrong == {}


def test_the_ledger_needs_nothing_but_sqlalchemy_and_the_standard_library() -> None:
    third_party = set()
    for path in product_modules("ledger"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            third_party.update(
                top for top in (n.split(".")[0] for n in names)
                if top not in sys.stdlib_module_names and top != "ledger"
            )  # fmt: skip
    assert third_party == {"sqlalchemy"}


def test_relative_imports_are_read() -> None:
    """The reader itself: a relative import of the staff UI is seen (the old reader skipped
    every relative import, so `from ..web.views import staff_actor` passed unseen)."""
    path = ROOT / "backoffice" / "shop" / "views.py"
    if not path.exists():
        path = ROOT / "backoffice" / "shop" / "views" / "__init__.py"
    assert any(is_within(name, "backoffice.web") for name in imports_of(path))
