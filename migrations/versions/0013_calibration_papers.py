"""calibration papers: references with their keys, blind copies, the campaign's rate, pauses

``calibration_papers`` holds the reference papers and their keys (docs/experts.md,
«Calibration papers»). A blind copy given to an expert is an assignment of the new kind
``calibration``: every reader that counts rechecks already filters ``kind = 'recheck'``, so
a copy never counts as one. Kinds are VARCHAR + a named CHECK (no PostgreSQL enum type to
alter): the CHECK is replaced. Many experts hold copies of one paper, so the one-live-slot
index leaves calibration out and a second index keeps one live copy per (paper, expert).
``campaigns.calibration_rate``/``calibration_first`` are the organiser's rate (0: off) and
the copies each expert gets first; ``campaign_experts.paused_*`` a pause until a talk.
``assignments.copy_cipher``: a copy's own cipher, shown to its expert instead of the paper's.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 20:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('recheck', 'review')"
NEW_KINDS = "kind IN ('recheck', 'review', 'calibration')"
LIVE = "status <> 'superseded'"
LIVE_SLOT = "status <> 'superseded' AND kind <> 'calibration'"
LIVE_CALIBRATION = "status <> 'superseded' AND kind = 'calibration'"


def upgrade() -> None:
    op.create_table('calibration_papers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('key_scores', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_calibration_papers_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_calibration_papers_paper_id_papers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_calibration_papers_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_papers')),
    sa.UniqueConstraint('paper_id', name=op.f('uq_calibration_papers_paper_id'))
    )
    with op.batch_alter_table('calibration_papers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_papers_campaign_id'), ['campaign_id'], unique=False)

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calibration_rate', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('calibration_first', sa.Integer(), server_default='2', nullable=False))
        batch_op.create_check_constraint(op.f('ck_campaigns_calibration_not_negative'),
                                         'calibration_rate >= 0 AND calibration_first >= 0')

    with op.batch_alter_table('campaign_experts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paused_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pause_note', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_campaign_experts_paused_by_id_users'), 'users',
                                    ['paused_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('copy_cipher', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_assignments_copy_cipher'), ['copy_cipher'])
        batch_op.drop_constraint(op.f('ck_assignments_assignment_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_assignments_assignment_kind'), NEW_KINDS)
        batch_op.create_check_constraint(op.f('ck_assignments_copy_cipher_iff_calibration'),
                                         "(kind = 'calibration') = (copy_cipher IS NOT NULL)")
        batch_op.drop_index('uq_assignments_live_round')
        batch_op.create_index('uq_assignments_live_round', ['paper_id', 'kind', 'round'], unique=True,
                              sqlite_where=sa.text(LIVE_SLOT), postgresql_where=sa.text(LIVE_SLOT))
        batch_op.create_index('uq_assignments_live_calibration', ['paper_id', 'expert_id'], unique=True,
                              sqlite_where=sa.text(LIVE_CALIBRATION), postgresql_where=sa.text(LIVE_CALIBRATION))


def downgrade() -> None:
    op.execute("DELETE FROM assignments WHERE kind = 'calibration'")
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_assignments_live_calibration')
        batch_op.drop_index('uq_assignments_live_round')
        batch_op.create_index('uq_assignments_live_round', ['paper_id', 'kind', 'round'], unique=True,
                              sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
        batch_op.drop_constraint(op.f('ck_assignments_copy_cipher_iff_calibration'), type_='check')
        batch_op.drop_constraint(op.f('ck_assignments_assignment_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_assignments_assignment_kind'), OLD_KINDS)
        batch_op.drop_constraint(batch_op.f('uq_assignments_copy_cipher'), type_='unique')
        batch_op.drop_column('copy_cipher')

    with op.batch_alter_table('campaign_experts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaign_experts_paused_by_id_users'), type_='foreignkey')
        batch_op.drop_column('pause_note')
        batch_op.drop_column('paused_by_id')
        batch_op.drop_column('paused_at')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_calibration_not_negative'), type_='check')
        batch_op.drop_column('calibration_first')
        batch_op.drop_column('calibration_rate')

    with op.batch_alter_table('calibration_papers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_papers_campaign_id'))

    op.drop_table('calibration_papers')
