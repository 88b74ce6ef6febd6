"""booking sequence: the calendar entry's revision (RFC 5545 SEQUENCE)

A reschedule or cancellation must reach calendar apps as a newer revision of the same
event; a time difference in whole seconds could not promise that.

Revision ID: 0010_booking_sequence
Revises: 0009_reports
Create Date: 2026-11-24 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_booking_sequence"
down_revision = "0009_reports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="0",
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("sequence")
