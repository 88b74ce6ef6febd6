"""users: an admin's authenticator reset held for 24 hours (mfa_reset_due_at)

Revision ID: 0020_phone2_mfa_reset
Revises: 0019_moves_room_en
Create Date: 2026-11-30 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020_phone2_mfa_reset"
down_revision = "0019_moves_room_en"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfa_reset_due_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("mfa_reset_due_at")
