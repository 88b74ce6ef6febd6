"""enterprise event requests (点单式服务): a union asks a centre for an event; the union's
list of eligible members per enterprise, by phone blind index (issue 18)

Revision ID: 0027_network_event_requests
Revises: 0026_tidy_staff_import_stash
Create Date: 2026-12-01 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0027_network_event_requests"
down_revision = "0026_tidy_staff_import_stash"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("enterprise", sa.String(length=120), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=False),
        sa.Column("phone_ct", sa.LargeBinary(), nullable=True),
        sa.Column("audience_size", sa.Integer(), nullable=False),
        sa.Column("first_choice", sa.Date(), nullable=False),
        sa.Column("second_choice", sa.Date(), nullable=True),
        sa.Column("note_ct", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'declined')",
                           name=op.f("ck_event_requests_status_known")),
        sa.CheckConstraint("audience_size > 0",
                           name=op.f("ck_event_requests_audience_positive")),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"],
                                name=op.f("fk_event_requests_centre_id_centres"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_event_requests_service_id_services")),
        sa.ForeignKeyConstraint(["requester_id"], ["users.id"],
                                name=op.f("fk_event_requests_requester_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"],
                                name=op.f("fk_event_requests_event_id_events"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_event_requests_decided_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_requests")),
        sa.UniqueConstraint("uid", name=op.f("uq_event_requests_uid")),
    )
    with op.batch_alter_table("event_requests", schema=None) as batch_op:
        batch_op.create_index("ix_event_requests_centre_status", ["centre_id", "status"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_event_requests_requester_id"), ["requester_id"],
                              unique=False)


    op.create_table(
        "enterprise_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("enterprise", sa.String(length=120), nullable=False),
        sa.Column("sector", sa.String(length=60), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_members")),
        sa.UniqueConstraint("phone_index", name=op.f("uq_enterprise_members_phone_index")),
    )
    with op.batch_alter_table("enterprise_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_members_enterprise"), ["enterprise"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("enterprise_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_members_enterprise"))
    op.drop_table("enterprise_members")
    with op.batch_alter_table("event_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_requests_requester_id"))
        batch_op.drop_index("ix_event_requests_centre_status")
    op.drop_table("event_requests")
