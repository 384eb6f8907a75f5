"""Setting up contests without a developer: the contest, its tracks and categories, the question sets it draws
from, its rounds (with guards that say whom a change touches), copying a contest for next year, and the contest
definition file (export, and load: create or update, idempotent, all or nothing).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import func, select

from quizapp.domain import contest_setup as setup
from quizapp.domain import draw, prizes
from quizapp.domain.counting import COUNTING_RULE_LABELS
from quizapp.domain.errors import DomainError
from quizapp.domain.ranking import PREDICTION_MODE_LABELS
from quizapp.extensions import db
from quizapp.models import (
    Area,
    Attempt,
    Collection,
    Contest,
    ContestTopic,
    OrganizingBody,
    Question,
    Registration,
    Round,
    StaffMembership,
    Topic,
    Track,
    Unit,
    User,
)
from quizapp.services import access, areas, audit, units
from quizapp.services.attempts import candidate_questions

SetupError = setup.SetupError


# ---------------------------------------------------------------- the contest


@dataclass
class ContestSettings:
    """What an organiser sets on a contest (tracks and categories as lists; see domain/contest_setup.py)."""

    slug: str
    title: str
    organizing_body: str
    description: str = ""
    rules_text: str = ""
    province_code: str = ""
    group_level: str = "commune"
    tracks: list[tuple[str, str]] = field(default_factory=lambda: list(setup.DEFAULT_TRACKS))
    categories: list[setup.Category] = field(default_factory=list)
    min_participation_rate: float = 0.5
    is_published: bool = True


def body_named(name: str, actor: User | None) -> OrganizingBody:
    """The organising body of this name; a new one only for admins (and the command line)."""
    name = " ".join((name or "").split())
    if not name:
        raise SetupError("Vui lòng nhập tên cơ quan tổ chức (ví dụ: Ban Tuyên giáo Tỉnh ủy Lào Cai).")
    found = db.session.scalar(select(OrganizingBody).where(func.lower(OrganizingBody.name) == name.lower()))
    if found is not None:
        return found
    if actor is not None and not actor.is_admin:
        raise SetupError("Cơ quan tổ chức này chưa có trên hệ thống; hãy nhờ quản trị hệ thống tạo, hoặc chọn "
                         "cơ quan của bạn.")
    body = OrganizingBody(name=name)
    db.session.add(body)
    db.session.flush()
    return body


def _check_contest(s: ContestSettings, contest_id: int | None) -> list[setup.Category]:
    if not setup.is_slug(s.slug) or len(s.slug) > 80:
        raise SetupError("Mã cuộc thi (dùng trong địa chỉ trang) chỉ gồm chữ thường không dấu, số và dấu gạch nối, "
                         "ví dụ «cchc-tuyen-quang-2026».")
    taken = db.session.scalar(select(Contest.id).where(Contest.slug == s.slug))
    if taken is not None and taken != contest_id:
        raise SetupError(f"Mã cuộc thi «{s.slug}» đã được dùng cho một cuộc thi khác.")
    if not s.title.strip() or len(s.title) > 255:
        raise SetupError("Vui lòng nhập tên cuộc thi (tối đa 255 ký tự).")
    if s.group_level not in setup.GROUP_LEVELS:
        raise SetupError("Cấp xếp hạng theo địa bàn không hợp lệ.")
    if not 0 <= s.min_participation_rate <= 1:
        raise SetupError("Tỷ lệ tham gia tối thiểu phải từ 0% đến 100%.")
    if not s.tracks:
        raise SetupError("Cuộc thi cần ít nhất một bảng xếp hạng (ví dụ: Cán bộ, công chức, viên chức).")
    if s.province_code and not areas.province_name(s.province_code):
        raise SetupError(f"Không có tỉnh, thành phố mã «{s.province_code}».")
    return setup.categories(setup.category_dicts(s.categories) if s.categories else _default_categories(s.tracks),
                            {code for code, _ in s.tracks})


def _default_categories(tracks: list[tuple[str, str]]) -> list[dict]:
    """The standard two categories when the standard tracks are there; else one category per track."""
    codes = {code for code, _ in tracks}
    if {"officials", "citizens"} <= codes:
        return list(setup.DEFAULT_CATEGORIES)
    return [{"code": code, "label": name, "track": code, "unit_required": False} for code, name in tracks]


def create_contest(s: ContestSettings, actor: User | None, now: datetime) -> Contest:
    """Create a contest; its organiser (a non-admin who creates it) becomes its organiser. Loads the province."""
    if actor is not None and not actor.is_staff:
        raise access.AccessError("Không tìm thấy trang bạn yêu cầu.", "not_found")
    cats = _check_contest(s, None)
    body = body_named(s.organizing_body, actor)
    if actor is not None and not actor.is_admin and body.id not in {b.id for b in access.organizer_bodies(actor)}:
        raise SetupError("Bạn chỉ tạo được cuộc thi cho cơ quan mà bạn là Ban Tổ chức.")
    contest = Contest(slug=s.slug, title=s.title.strip(), organizing_body=body, description=s.description,
                      rules_text=s.rules_text, group_level=s.group_level, categories=setup.category_dicts(cats),
                      min_participation_rate=s.min_participation_rate, is_published=s.is_published)
    db.session.add(contest)
    db.session.flush()
    _sync_tracks(contest, s.tracks)
    if s.province_code:
        areas.load_province(contest, s.province_code)
    for topic in _national_topics():
        db.session.add(ContestTopic(contest_id=contest.id, topic_id=topic.id, use="ranked"))
    if actor is not None and not actor.is_admin:
        db.session.add(StaffMembership(user_id=actor.id, contest_id=contest.id, role=access.ORGANIZER))
    audit.record("contest.create", actor, now, contest_id=contest.id, after={"slug": contest.slug, "title": contest.title})
    db.session.commit()
    return contest


def update_contest(contest: Contest, s: ContestSettings, actor: User | None, now: datetime) -> Contest:
    """Change a contest's settings (its organisers or admins)."""
    if actor is not None:
        access.require(actor, contest, decide=True)
    cats = _check_contest(s, contest.id)
    before = _contest_summary(contest)
    contest.slug, contest.title = s.slug, s.title.strip()
    if s.organizing_body.strip() and s.organizing_body.strip() != contest.organizer_name:
        contest.organizing_body = body_named(s.organizing_body, actor)
    contest.description, contest.rules_text = s.description, s.rules_text
    contest.group_level, contest.min_participation_rate = s.group_level, s.min_participation_rate
    contest.is_published, contest.categories = s.is_published, setup.category_dicts(cats)
    _sync_tracks(contest, s.tracks)
    if s.province_code and s.province_code != contest.province_code:
        if contest.province_code and db.session.scalar(select(func.count()).select_from(Registration).where(
                Registration.contest_id == contest.id)):
            raise SetupError("Cuộc thi đã có người đăng ký theo địa bàn của tỉnh hiện tại; không thể đổi tỉnh.")
        areas.load_province(contest, s.province_code)
    audit.record("contest.update", actor, now, contest_id=contest.id, before=before, after=_contest_summary(contest))
    db.session.commit()
    return contest


