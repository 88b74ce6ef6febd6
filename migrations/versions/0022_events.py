"""network calendar: centre closures, rooms as objects (never shared at once), events on
sessions, and the facilitator role

Revision ID: 0022_events
Revises: 0020_phone2_mfa_reset
Create Date: 2026-11-30 21:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022_events"
down_revision = "0021_scoped_roles"
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('worker', 'counsellor', 'social_worker', 'admin')"
ROLES_AFTER = "role IN ('worker', 'counsellor', 'social_worker', 'admin', 'facilitator')"

# PostgreSQL only, as for counsellors in 0005_booking: two scheduled sessions never hold one
# room at overlapping times, even when two admins schedule at the same moment. Alembic does
# not reflect exclusion constraints, so the models do not declare it.
ROOM_EXCLUSION = (
    "ALTER TABLE sessions ADD CONSTRAINT ex_sessions_room_overlap "
    "EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&) "
    "WHERE (status = 'scheduled' AND room_id IS NOT NULL)"
)


def upgrade():
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=60), server_default="", nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("accessible", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_rooms_capacity_positive")),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"],
                                name=op.f("fk_rooms_centre_id_centres"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint("centre_id", "name_zh", name="uq_rooms_centre_name"),
    )
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rooms_centre_id"), ["centre_id"], unique=False)

    op.create_table(
        "centre_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason_zh", sa.String(length=120), nullable=False),
        sa.Column("reason_en", sa.String(length=160), server_default="", nullable=False),
        sa.Column("source", sa.String(length=120), server_default="", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("first_day <= last_day",
                           name=op.f("ck_centre_closures_days_ordered")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_centre_closures_times_ordered")),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"],
                                name=op.f("fk_centre_closures_centre_id_centres"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_centre_closures_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_centre_closures")),
        sa.UniqueConstraint("centre_id", "first_day", "last_day",
                            name="uq_closures_centre_days"),
    )
    with op.batch_alter_table("centre_closures", schema=None) as batch_op:
        batch_op.create_index("ix_closures_centre_start", ["centre_id", "starts_at"],
                              unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title_zh", sa.String(length=120), nullable=False),
        sa.Column("title_en", sa.String(length=160), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("speaker", sa.String(length=120), nullable=False),
        sa.Column("audience_zh", sa.String(length=200), nullable=False),
        sa.Column("audience_en", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=10), nullable=False),
        sa.Column("site_zh", sa.String(length=200), nullable=False),
        sa.Column("site_en", sa.String(length=200), nullable=False),
        sa.Column("online_url", sa.String(length=300), nullable=False),
        sa.Column("registration_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registration_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tags", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('lecture', 'group', 'relaxation', 'family', 'workshop')",
                           name=op.f("ck_events_kind_known")),
        sa.CheckConstraint("place IN ('centre', 'site', 'online')",
                           name=op.f("ck_events_place_known")),
        sa.CheckConstraint("registration_opens_at < registration_closes_at",
                           name=op.f("ck_events_window_ordered")),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_events_session_id_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("session_id", name=op.f("uq_events_session_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_events_uid")),
    )

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("room_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_sessions_room_id"), ["room_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_sessions_room_id_rooms"), "rooms",
                                    ["room_id"], ["id"])

    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_roles_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_user_roles_role_known"), ROLES_AFTER)

    _rooms_from_free_text()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(ROOM_EXCLUSION)


def _rooms_from_free_text():
    """Each centre's distinct free-text room becomes a Room (capacity: the largest session
    it held); its future scheduled sessions point to it. Past sessions that overlapped in
    one room keep their text only, so the exclusion constraint can be added."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT centre_id, room, MAX(room_en), MAX(capacity) FROM sessions "
        "WHERE room <> '' GROUP BY centre_id, room")).fetchall()
    for centre_id, name_zh, name_en, capacity in rows:
        bind.execute(sa.text(
            "INSERT INTO rooms (centre_id, name_zh, name_en, capacity, accessible, active) "
            "VALUES (:c, :n, :e, :cap, :f, :t)"),
            {"c": centre_id, "n": name_zh[:60], "e": (name_en or "")[:60],
             "cap": max(int(capacity or 1), 1), "f": False, "t": True})
    sessions = bind.execute(sa.text(
        "SELECT s.id, r.id, s.starts_at, s.ends_at FROM sessions s JOIN rooms r "
        "ON r.centre_id = s.centre_id AND r.name_zh = s.room "
        "WHERE s.status = 'scheduled' ORDER BY s.starts_at, s.id")).fetchall()
    taken: dict = {}
    for session_id, room_id, starts_at, ends_at in sessions:
        spans = taken.setdefault(room_id, [])
        if any(starts_at < end and start < ends_at for start, end in spans):
            continue  # an existing overlap: left as text for staff to sort out
        spans.append((starts_at, ends_at))
        bind.execute(sa.text("UPDATE sessions SET room_id = :r WHERE id = :s"),
                     {"r": room_id, "s": session_id})


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE sessions DROP CONSTRAINT IF EXISTS ex_sessions_room_overlap")
    op.execute("DELETE FROM user_roles WHERE role = 'facilitator'")
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_roles_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_user_roles_role_known"), ROLES_BEFORE)
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_sessions_room_id_rooms"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_sessions_room_id"))
        batch_op.drop_column("room_id")
    op.drop_table("events")
    with op.batch_alter_table("centre_closures", schema=None) as batch_op:
        batch_op.drop_index("ix_closures_centre_start")
    op.drop_table("centre_closures")
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rooms_centre_id"))
    op.drop_table("rooms")
