"""The prison's shop rules ("protocols") and the pure function that applies them; the rule
file is loaded into them by `protocol_file`.

`evaluate` looks at an order draft and the inmate's context (gathered by the service layer) and
returns every violation, each with a stable code, the numbers involved and a message in the
inmate's language. It touches no database, so the kiosk's and tablet's dry-run check, the
order placement and the benchmark all run exactly the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .messages import render


class ProtocolError(Exception):
    """The rule file is wrong. Each problem names the file, the line where the text shows it,
    the rule and the field: `config/protocols.toml:31: rule 'x': field 'period' ...`."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- what a rule looks at -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductInfo:
    id: int
    sku: str
    category: str
    names: Mapping[str, str]  # language -> name
    unit_price_cents: int
    tags: frozenset[str] = frozenset()
    available: bool = True
    stock: int | None = None
    # The category's name per language, for messages; the code stands in where it is missing.
    category_names: Mapping[str, str] = field(default_factory=dict)
    # Kept on the order line with the price; no rule looks at it.
    vat_basis_points: int = 0


@dataclass(frozen=True, slots=True)
class DraftLine:
    product: ProductInfo
    quantity: int


@dataclass(frozen=True, slots=True)
class ActiveBan:
    ends_on: date
    reason: str


@dataclass(frozen=True, slots=True)
class InmateContext:
    language: str
    legal_status: str
    regime_level: str
    age_years: int
    # Spendable money less every open hold: what the inmate may still spend.
    available_cents: int
    minimum_monthly_wage_cents: int
    # Cents already committed to orders in the current week and month (placed or delivered).
    spent_cents: Mapping[str, int] = field(default_factory=dict)
    # Quantities already ordered in the current period: (period, "product"|"category", key).
    bought: Mapping[tuple[str, str, str], int] = field(default_factory=dict)
    restricted_tags: frozenset[str] = frozenset()
    ban: ActiveBan | None = None
    window_open: bool = True
    next_window_opens: str = ""


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    rule: str
    message: str
    numbers: Mapping[str, Any]
    sku: str = ""


@dataclass(frozen=True, slots=True)
class CheckResult:
    total_cents: int
    violations: tuple[Violation, ...]
    # What is left after this order, per limit: "balance", "week", "month".
    left_cents: Mapping[str, int]

    @property
    def ok(self) -> bool:
        return not self.violations


# --- the rules ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    id: str

    def check(
        self,
        lines: Sequence[DraftLine],
        total: int,
        ctx: InmateContext,
        out: list[Violation],
        left: dict[str, int],
    ) -> None:
        raise NotImplementedError

    def violation(self, ctx: InmateContext, code: str, sku: str = "", **numbers: Any) -> Violation:
        return Violation(
            code=code,
            rule=self.id,
            message=render(code, ctx.language, numbers),
            numbers=numbers,
            sku=sku,
        )


@dataclass(frozen=True, slots=True)
class BalanceRule(Rule):
    def check(self, lines, total, ctx, out, left):  # type: ignore[no-untyped-def]
        left["balance"] = ctx.available_cents - total
        if total > ctx.available_cents:
            out.append(
                self.violation(
                    ctx,
                    "insufficient_balance",
                    total_cents=total,
                    available_cents=max(ctx.available_cents, 0),
                )
            )


@dataclass(frozen=True, slots=True)
class SpendingCapRule(Rule):
    period: str
    # None: the national minimum monthly wage (Estonia's rule).
    default_cents: int | None
    by_status: Mapping[str, int]
    by_level: Mapping[str, int]

    def cap_for(self, ctx: InmateContext) -> int:
        if ctx.legal_status in self.by_status:
            return self.by_status[ctx.legal_status]
        if ctx.regime_level in self.by_level:
            return self.by_level[ctx.regime_level]
        return ctx.minimum_monthly_wage_cents if self.default_cents is None else self.default_cents

    def check(self, lines, total, ctx, out, left):  # type: ignore[no-untyped-def]
        cap = self.cap_for(ctx)
        spent = ctx.spent_cents.get(self.period, 0)
        remaining = cap - spent
        left[self.period] = min(left.get(self.period, remaining), remaining - total)
        if total > remaining:
            out.append(
                self.violation(
                    ctx,
                    "spending_cap",
                    period=self.period,
                    cap_cents=cap,
                    spent_cents=spent,
                    left_cents=max(remaining, 0),
                    total_cents=total,
                )
            )


@dataclass(frozen=True, slots=True)
class QuantityLimitRule(Rule):
    scope: str  # product | category
    target: str  # a SKU or a category code
    max: int
    period: str

    def check(self, lines, total, ctx, out, left):  # type: ignore[no-untyped-def]
        ordered = 0
        first = None
        for line in lines:
            key = line.product.sku if self.scope == "product" else line.product.category
            if key == self.target:
                ordered += line.quantity
                first = first or line.product
        if first is None:
            return
        already = (
            0
            if self.period == "order"
            else ctx.bought.get((self.period, self.scope, self.target), 0)
        )
        if already + ordered > self.max:
            item = (
                first.names
                if self.scope == "product"
                else first.category_names or {"en": self.target}
            )
            out.append(
                self.violation(
                    ctx,
                    "quantity_limit",
                    sku=first.sku,
                    item=item,
                    max=self.max,
                    period=self.period,
                    already=already,
                    ordered=ordered,
                )
            )


