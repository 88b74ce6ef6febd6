"""catalogue_changes (versions the cached network); audit chains partitioned by actor

Revision ID: 0023_audit_chains
Revises: 0020_phone2_mfa_reset
Create Date: 2026-11-30 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023_audit_chains"
down_revision = "0025_library"
branch_labels = None
depends_on = None


CHAINS = 16  # app.audit.models.CHAINS when this migration was written
GENESIS = "0" * 64


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    # Existing events become chain 0, their seq its links (their macs stay valid).
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("link", sa.Integer(), nullable=True))
    op.execute("UPDATE audit_events SET link = seq")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("link", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_audit_events_chain_link", ["chain", "link"])
    if postgres:  # the global order now comes from a sequence, which never blocks
        op.execute("CREATE SEQUENCE audit_events_seq_seq OWNED BY audit_events.seq")
        op.execute("SELECT setval('audit_events_seq_seq', "
                   "COALESCE((SELECT max(seq) FROM audit_events), 0) + 1, false)")
    op.execute("UPDATE audit_head SET id = 0 WHERE id = 1")
    for chain in range(1, CHAINS):
        op.execute(f"INSERT INTO audit_head (id, seq, last_mac, anchor_seq, anchor_mac) "
                   f"VALUES ({chain}, 0, '{GENESIS}', 0, '{GENESIS}')")
    op.create_table(
        "audit_anchors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heads", sa.JSON(), nullable=False),
        sa.Column("prev_mac", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchors")),
    )
    op.create_table(
        "catalogue_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_changes")),
    )


def downgrade():
    """Back to one chain: only exact while every event is still in chain 0."""
    op.drop_table("catalogue_changes")
    op.drop_table("audit_anchors")
    op.execute("DELETE FROM audit_head WHERE id <> 0")
    op.execute("UPDATE audit_head SET id = 1 WHERE id = 0")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE audit_events_seq_seq")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_events_chain_link", type_="unique")
        batch_op.drop_column("link")
        batch_op.drop_column("chain")
