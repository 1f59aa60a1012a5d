"""The kiosk agent reads its JSON with the same body reader as the tablet API: a body nested
too deep, with NaN or a key twice, or that is not an object, is a 400 and never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.devices.services import register_device
from backoffice.people.models import Prison
from backoffice.settings import Settings
from backoffice.surface import init_common
from kiosk import agent_api
from tests.conftest import wing_of


@pytest.fixture
def client(settings: Settings) -> Any:
    app = Flask("agent-test")
    init_common(app, settings, "kiosk")
    agent_api.init_app(app)
    yield app.test_client()
    app.extensions["cellgate"]["engine"].dispose()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[" * 1000 + "]" * 1000, "The body is nested too deep."),
        ('{"card_number": NaN}', "The body has NaN, Infinity or a number too large."),
        ('{"card_number": "1", "card_number": "2"}', "The body has the same key twice."),
        ('["card_number"]', "The body must be a JSON object."),
        ('{"card_number": "12\\u0000"}', "The body has a NUL character or a lone surrogate."),
    ],
)
def test_a_malformed_body_to_the_agent_is_a_plain_400(
    client: Any, db: Session, system: Actor, prison: Prison, raw: str, message: str
) -> None:
    kiosk = register_device(
        db, system, kind="kiosk", name="kiosk-A", wing_id=wing_of(db, prison, "A").id
    )
    db.commit()
    for path in ("/agent/card/challenge", "/agent/card/verify", "/agent/card/removed"):
        response = client.post(
            path,
            data=raw,
            headers={
                "Authorization": f"Bearer {kiosk.credential}",
                "Content-Type": "application/json",
            },
        )
        assert response.status_code == 400, path
        assert response.json == {"code": "bad-request", "message": message}
