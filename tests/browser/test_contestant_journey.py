"""The contestant's journey in real Chromium on a 360 px phone: register, start, answer, reload, lose the
connection, reopen on another device, submit; a round that submits itself; the keyboard only; page weight."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.models import Answer, Attempt, AttemptQuestion
from tests.journey import PASSWORD, person

pytestmark = pytest.mark.browser

PAGE_BUDGET = 60 * 1024  # the attempt page's first load (20 questions): document + CSS + JS, uncompressed
ALL_BUDGET = 70 * 1024  # with the requests the page makes on load (the clock check)
SAVE_BUDGET = 2 * 1024  # one saved answer: request + response, headers included

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id)"""

# WCAG 2.1 contrast of every visible text against the first opaque background behind it.
LOW_CONTRAST = """() => {
  const rgb = s => { const m = s.match(/[\\d.]+/g).map(Number); return {c: m.slice(0, 3), a: m.length > 3 ? m[3] : 1}; };
  const lum = c => c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
                    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const back = el => { for (; el; el = el.parentElement) { const b = rgb(getComputedStyle(el).backgroundColor);
                         if (b.a > 0.5) return b.c; } return [255, 255, 255]; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const st = getComputedStyle(el), r = el.getBoundingClientRect();
    if (st.visibility === 'hidden' || r.width === 0 || r.right < 0) continue;
    const a = lum(rgb(st.color).c), b = lum(back(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(st.fontSize), large = size >= 24 || (size >= 18.66 && +st.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}: ${el.textContent.trim().slice(0, 40)}`);
  }
  return bad;
}"""


# Links and buttons a thumb must hit, smaller than 44 px; a link inside a sentence is exempt (WCAG 2.5.8).
SMALL_TARGETS = """() => [...document.querySelectorAll('a[href], button, summary, input[type=radio], input[type=checkbox]')]
  .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0; })
  .filter(el => {
    const box = el.closest('label, .option, .choice, .check') || el, r = box.getBoundingClientRect();
    if (r.height >= 44 || el.matches('input') && box !== el) return false;
    const p = el.parentElement, own = (el.textContent || '').trim().length;
    return !(p && (p.textContent || '').trim().length > own + 25 && getComputedStyle(el).display === 'inline');
  })
  .map(el => `${el.tagName} ${(el.textContent || el.name || '').trim().slice(0, 30)} ${Math.round(el.getBoundingClientRect().height)}px`)"""


def fits_a_small_phone(page) -> None:
    """No sideways scrolling at 360 px, every input labelled, enough contrast, tap targets of 44 px."""
    page.wait_for_load_state("load")  # a navigation may still be under way (a redirect after a click)
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == 360, f"{page.url}: page is {width[0]} px wide on a {width[1]} px screen"
    assert page.evaluate(UNLABELLED) == [], page.url
    assert page.evaluate(LOW_CONTRAST) == [], page.url
    assert page.evaluate(SMALL_TARGETS) == [], page.url


def questions(page):
    return page.locator("fieldset.question")


def choose(page, index: int, option: int) -> None:
    questions(page).nth(index).locator("label.option").nth(option).click()


def save_state(page, index: int):
    return questions(page).nth(index).locator(".save-state")


def time_left(page) -> int:
    minutes, seconds = page.inner_text("#time-left").split(":")
    return int(minutes) * 60 + int(seconds)


def attempt_id_of(page) -> int:
    return int(re.search(r"/bai-thi/(\d+)", page.url).group(1))


def saved_answers(live, attempt_id: int) -> dict[int, int]:
    """Stored answers as the page numbers options (1, 2, ... in this attempt's order)."""
    with live.db() as session:
        order = dict(session.execute(select(AttemptQuestion.id, AttemptQuestion.option_order)
                                     .where(AttemptQuestion.attempt_id == attempt_id)).all())
        return {aq: order[aq].index(option) + 1 for aq, option in session.execute(
            select(Answer.attempt_question_id, Answer.option_id).where(Answer.attempt_id == attempt_id)).all()}


def chosen_on_page(page) -> dict[int, int]:
    return {int(aq): int(v) for aq, v in page.evaluate("""() => [...document.querySelectorAll('fieldset.question')]
        .filter(fs => fs.querySelector('input:checked'))
        .map(fs => [fs.dataset.aq, fs.querySelector('input:checked').value])""")}


def sign_in(page, live, identifier: str) -> None:
    page.goto(f"{live.url}/dang-nhap")
    fits_a_small_phone(page)
    page.get_by_label("Số điện thoại hoặc số CCCD").fill(identifier)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url(f"{live.url}/")


