from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..people.models import one_of
from ..settings import LANGUAGES


class Role(StrEnum):
    """A duty, not a rank: each role opens only its own work. `admin` administers people,
    devices and staff; it is not an accountant, an officer or shop staff unless also given those
    roles, so maker-checker and the separation of duties cannot be passed by seniority."""

    ADMIN = "admin"
    SHOP = "shop"
    ACCOUNTANT = "accountant"
    OFFICER = "officer"
    REQUESTS = "requests"
    VISITS = "visits"
    # National: reads every prison's books (reconciliation, journal, statements, charts) and
    # moves no money; each reading of a prison's books is audited (accounts.services.access).
    AUDITOR = "auditor"


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint(f"language IN {LANGUAGES!r}", name="language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    # None: every prison of the installation (national staff).
    prison_id: Mapped[int | None] = mapped_column(ForeignKey("prisons.id"), index=True)
    # The language the back office speaks to them (et, ru, en); Estonian unless they choose.
    language: Mapped[str] = mapped_column(String(2), default="et", server_default="et")
    active: Mapped[bool] = mapped_column(default=True)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on password change or lock: every session signed with an older value ends.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    role_rows: Mapped[list[StaffRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        """Holds at least one of these roles (no role stands in for another)."""
        return bool(self.roles.intersection(roles))


class StaffRole(Base):
    __tablename__ = "staff_roles"
    __table_args__ = (CheckConstraint(one_of("role", Role), name="role"),)

    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
