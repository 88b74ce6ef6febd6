"""outbox: an index of dedupe keys in byte order, so that dropping a booking's reminders
(every cancel) finds the key's variants without reading every unsent message (issue 21)

Revision ID: 0031_outbox_dedupe_prefix
Revises: 0030_sessions_scheduled_start
Create Date: 2026-12-01 07:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0031_outbox_dedupe_prefix'
down_revision = '0030_sessions_scheduled_start'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_dedupe_key_prefix', ['dedupe_key'],
                              unique=False,
                              postgresql_ops={'dedupe_key': 'varchar_pattern_ops'})


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_dedupe_key_prefix')
