from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import BIG_ID, Base, UTCDateTime, utcnow
from ..people.models import Inmate, Wing, one_of


class Category(Base):
    __tablename__ = "shop_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_et: Mapped[str] = mapped_column(String(100))
    name_ru: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(default=0)

    def name(self, language: str) -> str:
        return str(getattr(self, f"name_{language}", self.name_en) or self.name_en)


class Product(Base):
    __tablename__ = "shop_products"
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("vat_basis_points BETWEEN 0 AND 10000", name="vat_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("shop_categories.id"), index=True)
    name_et: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16), default="pc")
    price_cents: Mapped[int] = mapped_column(BigInteger)
    # VAT in basis points: 2400 is 24 %.
    vat_basis_points: Mapped[int] = mapped_column(default=2400)
    # On the shelf: packing takes from it, a delivery from the supplier or a count sets it.
    stock: Mapped[int] = mapped_column(default=0)
    # Promised to orders placed and not yet packed: placing adds to it,
    # packing, cancelling and expiry take it off again. What can still be ordered is
    # `free_stock`, so two inmates can never both order the last three.
    reserved: Mapped[int] = mapped_column(default=0, server_default="0")
    # Diet and allergen tags (halal, vegetarian, gluten, nuts, ...) and restriction tags
    # (tobacco, batteries, sharp, electronics, ...), matched by the protocols.
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # None: every prison.
    prison_id: Mapped[int | None] = mapped_column(ForeignKey("prisons.id"), index=True)
    # Deferred: lists and checks never need the picture's bytes.
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(default=True)

    category: Mapped[Category] = relationship(lazy="joined")
    wings: Mapped[list[ProductWing]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def name(self, language: str) -> str:
        return str(getattr(self, f"name_{language}", self.name_en) or self.name_en)

    @property
    def free_stock(self) -> int:
        """What can still be ordered: the stock less what placed orders have reserved (never
        below none, when a count found less than was reserved)."""
        return max(self.stock - self.reserved, 0)

    @property
    def names(self) -> dict[str, str]:
        return {"et": self.name_et, "ru": self.name_ru, "en": self.name_en}


class ProductWing(Base):
    """Where a product has rows here it is sold only on those wings; without rows, everywhere."""

    __tablename__ = "shop_product_wings"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("shop_products.id", ondelete="CASCADE"), primary_key=True
    )
    wing_id: Mapped[int] = mapped_column(ForeignKey("wings.id"), primary_key=True)


class PriceChange(Base):
    """Every price a product has had; orders keep the price they were placed at."""

    __tablename__ = "shop_price_changes"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("shop_products.id"), index=True)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(200))


class ShopSchedule(Base):
    """A wing's shop round: orders open on one weekday, close at a cut-off, and are delivered
    on the delivery weekday after the cut-off. Weekdays: 0 is Monday. Times are local."""

    __tablename__ = "shop_schedules"
    __table_args__ = (
        CheckConstraint("opens_weekday BETWEEN 0 AND 6", name="opens_weekday"),
        CheckConstraint("cutoff_weekday BETWEEN 0 AND 6", name="cutoff_weekday"),
        CheckConstraint("delivery_weekday BETWEEN 0 AND 6", name="delivery_weekday"),
    )

    wing_id: Mapped[int] = mapped_column(ForeignKey("wings.id"), primary_key=True)
    opens_weekday: Mapped[int] = mapped_column()
    cutoff_weekday: Mapped[int] = mapped_column()
    cutoff_time: Mapped[str] = mapped_column(String(5), default="12:00")
    delivery_weekday: Mapped[int] = mapped_column()


