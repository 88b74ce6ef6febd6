"""The Xinqing application factory: ``create_app`` assembles the app in named steps."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.application import Xinqing
from config import INSTANCE_DIR, Config, ConfigError, config_from_env

DATABASE_SCHEMES = {"postgres://": "postgresql+psycopg://",
                    "postgresql://": "postgresql+psycopg://"}


def create_app(config: type[Config] | Config | None = None, **overrides: object) -> Flask:
    """Build the app from a config class (default: from ``XINQING_CONFIG``) plus overrides."""
    app = Xinqing(__name__)
    config = config or config_from_env()
    app.config.from_object(config)
    app.config.update(overrides)
    configure(app, config)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_cli(app)
    register_registries()
    register_errorhandlers(app)
    register_template_helpers(app)
    return app


def configure(app: Flask, config: type[Config] | Config) -> None:
    """Normalise settings and refuse an unsafe configuration before anything starts."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    for prefix, driver in DATABASE_SCHEMES.items():
        if uri.startswith(prefix):
            app.config["SQLALCHEMY_DATABASE_URI"] = driver + uri[len(prefix):]
    if uri.startswith("sqlite"):
        from app import sqlite  # noqa: F401  (transaction handling; see the module)
        from app.storage_modes import secure_sqlite_file

        secure_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])

        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    config.validate(app.config)
    if not app.config.get("SHRED_FILE"):
        key_file = app.config.get("KEY_FILE")
        home = (Path(key_file).parent if key_file and not app.config.get("KEYS_ENV")
                else INSTANCE_DIR)
        app.config["SHRED_FILE"] = str(home / "shredded-keys.txt")
    if not app.config.get("SECRET_KEY"):
        raise ConfigError(
            "SECRET_KEY is not set and instance/secret_key does not exist: run "
            "`python -m app.security.bootstrap` (make run does this)."
        )
    logging.getLogger("app").setLevel(logging.INFO)


def register_extensions(app: Flask) -> None:
    """Bind the extensions of app/extensions.py."""
    # read_only: how transactions end; pool_liveness: dead pooled connections;
    # driver_cursor: psycopg's result descriptions built only when read (see each)
    from app import driver_cursor, pool_liveness, read_only, replica  # noqa: F401
    from app.accounts.services import load_user
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.i18n import select_locale
    from app.types import render_migration_item

    db.init_app(app)
    replica.init_app(app)
    migrate.init_app(app, db, compare_type=True, render_as_batch=True,
                     render_item=render_migration_item)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    _import_models()


def _import_models() -> None:
    """Import every models module so the metadata (and migrations) see all tables."""
    import app.accounts.members
    import app.accounts.models
    import app.accounts.phone_models
    import app.admin.models
    import app.api.models
    import app.audit.models
    import app.booking.care_models
    import app.booking.models
    import app.booking.sms_links
    import app.counselling.course_models
    import app.counselling.models
    import app.events.models
    import app.library.models
    import app.notifications.models
    import app.reports.models
    import app.screening.models
    import app.security.models  # noqa: F401


def register_security(app: Flask) -> None:
    """Key ring and crypto service, security headers, deny-by-default access."""
    from app.security import edge, headers, inputs, sessions
    from app.security.access import enforce_declared_access
    from app.security.crypto import Crypto
    from app.security.keyring import load_keyring

    ring = load_keyring(app.config.get("KEY_FILE"), app.config.get("KEYS_ENV"))
    app.extensions["xinqing.crypto"] = Crypto(ring)
    edge.init_app(app)  # trusted proxy hops, unusable Host headers
    headers.init_app(app)
    app.before_request(enforce_declared_access)
    inputs.init_app(app)
    sessions.init_app(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per domain package; every redirect after a form's POST is a 303."""
    from app import api, prg
    from app.accounts import bp as accounts_bp
    from app.admin import bp as admin_bp
    from app.booking import bp as booking_bp
    from app.counselling import bp as counselling_bp
    from app.events import bp as events_bp
    from app.library import bp as library_bp
    from app.main import bp as main_bp
    from app.reports import bp as reports_bp
    from app.screening import bp as screening_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(booking_bp)
    app.register_blueprint(counselling_bp)
    from app.counselling.course_views import care_bp

    app.register_blueprint(care_bp)  # the worker's side of courses of care
    app.register_blueprint(screening_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(library_bp)
    api.init_app(app)  # JSON API v1 under /api/v1 (its own blueprints and docs)
    prg.init_app(app)  # Post/Redirect/Get: 302 after a POST becomes 303 (see app/prg.py)


def register_registries() -> None:
    """Fill every registry, here and nowhere else, in a fixed order: each package's part in
    "My data" (exports, erasure, access history) and in the retention policy. The lower
    layers (accounts.privacy, security.retention) never import the packages above them."""
    from app.accounts import members as accounts_members
    from app.accounts import retention as accounts_retention
    from app.admin import import_stash
    from app.api import privacy as api_privacy
    from app.audit import retention as audit_retention
    from app.booking import privacy as booking_privacy
    from app.booking import retention as booking_retention
    from app.counselling import courses
    from app.events import privacy as events_privacy
    from app.notifications import retention as notifications_retention
    from app.notifications import services as notifications
    from app.screening import privacy as screening_privacy
    from app.screening import retention as screening_retention
    from app.security import retention as security_retention

    courses.register()  # courses of care join the booking moves and reminders
    notifications.register()  # unsent mail goes first when an account is deleted
    api_privacy.register()
    booking_privacy.register()
    events_privacy.register()
    accounts_members.register()
    screening_privacy.register()

    screening_retention.register_anonymous_results()
    security_retention.register()
    accounts_retention.register()
    notifications_retention.register()
    booking_retention.register()
    import_stash.register()
    screening_retention.register_resolved_risk_items()
    audit_retention.register()  # runs last, and records each run


def register_cli(app: Flask) -> None:
    """The ``flask`` commands: users, keys, audit, outbox, seed-demo."""
    from app.cli import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    """Translated error pages."""
    from app import audit, errors
    from app.security import refusals

    errors.init_app(app)
    # after: its handlers audit, then answer as errors does
    refusals.init_app(app, write=audit.record, answer=errors.http_error,
                      csrf_answer=errors.csrf_error)


def register_template_helpers(app: Flask) -> None:
    """Language switch and small helpers every template uses; health and request logs."""
    from app import i18n, observability

    i18n.init_app(app)
    observability.init_app(app)
