"""The question bank: importing files (all or nothing), duplicates, curating with versions, export, checks."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy import text as sql

from quizapp import ROOT
from quizapp.domain import bundle, collation, formats, item_writing
from quizapp.domain.duplicates import DuplicateMatch, find_duplicates, make_key
from quizapp.domain.errors import DomainError
from quizapp.domain.formats import tabular
from quizapp.domain.questions import ImportIssue, QuestionDraft
from quizapp.domain.text import fold_accents, normalize_text, search_key, search_words
from quizapp.extensions import db
from quizapp.models import (
    AttemptQuestion,
    Collection,
    ContestTopic,
    LegalDocument,
    OrganizingBody,
    Question,
    QuestionOption,
    Topic,
    User,
    utcnow,
)
from quizapp.services import access, bulk

BUNDLED_DIR = ROOT / "question_bank"
DEFAULT_TOPIC = ("chua-phan-loai", "Chưa phân loại")
ADVICE_PAIRS_LIMIT = 2000  # files up to this size are searched for questions testing the same fact


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
    new_topics: list[str] = field(default_factory=list)  # topics the file names that do not exist yet
    blocked_by_topics: bool = False  # new topics, and the organiser did not agree to create them
    example_skipped: bool = False  # the template's example row was in the file (and left out)
    collection: str = ""  # the collection the questions go into
    items: item_writing.ItemReport | None = None  # item-writing advice on the questions to add (never blocks)

    @property
    def blocked(self) -> bool:
        """True when nothing may be written: an unreadable file, invalid rows not chosen to be skipped, or topics
        to create that the organiser has not agreed to."""
        return bool(self.file_error) or self.blocked_by_invalid or self.blocked_by_topics

    @property
    def summary(self) -> str:
        """One Vietnamese sentence for the organiser."""
        if self.file_error:
            return f"Không nhập được tệp {self.filename}: {self.file_error}"
        if self.blocked_by_invalid:
            return (f"Tệp {self.filename} có {len(self.invalid)} lỗi; chưa nhập câu hỏi nào. "
                    "Hãy sửa các lỗi dưới đây, hoặc chọn bỏ qua các dòng lỗi.")
        if self.blocked_by_topics:
            return (f"Tệp {self.filename} có chủ đề chưa có trong bộ câu hỏi: {', '.join(self.new_topics)}. "
                    "Chưa nhập câu hỏi nào; hãy đánh dấu «Tạo các chủ đề mới này» nếu đúng, hoặc sửa tên chủ đề "
                    "trong tệp cho khớp.")
        verb = "Sẽ thêm" if self.dry_run else "Đã thêm"
        parts = [f"{verb} {len(self.to_add) if self.dry_run else self.added} câu hỏi"]
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} câu trùng đã bỏ qua")
        if self.invalid:
            parts.append(f"{len(self.invalid)} lỗi đã bỏ qua")
        if self.skipped_types:
            parts.append(f"{len(self.skipped_types)} câu thuộc dạng chưa hỗ trợ đã bỏ qua")
        if self.new_topics:
            parts.append(("sẽ tạo" if self.dry_run else "đã tạo") + f" chủ đề mới: {', '.join(self.new_topics)}")
        if self.example_skipped:
            parts.append("hàng ví dụ của tệp mẫu đã bỏ qua")
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
                collection: Collection | None = None, create_topics: bool = False,
                now: datetime | None = None) -> ImportReport:
    """Import a question file in one transaction: all valid questions, or nothing.

    Questions go into topics of `collection` (the national core when None); topics the file names that the
    collection does not have are listed, and created only with `create_topics`.
    """
    fmt, parsed = read_file(data, filename, fmt)
    if topic_override:
        for draft in parsed.questions:
            draft.topic = topic_override
    drafts = [d for d in parsed.questions if not tabular.is_template_example(d)]
    report = import_drafts(drafts, parsed.issues, filename=filename, fmt=fmt or "", file_error=parsed.file_error,
                           dry_run=dry_run, skip_invalid=skip_invalid, allow_duplicates=allow_duplicates,
                           collection=collection or national_collection(), create_topics=create_topics)
    report.example_skipped = len(drafts) < len(parsed.questions)
    return report


def import_drafts(drafts: list[QuestionDraft], issues: list[ImportIssue], *, filename: str, fmt: str,
                  file_error: str = "", dry_run: bool = False, skip_invalid: bool = False,
                  allow_duplicates: bool = False, topic_titles: dict[str, str] | None = None,
                  collection: Collection | None = None, create_topics: bool = True) -> ImportReport:
    """Validate, find duplicates and (unless a dry run or blocked) write the drafts in one transaction."""
    report = ImportReport(filename, fmt, read=len(drafts) + len(issues), file_error=file_error, dry_run=dry_run)
    report.skipped_types = [i for i in issues if i.skipped_type]
    report.invalid = [i for i in issues if not i.skipped_type]
    report.blocked_by_invalid = bool(report.invalid) and not skip_invalid
    collection = collection or national_collection()
    report.collection = collection.title
    if report.blocked:
        return report
    report.to_add, exact = (drafts, {}) if allow_duplicates else _drop_duplicates(drafts, report)
    report.items = item_writing.check(report.to_add, ref=item_writing.where_in_file, pairs_limit=ADVICE_PAIRS_LIMIT)
    report.new_topics = _missing_topics(report.to_add, collection, topic_titles or {})
    report.blocked_by_topics = bool(report.new_topics) and not create_topics
    if dry_run or not report.to_add or report.blocked:
        return report
    try:
        report.added = _write(report.to_add, topic_titles or {}, exact, collection)
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


def _write(drafts: list[QuestionDraft], topic_titles: dict[str, str], exact: dict[int, str],
           collection: Collection | None, bundled: bool = False, topics: dict[str, Topic] | None = None) -> int:
    """Insert the questions and their options with two bulk statements (10,000 rows in seconds)."""
    topics = topics or _topics_for(drafts, topic_titles, collection)
    db.session.flush()
    rows = [_question_row(d, topics[_topic_ref(d)].id, exact.get(id(d)), bundled) for d in drafts]
    ids = _insert_questions([r for r, _ in rows])
    bulk.insert_rows(QuestionOption, [
        {"question_id": qid, "position": i, "text": text, "is_correct": i == correct}
        for qid, (_, (options, correct)) in zip(ids, rows) for i, text in enumerate(options)
    ])
    db.session.execute(update(Question).where(Question.family_id.is_(None)).values(family_id=Question.id))
    return len(ids)


def _insert_questions(rows: list[dict]) -> list[int]:
    """Insert question rows; returns their ids in order. On PostgreSQL the ids are taken from the sequence first
    and the rows copied in (COPY), instead of a multi-row INSERT ... RETURNING (a third of a 10k import)."""
    if not bulk.is_postgres():
        return list(db.session.scalars(insert(Question).returning(Question.id, sort_by_parameter_order=True), rows))
    ids = list(db.session.scalars(sql("SELECT nextval(pg_get_serial_sequence('question', 'id')) "
                                      "FROM generate_series(1, :n) ORDER BY 1"), {"n": len(rows)}))
    bulk.insert_rows(Question, [{"id": qid, **row} for qid, row in zip(ids, rows)])
    return ids


def _question_row(draft: QuestionDraft, topic_id: int, exact: str | None = None,
                  bundled: bool = False) -> tuple[dict, tuple[list[str], int]]:
    """Column values of a new question, and its (options, correct index); `exact` is its hash if already known."""
    text = normalize_text(draft.text)
    options = [normalize_text(o) for o in draft.options]
    row = {
        "topic_id": topic_id, "text": text, "search_text": search_key(text),
        "dedup_key": exact or make_key(None, text, options).exact, "difficulty": draft.difficulty,
        "explanation": normalize_text(draft.explanation), "source": normalize_text(draft.source),
        "evidence": normalize_text(draft.evidence), "external_id": draft.external_id[:80], "version": 1,
        "status": "active", "created_at": utcnow(), "basis": "; ".join(draft.basis)[:255],
        "checked_on": date.fromisoformat(draft.checked) if draft.checked else None,
        "style": draft.style if draft.style in ("recall", "practical") else "recall", "bundled": bundled,
    }
    return row, (options, draft.correct_index)


def _new_question(draft: QuestionDraft, topic: Topic, family_id: int | None = None, version: int = 1,
                  bundled: bool = False) -> Question:
    row, (options, correct) = _question_row(draft, topic.id, bundled=bundled)
    q = Question(**(row | {"family_id": family_id, "version": version}))
    q.topic = topic
    q.options = [QuestionOption(position=i, text=o, is_correct=(i == correct)) for i, o in enumerate(options)]
    return q


def _topic_ref(draft: QuestionDraft) -> str:
    return normalize_text(draft.topic) or DEFAULT_TOPIC[0]


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold_accents(title)).strip("-")[:80] or DEFAULT_TOPIC[0]


def _topic_keys(collection: Collection) -> dict[str, Topic]:
    topics = list(db.session.scalars(select(Topic).where(Topic.collection_id == collection.id)))
    return {t.slug: t for t in topics} | {slugify(t.title): t for t in topics}


def _missing_topics(drafts: list[QuestionDraft], collection: Collection, titles: dict[str, str]) -> list[str]:
    """Titles of the topics the drafts name that the collection does not have (they would be created)."""
    by_key = _topic_keys(collection)
    missing = {}
    for ref in {_topic_ref(d) for d in drafts}:
        if by_key.get(ref) is None and by_key.get(slugify(ref)) is None:
            missing[slugify(ref)] = titles.get(ref) or (DEFAULT_TOPIC[1] if ref == DEFAULT_TOPIC[0] else ref)
    return sorted(missing.values(), key=collation.key)


def _topics_for(drafts: list[QuestionDraft], titles: dict[str, str], collection: Collection) -> dict[str, Topic]:
    """Topic of the collection for each reference (a slug or a title, matched accent-insensitively); creates
    missing ones in the collection (the caller has reported them and the organiser agreed)."""
    by_key = _topic_keys(collection)
    result = {}
    for ref in sorted({_topic_ref(d) for d in drafts}):
        topic = by_key.get(ref) or by_key.get(slugify(ref))
        if topic is None:
            title = titles.get(ref) or (DEFAULT_TOPIC[1] if ref == DEFAULT_TOPIC[0] else ref)
            topic = Topic(slug=_free_slug(ref if ref == slugify(ref) else slugify(ref), collection), title=title,
                          collection_id=collection.id, position=len(by_key))
            db.session.add(topic)
            db.session.flush()
            by_key[topic.slug] = by_key[slugify(ref)] = topic
        result[ref] = topic
    return result


def _free_slug(slug: str, collection: Collection) -> str:
    """Topic slugs are unique across the bank: a body's own topic gets its collection's prefix when needed."""
    if db.session.scalar(select(Topic.id).where(Topic.slug == slug)) is None:
        return slug
    base = f"{collection.slug}-{slug}"[:76]
    candidate, n = base, 2
    while db.session.scalar(select(Topic.id).where(Topic.slug == candidate)) is not None:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# ---------------------------------------------------------------- the bundled bank


def bundle_dir() -> Path:
    """Where the bundled bank lies (QUESTION_BANK_DIR overrides it, for trying a bank under review)."""
    from flask import current_app, has_app_context

    configured = current_app.config.get("QUESTION_BANK_DIR") if has_app_context() else None
    configured = configured or os.environ.get("QUESTION_BANK_DIR")
    return Path(configured) if configured else BUNDLED_DIR


def read_bundle(directory: Path | None = None) -> bundle.BundleCheck:
    """Check a bundle laid out as question_bank/README.md describes (collections, documents, core/, local/)."""
    directory = directory or bundle_dir()

    def text(name: str) -> str:
        path = directory / name
        return path.read_text(encoding="utf-8") if path.exists() else ""

    files = {str(p.relative_to(directory)): p.read_bytes()
             for folder in ("core", "local") for p in sorted((directory / folder).glob("*.txt"))}
    sources = {(p.name[:3] if re.match(r"\d{3}_", p.name) else p.stem): p.read_text(encoding="utf-8")
               for p in sorted((directory / "sources").glob("*.txt")) if p.name != "README.md"}
    return bundle.check_bundle(files, text("collections.txt"), text("documents.txt"), sources)


check_bundled = read_bundle


@dataclass
class SyncReport:
    """What loading the bundled bank changed."""

    added: int = 0
    updated: int = 0
    new_versions: int = 0
    retired: int = 0
    collections: int = 0
    documents: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.new_versions or self.retired)

    @property
    def summary(self) -> str:
        return (f"Ngân hàng câu hỏi kèm theo: thêm {self.added}, cập nhật {self.updated}, phiên bản mới "
                f"{self.new_versions}, ngừng dùng {self.retired} câu.")


def load_bundled(directory: Path | None = None) -> SyncReport:
    """Bring the database in line with the bundled bank (idempotent, one transaction).

    Bundled questions are matched by their ID, then by their text (a question moved to another topic keeps its
    row); a changed question already drawn in attempts becomes a new version, so old attempts grade as shown; a
    bundled question no longer in the files is retired, never deleted. Questions organisers imported are not
    touched.
    """
    check = read_bundle(directory)
    if check.problems:
        raise DomainError("Ngân hàng câu hỏi kèm theo có lỗi; chạy `flask bank check` để xem chi tiết.", "bank_invalid")
    report = SyncReport()
    try:
        collections = _sync_collections(check, report)
        topics = _sync_topics(check, collections)
        _sync_documents(check, report)
        _sync_questions(check, topics, report)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _sync_collections(check: bundle.BundleCheck, report: SyncReport) -> dict[str, Collection]:
    have = {c.slug: c for c in db.session.scalars(select(Collection))}
    for position, c in enumerate(check.collections.values()):
        row = have.get(c.slug)
        if row is None:
            row = have[c.slug] = Collection(slug=c.slug)
            db.session.add(row)
            report.collections += 1
        row.title, row.kind, row.description, row.position = c.title, c.kind, c.description, position
    db.session.flush()
    return have


def _sync_topics(check: bundle.BundleCheck, collections: dict[str, Collection]) -> dict[str, Topic]:
    have = {t.slug: t for t in db.session.scalars(select(Topic))}
    for position, f in enumerate(check.files):
        row = have.get(f.parsed.slug)
        if row is None:
            row = have[f.parsed.slug] = Topic(slug=f.parsed.slug)
            db.session.add(row)
        row.title, row.position = f.parsed.title, position
        row.collection_id = collections[check.topic_collection[f.parsed.slug]].id
    db.session.flush()
    return have


def _sync_documents(check: bundle.BundleCheck, report: SyncReport) -> None:
    have = {d.code: d for d in db.session.scalars(select(LegalDocument))}
    for doc in check.documents.values():
        row = have.get(doc.code)
        if row is None:
            row = LegalDocument(code=doc.code)
            db.session.add(row)
            report.documents += 1
        elif row.status == "superseded" and doc.status == "in_force":
            continue  # marked superseded here (console or command line): the bundle does not undo that
        row.title, row.status, row.replaced_by, row.note = doc.title, doc.status, "; ".join(doc.replaced_by), doc.note
    db.session.flush()


_COMPARED = ("text", "difficulty", "explanation", "source", "evidence", "basis", "checked_on", "style", "topic_id")


def _sync_questions(check: bundle.BundleCheck, topics: dict[str, Topic], report: SyncReport) -> None:
    current = list(db.session.scalars(select(Question).where(Question.bundled, Question.status != "superseded")))
    by_id = {q.external_id: q for q in current}
    by_key = {q.dedup_key: q for q in current}
    used = set(db.session.scalars(select(AttemptQuestion.question_id).distinct().where(
        AttemptQuestion.question_id.in_([q.id for q in current])))) if current else set()
    seen: set[int] = set()
    new: list[QuestionDraft] = []
    for draft in check.drafts:
        topic = topics[draft.topic]
        row, (options, correct) = _question_row(draft, topic.id, bundled=True)
        q = by_id.get(draft.external_id) or by_key.get(row["dedup_key"])
        if q is None or q.id in seen:
            new.append(draft)
            continue
        seen.add(q.id)
        same = all(getattr(q, k) == row[k] for k in _COMPARED) and [o.text for o in q.options] == options \
            and q.options[correct].is_correct and q.status == "active" and q.external_id == row["external_id"]
        if same:
            continue
        if q.id in used and ([o.text for o in q.options] != options or not q.options[correct].is_correct
                             or q.text != row["text"]):
            replacement = _new_question(draft, topic, family_id=q.family_id or q.id, version=q.version + 1, bundled=True)
            q.status = "superseded"
            db.session.add(replacement)
            report.new_versions += 1
            continue
        for k in (*_COMPARED, "search_text", "dedup_key", "external_id"):
            setattr(q, k, row[k])
        q.status = "active"
        if [o.text for o in q.options] != options or not q.options[correct].is_correct:
            q.options.clear()
            db.session.flush()
            q.options.extend(QuestionOption(position=i, text=o, is_correct=i == correct) for i, o in enumerate(options))
        report.updated += 1
    for q in current:
        if q.id not in seen and q.status == "active":
            q.status = "retired"
            report.retired += 1
    db.session.flush()
    if new:
        report.added = _write(new, check.titles, {}, None, bundled=True, topics=topics)


def national_collection() -> Collection:
    """The national core (created empty if the bank has not been loaded yet)."""
    core = db.session.scalar(select(Collection).where(Collection.kind == "national").order_by(Collection.position))
    if core is None:
        core = Collection(slug="quoc-gia", title="Bộ câu hỏi chung toàn quốc", kind="national")
        db.session.add(core)
        db.session.flush()
    return core


@dataclass
class DocumentUse:
    document: LegalDocument
    questions: list[Question]


def superseded_in_use() -> list[DocumentUse]:
    """Every superseded document that active questions still rest on, with those questions."""
    docs = {d.code: d for d in db.session.scalars(select(LegalDocument).where(LegalDocument.status == "superseded"))}
    if not docs:
        return []
    found: dict[str, list[Question]] = {}
    for q in db.session.scalars(select(Question).where(Question.status == "active", Question.basis != "")):
        for code in q.basis_codes:
            if code in docs:
                found.setdefault(code, []).append(q)
    return [DocumentUse(docs[c], qs) for c, qs in sorted(found.items())]


def mark_superseded(code: str, replaced_by: list[str], note: str = "") -> LegalDocument:
    """Record that a document was replaced; `flask bank check` then lists the active questions resting on it."""
    doc = db.session.scalar(select(LegalDocument).where(LegalDocument.code == code))
    if doc is None:
        raise DomainError(f"Không có văn bản mã «{code}» trong danh mục.", "not_found")
    doc.status, doc.replaced_by = "superseded", "; ".join(replaced_by)
    doc.note = note or doc.note
    db.session.commit()
    return doc


def documents() -> list[LegalDocument]:
    return list(db.session.scalars(select(LegalDocument).order_by(LegalDocument.status, LegalDocument.code)))


# ---------------------------------------------------------------- curating
#
# The bank is one library. The national core and the local collections are the site's (admins edit them);
# an organising body's own collection is edited by that body's organisers. Everyone on the staff reads it all.


def may_edit_collection(user: User | None, collection: Collection) -> bool:
    if user is None:
        return True  # the command line
    if user.is_admin:
        return True
    return collection.kind == "own" and access.may_edit_body(user, collection.owner_body_id)


def may_edit(user: User | None, question: Question) -> bool:
    return may_edit_collection(user, question.topic.collection)


def _require_edit(user: User | None, collection: Collection) -> None:
    if not may_edit_collection(user, collection):
        raise access.AccessError("Bộ câu hỏi này do quản trị hệ thống biên tập; bạn chỉ xem được. Câu hỏi riêng của "
                                 "cơ quan bạn nằm trong bộ «Câu hỏi riêng».", "forbidden")


def own_collection(body: OrganizingBody) -> Collection:
    """The body's own collection, created the first time it is needed."""
    found = db.session.scalar(select(Collection).where(Collection.kind == "own", Collection.owner_body_id == body.id))
    if found is None:
        found = Collection(slug=f"rieng-{body.id}", title=f"Câu hỏi riêng của {body.name}", kind="own",
                           owner_body_id=body.id, position=100)
        db.session.add(found)
        db.session.flush()
    return found