def start_round(page, live, round_name: str) -> None:
    page.goto(f"{live.url}/cuoc-thi/{live.journey.slug}/thi")
    card = page.locator("section.round-card").filter(has=page.get_by_role("heading", name=round_name, exact=True))
    card.get_by_role("button", name="Bắt đầu thi").click()
    page.wait_for_url(re.compile(r"/bai-thi/\d+$"))


def test_register_answer_reload_go_offline_switch_device_and_submit(phone, live):
    from playwright.sync_api import expect

    page = phone().new_page()
    page.goto(live.url)
    fits_a_small_phone(page)
    page.get_by_role("link", name="Đăng ký dự thi").click()
    fits_a_small_phone(page)

    me = person(n=31)
    page.get_by_label("Họ và tên").fill("lò thị  mai")
    page.get_by_label("Ngày sinh").fill(me["birth_date"])
    page.get_by_label("Nữ", exact=True).check()
    page.get_by_label("Số CCCD (12 chữ số)").fill("010186000031")  # year digits do not match 1985
    page.get_by_label("Số điện thoại di động").fill("091 000 0031")
    page.get_by_label("Người dân", exact=True).check()
    page.get_by_label("Xã, phường").select_option(label="Xã Mường Hum")
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự)").fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_label(re.compile("Tôi đồng ý")).check()
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    # the error is specific, in Vietnamese, next to the field and announced with it
    cccd = page.get_by_label("Số CCCD (12 chữ số)")
    expect(cccd).to_have_attribute("aria-describedby", re.compile(r"\bcccd-err\b"))
    expect(page.locator("#cccd-err")).to_contain_text("phải là hai số cuối của năm sinh (85)")
    fits_a_small_phone(page)
    cccd.fill(me["cccd"])
    for secret in ("Mật khẩu (ít nhất 8 ký tự)", "Nhập lại mật khẩu"):  # not sent back to the page
        page.get_by_label(secret).fill(PASSWORD)
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    page.wait_for_url(re.compile(r"/thi$"))
    expect(page.get_by_text("Đăng ký thành công")).to_be_visible()
    expect(page.get_by_text("Lò Thị Mai").first).to_be_visible()
    fits_a_small_phone(page)

    start_round(page, live, "Tuần 1")
    attempt_id = attempt_id_of(page)
    fits_a_small_phone(page)
    expect(questions(page)).to_have_count(5)
    assert 590 <= time_left(page) <= 600

    choose(page, 0, 1)
    expect(save_state(page, 0)).to_have_text("Đã lưu")
    assert len(saved_answers(live, attempt_id)) == 1

    # reload: the saved answer and the clock are kept (the deadline does not move)
    time.sleep(1.2)
    before = time_left(page)
    page.reload()
    expect(save_state(page, 0)).to_have_text("Đã lưu")
    assert chosen_on_page(page) == saved_answers(live, attempt_id)
    assert before - 3 <= time_left(page) <= before

    # the connection drops for two answers: they wait on the phone, visibly, and go out when it returns
    page.context.set_offline(True)
    choose(page, 1, 2)
    choose(page, 2, 0)
    expect(save_state(page, 1)).to_contain_text("Chưa lưu")
    expect(save_state(page, 2)).to_contain_text("Chưa lưu")
    expect(page.locator("#net-status")).to_contain_text("Mất kết nối")
    assert len(saved_answers(live, attempt_id)) == 1
    page.context.set_offline(False)
    expect(save_state(page, 1)).to_have_text("Đã lưu", timeout=15_000)
    expect(save_state(page, 2)).to_have_text("Đã lưu", timeout=15_000)
    expect(page.locator("#net-status")).to_be_hidden()
    on_phone = chosen_on_page(page)
    assert len(on_phone) == 3 and saved_answers(live, attempt_id) == on_phone

    # the same attempt opened on another device (signed in with the CCCD) shows the same answers and time
    other = phone().new_page()
    sign_in(other, live, me["cccd"])
    other.goto(f"{live.url}/bai-thi/{attempt_id}")
    assert chosen_on_page(other) == on_phone
    assert abs(time_left(other) - time_left(page)) <= 2
    choose(other, 3, 3)  # answered there
    expect(save_state(other, 3)).to_have_text("Đã lưu")
    other.context.close()

    page.reload()  # back on the phone: the answer from the other device is there
    assert chosen_on_page(page) == saved_answers(live, attempt_id) and len(chosen_on_page(page)) == 4
    page.get_by_label(re.compile("Câu hỏi dự đoán")).fill("120")
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_url(re.compile(r"/ket-qua$"))
    expect(page.get_by_role("heading", name="Kết quả bài thi")).to_be_visible()
    expect(page.get_by_text("Đáp án sẽ được công bố sau khi đợt thi kết thúc")).to_be_visible()
    fits_a_small_phone(page)
    with live.db() as session:
        attempt = session.get(Attempt, attempt_id)
        assert (attempt.status, attempt.prediction) == ("submitted", 120)
        assert page.locator(".stats dd").first.inner_text() == f"{attempt.correct}/5"


