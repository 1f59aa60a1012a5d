"""The rules in force (`/shop/protocols`): shown to shop staff and accountants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from typing import Any

from flask import render_template

from ...surface import equipment, get_db
from ..protocols import Rule
from .common import bp


@bp.get("/protocols")
def rules_in_force() -> Any:
    shown = equipment().shop_rules.shown(get_db())
    return render_template(
        "shop/protocols.html",
        shown=shown,
        rules=[(rule.id, _kind(rule), _fields(rule)) for rule in shown.protocols.rules],
    )


def _kind(rule: Rule) -> str:
    return type(rule).__name__.removesuffix("Rule")


def _fields(rule: Rule) -> list[tuple[str, str]]:
    shown = []
    for field in dataclass_fields(rule):
        if field.name == "id":
            continue
        value = getattr(rule, field.name)
        if value is None:
            value = "not set"
        elif isinstance(value, frozenset):
            value = ", ".join(sorted(value))
        elif isinstance(value, Mapping):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
        shown.append((field.name, str(value)))
    return shown
