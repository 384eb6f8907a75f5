"""Request-independent web wiring: error pages, template filters, JSON errors for the API."""
from __future__ import annotations

import io
import secrets
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, g, jsonify, make_response, render_template, request, send_file
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from quizapp.domain.attempt_status import ATTEMPT_STATUS_LABELS
from quizapp.domain.counting import COUNTING_RULE_LABELS
from quizapp.domain.errors import DomainError, http_status
from quizapp.domain.timing import duration_words, minutes_seconds
from quizapp.safe_input import BadInput, check_request

ROLE_LABELS = {"admin": "Quản trị hệ thống", "organizer": "Ban Tổ chức", "moderator": "Theo dõi đơn vị/địa bàn"}
CONTEST_STATE_LABELS = {"open": "Đang diễn ra", "upcoming": "Sắp diễn ra", "finished": "Đã kết thúc",
                        "draft": "Chưa công bố"}

ERROR_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền truy cập trang này.",
    404: "Không tìm thấy trang bạn yêu cầu.",
    405: "Phương thức không được hỗ trợ.",
    409: "Yêu cầu xung đột với dữ liệu hiện có.",
    413: "Tệp tải lên quá lớn.",
    429: "Bạn thao tác quá nhanh. Vui lòng chờ một lát rồi thử lại.",
    500: "Hệ thống gặp sự cố. Vui lòng thử lại sau.",
    503: "Hệ thống đang bận. Vui lòng thử lại sau.",
}
# The page's heading: short, so the message under it can say what happened and what to do.
ERROR_TITLES = {403: "Không có quyền truy cập", 404: "Không tìm thấy", 413: "Tệp quá lớn",
                429: "Vui lòng chờ một lát", 500: "Hệ thống gặp sự cố", 503: "Hệ thống tạm gián đoạn"}
DEFAULT_ERROR_TITLE = "Chưa thực hiện được yêu cầu"
DATABASE_DOWN = ("Hệ thống đang tạm gián đoạn kết nối cơ sở dữ liệu. Các câu trả lời đã lưu trước đó không bị mất. "
                 "Vui lòng thử lại sau ít phút.")
DATABASE_RETRY_SECONDS = 15  # Retry-After of a database outage: the attempt page retries by itself meanwhile
# Errors that mean "the database cannot be reached now" (server down, connection cut, pool exhausted), not a bug.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
WRITES_REFUSED = ("Máy chủ đang tạm thời không ghi được dữ liệu. Bài làm của bạn chưa bị mất; "
                  "vui lòng thử lại sau ít phút.")
# The database is up but refuses to write: PostgreSQL read_only_sql_transaction (a hot standby, a read-only
# database) and disk_full / insufficient_resources; SQLite's SQLITE_READONLY and SQLITE_FULL messages.
_WRITE_REFUSED_SQLSTATES = {"25006", "53000", "53100"}
_WRITE_REFUSED_SQLITE = ("attempt to write a readonly database", "database or disk is full",
                         "disk I/O error")  # what SQLite in WAL mode says when the disk is full


def refuses_writes(e: Exception) -> bool:
    """True when the database error says writes are refused (read-only, full disk), not a lost connection."""
    orig = getattr(e, "orig", None) or e
    if getattr(orig, "sqlstate", None) in _WRITE_REFUSED_SQLSTATES:
        return True
    message = str(orig).splitlines()[0] if str(orig) else ""
    return any(m in message for m in _WRITE_REFUSED_SQLITE)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_TYPES = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8", "aiken": "text/plain; charset=utf-8",
              "gift": "text/plain; charset=utf-8", "moodle_xml": "application/xml; charset=utf-8",
              "pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "yaml": "application/x-yaml; charset=utf-8"}


def download(data: bytes, filename: str, mimetype: str, private: bool = False):
    """A file the browser saves under `filename` (Vietnamese names are encoded for every browser)."""
    resp = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    if private:
        resp.headers["Cache-Control"] = "private, no-store"
    return resp


