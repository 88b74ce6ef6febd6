"""staff import: the checked CSV waits server-side, sealed, until its admin confirms

Revision ID: 0026_tidy_staff_import_stash
Revises: 0024_counsellor_profiles
"""
from alembic import op
import sqlalchemy as sa


revision = "0026_tidy_staff_import_stash"
down_revision = "0024_counsellor_profiles"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_import_stashes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("data_key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("csv_ct", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name=op.f("fk_staff_import_stashes_actor_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["data_key_id"], ["data_keys.id"],
                                name=op.f("fk_staff_import_stashes_data_key_id_data_keys"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_import_stashes")),
        sa.UniqueConstraint("uid", name=op.f("uq_staff_import_stashes_uid")),
    )
    with op.batch_alter_table("staff_import_stashes") as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_import_stashes_actor_id"), ["actor_id"])
        batch_op.create_index(batch_op.f("ix_staff_import_stashes_data_key_id"), ["data_key_id"])
        batch_op.create_index(batch_op.f("ix_staff_import_stashes_expires_at"), ["expires_at"])


def downgrade():
    op.drop_table("staff_import_stashes")