def _contest_summary(contest: Contest) -> dict:
    return {"slug": contest.slug, "title": contest.title, "body": contest.organizer_name,
            "province": contest.province_code, "published": contest.is_published,
            "tracks": [t.name for t in contest.tracks]}


def _sync_tracks(contest: Contest, wanted: list[tuple[str, str]]) -> None:
    """Tracks by code, in order; a track nobody is registered in may be removed."""
    have = {t.code: t for t in db.session.scalars(select(Track).where(Track.contest_id == contest.id))}
    for position, (code, name) in enumerate(wanted, 1):
        track = have.pop(code, None) or Track(contest_id=contest.id, code=code)
        track.name, track.position = name, position
        db.session.add(track)
    for track in have.values():
        if db.session.scalar(select(func.count()).select_from(Registration).where(Registration.track_id == track.id)):
            raise SetupError(f"Bảng «{track.name}» đã có người dự thi nên không thể bỏ.")
        db.session.delete(track)
    db.session.flush()
    db.session.expire(contest, ["tracks"])


def _national_topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).join(Collection).where(Collection.kind == "national")
                                   .order_by(Topic.position, Topic.title)))


# ---------------------------------------------------------------- question sets


@dataclass
class TopicChoice:
    """A topic a contest may draw from, with how many active questions it has, and what the contest uses it for."""

    topic: Topic
    collection: Collection
    counts: dict[int, int]  # difficulty → active questions
    use: str | None  # "ranked", "practice" or None (not drawn)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def visible_collections(contest: Contest) -> list[Collection]:
    """The national core, the local collections, and the contest's organising body's own collections."""
    return list(db.session.scalars(select(Collection).where(
        (Collection.kind != "own") | (Collection.owner_body_id == contest.organizing_body_id))
        .order_by(Collection.position, Collection.kind, Collection.title)))


