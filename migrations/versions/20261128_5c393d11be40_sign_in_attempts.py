"""sign-in attempts: the audit that sign-in throttling counts

Revision ID: 5c393d11be40
Revises: 5e1d7c0a9b21
Create Date: 2026-11-27 23:28:03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "5c393d11be40"
down_revision: str | None = "5e1d7c0a9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("attempted_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("client_address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("user_agent", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "SUCCEEDED",
                "WRONG_CREDENTIALS",
                "DEACTIVATED",
                "THROTTLED",
                name="sign_in_outcome",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sign_in_attempts_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempts")),
    )
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sign_in_attempts_client_address_attempted_at",
            ["client_address", "attempted_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_sign_in_attempts_login_attempted_at", ["login", "attempted_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sign_in_attempts_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_attempts_user_id"))
        batch_op.drop_index("ix_sign_in_attempts_login_attempted_at")
        batch_op.drop_index("ix_sign_in_attempts_client_address_attempted_at")

    op.drop_table("sign_in_attempts")
