from collections.abc import Callable

import pytest
from flask import Flask

from backoffice.family import create_app as create_family
from backoffice.settings import Settings, SettingsError
from backoffice.web import create_app as create_backoffice
from kiosk import create_app as create_kiosk
from tablet_api import create_app as create_tablet_api
from tests.conftest import test_settings

SURFACES = [
    (create_kiosk, "/health", "kiosk"),
    (create_tablet_api, "/api/v1/health", "tablet-api"),
    (create_backoffice, "/health", "backoffice"),
    (create_family, "/health", "family"),
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


HSTS = "max-age=31536000"


@pytest.mark.parametrize(("factory", "path", "surface"), SURFACES)
def test_strict_transport_security_over_tls_only(
    database_url: str, factory: Callable[..., Flask], path: str, surface: str
) -> None:
    direct = factory(test_settings(database_url)).test_client()
    # Served over TLS by gunicorn itself: the browser is told to use TLS from now on.
    assert (
        direct.get(path, base_url="https://cellgate.example").headers["Strict-Transport-Security"]
        == HSTS
    )
    # Plain HTTP (a development machine): nothing that would lock it out of http:// later.
    assert "Strict-Transport-Security" not in direct.get(path).headers
    # Nobody can claim TLS with a header when no proxy is trusted.
    spoofed = direct.get(path, headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers

    behind_proxy = factory(
        test_settings(database_url, **{"server.trusted_proxies": 1})
    ).test_client()
    over_tls = behind_proxy.get(path, headers={"X-Forwarded-Proto": "https"})
    assert over_tls.headers["Strict-Transport-Security"] == HSTS
    over_http = behind_proxy.get(path, headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in over_http.headers
    # Refusals carry it too (the kiosk's 403 to an unbound browser, the others' 404).
    refused = behind_proxy.get("/no-such-page", headers={"X-Forwarded-Proto": "https"})
    assert refused.status_code in (403, 404)
    assert refused.headers["Strict-Transport-Security"] == HSTS

    switched_off = factory(test_settings(database_url, **{"server.hsts_max_age": 0}))
    answer = switched_off.test_client().get(path, base_url="https://cellgate.example")
    assert "Strict-Transport-Security" not in answer.headers
    for client in (direct, behind_proxy):
        client.application.extensions["cellgate"]["engine"].dispose()
    switched_off.extensions["cellgate"]["engine"].dispose()


@pytest.mark.parametrize(("factory", "path", "surface"), SURFACES)
def test_a_surface_whose_redis_does_not_answer_stops_at_start(
    settings: Settings, factory: Callable[..., Flask], path: str, surface: str
) -> None:
    # Nothing listens on port 9: the Redis the rate limits are counted in is down.
    unreachable = settings.with_overrides({"server.shared_storage": "redis://127.0.0.1:9/0"})
    with pytest.raises(SettingsError, match=r"server.shared_storage: no answer from 127.0.0.1:9"):
        factory(unreachable)
