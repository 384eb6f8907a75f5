"""The console's "In sổ tay Hỏi – Đáp": any staff member chooses collections and/or topics and downloads the
handbook as PDF or DOCX; an empty choice is refused with a message in Vietnamese."""
import io
import re

import pytest

from quizapp.extensions import db
from quizapp.models import Unit
from quizapp.services import bank
from tests.factories import make_contest, make_staff, make_user

pypdf = pytest.importorskip("pypdf")
docx = pytest.importorskip("docx")


@pytest.fixture
def moderator(app, now):
    """A unit moderator (the least of the staff): printing the handbook decides nothing, so they may."""
    with app.app_context():
        contest = make_contest(now)
        unit = Unit(contest_id=contest.id, code="SNV", name="Sở Nội vụ")
        db.session.add(unit)
        db.session.commit()
        make_staff("theodoi", "moderator", [contest], unit=unit)
    return "theodoi"


def test_a_moderator_chooses_a_collection_and_a_topic_and_downloads_pdf_and_docx(app, client, login, moderator):
    with app.app_context():
        bank.load_bundled()
        db.session.commit()
    login(moderator)
    page = client.get("/quan-tri/cau-hoi").get_data(as_text=True)
    assert "In sổ tay Hỏi – Đáp" in page
    assert re.search(r'name="collections" value="lao-cai-2024"> <span><strong>Kế hoạch tuyên truyền', page)
    assert 'name="topics" value="chi-so"> <span>Các chỉ số đo lường cải cách hành chính' in page
    assert 'name="topics" value="lao-cai-2024"' not in page  # a local plan's one topic is the collection itself

    resp = client.post("/quan-tri/cau-hoi/so-tay", data={"collections": ["lao-cai-2024"], "topics": ["chi-so"],
                                                          "fmt": "pdf", "publisher": "Ban Tuyên giáo Tỉnh ủy"})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "so-tay-hoi-dap-cai-cach-hanh-chinh-" in resp.headers["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(resp.data))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "BAN TUYÊN GIÁO TỈNH ỦY" in text and "MỤC LỤC" in text
    bookmarks = [b.title for b in reader.outline if not isinstance(b, list)]
    assert bookmarks[0] == "Phần I. Bộ câu hỏi chung toàn quốc" and bookmarks[1].startswith("Phần II. Kế hoạch")
    [topics] = [b for b in reader.outline if isinstance(b, list)]
    assert [t.title for t in topics] == ["1. Các chỉ số đo lường cải cách hành chính"]  # only the topic chosen
    assert "Lào Cai" in text

    resp = client.post("/quan-tri/cau-hoi/so-tay", data={"topics": ["chi-so"], "fmt": "docx"})
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].endswith(".docx")
    document = docx.Document(io.BytesIO(resp.data))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"][0] == \
        "Các chỉ số đo lường cải cách hành chính"


def test_an_empty_choice_is_refused_with_a_message(app, client, login, moderator):
    login(moderator)
    resp = client.post("/quan-tri/cau-hoi/so-tay", data={"fmt": "pdf", "title": "Sổ tay"})
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    section = html[html.index('id="so-tay"'):]  # shown where the form is, and the form keeps what was typed
    assert "Hãy chọn ít nhất một bộ câu hỏi hoặc một chủ đề để in sổ tay." in section and 'value="Sổ tay"' in section


def test_a_choice_the_bank_does_not_offer_is_refused(app, client, login, moderator):
    login(moderator)
    resp = client.post("/quan-tri/cau-hoi/so-tay", data={"collections": ["khong-co"], "fmt": "pdf"})
    assert resp.status_code == 400 and "lựa chọn không hợp lệ" in resp.get_data(as_text=True)


def test_contestants_and_visitors_cannot_print_it(app, client, login):
    assert client.post("/quan-tri/cau-hoi/so-tay", data={"fmt": "pdf"}).status_code == 302  # to sign-in
    with app.app_context():
        make_user(1)
        db.session.commit()
    login("0900000001")
    assert client.post("/quan-tri/cau-hoi/so-tay", data={"fmt": "pdf"}).status_code == 404
