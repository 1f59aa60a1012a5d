"""The in-cell tablets' JSON API under /api/v1: a Flask app factory."""

from __future__ import annotations

from flask import Flask

from backoffice.settings import Settings
from backoffice.web.base import health_blueprint, init_common, set_security_headers

from .api import bp

CSP = "default-src 'none'; frame-ancestors 'none'"


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    init_common(app, settings, "tablet-api")
    app.register_blueprint(health_blueprint("/api/v1"))
    app.register_blueprint(bp)
    app.after_request(lambda response: set_security_headers(response, CSP))
    return app