def topic_choices(contest: Contest) -> list[TopicChoice]:
    """Every topic the contest may choose, by collection, with its counts and current use."""
    uses = dict(db.session.execute(select(ContestTopic.topic_id, ContestTopic.use).where(
        ContestTopic.contest_id == contest.id)).all())
    counts: dict[int, dict[int, int]] = {}
    for topic_id, difficulty, n in db.session.execute(
            select(Question.topic_id, Question.difficulty, func.count()).where(Question.status == "active")
            .group_by(Question.topic_id, Question.difficulty)):
        counts.setdefault(topic_id, {1: 0, 2: 0, 3: 0})[difficulty] = n
    out = []
    for collection in visible_collections(contest):
        for topic in collection.topics:
            out.append(TopicChoice(topic, collection, counts.get(topic.id, {1: 0, 2: 0, 3: 0}), uses.get(topic.id)))
    return out


def set_question_sets(contest: Contest, uses: dict[int, str | None], actor: User | None, now: datetime) -> None:
    """Choose the topics drawn by the ranked rounds and by practice (topic id → use, or None to not draw it)."""
    if actor is not None:
        access.require(actor, contest, decide=True)
    allowed = {c.topic.id: c for c in topic_choices(contest)}
    if set(uses) - set(allowed):
        raise SetupError("Có chủ đề không thuộc các bộ câu hỏi cuộc thi được dùng.")
    if any(u not in (None, *setup.TOPIC_USES) for u in uses.values()):
        raise SetupError("Cách dùng chủ đề không hợp lệ.")
    before = {c.topic.slug: c.use for c in allowed.values() if c.use}
    db.session.execute(ContestTopic.__table__.delete().where(ContestTopic.contest_id == contest.id))
    for topic_id, use in uses.items():
        if use:
            db.session.add(ContestTopic(contest_id=contest.id, topic_id=topic_id, use=use))
    db.session.flush()
    _check_open_rounds_still_drawable(contest, now)
    audit.record("contest.question_sets", actor, now, contest_id=contest.id, before=before,
                 after={allowed[t].topic.slug: u for t, u in uses.items() if u})
    db.session.commit()


def _check_open_rounds_still_drawable(contest: Contest, now: datetime) -> None:
    for rnd in contest.rounds:
        if rnd.closes_at <= now and not rnd.is_practice:
            continue
        try:
            _check_drawable(contest, rnd.kind, rnd.blueprint or [], rnd.question_count)
        except DomainError as e:
            db.session.rollback()
            raise SetupError(f"{rnd.name}: {e.message} Hãy chọn thêm chủ đề hoặc sửa cơ cấu đề của đợt này.") from None


def contest_candidates(contest_id: int, use: str) -> list[draw.CandidateQuestion]:
    """The active questions a contest's ranked rounds (or practice) may draw."""
    slugs = set(db.session.scalars(select(Topic.slug).join(ContestTopic, ContestTopic.topic_id == Topic.id).where(
        ContestTopic.contest_id == contest_id, ContestTopic.use == use)))
    return [c for c in candidate_questions() if c.topic in slugs]


def _check_drawable(contest: Contest, kind: str, blueprint: list, question_count: int) -> None:
    use = "practice" if kind == "practice" else "ranked"
    candidates = contest_candidates(contest.id, use)
    if not candidates:
        raise SetupError("Chưa chọn chủ đề nào cho " + ("vòng thi thử." if use == "practice" else
                                                        "các đợt thi chính thức."))
    items = draw.parse_blueprint(blueprint)
    unknown = {i.topic for i in items if i.topic} - {c.topic for c in candidates}
    if unknown:
        titles = dict(db.session.execute(select(Topic.slug, Topic.title).where(Topic.slug.in_(unknown))).all())
        raise SetupError("Cơ cấu đề có chủ đề cuộc thi không dùng cho " + ("thi thử" if use == "practice" else
                         "các đợt thi chính thức") + ": " + ", ".join(titles.get(s, s) for s in sorted(unknown)) + ".")
    draw.draw_questions(candidates, items, question_count, random.Random(0))  # is the bank big enough?


# ---------------------------------------------------------------- rounds


