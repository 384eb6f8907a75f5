"""The question bank: importing files (all or nothing), duplicates, curating with versions, export, checks."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, func, insert, select, update

from quizapp import ROOT
from quizapp.domain import bundle, formats
from quizapp.domain.duplicates import DuplicateMatch, find_duplicates, make_key
from quizapp.domain.errors import DomainError
from quizapp.domain.formats.bank import parse_bank
from quizapp.domain.questions import ImportIssue, QuestionDraft
from quizapp.domain.text import fold_accents, normalize_text
from quizapp.extensions import db
from quizapp.models import AttemptQuestion, Question, QuestionOption, Topic, utcnow

BUNDLED_DIR = ROOT / "question_bank"
DEFAULT_TOPIC = ("chua-phan-loai", "Chưa phân loại")
MIN_PER_TOPIC = 30


@dataclass
class DuplicateRow:
    """A question of the file that was not added because it duplicates another."""

    location: str
    text: str
    other: str  # "ngân hàng: #12 …" or "dòng 7"
    exact: bool
    similarity: float


@dataclass
class ImportReport:
    """What an import found and did; `added` is 0 whenever nothing was written."""

    filename: str
    fmt: str
    read: int = 0
    file_error: str = ""
    invalid: list[ImportIssue] = field(default_factory=list)
    skipped_types: list[ImportIssue] = field(default_factory=list)
    duplicates: list[DuplicateRow] = field(default_factory=list)
    to_add: list[QuestionDraft] = field(default_factory=list)
    added: int = 0
    dry_run: bool = False
    blocked_by_invalid: bool = False  # invalid rows, and the organiser did not choose to skip them

    @property
    def blocked(self) -> bool:
        """True when nothing may be written: an unreadable file, or invalid rows not chosen to be skipped."""
        return bool(self.file_error) or self.blocked_by_invalid

    @property
    def summary(self) -> str:
        """One Vietnamese sentence for the organiser."""
        if self.file_error:
            return f"Không nhập được tệp {self.filename}: {self.file_error}"
        if self.blocked_by_invalid:
            return (f"Tệp {self.filename} có {len(self.invalid)} lỗi; chưa nhập câu hỏi nào. "
                    "Hãy sửa các lỗi dưới đây, hoặc chọn bỏ qua các dòng lỗi.")
        verb = "Sẽ thêm" if self.dry_run else "Đã thêm"
        parts = [f"{verb} {len(self.to_add) if self.dry_run else self.added} câu hỏi"]
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} câu trùng đã bỏ qua")
        if self.invalid:
            parts.append(f"{len(self.invalid)} lỗi đã bỏ qua")
        if self.skipped_types:
            parts.append(f"{len(self.skipped_types)} câu thuộc dạng chưa hỗ trợ đã bỏ qua")
        return f"{self.filename}: " + "; ".join(parts) + "."


# ---------------------------------------------------------------- import


def read_file(data: bytes, filename: str, fmt: str | None = None):
    """Parse an uploaded file; returns (format, ParseResult)."""
    fmt = fmt or formats.detect_format(filename, data[:4096])
    if fmt is None:
        return None, formats.ParseResult(
            file_error="Không nhận ra loại tệp. Hãy dùng tệp .xlsx, .csv, .txt (Aiken hoặc GIFT) hoặc .xml (Moodle XML)."
        )
    return fmt, formats.parse(data, fmt, filename)


def import_file(data: bytes, filename: str, *, fmt: str | None = None, dry_run: bool = False,
                skip_invalid: bool = False, allow_duplicates: bool = False, topic_override: str | None = None,
                now: datetime | None = None) -> ImportReport:
    """Import a question file in one transaction: all valid questions, or nothing."""
    fmt, parsed = read_file(data, filename, fmt)
    if topic_override:
        for draft in parsed.questions:
            draft.topic = topic_override
    return import_drafts(parsed.questions, parsed.issues, filename=filename, fmt=fmt or "", file_error=parsed.file_error,
                         dry_run=dry_run, skip_invalid=skip_invalid, allow_duplicates=allow_duplicates)


def import_drafts(drafts: list[QuestionDraft], issues: list[ImportIssue], *, filename: str, fmt: str,
                  file_error: str = "", dry_run: bool = False, skip_invalid: bool = False,
                  allow_duplicates: bool = False, topic_titles: dict[str, str] | None = None) -> ImportReport:
    """Validate, find duplicates and (unless a dry run or blocked) write the drafts in one transaction."""
    report = ImportReport(filename, fmt, read=len(drafts) + len(issues), file_error=file_error, dry_run=dry_run)
    report.skipped_types = [i for i in issues if i.skipped_type]
    report.invalid = [i for i in issues if not i.skipped_type]
    report.blocked_by_invalid = bool(report.invalid) and not skip_invalid
    if report.blocked:
        return report
    report.to_add, exact = (drafts, {}) if allow_duplicates else _drop_duplicates(drafts, report)
    if dry_run or not report.to_add:
        return report
    try:
        report.added = _write(report.to_add, topic_titles or {}, exact)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _drop_duplicates(drafts: list[QuestionDraft], report: ImportReport) -> tuple[list[QuestionDraft], dict[int, str]]:
    """The drafts to keep, and each kept draft's exact-duplicate hash (by id()) so it is not computed twice."""
    existing = [make_key(("bank", qid), text, opts) for qid, text, opts in _bank_texts()]
    incoming = [make_key(("file", i), d.text, d.options) for i, d in enumerate(drafts)]
    found = find_duplicates(existing, incoming)
    keep, exact = [], {}
    for key, draft in zip(incoming, drafts):
        match = found.get(key.ref)
        if match is None:
            keep.append(draft)
            exact[id(draft)] = key.exact
        else:
            report.duplicates.append(_duplicate_row(draft, match, drafts))
    return keep, exact


