"""One error type and one place that turns errors into pages or JSON in the user's language."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

log = logging.getLogger(__name__)


class AppError(Exception):
    """A refusal the user can understand: HTTP status, a stable code, a translated message."""

    def __init__(self, message: str, *, status: int = 400, code: str = "bad_request"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def _default_messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you entered."),
        401: _("Please sign in first."),
        403: _("You do not have permission to do this."),
        404: _("This page does not exist, or it has been removed."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many requests. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Your data is safe; please try again later."),
        503: _("The service is temporarily unavailable. Please try again shortly."),
    }


def default_message(status: int, fallback: str = "") -> str:
    """The translated message for an HTTP status."""
    return _default_messages().get(status, fallback)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, message: str, code: str):
    """JSON under /api (or when asked for), an HTML page elsewhere."""
    if _wants_json():
        return jsonify(error={"status": status, "code": code, "message": message}), status
    return render_template("errors/error.html", status=status, message=message), status


def register(app) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(AppError)
    def _app_error(exc: AppError):
        if exc.status == 403:
            _audit_refusal()
        return render_error(exc.status, exc.message, exc.code)

    @app.errorhandler(SecurityError)
    def _untrusted_host(exc: SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page with links.
        return _default_messages()[400], 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        message = _("Your form has expired or was not sent from this site. Please try again.")
        return render_error(400, message, "csrf")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        if status == 403:
            _audit_refusal()
        message = _default_messages().get(status, exc.description or "")
        return render_error(status, message, (exc.name or "error").lower().replace(" ", "_"))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc: Exception):
        # The database is down, restarting or locked: nothing the user did. The pool's
        # pre-ping reconnects by itself once it is back, so a retry shortly will work.
        from flask import g

        from crowdplan.extensions import db, login_manager

        log.warning("database unavailable on %s %s: %s", request.method, request.path,
                    str(exc).splitlines()[0][:200])  # fmt: skip
        db.session.rollback()
        # The page must not look the user up in the database that just failed.
        g._login_user = login_manager.anonymous_user()
        body, status = render_error(503, _default_messages()[503], "database_unavailable")
        # The limiter would raise Retry-After to its window; the app factory puts 5 back.
        return body, status, {"Retry-After": "5", "X-Retry-After-Own": "5"}

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, _default_messages()[500], "internal_error")


def _audit_refusal() -> None:
    """An authorisation failure is an audit record of its own (who, which method and path).

    The request's unfinished work is rolled back first: a refused request changes nothing.
    Paths carry ids only, never personal data. Failing to write it must not hide the 403.
    """
    from flask_login import current_user
    from sqlalchemy.exc import SQLAlchemyError

    from crowdplan.audit.models import record
    from crowdplan.extensions import db
    from crowdplan.geo import spatial

    try:
        db.session.rollback()
        spatial.begin_immediate(db.session)  # reads the user, then writes: take the lock first
        actor = current_user if current_user.is_authenticated else None
        reason = f"{request.method} {request.path}"[:300]
        record("access_denied", None, actor=actor, object_type="request", reason=reason)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not write the audit record of a refusal")
