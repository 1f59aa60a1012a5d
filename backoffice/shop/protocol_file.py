"""The rule file loaded: `config/protocols.toml` read, parsed and checked for its structure
(kinds, fields, types) into `Protocols`. A mistake is a ProtocolError naming the file, the
line (`protocol_text`), the rule and the field. The names a file uses are checked against the
catalogue and the settings in `protocol_versions`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .protocol_text import line_of
from .protocols import (
    AgeRule,
    BalanceRule,
    LevelRule,
    OrderingWindowRule,
    OrderSizeRule,
    PersonalRestrictionRule,
    ProtocolError,
    Protocols,
    QuantityLimitRule,
    Rule,
    ShopBanRule,
    SpendingCapRule,
)

# The periods a quantity limit counts in, and a spending cap.
PERIODS = ("order", "day", "week", "month")
CAP_PERIODS = ("week", "month")


def load_protocols(path: Path) -> Protocols:
    return parse_protocol_text(read_protocol_text(path), str(path))


def read_protocol_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ProtocolError(f"{path}: the protocol file does not exist") from None
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot be read: {exc.strerror}") from None


def parse_protocol_text(text: str, source: str) -> Protocols:
    """The rules of a file's text; a mistake names the line it is on."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The message ends "(at line 3, column 7)"; the line goes up front like any other.
        at = re.search(r"at line (\d+)", str(exc))
        where = f"{source}:{at.group(1)}" if at else source
        raise ProtocolError(f"{where}: not valid TOML: {exc}") from None
    return parse_protocols(data, source, text)


_KINDS: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    # kind -> field -> (type, required)
    "balance": {},
    "spending_cap": {
        "period": (str, True),
        "cap_cents": (int, False),
        "by_status": (dict, False),
        "by_level": (dict, False),
    },
    "quantity_limit": {
        "product": (str, False),
        "category": (str, False),
        "max": (int, True),
        "period": (str, True),
    },
    "personal_restrictions": {},
    "age": {"tags": (list, True), "min_age": (int, True)},
    "level": {"tags": (list, True), "levels": (list, True)},
    "shop_ban": {},
    "order_size": {"max_items": (int, False), "max_value_cents": (int, False)},
    "ordering_window": {},
}


class _Mistake:
    """Turns a mistake into a ProtocolError naming the line the text shows it on (when the
    text is known: rules given as data have no lines)."""

    def __init__(self, source: str, text: str | None, rule_index: int | None = None) -> None:
        self.source = source
        self.text = text
        self.rule_index = rule_index

    def __call__(
        self, where: str, message: str, key: str | None = None, value: str | None = None
    ) -> ProtocolError:
        line = line_of(self.text, self.rule_index, key, value) if self.text else None
        place = f"{self.source}:{line}" if line else self.source
        return ProtocolError(f"{place}: {where}: {message}")


def parse_protocols(data: Mapping[str, Any], source: str, text: str | None = None) -> Protocols:
    fail = _Mistake(source, text)
    unknown_top = set(data) - {"rule", "max_line_quantity"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        raise fail(key, "unknown key (expected [[rule]] tables)", key)
    max_line = data.get("max_line_quantity", 50)
    if not isinstance(max_line, int) or isinstance(max_line, bool) or max_line < 1:
        raise fail("max_line_quantity", "must be a whole number of 1 or more", "max_line_quantity")
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise fail("rule", "must be [[rule]] tables", "rule")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(tables):
        fail = _Mistake(source, text, index)
        rule_id = raw.get("id")
        where = f"rule {rule_id!r}" if isinstance(rule_id, str) else f"rule #{index + 1}"
        if not isinstance(rule_id, str) or not rule_id:
            raise fail(where, "field 'id' is missing (every rule needs a name)")
        if rule_id in seen:
            raise fail(where, "field 'id' is used twice", "id")
        seen.add(rule_id)
        kind = raw.get("kind")
        if kind not in _KINDS:
            raise fail(
                where, f"field 'kind' must be one of {', '.join(_KINDS)}, got {kind!r}", "kind"
            )
        fields = _KINDS[kind]
        for key, value in raw.items():
            if key in ("id", "kind"):
                continue
            if key not in fields:
                raise fail(where, f"field {key!r} is not a field of a {kind} rule", key)
            expected, _required = fields[key]
            if not isinstance(value, expected) or isinstance(value, bool):
                raise fail(where, f"field {key!r} has the wrong type ({type(value).__name__})", key)
            if isinstance(value, int) and value < 0:
                raise fail(where, f"field {key!r} must not be negative", key)
            if isinstance(value, list) and not all(isinstance(item, str) for item in value):
                raise fail(where, f"field {key!r} must be a list of names", key)
        for key, (_expected, required) in fields.items():
            if required and key not in raw:
                raise fail(where, f"field {key!r} is missing")
        rules.append(_build(kind, rule_id, raw, fail, where))
    return Protocols(rules=tuple(rules), max_line_quantity=max_line, source=source)


def _cents_table(raw: Any, fail: _Mistake, where: str, name: str) -> dict[str, int]:
    table = raw or {}
    for key, value in table.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise fail(where, f"field '{name}.{key}' must be a whole number of cents", name, key)
    return dict(table)


def _build(kind: str, rule_id: str, raw: Mapping[str, Any], fail: _Mistake, where: str) -> Rule:
    if kind == "balance":
        return BalanceRule(rule_id)
    if kind == "spending_cap":
        if raw["period"] not in CAP_PERIODS:
            raise fail(where, f"field 'period' must be one of {', '.join(CAP_PERIODS)}", "period")
        return SpendingCapRule(
            rule_id,
            raw["period"],
            raw.get("cap_cents"),
            _cents_table(raw.get("by_status"), fail, where, "by_status"),
            _cents_table(raw.get("by_level"), fail, where, "by_level"),
        )
    if kind == "quantity_limit":
        if ("product" in raw) == ("category" in raw):
            raise fail(where, "give exactly one of the fields 'product' or 'category'")
        if raw["period"] not in PERIODS:
            raise fail(where, f"field 'period' must be one of {', '.join(PERIODS)}", "period")
        scope = "product" if "product" in raw else "category"
        return QuantityLimitRule(rule_id, scope, raw[scope], raw["max"], raw["period"])
    if kind == "personal_restrictions":
        return PersonalRestrictionRule(rule_id)
    if kind == "age":
        return AgeRule(rule_id, frozenset(raw["tags"]), raw["min_age"])
    if kind == "level":
        return LevelRule(rule_id, frozenset(raw["tags"]), frozenset(raw["levels"]))
    if kind == "shop_ban":
        return ShopBanRule(rule_id)
    if kind == "order_size":
        if "max_items" not in raw and "max_value_cents" not in raw:
            raise fail(where, "give 'max_items', 'max_value_cents' or both")
        return OrderSizeRule(rule_id, raw.get("max_items"), raw.get("max_value_cents"))
    return OrderingWindowRule(rule_id)
