"""safety loop, worker side: one open risk item per result; the worker's sealed safety plan

Revision ID: 0014_safety1_safety_plan
Revises: 0013_safety2_risk_steps
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014_safety1_safety_plan"
down_revision = "0013_safety2_risk_steps"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "safety_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shared", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("steps_ct", sa.LargeBinary(), nullable=True),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_safety_plans_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_plans")),
        sa.UniqueConstraint("uid", name=op.f("uq_safety_plans_uid")),
        sa.UniqueConstraint("user_id", name=op.f("uq_safety_plans_user_id")),
    )
    op.create_index("uq_risk_items_open_result", "risk_items", ["result_id"], unique=True,
                    sqlite_where=sa.text("resolved_at IS NULL"),
                    postgresql_where=sa.text("resolved_at IS NULL"))


def downgrade():
    op.drop_index("uq_risk_items_open_result", table_name="risk_items")
    op.drop_table("safety_plans")
