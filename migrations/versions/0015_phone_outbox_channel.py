"""outbox: a channel per message (email, sms) and an own data key for messages to no account

Revision ID: 0015_phone_outbox_channel
Revises: 0014_safety1_safety_plan
Create Date: 2026-11-30 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015_phone_outbox_channel"
down_revision = "0014_safety1_safety_plan"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), server_default="email",
                                      nullable=False))
        batch_op.add_column(sa.Column("data_key_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_messages_channel"), ["channel"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_data_key_id"), ["data_key_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_outbox_messages_data_key_id_data_keys"),
                                    "data_keys", ["data_key_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_messages_data_key_id_data_keys"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_data_key_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_channel"))
        batch_op.drop_column("data_key_id")
        batch_op.drop_column("channel")
