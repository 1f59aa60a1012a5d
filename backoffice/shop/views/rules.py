"""The rules in force (`/shop/protocols`): shown to shop staff and accountants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from typing import Any

from flask import current_app, render_template

from ...surface import get_db
from ..protocol_versions import APP_KEY as SHOP_RULES
from ..protocol_versions import RuleBook
from ..protocols import Rule
from .common import bp


@bp.get("/protocols")
def rules_in_force() -> Any:
    rule_book: RuleBook = current_app.extensions[SHOP_RULES]
    shown = rule_book.shown(get_db())
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
