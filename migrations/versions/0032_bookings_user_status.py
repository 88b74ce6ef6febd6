"""bookings: a person's bookings by status, so that every booking's standing and limit
checks read the person's upcoming bookings, not their whole history (issue 21)

Replaces the index on user_id alone, whose leading column the new one carries.

Revision ID: 0032_bookings_user_status
Revises: 0031_outbox_dedupe_prefix
Create Date: 2026-12-02 07:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0032_bookings_user_status'
down_revision = '0031_outbox_dedupe_prefix'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_user_status', ['user_id', 'status'], unique=False)
        batch_op.drop_index('ix_bookings_user_id')


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_user_id', ['user_id'], unique=False)
        batch_op.drop_index('ix_bookings_user_status')
