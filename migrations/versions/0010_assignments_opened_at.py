"""assignments.opened_at: when the marker first opened the paper (time per paper, docs/experts.md).

Numbered 0010 while another branch holds 0009: re-point ``down_revision`` to the 0009 that
lands first at merge.

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-29 18:14:20.221042
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('opened_at')
