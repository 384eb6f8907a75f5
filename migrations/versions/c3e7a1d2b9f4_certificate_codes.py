"""certificates: a verification code on each ranked entry of a published result version

Revision ID: c3e7a1d2b9f4
Revises: f8c90a63d500
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e7a1d2b9f4'
down_revision = 'f8c90a63d500'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('result_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_code', sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_result_entry_certificate_code'), ['certificate_code'])


def downgrade():
    with op.batch_alter_table('result_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_result_entry_certificate_code'), type_='unique')
        batch_op.drop_column('certificate_code')