def _duplicate_row(draft: QuestionDraft, match: DuplicateMatch, drafts: list[QuestionDraft]) -> DuplicateRow:
    kind, ref = match.other
    other = f"câu #{ref} trong ngân hàng" if kind == "bank" else (drafts[ref].location or "câu trước đó trong tệp")
    return DuplicateRow(draft.location, draft.text, other, match.exact, match.similarity)


def _bank_texts() -> list[tuple[int, str, list[str]]]:
    """Every current question's text and options (superseded versions excluded), in two queries."""
    rows = db.session.execute(select(Question.id, Question.text).where(Question.status != "superseded")).all()
    options: dict[int, list[str]] = {}
    opt_rows = db.session.execute(
        select(QuestionOption.question_id, QuestionOption.text)
        .join(Question, Question.id == QuestionOption.question_id)
        .where(Question.status != "superseded")
    )
    for qid, text in opt_rows:
        options.setdefault(qid, []).append(text)
    return [(qid, text, options.get(qid, [])) for qid, text in rows]


def _write(drafts: list[QuestionDraft], topic_titles: dict[str, str], exact: dict[int, str]) -> int:
    """Insert the questions and their options with two bulk statements (10,000 rows in seconds)."""
    topics = _topics_for(drafts, topic_titles)
    db.session.flush()
    rows = [_question_row(d, topics[_topic_ref(d)].id, exact.get(id(d))) for d in drafts]
    ids = db.session.scalars(
        insert(Question).returning(Question.id, sort_by_parameter_order=True), [r for r, _ in rows]).all()
    db.session.execute(insert(QuestionOption), [
        {"question_id": qid, "position": i, "text": text, "is_correct": i == correct}
        for qid, (_, (options, correct)) in zip(ids, rows) for i, text in enumerate(options)
    ])
    db.session.execute(update(Question).where(Question.family_id.is_(None)).values(family_id=Question.id))
    return len(ids)


def _question_row(draft: QuestionDraft, topic_id: int, exact: str | None = None) -> tuple[dict, tuple[list[str], int]]:
    """Column values of a new question, and its (options, correct index); `exact` is its hash if already known."""
    text = normalize_text(draft.text)
    options = [normalize_text(o) for o in draft.options]
    row = {
        "topic_id": topic_id, "text": text, "search_text": fold_accents(text),
        "dedup_key": exact or make_key(None, text, options).exact, "difficulty": draft.difficulty,
        "explanation": normalize_text(draft.explanation), "source": normalize_text(draft.source),
        "evidence": normalize_text(draft.evidence), "external_id": draft.external_id[:80], "version": 1,
        "status": "active", "created_at": utcnow(),
    }
    return row, (options, draft.correct_index)


def _new_question(draft: QuestionDraft, topic: Topic, family_id: int | None = None, version: int = 1) -> Question:
    row, (options, correct) = _question_row(draft, topic.id)
    q = Question(**(row | {"family_id": family_id, "version": version}))
    q.topic = topic
    q.options = [QuestionOption(position=i, text=o, is_correct=(i == correct)) for i, o in enumerate(options)]
    return q


