"""room_en: an optional English room name on sessions and weekly hours (issue 20, item 9)

Revision ID: 0019_moves_room_en
Revises: 0018_phone_booking_links
Create Date: 2026-11-30 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019_moves_room_en"
down_revision = "0018_phone_booking_links"
branch_labels = None
depends_on = None

TABLES = ("availability", "sessions")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("room_en", sa.String(length=60), nullable=False,
                                       server_default=""))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("room_en")
