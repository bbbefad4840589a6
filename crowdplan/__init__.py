"""crowdplan: a public-participation planning platform (app factory)."""

from __future__ import annotations

import secrets

from flask import Flask, g

from config import config_from_env
from crowdplan.audit import models as _audit_models  # noqa: F401
from crowdplan.auth import models as _auth_models  # noqa: F401

# Importing the models registers them on db.metadata (migrations compare against it).
from crowdplan.core import models as _core_models  # noqa: F401
from crowdplan.extensions import babel, csrf, db, limiter, login_manager, migrate
from crowdplan.geo.spatial import configure_engine
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

    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    from crowdplan import cli, errors, inputs

    errors.register(app)
    inputs.register(app)
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from crowdplan.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"


def _register_blueprints(app: Flask) -> None:
    from crowdplan.auth.staff import bp as staff_bp
    from crowdplan.auth.views import bp as auth_bp
    from crowdplan.main.views import bp as main_bp
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


def _register_hooks(app: Flask) -> None:
    from crowdplan.i18n import template_globals

    @app.before_request
    def _nonce():
        # One nonce per response for script tags (map scripts are inline); see base.html.
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html" and "csp_nonce" in g:
            response.headers.setdefault("Content-Security-Policy", _csp(g.csp_nonce))
        return response

    app.context_processor(template_globals)
    app.jinja_env.globals["csp_nonce"] = lambda: g.get("csp_nonce", "")


def _csp(nonce: str) -> str:
    """A strict policy: scripts only from this origin or with this response's nonce."""
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: https: http:; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
        "form-action 'self'"
    )
