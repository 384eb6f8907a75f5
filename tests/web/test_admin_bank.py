"""The bank in the console: upload, preview, confirm (new topics only when agreed), search, edit, retire; who may
edit which collection."""
import io
import re

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Collection, Question, Topic
from quizapp.services import bank
from tests.factories import make_contest, make_staff
from tests.services.test_bank import CSV_CLEAN, CSV_LONGEST_KEYS, CSV_OK, CSV_ONE_BAD


@pytest.fixture
def organizer(app, now):
    """An organiser of a contest (so of its organising body), and a site admin."""
    with app.app_context():
        contest = make_contest(now)
        make_staff("btc", "organizer", [contest])
        make_staff("qtv", admin=True)
    return "btc"


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Question))


def _upload(client, data: bytes, name: str, collection: str | None = None, **flags):
    page = client.get("/quan-tri/cau-hoi/nhap").get_data(as_text=True)
    collection = collection or re.search(r'<option (?:selected )?value="(\d+)"', page).group(1)
    form = {"file": (io.BytesIO(data), name), "fmt": "", "collection": collection} | {
        k: "y" for k, v in flags.items() if v}
    return client.post("/quan-tri/cau-hoi/nhap", data=form, content_type="multipart/form-data")


def _form_fields(html: str, action: str) -> dict:
    """The inputs of the form posting to `action`, as the browser would send them."""
    form = re.search(r'<form method="post" action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', html, re.S).group(1)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_bank_pages_need_a_staff_member(client):
    assert client.get("/quan-tri/cau-hoi").status_code == 302  # to sign-in


def test_a_contestant_does_not_even_learn_the_bank_pages_exist(app, client, login):
    from tests.factories import make_user

    with app.app_context():
        make_user(1)
        db.session.commit()
    login("0900000001")
    assert client.get("/quan-tri/cau-hoi").status_code == 404


def test_upload_previews_lists_new_topics_and_imports_only_once_agreed(app, client, login, organizer):
    login(organizer)
    resp = _upload(client, CSV_OK.encode(), "cau-hoi.csv")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Sẽ thêm 2 câu hỏi" in html
    assert "Chủ đề mới sẽ được tạo trong «Câu hỏi riêng của" in html and "Cải cách thể chế" in html
    assert "2021" in html  # the preview shows each question's answer, not only its text
    assert _count(app) == 0
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    collection = html.split('name="collection" type="hidden" value="')[1].split('"')[0]
    resp = client.post("/quan-tri/cau-hoi/nhap/xac-nhan", data={"token": token, "fmt": "", "collection": collection},
                       follow_redirects=True)
    assert "chủ đề chưa có" in resp.get_data(as_text=True) and _count(app) == 0
    resp = _upload(client, CSV_OK.encode(), "cau-hoi.csv").get_data(as_text=True)
    token = resp.split('name="token" type="hidden" value="')[1].split('"')[0]
    resp = client.post("/quan-tri/cau-hoi/nhap/xac-nhan", data={"token": token, "fmt": "", "collection": collection,
                                                               "create_topics": "1"}, follow_redirects=True)
    assert "Đã thêm 2 câu hỏi" in resp.get_data(as_text=True) and _count(app) == 2
    with app.app_context():
        kinds = set(db.session.scalars(select(Collection.kind).join(Topic).join(Question)))
    assert kinds == {"own"}  # an organiser's questions go into their body's own collection


def test_the_templates_example_row_is_not_imported(app, client, login, organizer):
    login(organizer)
    template = client.get("/quan-tri/cau-hoi/mau-nhap.xlsx").data
    html = _upload(client, template, "mau.xlsx").get_data(as_text=True)
    assert "hàng ví dụ của tệp mẫu đã bỏ qua" in html and _count(app) == 0


def test_upload_with_errors_shows_each_row_and_offers_no_confirm(app, client, login, organizer):
    login(organizer)
    html = _upload(client, CSV_ONE_BAD.encode(), "cau-hoi.csv").get_data(as_text=True)
    assert "hàng 4" in html and "chưa nhập câu hỏi nào" in html
    assert "nhap/xac-nhan" not in html
    assert _count(app) == 0


MOODLE_WITH_IMAGE = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>Câu chữ</text></name>
    <questiontext format="html"><text>Cơ quan nào tiếp nhận hồ sơ?</text></questiontext>
    <answer fraction="100"><text>Bộ phận Một cửa</text></answer><answer fraction="0"><text>Văn thư</text></answer>
  </question>
  <question type="multichoice">
    <name><text>Sơ đồ bộ máy</text></name>
    <questiontext format="html"><text>Sơ đồ bên dưới là của cơ quan nào?</text></questiontext>
    <image>images/so-do.png</image>
    <answer fraction="100"><text>Sở Nội vụ</text></answer><answer fraction="0"><text>Sở Tư pháp</text></answer>
  </question>
