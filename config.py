"""Configuration classes. Everything a deployment changes comes from environment variables.

Pick one with ``XINQING_CONFIG`` (``development``, ``testing``, ``production``); ``create_app``
also accepts a class or an instance directly.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("XINQING_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run safely; the message says what to set."""


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _read_secret_file(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY") or _read_secret_file(
        INSTANCE_DIR / "secret_key"
    )
    # Key-encryption keys: a JSON key file (see app/security/keyring.py), or XINQING_KEYS.
    KEY_FILE: str | None = os.environ.get("XINQING_KEY_FILE", str(INSTANCE_DIR / "keys.json"))
    KEYS_ENV = os.environ.get("XINQING_KEYS")
    # The shred list (app/security/shredding.py): outside the database and its backups; every
    # restore runs `flask keys apply-shreds` against it. Unset: shredded-keys.txt next to the
    # key file (in the instance directory when keys come from XINQING_KEYS), see create_app.
    SHRED_FILE = os.environ.get("XINQING_SHRED_FILE")

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'xinqing.db'}"
    )
    # No pool_pre_ping: a connection the server ended is found at checkout without a round
    # trip (app/pool_liveness.py).
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}
    # A PostgreSQL streaming replica for read-only pages (dashboard, report CSV, library and
    # catalogue lists; app/replica.py). Unset: everything reads the primary. Past this replay
    # lag, or while it does not answer, those pages read the primary too.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL")
    REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5"))
    REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "1"))
    REDIS_URL = os.environ.get("REDIS_URL")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "心晴 Xinqing <noreply@localhost>")
    # SMS (app/notifications/sms.py): SMS_PROVIDER is "file" (one JSON line per message in
    # SMS_FILE; development and tests) or "tencent" (Tencent Cloud SMS). A mainland SMS
    # needs the registered signature and a registered template id per template; see README.
    SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "file")
    SMS_FILE = os.environ.get("SMS_FILE", str(INSTANCE_DIR / "sms.jsonl"))
    SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "心晴")
    SMS_APP_ID = os.environ.get("SMS_APP_ID")
    SMS_SECRET_ID = os.environ.get("SMS_SECRET_ID")
    SMS_SECRET_KEY = os.environ.get("SMS_SECRET_KEY")
    SMS_REGION = os.environ.get("SMS_REGION", "ap-guangzhou")
    SMS_ENDPOINT = os.environ.get("SMS_ENDPOINT")  # default sms.tencentcloudapi.com
    SMS_ENDPOINT_SCHEME = os.environ.get("SMS_ENDPOINT_SCHEME", "https")
    SMS_TEMPLATES: ClassVar[dict[str, str | None]] = {
        "code": os.environ.get("SMS_TEMPLATE_CODE"),
        "notice": os.environ.get("SMS_TEMPLATE_NOTICE"),
        "reminder": os.environ.get("SMS_TEMPLATE_REMINDER"),
        "offer": os.environ.get("SMS_TEMPLATE_OFFER"),
        "event_reminder": os.environ.get("SMS_TEMPLATE_EVENT_REMINDER"),
    }
    # No SMS in these local hours (start inclusive, end exclusive) but codes and urgent notices.
    SMS_QUIET_START_HOUR = int(os.environ.get("SMS_QUIET_START_HOUR", "22"))
    SMS_QUIET_END_HOUR = int(os.environ.get("SMS_QUIET_END_HOUR", "8"))
    SMS_QUIET_TIMEZONE = os.environ.get("SMS_QUIET_TIMEZONE", "Asia/Shanghai")
    # `flask outbox send --watch` looks for due messages this often (seconds).
    OUTBOX_WATCH_SECONDS = float(os.environ.get("OUTBOX_WATCH_SECONDS", "0.5"))
    # Where people reach the service; emails build their links from it.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    WTF_CSRF_TIME_LIMIT = 3600 * 8
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)  # absolute limit for any session
    STAFF_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("STAFF_IDLE_MINUTES", "30")))
    IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("IDLE_MINUTES", "120")))
    # Anonymous pages the same for everyone (home, questionnaires) kept rendered, per process
    # (app/render_cache.py); 0 turns the cache off.
    RENDER_CACHE_SIZE = int(os.environ.get("RENDER_CACHE_SIZE", "128"))
    # An anonymous visitor's session list may come from the list's state this process read
    # within this many seconds (app/booking/views.py ``_recent_moment``); 0 reads it every time.
    LIST_REUSE_SECONDS = float(os.environ.get("LIST_REUSE_SECONDS", "1"))
    # How often a process reads the catalogue's version row (app/booking/catalogue.py): an
    # edit made through another process shows within this many seconds; the process that
    # made it shows it at once. 0 reads it on every request.
    CATALOGUE_RECHECK_SECONDS = float(os.environ.get("CATALOGUE_RECHECK_SECONDS", "2"))

    # Flask-Limiter: Redis when configured so every worker process shares one count.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: each worker counts in its own memory until Redis answers again (checked
    # by Flask-Limiter), and says so once in the log; a failing count never fails a request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get(
        "LOGIN_ACCOUNT_RATE_LIMIT", "5 per minute;20 per hour"
    )
    # Once an account is over its failure budget, only addresses that failed on it this often
    # are refused; a correct password from anywhere else still signs in (no lockout by
    # strangers; app/accounts/limits.py).
    LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT",
                                                      "3 per hour")
    # No form or JSON body of ours comes near 1 MB (nginx's client_max_body_size is the same).
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Except a counsellor's recording for the self-help library (app/library/views.py).
    LIBRARY_AUDIO_MAX_BYTES = int(os.environ.get("LIBRARY_AUDIO_MAX_MB", "40")) * 1024 * 1024
    # Where library recordings are kept (default: instance/library).
    LIBRARY_DIR = os.environ.get("LIBRARY_DIR", str(INSTANCE_DIR / "library"))
    # seed-demo reads the starter exercises with espeak-ng when it and ffmpeg are installed
    LIBRARY_SEED_AUDIO = os.environ.get("LIBRARY_SEED_AUDIO", "1") == "1"
    # How many proxies stand in front (nginx: 1). Per-address limits read the client address
    # from that many X-Forwarded-For entries, counted from the right (app/security/edge.py).
    TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))
    # Successful sign-ups per address (a factory registers behind one NAT address).
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "100 per hour;300 per day")
    # SMS codes (app/accounts/phone_limits.py): per number, per address, all numbers per day.
    SMS_CODE_NUMBER_LIMIT = os.environ.get("SMS_CODE_NUMBER_LIMIT",
                                           "1 per minute;5 per hour;10 per day")
    SMS_CODE_ADDRESS_LIMIT = os.environ.get("SMS_CODE_ADDRESS_LIMIT", "60 per hour;300 per day")
    SMS_CODE_DAILY_CAP = int(os.environ.get("SMS_CODE_DAILY_CAP", "20000"))
    # Booking rules: upcoming bookings one person may hold; hours a waitlist offer is held.
    BOOKING_MAX_UPCOMING = int(os.environ.get("BOOKING_MAX_UPCOMING", "3"))
    WAITLIST_OFFER_HOURS = int(os.environ.get("WAITLIST_OFFER_HOURS", "12"))
    # Hours before a session that reminders go out (email and SMS), comma-separated;
    # "24,2" adds a reminder 2 hours before.
    BOOKING_REMINDER_HOURS = os.environ.get("BOOKING_REMINDER_HOURS", "24")
    # JSON API v1 (app/api): token lifetimes, per-token rate limit, CORS origins (off if empty).
    API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", "720"))
    API_STAFF_TOKEN_HOURS = int(os.environ.get("API_STAFF_TOKEN_HOURS", "12"))
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute;3000 per hour")
    API_CORS_ORIGINS = os.environ.get("API_CORS_ORIGINS", "")

    # Argon2id cost; OWASP ASVS 5.0 appendix C floor is m=19 MiB, t=2, p=1.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    ARGON2_PARALLELISM = 2

    SHOW_DEMO_CREDENTIALS = False
    # Reports: the minimum number of people behind any published count (see app/reports).
    REPORTS_MIN_CELL = int(os.environ.get("REPORTS_MIN_CELL", "5"))
    # A repeat dashboard view within this many seconds reuses the statistics' fingerprint
    # its process read (app/reports/dashboard.py): a late record may show that much later.
    REPORT_FRESH_SECONDS = float(os.environ.get("REPORT_FRESH_SECONDS", "5"))
    # Courses of care close after this many weeks without a session (`flask courses
    # close-lapsed`, daily from cron); the counsellor usually discharges before that.
    COURSE_LAPSE_WEEKS = int(os.environ.get("COURSE_LAPSE_WEEKS", "12"))
    # Counsellors, social workers and admins sign in with a second factor (TOTP).
    STAFF_MFA_REQUIRED = True

    # Security (app/security/): sensitive changes ask again for the password (and the
    # second factor when enrolled) once the last proof is older than this.
    FRESH_AUTH_WINDOW = timedelta(minutes=int(os.environ.get("REAUTH_MINUTES", "5")))
    SESSION_REDIS_PREFIX = os.environ.get("SESSION_REDIS_PREFIX", "xq:session:")
    # Where to report a vulnerability; served in /.well-known/security.txt (RFC 9116).
    SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "mailto:security@example.org")
    # Refusals (403/404/429/CSRF) written to the audit log per person or address and endpoint.
    REFUSAL_AUDIT_LIMIT = os.environ.get("REFUSAL_AUDIT_LIMIT", "20 per minute")
    # Retention (`flask retention run`), in days; see README "Security".
    RETAIN_ANONYMOUS_RESULTS_DAYS = int(os.environ.get("RETAIN_ANONYMOUS_RESULTS_DAYS", "30"))
    RETAIN_RESET_TOKENS_DAYS = int(os.environ.get("RETAIN_RESET_TOKENS_DAYS", "1"))
    # SMS code rows double as the log the code limits count: keep them past the daily limit.
    RETAIN_PHONE_CODES_DAYS = int(os.environ.get("RETAIN_PHONE_CODES_DAYS", "2"))
    RETAIN_USED_RECOVERY_CODES_DAYS = int(os.environ.get("RETAIN_USED_RECOVERY_CODES_DAYS",
                                                         "30"))
    RETAIN_SENT_MAIL_DAYS = int(os.environ.get("RETAIN_SENT_MAIL_DAYS", "30"))
    RETAIN_FAILED_MAIL_DAYS = int(os.environ.get("RETAIN_FAILED_MAIL_DAYS", "90"))
    RETAIN_CANCELLED_BOOKINGS_DAYS = int(os.environ.get("RETAIN_CANCELLED_BOOKINGS_DAYS",
                                                        "365"))
    RETAIN_CLOSED_WAITLIST_DAYS = int(os.environ.get("RETAIN_CLOSED_WAITLIST_DAYS", "365"))
    RETAIN_RESOLVED_RISK_DAYS = int(os.environ.get("RETAIN_RESOLVED_RISK_DAYS", "1095"))
    RETAIN_AUDIT_DAYS = int(os.environ.get("RETAIN_AUDIT_DAYS", "2190"))  # 6 years

    # The safety loop (app/counselling/risk_queue.py; README "Screening"). First contact with
    # a person in the risk queue is due within these targets, counted in the centres'
    # opening hours (Asia/Shanghai): urgent in minutes of opening time, high and standard in
    # working days. Past the due time `flask risk escalate` alerts the hub's lead counsellors.
    RISK_OPENING_HOURS = os.environ.get("RISK_OPENING_HOURS", "mon-fri 08:30-17:30")
    RISK_CLOSED_DATES = os.environ.get("RISK_CLOSED_DATES", "")  # "2027-01-01,2027-02-16"
    RISK_TARGET_URGENT_MINUTES = int(os.environ.get("RISK_TARGET_URGENT_MINUTES", "60"))
    RISK_TARGET_HIGH_DAYS = int(os.environ.get("RISK_TARGET_HIGH_DAYS", "1"))
    RISK_TARGET_STANDARD_DAYS = int(os.environ.get("RISK_TARGET_STANDARD_DAYS", "3"))
    # Duty of care: an open request of a person who deleted their account is kept (sealed,
    # for the centre's counsellors only) until resolved or this many days, then shredded.
    RISK_KEEP_AFTER_ERASURE_DAYS = int(os.environ.get("RISK_KEEP_AFTER_ERASURE_DAYS", "30"))

    @classmethod
    def validate(cls, config: dict) -> None:
        """Refuse to start when a setting makes the service unsafe."""


