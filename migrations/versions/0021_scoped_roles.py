"""user_roles: roles held per centre; existing staff roles become the city hub's

Revision ID: 0021_scoped_roles
Revises: 0020_phone2_mfa_reset
Create Date: 2026-11-30 21:40:00

The table gains its own id and a ``centre_id`` (the key was user and role). Every staff role
held so far was global, which is what a role at the hub means now; a database without a hub
keeps them with no centre (the whole network), the same reach.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021_scoped_roles"
down_revision = "0020_phone2_mfa_reset"
branch_labels = None
depends_on = None

ROLE_CHECK = "role IN ('worker', 'counsellor', 'social_worker', 'admin')"


def _set_aside():
    op.rename_table("user_roles", "user_roles_old")
    if op.get_bind().dialect.name == "postgresql":  # key names share the schema's namespace
        op.execute("ALTER TABLE user_roles_old RENAME CONSTRAINT pk_user_roles "
                   "TO pk_user_roles_old")


def upgrade():
    _set_aside()
    op.create_table(
        "user_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(ROLE_CHECK, name=op.f("ck_user_roles_role_known")),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"],
                                name=op.f("fk_user_roles_centre_id_centres"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_roles")),
        sa.UniqueConstraint("user_id", "role", "centre_id", name=op.f("uq_user_roles_user_id")),
    )
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_roles_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_roles_centre_id"), ["centre_id"],
                              unique=False)
    op.execute(
        "INSERT INTO user_roles (user_id, role, centre_id) "
        "SELECT user_id, role, CASE WHEN role = 'worker' THEN NULL ELSE "
        "(SELECT min(id) FROM centres WHERE kind = 'hub') END FROM user_roles_old"
    )
    op.drop_table("user_roles_old")


def downgrade():
    _set_aside()
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint(ROLE_CHECK, name=op.f("ck_user_roles_role_known")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )
    op.execute("INSERT INTO user_roles (user_id, role) "
               "SELECT DISTINCT user_id, role FROM user_roles_old")
    op.drop_table("user_roles_old")
