"""counsellor profiles workers choose from (approved by an admin); in-person, phone or video
services and sessions; the sealed meeting link of a video session; session feedback as
de-identified statistics (issue 17)

Revision ID: 0024_counsellor_profiles
Revises: 0020_phone2_mfa_reset
Create Date: 2026-11-30 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_counsellor_profiles'
down_revision = '0023_audit_chains'
branch_labels = None
depends_on = None

MODES = "mode IN ('in_person', 'phone', 'video')"


def upgrade():
    op.create_table('counsellor_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('photo', sa.String(length=64), nullable=False),
    sa.Column('qualifications', sa.JSON(), nullable=False),
    sa.Column('specialties', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('gender', sa.String(length=8), nullable=False),
    sa.Column('intro_zh', sa.Text(), nullable=False),
    sa.Column('intro_en', sa.Text(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('pending', sa.JSON(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("gender IN ('female', 'male', 'unsaid')", name=op.f('ck_counsellor_profiles_gender_known')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_counsellor_profiles_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_counsellor_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counsellor_profiles')),
    sa.UniqueConstraint('uid', name=op.f('uq_counsellor_profiles_uid')),
    sa.UniqueConstraint('user_id', name=op.f('uq_counsellor_profiles_user_id'))
    )
    op.create_table('session_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('data_key_id', sa.Integer(), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('link_ct', sa.LargeBinary(), nullable=True),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['data_key_id'], ['data_keys.id'], name=op.f('fk_session_meetings_data_key_id_data_keys'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_session_meetings_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_session_meetings_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_meetings')),
    sa.UniqueConstraint('session_id', name=op.f('uq_session_meetings_session_id')),
    sa.UniqueConstraint('uid', name=op.f('uq_session_meetings_uid'))
    )
    op.create_table('feedback_given',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_feedback_given_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_given')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_feedback_given_booking_id'))
    )
    op.create_table('feedback_stats',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('recommend', sa.String(length=6), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_feedback_stats_rating_range')),
    sa.CheckConstraint("recommend IN ('yes', 'no', 'unsure')", name=op.f('ck_feedback_stats_recommend_known')),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_feedback_stats_centre_id_centres'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_stats'))
    )
    with op.batch_alter_table('feedback_stats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_stats_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_stats_month'), ['month'], unique=False)

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=10), server_default='in_person', nullable=False))
        batch_op.add_column(sa.Column('meeting_url_template', sa.String(length=300), server_default='', nullable=False))
        batch_op.create_check_constraint("mode_known", MODES)

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=10), nullable=True))
        batch_op.create_check_constraint("mode_known", f"mode IS NULL OR {MODES}")


def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_constraint("mode_known", type_="check")
        batch_op.drop_column('mode')

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_constraint("mode_known", type_="check")
        batch_op.drop_column('meeting_url_template')
        batch_op.drop_column('mode')

    op.drop_table('feedback_stats')
    op.drop_table('feedback_given')
    op.drop_table('session_meetings')
    op.drop_table('counsellor_profiles')
