"""The wing kiosk's touch interface: a Flask app factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf import CSRFProtect
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from backoffice.errors import ServiceError
from backoffice.settings import Settings
from backoffice.surface import (
    DATABASE_AWAY,
    DATABASE_RETRY_AFTER_SECONDS,
    RETRY_AFTER_SECONDS,
    health_blueprint,
    init_common,
    init_shared_storage_outage,
    log_database_away,
)

from . import agent_api, views
from .i18n import init_i18n
from .security import CSP, init_security, make_limiter

__all__ = ["CSP", "create_app"]


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    settings = init_common(app, settings, "kiosk")
    # The kiosk never follows a link from elsewhere: its cookies need not either.
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    # A form stays valid as long as a kiosk session may last.
    app.config["WTF_CSRF_TIME_LIMIT"] = settings["kiosk.session_minutes"] * 60
    CSRFProtect(app)
    # Languages first: the "not a kiosk" answer of the device check speaks them too.
    init_i18n(app, list(settings["languages"]))
    limiter = make_limiter(settings)
    init_security(app, settings, limiter)
    app.register_blueprint(health_blueprint())
    app.register_blueprint(views.bp)
    # The kiosk agent's card endpoints (challenge, answer, removal) under /agent.
    agent_api.init_app(app)
    for endpoint in views.SIGN_IN_ENDPOINTS:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = limiter.limit(
                settings["kiosk.sign_in_rate_limit"], methods=["POST"]
            )(app.view_functions[endpoint])
    limiter.exempt(app.view_functions["health.health"])
    limiter.exempt(app.view_functions["static"])
    init_shared_storage_outage(app, limiter, _unavailable)

    @app.errorhandler(CSRFError)
    def stale_form(_error: CSRFError) -> Any:
        return _error_page(
            _("Please try again"), _("The screen was open too long. Try again."), 400
        )

    @app.errorhandler(ServiceError)
    def refused(error: ServiceError) -> Any:
        # A refusal no view expected (a stale cart naming a product that is gone, say).
        return _error_page(_("This cannot be done"), views.screen.said(error), error.status)

    def database_away(error: Exception) -> Any:
        log_database_away(error)
        page, code = _error_page(_("Please wait a moment"), _("Please try again."), 503)
        return page, code, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}

    for away in DATABASE_AWAY:
        app.register_error_handler(away, database_away)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        if code == 429:
            return _error_page(
                _("Please wait a moment"), _("Too many tries. Wait a minute and try again."), 429
            )
        if code == 404:
            return _error_page(_("Not found"), _("This page does not exist."), 404)
        return _error_page(_("Something went wrong"), _("Please try again."), code)

    return app


def _error_page(title: str, message: str, code: int) -> Any:
    return render_template("kiosk/error.html", title=title, message=message), code


def _unavailable() -> Any:
    # Redis, where the kiosk's limits are counted, does not answer: nothing can be done here.
    page, code = _error_page(
        _("Temporarily unavailable"),
        _(
            "The kiosk is not working for a moment. Try again in a minute; if it still does not "
            "work, call an officer."
        ),
        503,
    )
    return page, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}
