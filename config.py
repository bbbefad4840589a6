"""Configuration classes; every setting comes from an environment variable (see README)."""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CROWDPLAN_INSTANCE", BASE_DIR / "instance"))


def _dev_secret_key() -> str:
    """Generate a development key once and keep it, so sessions survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _dev_data_key() -> str:
    """Generate a development key for contact details once (instance/data_key) and keep it."""
    from cryptography.fernet import Fernet

    path = INSTANCE_DIR / "data_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _trusted_hosts() -> list[str]:
    """TRUSTED_HOSTS (comma-separated), else the host of CROWDPLAN_BASE_URL.

    A leading dot allows subdomains (Werkzeug's rule). Requests naming any other Host get a 400,
    so nothing the app builds from the request's host (API links) can point elsewhere.
    """
    from urllib.parse import urlsplit

    raw = os.environ.get("TRUSTED_HOSTS", "")
    hosts = [h.strip() for h in raw.split(",") if h.strip()]
    if not hosts:
        base = urlsplit(os.environ.get("CROWDPLAN_BASE_URL", ""))
        hosts = [base.hostname] if base.hostname else []
    return hosts


class Config:
    """Settings shared by every environment."""

    @classmethod
    def prepare(cls, app) -> None:
        """Hook for settings that need work at start-up; nothing by default."""

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'crowdplan.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # PostgreSQL connection pool per worker process (see engine_options).
    DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "5"))
    DB_MAX_OVERFLOW = int(os.environ.get("DB_MAX_OVERFLOW", "5"))
    REDIS_URL = os.environ.get("REDIS_URL")
    # Keys of every deployment sharing one Redis start with this.
    REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "crowdplan")
    # With Redis, page views are counted there and written to the database this often.
    COUNTER_FLUSH_SECONDS = float(os.environ.get("COUNTER_FLUSH_SECONDS", "10"))
    # Public statistics are recomputed at most this often (0: on every request).
    STATS_CACHE_SECONDS = float(os.environ.get("STATS_CACHE_SECONDS", "60"))
    # Rate limits: shared by all workers through Redis when REDIS_URL is set.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "crowdplan")
    # Redis down must not take the site down: limits fall back to this worker's memory.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Every route (pages and JSON) counts requests per network address and per route first.
    PUBLIC_RATE_LIMIT = os.environ.get("PUBLIC_RATE_LIMIT", "120/minute")
    # /api/v1 and /open311 together: per network address, and per API key when one is sent.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/minute")
    # The similar-suggestion lookup compares texts: tighter, per network address.
    SIMILAR_RATE_LIMIT = os.environ.get("SIMILAR_RATE_LIMIT", "30/minute")
    # Whole-table open data downloads (CSV, GeoJSON), per network address.
    OPEN_DATA_RATE_LIMIT = os.environ.get("OPEN_DATA_RATE_LIMIT", "10/minute")
    # Sign-in attempts per minute, per account and per network address (the 6th is a 429).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5/minute")
    # Confirmation mails one recipient, and one network address, can cause (guest posts).
    MAIL_LIMIT_PER_RECIPIENT = os.environ.get("MAIL_LIMIT_PER_RECIPIENT", "3/hour")
    MAIL_LIMIT_PER_NETWORK = os.environ.get("MAIL_LIMIT_PER_NETWORK", "10/hour")
    # A burst cap on posting per network address, before the hourly caps kept in the database.
    SUGGESTION_RATE_LIMIT = os.environ.get("SUGGESTION_RATE_LIMIT", "20/minute;60/hour")
    # Supports and reports, each counted per network (IPv4 address, IPv6 /64) and per account:
    # a client that drops its guest cookie gets a new guest id, so these are what bound it.
    SUPPORT_RATE_LIMIT = os.environ.get("SUPPORT_RATE_LIMIT", "10/minute;60/hour")
    FLAG_RATE_LIMIT = os.environ.get("FLAG_RATE_LIMIT", "5/minute;20/hour")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Fernet keys for contact details at rest, comma-separated, newest first (see README).
    CROWDPLAN_DATA_KEYS = os.environ.get("CROWDPLAN_DATA_KEYS")
    # Strict-Transport-Security max-age in seconds; 0 sends no header (production: one year).
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", "0"))
    PASSWORD_RESET_MAX_AGE_S = 3600
    # osm | tianditu | none | a URL template with {z}/{x}/{y} (an intranet tile server)
    CROWDPLAN_TILES = os.environ.get("CROWDPLAN_TILES", "osm")
    CROWDPLAN_TILES_ATTRIBUTION = os.environ.get("CROWDPLAN_TILES_ATTRIBUTION", "")
    TIANDITU_KEY = os.environ.get("TIANDITU_KEY", "")
    # 审图号: the map review number of the basemap (Tianditu publishes its own; an intranet tile
    # server has the bureau's). Shown in the map's attribution when set.
    CROWDPLAN_TILES_REVIEW_NUMBER = os.environ.get("CROWDPLAN_TILES_REVIEW_NUMBER", "")
    # A government site's footer marks (crowdplan/site_marks.py), each shown only when set:
    # 主办单位, 网站标识码, ICP备案号 (linked to ICP_URL) and 公安机关备案号 (linked to PSB_URL,
    # where {code} becomes the number's digits).
    SITE_OWNER = os.environ.get("CROWDPLAN_SITE_OWNER", "")
    SITE_CODE = os.environ.get("CROWDPLAN_SITE_CODE", "")
    ICP_NUMBER = os.environ.get("CROWDPLAN_ICP_NUMBER", "")
    ICP_URL = os.environ.get("CROWDPLAN_ICP_URL", "https://beian.miit.gov.cn/")
    PSB_NUMBER = os.environ.get("CROWDPLAN_PSB_NUMBER", "")
    PSB_URL = os.environ.get(
        "CROWDPLAN_PSB_URL", "https://beian.mps.gov.cn/#/query/webSearch?code={code}"
    )
    # Fill unset marks with placeholders labelled as demo values (development's default).
    CROWDPLAN_FOOTER_DEMO = _env_bool("CROWDPLAN_FOOTER_DEMO")
    # Every link in an e-mail starts with this (never the request's Host header).
    CROWDPLAN_BASE_URL = os.environ.get("CROWDPLAN_BASE_URL", "http://127.0.0.1:5000")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_FROM = os.environ.get("MAIL_FROM", "crowdplan@localhost")
    MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX", str(INSTANCE_DIR / "outbox"))
    # Mail is queued in the database with the change that causes it. after_commit: this process
    # sends it right after the commit (make run, tests); worker: `flask send-mail --loop` does.
    MAIL_DELIVERY = os.environ.get("MAIL_DELIVERY", "after_commit")
    # Tries before a message is kept as failed; waits of 30 s x 4^n, capped: about 40 hours.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "12"))
    MAIL_RETRY_BASE_S = 30
    MAIL_RETRY_MAX_S = 6 * 3600
    # A message claimed this long ago by a sender that never finished is tried again.
    MAIL_LEASE_S = 600
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(20 * 1024 * 1024)))
    # A point this close (metres) to an area outline is flagged for a human routing check.
    ROUTING_BOUNDARY_M = float(os.environ.get("ROUTING_BOUNDARY_M", "200"))
    # Reports from different signed-in accounts that hide a suggestion until a moderator decides
    # (guests' reports only put it in the moderation queue).
    FLAGS_TO_HIDE = int(os.environ.get("FLAGS_TO_HIDE", "3"))
    # Bots post a form within a second of loading it; people take longer.
    MIN_FILL_SECONDS = float(os.environ.get("MIN_FILL_SECONDS", "3"))
    # How many reverse proxies (nginx) stand in front: their X-Forwarded-For/-Proto are trusted,
    # so rate limits and secure cookies see the client, not the proxy. 0: none trusted.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000"))
    # The bureau that runs the site: named at the head of every adoption report (报批材料).
    BUREAU_NAME = os.environ.get("CROWDPLAN_BUREAU_NAME", "咸宁市自然资源和规划局")
    # The privacy notice (/privacy) in force: recorded with every consent, so a changed notice
    # can be told apart from the one a person agreed to. Change it whenever the notice changes.
    PRIVACY_NOTICE_VERSION = os.environ.get("CROWDPLAN_PRIVACY_NOTICE_VERSION", "2026-12")
    # Contact details (phone, e-mail) of cases closed this many days ago are erased by
    # `flask --app crowdplan purge-contacts` (deploy/crowdplan-purge-contacts.timer).
    CONTACT_RETENTION_DAYS = int(os.environ.get("CROWDPLAN_CONTACT_RETENTION_DAYS", "365"))
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("CROWDPLAN_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = ("zh_CN", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = (
        None  # a citizen may take an hour over a suggestion; the token is per session
    )


class DevelopmentConfig(Config):
    """Local development: a generated key, the SpatiaLite file under instance/."""

    CROWDPLAN_FOOTER_DEMO = _env_bool("CROWDPLAN_FOOTER_DEMO", True)

    @classmethod
    def prepare(cls, app) -> None:
        """Use the generated key unless SECRET_KEY is set."""
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _dev_secret_key()
        if not app.config.get("CROWDPLAN_DATA_KEYS"):
            app.config["CROWDPLAN_DATA_KEYS"] = _dev_data_key()


class TestingConfig(Config):
    """pytest: the test fixtures override DATABASE_URL per backend."""

    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    # A fixed, published key: test data only.
    CROWDPLAN_DATA_KEYS = "NQAg2WrQQp3EFfX9-kuAc1oMVPqu1o-Ce7ktUYQsX0A="
    CROWDPLAN_TILES = "none"
    WTF_CSRF_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    # Page and API tests load the same route many times a minute; the abuse tests set tiny
    # limits themselves.
    PUBLIC_RATE_LIMIT = "100000/minute"
    OPEN_DATA_RATE_LIMIT = "100000/minute"
    SIMILAR_RATE_LIMIT = "100000/minute"
    REDIS_URL = None  # tests that need Redis ask for it (the with_redis fixture)
    # The concurrency tests run 64 clients as threads of one process (production: one request
    # per sync worker process, so the default pool is plenty).
    DB_MAX_OVERFLOW = 80
    STATS_CACHE_SECONDS = 0.0
    MIN_FILL_SECONDS = 0.0


class ProductionConfig(Config):
    """Production: refuses to start without its keys; cookies only over HTTPS; HSTS."""

    # Also the flag of the app's own cookies (language, guest, visitor): HTTPS only.
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # Only requests for these hosts are answered (400 otherwise); see _trusted_hosts.
    TRUSTED_HOSTS = _trusted_hosts() or None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", str(365 * 24 * 3600)))
    # Requests never wait for a mail server: crowdplan-mail.service sends (deploy/).
    MAIL_DELIVERY = os.environ.get("MAIL_DELIVERY", "worker")

    @classmethod
    def prepare(cls, app) -> None:
        """Refuse to run with settings that would be unsafe in production."""
        from crowdplan.crypto import parse_keys

        if not app.config.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production (CROWDPLAN_ENV=production).")
        if not app.config.get("TRUSTED_HOSTS"):
            # Not fatal (tests and benchmarks run production on loopback), but said loudly.
            app.logger.warning("TRUSTED_HOSTS and CROWDPLAN_BASE_URL unset: any Host is answered")
        if not parse_keys(app.config.get("CROWDPLAN_DATA_KEYS")):
            raise RuntimeError(
                "CROWDPLAN_DATA_KEYS must be set in production (CROWDPLAN_ENV=production)."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env():
    """The config class named by CROWDPLAN_ENV (default: development)."""
    name = os.environ.get("CROWDPLAN_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"CROWDPLAN_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
