"""Browser tests: Debian's Chromium driven by Playwright against the app served on 127.0.0.1.

Never downloads a browser. Without Chromium (or Playwright) they skip with the reason; on CI (CI=true) they
fail instead, because CI installs Chromium (.ci/run).
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def _missing() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        if _on_ci():
            pytest.fail(f"browser tests must run on CI, but: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Live:
    """The app served over HTTP, and its journey contest."""

    url: str
    app: object
    journey: object  # tests.journey.JourneyContest
    quick_round_id: int  # 8-second time limit, 2 questions
    full_round_id: int  # 20 questions, as the demo contest's rounds

    @contextmanager
    def db(self):
        """The app's database session, for checks from the test (closed again at once)."""
        from quizapp.extensions import db

        with self.app.app_context():
            yield db.session

    def contestant(self, n: int, **kw):
        """A contestant registered through the service (for tests that are not about registering)."""
        from quizapp.models import Contest, utcnow
        from tests.factories import register_contestant

        with self.db() as session:
            reg = register_contestant(session.get(Contest, self.journey.contest_id), utcnow(), n=n, **kw)
            return reg.user.phone


def _quiet_handler():
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # no access log line per request in the test output
            pass

    return Quiet


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from quizapp import create_app
    from quizapp.models import utcnow
    from tests.journey import make_journey_contest

    db_file = tmp_path_factory.mktemp("browser") / "live.sqlite3"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", "SECRET_KEY": "browser-test-secret",
        "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        upgrade()
        journey = make_journey_contest(utcnow(), slug="cchc-trinh-duyet", extra_rounds=[
            {"name": "Đợt thi nhanh", "time_limit_seconds": 8, "question_count": 2},
            {"name": "Đợt thi đủ 20 câu", "time_limit_seconds": 1200, "question_count": 20},
        ])
        from quizapp.extensions import db
        from quizapp.models import Round

        by_name = {r.name: r.id for r in db.session.query(Round).filter_by(contest_id=journey.contest_id)}
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_quiet_handler())
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", app, journey, by_name["Đợt thi nhanh"],
               by_name["Đợt thi đủ 20 câu"])
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch):
    from tests.journey import without_rate_limits

    without_rate_limits(monkeypatch)


@pytest.fixture
def phone(browser):
    """A new browser profile on a 360 px wide phone; dialogs (the submit confirmation) are accepted."""
    contexts = []

    def _new(**kw):
        context = browser.new_context(**{**PHONE, **kw})
        context.set_default_timeout(15_000)
        context.on("page", lambda page: page.on("dialog", lambda dialog: dialog.accept()))
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()
