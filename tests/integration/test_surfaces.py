from collections.abc import Callable

import pytest
from flask import Flask

from backoffice.settings import Settings
from backoffice.web import create_app as create_backoffice
from kiosk import create_app as create_kiosk
from tablet_api import create_app as create_tablet_api
from tests.conftest import test_settings

SURFACES = [
    (create_kiosk, "/health", "kiosk"),
    (create_tablet_api, "/api/v1/health", "tablet-api"),
    (create_backoffice, "/health", "backoffice"),
]


@pytest.mark.parametrize(("factory", "path", "surface"), SURFACES)
def test_each_surface_reports_its_database(
    settings: Settings, factory: Callable[..., Flask], path: str, surface: str
) -> None:
    app = factory(settings)
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert response.json == {"status": "ok", "surface": surface, "database": "ok"}
    assert "default-src" in response.headers["Content-Security-Policy"]
    app.extensions["cellgate"]["engine"].dispose()


@pytest.mark.parametrize(("factory", "path", "surface"), SURFACES)
def test_health_says_when_the_database_is_gone(
    factory: Callable[..., Flask], path: str, surface: str
) -> None:
    # Nothing listens on port 9: the database server is down.
    app = factory(test_settings("postgresql+psycopg://postgres@127.0.0.1:9/cellgate"))
    response = app.test_client().get(path)
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_tablet_api_serves_its_openapi_document(settings: Settings) -> None:
    app = create_tablet_api(settings)
    document = app.test_client().get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/health" in document["paths"]
