"""live contest: sessions, players, answers

Revision ID: c9016866b08b
Revises: 15340fbf12b6
Create Date: 2026-12-08 00:42:58.336045

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9016866b08b'
down_revision = '15340fbf12b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('join_code', sa.String(length=8), nullable=False),
    sa.Column('scoring_rule', sa.String(length=16), nullable=False),
    sa.Column('base_points', sa.Integer(), nullable=False),
    sa.Column('seconds_per_question', sa.Integer(), nullable=False),
    sa.Column('team_mode', sa.Boolean(), nullable=False),
    sa.Column('teams', sa.JSON(), nullable=False),
    sa.Column('max_team_members', sa.Integer(), nullable=True),
    sa.Column('require_account', sa.Boolean(), nullable=False),
    sa.Column('question_ids', sa.JSON(), nullable=False),
    sa.Column('tiebreak_ids', sa.JSON(), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('remaining_ms', sa.BigInteger(), nullable=True),
    sa.Column('sudden_deaths', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=True),
    sa.Column('public_csv', sa.LargeBinary(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("phase IN ('lobby','question','reveal','scoreboard','final')", name=op.f('ck_live_session_phase')),
    sa.CheckConstraint("scoring_rule IN ('fixed','speed')", name=op.f('ck_live_session_scoring_rule')),
    sa.CheckConstraint('seconds_per_question > 0', name=op.f('ck_live_session_seconds')),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_live_session_contest_id_contest'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_live_session_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_live_session_published_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_session')),
    sa.UniqueConstraint('join_code', name=op.f('uq_live_session_join_code'))
    )
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_session_contest_id'), ['contest_id'], unique=False)

    op.create_table('live_player',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=60), nullable=False),
    sa.Column('name_key', sa.String(length=60), nullable=False),
    sa.Column('team', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_live_player_session_id_live_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_live_player_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_player')),
    sa.UniqueConstraint('session_id', 'name_key', name=op.f('uq_live_player_session_id_name_key')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_live_player_token_hash'))
    )
    op.create_table('live_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('elapsed_ms', sa.BigInteger(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.CheckConstraint('elapsed_ms >= 0', name=op.f('ck_live_answer_elapsed')),
    sa.ForeignKeyConstraint(['option_id'], ['question_option.id'], name=op.f('fk_live_answer_option_id_question_option'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['player_id'], ['live_player.id'], name=op.f('fk_live_answer_player_id_live_player'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_live_answer_question_id_question'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_live_answer_session_id_live_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_answer')),
    sa.UniqueConstraint('player_id', 'position', name=op.f('uq_live_answer_player_id_position'))
    )
    with op.batch_alter_table('live_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_answer_session_id'), ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('live_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_answer_session_id'))

    op.drop_table('live_answer')
    op.drop_table('live_player')
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_session_contest_id'))

    op.drop_table('live_session')
