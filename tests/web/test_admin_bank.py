"""Organisers curate the bank through the web pages: upload, preview, confirm, search, edit, retire."""
import io

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Question
from tests.services.test_bank import CSV_OK, CSV_ONE_BAD


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Question))


def _upload(client, data: bytes, name: str, **flags):
    form = {"file": (io.BytesIO(data), name), "fmt": ""} | {k: "y" for k, v in flags.items() if v}
    return client.post("/quan-tri/cau-hoi/nhap", data=form, content_type="multipart/form-data")


def test_bank_pages_need_an_organizer(client):
    assert client.get("/quan-tri/cau-hoi").status_code == 302  # to sign-in


def test_contestant_gets_403_on_bank_pages(app, client, login):
    from tests.factories import make_user

    with app.app_context():
        make_user(1)
        db.session.commit()
    login("0900000001")
    resp = client.get("/quan-tri/cau-hoi")
    assert resp.status_code == 403 and "không có quyền" in resp.get_data(as_text=True)


def test_upload_previews_then_confirm_imports(app, client, login, organizer):
    login(organizer)
    resp = _upload(client, CSV_OK.encode(), "cau-hoi.csv")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Sẽ thêm 2 câu hỏi" in html
    assert _count(app) == 0
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    resp = client.post("/quan-tri/cau-hoi/nhap/xac-nhan", data={"token": token, "fmt": ""}, follow_redirects=True)
    assert "Đã thêm 2 câu hỏi" in resp.get_data(as_text=True)
    assert _count(app) == 2


def test_upload_with_errors_shows_each_row_and_offers_no_confirm(app, client, login, organizer):
    login(organizer)
    html = _upload(client, CSV_ONE_BAD.encode(), "cau-hoi.csv").get_data(as_text=True)
    assert "hàng 4" in html and "chưa nhập câu hỏi nào" in html
    assert "nhap/xac-nhan" not in html
    assert _count(app) == 0


def test_garbage_xlsx_gets_a_clear_message(client, login, organizer):
    login(organizer)
    html = _upload(client, b"this is not a spreadsheet", "cau-hoi.xlsx").get_data(as_text=True)
    assert "Không nhập được tệp" in html


def test_template_download_is_an_xlsx(client, login, organizer):
    login(organizer)
    resp = client.get("/quan-tri/cau-hoi/mau-nhap.xlsx")
    assert resp.status_code == 200 and resp.data[:2] == b"PK"


def test_search_without_accents_and_edit_and_retire(app, client, login, organizer):
    from quizapp.services import bank

    with app.app_context():
        bank.import_file(CSV_OK.encode(), "a.csv")
        qid = db.session.scalar(select(Question.id).where(Question.text.contains("468")))
    login(organizer)
    html = client.get("/quan-tri/cau-hoi?q=quyet+dinh+468").get_data(as_text=True)
    assert "Quyết định 468/QĐ-TTg" in html and "76/NQ-CP" not in html
    form = client.get(f"/quan-tri/cau-hoi/{qid}").get_data(as_text=True)
    assert "Sửa câu hỏi" in form
    resp = client.post(f"/quan-tri/cau-hoi/{qid}", data={
        "topic": "cai-cach-thu-tuc-hanh-chinh", "text": "Quyết định 468/QĐ-TTg được ban hành năm nào?",
        "option_a": "2020", "option_b": "2021", "option_c": "2022", "option_d": "2023", "correct": "B",
        "difficulty": "2", "explanation": "", "source": "Quyết định 468/QĐ-TTg ngày 27/3/2021"}, follow_redirects=True)
    assert "Đã lưu câu hỏi" in resp.get_data(as_text=True)
    client.post(f"/quan-tri/cau-hoi/{qid}/trang-thai", data={"status": "retired"})
    assert "468" not in client.get("/quan-tri/cau-hoi").get_data(as_text=True)
    assert "468" in client.get("/quan-tri/cau-hoi?status=retired").get_data(as_text=True)


def test_question_text_html_is_escaped_on_pages(app, client, login, organizer):
    from quizapp.services import bank

    csv = CSV_OK.replace("Nghị quyết 76/NQ-CP ban hành năm nào?", "Nghị quyết 76/NQ-CP ban hành năm nào <i>x</i>?")
    with app.app_context():
        bank.import_file(csv.encode(), "a.csv")
    login(organizer)
    html = client.get("/quan-tri/cau-hoi").get_data(as_text=True)
    assert "<i>x</i>" not in html
