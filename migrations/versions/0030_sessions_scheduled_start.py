"""sessions: an index of scheduled sessions by start, for the session list's queries
(the day's sessions, the week strip, the earliest free one) (issue 21)

Revision ID: 0030_sessions_scheduled_start
Revises: 0029_course2_mode_experience
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_sessions_scheduled_start'
down_revision = '0029_course2_mode_experience'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index('ix_sessions_scheduled_start', ['starts_at', 'id'], unique=False,
                              sqlite_where=sa.text("status = 'scheduled'"),
                              postgresql_where=sa.text("status = 'scheduled'"))


def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_sessions_scheduled_start',
                            sqlite_where=sa.text("status = 'scheduled'"),
                            postgresql_where=sa.text("status = 'scheduled'"))
