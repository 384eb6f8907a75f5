"""Certificates: what a contestant downloads once a round's results are published, what anyone can verify by
its code, and the contestant's own history of contests, attempts and certificates.

Every ranked contestant of a published version has a certificate: of a prize for winners, of participation
for the others. Codes come from domain/certificates.py and are stored on the result entries when the version
is published (results.assign_certificate_codes); a version published before certificates existed gets its
codes the first time one of its certificates is asked for. A corrected version brings new codes; the old
ones still verify, saying which version replaced them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from quizapp.domain import certificates as words
from quizapp.domain.attempt_status import AttemptStatus
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Attempt, Contest, Registration, ResultEntry, ResultSet, Round
from quizapp.services import results

FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}
NOT_FOUND = ("Không tìm thấy giấy chứng nhận có mã này. Hãy kiểm tra lại mã in ở góc dưới bên trái giấy chứng nhận "
             "(12 chữ cái và chữ số, ví dụ ABCD-EFGH-JKLM).")


class CertificateError(DomainError):
    """No such certificate (or not the asker's): a Vietnamese message and a short code."""


@dataclass(frozen=True)
class Certificate:
    """One certificate as printed and verified: only what the public results already show, no personal data."""

    code: str
    organizer: str
    contest_title: str
    round_id: int
    round_name: str
    version: int
    status: str  # the version's: "published" (current) or "superseded"
    published_at: datetime
    full_name: str
    unit_name: str
    area_name: str
    track_name: str
    prize: str | None
    correct: int
    total: int
    score: float

    @property
    def outcome(self) -> str:
        return words.outcome_label(self.prize)

    @property
    def place(self) -> str:
        return self.unit_name or self.area_name

    @property
    def place_label(self) -> str:
        return "Đơn vị công tác" if self.unit_name else "Xã, phường"

    @property
    def display_code(self) -> str:
        return words.display_code(self.code)

    @property
    def is_current(self) -> bool:
        return self.status == results.PUBLISHED


def _certificate(entry: ResultEntry, result: ResultSet) -> Certificate:
    rnd = result.round
    return Certificate(entry.certificate_code, rnd.contest.organizer_name, rnd.contest.title, rnd.id, rnd.name,
                       result.version, result.status, result.published_at, entry.full_name, entry.unit_name,
                       entry.area_name, entry.track_name, entry.prize, entry.correct, entry.total, entry.score)


def _with_code(entry: ResultEntry, result: ResultSet) -> Certificate:
    """The entry's certificate, filling the version's codes first if it was published before certificates."""
    if entry.certificate_code is None:
        results.assign_certificate_codes(result)
        db.session.commit()
        db.session.refresh(entry)
    return _certificate(entry, result)


def _entry_of(user_id: int, result: ResultSet) -> ResultEntry | None:
    return db.session.scalar(select(ResultEntry).join(Registration, Registration.id == ResultEntry.registration_id)
                             .where(ResultEntry.result_set_id == result.id, Registration.user_id == user_id))


def current(user_id: int, round_id: int) -> Certificate | None:
    """The person's certificate in the round's published results, or None (not published, or not ranked)."""
    result = results.published(round_id)
    entry = _entry_of(user_id, result) if result is not None else None
    return _with_code(entry, result) if entry is not None else None


def _by_code(raw: str | None) -> tuple[ResultEntry, ResultSet]:
    code = words.normalize_code(raw)
    row = db.session.execute(select(ResultEntry, ResultSet).join(ResultSet, ResultSet.id == ResultEntry.result_set_id)
                             .where(ResultEntry.certificate_code == code,
                                    ResultSet.status.in_((results.PUBLISHED, results.SUPERSEDED)))).first() \
        if code else None
    if row is None:
        raise CertificateError(NOT_FOUND, "not_found")
    return row[0], row[1]


def for_owner(code: str, user_id: int) -> Certificate:
    """The certificate to download: the owner's own, in the current version (an old code gives the current one).

    Anyone else, or an owner no longer in the corrected results, is told it does not exist.
    """
    entry, result = _by_code(code)
    registration = db.session.get(Registration, entry.registration_id) if entry.registration_id else None
    if registration is None or registration.user_id != user_id:
        raise CertificateError(NOT_FOUND, "not_found")
    if result.status == results.PUBLISHED:
        return _certificate(entry, result)
    replacement = current(user_id, result.round_id)
    if replacement is None:
        raise CertificateError("Kết quả của đợt này đã được đính chính và bạn không còn trong danh sách xếp hạng, "
                               "nên giấy chứng nhận này không còn giá trị.", "not_found")
    return replacement


@dataclass(frozen=True)
class Verification:
    """What the public verification page says about a code."""

    certificate: Certificate
    current_version: int | None  # the round's published version when this one was replaced
    current_outcome: str | None  # the person's outcome in it; None when they are no longer ranked

    @property
    def is_current(self) -> bool:
        return self.certificate.is_current


def verify(code: str) -> Verification:
    """Check a certificate code typed by anyone; raises CertificateError (not_found) for an unknown code."""
    entry, result = _by_code(code)
    cert = _certificate(entry, result)
    if cert.is_current:
        return Verification(cert, None, None)
    now_published = results.published(result.round_id)
    if now_published is None:
        return Verification(cert, None, None)
    newer = db.session.scalar(select(ResultEntry).where(ResultEntry.result_set_id == now_published.id,
                                                        ResultEntry.registration_id == entry.registration_id)) \
        if entry.registration_id else None
    return Verification(cert, now_published.version, words.outcome_label(newer.prize) if newer else None)


# ---------------------------------------------------------------- the PDF

RED, INK, GREY = (160, 20, 20), (25, 25, 25), (90, 90, 90)


def render_pdf(cert: Certificate, verify_url: str, tz) -> bytes:
    """The certificate as one A4 landscape page (DejaVu Sans embedded). `verify_url` is the public page of its
    code; `tz` the display time zone for the publication date."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    for style, path in FONT_FILES.items():
        pdf.add_font("DejaVu", style, str(path))
    pdf.set_title(f"Giấy chứng nhận – {cert.full_name}")
    pdf.set_author(cert.organizer)
    pdf.set_subject(f"{cert.contest_title} – {cert.round_name}")
    pdf.set_creator("quizapp")
    pdf.set_lang("vi")
    pdf.set_auto_page_break(False)
    pdf.set_margins(25, 20, 25)
    pdf.add_page()
    _frame(pdf)
    _body(pdf, cert)
    _footer(pdf, cert, verify_url, cert.published_at.astimezone(tz).date())
    return bytes(pdf.output())


def _frame(pdf) -> None:
    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)


def _line(pdf, text: str, size: float, bold: bool = False, color=INK, height: float | None = None) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.set_text_color(*color)
    pdf.multi_cell(pdf.epw, height or size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")


def _body(pdf, cert: Certificate) -> None:
    pdf.set_y(22)
    _line(pdf, cert.organizer.upper(), 13, bold=True)
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.3)
    pdf.line(pdf.w / 2 - 25, pdf.get_y() + 2, pdf.w / 2 + 25, pdf.get_y() + 2)
    pdf.set_y(pdf.get_y() + 9)
    _line(pdf, "GIẤY CHỨNG NHẬN", 34, bold=True, color=RED, height=15)
    pdf.ln(4)
    _line(pdf, "Chứng nhận", 14)
    pdf.ln(1)
    _line(pdf, cert.full_name, 26, bold=True, height=13)
    if cert.place:
        _line(pdf, f"{cert.place_label}: {cert.place}", 13)
    pdf.ln(4)
    if cert.prize:
        _line(pdf, f"Đạt {cert.outcome}", 22, bold=True, color=RED, height=11)
        _line(pdf, f"Bảng {cert.track_name}", 12, color=GREY)
    else:
        _line(pdf, cert.outcome, 22, bold=True, color=RED, height=11)
    pdf.ln(2)
    _line(pdf, f"Cuộc thi trực tuyến “{cert.contest_title}”", 15, bold=True, height=7.5)
    _line(pdf, cert.round_name, 14)
    pdf.ln(1)
    _line(pdf, words.score_text(cert.correct, cert.total, cert.score), 12, color=GREY)


def _footer(pdf, cert: Certificate, verify_url: str, published_on) -> None:
    left, width, top = 25, 130, pdf.h - 52
    pdf.set_text_color(*INK)
    pdf.set_xy(pdf.w - left - width, top)
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(width, 6, words.long_date(published_on).capitalize(), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(width, 7, "BAN TỔ CHỨC CUỘC THI", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*GREY)
    pdf.cell(width, 5, f"Theo kết quả công bố (phiên bản {cert.version})", align="C")
    pdf.set_xy(left, top)
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(width, 6, f"Mã xác minh: {cert.display_code}", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*GREY)
    for text in ("Kiểm tra giấy chứng nhận tại:", verify_url,
                 "Giấy chứng nhận được cấp trực tuyến; có giá trị khi tra cứu đúng mã xác minh."):
        pdf.multi_cell(width, 4.5, text, align="L", new_x="LEFT", new_y="NEXT")


# ---------------------------------------------------------------- the contestant's history


@dataclass(frozen=True)
class RoundHistory:
    round: Round
    attempts: list[Attempt]  # finished ones, in order
    published: bool  # the round's results are published
    certificate: Certificate | None


@dataclass(frozen=True)
class ContestHistory:
    contest: Contest
    registration: Registration
    rounds: list[RoundHistory]  # rounds with an attempt, in order


def history(user_id: int) -> list[ContestHistory]:
    """Every contest the person registered for (newest first), with their finished attempts round by round and
    the certificate of each round whose results are published."""
    regs = db.session.scalars(select(Registration).where(Registration.user_id == user_id)
                              .order_by(Registration.created_at.desc(), Registration.id.desc())).all()
    if not regs:
        return []
    finished = db.session.scalars(select(Attempt).where(Attempt.registration_id.in_([r.id for r in regs]),
                                                        Attempt.status != AttemptStatus.IN_PROGRESS)
                                  .order_by(Attempt.round_id, Attempt.number)).all()
    by_round: dict[int, list[Attempt]] = {}
    for a in finished:
        by_round.setdefault(a.round_id, []).append(a)
    out = []
    for reg in regs:
        rounds = []
        for rnd in sorted(reg.contest.rounds, key=lambda r: (r.opens_at, r.number)):
            if rnd.id not in by_round:
                continue
            published = results.published(rnd.id) if rnd.is_ranked else None
            cert = current(user_id, rnd.id) if published is not None else None
            rounds.append(RoundHistory(rnd, by_round[rnd.id], published is not None, cert))
        out.append(ContestHistory(reg.contest, reg, rounds))
    return out