def editable_collections(user: User | None) -> list[Collection]:
    """Collections this user may import into and edit (a body's own collection exists once asked for)."""
    if user is not None and not user.is_admin:
        out = [own_collection(b) for b in access.organizer_bodies(user)]
        db.session.commit()
        return out
    return list(db.session.scalars(select(Collection).order_by(Collection.position, Collection.title)))


def collections() -> list[Collection]:
    return list(db.session.scalars(select(Collection).order_by(Collection.position, Collection.title)))


def get_collection(collection_id: int | None) -> Collection | None:
    return db.session.get(Collection, collection_id) if collection_id else None


def get_question(question_id: int) -> Question | None:
    return db.session.get(Question, question_id)


def editable_topics(user: User | None) -> list[Topic]:
    ids = [c.id for c in editable_collections(user)]
    return list(db.session.scalars(select(Topic).join(Collection).where(Topic.collection_id.in_(ids))
                                   .order_by(Collection.position, Topic.position, Topic.title)))


def question_used(question_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(AttemptQuestion.question_id == question_id))))


def _topic_for_edit(user: User | None, draft: QuestionDraft, fallback: Topic | None) -> Topic:
    if not draft.topic:
        if fallback is None:
            raise DomainError("Vui lòng chọn chủ đề.", "invalid_question")
        return fallback
    topic = db.session.scalar(select(Topic).where(Topic.slug == draft.topic))
    if topic is None and fallback is not None and slugify(draft.topic) == slugify(fallback.title):
        topic = fallback  # the topic given by its title, as exports write it
    if topic is None:
        raise DomainError("Không tìm thấy chủ đề đã chọn.", "invalid_question")
    _require_edit(user, topic.collection)
    return topic


