"""Property tests of the public forms through the test client: whatever one field holds, registration and sign-in
answer with the app's own page, never a server error."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quizapp.models import utcnow
from tests.conftest import _truncate
from tests.journey import make_journey_contest, person, without_rate_limits
from tests.strategies import long_line, messy_text

REGISTRATION_FIELDS = ("full_name", "birth_date", "gender", "cccd", "phone", "email", "category", "area_id", "unit_id",
                       "password", "password2", "consent")
SIGN_IN_FIELDS = ("identifier", "password", "remember")

# What a field may hold when someone types, pastes or scripts it. Left out for now (issue 12 item 3: NUL bytes,
# over-long strings and huge integers in routes are being handled in the `badinput` branch): NUL, texts over
# 20 000 characters, and integers beyond ±10⁶ (a huge area_id or unit_id is a 500 today, see the skipped test below).
field_value = st.one_of(
    messy_text.map(lambda s: s.replace("\x00", "")),
    st.text(st.characters(exclude_characters="\x00"), max_size=60),
    long_line,
    st.sampled_from(["", " ", "0", "-1", "1e9", "2025-02-30", "0001-01-01", "9999-12-31", "1985-03-14T00:00",
                     "nam", "nu", "official", "citizen", "y", "false", "<script>alert(1)</script>", "' OR 1=1 --",
                     "{{7*7}}", "%s%s%n", "../../etc/passwd", "\ufeff", "\u202e", "🇻🇳", "Ǆ", "İ", "ﬃ", "ｱ"]),
    st.integers(-10**6, 10**6).map(str),
)


@pytest.fixture(scope="module")
def contest(_migrated_app):
    """One contest for every example of the module (a fresh one per example would cost a second each)."""
    with _migrated_app.app_context():
        journey = make_journey_contest(utcnow(), slug="props-forms")
    yield journey
    from quizapp.extensions import db
    from quizapp.services import caches

    caches.clear_all()
    with _migrated_app.app_context():
        db.session.remove()
    _truncate(_migrated_app)


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch):
    without_rate_limits(monkeypatch)


def assert_own_page(resp) -> None:
    assert resp.status_code < 500, resp.get_data(as_text=True)[:2000]
    body = resp.get_data(as_text=True)
    assert "Traceback" not in body and "Werkzeug" not in body, body[:2000]


@settings(max_examples=80)
@given(field=st.sampled_from(REGISTRATION_FIELDS), value=field_value, n=st.integers(1, 10**6))
@example(field="area_id", value="１２", n=1)  # full-width digits
@example(field="birth_date", value="1985-3-14", n=2)
def test_registration_with_any_field_answers_with_its_own_page(_migrated_app, contest, field, value, n):
    data = person(n % 10**7, area_id=str(contest.area_ids[n % 3]))
    data[field] = value
    assert_own_page(_migrated_app.test_client().post(f"/cuoc-thi/{contest.slug}/dang-ky", data=data))


@settings(max_examples=80)
@given(data=st.fixed_dictionaries({f: field_value for f in SIGN_IN_FIELDS}))
@example(data={"identifier": "0912345678", "password": "matkhau123", "remember": "y"})
def test_sign_in_with_any_fields_answers_with_its_own_page(_migrated_app, contest, data):
    assert_own_page(_migrated_app.test_client().post("/dang-nhap", data=data))


@pytest.mark.parametrize("field", ["area_id", "unit_id"])
def test_a_huge_place_id_is_refused_not_a_server_error(_migrated_app, contest, field):
    data = person(7, area_id=str(contest.area_ids[0]))
    data[field] = "9" * 30
    assert_own_page(_migrated_app.test_client().post(f"/cuoc-thi/{contest.slug}/dang-ky", data=data))
