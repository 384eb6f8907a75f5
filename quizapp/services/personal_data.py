"""A person's own data (Decree 13/2023/NĐ-CP): see and download everything held about them, correct it,
withdraw consent and ask for deletion; anonymisation once results are final.

What is shown of reviews: that a review took place and its outcome, never the organisers' notes nor who decided.
Audit entries about the person: what was done and when, by "you", "the organisers" or "the system" (no staff
names). Published results keep the name as published (the frozen CSV, its digest and the certificates stay
verifiable); Decree 13 allows keeping data already made public lawfully, and the page says so.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from quizapp.domain import identity
from quizapp.domain import personal_data as rules
from quizapp.domain.attempt_status import ATTEMPT_STATUS_LABELS, AttemptStatus
from quizapp.domain.errors import DomainError
from quizapp.domain.formats import roster
from quizapp.domain.prizes import PRIZE_LABELS
from quizapp.domain.review import FLAG_LABELS
from quizapp.extensions import db
from quizapp.models import (
    Answer,
    Attempt,
    AuditLog,
    Contest,
    DataRequest,
    DuplicateCandidate,
    EntryReview,
    OneTimeToken,
    Registration,
    ResultEntry,
    ResultSet,
    ReviewFlag,
    Round,
    User,
)
from quizapp.services import access as access_rules
from quizapp.services import audit, integrity, registration, results

FLAG_OUTCOMES = {"open": "Đang xem xét", "cleared": "Không có vi phạm", "confirmed": "Ban Tổ chức xác nhận có dấu hiệu"}
DUPLICATE_OUTCOMES = {"open": "Đang xem xét", "merged": "Đã gộp, chỉ giữ một bài dự thi",
                      "disqualified": "Đã loại bài dự thi trùng", "cleared": "Không phải trùng người"}
ENTRY_REVIEW_OUTCOMES = {"accepted": "Được chấp nhận", "disqualified": "Không được tính"}
SYSTEM = "Hệ thống (flask contestants anonymise-requested)"


class PersonalDataError(DomainError):
    """A request about one's own data that cannot be done (Vietnamese message); `field` names the form field."""

    def __init__(self, message: str, code: str, field: str = ""):
        super().__init__(message, code)
        self.field = field


# ---------------------------------------------------------------- what is held