def create_question(draft: QuestionDraft, actor: User | None = None) -> Question:
    """Add one question to a topic this user may edit."""
    issues = formats.validate_draft(draft, "")
    if issues:
        raise DomainError("; ".join(i.message for i in issues), "invalid_question")
    topic = _topic_for_edit(actor, draft, None)
    q = _new_question(draft, topic)
    db.session.add(q)
    db.session.flush()
    q.family_id = q.id
    db.session.commit()
    return q


def edit_question(question_id: int, draft: QuestionDraft, actor: User | None = None) -> Question:
    """Save an edit. A question already drawn in attempts keeps its row; the edit becomes a new version."""
    issues = formats.validate_draft(draft, "")
    if issues:
        raise DomainError("; ".join(i.message for i in issues), "invalid_question")
    old = db.session.get(Question, question_id)
    if old is None or old.status == "superseded":
        raise DomainError("Không tìm thấy câu hỏi (hoặc câu hỏi đã có phiên bản mới hơn).", "not_found")
    _require_edit(actor, old.topic.collection)
    topic = _topic_for_edit(actor, draft, old.topic)
    draft.basis, draft.checked, draft.style = draft.basis or tuple(old.basis_codes), draft.checked or (
        old.checked_on.isoformat() if old.checked_on else ""), draft.style or old.style
    if question_used(old.id):
        new = _new_question(draft, topic, family_id=old.family_id or old.id, version=old.version + 1,
                            bundled=old.bundled)
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