def test_a_round_with_a_short_time_limit_submits_itself(phone, live):
    from playwright.sync_api import expect

    user = live.contestant(41)
    page = phone().new_page()
    sign_in(page, live, user)
    start_round(page, live, "Đợt thi nhanh")
    attempt_id = attempt_id_of(page)
    choose(page, 0, 0)
    expect(save_state(page, 0)).to_have_text("Đã lưu")
    page.wait_for_url(re.compile(r"/ket-qua$"), timeout=30_000)  # nobody presses "Nộp bài"
    expect(page.get_by_role("heading", name="Kết quả bài thi")).to_be_visible()
    with live.db() as session:
        attempt = session.get(Attempt, attempt_id)
        # submitted by the page at the deadline (not closed later by the server), with the saved answer
        assert attempt.status == "submitted" and attempt.total == 2
        assert 7_000 <= attempt.duration_ms <= 8_000 + 15_000
    assert len(saved_answers(live, attempt_id)) == 1


def test_an_attempt_can_be_done_with_the_keyboard_alone(phone, live):
    from playwright.sync_api import expect

    user = live.contestant(42)
    page = phone(is_mobile=False, has_touch=False).new_page()
    sign_in(page, live, user)
    start_round(page, live, "Tuần 1")
    attempt_id = attempt_id_of(page)
    page.locator("body").focus()

    def tab_to(predicate_js: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => {{ const el = document.activeElement; return {predicate_js}; }}"):
                outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", "the focused element must show where the focus is"
                return
        raise AssertionError(f"Tab never reached: {predicate_js}")

    for i in range(5):
        tab_to(f"el.type === 'radio' && el.closest('fieldset').id === 'cau-{i + 1}'")
        page.keyboard.press("ArrowDown" if i % 2 else "Space")  # arrows move and choose; space chooses
        expect(save_state(page, i)).to_have_text("Đã lưu")
    tab_to("el.id === 'prediction'")
    page.keyboard.type("35")
    tab_to("el.id === 'submit-btn'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ket-qua$"))
    assert len(saved_answers(live, attempt_id)) == 5
    with live.db() as session:
        attempt = session.get(Attempt, attempt_id)
        assert (attempt.status, attempt.prediction) == ("submitted", 35)


def test_without_javascript_the_attempt_is_a_plain_form(phone, live):
    from playwright.sync_api import expect

    user = live.contestant(44)
    page = phone(java_script_enabled=False).new_page()
    sign_in(page, live, user)
    start_round(page, live, "Tuần 1")
    attempt_id = attempt_id_of(page)
    assert "<noscript>" in page.content()  # (Playwright's JavaScript switch does not render <noscript>)
    choose(page, 0, 3)
    choose(page, 1, 1)
    page.get_by_role("button", name="Lưu câu trả lời").click()  # not blocked by the empty prediction field
    expect(page.get_by_text("Đã lưu các câu trả lời.")).to_be_visible()
    assert chosen_on_page(page) == saved_answers(live, attempt_id) and len(chosen_on_page(page)) == 2
    fits_a_small_phone(page)
    page.get_by_role("button", name="Nộp bài").click()  # the browser asks for the prediction first
    assert page.url.endswith(f"/bai-thi/{attempt_id}")
    assert page.evaluate("() => document.getElementById('prediction').validity.valueMissing")
    choose(page, 2, 0)
    page.get_by_label(re.compile("Câu hỏi dự đoán")).fill("7")
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_url(re.compile(r"/ket-qua$"))
    expect(page.get_by_role("heading", name="Kết quả bài thi")).to_be_visible()
    assert len(saved_answers(live, attempt_id)) == 3
    with live.db() as session:
        attempt = session.get(Attempt, attempt_id)
        assert (attempt.status, attempt.prediction) == ("submitted", 7)


