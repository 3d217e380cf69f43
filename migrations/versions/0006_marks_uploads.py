"""marks uploads: results forms checked (preview) before the organiser confirms the import

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:23:07.292328
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('marks_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('stored_path', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('school_code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('queued', 'checking', 'ready', 'rejected', 'importing', 'imported', 'failed', 'cancelled', name='upload_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('preview', sa.JSON(), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('job_id', sa.String(length=64), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_marks_uploads_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_marks_uploads_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_marks_uploads_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marks_uploads'))
    )
    with op.batch_alter_table('marks_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marks_uploads_campaign_id'), ['campaign_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('marks_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marks_uploads_campaign_id'))

    op.drop_table('marks_uploads')
