"""assignments.opened_at (the first opening: time per paper) and assignments.submitted_scores
(the submitted set, one byte a task, for the per-expert statistics; docs/experts.md).

Work submitted before this revision keeps NULL in both: readers fall
back to the score rows and leave its time out.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 18:28:28.585337
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('submitted_scores', sa.LargeBinary(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_assignments_scores_copy_only_when_submitted'),
                                         "submitted_scores IS NULL OR status = 'submitted'")


def downgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assignments_scores_copy_only_when_submitted'), type_='check')
        batch_op.drop_column('submitted_scores')
        batch_op.drop_column('opened_at')
