"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 11:35:59.868864
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reviewed by hand: every constraint is named by the metadata convention.
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=100), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_login'), ['login'], unique=False)

    op.create_table('schools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('municipality', sa.String(length=200), nullable=False),
    sa.CheckConstraint("code <> ''", name=op.f('ck_schools_code_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schools')),
    sa.UniqueConstraint('code', name=op.f('uq_schools_code'))
    )
    op.create_table('subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subjects')),
    sa.UniqueConstraint('name', name=op.f('uq_subjects_name'))
    )
    op.create_table('paper_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('grade_level', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('grade3_min', sa.Integer(), nullable=False),
    sa.Column('grade4_min', sa.Integer(), nullable=False),
    sa.Column('grade5_min', sa.Integer(), nullable=False),
    sa.Column('masks', sa.JSON(), nullable=False),
    sa.Column('task_threshold', sa.Integer(), nullable=False),
    sa.Column('total_threshold', sa.Integer(), nullable=False),
    sa.Column('grade_change', sa.Boolean(), nullable=False),
    sa.Column('double_tolerance', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('0 <= grade3_min AND grade3_min < grade4_min AND grade4_min < grade5_min', name=op.f('ck_paper_templates_grades_increasing')),
    sa.CheckConstraint('pages >= 1', name=op.f('ck_paper_templates_pages_positive')),
    sa.CheckConstraint('task_threshold >= 1 AND total_threshold >= 1 AND double_tolerance >= 0', name=op.f('ck_paper_templates_thresholds_valid')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_paper_templates_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_templates')),
    sa.UniqueConstraint('name', name=op.f('uq_paper_templates_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=100), nullable=False),
    sa.Column('full_name', sa.String(length=300), nullable=False),
    sa.Column('role', sa.Enum('organiser', 'expert', 'reviewer', 'observer', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("login <> ''", name=op.f('ck_users_login_not_empty')),
    sa.CheckConstraint("role IN ('organiser', 'observer') OR school_id IS NOT NULL", name=op.f('ck_users_teacher_has_school')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_users_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('login', name=op.f('uq_users_login'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_school_id'), ['school_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('per_paper', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('preparing', 'marking', 'closed', name='campaign_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('exclude_same_municipality', sa.Boolean(), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("slug <> ''", name=op.f('ck_campaigns_slug_not_empty')),
    sa.CheckConstraint('per_paper IN (1, 2)', name=op.f('ck_campaigns_per_paper_one_or_two')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaigns_created_by_id_users')),
    sa.ForeignKeyConstraint(['template_id'], ['paper_templates.id'], name=op.f('fk_campaigns_template_id_paper_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('slug', name=op.f('uq_campaigns_slug'))
    )
    op.create_table('conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_conflicts_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conflicts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflicts')),
    sa.UniqueConstraint('user_id', 'school_id', name=op.f('uq_conflicts_user_id_school_id'))
    )
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflicts_school_id'), ['school_id'], unique=False)

    op.create_table('template_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=32), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.CheckConstraint('max_score >= 1', name=op.f('ck_template_tasks_max_positive')),
    sa.ForeignKeyConstraint(['template_id'], ['paper_templates.id'], name=op.f('fk_template_tasks_template_id_paper_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_tasks')),
    sa.UniqueConstraint('id', 'max_score', name='uq_template_tasks_id_max'),
    sa.UniqueConstraint('template_id', 'label', name=op.f('uq_template_tasks_template_id_label')),
    sa.UniqueConstraint('template_id', 'position', name=op.f('uq_template_tasks_template_id_position'))
    )
    op.create_table('user_subjects',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_user_subjects_subject_id_subjects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_subjects_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'subject_id', name=op.f('pk_user_subjects'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_audit_events_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('papers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('participant_code', sa.String(length=64), nullable=False),
    sa.Column('class_name', sa.String(length=32), nullable=False),
    sa.Column('variant', sa.String(length=32), nullable=False),
    sa.Column('cipher', sa.String(length=32), nullable=False),
    sa.Column('original_marker_id', sa.Integer(), nullable=True),
    sa.Column('original_marker_name', sa.String(length=300), nullable=False),
    sa.Column('journal_mark', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('unassigned', 'marking', 'review', 'done', name='paper_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("participant_code <> ''", name=op.f('ck_papers_participant_code_not_empty')),
    sa.CheckConstraint('journal_mark IS NULL OR journal_mark BETWEEN 2 AND 5', name=op.f('ck_papers_journal_mark_range')),
    sa.CheckConstraint('length(cipher) >= 8', name=op.f('ck_papers_cipher_long_enough')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_papers_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['original_marker_id'], ['users.id'], name=op.f('fk_papers_original_marker_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_papers_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_papers')),
    sa.UniqueConstraint('campaign_id', 'school_id', 'participant_code', name=op.f('uq_papers_campaign_id_school_id_participant_code')),
    sa.UniqueConstraint('cipher', name=op.f('uq_papers_cipher'))
    )
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_papers_original_marker_id'), ['original_marker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_papers_school_id'), ['school_id'], unique=False)

    op.create_table('scan_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_path', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='batch_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('pages_total', sa.Integer(), nullable=False),
    sa.Column('pages_done', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('pages_done >= 0 AND pages_done <= pages_total OR pages_total = 0', name=op.f('ck_scan_batches_progress_valid')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_scan_batches_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_scan_batches_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_batches')),
    sa.UniqueConstraint('campaign_id', 'sha256', name=op.f('uq_scan_batches_campaign_id_sha256'))
    )
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('recheck', 'review', name='assignment_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('assigned', 'in_progress', 'submitted', 'superseded', name='assignment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('problem', sa.Enum('page_missing', 'unreadable', 'wrong_subject', 'other', name='problem_kind', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('problem_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'submitted') = (submitted_at IS NOT NULL)", name=op.f('ck_assignments_submitted_iff_time')),
    sa.CheckConstraint("(status = 'superseded') = (superseded_at IS NOT NULL)", name=op.f('ck_assignments_superseded_iff_time')),
    sa.CheckConstraint("kind = 'review' OR round IN (1, 2)", name=op.f('ck_assignments_recheck_round_one_or_two')),
    sa.CheckConstraint('round >= 1', name=op.f('ck_assignments_round_positive')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_assignments_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assignments_created_by_id_users')),
    sa.ForeignKeyConstraint(['expert_id'], ['users.id'], name=op.f('fk_assignments_expert_id_users')),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_assignments_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_paper_id'), ['paper_id'], unique=False)
        batch_op.create_index('uq_assignments_live_round', ['paper_id', 'kind', 'round'], unique=True, sqlite_where=sa.text("status <> 'superseded'"), postgresql_where=sa.text("status <> 'superseded'"))

    op.create_table('original_scores',
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('attempted', sa.Boolean(), nullable=False),
    sa.CheckConstraint('attempted OR score = 0', name=op.f('ck_original_scores_not_attempted_is_zero')),
    sa.CheckConstraint('score >= 0 AND score <= max_score', name=op.f('ck_original_scores_score_in_range')),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_original_scores_paper_id_papers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id', 'max_score'], ['template_tasks.id', 'template_tasks.max_score'], name='fk_original_scores_task_max'),
    sa.PrimaryKeyConstraint('paper_id', 'task_id', name=op.f('pk_original_scores'))
    )
    op.create_table('pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('paper_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('source_index', sa.Integer(), nullable=False),
    sa.Column('original_sha256', sa.String(length=64), nullable=False),
    sa.Column('masked_sha256', sa.String(length=64), nullable=True),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('rotation', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('placed', 'unidentified', 'discarded', name='page_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'placed') = (paper_id IS NOT NULL AND position IS NOT NULL AND masked_sha256 IS NOT NULL)", name=op.f('ck_pages_placed_iff_paper_and_position')),
    sa.CheckConstraint('position IS NULL OR position >= 1', name=op.f('ck_pages_position_positive')),
    sa.CheckConstraint('rotation IN (0, 90, 180, 270)', name=op.f('ck_pages_rotation_valid')),
    sa.ForeignKeyConstraint(['batch_id'], ['scan_batches.id'], name=op.f('fk_pages_batch_id_scan_batches')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_pages_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_pages_paper_id_papers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pages'))
    )
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pages_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pages_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pages_paper_id'), ['paper_id'], unique=False)
        batch_op.create_index('uq_pages_paper_position_placed', ['paper_id', 'position'], unique=True, sqlite_where=sa.text("status = 'placed'"), postgresql_where=sa.text("status = 'placed'"))

    op.create_table('task_scores',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= max_score', name=op.f('ck_task_scores_score_in_range')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_task_scores_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id', 'max_score'], ['template_tasks.id', 'template_tasks.max_score'], name='fk_task_scores_task_max'),
    sa.PrimaryKeyConstraint('assignment_id', 'task_id', name=op.f('pk_task_scores'))
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    # Reviewed by hand: every constraint is named by the metadata convention.
    op.drop_table('task_scores')
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index('uq_pages_paper_position_placed', sqlite_where=sa.text("status = 'placed'"), postgresql_where=sa.text("status = 'placed'"))
        batch_op.drop_index(batch_op.f('ix_pages_paper_id'))
        batch_op.drop_index(batch_op.f('ix_pages_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_pages_batch_id'))

    op.drop_table('pages')
    op.drop_table('original_scores')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_assignments_live_round', sqlite_where=sa.text("status <> 'superseded'"), postgresql_where=sa.text("status <> 'superseded'"))
        batch_op.drop_index(batch_op.f('ix_assignments_paper_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_expert_id'))

    op.drop_table('assignments')
    op.drop_table('scan_batches')
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_papers_school_id'))
        batch_op.drop_index(batch_op.f('ix_papers_original_marker_id'))

    op.drop_table('papers')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    op.drop_table('user_subjects')
    op.drop_table('template_tasks')
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflicts_school_id'))

    op.drop_table('conflicts')
    op.drop_table('campaigns')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_school_id'))

    op.drop_table('users')
    op.drop_table('paper_templates')
    op.drop_table('subjects')
    op.drop_table('schools')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_login'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_at'))

    op.drop_table('login_attempts')
    # ### end Alembic commands ###
