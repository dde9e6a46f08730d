"""courses: a maintained count of enrolled participants per event

Revision ID: courses_0002
Revises: courses_0001
Create Date: 2026-11-22 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "courses_0002"
down_revision = "courses_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("course_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrolled_count", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE course_events SET enrolled_count = (SELECT count(*) FROM course_enrollments "
        "WHERE course_enrollments.event_id = course_events.id AND course_enrollments.status = 'enrolled')"
    )


def downgrade():
    with op.batch_alter_table("course_events", schema=None) as batch_op:
        batch_op.drop_column("enrolled_count")