def test_attempt_page_first_load_and_one_saved_answer_are_small(phone, live, record_property):
    user = live.contestant(43)
    signed_in = phone()
    page = signed_in.new_page()
    sign_in(page, live, user)
    start_round(page, live, "Đợt thi đủ 20 câu")
    url = page.url

    # a fresh profile with only the session cookie: nothing cached
    fresh = phone(storage_state=signed_in.storage_state())
    page = fresh.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url, wait_until="networkidle")
    assert questions(page).count() == 20
    page_bytes = {}
    for request in finished:
        sizes = request.sizes()
        page_bytes[(request.resource_type, request.url)] = sizes["responseHeadersSize"] + sizes["responseBodySize"]
    kinds = {kind for kind, _ in page_bytes}
    assert {"document", "stylesheet", "script"} <= kinds, kinds
    first_load = sum(n for (kind, _), n in page_bytes.items() if kind in ("document", "stylesheet", "script"))
    everything = sum(page_bytes.values())  # with the clock check (fetch) the page makes on load
    record_property("attempt_page_first_load_bytes", first_load)
    record_property("attempt_page_all_requests_bytes", everything)
    print(f"\nattempt page, first load: {first_load} B (document+CSS+JS); all requests: {everything} B")
    assert first_load < PAGE_BUDGET
    assert everything < ALL_BUDGET

    with page.expect_request_finished(lambda r: r.method == "PUT" and "/answers/" in r.url) as saving:
        choose(page, 0, 2)
    sizes = saving.value.sizes()
    save = sum(sizes[k] for k in ("requestHeadersSize", "requestBodySize", "responseHeadersSize", "responseBodySize"))
    record_property("save_answer_bytes", save)
    print(f"one saved answer: {save} B ({sizes})")
    assert save < SAVE_BUDGET


def test_registration_mistakes_are_listed_at_the_top_and_each_leads_to_its_field(phone, live):
    from playwright.sync_api import expect

    page = phone().new_page()
    page.goto(f"{live.url}/cuoc-thi/{live.journey.slug}/dang-ky")
    page.get_by_label("Họ và tên").fill("Lò Thị Mai")
    page.get_by_label("Số CCCD (12 chữ số)").fill("0101850000")
    page.get_by_label("Số điện thoại di động").fill("0123")
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự)").fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng ký", exact=True).click()  # no birth date, gender, commune, consent

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()  # read out first, and in view on a 740 px screen
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("heading")).to_have_text("Vui lòng sửa 7 mục dưới đây")
    expect(page.get_by_label("Họ và tên")).to_have_value("Lò Thị Mai")  # typing kept
    expect(page.get_by_label("Số điện thoại di động")).to_have_value("0123")
    expect(page.get_by_label("Mật khẩu (ít nhất 8 ký tự)")).to_have_value("")
    expect(page.locator("#password-hint")).to_contain_text("vui lòng nhập lại")
    fits_a_small_phone(page)

    summary.get_by_role("link", name=re.compile("Bạn cần đồng ý")).click()
    consent = page.get_by_label(re.compile("Tôi đồng ý"))
    expect(consent).to_be_focused()
    expect(consent).to_be_in_viewport()


def test_practice_says_right_or_wrong_in_words_and_colour_then_explains(phone, live):
    from playwright.sync_api import expect

    from quizapp.models import QuestionOption as Option

    page = phone().new_page()
    sign_in(page, live, live.contestant(51))
    page.goto(f"{live.url}/cuoc-thi/{live.journey.slug}/thi")
    page.get_by_role("button", name="Thi thử").click()
    page.wait_for_url(re.compile(r"/bai-thi/\d+$"))
    with live.db() as session:
        aqs = session.scalars(select(AttemptQuestion).filter_by(attempt_id=attempt_id_of(page))
                              .order_by(AttemptQuestion.position)).all()
        right = [next(n for n, oid in enumerate(aq.option_order) if session.get(Option, oid).is_correct) for aq in aqs]
    wrong = (right[0] + 1) % len(aqs[0].option_order)
    choose(page, 0, wrong)
    choose(page, 1, right[1])

    first, second = questions(page).nth(0), questions(page).nth(1)
    expect(first.locator(".verdict")).to_have_text(f"Chưa đúng. Đáp án đúng là {'ABCDEF'[right[0]]}.")
    expect(second.locator(".verdict")).to_have_text("Bạn trả lời đúng.")
    background = "el => getComputedStyle(el).backgroundColor"
    assert first.locator("label.option").nth(wrong).evaluate(background) == "rgb(253, 236, 238)"  # red, not "selected" blue
    assert first.locator("label.option").nth(right[0]).evaluate(background) == "rgb(233, 246, 236)"
    assert second.locator("label.option").nth(right[1]).evaluate(background) == "rgb(233, 246, 236)"
    expect(first.locator(".feedback .hint")).to_contain_text("Nguồn:")
    fits_a_small_phone(page)
    if os.environ.get("SHOTS_DIR"):  # for a person to look at: SHOTS_DIR=/tmp make test
        page.screenshot(path=str(Path(os.environ["SHOTS_DIR"]) / "practice-feedback.png"), full_page=True)

    page.reload()  # the same feedback without JavaScript's help, from the page itself
    expect(questions(page).nth(0).locator(".verdict")).to_have_text(f"Chưa đúng. Đáp án đúng là {'ABCDEF'[right[0]]}.")


