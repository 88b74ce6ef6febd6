"""reports: forget kept pooled cubes, pooled again one attribute at a time (no data lost)

Pooling now generalises age band, then sector, then the centre (it used to drop age band
and sector together). Cubes kept under the old rule are deleted and re-pooled on first use
or by ``flask reports publish``. Only derived counts are removed; the roll-ups stay.

Revision ID: 0012_defects_repool
Revises: 0011_risk_triage
Create Date: 2026-11-30 19:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0012_defects_repool"
down_revision = "0011_risk_triage"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM report_published")
    op.execute("DELETE FROM report_published_months")


def downgrade():
    # The kept cubes are a cache: emptied again, the old code re-pools them on first use.
    op.execute("DELETE FROM report_published")
    op.execute("DELETE FROM report_published_months")