class DevelopmentConfig(Config):
    """Local development: SQLite in instance/, demo credentials shown, debug toolbar off."""

    ENV_NAME = "development"
    DEBUG = True
    SHOW_DEMO_CREDENTIALS = True
    # Keep development logins quick; production keeps the stronger cost above.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19 * 1024
    ARGON2_PARALLELISM = 1


class TestingConfig(Config):
    """The test suite: database from TEST_DATABASE_URL, CSRF on (tests send tokens)."""

    ENV_NAME = "testing"
    TESTING = True
    LIBRARY_SEED_AUDIO = False  # fast seeds: the exercises are seeded text-only
    LIBRARY_DIR = os.environ.get("TEST_LIBRARY_DIR",
                                 str(Path(tempfile.gettempdir()) / "xinqing-test-library"))
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    DATABASE_REPLICA_URL = None  # tests/integration/test_replica.py sets its own
    KEY_FILE = None
    KEYS_ENV = None
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL = None
    REPORT_FRESH_SECONDS = 0.0  # a new statistic shows on the next view (tests that want it set it)
    LIST_REUSE_SECONDS = 0.0  # the session list reads its state on every view (likewise)
    # Cheap hashing keeps the suite fast; the parameters are still argon2id.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    """Production: secure cookies, and no start without a real secret and key file."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    # "__Host-": the browser only accepts it over HTTPS, for this host and path /.
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls, config: dict) -> None:
        """Refuse to start without a secret key and key-encryption keys, with a clear message."""
        secret = config.get("SECRET_KEY")
        if not secret or len(secret) < 32:
            raise ConfigError(
                "SECRET_KEY is missing or shorter than 32 characters. Set the SECRET_KEY "
                "environment variable (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`)."
            )
        key_file = config.get("KEY_FILE")
        if not config.get("KEYS_ENV") and not (key_file and Path(key_file).is_file()):
            raise ConfigError(
                f"No encryption keys: the key file {key_file!r} does not exist and XINQING_KEYS "
                "is not set. Create one with `flask keys init` and keep it outside the database "
                "and its backups."
            )
        if config.get("RATELIMIT_STORAGE_URI", "").startswith("memory://"):
            raise ConfigError(
                "REDIS_URL is not set: production needs Redis so that login limits hold across "
                "all worker processes."
            )
        if (config.get("SMS_PROVIDER") or "file") == "file":
            raise ConfigError(
                "SMS_PROVIDER=file writes sign-in codes and notices to a local file instead of "
                "sending them: set SMS_PROVIDER=tencent and its SMS_* settings (see README, "
                "Email and SMS channels)."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by XINQING_CONFIG (development when unset)."""
    name = os.environ.get("XINQING_CONFIG", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(
            f"XINQING_CONFIG={name!r} is not one of {', '.join(CONFIGS)}."
        ) from None