def _iso(value) -> str | None:
    """ISO 8601 in Vietnam's time (+07:00) for datetimes, plain ISO for dates."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(results.display_tz()).isoformat(timespec="seconds")
    return value.isoformat()


def _regs(user_id: int) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(Registration.user_id == user_id)
                                   .order_by(Registration.created_at, Registration.id)))


def export(user_id: int, now: datetime) -> dict:
    """Everything held about the account, as plain JSON-ready values (the page, the downloads and the API)."""
    user = db.session.get(User, user_id)
    regs = _regs(user_id)
    reg_ids = [r.id for r in regs]
    return {
        "generated_at": _iso(now),
        "account": _account(user),
        "registrations": [_registration(r) for r in regs],
        "attempts": _attempts(reg_ids),
        "reviews": _reviews(reg_ids),
        "published_results": _published(reg_ids),
        "requests": [_request(r) for r in requests_of(user_id)],
        "audit": _audit(user_id, reg_ids),
    }


def _account(user: User) -> dict:
    return {"full_name": user.full_name, "cccd": user.cccd, "phone": user.phone, "email": user.email,
            "birth_date": _iso(user.birth_date), "gender": rules.GENDER_LABELS.get(user.gender or "", None),
            "created_at": _iso(user.created_at), "active": user.is_active_account}


def _registration(reg: Registration) -> dict:
    category = registration.resolve_category(reg.contest, reg.category)
    return {"contest": reg.contest.title, "organizer": reg.contest.organizer_name,
            "track": reg.track.name if reg.track else None, "category": category.label if category else reg.category,
            "unit": reg.unit.name if reg.unit else None, "area": reg.area.name if reg.area else None,
            "status": "Bị loại" if reg.status == "disqualified" else "Đang dự thi",
            "status_reason": reg.status_reason or None, "consented_at": _iso(reg.consented_at),
            "registered_at": _iso(reg.created_at), "registered_ip": reg.registered_ip or None,
            "device_id": reg.device_id or None}


def _attempts(reg_ids: list[int]) -> list[dict]:
    if not reg_ids:
        return []
    rows = db.session.execute(select(Attempt, Round, Contest).join(Round, Attempt.round_id == Round.id)
                              .join(Contest, Round.contest_id == Contest.id)
                              .where(Attempt.registration_id.in_(reg_ids))
                              .order_by(Attempt.started_at, Attempt.id)).all()
    answered = dict(db.session.execute(select(Answer.attempt_id, func.count()).where(
        Answer.attempt_id.in_([a.id for a, _, _ in rows])).group_by(Answer.attempt_id)).all()) if rows else {}
    done = lambda a: a.status != AttemptStatus.IN_PROGRESS  # noqa: E731  (no score is shown before submission)
    return [{"contest": c.title, "round": r.name, "number": a.number, "status": ATTEMPT_STATUS_LABELS[a.status],
             "started_at": _iso(a.started_at), "submitted_at": _iso(a.submitted_at),
             "correct": a.correct if done(a) else None, "total": a.total, "score": a.score if done(a) else None,
             "duration_seconds": round(a.duration_ms / 1000, 1) if done(a) and a.duration_ms is not None else None,
             "prediction": a.prediction, "counted": not a.disqualified, "answers": answered.get(a.id, 0),
             "client_ip": a.client_ip or None}
            for a, r, c in rows]


def _reviews(reg_ids: list[int]) -> list[dict]:
    """That a review took place and how it ended; never the organisers' notes, details or names."""
    if not reg_ids:
        return []
    out = []
    titles = dict(db.session.execute(select(Contest.id, Contest.title)).all())
    flags = db.session.scalars(select(ReviewFlag).where(or_(ReviewFlag.registration_id.in_(reg_ids),
                                                            ReviewFlag.other_registration_id.in_(reg_ids))))
    for f in flags:
        rnd = f.attempt.round.name if f.attempt is not None else None
        out.append({"contest": titles.get(f.contest_id), "round": rnd, "what": FLAG_LABELS.get(f.kind, f.kind),
                    "found_at": _iso(f.found_at), "outcome": FLAG_OUTCOMES[f.status], "decided_at": _iso(f.resolved_at)})
    dups = db.session.scalars(select(DuplicateCandidate).where(or_(DuplicateCandidate.registration_a_id.in_(reg_ids),
                                                                   DuplicateCandidate.registration_b_id.in_(reg_ids))))
    for d in dups:
        out.append({"contest": titles.get(d.contest_id), "round": None,
                    "what": "Có thể trùng người với một bài dự thi khác", "found_at": _iso(d.found_at),
                    "outcome": DUPLICATE_OUTCOMES[d.status], "decided_at": _iso(d.resolved_at)})
    reviews = db.session.execute(select(EntryReview, Round).join(Round, EntryReview.round_id == Round.id)
                                 .where(EntryReview.registration_id.in_(reg_ids))).all()
    for e, rnd in reviews:
        out.append({"contest": titles.get(rnd.contest_id), "round": rnd.name,
                    "what": "Xem xét bài thi trước khi công bố kết quả", "found_at": None,
                    "outcome": ENTRY_REVIEW_OUTCOMES[e.decision], "decided_at": _iso(e.reviewed_at)})
    return sorted(out, key=lambda r: r["decided_at"] or r["found_at"] or "")


