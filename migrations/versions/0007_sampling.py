"""sampling: excluded papers and campaign samples (SPEC §8, `crosscheck sample`)

A paper outside a campaign's sample has status ``excluded`` (one more value of the
``paper_status`` VARCHAR + CHECK enum, so the CHECK is dropped and made again); the rules,
seed, author and time of each fixed sample are kept in ``campaign_samples``.

Downgrade: excluded papers go back to ``unassigned`` (the campaign is whole again) before the
old CHECK returns.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:42:34.634642
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('unassigned', 'marking', 'review', 'done')"
NEW_STATUSES = "status IN ('unassigned', 'marking', 'review', 'done', 'excluded')"


def upgrade() -> None:
    op.create_table('campaign_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('per_school', sa.Integer(), nullable=True),
    sa.Column('schools', sa.String(length=16), nullable=False),
    sa.Column('whole_schools', sa.JSON(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('papers', sa.Integer(), nullable=False),
    sa.Column('sampled', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("per_school IS NOT NULL OR schools <> ''", name=op.f('ck_campaign_samples_some_rule')),
    sa.CheckConstraint("schools IN ('', 'flagged', 'all', 'codes')", name=op.f('ck_campaign_samples_schools_known')),
    sa.CheckConstraint('per_school IS NULL OR per_school >= 1', name=op.f('ck_campaign_samples_per_school_positive')),
    sa.CheckConstraint('sampled >= 0 AND sampled <= papers', name=op.f('ck_campaign_samples_sampled_within_papers')),
    sa.CheckConstraint('seed >= 0', name=op.f('ck_campaign_samples_seed_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_samples_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaign_samples_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_samples'))
    )
    with op.batch_alter_table('campaign_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_samples_campaign_id'), ['campaign_id'], unique=False)

    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_papers_paper_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_papers_paper_status'), NEW_STATUSES)


def downgrade() -> None:
    op.execute("UPDATE papers SET status = 'unassigned' WHERE status = 'excluded'")
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_papers_paper_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_papers_paper_status'), OLD_STATUSES)

    with op.batch_alter_table('campaign_samples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_samples_campaign_id'))

    op.drop_table('campaign_samples')
