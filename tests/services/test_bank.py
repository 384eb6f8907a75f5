"""Importing, deduplicating, curating and exporting the bank, against a real database."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.domain import formats
from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Collection, Question, Topic
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
    report = bank.import_file(CSV_OK.encode(), "cau-hoi.csv", create_topics=True)
    assert report.added == 2 and not report.blocked
    q = db_session.scalar(select(Question).where(Question.text.contains("76/NQ-CP")))
    assert q.topic.title == "Cải cách thể chế"
    assert [o.text for o in q.options] == ["2019", "2020", "2021", "2022"]
    assert q.correct_option.text == "2021"


def test_one_invalid_row_changes_nothing_and_names_the_row(db_session):
    report = bank.import_file(CSV_ONE_BAD.encode(), "cau-hoi.csv", create_topics=True)
    assert report.blocked and report.added == 0
    assert _count() == 0
    assert any("hàng 4" in str(i) for i in report.invalid)
    assert "chưa nhập câu hỏi nào" in report.summary


def test_skip_invalid_imports_the_good_rows(db_session):
    report = bank.import_file(CSV_ONE_BAD.encode(), "cau-hoi.csv", skip_invalid=True, create_topics=True)
    assert report.added == 2 and len(report.invalid) == 1
    assert _count() == 2


def test_dry_run_reports_and_writes_nothing(db_session):
    report = bank.import_file(CSV_OK.encode(), "cau-hoi.csv", dry_run=True, create_topics=True)
    assert len(report.to_add) == 2 and report.added == 0
    assert "Sẽ thêm 2 câu hỏi" in report.summary
    assert _count() == 0


def test_reimport_reports_every_question_as_duplicate(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
    again = bank.import_file(CSV_OK.encode(), "b.csv", create_topics=True)
    assert again.added == 0 and len(again.duplicates) == 2
    assert all(d.exact for d in again.duplicates)
    assert _count() == 2


def test_allow_duplicates_adds_them_anyway(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
    again = bank.import_file(CSV_OK.encode(), "b.csv", allow_duplicates=True, create_topics=True)
    assert again.added == 2 and _count() == 4


def test_aiken_error_file_imports_exactly_the_two_good_questions(db_session):
    report = bank.import_file((MOODLE / "aiken_errors.txt").read_bytes(), "aiken_errors.txt", skip_invalid=True, create_topics=True)
    texts = set(db_session.scalars(select(Question.text)))
    assert texts == {"A good question", "A second good question"}
    lines = sorted(int(str(i).split()[1].rstrip(",:")) for i in report.invalid)
    assert lines == [3, 5, 7, 18]


def test_gift_file_imports_supported_and_reports_each_unsupported(db_session):
    report = bank.import_file((MOODLE / "questions.gift.txt").read_bytes(), "questions.gift.txt", fmt="gift",
                              create_topics=True,
                              skip_invalid=True, allow_duplicates=True)
    assert report.added >= 3
    assert report.skipped_types, "unsupported GIFT types must be reported"
    assert all("dòng" in i.location for i in report.skipped_types)


def test_html_is_stored_as_plain_text(db_session):
    xml = b"""<?xml version="1.0"?><quiz><question type="multichoice"><name><text>x</text></name>
    <questiontext format="html"><text><![CDATA[<p>Ch\xe1\xbb\x89 s\xe1\xbb\x91 <b>SIPAS</b> <script>alert(1)</script>?</p>]]></text></questiontext>
    <single>true</single>
    <answer fraction="100"><text>A</text></answer><answer fraction="0"><text>B</text></answer></question></quiz>"""
    bank.import_file(xml, "q.xml", create_topics=True)
    q = db_session.scalar(select(Question))
    assert "<" not in q.text and "SIPAS" in q.text and "alert" not in q.text


def test_editing_a_used_question_makes_a_new_version(db_session, now):
    from tests.factories import make_attempt_using

    bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
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
    bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
    q = db_session.scalar(select(Question).order_by(Question.id))
    draft = bank.to_draft(q)
    draft.options[3] = "2023"
    edited = bank.edit_question(q.id, draft)
    assert edited.id == q.id and edited.version == 1
    assert [o.text for o in edited.options][3] == "2023"


def test_edit_with_two_correct_answers_is_refused(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
    q = db_session.scalar(select(Question))
    draft = bank.to_draft(q)
    draft.options[1] = draft.options[0]
    with pytest.raises(DomainError):
        bank.edit_question(q.id, draft)


def test_search_is_accent_insensitive(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
    found, total = bank.search("nghi quyet")
    assert total == 1 and "Nghị quyết" in found[0].text
    assert bank.search("quyet dinh 468")[1] == 1


def test_search_matches_whole_words_ha_tinh_is_not_every_hanh_and_tinh(db_session):
    from quizapp.domain.questions import QuestionDraft

    drafts = [QuestionDraft(text=t, options=["Có", "Không"], correct_index=0, topic="Địa phương")
              for t in ("Tỉnh Hà Tĩnh có bao nhiêu xã, phường sau sắp xếp?",
                        "Thủ tục hành chính cấp tỉnh do cơ quan nào công bố?")]
    bank.import_drafts(drafts, [], filename="x", fmt="csv", create_topics=True)
    found, total = bank.search("ha tinh")
    assert total == 1 and "Hà Tĩnh" in found[0].text
    assert bank.search("hanh chinh")[1] == 1
    assert bank.search("han")[1] == 0  # part of a word is not a word


def test_retired_questions_are_not_in_the_active_list(db_session):
    bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
    q = db_session.scalar(select(Question))
    bank.set_status(q.id, "retired")
    assert bank.search("")[1] == 1
    assert bank.search("", status="retired")[1] == 1


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "aiken", "gift", "moodle_xml"])
def test_export_then_import_gives_back_the_same_bank(db_session, fmt):
    bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
    before = {(q.text, tuple(o.text for o in q.options), q.correct_option.text) for q in db_session.scalars(select(Question))}
    data = bank.export_bank(fmt)
    db_session.query(Question).delete()
    db_session.commit()
    name = {"xlsx": "x.xlsx", "csv": "x.csv", "aiken": "x.txt", "gift": "x.gift", "moodle_xml": "x.xml"}[fmt]
    report = bank.import_file(data, name, fmt=fmt, create_topics=True)
    assert report.added == 2, report.summary
    after = {(q.text, tuple(o.text for o in q.options), q.correct_option.text) for q in db_session.scalars(select(Question))}
    assert after == before


def test_topics_the_file_names_are_created_only_when_the_organiser_agrees(db_session):
    blocked = bank.import_file(CSV_OK.encode(), "cau-hoi.csv")
    assert blocked.blocked and blocked.added == 0 and _count() == 0
    assert blocked.new_topics == ["Cải cách thể chế", "Cải cách thủ tục hành chính"]
    assert "Cải cách thể chế" in blocked.summary
    created = bank.import_file(CSV_OK.encode(), "cau-hoi.csv", create_topics=True)
    assert created.added == 2
    again = bank.import_file(CSV_OK.replace("76/NQ-CP", "76/NQ-CP (sửa)").encode(), "b.csv", allow_duplicates=True)
    assert again.new_topics == [] and again.added == 2  # the topics exist now: nothing to ask


def test_the_templates_example_row_is_recognised_and_skipped(db_session):
    report = bank.import_file(bank.template_xlsx(), "mau.xlsx", create_topics=True)
    assert report.example_skipped and report.added == 0 and _count() == 0
    assert "hàng ví dụ" in report.summary


def test_an_organisers_import_goes_into_their_bodys_own_collection(db_session, now):
    from tests.factories import make_contest, make_staff

    contest = make_contest(now)
    organiser = make_staff("btc-a", "organizer", [contest])
    own = bank.editable_collections(organiser)
    assert [c.kind for c in own] == ["own"] and own[0].owner_body_id == contest.organizing_body_id
    bank.import_file(CSV_OK.encode(), "a.csv", collection=own[0], create_topics=True)
    q = db_session.scalar(select(Question))
    assert q.topic.collection_id == own[0].id and bank.may_edit(organiser, q)
    national = bank.national_collection()
    other = bank.import_file(CSV_OK.replace("76/NQ-CP", "76").encode(), "b.csv", collection=national,
                             create_topics=True, allow_duplicates=True)
    q2 = db_session.scalar(select(Question).where(Question.topic_id.in_(
        select(Topic.id).where(Topic.collection_id == national.id))))
    assert other.added == 2 and not bank.may_edit(organiser, q2)
    with pytest.raises(DomainError):
        bank.set_status(q2.id, "retired", organiser)


def test_bundled_bank_loads_and_loading_again_changes_nothing(db_session):
    first = bank.load_bundled()
    assert first.added >= 400
    second = bank.load_bundled()
    assert not second.changed
    kinds = {c.slug: c.kind for c in db_session.scalars(select(Collection))}
    assert kinds["quoc-gia"] == "national" and list(kinds.values()).count("local") == 5


def test_bundled_bank_passes_its_check():
    result = bank.read_bundle()
    assert result.problems == []
    core = result.in_collection("quoc-gia")
    assert len(core) >= 400 and result.practical("quoc-gia") >= 150
    assert all(sum(c.values()) >= 30 for slug, c in result.per_topic.items()
               if result.topic_collection[slug] == "quoc-gia")
    items = result.items["quoc-gia"]
    assert items.share("longest_key") <= 0.30 and items.share("document_trivia") <= 0.05
    assert result.superseded_uses == []
    assert all(d.basis and d.checked for d in result.drafts)


def _bundle_copy(tmp_path):
    import shutil

    shutil.copytree(bank.bundle_dir(), tmp_path / "bank")
    return tmp_path / "bank"


def test_check_catches_evidence_not_in_its_source(tmp_path):
    root = _bundle_copy(tmp_path)
    path = root / "local" / "lao-cai-2024.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("EVIDENCE:"))
    lines[i] = "EVIDENCE: một câu không hề có trong tài liệu"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert any("không có nguyên văn" in p for p in bank.read_bundle(root).problems)


def test_check_lists_questions_resting_on_a_superseded_document(tmp_path):
    root = _bundle_copy(tmp_path)
    register = root / "documents.txt"
    blocks = register.read_text(encoding="utf-8").split("\n\n")
    blocks = [b.replace("STATUS: in_force", "STATUS: superseded\nREPLACED_BY: LUAT-80-2025")
              if "CODE: NQ-76-2021" in b else b for b in blocks]
    register.write_text("\n\n".join(blocks), encoding="utf-8")
    result = bank.read_bundle(root)
    assert result.superseded_uses and all(code == "NQ-76-2021" for _, code in result.superseded_uses)
    assert any("đã được thay thế" in p for p in result.problems)


def test_marking_a_document_superseded_lists_the_active_questions_on_it(db_session):
    bank.load_bundled()
    bank.mark_superseded("NQ-76-2021", ["LUAT-80-2025"])
    uses = bank.superseded_in_use()
    assert [u.document.code for u in uses] == ["NQ-76-2021"]
    assert all("NQ-76-2021" in q.basis_codes and q.status == "active" for q in uses[0].questions)
    bank.load_bundled()  # the bundle does not undo a document marked superseded here
    assert bank.superseded_in_use()


def test_syncing_keeps_moved_questions_versions_changed_ones_and_retires_removed_ones(db_session, tmp_path, now):
    from tests.factories import make_attempt_using

    root = _bundle_copy(tmp_path)
    bank.load_bundled(root)
    path = root / "core" / "the-che.txt"
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    header, first, second, *rest = blocks
    first_id = first.split("\n")[0].split(": ")[1]
    second_id = second.split("\n")[0].split(": ")[1]
    q_first = db_session.scalar(select(Question).where(Question.external_id == first_id))
    make_attempt_using(q_first, now)  # drawn once: an edit must not change what that attempt showed
    q_second = db_session.scalar(select(Question).where(Question.external_id == second_id))
    edited = "\n".join(line + " (đã sửa)" if line.startswith("Q: ") else line for line in first.split("\n"))
    path.write_text("\n\n".join([header, edited, *rest]), encoding="utf-8")  # the second question is gone
    report = bank.load_bundled(root)
    assert report.new_versions == 1 and report.retired == 1
    db_session.expire_all()
    assert db_session.get(Question, q_first.id).status == "superseded"
    newest = db_session.scalar(select(Question).where(Question.external_id == first_id, Question.status == "active"))
    assert newest.text.endswith("(đã sửa)") and newest.family_id == q_first.id and newest.version == 2
    assert db_session.get(Question, q_second.id).status == "retired"


def test_the_export_command_writes_moodle_xml_for_an_xml_file(app, runner, tmp_path):
    with app.app_context():
        bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
    out = tmp_path / "ngan-hang.xml"
    result = runner.invoke(args=["bank", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert "moodle_xml" in result.output
    parsed = formats.parse(out.read_bytes(), "moodle_xml")
    assert [(q.topic, q.options[q.correct_index]) for q in parsed.questions] == [
        ("Cải cách thể chế", "2021"), ("Cải cách thủ tục hành chính", "2021")]
    assert parsed.questions[0].source == "Nghị quyết 76/NQ-CP ngày 15/7/2021"
    result = runner.invoke(args=["bank", "export", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "--format" in result.output


# ---------------------------------------------------------------- item-writing advice in the import report

HEADER = "Chủ đề,Câu hỏi,Phương án A,Phương án B,Phương án C,Phương án D,Đáp án đúng,Mức độ,Giải thích,Nguồn\n"
CSV_LONGEST_KEYS = HEADER + (
    "Cải cách thể chế,Bộ phận Một cửa làm gì?,Thu phí,Tiếp nhận hồ sơ và trả kết quả giải quyết thủ tục,Ký văn bản,Thanh tra,B,1,,\n"
    "Cải cách thể chế,Công chức cần làm gì khi hồ sơ thiếu?,Hướng dẫn một lần đầy đủ để người dân bổ sung hồ sơ,Từ chối,Im lặng,Chờ đợi,A,1,,\n"
    "Cải cách thể chế,Dịch vụ công toàn trình là gì?,Nộp tại quầy,Gọi điện,Thực hiện trực tuyến toàn bộ từ nộp hồ sơ đến nhận kết quả,Gửi thư,C,2,,\n"
)
CSV_CLEAN = HEADER + (
    "Cải cách thể chế,Cơ quan nào tiếp nhận hồ sơ thủ tục?,Văn thư,Kế toán,Một cửa,Bảo vệ,C,1,,\n"
    "Cải cách thể chế,Ai ký quyết định khen thưởng cấp tỉnh?,Chủ tịch UBND,Giám đốc Sở,Chánh Văn phòng,Trưởng phòng,A,2,,\n"
)


def test_the_report_advises_on_keys_that_are_always_longest_without_blocking(db_session):
    report = bank.import_file(CSV_LONGEST_KEYS.encode(), "dai.csv", create_topics=True)
    assert report.added == 3 and not report.blocked  # advice, not an error
    items = report.items
    assert [(s.ref, s.sign) for s in items.signs if s.sign == "longest_key"] == [
        ("hàng 2", "longest_key"), ("hàng 3", "longest_key"), ("hàng 4", "longest_key")]
    assert "Đáp án đúng dài nhất một cách rõ rệt: 3/3 câu có một phương án dài nhất (100%; nên không quá 30%) — vượt" \
        in items.share_lines[0]
    assert items.share_lines[1].startswith("Hỏi số hiệu hoặc ngày tháng của văn bản: 0/3 câu (0%")


def test_a_clean_file_gets_no_advice(db_session):
    report = bank.import_file(CSV_CLEAN.encode(), "sach.csv", dry_run=True, create_topics=True)
    assert len(report.to_add) == 2 and not report.items.has_advice


def test_the_import_command_prints_the_advice_and_knows_dry_run_and_new_topics(app, runner, tmp_path):
    path = tmp_path / "dai.csv"
    path.write_text(CSV_LONGEST_KEYS, encoding="utf-8")
    blocked = runner.invoke(args=["bank", "import", str(path), "--dry-run"])
    assert blocked.exit_code == 1 and "--create-topics" in blocked.output
    dry = runner.invoke(args=["bank", "import", str(path), "--dry-run", "--create-topics"])
    assert dry.exit_code == 0, dry.output
    assert "Gợi ý viết câu hỏi (lời khuyên, không phải lỗi; tệp vẫn nhập được):" in dry.output
    assert "GỢI Ý hàng 3: Đáp án đúng dài nhất một cách rõ rệt; thí sinh dễ đoán đúng" in dry.output
    assert "GỢI Ý cả tệp: Đáp án đúng dài nhất một cách rõ rệt: 3/3" in dry.output and "Sẽ thêm 3 câu hỏi" in dry.output
    with app.app_context():
        assert _count() == 0
    done = runner.invoke(args=["bank", "import", str(path), "--create-topics"])
    assert done.exit_code == 0 and "Đã thêm 3 câu hỏi" in done.output and "GỢI Ý hàng 2" in done.output
    clean = tmp_path / "sach.csv"
    clean.write_text(CSV_CLEAN, encoding="utf-8")
    quiet = runner.invoke(args=["bank", "import", str(clean), "--dry-run"])
    assert quiet.exit_code == 0 and "GỢI Ý" not in quiet.output and "Gợi ý" not in quiet.output
