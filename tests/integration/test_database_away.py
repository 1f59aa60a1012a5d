"""The database away (restarting, failing over): each surface says so with a 503 and a
Retry-After, in its own form, instead of a 500. The crash test (test_shop_crash.py) meets this
on a real restart; here the database is simply not there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from backoffice import web
from kiosk import create_app as create_kiosk
from kiosk.security import DEVICE_COOKIE
from tablet_api import create_app as create_tablet_api
from tests.conftest import test_settings
from tests.integration.staff_client import csrf_token as token
from tests.postgres_cluster import free_port

# A port nothing listens on: every connection is refused at once.
NOWHERE = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/cellgate"


@pytest.fixture(params=["tablet", "kiosk", "backoffice"])
def surface(request: pytest.FixtureRequest) -> Iterator[tuple[str, Flask]]:
    factory = {"tablet": create_tablet_api, "kiosk": create_kiosk, "backoffice": web.create_app}
    app = factory[request.param](test_settings(NOWHERE))
    yield request.param, app
    app.extensions["cellgate"]["engine"].dispose()


def test_a_database_away_is_a_503_to_try_again(surface: tuple[str, Flask]) -> None:
    name, app = surface
    client = app.test_client()
    if name == "tablet":
        answer = client.get("/api/v1/me", headers={"X-Device-Credential": "cgd_abc.def"})
        assert answer.mimetype == "application/problem+json"
        assert answer.json["code"] == "unavailable"
        assert answer.json["detail"].startswith("Teenus ei ole hetkel saadaval.")
    elif name == "kiosk":
        client.set_cookie(DEVICE_COOKIE, "cgd_abc.def")
        answer = client.get("/")
        assert "Palun oota hetk" in answer.text  # "Please wait a moment", the kiosk's language
    else:
        form = {"username": "kadri", "password": "x", "csrf_token": token(client, "/sign-in")}
        answer = client.post("/sign-in", data=form)
        assert "cannot reach its database just now" in answer.text
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "2"