def set_status(question_id: int, status: str, actor: User | None = None) -> Question:
    """Retire a question (never drawn again) or bring it back."""
    q = db.session.get(Question, question_id)
    if q is None or q.status == "superseded" or status not in ("active", "retired"):
        raise DomainError("Không thể đổi trạng thái câu hỏi này.", "invalid_status")
    _require_edit(actor, q.topic.collection)
    q.status = status
    db.session.commit()
    return q


def search(query: str = "", topic_id: int | None = None, difficulty: int | None = None, status: str | None = "active",
           page: int = 1, per_page: int = 50, collection_id: int | None = None):
    """Accent-insensitive whole-word search ('cai cach' finds 'cải cách'; 'ha tinh' finds 'Hà Tĩnh', not every
    'hành' and 'tỉnh'); returns (questions, total)."""
    stmt = select(Question).where(Question.status != "superseded")
    for word in search_words(query):
        stmt = stmt.where(Question.search_text.contains(f" {word} ", autoescape=True))
    if topic_id:
        stmt = stmt.where(Question.topic_id == topic_id)
    if collection_id:
        stmt = stmt.where(Question.topic_id.in_(select(Topic.id).where(Topic.collection_id == collection_id)))
    if difficulty:
        stmt = stmt.where(Question.difficulty == difficulty)
    if status:
        stmt = stmt.where(Question.status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Question.topic_id, Question.id).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).join(Collection).order_by(Collection.position, Topic.position,
                                                                           Topic.title)))


