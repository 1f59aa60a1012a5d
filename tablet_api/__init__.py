"""The in-cell tablets' JSON API under /api/v1: a Flask app factory."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SessionInterface

from backoffice.settings import Settings
from backoffice.surface import health_blueprint, init_common, set_security_headers

from . import (  # noqa: F401 (routes)
    auth,
    content,
    messages,
    money,
    notifications,
    photos,
    requests,
    shop,
    visits,
)
from .api import bp
from .http import init_pipeline
from .openapi import PUBLIC, Operation
from .problems import init_problems
from .webapp import bp as app_bp

CSP = "default-src 'none'; frame-ancestors 'none'"

HEALTH = Operation(
    summary="Is the service up and its database reachable?",
    tag="meta",
    auth=PUBLIC,
    response="Health",
    other_responses={
        503: {
            "description": "Database unreachable",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}},
        }
    },
)


class NoCookieSessions(SessionInterface):
    """The API keeps nothing in a cookie (a tablet carries its credential and tokens in
    headers): no signed session cookie is looked for, opened or written on any call."""

    def open_session(self, app: Flask, request: Any) -> None:
        return None  # Flask gives the call a null session

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        return None


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    settings = init_common(app, settings, "tablet-api")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.session_interface = NoCookieSessions()
    init_problems(app)
    init_pipeline(app, settings)
    app.register_blueprint(health_blueprint("/api/v1"))
    app.view_functions["health.health"].operation = HEALTH  # type: ignore[attr-defined]
    app.register_blueprint(bp)
    app.register_blueprint(app_bp)  # the in-cell app at /app/, a client of /api/v1
    app.after_request(lambda response: set_security_headers(response, CSP))
    return app
