"""The bundled question bank as a whole: collections, the register of documents, topic files, sources.

Pure checks over file contents (the service reads the files): structure, that every question names its legal
basis and the date it was checked, that its evidence stands in the source it names, that no active question rests
on a superseded document, duplicates, the item-writing check per collection, and counts.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from quizapp.domain import item_writing
from quizapp.domain.duplicates import find_duplicates, make_key
from quizapp.domain.formats import split_lines
from quizapp.domain.formats.bank import DOCUMENT_CODE, BankFile, parse_bank
from quizapp.domain.questions import QuestionDraft
from quizapp.domain.text import normalize_text

COLLECTION_KINDS = ("national", "local")
DOCUMENT_STATUSES = ("in_force", "superseded", "local")
DOCUMENT_STATUS_LABELS = {"in_force": "Còn hiệu lực", "superseded": "Đã được thay thế", "local": "Văn bản địa phương"}
MIN_PER_TOPIC = 30
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Collection:
    """A collection of the bank: the national core, or one local plan's questions."""

    slug: str
    title: str
    kind: str
    description: str = ""

    @property
    def is_local(self) -> bool:
        return self.kind == "local"


@dataclass(frozen=True)
class Document:
    """A document questions rest on, with whether it is still in force."""

    code: str
    title: str
    status: str
    replaced_by: tuple[str, ...] = ()
    note: str = ""

    @property
    def superseded(self) -> bool:
        return self.status == "superseded"