def visible_contest(slug: str):
    """A published contest, or an unpublished one for its own staff (to preview it); else 404."""
    from flask import abort
    from flask_login import current_user

    from quizapp.services import access, contests

    contest = contests.get_contest(slug)
    if contest is None or not (contest.is_published or access.for_contest(current_user, contest)):
        abort(404)
    return contest


def wants_json() -> bool:
    """API routes and JSON clients get JSON errors."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def rollback() -> None:
    """Before an error page: a failed statement leaves PostgreSQL's transaction aborted, and the page (its
    header asks who is signed in) would fail on it, leaving the browser Werkzeug's bare 500 page."""
    from quizapp.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (a broken connection: the page must still be shown)
        db.session.remove()


def domain_status(e: DomainError) -> int:
    """The one status table (domain/errors.HTTP_STATUS); a request the app cannot even read is 400."""
    return 400 if isinstance(e, BadInput) else http_status(e.code)


def session_user_id() -> int | None:
    """The signed-in user's id as the signed session cookie says, without loading the account.

    For the contestant's hot paths (saving an answer): the statement that does the work checks that the account
    is active. None when the session names nobody (signed out, or only a remember-me cookie): the caller then
    takes `current_user`, which restores a remembered sign-in. Flask-Login's default session protection ("basic")
    only marks a session non-fresh, which these paths never ask for.
    """
    from flask import session

    value = session.get("_user_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _with_retry_after(resp):
    """Retry-After on a refusal by a rate limit: when the breached limit's window ends.

    The limiter writes no X-RateLimit headers (RATELIMIT_HEADERS_ENABLED is off): reading a window's state costs
    Redis round trips on every request, hot paths included, for headers no page uses; only a refusal needs it.
    """
    if "Retry-After" not in resp.headers:
        from quizapp.extensions import limiter

        seconds = 60
        try:
            breached = limiter.current_limit
            if breached is not None:
                seconds = max(1, int(breached.reset_at - time.time()) + 1)
        except Exception:  # noqa: BLE001  (Redis gone between the refusal and now: a minute is a fair answer)
            pass
        resp.headers["Retry-After"] = str(seconds)
    return resp


def error_response(status: int, message: str | None = None, code: str | None = None):
    rollback()
    message = message or ERROR_MESSAGES.get(status, "Đã xảy ra lỗi.")
    if wants_json():
        return jsonify({"error": code or str(status), "message": message}), status
    title = ERROR_TITLES.get(status, DEFAULT_ERROR_TITLE)
    return render_template("error.html", status=status, title=title, message=message), status


_db_log = {"at": 0.0, "count": 0}
_db_log_lock = threading.Lock()
DATABASE_LOG_SECONDS = 30


def _log_database_unavailable(app: Flask, e: Exception) -> None:
    """One warning per 30 seconds per worker during an outage, with how many requests got a 503 meanwhile.

    Only the driver's error class is logged: the full message carries the SQL and its parameters (personal data).
    """
    with _db_log_lock:
        _db_log["count"] += 1
        now = time.monotonic()
        if now - _db_log["at"] < DATABASE_LOG_SECONDS:
            return
        count, _db_log["at"], _db_log["count"] = _db_log["count"], now, 0
    app.logger.warning("database unavailable (%s): %d request(s) answered 503 since the last message",
                       type(getattr(e, "orig", None) or e).__name__, count)


def database_unavailable(app: Flask, e: Exception):
    """503 with Retry-After and the Vietnamese page (JSON for the API), without touching the database again."""
    from flask_login import AnonymousUserMixin

    from quizapp.extensions import db

    try:
        db.session.rollback()  # the connection is invalidated; the next request gets a fresh one from the pool
    except Exception:  # noqa: BLE001  (a broken connection may fail to roll back too: the session is reset anyway)
        db.session.remove()
    _log_database_unavailable(app, e)
    if "_login_user" not in g:
        g._login_user = AnonymousUserMixin()  # the page must not load the signed-in user from the database again
    body, status = error_response(503, WRITES_REFUSED if refuses_writes(e) else DATABASE_DOWN, "database_unavailable")
    resp = app.make_response((body, status))
    resp.headers["Retry-After"] = str(DATABASE_RETRY_SECONDS)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def init_app(app: Flask) -> None:
    """Template helpers, error pages, input checks and response headers for every page and API."""
    register_filters(app)
    register_error_handlers(app)
    register_headers(app)


def register_filters(app: Flask) -> None:
    """Template filters and globals: times in the contest's time zone, the shared label tables."""
    tz = ZoneInfo(app.config["DISPLAY_TIMEZONE"])

    @app.template_filter("local")
    def local_time(value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
        """Show a UTC datetime in the contest's time zone."""
        return value.astimezone(tz).strftime(fmt) if value else ""

    @app.template_filter("local_end")
    def local_end(value: datetime | None) -> str:
        """A closing time; midnight shows as 24:00 of the day before, as contest rules write it."""
        if not value:
            return ""
        local = value.astimezone(tz)
        if (local.hour, local.minute) == (0, 0):
            return "24:00 " + (local - timedelta(minutes=1)).strftime("%d/%m/%Y")
        return local.strftime("%H:%M %d/%m/%Y")

    app.add_template_filter(minutes_seconds, "minutes_seconds")
    app.add_template_filter(duration_words, "duration_words")

    @app.context_processor
    def _helpers():
        return {"has_endpoint": lambda name: name in app.view_functions,
                "counting_labels": {k: v[0].lower() + v[1:] for k, v in COUNTING_RULE_LABELS.items()},
                "role_labels": ROLE_LABELS, "contest_state_labels": CONTEST_STATE_LABELS,
                "attempt_status_labels": ATTEMPT_STATUS_LABELS}


def register_error_handlers(app: Flask) -> None:
    """One error page (or JSON body) per failure: a Vietnamese message, never a bare 500."""

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return error_response(400, "Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ. Vui lòng tải lại trang.", "csrf")

    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        return error_response(domain_status(e), e.message, e.code)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _refused_by_database(e: Exception):
        """The last net: a value the database refuses (out of range, too long) is the sender's error, not ours."""
        app.logger.warning("input refused by the database: %s", str(e).splitlines()[0][:300])
        return error_response(400, "Dữ liệu gửi lên không hợp lệ (quá dài, quá lớn hoặc chứa ký tự không cho "
                                   "phép).", "bad_input")

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        if e.code == 429 and e.response is not None:  # a limit's own answer (its on_breach callback)
            return _with_retry_after(e.response)
        resp = make_response(error_response(e.code or 500, None if e.code in ERROR_MESSAGES else e.description,
                                            "rate_limited" if e.code == 429 else None))
        for name, value in e.get_headers():  # Allow (405), Retry-After, WWW-Authenticate: kept on our own page
            if name.lower() != "content-type":
                resp.headers[name] = value
        return _with_retry_after(resp) if e.code == 429 else resp

    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, lambda e: database_unavailable(app, e))

    @app.errorhandler(InternalError)
    def _internal_database_error(e: InternalError):
        """psycopg reports a read-only transaction as an InternalError: an outage (503), not our bug."""
        if refuses_writes(e):
            return database_unavailable(app, e)
        return _unexpected(e)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        app.logger.exception("unhandled error")
        rollback()
        return error_response(500)


def register_headers(app: Flask) -> None:
    """The input check before every request; the device cookie and security headers after it."""

    @app.before_request
    def _check_input():
        check_request(request)

    @app.after_request
    def _device_cookie(resp):
        """A random per-browser id: lets review spot many accounts made on one device."""
        if "qz_device" not in request.cookies:
            resp.set_cookie("qz_device", secrets.token_urlsafe(16), max_age=2 * 365 * 86400, httponly=True,
                            samesite="Lax", secure=app.config["SESSION_COOKIE_SECURE"])
        return resp

    @app.after_request
    def _security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        return resp
