"""shop holidays: days a prison's shop does not deliver

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from backoffice.migrations.schema.columns import date, integer, moment, string
from backoffice.migrations.schema.tables import create, drop

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create(
        "shop_holidays",
        integer("id"),
        integer("prison_id", refers="prisons"),
        date("on_date"),
        string("reason", 200),
        string("created_by", 200),
        moment("created_at"),
        unique=[("prison_id", "on_date")],
        indexes=["prison_id"],
    )


def downgrade() -> None:
    drop("shop_holidays")
