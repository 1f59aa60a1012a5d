"""The wing kiosk's touch interface: a Flask app factory."""

from __future__ import annotations

from flask import Flask

from backoffice.settings import Settings
from backoffice.web.base import health_blueprint, init_common, set_security_headers

from .views import bp

# No inline scripts or styles, nothing from outside the kiosk.
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'"
)


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    init_common(app, settings, "kiosk")
    app.register_blueprint(health_blueprint())
    app.register_blueprint(bp)
    app.after_request(lambda response: set_security_headers(response, CSP))
    return app
