"""whole-word search of the bank: search_text holds the folded words between spaces

Revision ID: c41e5a7d2b90
Revises: c3e7a1d2b9f4
Create Date: 2026-12-04 19:45:00

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa

revision = 'c41e5a7d2b90'
down_revision = 'c3e7a1d2b9f4'
branch_labels = None
depends_on = None

question = sa.table('question', sa.column('id', sa.Integer), sa.column('text', sa.Text),
                    sa.column('search_text', sa.Text))
_WORD = re.compile(r"[a-z0-9]+")


def _fold(value: str) -> str:
    # The same folding as quizapp.domain.text.fold_accents, frozen here so the migration never changes.
    decomposed = unicodedata.normalize("NFD", " ".join((value or "").split()).lower())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").replace("đ", "d")


def _rewrite(key) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(question.c.id, question.c.text)).all()
    for qid, text in rows:
        conn.execute(question.update().where(question.c.id == qid).values(search_text=key(text)))


def upgrade():
    _rewrite(lambda text: " " + " ".join(_WORD.findall(_fold(text))) + " ")


def downgrade():
    _rewrite(_fold)