@dataclass(frozen=True, slots=True)
class PersonalRestrictionRule(Rule):
    """Diet, medical and security restrictions set on the inmate, matched to product tags."""

    def check(self, lines, total, ctx, out, left):  # type: ignore[no-untyped-def]
        if not ctx.restricted_tags:
            return
        for line in lines:
            hit = line.product.tags & ctx.restricted_tags
            if hit:
                out.append(
                    self.violation(
                        ctx,
                        "restricted_for_you",
                        sku=line.product.sku,
                        item=line.product.names,
                        tag=", ".join(sorted(hit)),
                    )
                )


@dataclass(frozen=True, slots=True)
class AgeRule(Rule):
    tags: frozenset[str]
    min_age: int

    def check(self, lines, total, ctx, out, left):  # type: ignore[no-untyped-def]
        if ctx.age_years >= self.min_age:
            return
        _refuse_tagged(
            self,
            self.tags,
            lines,
            ctx,
            out,
            "age_restricted",
            min_age=self.min_age,
            age=ctx.age_years,
        )


@dataclass(frozen=True, slots=True)
class LevelRule(Rule):
    tags: frozenset[str]
    levels: frozenset[str]

    def check(self, lines, total, ctx, out, left):  # type: ignore[no-untyped-def]
        if ctx.regime_level in self.levels:
            return
        levels = ", ".join(sorted(self.levels))
        _refuse_tagged(self, self.tags, lines, ctx, out, "level_restricted", levels=levels)


def _refuse_tagged(
    rule: Rule,
    tags: frozenset[str],
    lines: Sequence[Any],
    ctx: InmateContext,
    out: list[Violation],
    code: str,
    **numbers: Any,
) -> None:
    """One violation per line whose product carries one of `tags` (the age and level rules)."""
    for line in lines:
        if line.product.tags & tags:
            out.append(
                rule.violation(ctx, code, sku=line.product.sku, item=line.product.names, **numbers)
            )


@dataclass(frozen=True, slots=True)
class ShopBanRule(Rule):
    def check(self, lines, total, ctx, out, left):  # type: ignore[no-untyped-def]
        if ctx.ban is not None:
            out.append(
                self.violation(
                    ctx, "shop_ban", ends_on=ctx.ban.ends_on.isoformat(), reason=ctx.ban.reason
                )
            )


@dataclass(frozen=True, slots=True)
class OrderSizeRule(Rule):
    max_items: int | None
    max_value_cents: int | None

    def check(self, lines, total, ctx, out, left):  # type: ignore[no-untyped-def]
        count = sum(line.quantity for line in lines)
        if self.max_items is not None and count > self.max_items:
            out.append(self.violation(ctx, "too_many_items", max=self.max_items, count=count))
        if self.max_value_cents is not None and total > self.max_value_cents:
            out.append(
                self.violation(
                    ctx, "order_too_large", max_cents=self.max_value_cents, total_cents=total
                )
            )


@dataclass(frozen=True, slots=True)
class OrderingWindowRule(Rule):
    def check(self, lines, total, ctx, out, left):  # type: ignore[no-untyped-def]
        if not ctx.window_open:
            out.append(self.violation(ctx, "ordering_closed", opens=ctx.next_window_opens))


@dataclass(frozen=True, slots=True)
class Protocols:
    rules: tuple[Rule, ...]
    max_line_quantity: int = 50
    source: str = ""


def evaluate(protocols: Protocols, lines: Sequence[DraftLine], ctx: InmateContext) -> CheckResult:
    """Every violation of the order against the rules, and what is left of each allowance."""
    out: list[Violation] = []
    left: dict[str, int] = {}
    total = 0
    for line in lines:
        product = line.product
        total += product.unit_price_cents * line.quantity
        if not 1 <= line.quantity <= protocols.max_line_quantity:
            out.append(
                Violation(
                    "bad_quantity",
                    "catalogue",
                    render(
                        "bad_quantity",
                        ctx.language,
                        {"item": product.names, "max": protocols.max_line_quantity},
                    ),
                    {"quantity": line.quantity},
                    product.sku,
                )
            )
        elif not product.available:
            out.append(
                Violation(
                    "unavailable",
                    "catalogue",
                    render("unavailable", ctx.language, {"item": product.names}),
                    {},
                    product.sku,
                )
            )
        elif product.stock is not None and line.quantity > product.stock:
            out.append(
                Violation(
                    "not_enough_stock",
                    "catalogue",
                    render(
                        "not_enough_stock",
                        ctx.language,
                        {"item": product.names, "stock": product.stock},
                    ),
                    {"stock": product.stock, "quantity": line.quantity},
                    product.sku,
                )
            )
    if not lines:
        out.append(
            Violation("empty_order", "catalogue", render("empty_order", ctx.language, {}), {})
        )
    for rule in protocols.rules:
        rule.check(lines, total, ctx, out, left)
    return CheckResult(total_cents=total, violations=tuple(out), left_cents=left)