def _topic_ref(draft: QuestionDraft) -> str:
    return normalize_text(draft.topic) or DEFAULT_TOPIC[0]


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold_accents(title)).strip("-")[:80] or DEFAULT_TOPIC[0]


def _topics_for(drafts: list[QuestionDraft], titles: dict[str, str]) -> dict[str, Topic]:
    """Topic for each reference (a slug or a title, matched accent-insensitively); creates missing ones."""
    all_topics = list(db.session.scalars(select(Topic)))
    by_key = {t.slug: t for t in all_topics} | {slugify(t.title): t for t in all_topics}
    result = {}
    for ref in {_topic_ref(d) for d in drafts}:
        topic = by_key.get(ref) or by_key.get(slugify(ref))
        if topic is None:
            slug = ref if ref == slugify(ref) else slugify(ref)
            title = titles.get(ref) or (DEFAULT_TOPIC[1] if ref == DEFAULT_TOPIC[0] else ref)
            topic = Topic(slug=slug, title=title)
            db.session.add(topic)
            db.session.flush()
            by_key[slug] = topic
        result[ref] = topic
    return result


# ---------------------------------------------------------------- the bundled bank


@dataclass
class BankCheck:
    """Result of checking the bundled bank: problems (empty when fine) and counts."""

    problems: list[str] = field(default_factory=list)
    per_topic: dict[str, dict[int, int]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    drafts: list[QuestionDraft] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.drafts)


def check_bundled(directory: Path = BUNDLED_DIR) -> BankCheck:
    """Validate every bundled topic file: structure, sources, seed evidence, duplicates, counts."""
    check = BankCheck()
    seeds = _seed_texts(directory / "sources")
    for path in sorted(directory.glob("*.txt")):
        bank_file = parse_bank(path.read_bytes(), path.name)
        if bank_file.result.file_error:
            check.problems.append(f"{path.name}: {bank_file.result.file_error}")
            continue
        check.titles[bank_file.slug] = bank_file.title
        check.problems += [f"{path.name}, {issue}" for issue in bank_file.result.issues]
        for draft in bank_file.result.questions:
            check.problems += _seed_problems(path.name, draft, seeds)
            check.drafts.append(draft)
            counts = check.per_topic.setdefault(bank_file.slug, {1: 0, 2: 0, 3: 0})
            counts[draft.difficulty] += 1
    check.problems += _duplicate_problems(check.drafts)
    check.problems += [
        f"Chủ đề «{slug}» chỉ có {sum(c.values())} câu hỏi; cần ít nhất {MIN_PER_TOPIC}."
        for slug, c in check.per_topic.items() if sum(c.values()) < MIN_PER_TOPIC
    ]
    return check


def _flat(text: str) -> str:
    return " ".join(normalize_text(text).split())


def _seed_texts(directory: Path) -> dict[str, str]:
    return {p.name[:3]: _flat(p.read_text(encoding="utf-8")) for p in directory.glob("[0-9][0-9][0-9]_*.txt")}


def _seed_problems(filename: str, draft: QuestionDraft, seeds: dict[str, str]) -> list[str]:
    where = f"{filename}, {draft.external_id}"
    if not draft.seed:
        return []
    if draft.seed not in seeds:
        return [f"{where}: không có tài liệu nguồn số {draft.seed} trong question_bank/sources/."]
    if _flat(draft.evidence) not in seeds[draft.seed]:
        return [f"{where}: đoạn trích dẫn (EVIDENCE) không có nguyên văn trong tài liệu nguồn {draft.seed}."]
    return []


def _duplicate_problems(drafts: list[QuestionDraft]) -> list[str]:
    keys = [make_key(i, d.text, d.options) for i, d in enumerate(drafts)]
    found = find_duplicates([], keys)
    return [
        f"{drafts[i].external_id} trùng {'hoàn toàn' if m.exact else f'gần ({m.similarity}%)'} với {drafts[m.other].external_id}."
        for i, m in found.items()
    ]


def read_bundle(directory: Path) -> bundle.BundleCheck:
    """Check a bundle laid out as question_bank/README.md describes (collections, documents, core/, local/)."""
    def text(name: str) -> str:
        path = directory / name
        return path.read_text(encoding="utf-8") if path.exists() else ""

    files = {str(p.relative_to(directory)): p.read_bytes()
             for folder in ("core", "local") for p in sorted((directory / folder).glob("*.txt"))}
    sources = {(p.name[:3] if re.match(r"\d{3}_", p.name) else p.stem): p.read_text(encoding="utf-8")
               for p in sorted((directory / "sources").glob("*.txt")) if p.name != "README.md"}
    return bundle.check_bundle(files, text("collections.txt"), text("documents.txt"), sources)


