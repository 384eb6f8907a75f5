"""Item statistics of a round for its organisers: read the finished attempts, let domain.item_stats count,
and lay the figures out for the console page and the Excel/CSV download.

Counted: every submitted or expired attempt of the round that was not disqualified, of a contestant still
active. An attempt in progress is left out (its answers may still change).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from itertools import starmap

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select

from quizapp.domain import item_stats
from quizapp.domain.attempt_status import AttemptStatus
from quizapp.domain.errors import DomainError
from quizapp.domain.formats.cells import csv_row, save_xlsx
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AttemptQuestion, Question, QuestionOption, Registration, Round, Topic


@dataclass
class ItemRow:
    """One question's statistics with what the organiser needs to find it in the bank."""

    question_id: int
    text: str
    topic: str
    ref: str  # the bank's external id, or "#<id>"
    options: list[str]  # option texts in the bank's order
    stat: item_stats.ItemStat

    @property
    def flag_labels(self) -> list[str]:
        labels = [item_stats.FLAG_LABELS[f] for f in self.stat.flags]
        if self.stat.suspect:
            labels = [f"{label} ({self.stat.suspect})" if f == "key_suspect" else label
                      for f, label in zip(self.stat.flags, labels)]
        return labels


@dataclass
class RoundItems:
    round: Round
    summary: item_stats.RoundSummary
    rows: list[ItemRow]


def for_round(rnd: Round, flagged_only: bool = False) -> RoundItems:
    # Core rows straight from the connection: a big round has half a million of them.
    responses = list(starmap(item_stats.Response, db.session.connection().execute(
        select(AttemptQuestion.attempt_id, AttemptQuestion.question_id, Answer.option_id)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(Registration, Registration.id == Attempt.registration_id)
        .outerjoin(Answer, Answer.attempt_question_id == AttemptQuestion.id)
        .where(Attempt.round_id == rnd.id, Attempt.status != AttemptStatus.IN_PROGRESS,
               Attempt.disqualified.is_(False), Registration.status == "active")).all()))
    question_ids = {r.question for r in responses}
    options: dict[int, list[item_stats.ItemOption]] = {}
    texts: dict[int, list[str]] = {}
    if question_ids:
        for qid, oid, correct, text in db.session.execute(
                select(QuestionOption.question_id, QuestionOption.id, QuestionOption.is_correct, QuestionOption.text)
                .where(QuestionOption.question_id.in_(question_ids))
                .order_by(QuestionOption.question_id, QuestionOption.position)):
            options.setdefault(qid, []).append(item_stats.ItemOption(oid, correct))
            texts.setdefault(qid, []).append(text)
    summary = item_stats.compute(responses, options)
    info = {q.id: (q.text, topic, q.external_id) for q, topic in db.session.execute(
        select(Question, Topic.title).join(Topic, Topic.id == Question.topic_id).where(Question.id.in_(question_ids)))
    } if question_ids else {}
    rows = [ItemRow(s.question, info[s.question][0], info[s.question][1], info[s.question][2] or f"#{s.question}",
                    texts[s.question], s) for s in item_stats.ordered(summary.stats)]
    if flagged_only:
        rows = [r for r in rows if r.stat.needs_review]
    return RoundItems(rnd, summary, rows)


def get_round(contest_id: int, round_id: int) -> Round:
    rnd = db.session.get(Round, round_id)
    if rnd is None or rnd.contest_id != contest_id:
        raise DomainError("Không tìm thấy đợt thi.", "not_found")
    return rnd


# ---------------------------------------------------------------- the download

MAX_OPTIONS = 6
HEADERS = ["STT", "Mã câu hỏi", "Chủ đề", "Câu hỏi", "Đáp án", "Số lượt ra", "Số lượt trả lời", "Tỷ lệ đúng (%)",
           "Độ phân biệt (nhóm 27%)", "Hệ số tương quan điểm", "Bỏ trống (%)"]


def table(items: RoundItems) -> list[list]:
    """Header and one row per question: numbers as numbers (shares in per cent, one decimal)."""
    width = max([len(r.options) for r in items.rows] + [4])
    width = min(width, MAX_OPTIONS)
    labels = [item_stats.option_label(i) for i in range(width)]
    header = HEADERS + [f"Chọn {x} (%)" for x in labels] + [f"Nhóm cao chọn {x} (%)" for x in labels] + \
        [f"Nhóm thấp chọn {x} (%)" for x in labels] + ["Cảnh báo"] + [f"Phương án {x}" for x in labels]
    rows: list[list] = [header]
    for n, r in enumerate(items.rows, 1):
        s = r.stat
        opts = (s.options + [None] * width)[:width]
        key = next((o.label for o in s.options if o.is_correct), "")
        rows.append(
            [n, r.ref, r.topic, r.text, key, s.shown, s.answered, _pct(s.facility), _round(s.discrimination),
             _round(s.point_biserial), _pct(s.blank_share)]
            + [_pct(o.share) if o else "" for o in opts]
            + [_pct(o.upper_share) if o else "" for o in opts]
            + [_pct(o.lower_share) if o else "" for o in opts]
            + ["; ".join(r.flag_labels)] + (r.options + [""] * width)[:width])
    return rows


def _pct(value: float) -> float:
    return round(value * 100, 1)


def _round(value: float | None):
    return "" if value is None else round(value, 2)


def export(items: RoundItems, fmt: str) -> tuple[bytes, str]:
    stem = f"thong-ke-cau-hoi-dot-{items.round.number}"
    rows = table(items)
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(csv_row(row) for row in rows)
        return out.getvalue().encode("utf-8-sig"), f"{stem}.csv"
    if fmt != "xlsx":
        raise DomainError("Chỉ xuất được tệp .xlsx hoặc .csv.", "bad_format")
    wb = Workbook()
    ws = wb.active
    ws.title = "Thống kê câu hỏi"
    for row in rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["D"].width = 60
    ws.column_dimensions["C"].width = 24
    ws.freeze_panes = "E2"
    notes = wb.create_sheet("Cách đọc")
    for line in GUIDE:
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    return save_xlsx(wb), f"{stem}.xlsx"


GUIDE = [
    "Cách đọc bảng thống kê câu hỏi",
    "Tính trên các bài đã nộp (hoặc hết giờ) của đợt thi, không tính bài đang làm dở và thí sinh bị loại.",
    "Tỷ lệ đúng: số lượt trả lời đúng chia cho số lượt câu hỏi được ra; bỏ trống tính là sai.",
    "Độ phân biệt (nhóm 27%): tỷ lệ đúng của 27% bài điểm cao nhất trừ tỷ lệ đúng của 27% bài điểm thấp nhất "
    "(xếp theo điểm các câu còn lại của bài). Từ 0,3 trở lên là tốt; dưới 0,1 là phân biệt kém; âm là đáng ngờ.",
    "Hệ số tương quan điểm: tương quan giữa đúng/sai ở câu này và điểm các câu còn lại (điểm-nhị phân hiệu chỉnh).",
    "Nhóm cao/nhóm thấp chọn X: tỷ lệ chọn phương án X trong nhóm 27% điểm cao nhất / thấp nhất.",
    f"Cảnh báo chỉ được đưa ra khi câu hỏi được ra ít nhất {item_stats.MIN_SHOWN} lượt.",
    "«Có thể sai đáp án»: nhóm điểm cao chọn một phương án khác nhiều hơn đáp án — hãy kiểm tra lại đáp án "
    "và căn cứ của câu hỏi trước khi công bố kết quả.",
]
