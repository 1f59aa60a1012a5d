"""The staff back office: a Flask app factory."""

from __future__ import annotations

from flask import Flask
from flask_wtf import CSRFProtect

from ..accounts.views import init_app as init_accounts
from ..requests.views import init_app as init_requests
from ..settings import Settings
from ..shop.protocol_versions import APP_KEY as SHOP_RULES
from ..shop.protocol_versions import RuleBook
from ..shop.views import init_app as init_shop
from ..signin.views import init_app as init_signin
from ..visits.views import init_app as init_visits
from .access import init_access
from .base import health_blueprint, init_common, set_security_headers
from .views import bp as views_bp

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    settings = init_common(app, settings, "backoffice")
    # The shop's rules page shows them; a bad protocol file stops this start as it does the
    # kiosk's and the tablets'.
    app.extensions[SHOP_RULES] = RuleBook.at_start(settings)
    app.config["WTF_CSRF_TIME_LIMIT"] = settings["auth"]["session_hours"] * 3600
    CSRFProtect(app)
    init_access(app, settings)
    app.register_blueprint(health_blueprint())
    app.register_blueprint(views_bp)
    init_shop(app)
    init_visits(app)
    init_requests(app)
    init_accounts(app)
    init_signin(app)
    app.after_request(lambda response: set_security_headers(response, CSP))
    return app