def counts_by_topic() -> dict[int, int]:
    rows = db.session.execute(
        select(Question.topic_id, func.count()).where(Question.status == "active").group_by(Question.topic_id)
    )
    return dict(rows.all())


# ---------------------------------------------------------------- topics


def create_topic(collection: Collection, title: str, actor: User | None) -> Topic:
    _require_edit(actor, collection)
    title = normalize_text(title)
    if not title or len(title) > 255:
        raise DomainError("Vui lòng nhập tên chủ đề (tối đa 255 ký tự).", "invalid_topic")
    if any(slugify(t.title) == slugify(title) for t in collection.topics):
        raise DomainError(f"Bộ câu hỏi đã có chủ đề «{title}».", "topic_exists")
    topic = Topic(slug=_free_slug(slugify(title), collection), title=title, collection_id=collection.id,
                  position=len(collection.topics))
    db.session.add(topic)
    db.session.commit()
    return topic


def rename_topic(topic_id: int, title: str, actor: User | None) -> Topic:
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise DomainError("Không tìm thấy chủ đề.", "not_found")
    _require_edit(actor, topic.collection)
    title = normalize_text(title)
    if not title or len(title) > 255:
        raise DomainError("Vui lòng nhập tên chủ đề (tối đa 255 ký tự).", "invalid_topic")
    topic.title = title
    db.session.commit()
    return topic


