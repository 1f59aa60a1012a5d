"""Figures for the accountant's charts, and the charts themselves as inline SVG drawn on the
server: no scripts, no inline styles (the back office's CSP forbids both), colours from the
stylesheet by class name.

    money_flow(db, prison, days, today) -> list[FlowDay]
    sales_by_category(db, prison, since_on) -> list[(category, cents)]
    oldest_holds(db, prison, limit, now) -> list[(label, age_days, cents)]
    flow_svg(...), bars_svg(...) -> Markup
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from ledger import Account, Transfer, TransferCode, TransferKind

from ..money.amounts import euros
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


def sales_by_category(db: Session, prison: Prison, *, since_on: date) -> list[tuple[str, int]]:
    """What the shop delivered (charged) per category since a day, largest first."""
    totals: dict[str, int] = defaultdict(int)
    rows = db.execute(
        select(OrderLine, Category.name_en)
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
        totals[category] += line.delivered_cents
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
        (reference or f"hold {tid}", (now - at).total_seconds() / 86400, amount)
        for tid, reference, at, amount in holds
    ]


# --- drawing ---------------------------------------------------------------------------------

WIDTH = 720


def flow_svg(days: list[FlowDay], title: str) -> Markup:
    """Money in and out per day: two bars a day, in on the left."""
    height, top, bottom, left = 220, 20, 40, 70
    plot_h = height - top - bottom
    peak = max([d.in_cents for d in days] + [d.out_cents for d in days] + [1])
    slot = (WIDTH - left - 10) / max(len(days), 1)
    bar = max(slot / 2 - 1, 1)
    parts = [_open(WIDTH, height, title)]
    parts.append(_axis(left, top, plot_h, peak))
    for n, day in enumerate(days):
        x = left + n * slot
        for offset, value, cls in ((0.0, day.in_cents, "in"), (bar, day.out_cents, "out")):
            h = plot_h * value / peak
            parts.append(
                f'<rect class="bar-{cls}" x="{x + offset:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}"><title>{day.day.isoformat()} {cls} '
                f"{euros(value)}</title></rect>"
            )
        if n % max(len(days) // 10, 1) == 0:
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{height - bottom + 14}">{day.day:%d.%m}</text>'
            )
    parts.append(
        f'<rect class="bar-in" x="{left}" y="{height - 14}" width="10" height="10"></rect>'
        f'<text class="tick" x="{left + 14}" y="{height - 5}">money in</text>'
        f'<rect class="bar-out" x="{left + 90}" y="{height - 14}" width="10" height="10"></rect>'
        f'<text class="tick" x="{left + 104}" y="{height - 5}">money out</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_svg(items: list[tuple[str, float]], title: str, unit: str, cls: str = "bar") -> Markup:
    """Horizontal bars with labels: one row per item."""
    row, left, top = 22, 180, 10
    height = top * 2 + row * max(len(items), 1)
    peak = max([value for _, value in items] + [1e-9])
    parts = [_open(WIDTH, height, title)]
    if not items:
        parts.append(f'<text class="tick" x="10" y="{top + 14}">nothing to show</text>')
    for n, (label, value) in enumerate(items):
        y = top + n * row
        w = (WIDTH - left - 90) * value / peak
        shown = euros(int(value)) if unit == "EUR" else f"{value:.1f} {unit}"
        parts.append(
            f'<text class="label" x="{left - 6}" y="{y + 15}">{escape(label[:28])}</text>'
            f'<rect class="{cls}" x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}">'
            f"<title>{escape(label)}: {shown}</title></rect>"
            f'<text class="tick" x="{left + w + 4:.1f}" y="{y + 15}">{shown}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{escape(title)}</title>"
    )


def _axis(left: int, top: int, plot_h: int, peak: int) -> str:
    lines = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h - plot_h * fraction
        lines.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}"></line>'
            f'<text class="label" x="{left - 6}" y="{y + 4:.1f}">{euros(int(peak * fraction))}'
            "</text>"
        )
    return "".join(lines)