def load_bundled(directory: Path = BUNDLED_DIR) -> ImportReport:
    """Import the bundled bank; questions already in the bank are reported as duplicates and skipped."""
    check = check_bundled(directory)
    if check.problems:
        raise DomainError("Ngân hàng câu hỏi kèm theo có lỗi; chạy `flask bank check` để xem chi tiết.", "bank_invalid")
    return import_drafts(check.drafts, [], filename=str(directory.name), fmt="bank", topic_titles=check.titles)


# ---------------------------------------------------------------- curating


def question_used(question_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(AttemptQuestion.question_id == question_id))))


def edit_question(question_id: int, draft: QuestionDraft) -> Question:
    """Save an edit. A question already drawn in attempts keeps its row; the edit becomes a new version."""
    issues = formats.validate_draft(draft, "")
    if issues:
        raise DomainError("; ".join(i.message for i in issues), "invalid_question")
    old = db.session.get(Question, question_id)
    if old is None or old.status == "superseded":
        raise DomainError("Không tìm thấy câu hỏi (hoặc câu hỏi đã có phiên bản mới hơn).", "not_found")
    topic = _topics_for([draft], {})[_topic_ref(draft)] if draft.topic else old.topic
    if question_used(old.id):
        new = _new_question(draft, topic, family_id=old.family_id or old.id, version=old.version + 1)
        new.status = old.status
        old.status = "superseded"
        db.session.add(new)
        db.session.commit()
        return new
    _apply_edit(old, draft, topic)
    db.session.commit()
    return old


def _apply_edit(q: Question, draft: QuestionDraft, topic: Topic) -> None:
    replacement = _new_question(draft, topic)
    for attr in ("topic", "text", "search_text", "dedup_key", "difficulty", "explanation", "source", "evidence"):
        setattr(q, attr, getattr(replacement, attr))
    q.options.clear()
    db.session.flush()
    q.options.extend(QuestionOption(position=o.position, text=o.text, is_correct=o.is_correct) for o in replacement.options)


def set_status(question_id: int, status: str) -> Question:
    """Retire a question (never drawn again) or bring it back."""
    q = db.session.get(Question, question_id)
    if q is None or q.status == "superseded" or status not in ("active", "retired"):
        raise DomainError("Không thể đổi trạng thái câu hỏi này.", "invalid_status")
    q.status = status
    db.session.commit()
    return q


def search(query: str = "", topic_id: int | None = None, difficulty: int | None = None, status: str | None = "active",
           page: int = 1, per_page: int = 50):
    """Accent-insensitive search ('cai cach' finds 'cải cách'); returns (questions, total)."""
    stmt = select(Question).where(Question.status != "superseded")
    for word in fold_accents(query).split():
        stmt = stmt.where(Question.search_text.contains(word, autoescape=True))
    if topic_id:
        stmt = stmt.where(Question.topic_id == topic_id)
    if difficulty:
        stmt = stmt.where(Question.difficulty == difficulty)
    if status:
        stmt = stmt.where(Question.status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Question.topic_id, Question.id).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.title)))


def counts_by_topic() -> dict[int, int]:
    rows = db.session.execute(
        select(Question.topic_id, func.count()).where(Question.status == "active").group_by(Question.topic_id)
    )
    return dict(rows.all())


# ---------------------------------------------------------------- export


def to_draft(q: Question) -> QuestionDraft:
    correct = next((i for i, o in enumerate(q.options) if o.is_correct), -1)
    return QuestionDraft(
        text=q.text, options=[o.text for o in q.options], correct_index=correct, topic=q.topic.title,
        difficulty=q.difficulty, explanation=q.explanation, source=q.source, evidence=q.evidence,
        external_id=q.external_id,
    )


def export_bank(fmt: str, status: str | None = "active") -> bytes:
    """The bank (active questions by default) in an export format."""
    stmt = select(Question).where(Question.status != "superseded").order_by(Question.topic_id, Question.id)
    if status:
        stmt = stmt.where(Question.status == status)
    return formats.export([to_draft(q) for q in db.session.scalars(stmt)], fmt)


def template_xlsx() -> bytes:
    from quizapp.domain.formats.tabular import template_xlsx as make

    return make()
