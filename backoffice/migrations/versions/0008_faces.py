"""faces: enrolled face templates, encrypted at rest

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "face_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("template_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("enrolled_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_face_templates_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_templates")),
    )
    with op.batch_alter_table("face_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_face_templates_inmate_id"), ["inmate_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("face_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_face_templates_inmate_id"))

    op.drop_table("face_templates")