class ShopHoliday(Base):
    """A day a prison's shop does not deliver: a round whose delivery day falls on it, and the
    orders already waiting for it, are delivered on the next day that is not one."""

    __tablename__ = "shop_holidays"
    __table_args__ = (UniqueConstraint("prison_id", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ShopBan(Base):
    """A disciplinary sanction: no shop orders from `starts_on` to `ends_on`, both included."""

    __tablename__ = "shop_bans"

    id: Mapped[int] = mapped_column(primary_key=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InmateRestriction(Base):
    """A product tag an inmate may not buy: a diet, a medical or a security restriction."""

    __tablename__ = "shop_inmate_restrictions"

    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(500), default="")


class OrderStatus(StrEnum):
    PLACED = "placed"
    PICKING = "picking"
    PACKED = "packed"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# The order's state machine, in one place: each status and where it may go next.
# The cart comes before PLACED and is not stored: it lives on the kiosk or tablet, which asks
# services.check_cart (the same rules as placing) as it fills; placing is the first row here.
# Refunds after DELIVERED are ShopRefund rows, not a status: one order may get several.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PLACED: frozenset(
        {OrderStatus.PICKING, OrderStatus.CANCELLED, OrderStatus.EXPIRED}
    ),
    # Cancelled once picked or packed only when the inmate leaves (services/departure.py).
    OrderStatus.PICKING: frozenset(
        {OrderStatus.PACKED, OrderStatus.CANCELLED, OrderStatus.EXPIRED}
    ),
    OrderStatus.PACKED: frozenset(
        {OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.EXPIRED}
    ),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.EXPIRED: frozenset(),
}
OPEN_STATUSES = (OrderStatus.PLACED, OrderStatus.PICKING, OrderStatus.PACKED)


class Order(Base):
    __tablename__ = "shop_orders"
    __table_args__ = (CheckConstraint(one_of("status", OrderStatus), name="status"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    # The client's idempotency key: placing the same order twice makes one order.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"))
    wing_id: Mapped[int] = mapped_column(ForeignKey("wings.id"))
    delivery_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.PLACED.value)
    substitution_consent: Mapped[bool] = mapped_column(default=False)
    held_cents: Mapped[int] = mapped_column(BigInteger)
    charged_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    hold_transfer_id: Mapped[int | None] = mapped_column(BigInteger)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    placed_via: Mapped[str] = mapped_column(String(32), default="")
    packed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    packed_by: Mapped[str] = mapped_column(String(200), default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_by: Mapped[str] = mapped_column(String(200), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    inmate: Mapped[Inmate] = relationship()
    wing: Mapped[Wing] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="OrderLine.id",
        lazy="selectin",
    )

    @property
    def number(self) -> str:
        return f"S{self.id:06d}"


class OrderLine(Base):
    __tablename__ = "shop_order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "packed_quantity IS NULL OR packed_quantity BETWEEN 0 AND quantity", name="packed_range"
        ),
        CheckConstraint("refunded_quantity >= 0", name="refunded_not_negative"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("shop_products.id"))
    quantity: Mapped[int] = mapped_column()
    # The price and VAT at the moment the order was placed.
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    vat_basis_points: Mapped[int] = mapped_column()
    packed_quantity: Mapped[int | None] = mapped_column()
    # Packed in place of this product, with the inmate's consent and within every rule the
    # product itself had to pass (services.pack_order); charged at its own price.
    substitute_product_id: Mapped[int | None] = mapped_column(ForeignKey("shop_products.id"))
    substitute_unit_price_cents: Mapped[int | None] = mapped_column(BigInteger)
    refunded_quantity: Mapped[int] = mapped_column(default=0)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(foreign_keys=[product_id], lazy="joined")
    substitute: Mapped[Product | None] = relationship(foreign_keys=[substitute_product_id])

    @property
    def charged_unit_cents(self) -> int:
        """What one of what was packed costs the inmate: the substitute's price where one was
        packed (the packing checked that the order still fits its hold), else the price he
        ordered at."""
        if self.substitute_unit_price_cents is not None:
            return self.substitute_unit_price_cents
        return self.unit_price_cents

    @property
    def delivered_cents(self) -> int:
        return (self.packed_quantity or 0) * self.charged_unit_cents


class ShopRefund(Base):
    """A missing or damaged item reported after delivery, refunded by a ledger transfer."""

    __tablename__ = "shop_refunds"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("shop_order_lines.id"), index=True)
    quantity: Mapped[int] = mapped_column()
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    transfer_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class ProtocolVersion(Base):
    """A version of the protocol file put in force by a reload: the newest row is the rules
    every worker on every host applies. Rows are never changed; going back is a new row."""

    __tablename__ = "shop_protocol_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    # The file it was read from, on the host that loaded it.
    source: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(200))
