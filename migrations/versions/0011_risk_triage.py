"""risk items: triage level, the result that raised them, and when first contact is due

Revision ID: 0011_risk_triage
Revises: 0010_booking_sequence
Create Date: 2026-11-30 18:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011_risk_triage"
down_revision = "0010_booking_sequence"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("risk_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("triage", sa.String(length=10), server_default="standard",
                                      nullable=False))
        batch_op.add_column(sa.Column("result_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_risk_items_triage"), ["triage"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_items_result_id"), ["result_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_items_due_at"), ["due_at"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_risk_items_result_id_screening_results"),
                                    "screening_results", ["result_id"], ["id"],
                                    ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("risk_items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_risk_items_result_id_screening_results"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_risk_items_due_at"))
        batch_op.drop_index(batch_op.f("ix_risk_items_result_id"))
        batch_op.drop_index(batch_op.f("ix_risk_items_triage"))
        batch_op.drop_column("due_at")
        batch_op.drop_column("result_id")
        batch_op.drop_column("triage")
