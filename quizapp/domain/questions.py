"""Questions as plain values, and the issues found while reading them from files."""
from __future__ import annotations

from dataclasses import dataclass, field

LETTERS = "ABCD"
OPTION_COUNT = 4


@dataclass
class QuestionDraft:
    """A single-choice question as read from a file, before it is stored."""

    text: str
    options: list[str]
    correct_index: int  # index into options
    topic: str = ""  # topic slug or title as given in the file
    difficulty: int = 2
    explanation: str = ""
    source: str = ""
    evidence: str = ""
    seed: str = ""
    external_id: str = ""  # ID in the bundled bank, or Moodle name
    style: str = "recall"  # "practical": a scenario / what-do-you-do question
    basis: tuple[str, ...] = ()  # codes of the documents (documents.txt) the question rests on
    checked: str = ""  # YYYY-MM-DD: when it was last checked against its source
    location: str = ""  # "dòng 12" / "hàng 5": where in the file it came from


@dataclass
class ImportIssue:
    """One problem found in a file: where, which field, what (Vietnamese)."""

    location: str  # e.g. "dòng 18", "hàng 7"
    field: str  # e.g. "đáp án", "câu hỏi", "" when not about one field
    message: str
    skipped_type: str = ""  # set when the issue is an unsupported question type

    def __str__(self) -> str:
        where = f"{self.location}" + (f", trường «{self.field}»" if self.field else "")
        return f"{where}: {self.message}"


@dataclass
class ParseResult:
    """What a file yielded: good drafts and the issues found (a bad question yields an issue, not a draft)."""

    questions: list[QuestionDraft] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    file_error: str = ""  # set when the file as a whole cannot be read (Vietnamese message)

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.issues
