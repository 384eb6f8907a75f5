"""Importing, deduplicating, curating and exporting the bank, against a real database."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.domain.errors import DomainError
from quizapp.domain.questions import QuestionDraft
from quizapp.extensions import db
from quizapp.models import Question
from quizapp.services import bank

MOODLE = Path(__file__).resolve().parent.parent / "fixtures" / "moodle"

CSV_OK = (
    "Chủ đề,Câu hỏi,Phương án A,Phương án B,Phương án C,Phương án D,Đáp án đúng,Mức độ,Giải thích,Nguồn\n"
    "Cải cách thể chế,Nghị quyết 76/NQ-CP ban hành năm nào?,2019,2020,2021,2022,C,1,Ban hành ngày 15/7/2021.,Nghị quyết 76/NQ-CP ngày 15/7/2021\n"
    "Cải cách thủ tục hành chính,Quyết định 468/QĐ-TTg ban hành năm nào?,2020,2021,2022,2023,B,2,,Quyết định 468/QĐ-TTg ngày 27/3/2021\n"
)
CSV_ONE_BAD = CSV_OK + "Cải cách thể chế,Câu thiếu đáp án?,A1,B1,C1,D1,,1,,\n"


def _count():
    return db.session.scalar(select(func.count()).select_from(Question))


def test_csv_import_adds_questions_with_topics_and_options(db_session):
    report = bank.import_file(CSV_OK.encode(), "cau-hoi.csv")
    assert report.added == 2 and not report.blocked
    q = db_session.scalar(select(Question).where(Question.text.contains("76/NQ-CP")))
    assert q.topic.title == "Cải cách thể chế"
    assert [o.text for o in q.options] == ["2019", "2020", "2021", "2022"]
    assert q.correct_option.text == "2021"


def test_one_invalid_row_changes_nothing_and_names_the_row(db_session):
    report = bank.import_file(CSV_ONE_BAD.encode(), "cau-hoi.csv")
    assert report.blocked and report.added == 0
    assert _count() == 0
    assert any("hàng 4" in str(i) for i in report.invalid)
    assert "chưa nhập câu hỏi nào" in report.summary


def test_skip_invalid_imports_the_good_rows(db_session):
    report = bank.import_file(CSV_ONE_BAD.encode(), "cau-hoi.csv", skip_invalid=True)
    assert report.added == 2 and len(report.invalid) == 1
    assert _count() == 2


def test_dry_run_reports_and_writes_nothing(db_session):
    report = bank.import_file(CSV_OK.encode(), "cau-hoi.csv", dry_run=True)
    assert len(report.to_add) == 2 and report.added == 0
    assert "Sẽ thêm 2 câu hỏi" in report.summary
    assert _count() == 0


def test_reimport_reports_every_question_as_duplicate(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv")
    again = bank.import_file(CSV_OK.encode(), "b.csv")
    assert again.added == 0 and len(again.duplicates) == 2
    assert all(d.exact for d in again.duplicates)
    assert _count() == 2


def test_allow_duplicates_adds_them_anyway(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv")
    again = bank.import_file(CSV_OK.encode(), "b.csv", allow_duplicates=True)
    assert again.added == 2 and _count() == 4


def test_aiken_error_file_imports_exactly_the_two_good_questions(db_session):
    report = bank.import_file((MOODLE / "aiken_errors.txt").read_bytes(), "aiken_errors.txt", skip_invalid=True)
    texts = set(db_session.scalars(select(Question.text)))
    assert texts == {"A good question", "A second good question"}
    lines = sorted(int(str(i).split()[1].rstrip(",:")) for i in report.invalid)
    assert lines == [3, 5, 7, 18]


def test_gift_file_imports_supported_and_reports_each_unsupported(db_session):
    report = bank.import_file((MOODLE / "questions.gift.txt").read_bytes(), "questions.gift.txt", fmt="gift",
                              skip_invalid=True, allow_duplicates=True)
    assert report.added >= 3
    assert report.skipped_types, "unsupported GIFT types must be reported"
    assert all("dòng" in i.location for i in report.skipped_types)


def test_html_is_stored_as_plain_text(db_session):
    xml = b"""<?xml version="1.0"?><quiz><question type="multichoice"><name><text>x</text></name>
    <questiontext format="html"><text><![CDATA[<p>Ch\xe1\xbb\x89 s\xe1\xbb\x91 <b>SIPAS</b> <script>alert(1)</script>?</p>]]></text></questiontext>
    <single>true</single>
    <answer fraction="100"><text>A</text></answer><answer fraction="0"><text>B</text></answer></question></quiz>"""
    bank.import_file(xml, "q.xml")
    q = db_session.scalar(select(Question))
    assert "<" not in q.text and "SIPAS" in q.text and "alert" not in q.text


def test_editing_a_used_question_makes_a_new_version(db_session, now):
    from tests.factories import make_attempt_using

    bank.import_file(CSV_OK.encode(), "a.csv")
    q = db_session.scalar(select(Question).order_by(Question.id))
    make_attempt_using(q, now)
    draft = bank.to_draft(q)
    draft.text = "Nghị quyết 76/NQ-CP được Chính phủ ban hành vào năm nào?"
    new = bank.edit_question(q.id, draft)
    assert new.id != q.id and new.version == 2 and new.family_id == q.family_id
    db_session.expire_all()
    old = db_session.get(Question, q.id)
    assert old.status == "superseded" and old.text.startswith("Nghị quyết 76/NQ-CP ban hành")


def test_editing_an_unused_question_changes_it_in_place(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv")
    q = db_session.scalar(select(Question).order_by(Question.id))
    draft = bank.to_draft(q)
    draft.options[3] = "2023"
    edited = bank.edit_question(q.id, draft)
    assert edited.id == q.id and edited.version == 1
    assert [o.text for o in edited.options][3] == "2023"


def test_edit_with_two_correct_answers_is_refused(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv")
    q = db_session.scalar(select(Question))
    draft = bank.to_draft(q)
    draft.options[1] = draft.options[0]
    with pytest.raises(DomainError):
        bank.edit_question(q.id, draft)


def test_search_is_accent_insensitive(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv")
    found, total = bank.search("nghi quyet")
    assert total == 1 and "Nghị quyết" in found[0].text
    assert bank.search("quyet dinh 468")[1] == 1


def test_retired_questions_are_not_in_the_active_list(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv")
    q = db_session.scalar(select(Question))
    bank.set_status(q.id, "retired")
    assert bank.search("")[1] == 1
    assert bank.search("", status="retired")[1] == 1


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "aiken", "gift"])
def test_export_then_import_gives_back_the_same_bank(db_session, fmt):
    bank.import_file(CSV_OK.encode(), "a.csv")
    before = {(q.text, tuple(o.text for o in q.options), q.correct_option.text) for q in db_session.scalars(select(Question))}
    data = bank.export_bank(fmt)
    db_session.query(Question).delete()
    db_session.commit()
    name = {"xlsx": "x.xlsx", "csv": "x.csv", "aiken": "x.txt", "gift": "x.gift"}[fmt]
    report = bank.import_file(data, name, fmt=fmt)
    assert report.added == 2, report.summary
    after = {(q.text, tuple(o.text for o in q.options), q.correct_option.text) for q in db_session.scalars(select(Question))}
    assert after == before


def test_bundled_bank_loads_and_reimport_adds_nothing(db_session):
    first = bank.load_bundled()
    assert first.added >= 300
    second = bank.load_bundled()
    assert second.added == 0 and len(second.duplicates) == first.added


def test_bundled_bank_passes_its_check():
    result = bank.check_bundled()
    assert result.problems == []
    assert result.total >= 300
    assert len(result.per_topic) >= 8
    assert all(sum(c.values()) >= 30 for c in result.per_topic.values())


def test_check_catches_evidence_not_in_the_seed(tmp_path):
    import shutil

    shutil.copytree(bank.BUNDLED_DIR / "sources", tmp_path / "sources")
    src = (bank.BUNDLED_DIR / "the-che.txt").read_text(encoding="utf-8")
    lines = src.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("SEED:"))
    lines[i - 1] = "EVIDENCE: một câu không hề có trong tài liệu"
    (tmp_path / "the-che.txt").write_text("\n".join(lines), encoding="utf-8")
    problems = bank.check_bundled(tmp_path).problems
    assert any("không có nguyên văn" in p for p in problems)
