"""personal data requests: corrections of identity data and deletion (consent withdrawn), Decree 13/2023

Revision ID: 15340fbf12b6
Revises: c41e5a7d2b90
Create Date: 2026-12-04 19:46:53.890959

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '15340fbf12b6'
down_revision = 'c41e5a7d2b90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('correction','deletion')", name=op.f('ck_data_request_kind')),
    sa.CheckConstraint("status IN ('open','done')", name=op.f('ck_data_request_status')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_data_request_resolved_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_data_request_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_request'))
    )
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.create_index('ix_data_request_kind_status', ['kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_request_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_request_user_id'))
        batch_op.drop_index('ix_data_request_kind_status')

    op.drop_table('data_request')
