"""The contestant's pages through the test client: register, sign in, the contest page, the attempt as a plain
form (no JavaScript), the result page."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Attempt, Round, User, utcnow
from tests.journey import (
    PASSWORD,
    PREDICTION_QUESTION,
    cccd_for,
    make_journey_contest,
    person,
    unlabelled_controls,
    without_rate_limits,
)


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch):
    without_rate_limits(monkeypatch)


@pytest.fixture
def journey(app):
    with app.app_context():
        return make_journey_contest(utcnow())


def _register(client, journey, **kw):
    data = person(**{"area_id": str(journey.area_ids[0]), **kw})
    return client.post(f"/cuoc-thi/{journey.slug}/dang-ky", data=data)


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _start(client, journey, round_id=None) -> int:
    resp = client.post(f"/cuoc-thi/{journey.slug}/dot/{round_id or journey.round_id}/bat-dau")
    assert resp.status_code == 302
    match = re.search(r"/bai-thi/(\d+)$", resp.headers["Location"])
    assert match, resp.headers["Location"]
    return int(match.group(1))


def _radios(html: str) -> dict[str, list[str]]:
    """Question field name -> option values, in the order shown."""
    out: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="radio" name="(q\d+)" value="(\d+)"', html):
        out.setdefault(name, []).append(value)
    return out


# ------------------------------------------------------------------ registration


def test_registration_form_asks_everything_with_labels_and_links_the_privacy_notice(client, journey):
    html = _text(client.get(f"/cuoc-thi/{journey.slug}/dang-ky"))
    for label in ("Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD (12 chữ số)", "Số điện thoại di động",
                  "Email (không bắt buộc)", "Xã, phường", "Đơn vị công tác", "Đối tượng dự thi", "Mật khẩu",
                  "Nghị định 13/2023/NĐ-CP"):
        assert label in html, label
    assert "Xã Bát Xát" in html and "Sở Nội vụ" in html and "Người dân (không thuộc đơn vị nào)" in html
    assert 'href="/du-lieu-ca-nhan"' in html
    assert unlabelled_controls(html) == []


def test_register_signs_in_and_shows_the_contest_page_with_its_rules(client, journey, app):
    resp = _register(client, journey)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/cuoc-thi/{journey.slug}/thi")
    html = _text(client.get(resp.headers["Location"]))
    assert "Đăng ký thành công" in html and "Lò Thị Mai B" in html
    assert "5 câu hỏi trắc nghiệm, thời gian làm bài 10 phút" in html
    assert "Tối đa 2 lượt thi; tính lượt thi có kết quả tốt nhất." in html
    assert PREDICTION_QUESTION in html
    assert "nữa mở đợt thi" in html  # the time to opening of "Tuần 2"
    assert "Không giới hạn số lượt thi, không tính vào xếp hạng" in html  # practice round
    # one start button per open round: "Tuần 1" and the practice round; none for the upcoming or closed ones
    assert html.count("Bắt đầu thi") == 1 and html.count("Thi thử") == 1
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.phone == "0910000001" and user.cccd == cccd_for(date(1985, 3, 14), "nu", 1)


def test_the_open_round_and_its_start_button_come_first_and_finished_rounds_fold_away(client, journey):
    resp = _register(client, journey)
    html = _text(client.get(resp.headers["Location"]))
    start, practice = html.index(">Bắt đầu thi<"), html.index(">Thi thử<")
    upcoming, finished = html.index(">Tuần 2<"), html.index(">Tuần 0<")
    assert start < practice < upcoming < finished  # open weekly round, practice, still to come, finished
    folded = html[html.index('<details class="card finished-rounds">'):]
    assert "Các đợt đã kết thúc (1)" in folded and ">Tuần 0<" in folded
    assert "Bắt đầu tính giờ 10 phút? Lượt này sẽ được tính (còn 2 lượt)." in html  # asked once before the clock runs


def test_a_registered_contestant_is_offered_to_enter_not_to_register_again(client, journey):
    page = f"/cuoc-thi/{journey.slug}"
    assert ">Đăng ký dự thi<" in _text(client.get(page))
    _register(client, journey)
    html = _text(client.get(page))
    assert ">Vào thi<" in html and "Đăng ký dự thi" not in html
    assert "Ban Tổ chức đăng nhập" not in html  # a signed-in contestant has no use for it


@pytest.mark.parametrize("change, field_message", [
    ({"cccd": cccd_for(date(1986, 3, 14), "nu", 1)}, "Chữ số thứ 5–6 của CCCD (86) phải là hai số cuối của năm sinh (85)"),
    ({"cccd": cccd_for(date(1985, 3, 14), "nam", 1)}, "không khớp với giới tính nữ và năm sinh 1985"),
    ({"cccd": "01010850000"}, "Số CCCD phải gồm đúng 12 chữ số (số đã nhập có 11 chữ số)."),
    ({"consent": ""}, "Bạn cần đồng ý với việc xử lý dữ liệu cá nhân để đăng ký dự thi."),
    ({"born": date.today() - timedelta(days=17 * 365), "cccd": None}, "Người dự thi phải từ đủ 18 tuổi trở lên."),
    ({"phone": "0123"}, "Số điện thoại di động phải gồm 10 chữ số"),
    ({"category": "official", "unit_id": "0"}, "Vui lòng chọn đơn vị công tác (bắt buộc với cán bộ, công chức"),
    ({"password2": "khac-hoan-toan"}, "Mật khẩu nhập lại không khớp."),
    ({"area_id": "0"}, "Vui lòng chọn xã, phường."),
])
def test_registration_errors_are_specific_and_in_vietnamese(client, journey, app, change, field_message):
    change = dict(change)
    if "born" in change:
        born = change.pop("born")
        change.pop("cccd")
        change |= {"birth_date": born.isoformat(), "cccd": cccd_for(born, "nu", 1)}
    resp = _register(client, journey, **change)
    assert resp.status_code == 200
    html = _text(resp)
    assert field_message in html
    assert 'class="error"' in html and "has-error" in html  # shown at the field
    assert _users(app) == 0


def test_every_registration_problem_is_shown_at_once_with_a_summary_and_the_typing_kept(client, journey, app):
    # Four mistakes in one submit: wrong CCCD length, short phone, unticked consent, no commune.
    resp = _register(client, journey, full_name="Lò Thị Mai", cccd="01010850000", phone="0123", consent="",
                     area_id="0", email="mai.lo@laocai.gov.vn")
    html = _text(resp)
    assert resp.status_code == 200 and _users(app) == 0
    summary = html[html.index('id="error-summary"'):html.index("</div>", html.index('id="error-summary"'))]
    assert "Vui lòng sửa 4 mục dưới đây" in summary
    for anchor, message in (("#cccd", "phải gồm đúng 12 chữ số"), ("#phone", "Số điện thoại di động phải gồm 10"),
                            ("#consent", "Bạn cần đồng ý"), ("#area_id", "Vui lòng chọn xã, phường")):
        assert f'href="{anchor}"' in summary and message in summary
    assert html.index('id="error-summary"') < html.index('id="full_name"')  # on top, before the first field
    # What was typed stays, except the passwords.
    assert 'value="Lò Thị Mai"' in html and 'value="0123"' in html and 'value="mai.lo@laocai.gov.vn"' in html
    assert PASSWORD not in html


def test_an_optional_email_is_accepted_and_a_wrong_one_explained(client, journey, app):
    html = _text(_register(client, journey, email="mai@@laocai"))
    assert "Email không hợp lệ." in html and _users(app) == 0
    resp = _register(client, journey, email="mai.lo@laocai.gov.vn")
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.email).where(User.role == "contestant")) == "mai.lo@laocai.gov.vn"


def test_a_taken_phone_or_cccd_is_refused_without_saying_whose(client, journey, app):
    assert _register(client, journey, full_name="Giàng A Páo", gender="nam",
                     cccd=cccd_for(date(1985, 3, 14), "nam", 7)).status_code == 302
    client.post("/dang-xuat")
    other = client.application.test_client()
    html = _text(_register(other, journey, n=2, phone="091 000 0001"))  # the same number, written with spaces
    assert "Số điện thoại này đã được dùng để đăng ký. Nếu đó là bạn, hãy đăng nhập." in html
    assert "Páo" not in html and "Giàng" not in html
    html = _text(_register(other, journey, n=2, gender="nam", cccd=cccd_for(date(1985, 3, 14), "nam", 7)))
    assert "Số CCCD này đã được dùng để đăng ký." in html and "Páo" not in html
    assert _users(app) == 1


def test_sign_in_by_phone_or_by_cccd(client, journey):
    _register(client, journey)
    client.post("/dang-xuat")
    for identifier in ("0910000001", "+84 91 000 0001", cccd_for(date(1985, 3, 14), "nu", 1)):
        resp = client.post("/dang-nhap", data={"identifier": identifier, "password": PASSWORD})
        assert resp.status_code == 302, identifier
        assert "Lò Thị Mai B" in _text(client.get(f"/cuoc-thi/{journey.slug}/thi"))
        client.post("/dang-xuat")
    fresh = client.get("/dang-nhap").get_data(as_text=True)
    assert 'aria-describedby="None"' not in fresh  # no broken reference for screen readers before an error
    html = _text(client.post("/dang-nhap", data={"identifier": "0910000001", "password": "sai-mat-khau"}))
    assert "Số điện thoại, số CCCD hoặc mật khẩu không đúng." in html
    html = _text(client.post("/dang-nhap", data={"identifier": "0999999999", "password": PASSWORD}))
    assert "Số điện thoại, số CCCD hoặc mật khẩu không đúng." in html  # the same: no hint that it does not exist


def test_signed_in_but_not_registered_is_sent_to_the_registration_form(client, journey, app):
    from tests.factories import make_user

    with app.app_context():
        make_user(5)
        db.session.commit()
    client.post("/dang-nhap", data={"identifier": "0900000005", "password": PASSWORD})
    html = _text(client.get(f"/cuoc-thi/{journey.slug}/thi"))
    assert "chưa đăng ký cuộc thi này" in html and f"/cuoc-thi/{journey.slug}/dang-ky" in html
    assert "Bắt đầu thi" not in html


# ------------------------------------------------------------------ the attempt without JavaScript


def test_plain_form_saves_then_submits_with_the_prediction(client, journey, app):
    _register(client, journey)
    attempt_id = _start(client, journey)
    html = _text(client.get(f"/bai-thi/{attempt_id}"))
    questions = _radios(html)
    assert len(questions) == 5 and all(len(v) == 4 for v in questions.values())
    assert PREDICTION_QUESTION in html and 'name="prediction"' in html
    assert "is-correct" not in html and "is-wrong" not in html
    assert 'name="csrf_token"' in html
    # the save button must not be blocked by the browser's check of the (required) prediction field
    assert re.search(r'<button[^>]*name="save"[^>]*formnovalidate', html)

    names = list(questions)
    first, second = names[0], names[1]
    resp = client.post(f"/bai-thi/{attempt_id}", data={first: questions[first][2], second: questions[second][0],
                                                       "save": "1"}, follow_redirects=True)
    html = _text(resp)
    assert "Đã lưu các câu trả lời." in html
    assert f'name="{first}" value="{questions[first][2]}" checked' in html
    assert f'name="{second}" value="{questions[second][0]}" checked' in html
    assert ">2</span>/5 câu đã trả lời" in html

    # submitting without the prediction is refused, and the answers stay
    html = _text(client.post(f"/bai-thi/{attempt_id}", data={"submit": "1"}, follow_redirects=True))
    assert "Vui lòng trả lời câu hỏi dự đoán trước khi nộp bài." in html
    html = _text(client.post(f"/bai-thi/{attempt_id}", data={"submit": "1", "prediction": "12 ab"},
                             follow_redirects=True))
    assert "Số dự đoán phải là một số nguyên không âm." in html

    resp = client.post(f"/bai-thi/{attempt_id}", data={"submit": "1", "prediction": "1.234",
                                                       names[2]: questions[names[2]][1]})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/bai-thi/{attempt_id}/ket-qua")
    html = _text(client.get(resp.headers["Location"]))
    assert "Kết quả bài thi" in html and "/5</dd>" in html and "Thời gian làm bài" in html
    assert "<dd>1234</dd>" in html
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        assert a.status == "submitted" and a.prediction == 1234
        correct_before = a.correct

    # submitting again (a double tap, a resent form) changes nothing
    again = client.post(f"/bai-thi/{attempt_id}", data={"submit": "1", "prediction": "99"})
    assert again.status_code == 302 and again.headers["Location"].endswith("/ket-qua")
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        assert (a.prediction, a.correct) == (1234, correct_before)
    # the attempt page of a submitted attempt leads to its result
    assert client.get(f"/bai-thi/{attempt_id}").headers["Location"].endswith("/ket-qua")


def test_result_page_shows_which_answers_were_right_only_after_the_round_closes(client, journey, app):
    _register(client, journey)
    attempt_id = _start(client, journey)
    questions = _radios(_text(client.get(f"/bai-thi/{attempt_id}")))
    answers = {name: values[0] for name, values in questions.items()}
    client.post(f"/bai-thi/{attempt_id}", data={**answers, "submit": "1", "prediction": "5"})
    html = _text(client.get(f"/bai-thi/{attempt_id}/ket-qua"))
    assert "Đáp án sẽ được công bố sau khi đợt thi kết thúc" in html
    assert "đáp án đúng" not in html and "Phương án đúng" not in html and "Sai một" not in html

    with app.app_context():
        rnd = db.session.get(Round, journey.round_id)
        rnd.opens_at, rnd.closes_at = utcnow() - timedelta(days=8), utcnow() - timedelta(minutes=1)
        db.session.commit()
    html = _text(client.get(f"/bai-thi/{attempt_id}/ket-qua"))
    assert "Đáp án sẽ được công bố" not in html
    assert html.count("✔ đáp án đúng") == 5 and "Giải thích" in html


def test_after_submitting_the_result_page_shows_the_place_the_attempts_left_and_a_retry(client, journey, app):
    _register(client, journey)
    attempt_id = _start(client, journey)
    with app.app_context():  # the first attempt all right, so that it is the one that counts
        from quizapp.models import AttemptQuestion, QuestionOption

        right = {f"q{aq.id}": str(1 + next(i for i, oid in enumerate(aq.option_order)
                                           if db.session.get(QuestionOption, oid).is_correct))
                 for aq in db.session.scalars(select(AttemptQuestion).filter_by(attempt_id=attempt_id))}
    client.post(f"/bai-thi/{attempt_id}", data={**right, "submit": "1", "prediction": "5"})
    html = _text(client.get(f"/bai-thi/{attempt_id}/ket-qua"))
    assert "5/5</dd>" in html and "Thứ hạng hiện tại của bạn" in html and "Thứ <strong>1</strong>/1 trong bảng" in html
    assert "Bạn còn 1 lượt thi ở Tuần 1." in html and ">Thi lại<" in html
    assert "Bắt đầu tính giờ 10 phút? Lượt này sẽ được tính (còn 1 lượt)." in html
    assert "Xem kết quả chính thức" not in html and "Thứ hạng còn thay đổi" in html  # nothing published yet

    second = _start(client, journey)  # the retry
    client.post(f"/bai-thi/{second}", data={"submit": "1", "prediction": "5"})
    html = _text(client.get(f"/bai-thi/{second}/ket-qua"))
    assert "Bạn đã dùng hết 2 lượt thi của Tuần 1." in html and ">Thi lại<" not in html
    assert "Tính theo lượt 1" in html  # the better first attempt is the one that counts

    with app.app_context():
        from quizapp.services import results

        rnd = db.session.get(Round, journey.round_id)
        rnd.opens_at, rnd.closes_at = utcnow() - timedelta(days=8), utcnow() - timedelta(minutes=1)
        db.session.commit()
        draft = results.compute(rnd.id, utcnow())
        results.approve(draft.id, utcnow())
        results.publish(draft.id, utcnow())
    html = _text(client.get(f"/bai-thi/{second}/ket-qua"))
    assert "Xem kết quả chính thức của Tuần 1" in html and f"/ket-qua/dot/{journey.round_id}" in html
    assert ">Thi lại<" not in html and "Thứ hạng còn thay đổi" not in html


def test_practice_round_shows_the_explanation_and_source_after_each_answer(client, journey):
    _register(client, journey)
    attempt_id = _start(client, journey, journey.practice_round_id)
    html = _text(client.get(f"/bai-thi/{attempt_id}"))
    questions = _radios(html)
    assert len(questions) == 3 and 'name="prediction"' not in html and "Giải thích" not in html
    name = next(iter(questions))
    html = _text(client.post(f"/bai-thi/{attempt_id}", data={name: questions[name][0], "save": "1"},
                             follow_redirects=True))
    assert html.count("Giải thích") == 1 and "Nguồn: Văn bản" in html and "is-correct" in html
    # unlimited and never blocked: a second practice attempt right after submitting
    client.post(f"/bai-thi/{attempt_id}", data={"submit": "1"})
    assert _start(client, journey, journey.practice_round_id) != attempt_id


def test_nobody_starts_outside_a_round_window(client, journey):
    _register(client, journey)
    for round_id, message in ((journey.upcoming_round_id, "Đợt thi chưa mở."),
                              (journey.closed_round_id, "Đợt thi đã kết thúc.")):
        resp = client.post(f"/cuoc-thi/{journey.slug}/dot/{round_id}/bat-dau", follow_redirects=True)
        assert message in _text(resp)


def test_the_attempt_limit_is_enforced_on_the_pages(client, journey):
    _register(client, journey)
    for _ in range(2):
        attempt_id = _start(client, journey)
        client.post(f"/bai-thi/{attempt_id}", data={"submit": "1", "prediction": "3"})
    html = _text(client.get(f"/cuoc-thi/{journey.slug}/thi"))
    assert "Bạn đã dùng hết lượt thi của đợt này." in html and "(được tính)" in html
    resp = client.post(f"/cuoc-thi/{journey.slug}/dot/{journey.round_id}/bat-dau", follow_redirects=True)
    assert "Bạn đã dùng hết 2 lượt thi được phép" in _text(resp)


def test_reopening_shows_saved_answers_and_the_true_time_left(client, journey, app):
    _register(client, journey)
    attempt_id = _start(client, journey)
    with app.app_context():  # as if the attempt had started 4 minutes ago
        a = db.session.get(Attempt, attempt_id)
        a.started_at -= timedelta(minutes=4)
        a.deadline_at -= timedelta(minutes=4)
        db.session.commit()
    questions = _radios(_text(client.get(f"/bai-thi/{attempt_id}")))
    name = next(iter(questions))
    client.post(f"/bai-thi/{attempt_id}", data={name: questions[name][3], "save": "1"})
    other_device = client.application.test_client()
    other_device.post("/dang-nhap", data={"identifier": "0910000001", "password": PASSWORD})
    html = _text(other_device.get(f"/bai-thi/{attempt_id}"))
    assert f'value="{questions[name][3]}" checked' in html
    left = re.search(r'id="time-left">(\d+):(\d\d)<', html)
    assert left and int(left.group(1)) in (5, 6)  # 10 minutes minus the 4 already used


def test_an_expired_attempt_is_closed_when_opened_again(client, journey, app):
    _register(client, journey)
    attempt_id = _start(client, journey)
    questions = _radios(_text(client.get(f"/bai-thi/{attempt_id}")))
    name = next(iter(questions))
    client.post(f"/bai-thi/{attempt_id}", data={name: questions[name][0], "save": "1"})
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        a.started_at -= timedelta(minutes=30)
        a.deadline_at -= timedelta(minutes=30)
        db.session.commit()
    resp = client.get(f"/bai-thi/{attempt_id}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/ket-qua")
    html = _text(client.get(resp.headers["Location"]))
    assert "hết giờ, hệ thống tự nộp" in html and "10 phút 0 giây" in html
    # an answer sent afterwards is refused in Vietnamese
    html = _text(client.post(f"/bai-thi/{attempt_id}", data={name: questions[name][1], "save": "1"},
                             follow_redirects=True))
    assert "Đã hết thời gian làm bài; câu trả lời này không được ghi nhận." in html


def test_someone_elses_attempt_is_not_found(client, journey):
    _register(client, journey)
    attempt_id = _start(client, journey)
    client.post("/dang-xuat")
    _register(client, journey, n=2)
    for url in (f"/bai-thi/{attempt_id}", f"/bai-thi/{attempt_id}/ket-qua"):
        resp = client.get(url)
        assert resp.status_code == 404 and "Không tìm thấy bài thi." in _text(resp)


def test_a_signed_in_person_joins_a_second_contest_without_a_new_account(app, client, now):
    from sqlalchemy import func, select

    from quizapp.extensions import db
    from quizapp.models import Registration, User
    from tests.factories import make_contest, register_contestant

    with app.app_context():
        first = make_contest(now, slug="mot")
        reg = register_contestant(first, now)
        second = make_contest(now, slug="hai")
        other = register_contestant(second, now, n=7)  # gives the second contest its own area tree
        phone = reg.user.phone
        area_id = other.area_id
    client.post("/dang-nhap", data={"identifier": phone, "password": "matkhau123"})
    page = client.get("/cuoc-thi/hai/dang-ky").get_data(as_text=True)
    assert "Tham gia cuộc thi" in page and "Số CCCD" not in page
    refused = client.post("/cuoc-thi/hai/dang-ky", data={"category": "citizen", "area_id": area_id, "unit_id": 0})
    assert "đồng ý với việc xử lý dữ liệu" in refused.get_data(as_text=True)
    ok = client.post("/cuoc-thi/hai/dang-ky", data={"category": "citizen", "area_id": area_id, "unit_id": 0,
                                                    "consent": "y"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/cuoc-thi/hai/thi")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 2
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 3