def test_starting_a_timed_round_asks_once_and_cancelling_starts_nothing(browser, live):
    from tests.browser.conftest import PHONE

    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        phone_number = live.contestant(52)
        sign_in(page, live, phone_number)
        asked = []
        page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        page.goto(f"{live.url}/cuoc-thi/{live.journey.slug}/thi")
        page.get_by_role("button", name="Bắt đầu thi").first.click()
        page.wait_for_timeout(300)
        assert asked and asked[0].startswith("Bắt đầu tính giờ 10 phút?")
        assert page.url.endswith("/thi")  # still on the contest page
        with live.db() as session:
            assert session.scalar(select(func.count()).select_from(Attempt)
                                  .join(Attempt.registration).filter_by(user_id=_user_id(session, phone_number))) == 0
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Bắt đầu thi").first.click()
        page.wait_for_url(re.compile(r"/bai-thi/\d+$"))
    finally:
        context.close()


def _user_id(session, phone_number: str) -> int:
    from quizapp.models import User

    user_id = session.scalar(select(User.id).filter_by(phone=phone_number))
    assert user_id is not None
    return user_id


def test_the_question_map_the_submit_check_and_an_offline_submission_are_plain_to_see(browser, live):
    from playwright.sync_api import expect

    from tests.browser.conftest import PHONE

    context = browser.new_context(**PHONE)
    asked = []
    try:
        page = context.new_page()
        sign_in(page, live, live.contestant(53))
        page.on("dialog", lambda d: (asked.append(d.message), d.dismiss() if "đăng xuất" in d.message.lower() else d.accept()))
        page.goto(f"{live.url}/cuoc-thi/{live.journey.slug}/thi")
        page.get_by_role("button", name="Bắt đầu thi").first.click()
        page.wait_for_url(re.compile(r"/bai-thi/\d+$"))
        qmap = page.locator(".qmap a")
        expect(qmap).to_have_count(5)
        expect(page.get_by_role("heading", level=1)).to_have_text("Tuần 1 – bài thi")

        choose(page, 0, 1)
        expect(qmap.nth(0)).to_have_class(re.compile(r"\bdone\b"))
        page.context.set_offline(True)
        choose(page, 2, 0)
        expect(qmap.nth(2)).to_have_class(re.compile(r"\bpending\b"))  # chosen, not saved yet
        expect(qmap.nth(2)).to_have_accessible_name("Câu 3, chưa lưu")
        page.context.set_offline(False)
        expect(qmap.nth(2)).to_have_class(re.compile(r"\bdone\b"), timeout=15_000)
        qmap.nth(4).click()  # one tap to the last question
        expect(questions(page).nth(4)).to_be_in_viewport()

        # Submitting without the prediction: said under the box, which is brought into view, not under a bar.
        page.get_by_role("button", name="Nộp bài").click()
        error = page.locator("#prediction-err")
        expect(error).to_have_text("Vui lòng trả lời câu hỏi dự đoán trước khi nộp bài.")
        expect(error).to_be_in_viewport()
        expect(page.get_by_label(re.compile("Câu hỏi dự đoán"))).to_be_focused()

        # Signing out in the middle asks first; saying no keeps the attempt page.
        page.get_by_role("button", name="Đăng xuất").click()
        assert asked[-1].startswith("Bạn đang làm bài")
        assert re.search(r"/bai-thi/\d+(#[\w-]*)?$", page.url)

        # Submitting offline: the confirmation names the empty questions; the page says the submission waits.
        page.get_by_label(re.compile("Câu hỏi dự đoán")).fill("7")
        page.context.set_offline(True)
        page.get_by_role("button", name="Nộp bài").click()
        assert "Bạn còn 3 câu chưa trả lời (câu 2, 4, 5)." in asked[-1]
        status = page.locator("#net-status")
        expect(status).to_contain_text("đang chờ gửi")
        expect(status).to_be_in_viewport()  # the banner rides with the timer, it does not scroll away
        expect(page.locator("#submit-btn")).to_have_text("Đang chờ mạng để nộp…")
        page.context.set_offline(False)
        page.wait_for_url(re.compile(r"/ket-qua$"), timeout=20_000)
    finally:
        context.close()
