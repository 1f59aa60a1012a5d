from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ..people.models import one_of


class Creditor(StrEnum):
    COURT_FINES = "court_fines"
    VICTIM_COMPENSATION = "victim_compensation"


class Debt(Base):
    """What an inmate owes a creditor. While debts remain, a share of money received is set
    aside in the inmate's debts account; what is still owed is these amounts less everything
    ever set aside."""

    __tablename__ = "inmate_debts"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(one_of("creditor", Creditor), name="creditor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    creditor: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(500))
    registered_by: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