@dataclass
class RoundSettings:
    """What an organiser sets on a round. Times are aware datetimes (UTC)."""

    name: str
    opens_at: datetime
    closes_at: datetime
    question_count: int
    time_limit_minutes: int
    attempts_allowed: int | None
    counting_rule: str
    prediction_mode: str | None
    prediction_question: str
    blueprint: list
    single_device: bool
    kind: str = "weekly"
    track_blueprints: dict = field(default_factory=dict)


def same_blueprint(a: list | None, b: list | None) -> bool:
    """Two blueprints draw alike when they ask the same counts per topic and difficulty, in whatever order."""
    return draw.blueprint_cells(list(a or [])) == draw.blueprint_cells(list(b or []))


def _scoring_changed(rnd: Round, s: RoundSettings) -> bool:
    return (rnd.question_count, rnd.counting_rule, rnd.prediction_mode) != (
        s.question_count, s.counting_rule, s.prediction_mode) or not same_blueprint(rnd.blueprint, s.blueprint)


@dataclass
class Impact:
    """Who a change to a round with attempts touches, and what changes (Vietnamese lines)."""

    attempts: int
    contestants: int
    changes: list[str]

    @property
    def message(self) -> str:
        return (f"Đợt thi đã có {self.attempts} lượt thi của {self.contestants} thí sinh. Thay đổi: "
                + "; ".join(self.changes) + ".")


class NeedsConfirmation(DomainError):
    """The change touches contestants who have already taken the round: the organiser confirms it first."""

    def __init__(self, impact: Impact):
        super().__init__(impact.message + " Bạn có chắc muốn lưu?", "needs_confirmation")
        self.impact = impact


def _check_round(contest: Contest, s: RoundSettings) -> None:
    if not s.name.strip() or len(s.name) > 120:
        raise SetupError("Vui lòng nhập tên đợt thi (tối đa 120 ký tự).")
    if s.closes_at <= s.opens_at:
        raise SetupError("Thời điểm đóng phải sau thời điểm mở.")
    if not 1 <= s.question_count <= 200 or not 1 <= s.time_limit_minutes <= 600:
        raise SetupError("Số câu hỏi (1–200) hoặc thời gian làm bài (1–600 phút) không hợp lệ.")
    if s.attempts_allowed is not None and not 1 <= s.attempts_allowed <= 100:
        raise SetupError("Số lượt thi phải từ 1 đến 100 (để trống nếu không giới hạn).")
    if s.counting_rule not in COUNTING_RULE_LABELS:
        raise SetupError("Cách tính lượt thi không hợp lệ.")
    if s.prediction_mode and (s.prediction_mode not in PREDICTION_MODE_LABELS or not s.prediction_question.strip()):
        raise SetupError("Vui lòng nhập nội dung câu hỏi dự đoán.")
    if s.kind not in setup.ROUND_KINDS:
        raise SetupError("Loại đợt thi không hợp lệ.")
    if sum(item.count for item in draw.parse_blueprint(s.blueprint)) > s.question_count:
        raise SetupError("Tổng số câu trong cơ cấu đề vượt quá số câu hỏi của đợt thi.")
    _check_drawable(contest, s.kind, s.blueprint, s.question_count)


def round_changes(rnd: Round, s: RoundSettings, tz: ZoneInfo) -> list[str]:
    """What the settings change on the round, as an organiser reads it."""
    def when(v: datetime, closing: bool = False) -> str:
        local = v.astimezone(tz)
        if closing and (local.hour, local.minute) == (0, 0):  # as contest rules write a closing time
            return "24:00 " + (local - timedelta(minutes=1)).strftime("%d/%m/%Y")
        return local.strftime("%H:%M %d/%m/%Y")

    out = []
    if s.opens_at != rnd.opens_at:
        out.append(f"mở lúc {when(rnd.opens_at)} → {when(s.opens_at)}")
    if s.closes_at != rnd.closes_at:
        out.append(f"đóng lúc {when(rnd.closes_at, True)} → {when(s.closes_at, True)}")
    if s.time_limit_minutes * 60 != rnd.time_limit_seconds:
        out.append(f"thời gian làm bài {rnd.time_limit_seconds // 60} → {s.time_limit_minutes} phút")
    if s.attempts_allowed != rnd.attempts_allowed:
        out.append(f"số lượt thi {rnd.attempts_allowed or 'không giới hạn'} → {s.attempts_allowed or 'không giới hạn'}")
    if s.single_device != rnd.single_device:
        out.append("chỉ một thiết bị giữ bài thi: " + ("bật" if s.single_device else "tắt"))
    if s.question_count != rnd.question_count:
        out.append(f"số câu {rnd.question_count} → {s.question_count}")
    if s.counting_rule != rnd.counting_rule:
        out.append("cách tính lượt thi")
    if (s.prediction_mode, s.prediction_question) != (rnd.prediction_mode, rnd.prediction_question):
        out.append("câu hỏi dự đoán")
    if not same_blueprint(s.blueprint, rnd.blueprint):
        out.append("cơ cấu đề")
    if s.name.strip() != rnd.name:
        out.append(f"tên «{rnd.name}» → «{s.name.strip()}»")
    return out


