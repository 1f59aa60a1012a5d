"""Figures for the accountant's charts, and the charts themselves as inline SVG drawn on the
server: no scripts, no inline styles (the back office's CSP forbids both), colours from the
stylesheet by class name.

    money_flow(db, prison, days, today) -> list[FlowDay]
    sales_by_category(db, prison, since_on, language) -> list[(category, cents)]
    oldest_holds(db, prison, limit, now) -> list[(label, age_days, cents)]
    flow_svg(days, words), bars_svg(items, title, shown=..., nothing=...) -> Markup
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from ledger import Account, Transfer, TransferCode, TransferKind

from ..money.services import money_ledger, prison_account
from ..people.models import Prison
from ..shop.models import Category, Order, OrderLine, OrderStatus, Product
from .services import POSTED_KINDS, day_start


@dataclass(frozen=True)
class FlowDay:
    day: date
    in_cents: int
    out_cents: int


def money_flow(db: Session, prison: Prison, *, days: int, today: date) -> list[FlowDay]:
    """Per local day: money into inmates' accounts from the prison's side (deposits, wages,
    refunds, corrections) and out of them (shop, payouts)."""
    first = today - timedelta(days=days - 1)
    book = money_ledger(db, prison.id)
    debit, credit = aliased(Account), aliased(Account)
    prison_prefix = f"prison:{prison.id}:%"
    rows = db.execute(
        select(Transfer.created_at, Transfer.amount_cents, debit.code, credit.code)
        .join(debit, debit.id == Transfer.debit_account_id)
        .join(credit, credit.id == Transfer.credit_account_id)
        .where(
            Transfer.ledger_id == book.id,
            Transfer.kind.in_(POSTED_KINDS),
            Transfer.created_at >= day_start(first, prison.timezone),
            (debit.code.like(prison_prefix)) | (credit.code.like(prison_prefix)),
        )
    ).all()
    zone = ZoneInfo(prison.timezone)
    money_in: dict[date, int] = defaultdict(int)
    money_out: dict[date, int] = defaultdict(int)
    for at, amount, debit_code, credit_code in rows:
        local = at.astimezone(zone).date()
        if credit_code.startswith("inmate:") and not debit_code.startswith("inmate:"):
            money_in[local] += amount
        elif debit_code.startswith("inmate:") and not credit_code.startswith("inmate:"):
            money_out[local] += amount
    return [
        FlowDay(first + timedelta(days=n), money_in[first + timedelta(days=n)],
                money_out[first + timedelta(days=n)])
        for n in range(days)
    ]  # fmt: skip


def sales_by_category(
    db: Session, prison: Prison, *, since_on: date, language: str = "en"
) -> list[tuple[str, int]]:
    """What the shop delivered (charged) per category since a day, largest first; categories
    named in `language`."""
    totals: dict[str, int] = defaultdict(int)
    rows = db.execute(
        select(OrderLine, Category)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .join(Category, Category.id == Product.category_id)
        .where(
            Order.prison_id == prison.id,
            Order.status == OrderStatus.DELIVERED.value,
            Order.delivered_at >= day_start(since_on, prison.timezone),
        )
    ).all()
    for line, category in rows:
        totals[category.name(language)] += line.delivered_cents
    return sorted(((c, v) for c, v in totals.items() if v), key=lambda item: -item[1])


def oldest_holds(
    db: Session, prison: Prison, *, limit: int = 10, now: datetime | None = None
) -> list[tuple[str, float, int]]:
    """The shop holds open longest: (order reference, age in days, cents)."""
    now = now or datetime.now(UTC)
    shop = prison_account(db, prison.id, "shop")
    resolution = aliased(Transfer)
    holds = db.execute(
        select(Transfer.id, Transfer.reference, Transfer.created_at, Transfer.amount_cents)
        .where(
            Transfer.credit_account_id == shop.id,
            Transfer.kind == TransferKind.PENDING.value,
            Transfer.code == TransferCode.ORDER_HOLD.value,
            ~exists().where(resolution.pending_id == Transfer.id),
        )
        .order_by(Transfer.id)
        .limit(limit)
    ).all()
    return [
        (reference or f"#{tid}", (now - at).total_seconds() / 86400, amount)
        for tid, reference, at, amount in holds
    ]


# --- drawing ---------------------------------------------------------------------------------
# The words and numbers come from the page (the reader's language and formats); these functions
# only place them.

WIDTH = 720


@dataclass(frozen=True)
class FlowWords:
    """What the money-flow chart says, in the reader's language."""

    title: str
    money_in: str
    money_out: str
    amount: Callable[[int], str]  # cents -> "1 234,50"
    day: Callable[[date], str]  # the day under a bar and in its tooltip


