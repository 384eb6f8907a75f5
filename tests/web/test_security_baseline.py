"""What must stay true (issue 12): a Content-Security-Policy with no inline script, and no inline script or
handler in any template to need one; passwords hashed with scrypt; the secret key never in the code."""
import re
from pathlib import Path

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Contest, User, utcnow
from tests.factories import register_contestant
from tests.journey import make_journey_contest

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_carries_a_policy_that_forbids_inline_script(client):
    for path in ("/", "/dang-nhap", "/khong-co-trang-nay"):
        policy = client.get(path).headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.name}: {m.group(0)[:40]}" for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text)]
        offenders += [f"{path.name}: {m.group(0)[:40]}" for m in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text)]
        offenders += [f"{path.name}: javascript: URL" for _ in re.finditer(r"href=[\"']javascript:", text)]
    assert offenders == []


def test_passwords_are_stored_as_scrypt_hashes(app, production_password_hashes):
    with app.app_context():
        journey = make_journey_contest(utcnow(), slug="bao-mat")
        reg = register_contestant(db.session.get(Contest, journey.contest_id), utcnow(), n=5)
        stored = db.session.scalar(select(User.password_hash).where(User.id == reg.user_id))
    assert stored.startswith("scrypt:32768:8:1$") and "matkhau123" not in stored  # Werkzeug's work factor


def test_no_secret_key_is_written_in_the_code():
    pattern = re.compile(r"SECRET_KEY\s*[=:]\s*[\"'][^\"']{8,}[\"']")
    found = [str(p.relative_to(ROOT)) for p in (ROOT / "quizapp").rglob("*.py") if pattern.search(p.read_text())]
    assert found == []  # only the environment or instance/secret_key (tests/web/test_app.py checks the file)