def read_blocks(text: str) -> list[dict[str, tuple[int, str]]]:
    """Blank-line separated blocks of `KEY: value` lines (comments start with '#'): key → (line, value)."""
    blocks: list[dict[str, tuple[int, str]]] = []
    current: dict[str, tuple[int, str]] | None = None
    for number, raw in enumerate(split_lines(text), start=1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            current = None
            continue
        if current is None:
            current = {}
            blocks.append(current)
        key, sep, value = line.partition(":")
        current[key.strip().upper() if sep else f"?{number}"] = (number, normalize_text(value) if sep else line)
    return blocks


def parse_collections(text: str) -> tuple[dict[str, Collection], list[str]]:
    """collections.txt: COLLECTION, TITLE, KIND (national|local), optional DESCRIPTION."""
    found, problems = {}, []
    for block in read_blocks(text):
        slug, line = block.get("COLLECTION", (0, ""))[1], min(n for n, _ in block.values())
        kind = block.get("KIND", (0, ""))[1]
        if not _SLUG.match(slug) or not block.get("TITLE", (0, ""))[1] or kind not in COLLECTION_KINDS:
            problems.append(f"collections.txt, dòng {line}: cần COLLECTION (slug), TITLE và KIND (national hoặc local).")
            continue
        if slug in found:
            problems.append(f"collections.txt, dòng {line}: bộ câu hỏi «{slug}» khai báo hai lần.")
        found[slug] = Collection(slug, block["TITLE"][1], kind, block.get("DESCRIPTION", (0, ""))[1])
    return found, problems


def parse_documents(text: str) -> tuple[dict[str, Document], list[str]]:
    """documents.txt: CODE, TITLE, STATUS (in_force|superseded|local), REPLACED_BY when superseded, NOTE."""
    found, problems = {}, []
    for block in read_blocks(text):
        code, line = block.get("CODE", (0, ""))[1], min(n for n, _ in block.values())
        status = block.get("STATUS", (0, ""))[1]
        replaced = tuple(c.strip() for c in block.get("REPLACED_BY", (0, ""))[1].split(";") if c.strip())
        where = f"documents.txt, dòng {line}"
        if not DOCUMENT_CODE.match(code) or not block.get("TITLE", (0, ""))[1] or status not in DOCUMENT_STATUSES:
            problems.append(f"{where}: cần CODE (ví dụ LUAT-80-2025), TITLE và STATUS (in_force, superseded, local).")
            continue
        if code in found:
            problems.append(f"{where}: văn bản «{code}» khai báo hai lần.")
        if status == "superseded" and not replaced:
            problems.append(f"{where}: văn bản «{code}» đã được thay thế thì cần REPLACED_BY.")
        found[code] = Document(code, block["TITLE"][1], status, replaced, block.get("NOTE", (0, ""))[1])
    for doc in found.values():
        problems += [f"documents.txt: «{doc.code}» được thay thế bởi «{c}», văn bản này chưa có trong danh mục."
                     for c in doc.replaced_by if c not in found]
    return found, problems


@dataclass
class BundledFile:
    """One topic file of the bundle and where it lies (`core/…` or `local/…`)."""

    path: str
    parsed: BankFile


@dataclass
class BundleCheck:
    """What checking the whole bundle found."""

    problems: list[str] = field(default_factory=list)
    collections: dict[str, Collection] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    files: list[BundledFile] = field(default_factory=list)
    drafts: list[QuestionDraft] = field(default_factory=list)
    topic_collection: dict[str, str] = field(default_factory=dict)  # topic slug → collection slug
    titles: dict[str, str] = field(default_factory=dict)  # topic slug → title
    per_topic: dict[str, dict[int, int]] = field(default_factory=dict)
    items: dict[str, item_writing.ItemReport] = field(default_factory=dict)  # per collection
    superseded_uses: list[tuple[str, str]] = field(default_factory=list)  # (question ID, document code)

    @property
    def total(self) -> int:
        return len(self.drafts)

    def in_collection(self, slug: str) -> list[QuestionDraft]:
        return [d for d in self.drafts if self.topic_collection.get(d.topic) == slug]

    def practical(self, slug: str | None = None) -> int:
        return sum(1 for d in self.drafts if d.style == "practical"
                   and (slug is None or self.topic_collection.get(d.topic) == slug))


def flat(text: str) -> str:
    """Text with whitespace collapsed: evidence is compared this way."""
    return " ".join(normalize_text(text).split())


def check_bundle(topic_files: Mapping[str, bytes], collections_text: str, documents_text: str,
                 sources: Mapping[str, str]) -> BundleCheck:
    """Check the bundle. `topic_files`: path (`core/x.txt`, `local/y.txt`) → bytes; `sources`: name → text."""
    check = BundleCheck()
    check.collections, problems = parse_collections(collections_text)
    check.problems += problems
    check.documents, problems = parse_documents(documents_text)
    check.problems += problems
    flat_sources = {name: flat(text) for name, text in sources.items()}
    for path in sorted(topic_files):
        _check_file(check, path, parse_bank(topic_files[path], path), flat_sources)
    check.problems += _duplicates(check.drafts)
    for slug in check.collections:
        report = item_writing.check(check.in_collection(slug))
        check.items[slug] = report
        check.problems += [f"bộ câu hỏi «{slug}»: {p}" for p in report.problems]
    check.problems += _same_facts_across(check)
    check.problems += [f"Chủ đề «{slug}» chỉ có {sum(c.values())} câu hỏi; cần ít nhất {MIN_PER_TOPIC}."
                       for slug, c in check.per_topic.items()
                       if sum(c.values()) < MIN_PER_TOPIC and not _is_local_topic(check, slug)]
    return check


def _is_local_topic(check: BundleCheck, topic: str) -> bool:
    collection = check.collections.get(check.topic_collection.get(topic, ""))
    return collection is not None and collection.is_local


def _check_file(check: BundleCheck, path: str, parsed: BankFile, sources: Mapping[str, str]) -> None:
    name = path
    if parsed.result.file_error:
        check.problems.append(f"{name}: {parsed.result.file_error}")
        return
    collection = check.collections.get(parsed.collection)
    if collection is None:
        check.problems.append(f"{name}: COLLECTION «{parsed.collection}» không có trong collections.txt.")
        return
    folder = "local" if collection.is_local else "core"
    if not path.startswith(folder + "/"):
        check.problems.append(f"{name}: tệp của bộ câu hỏi «{collection.slug}» phải nằm trong thư mục {folder}/.")
    if parsed.slug in check.topic_collection:
        check.problems.append(f"{name}: chủ đề «{parsed.slug}» đã có ở một tệp khác.")
        return
    check.files.append(BundledFile(path, parsed))
    check.topic_collection[parsed.slug] = collection.slug
    check.titles[parsed.slug] = parsed.title
    check.problems += [f"{name}, {issue}" for issue in parsed.result.issues]
    counts = check.per_topic.setdefault(parsed.slug, {1: 0, 2: 0, 3: 0})
    for draft in parsed.result.questions:
        check.problems += _question_problems(check, f"{name}, {draft.external_id}", draft, sources)
        check.drafts.append(draft)
        counts[draft.difficulty] += 1


def _question_problems(check: BundleCheck, where: str, draft: QuestionDraft, sources: Mapping[str, str]) -> list[str]:
    problems = []
    if not draft.basis:
        problems.append(f"{where}: thiếu BASIS (căn cứ pháp lý).")
    if not draft.checked:
        problems.append(f"{where}: thiếu CHECKED (ngày kiểm tra gần nhất).")
    for code in draft.basis:
        doc = check.documents.get(code)
        if doc is None:
            problems.append(f"{where}: văn bản «{code}» chưa có trong documents.txt.")
        elif doc.superseded:
            check.superseded_uses.append((draft.external_id, code))
            problems.append(f"{where}: dựa trên «{code}» đã được thay thế bởi {', '.join(doc.replaced_by)}.")
    if draft.seed:
        if draft.seed not in sources:
            problems.append(f"{where}: không có tài liệu nguồn «{draft.seed}» trong question_bank/sources/.")
        elif flat(draft.evidence) not in sources[draft.seed]:
            problems.append(f"{where}: đoạn trích dẫn (EVIDENCE) không có nguyên văn trong tài liệu nguồn {draft.seed}.")
    return problems


def _duplicates(drafts: list[QuestionDraft]) -> list[str]:
    keys = [make_key(i, d.text, d.options) for i, d in enumerate(drafts)]
    found = find_duplicates([], keys)
    return [
        f"{drafts[i].external_id} trùng {'hoàn toàn' if m.exact else f'gần ({m.similarity}%)'} với "
        f"{drafts[m.other].external_id}."
        for i, m in found.items()
    ]


def _same_facts_across(check: BundleCheck) -> list[str]:
    """Same-fact pairs between collections (within one collection the item report has them already)."""
    by_id = {d.external_id: check.topic_collection.get(d.topic) for d in check.drafts}
    return [f"{f.a} và {f.b} (hai bộ câu hỏi khác nhau) kiểm tra cùng một nội dung (giống {f.similarity:.0f}%)."
            for f in item_writing.same_facts(check.drafts) if by_id[f.a] != by_id[f.b]]
