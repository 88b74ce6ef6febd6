"""phone codes: one-time SMS codes (keyed hash only) that double as the request log

Revision ID: 0016_phone_codes
Revises: 0015_phone_outbox_channel
Create Date: 2026-11-30 19:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016_phone_codes"
down_revision = "0015_phone_outbox_channel"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "phone_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("active_key", sa.String(length=90), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_codes")),
        sa.UniqueConstraint("active_key", name=op.f("uq_phone_codes_active_key")),
    )
    with op.batch_alter_table("phone_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_codes_address_hash"), ["address_hash"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_phone_codes_created_at"), ["created_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_phone_codes_phone_index"), ["phone_index"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("phone_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_codes_phone_index"))
        batch_op.drop_index(batch_op.f("ix_phone_codes_created_at"))
        batch_op.drop_index(batch_op.f("ix_phone_codes_address_hash"))
    op.drop_table("phone_codes")
