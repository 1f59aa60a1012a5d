from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..people.models import Cell, Prison, Wing, one_of


class DeviceKind(StrEnum):
    KIOSK = "kiosk"
    TABLET = "tablet"


class Device(Base):
    """A kiosk serves one wing; a tablet is bound to one cell."""

    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint(one_of("kind", DeviceKind), name="kind"),
        CheckConstraint(
            "(kind = 'kiosk' AND wing_id IS NOT NULL AND cell_id IS NULL) OR "
            "(kind = 'tablet' AND cell_id IS NOT NULL)",
            name="placement",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), unique=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    wing_id: Mapped[int | None] = mapped_column(ForeignKey("wings.id"), index=True)
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id"), index=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    # The credential is shown once at registration; only its hash is kept. The public part
    # (the key id) finds the row, the secret part is checked against the hash.
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    prison: Mapped[Prison] = relationship()
    wing: Mapped[Wing | None] = relationship()
    cell: Mapped[Cell | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None
