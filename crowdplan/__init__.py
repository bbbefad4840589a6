"""crowdplan: a public-participation planning platform (app factory)."""

from __future__ import annotations

import secrets

from flask import Flask, g
from werkzeug.routing import IntegerConverter

from config import config_from_env
from crowdplan.api import models as _api_models  # noqa: F401
from crowdplan.audit import models as _audit_models  # noqa: F401
from crowdplan.auth import models as _auth_models  # noqa: F401
from crowdplan.calendar import models as _calendar_models  # noqa: F401

# Importing the models registers them on db.metadata (migrations compare against it).
from crowdplan.core import models as _core_models  # noqa: F401
from crowdplan.extensions import babel, csrf, db, init_redis, limiter, login_manager, migrate
from crowdplan.geo.spatial import configure_engine
from crowdplan.notifications import models as _notification_models  # noqa: F401
from crowdplan.plans import models as _plan_models  # noqa: F401
from crowdplan.routing import models as _routing_models  # noqa: F401
from crowdplan.stats import models as _stats_models  # noqa: F401
from crowdplan.suggestions import models as _suggestion_models  # noqa: F401
from crowdplan.triage import models as _triage_models  # noqa: F401


def create_app(config=None, **overrides) -> Flask:
    """Build the app from a config class (default: from CROWDPLAN_ENV) plus overrides."""
    app = Flask(__name__, static_folder="../static", template_folder="../templates")
    config = config or config_from_env()
    app.config.from_object(config)
    app.config.update(overrides)
    config.prepare(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config)

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    _init_extensions(app)
    # Ids in URLs must fit the databases' integer columns: larger ones are simply not found
    # (PostgreSQL would refuse them with an error instead of an empty result).
    app.url_map.converters["int"] = DatabaseInt
    _register_blueprints(app)
    _register_hooks(app)
    from crowdplan import cli, errors, inputs

    errors.register(app)
    inputs.register(app)
    cli.register(app)
    return app


def _engine_options(cfg) -> dict:
    """A sized pool that tests each connection before use, so a restarted PostgreSQL is
    reconnected to without a failed request; SQLite needs no pool settings."""
    options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_size", cfg["DB_POOL_SIZE"])
        options.setdefault("max_overflow", cfg["DB_MAX_OVERFLOW"])
        options.setdefault("pool_timeout", 10)
        # A server that is down must fail fast (503), not hang the worker.
        options.setdefault("connect_args", {"connect_timeout": 3})
    return options


def _init_extensions(app: Flask) -> None:
    from crowdplan.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    # Registered before the limiter, so it runs after the limiter's header hook (Flask runs
    # after_request hooks last-registered first): the limiter raises Retry-After to its window's
    # reset on every response, but a 503 (database unavailable) means "retry in a few seconds".
    @app.after_request
    def _keep_short_retry_after(response):
        if response.status_code == 503 and response.headers.get("X-Retry-After-Own"):
            response.headers["Retry-After"] = response.headers.pop("X-Retry-After-Own")
        return response

    limiter.init_app(app)
    init_redis(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"


def _register_blueprints(app: Flask) -> None:
    from crowdplan.api.admin import bp as api_keys_bp
    from crowdplan.api.views import bp as api_bp
    from crowdplan.audit.views import bp as audit_bp
    from crowdplan.auth.privacy import bp as privacy_bp
    from crowdplan.auth.staff import bp as staff_bp
    from crowdplan.auth.views import bp as auth_bp
    from crowdplan.calendar.views import bp as calendar_bp
    from crowdplan.main.views import bp as main_bp
    from crowdplan.open311.views import bp as open311_bp
    from crowdplan.plans.staff import bp as plans_staff_bp
    from crowdplan.plans.views import bp as plans_bp
    from crowdplan.routing.views import bp as routing_bp
    from crowdplan.stats.views import bp as stats_bp
    from crowdplan.suggestions.api import bp as suggestions_api_bp
    from crowdplan.suggestions.moderation import bp as moderation_bp
    from crowdplan.suggestions.views import bp as suggestions_bp
    from crowdplan.triage.views import bp as triage_bp
    from crowdplan.vendor import bp as vendor_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(vendor_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(plans_staff_bp)
    app.register_blueprint(suggestions_bp)
    app.register_blueprint(suggestions_api_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(triage_bp)
    app.register_blueprint(routing_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_keys_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(calendar_bp)


class DatabaseInt(IntegerConverter):
    """`<int:...>` limited to 1 .. 2**31-1, the range of an INTEGER primary key."""

    def __init__(self, map, fixed_digits=0, min=1, max=2**31 - 1, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _register_hooks(app: Flask) -> None:
    from crowdplan import transactions
    from crowdplan.i18n import TEMPLATE_FILTERS, template_globals
    from crowdplan.site_marks import template_marks

    transactions.register(app)  # SQLite's write lock: see crowdplan/transactions.py

    @app.before_request
    def _nonce():
        # One nonce per response for script tags (map scripts are inline); see base.html.
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("HSTS_MAX_AGE"):
            # Browsers that once saw the site over HTTPS never try plain HTTP again.
            response.headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={int(app.config['HSTS_MAX_AGE'])}; includeSubDomains",
            )
        if _staff_only():
            # Staff pages and JSON hold contact details and internal notes: no browser, proxy
            # or shared computer keeps a copy (back button, disk cache).
            response.headers["Cache-Control"] = "no-store"
        if response.mimetype == "text/html" and "csp_nonce" in g:
            response.headers.setdefault("Content-Security-Policy", _csp(g.csp_nonce))
        return response

    app.context_processor(template_globals)
    app.context_processor(template_marks)  # the footer's 主办单位, ICP备案号 ... (site_marks.py)
    # Deadlines and notice ends are stored exclusive; templates print them through these.
    app.jinja_env.filters.update(TEMPLATE_FILTERS)
    app.jinja_env.globals["csp_nonce"] = lambda: g.get("csp_nonce", "")


def _staff_only() -> bool:
    """A response for staff eyes: under /staff, to a signed-in staff member, or to an API key.

    Static files stay cacheable. The user is read only if the request already loaded it, so a
    database outage (see errors.py) cannot fail this hook.
    """
    from flask import request

    if request.endpoint in ("static", None) or (request.blueprint or "") == "vendor":
        return request.path.startswith("/staff")
    if request.path.startswith("/staff") or request.headers.get("X-API-Key"):
        return True
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated and getattr(user, "is_staff", False))


def _csp(nonce: str) -> str:
    """A strict policy: scripts only from this origin or with this response's nonce."""
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: https: http:; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
        "form-action 'self'"
    )