def _published(reg_ids: list[int]) -> list[dict]:
    if not reg_ids:
        return []
    rows = db.session.execute(
        select(ResultEntry, ResultSet, Round, Contest).join(ResultSet, ResultEntry.result_set_id == ResultSet.id)
        .join(Round, ResultSet.round_id == Round.id).join(Contest, Round.contest_id == Contest.id)
        .where(ResultEntry.registration_id.in_(reg_ids), ResultSet.status.in_(("published", "superseded")))
        .order_by(ResultSet.published_at, ResultSet.id)).all()
    return [{"contest": c.title, "round": r.name, "version": s.version, "current": s.status == "published",
             "published_at": _iso(s.published_at), "name_as_published": e.full_name, "track": e.track_name,
             "rank": e.rank, "prize": PRIZE_LABELS.get(e.prize or "", None), "correct": e.correct, "total": e.total,
             "certificate_code": e.certificate_code}
            for e, s, r, c in rows]


def _request(req: DataRequest) -> dict:
    return {"kind": rules.REQUEST_KIND_LABELS[req.kind],
            "fields": [rules.CORRECTION_FIELDS.get(f, f) for f in req.fields or []], "message": req.message or None,
            "created_at": _iso(req.created_at), "status": rules.REQUEST_STATUS_LABELS[req.status],
            "resolved_at": _iso(req.resolved_at)}


def _audit(user_id: int, reg_ids: list[int]) -> list[dict]:
    """What was done about the person, by whom in general terms: no staff names, no values."""
    cond = AuditLog.subject_user_id == user_id
    if reg_ids:
        cond = or_(cond, AuditLog.registration_id.in_(reg_ids))
    titles = dict(db.session.execute(select(Contest.id, Contest.title)).all())
    rows = db.session.scalars(select(AuditLog).where(cond).order_by(AuditLog.at, AuditLog.id))
    return [{"at": _iso(row.at), "action": audit.ACTION_LABELS.get(row.action, row.action),
             "contest": titles.get(row.contest_id),
             "by": "Bạn" if row.actor_id == user_id else "Hệ thống" if row.actor_id is None else "Ban Tổ chức"}
            for row in rows]


def to_xlsx(data: dict) -> bytes:
    return rules.to_xlsx(data)


def requests_of(user_id: int) -> list[DataRequest]:
    return list(db.session.scalars(select(DataRequest).where(DataRequest.user_id == user_id)
                                   .order_by(DataRequest.created_at, DataRequest.id)))


def deletion_request(user_id: int) -> DataRequest | None:
    """The person's request to withdraw consent and delete their data, if they made one."""
    return db.session.scalar(select(DataRequest).where(DataRequest.user_id == user_id,
                                                       DataRequest.kind == "deletion").limit(1))


def consent_withdrawn(user_id: int) -> bool:
    return db.session.scalar(select(DataRequest.id).where(DataRequest.user_id == user_id,
                                                          DataRequest.kind == "deletion").limit(1)) is not None


# ---------------------------------------------------------------- the person's own requests


def _log(action: str, user: User, now: datetime, after: dict | None = None, reason: str = "",
         actor: User | None = None, actor_name: str = "") -> None:
    """One log entry per contest the person entered (so each contest's log shows it), or one without a contest.
    Never the values: only which fields."""
    regs = _regs(user.id)
    for reg in regs or [None]:
        audit.record(action, actor, now, registration=reg, subject_user_id=user.id, after=after, reason=reason,
                     actor_name=actor_name)


