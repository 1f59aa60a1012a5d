"""Imports go one way: entry points -> services -> models. This reads every module's imports
(without running them) and fails on any that points the wrong way."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from backoffice.settings import ROOT

OURS = {"ledger", "hardware", "backoffice", "kiosk", "tablet_api"}
ALLOWED = {
    "ledger": set(),
    "hardware": set(),
    "backoffice": {"ledger", "hardware"},
    "kiosk": {"backoffice", "hardware"},
    # Like the kiosk, the tablet API decodes the face frames it receives with hardware's helpers.
    "tablet_api": {"backoffice", "ledger", "hardware"},
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_what_it_may(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(imports_of(path) - ALLOWED[package] - {package})
        for path in (ROOT / package).rglob("*.py")
    }
    assert {module: names for module, names in wrong.items() if names} == {}


def test_the_ledger_needs_nothing_but_sqlalchemy_and_the_standard_library() -> None:
    third_party = set()
    for path in (ROOT / "ledger").rglob("*.py"):
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
