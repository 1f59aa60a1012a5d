"""The staff back office: a Flask app factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_wtf import CSRFProtect

from ..accounts.views import init_app as init_accounts
from ..audit.views import init_app as init_audit
from ..bank.views import init_app as init_bank
from ..content.views import init_app as init_content
from ..devices.views import init_app as init_devices
from ..messages.views import init_app as init_messages
from ..money.views import init_app as init_money
from ..outbox.views import init_app as init_outbox
from ..people.views import init_app as init_people
from ..register.views import init_app as init_register
from ..requests.views import init_app as init_requests
from ..settings import Settings
from ..shop.views import init_app as init_shop
from ..signin.views import init_app as init_signin
from ..staff.views import init_app as init_staff
from ..surface import (
    RETRY_AFTER_SECONDS,
    check_shared_storage,
    health_blueprint,
    init_common,
    init_shared_storage_outage,
    remote_addr,
    set_security_headers,
    shared_storage,
)
from ..visits.views import init_app as init_visits
from .access import init_access
from .formats import init_formats
from .language import init_language
from .views import bp as views_bp

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    settings = init_common(app, settings, "backoffice")
    app.config["WTF_CSRF_TIME_LIMIT"] = settings["auth"]["session_hours"] * 3600
    CSRFProtect(app)
    init_access(app, settings)
    init_language(app)
    init_formats(app)
    app.register_blueprint(health_blueprint())
    # The devices, audit and people pages are on views_bp too: their modules, imported above,
    # have added them.
    app.register_blueprint(views_bp)
    init_people(app)
    init_devices(app)
    init_audit(app)
    init_shop(app)
    init_visits(app)
    init_outbox(app)
    init_messages(app)
    init_requests(app)
    init_accounts(app)
    init_bank(app)
    init_money(app)
    init_signin(app)
    init_register(app)
    init_staff(app)
    init_content(app)
    init_sign_in_limit(app, settings)
    app.after_request(lambda response: set_security_headers(response, CSP))
    return app


def init_sign_in_limit(app: Flask, settings: Settings) -> None:
    """Sign-in attempts are counted per client address, in the counters every worker and host
    share, besides the lockout of each account: one address cannot try a password on many
    accounts. While the counters cannot be reached nobody signs in; staff already signed in
    go on working."""
    limiter = Limiter(
        remote_addr,
        **shared_storage(settings),
        default_limits=[],
        headers_enabled=False,
        strategy="fixed-window",
    )
    limiter.init_app(app)
    check_shared_storage(limiter, settings)
    app.view_functions["views.sign_in"] = limiter.limit(
        settings["auth.sign_in_rate_limit"], methods=["POST"]
    )(app.view_functions["views.sign_in"])
    init_shared_storage_outage(app, limiter, _unavailable)
    app.register_error_handler(429, _too_many_attempts)


def _error_page(title: str, message: str, code: int) -> Any:
    return render_template("error.html", title=title, message=message), code


def _too_many_attempts(_error: Exception) -> Any:
    return _error_page(
        _("Too many sign-in attempts"),
        _("Too many attempts from here. Wait a minute and try again."),
        429,
    )


def _unavailable() -> Any:
    page, code = _error_page(
        _("Temporarily unavailable"),
        _(
            "Signing in is not possible for a moment: the service that counts sign-in attempts "
            "does not answer. Try again in a minute; if it goes on, tell the system administrator."
        ),
        503,
    )
    return page, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}
