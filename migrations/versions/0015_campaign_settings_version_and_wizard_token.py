"""campaign settings version (optimistic locking) and the wizard run's token

Revision ID: 0015
Revises: 0012
Create Date: 2026-11-29 20:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settings_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('wizard_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_campaigns_wizard_token'), ['wizard_token'])


def downgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_campaigns_wizard_token'), type_='unique')
        batch_op.drop_column('wizard_token')
        batch_op.drop_column('settings_version')
