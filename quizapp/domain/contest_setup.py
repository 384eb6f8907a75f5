"""Setting up a contest: tracks and contestant categories, times as organisers write them, and the contest
definition file (one readable YAML document: contest, tracks, rounds, question sets, areas, units, prizes).

Pure: the service loads and stores; this module checks and normalises plain values, with Vietnamese messages
that say where in the file the problem is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from quizapp.domain import prizes
from quizapp.domain.counting import COUNTING_RULES
from quizapp.domain.errors import DomainError
from quizapp.domain.ranking import PREDICTION_MODES
from quizapp.domain.text import fold_accents, normalize_text

FORMAT = "quizapp-contest/1"
GROUP_LEVELS = ("commune", "district")
GROUP_LEVEL_LABELS = {"commune": "Xã, phường, đặc khu", "district": "Huyện, thị xã, thành phố (địa giới cũ)"}
ROUND_KINDS = ("weekly", "practice")
AREA_LEVELS = ("province", "district", "commune")
UNIT_KINDS = ("agency", "commune_committee", "other")
TOPIC_USES = ("ranked", "practice")
TOPIC_USE_LABELS = {"ranked": "Các đợt thi chính thức", "practice": "Vòng thi thử"}

DEFAULT_TRACKS = (("officials", "Cán bộ, công chức, viên chức"), ("citizens", "Người dân"))
DEFAULT_CATEGORIES = (
    {"code": "official", "label": "Cán bộ, công chức, viên chức, người lao động", "track": "officials",
     "unit_required": True},
    {"code": "citizen", "label": "Người dân", "track": "citizens", "unit_required": False},
)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$")


class SetupError(DomainError):
    """A contest setting or definition file that cannot be used (Vietnamese message saying where)."""

    code = "invalid_setup"


def slugify(text: str, limit: int = 60) -> str:
    """'Cán bộ, công chức' → 'can-bo-cong-chuc'."""
    return re.sub(r"[^a-z0-9]+", "-", fold_accents(text)).strip("-")[:limit].strip("-")


def is_slug(value: str) -> bool:
    return bool(_SLUG.match(value or ""))


# ---------------------------------------------------------------- tracks and categories


@dataclass(frozen=True)
class Category:
    """Who a contestant says they are when registering, and the track that puts them in."""

    code: str
    label: str
    track: str
    unit_required: bool = False


def categories(raw: list | None, track_codes: set[str] | None = None) -> list[Category]:
    """The contest's categories (the two standard ones when none are set), checked."""
    items = raw or list(DEFAULT_CATEGORIES)
    if not isinstance(items, list):
        raise SetupError("Đối tượng dự thi phải là một danh sách.")
    out, seen = [], set()
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise SetupError(f"Đối tượng dự thi thứ {n}: cần mã (code), tên (label) và bảng (track).")
        code, label = str(item.get("code", "")).strip(), normalize_text(str(item.get("label", "")))
        track = str(item.get("track", "")).strip()
        if not is_slug(code) or not label or not track:
            raise SetupError(f"Đối tượng dự thi thứ {n}: cần mã (chữ thường, không dấu), tên và bảng xếp hạng.")
        if code in seen:
            raise SetupError(f"Đối tượng dự thi «{code}» khai báo hai lần.")
        if track_codes is not None and track not in track_codes:
            raise SetupError(f"Đối tượng dự thi «{label}»: bảng «{track}» không có trong cuộc thi.")
        seen.add(code)
        out.append(Category(code, label, track, bool(item.get("unit_required", False))))
    return out


def category_dicts(cats: list[Category]) -> list[dict]:
    return [{"code": c.code, "label": c.label, "track": c.track, "unit_required": c.unit_required} for c in cats]


def parse_lines(text: str, what: str) -> list[tuple[str, str]]:
    """Organiser-typed lists, one name per line ("Cán bộ, công chức"), as (code, name) with codes made up."""
    out, seen = [], set()
    for line in (text or "").splitlines():
        name = normalize_text(line)
        if not name:
            continue
        code = slugify(name, 40) or f"{what}-{len(out) + 1}"
        while code in seen:
            code += "-2"
        seen.add(code)
        out.append((code, name))
    return out