def round_impact(rnd: Round) -> tuple[int, int]:
    """(attempts, contestants) the round already has."""
    row = db.session.execute(select(func.count(), func.count(func.distinct(Attempt.registration_id))).where(
        Attempt.round_id == rnd.id)).one()
    return int(row[0]), int(row[1])


def update_round(round_id: int, s: RoundSettings, now: datetime, actor: User | None = None, *,
                 confirmed: bool = False, tz: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh")) -> Round:
    """Change a round. Scoring rules freeze once someone started it; other changes to a round with attempts
    need `confirmed` (NeedsConfirmation says whom they touch)."""
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        raise SetupError("Không tìm thấy đợt thi.", "not_found")
    if actor is not None:
        access.require(actor, rnd.contest_id, decide=True)
    s.kind = rnd.kind
    _check_round(rnd.contest, s)
    attempts_count, contestants = round_impact(rnd)
    changes = round_changes(rnd, s, tz)
    if attempts_count:
        if _scoring_changed(rnd, s):
            raise SetupError("Đợt thi đã có người dự thi: không thể đổi số câu, cơ cấu đề, cách tính lượt hay câu "
                             "dự đoán.", "round_started")
        if s.opens_at != rnd.opens_at:
            raise SetupError("Đợt thi đã có người dự thi: không thể đổi thời điểm mở.", "round_started")
        if changes and not confirmed and any(not c.startswith("tên ") for c in changes):
            raise NeedsConfirmation(Impact(attempts_count, contestants, changes))
    before = _round_summary(rnd)
    _apply_round(rnd, s)
    audit.record("round.update", actor, now, contest_id=rnd.contest_id, before=before, after=_round_summary(rnd),
                 reason="; ".join(changes))
    db.session.commit()
    return rnd


def _apply_round(rnd: Round, s: RoundSettings) -> None:
    rnd.name = s.name.strip()
    rnd.opens_at, rnd.closes_at = s.opens_at, s.closes_at
    rnd.question_count, rnd.time_limit_seconds = s.question_count, s.time_limit_minutes * 60
    rnd.attempts_allowed, rnd.counting_rule = s.attempts_allowed, s.counting_rule
    rnd.prediction_mode = s.prediction_mode
    rnd.prediction_question = s.prediction_question if s.prediction_mode else ""
    if not same_blueprint(rnd.blueprint, s.blueprint):
        rnd.blueprint = list(s.blueprint or [])  # an equal blueprint keeps its order (and the file stays as written)
    rnd.single_device = s.single_device
    rnd.track_blueprints = dict(s.track_blueprints or {})


def _round_summary(rnd: Round) -> dict:
    return {"round_id": rnd.id, "name": rnd.name, "opens_at": rnd.opens_at.isoformat(),
            "closes_at": rnd.closes_at.isoformat(), "question_count": rnd.question_count,
            "time_limit_seconds": rnd.time_limit_seconds, "attempts_allowed": rnd.attempts_allowed,
            "counting_rule": rnd.counting_rule, "blueprint": rnd.blueprint}


def add_round(contest: Contest, s: RoundSettings, now: datetime, actor: User | None = None,
              number: int | None = None) -> Round:
    """A new round (weekly rounds are numbered 1, 2, ...; the practice round is number 0, one per contest)."""
    if actor is not None:
        access.require(actor, contest, decide=True)
    _check_round(contest, s)
    numbers = set(db.session.scalars(select(Round.number).where(Round.contest_id == contest.id)))
    if s.kind == "practice":
        if 0 in numbers:
            raise SetupError("Cuộc thi đã có vòng thi thử.")
        number = 0
    elif number is None:
        number = max([n for n in numbers if n > 0], default=0) + 1
    elif number in numbers:
        raise SetupError(f"Cuộc thi đã có đợt thi số {number}.")
    rnd = Round(contest_id=contest.id, number=number, kind=s.kind)
    _apply_round(rnd, s)
    db.session.add(rnd)
    db.session.flush()
    audit.record("round.create", actor, now, contest_id=contest.id, after=_round_summary(rnd))
    db.session.commit()
    return rnd


def delete_round(round_id: int, now: datetime, actor: User | None = None) -> None:
    """Remove a round nobody has taken yet."""
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        raise SetupError("Không tìm thấy đợt thi.", "not_found")
    if actor is not None:
        access.require(actor, rnd.contest_id, decide=True)
    if round_impact(rnd)[0]:
        raise SetupError("Đợt thi đã có người dự thi nên không thể xóa; có thể đổi thời điểm đóng.")
    audit.record("round.delete", actor, now, contest_id=rnd.contest_id, before=_round_summary(rnd))
    db.session.delete(rnd)
    db.session.commit()


# ---------------------------------------------------------------- the definition file


def definition(contest: Contest) -> setup.ContestDef:
    """The contest as a definition (what its file holds)."""
    tree = areas.tree(contest)
    standard = {a.code for a in areas._province_areas(contest.province_code)} if contest.province_code else set()
    custom = [a for a, _ in tree if a.code not in standard]
    topic_uses = db.session.execute(select(Topic.slug, ContestTopic.use).join(Topic).where(
        ContestTopic.contest_id == contest.id).order_by(Topic.position, Topic.slug)).all()
    by_id = {a.id: a.code for a, _ in tree}
    unit_rows = units.listing(contest)
    unit_codes = {u.id: u.code for u in unit_rows}
    return setup.ContestDef(
        slug=contest.slug, title=contest.title, organizing_body=contest.organizer_name,
        description=contest.description, rules_text=contest.rules_text, province_code=contest.province_code,
        group_level=contest.group_level, is_published=contest.is_published,
        min_participation_rate=contest.min_participation_rate, tracks=[(t.code, t.name) for t in contest.tracks],
        categories=setup.categories(contest.categories), prize_config=contest.prize_config,
        ranked_topics=[s for s, u in topic_uses if u == "ranked"], practice_topics=[s for s, u in topic_uses if u == "practice"],
        load_province=bool(standard),
        areas=[setup.AreaDef(a.code, a.name, a.level, by_id.get(a.parent_id), a.population, a.division_type)
               for a in custom],
        populations={a.code: a.population for a, _ in tree if a.code in standard and a.population is not None},
        units=_units_parents_first(unit_rows, unit_codes, by_id),
        rounds=[setup.RoundDef(r.number, r.name, r.kind, r.opens_at, r.closes_at, r.question_count,
                               r.time_limit_seconds // 60, r.attempts_allowed, r.counting_rule, r.prediction_mode,
                               r.prediction_question, list(r.blueprint or []), dict(r.track_blueprints or {}),
                               r.single_device, r.prize_config) for r in contest.rounds])


def _units_parents_first(rows: list[Unit], codes: dict[int, str], area_codes: dict[int, str]) -> list[setup.UnitDef]:
    out, placed, pending = [], set(), list(rows)
    while pending:
        ready = [u for u in pending if u.parent_id is None or u.parent_id in placed]
        if not ready:  # a loop in the data: write the rest without parents rather than lose them
            ready, pending = pending, []
        for u in ready:
            out.append(setup.UnitDef(u.code, u.name, u.kind, u.block, codes.get(u.parent_id), area_codes.get(u.area_id),
                                     u.staff_count))
            placed.add(u.id)
        pending = [u for u in pending if u.id not in placed]
    return out


HEADER = ("# Định nghĩa cuộc thi quizapp: sửa được bằng tay, nạp bằng `flask contest load TỆP` hoặc trang\n"
          "# «Nạp tệp định nghĩa». Giờ ghi theo giờ Việt Nam. Mã chủ đề: xem trang «Bộ câu hỏi» của cuộc thi.\n")


def export_yaml(contest: Contest, tz: ZoneInfo) -> str:
    """The contest definition file (YAML, Vietnamese kept as is)."""
    body = yaml.safe_dump(setup.definition_dict(definition(contest), tz), allow_unicode=True, sort_keys=False,
                          width=110, default_flow_style=False)
    return HEADER + body


@dataclass
class LoadReport:
    contest: Contest
    created: bool
    notes: list[str]

    @property
    def summary(self) -> str:
        verb = "Đã tạo" if self.created else "Đã cập nhật"
        return f"{verb} cuộc thi «{self.contest.title}» ({self.contest.slug})." + (
            " " + " ".join(self.notes) if self.notes else "")


def read_yaml(text: str | bytes) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (dòng {mark.line + 1})" if mark else ""
        raise SetupError(f"Tệp định nghĩa không đúng cú pháp YAML{where}.") from None


def load_yaml(text: str | bytes, actor: User | None, now: datetime, tz: ZoneInfo) -> LoadReport:
    """Create or update the contest the file describes; all or nothing; running it twice changes nothing more."""
    return load_definition(setup.parse_definition(read_yaml(text), tz), actor, now)


def load_definition(d: setup.ContestDef, actor: User | None, now: datetime) -> LoadReport:
    contest = db.session.scalar(select(Contest).where(Contest.slug == d.slug))
    created = contest is None
    settings = ContestSettings(d.slug, d.title, d.organizing_body, d.description, d.rules_text, "", d.group_level,
                               d.tracks, d.categories, d.min_participation_rate, d.is_published)
    try:
        if created:
            contest = _create_quietly(settings, actor, now)
        else:
            if actor is not None:
                access.require(actor, contest, decide=True)
            _update_quietly(contest, settings, actor)
        contest.province_code = d.province_code or contest.province_code
        contest.prize_config = d.prize_config
        notes = _load_places(contest, d) + _load_topics(contest, d) + _load_rounds(contest, d, now, actor)
        audit.record("contest.load", actor, now, contest_id=contest.id, after={"slug": d.slug, "created": created})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return LoadReport(contest, created, notes)


def _create_quietly(s: ContestSettings, actor: User | None, now: datetime) -> Contest:
    cats = _check_contest(s, None)
    body = body_named(s.organizing_body, actor)
    contest = Contest(slug=s.slug, title=s.title, organizing_body=body, description=s.description,
                      rules_text=s.rules_text, group_level=s.group_level, categories=setup.category_dicts(cats),
                      min_participation_rate=s.min_participation_rate, is_published=s.is_published)
    db.session.add(contest)
    db.session.flush()
    _sync_tracks(contest, s.tracks)
    if actor is not None and not actor.is_admin:
        db.session.add(StaffMembership(user_id=actor.id, contest_id=contest.id, role=access.ORGANIZER))
    return contest


def _update_quietly(contest: Contest, s: ContestSettings, actor: User | None) -> None:
    cats = _check_contest(s, contest.id)
    contest.title, contest.description, contest.rules_text = s.title, s.description, s.rules_text
    if s.organizing_body != contest.organizer_name:
        contest.organizing_body = body_named(s.organizing_body, actor)
    contest.group_level, contest.categories = s.group_level, setup.category_dicts(cats)
    contest.min_participation_rate, contest.is_published = s.min_participation_rate, s.is_published
    _sync_tracks(contest, s.tracks)


def _load_places(contest: Contest, d: setup.ContestDef) -> list[str]:
    if d.load_province:
        areas.load_province(contest, d.province_code)
    if d.areas:
        areas.apply_tree(contest, d.areas)
    codes = {a.code: a for a in db.session.scalars(select(Area).where(Area.contest_id == contest.id))}
    missing = sorted(set(d.populations) - set(codes))
    for code, value in d.populations.items():
        if code in codes:
            codes[code].population = value
    unknown_units = [u.code for u in d.units if u.area and u.area not in codes]
    if unknown_units:
        raise SetupError("Đơn vị có mã địa bàn không có trong cuộc thi: " + ", ".join(unknown_units[:10]) + ".")
    units.apply_units(contest, d.units)
    return [f"Bỏ qua số người của các mã địa bàn không có: {', '.join(missing[:10])}."] if missing else []


def _load_topics(contest: Contest, d: setup.ContestDef) -> list[str]:
    wanted = {**{s: "ranked" for s in d.ranked_topics}, **{s: "practice" for s in d.practice_topics}}
    topics = {t.slug: t for t in db.session.scalars(select(Topic).where(Topic.slug.in_(list(wanted))))}
    allowed = {c.topic.id for c in topic_choices(contest)}
    unknown = [s for s in wanted if s not in topics or topics[s].id not in allowed]
    if unknown:
        raise SetupError("question_sets: không có chủ đề (hoặc cuộc thi không được dùng): " + ", ".join(unknown) + ".")
    db.session.execute(ContestTopic.__table__.delete().where(ContestTopic.contest_id == contest.id))
    for slug, use in wanted.items():
        db.session.add(ContestTopic(contest_id=contest.id, topic_id=topics[slug].id, use=use))
    db.session.flush()
    return []


def _load_rounds(contest: Contest, d: setup.ContestDef, now: datetime, actor: User | None) -> list[str]:
    have = {r.number: r for r in db.session.scalars(select(Round).where(Round.contest_id == contest.id))}
    for rd in d.rounds:
        s = RoundSettings(rd.name, rd.opens_at, rd.closes_at, rd.question_count, rd.time_limit_minutes,
                          rd.attempts_allowed, rd.counting_rule, rd.prediction_mode, rd.prediction_question,
                          rd.blueprint, rd.single_device, rd.kind, rd.track_blueprints)
        _check_round(contest, s)
        rnd = have.get(rd.number)
        if rnd is None:
            rnd = Round(contest_id=contest.id, number=rd.number, kind=rd.kind)
            db.session.add(rnd)
        elif round_impact(rnd)[0] and (_scoring_changed(rnd, s) or rnd.opens_at != s.opens_at
                                       or rnd.kind != rd.kind):
            raise SetupError(f"{rnd.name} đã có người dự thi: tệp không được đổi thời điểm mở, số câu, cơ cấu đề, "
                             "cách tính lượt hay câu dự đoán của đợt này.", "round_started")
        _apply_round(rnd, s)
        rnd.prize_config = rd.prize_config
    db.session.flush()
    return []


# ---------------------------------------------------------------- copying a contest


def copy_contest(contest: Contest, slug: str, title: str, first_round_opens: datetime | None, actor: User | None,
                 now: datetime, tz: ZoneInfo) -> Contest:
    """A new contest like this one (next year's edition): settings, tracks, question sets, areas, units, prizes
    and rounds, the rounds moved so the first one opens at `first_round_opens`; no contestants, no results."""
    if actor is not None:
        access.require(actor, contest, decide=True)
    d = definition(contest)
    if db.session.scalar(select(Contest.id).where(Contest.slug == slug)) is not None:
        raise SetupError(f"Mã cuộc thi «{slug}» đã được dùng.")
    d.slug, d.title, d.is_published = slug, title.strip() or d.title, False
    weekly = sorted((r for r in d.rounds if r.kind != "practice"), key=lambda r: r.number)
    if first_round_opens is not None and weekly:
        shift = first_round_opens - weekly[0].opens_at
        for r in d.rounds:
            r.opens_at, r.closes_at = r.opens_at + shift, r.closes_at + shift
    report = load_definition(d, actor, now)
    copy = report.contest
    for member in db.session.scalars(select(StaffMembership).where(StaffMembership.contest_id == contest.id,
                                                                   StaffMembership.role == access.ORGANIZER)):
        if not db.session.scalar(select(StaffMembership.id).where(StaffMembership.contest_id == copy.id,
                                                                  StaffMembership.user_id == member.user_id)):
            db.session.add(StaffMembership(user_id=member.user_id, contest_id=copy.id, role=access.ORGANIZER))
    audit.record("contest.copy", actor, now, contest_id=copy.id, after={"from": contest.slug, "slug": copy.slug})
    db.session.commit()
    return copy


def shift_for_demo(d: setup.ContestDef, first_round_opens: datetime) -> None:
    """Move every round so the first weekly round opens at `first_round_opens` (the demo keeps its rhythm)."""
    weekly = sorted((r for r in d.rounds if r.kind != "practice"), key=lambda r: r.number)
    if weekly:
        shift = first_round_opens - weekly[0].opens_at
        for r in d.rounds:
            r.opens_at, r.closes_at = r.opens_at + shift, r.closes_at + shift


def prize_summary(config: dict | None) -> str:
    """The individual prizes of a configuration in one Vietnamese line."""
    counts = prizes.individual_counts(config or {}, "")
    return ", ".join(f"{n} {prizes.PRIZE_LABELS[p].lower()}" for p, n in counts.as_dict().items() if n) or "chưa đặt"
