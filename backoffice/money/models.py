from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text
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
    # The court's or bailiff's decision that makes it owed, e.g. "1-23-4567" (shown to the
    # inmate, and the remittance text of each payment to the creditor).
    decision_reference: Mapped[str] = mapped_column(String(100), default="")
    # Paid in this order, 1 first (the law ranks maintenance and victims before fines).
    priority: Mapped[int] = mapped_column(Integer, default=1)
    # Who receives the payments: the creditor's (or bailiff's) name and account.
    payee_name: Mapped[str] = mapped_column(String(140), default="")
    payee_iban: Mapped[str] = mapped_column(String(34), default="")


class CorrectionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class DebtCorrection(Base):
    """A debt's amount put right (a court reduced it, a typing mistake): entered by one member
    of staff, applied only when another approves it."""

    __tablename__ = "inmate_debt_corrections"
    __table_args__ = (
        CheckConstraint("new_amount_cents > 0", name="amount_positive"),
        CheckConstraint(one_of("status", CorrectionStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debt_id: Mapped[int] = mapped_column(ForeignKey("inmate_debts.id"), index=True)
    old_amount_cents: Mapped[int] = mapped_column(BigInteger)
    new_amount_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=CorrectionStatus.PENDING.value)
    entered_by_id: Mapped[int | None] = mapped_column(Integer)
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PayrollStatus(StrEnum):
    PENDING = "pending"  # uploaded and previewed; waits for a second person
    PAID = "paid"  # approved: every line paid with its split
    REJECTED = "rejected"


class Payroll(Base):
    """A payroll uploaded in the back office: paid only when another member of staff than the
    one who uploaded it approves it (maker-checker)."""

    __tablename__ = "money_payrolls"
    __table_args__ = (CheckConstraint(one_of("status", PayrollStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    # The wage run's key: a payroll is paid once.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    csv_text: Mapped[str] = mapped_column(Text)
    lines: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=PayrollStatus.PENDING.value)
    entered_by_id: Mapped[int | None] = mapped_column(Integer)
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