def flow_svg(days: list[FlowDay], words: FlowWords) -> Markup:
    """Money in and out per day: two bars a day, in on the left."""
    height, top, bottom, left = 220, 20, 40, 70
    plot_h = height - top - bottom
    peak = max([d.in_cents for d in days] + [d.out_cents for d in days] + [1])
    slot = (WIDTH - left - 10) / max(len(days), 1)
    bar = max(slot / 2 - 1, 1)
    parts = [_open(WIDTH, height, words.title)]
    parts.append(_axis(left, top, plot_h, peak, words.amount))
    for n, day in enumerate(days):
        x = left + n * slot
        for offset, value, cls, said in (
            (0.0, day.in_cents, "in", words.money_in),
            (bar, day.out_cents, "out", words.money_out),
        ):
            h = plot_h * value / peak
            parts.append(
                f'<rect class="bar-{cls}" x="{x + offset:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}"><title>{escape(words.day(day.day))} '
                f"{escape(said)} {escape(words.amount(value))}</title></rect>"
            )
        if n % max(len(days) // 10, 1) == 0:
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{height - bottom + 14}">{day.day:%d.%m}</text>'
            )
    parts.append(
        f'<rect class="bar-in" x="{left}" y="{height - 14}" width="10" height="10"></rect>'
        f'<text class="tick" x="{left + 14}" y="{height - 5}">{escape(words.money_in)}</text>'
        f'<rect class="bar-out" x="{left + 150}" y="{height - 14}" width="10" height="10"></rect>'
        f'<text class="tick" x="{left + 164}" y="{height - 5}">{escape(words.money_out)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_svg(
    items: list[tuple[str, float]],
    title: str,
    *,
    shown: Callable[[float], str],
    nothing: str,
    cls: str = "bar",
    scale_at_least: float = 0.0,
) -> Markup:
    """Horizontal bars with labels: one row per item, each value said by `shown`. The longest
    bar stands for the largest value or `scale_at_least`, whichever is larger: holds a few minutes
    old draw short bars, not full ones."""
    row, left, top = 22, 180, 10
    height = top * 2 + row * max(len(items), 1)
    peak = max([value for _, value in items] + [scale_at_least, 1e-9])
    parts = [_open(WIDTH, height, title)]
    if not items:
        parts.append(f'<text class="tick" x="10" y="{top + 14}">{escape(nothing)}</text>')
    for n, (label, value) in enumerate(items):
        y = top + n * row
        w = (WIDTH - left - 90) * value / peak
        said = escape(shown(value))
        parts.append(
            f'<text class="label" x="{left - 6}" y="{y + 15}">{escape(label[:28])}</text>'
            f'<rect class="{cls}" x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}">'
            f"<title>{escape(label)}: {said}</title></rect>"
            f'<text class="tick" x="{left + w + 4:.1f}" y="{y + 15}">{said}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{escape(title)}</title>"
    )


def _axis(left: int, top: int, plot_h: int, peak: int, amount: Callable[[int], str]) -> str:
    lines = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h - plot_h * fraction
        lines.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}"></line>'
            f'<text class="label" x="{left - 6}" y="{y + 4:.1f}">'
            f"{escape(amount(int(peak * fraction)))}</text>"
        )
    return "".join(lines)