# ---------------------------------------------------------------- times as organisers write them


def parse_local_time(value: object, tz: ZoneInfo, where: str) -> datetime:
    """'2026-03-02 00:00' (or '2026-03-08 24:00', as contest rules write a closing time) in `tz`, as aware UTC."""
    if isinstance(value, datetime):
        local = value if value.tzinfo else value.replace(tzinfo=tz)
        return local.astimezone(ZoneInfo("UTC"))
    match = _TIME.match(str(value or "").strip())
    if not match:
        raise SetupError(f"{where}: thời gian phải có dạng «YYYY-MM-DD HH:MM» (giờ Việt Nam), ví dụ «2026-03-02 00:00».")
    year, month, day, hour, minute = (int(g) for g in match.groups())
    extra = timedelta(0)
    if (hour, minute) == (24, 0):
        hour, extra = 0, timedelta(days=1)
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=tz) + extra
    except ValueError:
        raise SetupError(f"{where}: ngày giờ «{value}» không có thật.") from None
    return local.astimezone(ZoneInfo("UTC"))


def format_local_time(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- the definition file


@dataclass
class RoundDef:
    number: int
    name: str
    kind: str
    opens_at: datetime
    closes_at: datetime
    question_count: int
    time_limit_minutes: int
    attempts_allowed: int | None
    counting_rule: str
    prediction_mode: str | None
    prediction_question: str
    blueprint: list[dict]
    track_blueprints: dict
    single_device: bool
    prize_config: dict | None


@dataclass
class AreaDef:
    code: str
    name: str
    level: str
    parent: str | None
    population: int | None
    division_type: str = ""


@dataclass
class UnitDef:
    code: str
    name: str
    kind: str
    block: str
    parent: str | None
    area: str | None
    staff_count: int | None


@dataclass
class ContestDef:
    """A whole contest as its definition file describes it."""

    slug: str
    title: str
    organizing_body: str
    description: str = ""
    rules_text: str = ""
    province_code: str = ""
    group_level: str = "commune"
    is_published: bool = True
    min_participation_rate: float = 0.5
    tracks: list[tuple[str, str]] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    prize_config: dict | None = None
    ranked_topics: list[str] = field(default_factory=list)
    practice_topics: list[str] = field(default_factory=list)
    load_province: bool = False  # the province's current communes from vietnam-provinces
    areas: list[AreaDef] = field(default_factory=list)
    populations: dict[str, int] = field(default_factory=dict)
    units: list[UnitDef] = field(default_factory=list)
    rounds: list[RoundDef] = field(default_factory=list)


def _text(raw: dict, key: str, where: str, required: bool = False, limit: int = 255) -> str:
    value = raw.get(key, "")
    value = "" if value is None else normalize_text(str(value)) if limit <= 255 else str(value).strip()
    if required and not value:
        raise SetupError(f"{where}: thiếu «{key}».")
    if len(value) > limit:
        raise SetupError(f"{where}: «{key}» dài quá {limit} ký tự.")
    return value


def _int(raw: dict, key: str, where: str, low: int, high: int, default: int | None = None,
         optional: bool = False) -> int | None:
    value = raw.get(key, default)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SetupError(f"{where}: «{key}» phải là số nguyên từ {low} đến {high}.")
    return value


def _code(value: object) -> str | None:
    """Codes are text in the file; YAML reads 15 or 08 as numbers, so those are taken back to text."""
    if value is None or value == "":
        return None
    return str(value).strip()


def parse_definition(raw: object, tz: ZoneInfo) -> ContestDef:
    """Check a loaded definition (YAML mapping) and normalise it; SetupError says what and where."""
    if not isinstance(raw, dict):
        raise SetupError("Tệp định nghĩa cuộc thi phải là một bảng khóa: giá trị (YAML).")
    if raw.get("format") != FORMAT:
        raise SetupError(f"Tệp không phải định nghĩa cuộc thi (cần dòng «format: {FORMAT}»).")
    slug = _text(raw, "slug", "Cuộc thi", required=True)
    if not is_slug(slug):
        raise SetupError("Cuộc thi: «slug» chỉ gồm chữ thường không dấu, số và dấu gạch nối (ví dụ cchc-2026).")
    group_level = _text(raw, "group_level", "Cuộc thi") or "commune"
    if group_level not in GROUP_LEVELS:
        raise SetupError("Cuộc thi: «group_level» phải là commune hoặc district.")
    rate = raw.get("min_participation_rate", 0.5)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise SetupError("Cuộc thi: «min_participation_rate» phải là số từ 0 đến 1 (ví dụ 0.5 là 50%).")
    contest = ContestDef(
        slug=slug, title=_text(raw, "title", "Cuộc thi", required=True),
        organizing_body=_text(raw, "organizing_body", "Cuộc thi", required=True),
        description=_text(raw, "description", "Cuộc thi", limit=20000),
        rules_text=_text(raw, "rules", "Cuộc thi", limit=20000),
        province_code=_province(raw.get("province")), group_level=group_level,
        is_published=bool(raw.get("published", True)), min_participation_rate=float(rate))
    contest.tracks = _tracks(raw.get("tracks"))
    contest.categories = categories(raw.get("categories"), {c for c, _ in contest.tracks})
    contest.prize_config = prizes.validate_config(raw["prizes"]) if raw.get("prizes") is not None else None
    sets = raw.get("question_sets") or {}
    if not isinstance(sets, dict):
        raise SetupError("«question_sets» phải có dạng ranked: [...], practice: [...].")
    contest.ranked_topics = _slugs(sets.get("ranked"), "question_sets.ranked")
    contest.practice_topics = _slugs(sets.get("practice"), "question_sets.practice")
    overlap = set(contest.ranked_topics) & set(contest.practice_topics)
    if overlap:
        raise SetupError("Chủ đề dùng cho thi thử không được dùng cho các đợt thi chính thức: " + ", ".join(sorted(overlap)))
    _areas(contest, raw.get("areas") or {})
    contest.units = _units(raw.get("units") or [], {a.code for a in contest.areas}, contest.load_province)
    contest.rounds = _rounds(raw.get("rounds") or [], tz, {c for c, _ in contest.tracks})
    return contest


def _province(value: object) -> str:
    code = _code(value)
    if code is None:
        return ""
    if not code.isdigit() or len(code) > 2:
        raise SetupError("Cuộc thi: «province» là mã tỉnh, thành phố gồm 2 chữ số (ví dụ 15 là Lào Cai).")
    return f"{int(code):02d}"


def _tracks(raw: object) -> list[tuple[str, str]]:
    if raw is None:
        return list(DEFAULT_TRACKS)
    if not isinstance(raw, list) or not raw:
        raise SetupError("«tracks» phải là danh sách các bảng (code, name).")
    out = []
    for n, item in enumerate(raw, 1):
        where = f"tracks[{n}]"
        if not isinstance(item, dict):
            raise SetupError(f"{where}: cần code và name.")
        code, name = _text(item, "code", where, True, 40), _text(item, "name", where, True, 120)
        if not is_slug(code) or code in {c for c, _ in out}:
            raise SetupError(f"{where}: mã bảng «{code}» không hợp lệ hoặc bị trùng.")
        out.append((code, name))
    return out


def _slugs(raw: object, where: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(s, str) and is_slug(s) for s in raw):
        raise SetupError(f"«{where}» phải là danh sách mã chủ đề (ví dụ [the-che, chi-so]).")
    return list(dict.fromkeys(raw))


def _areas(contest: ContestDef, raw: dict) -> None:
    if not isinstance(raw, dict):
        raise SetupError("«areas» phải có dạng province: <mã tỉnh> hoặc tree: [...].")
    contest.load_province = bool(raw.get("load_province", False))
    if contest.load_province and not contest.province_code:
        raise SetupError("«areas.load_province» cần mã tỉnh ở «province».")
    codes: set[str] = set()
    for n, item in enumerate(raw.get("tree") or [], 1):
        where = f"areas.tree[{n}]"
        if not isinstance(item, dict):
            raise SetupError(f"{where}: cần code, name, level, parent.")
        code, level = _code(item.get("code")), _text(item, "level", where) or "commune"
        if not code or len(code) > 16 or code in codes:
            raise SetupError(f"{where}: mã địa bàn trống, quá dài hoặc bị trùng.")
        if level not in AREA_LEVELS:
            raise SetupError(f"{where}: cấp phải là province, district hoặc commune.")
        parent = _code(item.get("parent"))
        if parent is not None and parent not in codes:
            raise SetupError(f"{where}: địa bàn cấp trên «{parent}» phải đứng trước trong danh sách.")
        codes.add(code)
        contest.areas.append(AreaDef(code, _text(item, "name", where, True, 200), level, parent,
                                     _int(item, "population", where, 0, 10**9, optional=True),
                                     _text(item, "division_type", where, limit=40)))
    pops = raw.get("populations") or {}
    if not isinstance(pops, dict):
        raise SetupError("«areas.populations» phải có dạng <mã địa bàn>: <số người>.")
    for key, value in pops.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SetupError(f"areas.populations: số người của «{key}» phải là số nguyên không âm.")
        contest.populations[_code(key)] = value


def _units(raw: object, area_codes: set[str], any_area: bool) -> list[UnitDef]:
    if not isinstance(raw, list):
        raise SetupError("«units» phải là danh sách đơn vị.")
    out, codes = [], set()
    for n, item in enumerate(raw, 1):
        where = f"units[{n}]"
        if not isinstance(item, dict):
            raise SetupError(f"{where}: cần code, name.")
        code = _code(item.get("code"))
        if not code or len(code) > 40 or code in codes:
            raise SetupError(f"{where}: mã đơn vị trống, quá dài hoặc bị trùng.")
        kind = _text(item, "kind", where) or "agency"
        if kind not in UNIT_KINDS:
            raise SetupError(f"{where}: loại đơn vị phải là agency, commune_committee hoặc other.")
        parent, area = _code(item.get("parent")), _code(item.get("area"))
        if parent is not None and parent not in codes:
            raise SetupError(f"{where}: đơn vị cấp trên «{parent}» phải đứng trước trong danh sách.")
        if area is not None and not any_area and area not in area_codes:
            raise SetupError(f"{where}: địa bàn «{area}» không có trong «areas».")
        codes.add(code)
        out.append(UnitDef(code, _text(item, "name", where, True), kind, _text(item, "block", where, limit=80), parent,
                           area, _int(item, "staff", where, 0, 10**7, optional=True)))
    return out


def _rounds(raw: object, tz: ZoneInfo, track_codes: set[str]) -> list[RoundDef]:
    if not isinstance(raw, list):
        raise SetupError("«rounds» phải là danh sách đợt thi.")
    out, numbers = [], set()
    for n, item in enumerate(raw, 1):
        where = f"rounds[{n}]"
        if not isinstance(item, dict):
            raise SetupError(f"{where}: cần number, name, opens, closes.")
        number = _int(item, "number", where, 0, 999)
        kind = _text(item, "kind", where) or ("practice" if number == 0 else "weekly")
        if number in numbers or kind not in ROUND_KINDS:
            raise SetupError(f"{where}: số thứ tự đợt «{number}» bị trùng, hoặc loại đợt không phải weekly/practice.")
        numbers.add(number)
        opens, closes = parse_local_time(item.get("opens"), tz, f"{where}.opens"), \
            parse_local_time(item.get("closes"), tz, f"{where}.closes")
        if closes <= opens:
            raise SetupError(f"{where}: thời điểm đóng phải sau thời điểm mở.")
        counting = _text(item, "counting", where) or "best"
        if counting not in COUNTING_RULES:
            raise SetupError(f"{where}: «counting» phải là một trong: {', '.join(COUNTING_RULES)}.")
        mode = _text(item, "prediction", where) or None
        if mode is not None and mode not in PREDICTION_MODES:
            raise SetupError(f"{where}: «prediction» phải là perfect_count hoặc participant_count.")
        blueprint = item.get("blueprint") or []
        track_bp = item.get("track_blueprints") or {}
        if not isinstance(blueprint, list) or not isinstance(track_bp, dict) or set(track_bp) - track_codes:
            raise SetupError(f"{where}: cơ cấu đề (blueprint) phải là danh sách; track_blueprints theo mã bảng.")
        out.append(RoundDef(
            number=number, name=_text(item, "name", where, True, 120), kind=kind, opens_at=opens, closes_at=closes,
            question_count=_int(item, "questions", where, 1, 200, default=20),
            time_limit_minutes=_int(item, "minutes", where, 1, 600, default=20),
            attempts_allowed=_int(item, "attempts", where, 1, 100, optional=True), counting_rule=counting,
            prediction_mode=mode, prediction_question=_text(item, "prediction_question", where, limit=2000),
            blueprint=blueprint, track_blueprints=track_bp, single_device=bool(item.get("single_device", False)),
            prize_config=prizes.validate_config(item["prizes"]) if item.get("prizes") is not None else None))
        if mode and not out[-1].prediction_question:
            raise SetupError(f"{where}: có câu hỏi dự đoán thì cần «prediction_question».")
    return out


def definition_dict(c: ContestDef, tz: ZoneInfo) -> dict:
    """The definition as a plain mapping, in the file's order (the inverse of parse_definition)."""
    areas: dict = {}
    if c.load_province:
        areas["load_province"] = True
    if c.areas:
        areas["tree"] = [{k: v for k, v in (("code", a.code), ("name", a.name), ("level", a.level),
                                            ("parent", a.parent), ("population", a.population),
                                            ("division_type", a.division_type)) if v not in (None, "")}
                         for a in c.areas]
    if c.populations:
        areas["populations"] = dict(sorted(c.populations.items()))
    out = {
        "format": FORMAT, "slug": c.slug, "title": c.title, "organizing_body": c.organizing_body,
        "province": c.province_code or None, "group_level": c.group_level, "published": c.is_published,
        "min_participation_rate": c.min_participation_rate, "description": c.description, "rules": c.rules_text,
        "tracks": [{"code": code, "name": name} for code, name in c.tracks],
        "categories": category_dicts(c.categories), "prizes": c.prize_config,
        "question_sets": {"ranked": c.ranked_topics, "practice": c.practice_topics}, "areas": areas,
        "units": [{k: v for k, v in (("code", u.code), ("name", u.name), ("kind", u.kind), ("block", u.block),
                                     ("parent", u.parent), ("area", u.area), ("staff", u.staff_count))
                   if v not in (None, "")} for u in c.units],
        "rounds": [_round_dict(r, tz) for r in c.rounds],
    }
    return out


def _round_dict(r: RoundDef, tz: ZoneInfo) -> dict:
    out = {"number": r.number, "name": r.name, "kind": r.kind, "opens": format_local_time(r.opens_at, tz),
           "closes": format_local_time(r.closes_at, tz), "questions": r.question_count,
           "minutes": r.time_limit_minutes, "attempts": r.attempts_allowed, "counting": r.counting_rule}
    if r.prediction_mode:
        out |= {"prediction": r.prediction_mode, "prediction_question": r.prediction_question}
    if r.blueprint:
        out["blueprint"] = r.blueprint
    if r.track_blueprints:
        out["track_blueprints"] = r.track_blueprints
    if r.single_device:
        out["single_device"] = True
    if r.prize_config is not None:
        out["prizes"] = r.prize_config
    return out
