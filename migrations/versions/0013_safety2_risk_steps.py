"""risk follow-up: steps (sealed), first contact, escalation, shred limit, hub lead counsellors

Revision ID: 0013_safety2_risk_steps
Revises: 0012_defects_repool
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_safety2_risk_steps"
down_revision = "0012_defects_repool"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("risk_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_contact_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("shred_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_risk_items_escalated_at"), ["escalated_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_risk_items_shred_after"), ["shred_after"],
                              unique=False)

    op.create_table(
        "risk_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("detail_ct", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_risk_steps_author_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["item_id"], ["risk_items.id"],
                                name=op.f("fk_risk_steps_item_id_risk_items"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_steps")),
        sa.UniqueConstraint("uid", name=op.f("uq_risk_steps_uid")),
    )
    with op.batch_alter_table("risk_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_steps_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_steps_at"), ["at"], unique=False)

    op.create_table(
        "risk_leads",
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"],
                                name=op.f("fk_risk_leads_centre_id_centres"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_risk_leads_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("centre_id", "user_id", name=op.f("pk_risk_leads")),
    )
    with op.batch_alter_table("risk_leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_leads_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("risk_leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_leads_user_id"))
    op.drop_table("risk_leads")
    with op.batch_alter_table("risk_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_steps_at"))
        batch_op.drop_index(batch_op.f("ix_risk_steps_item_id"))
    op.drop_table("risk_steps")
    with op.batch_alter_table("risk_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_items_shred_after"))
        batch_op.drop_index(batch_op.f("ix_risk_items_escalated_at"))
        batch_op.drop_column("shred_after")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("first_contact_at")
