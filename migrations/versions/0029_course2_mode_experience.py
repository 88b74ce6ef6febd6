"""a booking event's session mode in the statistics rows (access per mode); a course's
discharge answers, sealed, when the worker lets their counsellor see them

Revision ID: 0029_course2_mode_experience
Revises: 0028_course_measures
Create Date: 2026-12-01 01:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_course2_mode_experience'
down_revision = '0028_course_measures'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activity_stats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=10), server_default='',
                                      nullable=False))
    with op.batch_alter_table('care_courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('experience_ct', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('care_courses', schema=None) as batch_op:
        batch_op.drop_column('experience_ct')
    with op.batch_alter_table('activity_stats', schema=None) as batch_op:
        batch_op.drop_column('mode')