</quiz>
"""
GIFT_WITH_IMAGE = "::Bản đồ:: [markdown]Tỉnh trong hình ![bản đồ](ban-do.png) là tỉnh nào? {=Hà Tĩnh ~Nghệ An}\n"


@pytest.mark.parametrize(("data", "name", "where", "detail"), [
    (MOODLE_WITH_IMAGE, "co-hinh.xml", "dòng 8", "«Sơ đồ bộ máy» có hình ảnh hoặc tệp nhúng (thẻ &lt;image&gt; của Moodle)"),
    (GIFT_WITH_IMAGE, "co-hinh.gift", "dòng 1", "«Bản đồ» có hình ảnh hoặc tệp nhúng (ảnh Markdown ![…](…) trong nội dung"),
])
def test_a_question_with_an_image_is_named_in_the_report_and_never_imported(app, client, login, organizer, data,
                                                                              name, where, detail):
    login(organizer)
    html = _upload(client, data.encode(), name).get_data(as_text=True)
    row = re.search(r"<tr><td>" + where + r"</td><td>câu hỏi</td><td>([^<]*)</td></tr>", html).group(1)
    assert detail in row and "Hãy viết lại nội dung của hình thành chữ" in row
    assert "chưa nhập câu hỏi nào" in html and "nhap/xac-nhan" not in html
    skipped = _upload(client, data.encode(), name, skip_invalid=True).get_data(as_text=True)
    assert detail in skipped and "1 lỗi đã bỏ qua" in skipped
    assert "Sơ đồ bên dưới" not in skipped.split("Sẽ thêm (")[-1] and _count(app) == 0


def test_the_report_page_gives_item_writing_advice_but_still_offers_the_import(client, login, organizer):
    login(organizer)
    html = _upload(client, CSV_LONGEST_KEYS.encode(), "dai.csv").get_data(as_text=True)
    advice = html.split('<h3 id="advice-h">Gợi ý viết câu hỏi</h3>')[1].split("<h3>Sẽ thêm")[0]
    assert "không phải lỗi: tệp vẫn nhập được" in advice
    assert "Cả tệp: Đáp án đúng dài nhất một cách rõ rệt: 3/3 câu có một phương án dài nhất (100%" in advice
    for row in ("hàng 2", "hàng 3", "hàng 4"):
        assert f"<tr><td>{row}</td><td>Đáp án đúng dài nhất một cách rõ rệt</td>" in advice
    assert "hãy viết các phương án dài tương đương" in advice
    assert "Sẽ thêm 3 câu hỏi" in html and "nhap/xac-nhan" in html  # advice never blocks
    clean = _upload(client, CSV_CLEAN.encode(), "sach.csv").get_data(as_text=True)
    assert "Sẽ thêm 2 câu hỏi" in clean and "Gợi ý viết câu hỏi" not in clean


def test_garbage_xlsx_gets_a_clear_message(client, login, organizer):
    login(organizer)
    html = _upload(client, b"this is not a spreadsheet", "cau-hoi.xlsx").get_data(as_text=True)
    assert "Không nhập được tệp" in html


def test_template_download_is_an_xlsx(client, login, organizer):
    login(organizer)
    resp = client.get("/quan-tri/cau-hoi/mau-nhap.xlsx")
    assert resp.status_code == 200 and resp.data[:2] == b"PK"


def test_the_bank_page_offers_moodle_xml_and_the_file_imports_back(app, client, login, organizer):
    with app.app_context():
        bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
    login(organizer)
    page = client.get("/quan-tri/cau-hoi").get_data(as_text=True)
    link = re.search(r'<a href="([^"]*/xuat/moodle_xml[^"]*)">Moodle XML</a>', page).group(1)
    resp = client.get(link)
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    assert "ngan-hang-cau-hoi.xml" in resp.headers["Content-Disposition"]
    assert resp.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>') and "Cải cách thể chế" in resp.text
    html = _upload(client, resp.data, "ngan-hang-cau-hoi.xml").get_data(as_text=True)
    assert "2 câu trùng đã bỏ qua" in html  # read back as the same two questions
    assert client.get("/quan-tri/cau-hoi/xuat/pdf").status_code == 404


def test_an_admin_searches_without_accents_edits_and_retires_with_the_pages_own_form(app, client, login, organizer):
    with app.app_context():
        bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)
        qid = db.session.scalar(select(Question.id).where(Question.text.contains("468")))
        slug = db.session.scalar(select(Topic.slug).where(Topic.title == "Cải cách thủ tục hành chính"))
    login("qtv")
    html = client.get("/quan-tri/cau-hoi?q=quyet+dinh+468").get_data(as_text=True)
    assert "Quyết định 468/QĐ-TTg" in html and "76/NQ-CP" not in html
    assert html.count('id="status"') == 1  # the filter's; the buttons' status inputs carry no ids
    form = client.get(f"/quan-tri/cau-hoi/{qid}").get_data(as_text=True)
    assert "Sửa câu hỏi" in form
    resp = client.post(f"/quan-tri/cau-hoi/{qid}", data={
        "topic": slug, "text": "Quyết định 468/QĐ-TTg được ban hành năm nào?",
        "option_a": "2020", "option_b": "2021", "option_c": "2022", "option_d": "2023", "correct": "B",
        "difficulty": "2", "explanation": "", "source": "Quyết định 468/QĐ-TTg ngày 27/3/2021"}, follow_redirects=True)
    assert "Đã lưu câu hỏi" in resp.get_data(as_text=True)
    action = f"/quan-tri/cau-hoi/{qid}/trang-thai"
    fields = _form_fields(client.get("/quan-tri/cau-hoi?q=468").get_data(as_text=True), action)
    assert list(fields) == ["csrf_token", "status"] and fields["status"] == "retired"
    resp = client.post(action, data=fields, follow_redirects=True)
    assert "Đã ngừng sử dụng câu hỏi" in resp.get_data(as_text=True)
    assert "468" not in client.get("/quan-tri/cau-hoi").get_data(as_text=True)
    assert "468" in client.get("/quan-tri/cau-hoi?status=retired").get_data(as_text=True)


def test_an_organiser_reads_the_national_core_but_cannot_change_it(app, client, login, organizer):
    with app.app_context():
        bank.import_file(CSV_OK.encode(), "a.csv", create_topics=True)  # into the national core
        qid = db.session.scalar(select(Question.id).where(Question.text.contains("468")))
    login(organizer)
    page = client.get(f"/quan-tri/cau-hoi/{qid}").get_data(as_text=True)
    assert "bạn chỉ xem được" in page and "<form" not in page.split("<main")[1].split("</main>")[0]
    resp = client.post(f"/quan-tri/cau-hoi/{qid}/trang-thai", data={"status": "retired"}, follow_redirects=True)
    assert "do quản trị hệ thống biên tập" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Question, qid).status == "active"


def test_question_text_html_is_escaped_on_pages(app, client, login, organizer):
    csv = CSV_OK.replace("Nghị quyết 76/NQ-CP ban hành năm nào?", "Nghị quyết 76/NQ-CP ban hành năm nào <i>x</i>?")
    with app.app_context():
        bank.import_file(csv.encode(), "a.csv", create_topics=True)
    login(organizer)
    html = client.get("/quan-tri/cau-hoi").get_data(as_text=True)
    assert "<i>x</i>" not in html


def test_an_organiser_adds_one_question_and_renames_and_merges_their_own_topics(app, client, login, organizer):
    login(organizer)
    page = client.get("/quan-tri/cau-hoi/moi", follow_redirects=True).get_data(as_text=True)
    assert "hãy tạo chủ đề" in page
    with app.app_context():
        from quizapp.models import User

        own_id = bank.editable_collections(db.session.scalar(select(User).where(User.username == "btc")))[0].id
    for title in ("Văn bản của tỉnh", "Văn bản tỉnh"):
        client.post("/quan-tri/chu-de", data={"action": "create", "collection": str(own_id), "title": title})
    with app.app_context():
        topics = {t.title: t for t in db.session.scalars(select(Topic).where(Topic.collection_id == own_id))}
        slug, other = topics["Văn bản của tỉnh"].slug, topics["Văn bản tỉnh"].id
        keep = topics["Văn bản của tỉnh"].id
    resp = client.post("/quan-tri/cau-hoi/moi", data={
        "topic": slug, "text": "Theo Kế hoạch của tỉnh, ai chủ trì tuyên truyền?", "option_a": "Sở Nội vụ",
        "option_b": "Sở Tư pháp", "option_c": "", "option_d": "", "correct": "A", "difficulty": "1",
        "explanation": "", "source": "Kế hoạch số 1/KH-UBND"}, follow_redirects=True)
    assert "Đã thêm câu hỏi" in resp.get_data(as_text=True)
    client.post("/quan-tri/chu-de", data={"action": "rename", "topic_id": str(keep), "title": "Văn bản của tỉnh 2026"})
    resp = client.post("/quan-tri/chu-de", data={"action": "merge", "topic_id": str(other), "merge_into": str(keep)},
                       follow_redirects=True)
    assert "Đã gộp chủ đề" in resp.get_data(as_text=True)
    with app.app_context():
        left = [t.title for t in db.session.scalars(select(Topic).where(Topic.collection_id == own_id))]
    assert left == ["Văn bản của tỉnh 2026"]