def update_contact(user_id: int, email: str, phone: str, now: datetime) -> list[str]:
    """The owner corrects their e-mail and phone (checked and normalised as at registration); the changed fields."""
    user = db.session.scalar(select(User).where(User.id == user_id).with_for_update())
    try:
        new_phone = identity.normalize_phone(phone)
    except DomainError as e:
        raise PersonalDataError(e.message, e.code, "phone") from None
    new_email = (email or "").strip() or None
    if new_email and not roster.EMAIL.match(new_email):
        raise PersonalDataError("Email không hợp lệ (ví dụ: ten@example.vn).", "invalid_email", "email")
    if db.session.scalar(select(User.id).where(User.phone == new_phone, User.id != user.id)):
        raise PersonalDataError("Số điện thoại này đã được dùng cho một tài khoản khác. Mỗi số điện thoại chỉ dùng "
                                "cho một tài khoản.", "phone_taken", "phone")
    if new_email and db.session.scalar(select(User.id).where(func.lower(User.email) == new_email.lower(),
                                                             User.id != user.id)):
        raise PersonalDataError("Email này đã được dùng cho một tài khoản khác. Mỗi email chỉ dùng cho một tài khoản.",
                                "email_taken", "email")
    changed = [name for name, value in (("email", new_email), ("phone", new_phone)) if getattr(user, name) != value]
    if not changed:
        db.session.rollback()
        raise PersonalDataError("Không có thông tin nào thay đổi.", "unchanged")
    user.email, user.phone = new_email, new_phone
    _log("contact.update", user, now, after={"_changed": changed}, reason="Người dự thi tự sửa", actor=user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise PersonalDataError("Số điện thoại này vừa được dùng cho một tài khoản khác.", "phone_taken",
                                "phone") from None
    return changed


def request_correction(user_id: int, fields: list[str], message: str, now: datetime) -> DataRequest:
    """Ask the organisers to correct name, CCCD, birth date or gender (they check identity, so they apply it)."""
    fields = [f for f in rules.CORRECTION_FIELDS if f in (fields or [])]
    message = " ".join((message or "").split())
    if not fields:
        raise PersonalDataError("Vui lòng chọn thông tin cần sửa.", "fields_required", "fields")
    if len(message) < 5:
        raise PersonalDataError("Vui lòng ghi thông tin đúng và lý do cần sửa.", "message_required", "message")
    user = db.session.get(User, user_id)
    req = DataRequest(user_id=user_id, kind="correction", fields=fields, message=message[:2000], created_at=now)
    db.session.add(req)
    _log("privacy.correction_request", user, now, after={"fields": fields}, actor=user,
         reason="Người dự thi đề nghị sửa thông tin cá nhân")
    db.session.commit()
    return req


def request_deletion(user_id: int, confirmed: bool, now: datetime) -> DataRequest:
    """Withdraw consent and ask for deletion: no new attempt from now on; anonymised once results are final."""
    if not confirmed:
        raise PersonalDataError("Vui lòng đánh dấu ô xác nhận nếu bạn chắc chắn muốn rút lại sự đồng ý.",
                                "confirm_required", "confirm")
    user = db.session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user.is_staff:
        raise PersonalDataError("Tài khoản cán bộ không gửi yêu cầu này ở đây. Vui lòng liên hệ quản trị viên "
                                "hệ thống.", "staff_account")
    existing = deletion_request(user_id)
    if existing is not None:
        return existing
    req = DataRequest(user_id=user_id, kind="deletion", created_at=now)
    db.session.add(req)
    _log("privacy.deletion_request", user, now, actor=user,
         reason="Người dự thi rút lại sự đồng ý và đề nghị xóa dữ liệu cá nhân")
    db.session.commit()
    return req


# ---------------------------------------------------------------- what organisers see and do


@dataclass
class RequestView:
    request: DataRequest
    registration: Registration  # the person's entry in the organiser's contest

    @property
    def kind_label(self) -> str:
        return rules.REQUEST_KIND_LABELS[self.request.kind]

    @property
    def field_labels(self) -> list[str]:
        return [rules.CORRECTION_FIELDS.get(f, f) for f in self.request.fields or []]


def open_requests(scope: access_rules.Access) -> list[RequestView]:
    """Open requests of people entered in the contest; organisers and admins only (moderators decide nothing)."""
    if not scope.can_decide:
        return []
    rows = db.session.execute(
        select(DataRequest, Registration).join(Registration, Registration.user_id == DataRequest.user_id)
        .where(Registration.contest_id == scope.contest_id, DataRequest.status == "open")
        .order_by(DataRequest.created_at, DataRequest.id)).all()
    return [RequestView(req, reg) for req, reg in rows]


def resolve_correction(request_id: int, scope: access_rules.Access, actor: User, now: datetime) -> DataRequest:
    """An organiser marks a correction request done (after applying it on the identity page)."""
    integrity.require_decider(actor, scope.contest_id)
    req = db.session.get(DataRequest, request_id)
    reg = registration.registration_for(req.user_id, scope.contest_id) if req is not None else None
    if req is None or reg is None or req.kind != "correction":
        raise PersonalDataError("Không tìm thấy yêu cầu.", "not_found")
    if req.status == "done":
        return req
    req.status, req.resolved_at, req.resolved_by_id = "done", now, actor.id
    audit.record("privacy.correction_done", actor, now, registration=reg, after={"fields": list(req.fields or [])},
                 reason="Đã xử lý đề nghị sửa thông tin của người dự thi")
    db.session.commit()
    return req


# ---------------------------------------------------------------- anonymisation once results are final


def contest_is_final(contest: Contest, now: datetime) -> bool:
    """Every ranked round published (with no correction being prepared), or closed with nothing to publish."""
    states = []
    for rnd in contest.rounds:
        if not rnd.is_ranked:
            continue
        statuses = set(db.session.scalars(select(ResultSet.status).where(ResultSet.round_id == rnd.id)))
        published = "published" in statuses and not statuses & {"draft", "approved"}
        attempted = db.session.scalar(select(Attempt.id).where(Attempt.round_id == rnd.id,
                                                               Attempt.status != AttemptStatus.IN_PROGRESS).limit(1))
        states.append((rnd.closes_at <= now, published, attempted is not None))
    return rules.results_are_final(states)


@dataclass
class AnonymiseReport:
    anonymised: list[int] = field(default_factory=list)  # user ids
    waiting: list[int] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (f"Đã ẩn danh {len(self.anonymised)} tài khoản theo yêu cầu; {len(self.waiting)} yêu cầu còn chờ "
                "cuộc thi công bố kết quả cuối cùng.")


def anonymise_requested(now: datetime) -> AnonymiseReport:
    """Anonymise every account that asked for deletion and whose contests all have final results."""
    report = AnonymiseReport()
    pending = db.session.scalars(select(DataRequest).where(DataRequest.kind == "deletion",
                                                           DataRequest.status == "open")
                                 .order_by(DataRequest.id)).all()
    for req in pending:
        if all(contest_is_final(reg.contest, now) for reg in _regs(req.user_id)):
            _anonymise(req, now)
            db.session.commit()
            report.anonymised.append(req.user_id)
        else:
            report.waiting.append(req.user_id)
    return report


REMOVED = "[đã xóa]"


def _anonymise(req: DataRequest, now: datetime) -> None:
    user = db.session.scalar(select(User).where(User.id == req.user_id).with_for_update())
    regs = _regs(user.id)
    user.full_name, user.name_key = rules.ANONYMISED_NAME, identity.name_key(rules.ANONYMISED_NAME)
    user.cccd = user.phone = user.email = user.birth_date = user.gender = None
    user.is_active_account = False
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: the account cannot sign in again
    for reg in regs:
        reg.registered_ip, reg.device_id = "", ""
    reg_ids = [r.id for r in regs]
    if reg_ids:
        for attempt in db.session.scalars(select(Attempt).where(Attempt.registration_id.in_(reg_ids))):
            attempt.client_ip, attempt.device_token = "", ""
    for other in requests_of(user.id):
        other.message = ""
    for token in db.session.scalars(select(OneTimeToken).where(OneTimeToken.user_id == user.id)):
        db.session.delete(token)
    cond = AuditLog.subject_user_id == user.id
    for row in db.session.scalars(select(AuditLog).where(or_(cond, AuditLog.registration_id.in_(reg_ids))
                                                         if reg_ids else cond)):
        row.before, row.after = _scrub(row.before), _scrub(row.after)  # new dicts: JSON columns see the change
    req.status, req.resolved_at, req.anonymised_at = "done", now, now
    _log("privacy.anonymise", user, now, actor_name=SYSTEM,
         reason="Ẩn danh theo yêu cầu xóa dữ liệu; kết quả đã công bố được giữ nguyên")


def _scrub(values: dict | None) -> dict:
    return {k: (REMOVED if k in audit.IDENTITY_FIELDS and v else v) for k, v in (values or {}).items()}