def move_topic(topic_id: int, step: int, actor: User | None) -> None:
    """Move a topic up (-1) or down (+1) within its collection."""
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise DomainError("Không tìm thấy chủ đề.", "not_found")
    _require_edit(actor, topic.collection)
    siblings = list(topic.collection.topics)
    i = siblings.index(topic)
    j = max(0, min(len(siblings) - 1, i + step))
    siblings.insert(j, siblings.pop(i))
    for position, t in enumerate(siblings):
        t.position = position
    db.session.commit()


def merge_topics(source_id: int, target_id: int, actor: User | None) -> int:
    """Move every question of `source` into `target` (same collection) and remove `source`; returns how many.

    Contests that drew `source` draw `target` from now on.
    """
    source, target = db.session.get(Topic, source_id), db.session.get(Topic, target_id)
    if source is None or target is None or source.id == target.id:
        raise DomainError("Hãy chọn hai chủ đề khác nhau.", "invalid_topic")
    if source.collection_id != target.collection_id:
        raise DomainError("Chỉ gộp được hai chủ đề của cùng một bộ câu hỏi.", "invalid_topic")
    _require_edit(actor, source.collection)
    moved = db.session.execute(update(Question).where(Question.topic_id == source.id)
                               .values(topic_id=target.id)).rowcount
    have = set(db.session.scalars(select(ContestTopic.contest_id).where(ContestTopic.topic_id == target.id)))
    for link in db.session.scalars(select(ContestTopic).where(ContestTopic.topic_id == source.id)):
        if link.contest_id in have:
            db.session.delete(link)
        else:
            link.topic_id = target.id
    db.session.flush()
    db.session.delete(source)
    db.session.commit()
    return moved


# ---------------------------------------------------------------- export


def to_draft(q: Question) -> QuestionDraft:
    correct = next((i for i, o in enumerate(q.options) if o.is_correct), -1)
    return QuestionDraft(
        text=q.text, options=[o.text for o in q.options], correct_index=correct, topic=q.topic.title,
        difficulty=q.difficulty, explanation=q.explanation, source=q.source, evidence=q.evidence,
        external_id=q.external_id, style=q.style, basis=tuple(q.basis_codes),
        checked=q.checked_on.isoformat() if q.checked_on else "",
    )


def export_bank(fmt: str, status: str | None = "active", collection_id: int | None = None) -> bytes:
    """The bank (active questions by default; one collection if given) in an export format."""
    stmt = select(Question).where(Question.status != "superseded").order_by(Question.topic_id, Question.id)
    if status:
        stmt = stmt.where(Question.status == status)
    if collection_id:
        stmt = stmt.where(Question.topic_id.in_(select(Topic.id).where(Topic.collection_id == collection_id)))
    return formats.export([to_draft(q) for q in db.session.scalars(stmt)], fmt)


def template_xlsx() -> bytes:
    from quizapp.domain.formats.tabular import template_xlsx as make

    return make()
