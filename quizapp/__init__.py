"""quizapp: the platform for the online contest "Tìm hiểu cải cách hành chính"."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask is imported only when an app is made, so quizapp.domain stays importable without it
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Application factory: config from the environment, then `config` overrides (tests)."""
    from flask import Flask

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from quizapp import log_masking
    from quizapp.config import engine_options, from_env

    log_masking.install()  # before anything can log: no CCCD, phone or password hash in any log line
    app.config.update(from_env(app.instance_path))
    if config:
        app.config.update(config)
        if "SQLALCHEMY_DATABASE_URI" in config and "SQLALCHEMY_ENGINE_OPTIONS" not in config:
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"hide_parameters": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if "REMEMBER_COOKIE_SECURE" not in (config or {}):
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    from quizapp.safe_input import BoundedIntConverter, QuizRequest, StrictJSONProvider

    app.request_class = QuizRequest
    app.json = StrictJSONProvider(app)
    app.url_map.converters["int"] = BoundedIntConverter  # before the blueprints add their rules
    _init_extensions(app)
    from quizapp.services import attempts, caches

    caches.clear_all()  # every app starts cold (services/caches.py)

    # One setting per process. Tests see every bank change at once unless they ask otherwise.
    attempts.BANK_RECHECK_SECONDS = (0.0 if app.testing and "BANK_RECHECK_SECONDS" not in (config or {})
                                     else float(app.config["BANK_RECHECK_SECONDS"]))
    _register_blueprints(app)
    from quizapp import cli, redis_status, web
    from quizapp.services import leaderboard_store

    web.init_app(app)
    leaderboard_store.init_app(app)
    redis_status.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from quizapp import models  # noqa: F401  (registers the tables)
    from quizapp.db_events import install_sqlite_pragmas
    from quizapp.extensions import csrf, db, limiter, login_manager, migrate
    from quizapp.models import lengths

    lengths.install(db.Model)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    app.before_request(_load_signed_in_user)  # before the limiter's own hook, which it must run ahead of
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    with app.app_context():
        install_sqlite_pragmas(db.engine)

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(models.User, int(user_id))


def _load_signed_in_user() -> None:
    """Load the signed-in user before the rate limits are checked.

    Limits counted per account need the user; if the database is down, loading it fails here and is answered
    503 (web.database_unavailable) instead of inside Flask-Limiter, which would take any error for its storage
    being unreachable and switch to per-worker counters although Redis is fine.
    """
    from flask import request
    from flask_login import current_user

    if request.endpoint not in SESSION_ONLY_ENDPOINTS:
        _ = current_user.is_authenticated


# Endpoints that take the signed-in user's id from the session and load the account only when they need it
# (web.session_user_id): saving an answer is the request a contest sends most.
SESSION_ONLY_ENDPOINTS = frozenset({"static", "api.save_answer"})


def _register_blueprints(app: Flask) -> None:
    from quizapp import admin
    from quizapp.api.leaderboard import bp as leaderboard_api_bp
    from quizapp.api.routes import bp as api_bp
    from quizapp.auth.routes import bp as auth_bp
    from quizapp.contest.routes import bp as contest_bp
    from quizapp.live.routes import bp as live_bp
    from quizapp.personal.routes import bp as personal_bp
    from quizapp.public.routes import bp as public_bp

    for bp in (public_bp, auth_bp, contest_bp, personal_bp, api_bp, leaderboard_api_bp, live_bp):
        app.register_blueprint(bp)
    admin.register(app)
