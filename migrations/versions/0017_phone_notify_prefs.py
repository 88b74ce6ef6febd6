"""users: channel preferences (email, SMS) and the opt-out of non-essential reminders

Revision ID: 0017_phone_notify_prefs
Revises: 0016_phone_codes
Create Date: 2026-11-30 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_phone_notify_prefs"
down_revision = "0016_phone_codes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        for name in ("notify_email", "notify_sms", "reminders_wanted"):
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.true(),
                                          nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        for name in ("reminders_wanted", "notify_sms", "notify_email"):
            batch_op.drop_column(name)
