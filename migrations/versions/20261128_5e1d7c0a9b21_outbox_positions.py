"""outbox positions: the writing transaction's id, and a notification on insert

Revision ID: 5e1d7c0a9b21
Revises: c8b2a25a4d83
Create Date: 2026-11-28 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1d7c0a9b21"
down_revision: str | None = "c8b2a25a4d83"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The channel core/events/signals.py listens on; the payload is only the event's id.
STAMP_FUNCTION = """
CREATE FUNCTION gridline_outbox_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.tx_id := pg_current_xact_id()::text::bigint;
    PERFORM pg_notify('gridline_events', NEW.id::text);
    RETURN NEW;
END
$$
"""
STAMP_TRIGGER = """
CREATE TRIGGER outbox_events_stamp BEFORE INSERT ON outbox_events
FOR EACH ROW EXECUTE FUNCTION gridline_outbox_stamp()
"""


def upgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        # Existing events get 0: older than every transaction to come.
        batch_op.add_column(sa.Column("tx_id", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.create_index("ix_outbox_events_tx_id_id", ["tx_id", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(STAMP_FUNCTION)
        op.execute(STAMP_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER outbox_events_stamp ON outbox_events")
        op.execute("DROP FUNCTION gridline_outbox_stamp()")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_tx_id_id")
        batch_op.drop_column("tx_id")
